//! `/beneficiaries` and `/households`: the service target list and the
//! households its people live in.

use crate::extract::{Count, Ctx, IfMatch, ListQuery, created, with_etag};
use crate::json::ValidJson;
use crate::problem::ApiError;
use crate::routes::users::RevealQuery;
use crate::state::AppState;
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, get, patch, post, web};
use chrono::{DateTime, Utc};
use jiuzhu_core::Page;
use jiuzhu_intake::beneficiaries::{
    self, BeneficiaryFilter, BeneficiaryStatus, BeneficiaryView, Category, CreateBeneficiary, Group, LookupById, PatchBeneficiary,
};
use jiuzhu_intake::households::{self, CreateHousehold, HouseholdView, MemberInput, MembershipChange};
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct BeneficiaryQuery {
    /// Only people in this region's subtree (within the caller's own).
    pub region_code: Option<String>,
    pub category: Option<Category>,
    /// Derived groups (`elderly`, `minor`, `woman`) are computed for today.
    pub group: Option<Group>,
    pub status: Option<BeneficiaryStatus>,
    /// Name prefix.
    pub name: Option<String>,
    /// Changed at or after this time (RFC 3339).
    pub updated_since: Option<DateTime<Utc>>,
}

impl From<BeneficiaryQuery> for BeneficiaryFilter {
    fn from(q: BeneficiaryQuery) -> Self {
        BeneficiaryFilter {
            region_code: q.region_code,
            category: q.category,
            group: q.group,
            status: q.status,
            name_prefix: q.name,
            updated_since: q.updated_since,
        }
    }
}

/// Register a person on the service target list
///
/// Gender, birth date and the age groups derive from the ID number. A
/// registered ID number answers 409 with the existing record's id when the
/// caller can see it; registered in another area, it answers 409 naming
/// nothing (ask that area to transfer the record), audited, and at most 20
/// times a day per account (429 after). The region must be a township or
/// village in the caller's region.
///
/// Permission: `beneficiary:write`.
#[utoipa::path(
    tag = "beneficiaries",
    operation_id = "createBeneficiary",
    request_body(content = CreateBeneficiary, content_type = "application/json"),
    responses(
        (status = 201, description = "Registered", body = BeneficiaryView,
            headers(("Location" = String, description = "URL of the record"), ("ETag" = String, description = "Its version"))),
        (status = 409, description = "The ID number is registered (`id_number_registered`)"),
        (status = 429, description = "The day's answers about records in other areas are used up", headers(("Retry-After" = u64, description = "Seconds to wait"))),
    )
)]
#[post("/beneficiaries")]
pub async fn create_beneficiary(
    state: web::Data<AppState>,
    Ctx(ctx): Ctx,
    body: ValidJson<CreateBeneficiary>,
) -> Result<HttpResponse, ApiError> {
    let person = beneficiaries::create(&state.db, &ctx, body.0).await?;
    Ok(created(format!("/api/v1/beneficiaries/{}", person.id), person.version, &person))
}

/// List people on the service target list
///
/// People in the caller's region subtree, by id, with ID numbers and phones masked.
///
/// Permission: `beneficiary:read`.
#[utoipa::path(
    tag = "beneficiaries",
    operation_id = "listBeneficiaries",
    params(BeneficiaryQuery, ListQuery),
    responses((status = 200, description = "One page", body = Page<BeneficiaryView>))
)]
#[get("/beneficiaries")]
pub async fn list_beneficiaries(
    state: web::Data<AppState>,
    Ctx(ctx): Ctx,
    query: web::Query<BeneficiaryQuery>,
    list: web::Query<ListQuery>,
) -> Result<HttpResponse, ApiError> {
    let page = beneficiaries::list(&state.db, &ctx, query.into_inner().into(), list.page()?).await?;
    Ok(HttpResponse::Ok().json(page))
}

/// Count people on the service target list
///
/// Permission: `beneficiary:read`.
#[utoipa::path(
    tag = "beneficiaries",
    operation_id = "countBeneficiaries",
    params(BeneficiaryQuery),
    responses((status = 200, description = "The count", body = Count))
)]
#[get("/beneficiaries/count")]
pub async fn count_beneficiaries(
    state: web::Data<AppState>,
    Ctx(ctx): Ctx,
    query: web::Query<BeneficiaryQuery>,
) -> Result<HttpResponse, ApiError> {
    let count = beneficiaries::count(&state.db, &ctx, query.into_inner().into()).await?;
    Ok(HttpResponse::Ok().json(Count { count }))
}

/// Find a person by ID number
///
/// The person with this ID number in the caller's region, whatever its
/// status, masked as every read is; the number goes in the body so that it
/// never lands in a URL or an access log. A person registered elsewhere is
/// 404, as a read by id would be. Every lookup, found or not, writes an
/// audit row with the number masked.
///
/// Permission: `beneficiary:read`.
#[utoipa::path(
    tag = "beneficiaries",
    operation_id = "lookupBeneficiary",
    request_body = LookupById,
    responses(
        (status = 200, description = "The person", body = BeneficiaryView, headers(("ETag" = String, description = "Its version"))),
        (status = 404, description = "No person with this ID number in the caller's region"),
    )
)]
// Registered before `/beneficiaries/{id}` routes so that `lookup` is never read as an id.
#[post("/beneficiaries/lookup")]
pub async fn lookup_beneficiary(state: web::Data<AppState>, Ctx(ctx): Ctx, body: ValidJson<LookupById>) -> Result<HttpResponse, ApiError> {
    let person = beneficiaries::lookup(&state.db, &ctx, body.0).await?;
    Ok(with_etag(StatusCode::OK, person.version, &person))
}

/// Get a person
///
/// `?reveal=pii` returns the full ID number and phone to holders of
/// `pii:reveal`, and writes an audit row. Outside the caller's region: 404.
///
/// Permission: `beneficiary:read` (and `pii:reveal` to reveal).
#[utoipa::path(
    tag = "beneficiaries",
    operation_id = "getBeneficiary",
    params(("id" = Uuid, Path, description = "Record id"), RevealQuery),
    responses(
        (status = 200, description = "The person", body = BeneficiaryView, headers(("ETag" = String, description = "Its version"))),
        (status = 404, description = "No such person in the caller's region"),
    )
)]
#[get("/beneficiaries/{id}")]
pub async fn get_beneficiary(
    state: web::Data<AppState>,
    Ctx(ctx): Ctx,
    id: web::Path<Uuid>,
    query: web::Query<RevealQuery>,
) -> Result<HttpResponse, ApiError> {
    let person = beneficiaries::get(&state.db, &ctx, *id, query.reveal.is_some()).await?;
    Ok(with_etag(StatusCode::OK, person.version, &person))
}

/// Update a person
///
/// A JSON merge patch with `If-Match`. `id_number`, `status` and `version`
/// cannot be patched; `null` clears `phone` or `disability_level`.
///
/// Permission: `beneficiary:write`.
#[utoipa::path(
    tag = "beneficiaries",
    operation_id = "patchBeneficiary",
    params(("id" = Uuid, Path, description = "Record id"), IfMatch),
    request_body(content = PatchBeneficiary, content_type = "application/merge-patch+json"),
    responses(
        (status = 200, description = "Updated", body = BeneficiaryView, headers(("ETag" = String, description = "The new version"))),
        (status = 404, description = "No such person in the caller's region"),
    )
)]
#[patch("/beneficiaries/{id}")]
pub async fn patch_beneficiary(
    state: web::Data<AppState>,
    Ctx(ctx): Ctx,
    id: web::Path<Uuid>,
    if_match: IfMatch,
    body: ValidJson<PatchBeneficiary>,
) -> Result<HttpResponse, ApiError> {
    let person = beneficiaries::patch(&state.db, &ctx, *id, if_match.0, body.0).await?;
    Ok(with_etag(StatusCode::OK, person.version, &person))
}

/// Take a person off the list
///
/// The record stays, with status `inactive`. Needs `If-Match`.
///
/// Permission: `beneficiary:write`.
#[utoipa::path(
    tag = "beneficiaries",
    operation_id = "deactivateBeneficiary",
    params(("id" = Uuid, Path, description = "Record id"), IfMatch),
    responses(
        (status = 200, description = "Deactivated", body = BeneficiaryView, headers(("ETag" = String, description = "The new version"))),
        (status = 404, description = "No such person in the caller's region"),
        (status = 409, description = "Already inactive"),
    )
)]
#[post("/beneficiaries/{id}/deactivate")]
pub async fn deactivate_beneficiary(
    state: web::Data<AppState>,
    Ctx(ctx): Ctx,
    id: web::Path<Uuid>,
    if_match: IfMatch,
) -> Result<HttpResponse, ApiError> {
    let person = beneficiaries::deactivate(&state.db, &ctx, *id, if_match.0).await?;
    Ok(with_etag(StatusCode::OK, person.version, &person))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct HouseholdQuery {
    pub region_code: Option<String>,
}

/// Register a household
///
/// The head and the other members with their relationship to the head. A
/// person already in a household answers 409 (`already_in_household`) with
/// that household's id.
///
/// Permission: `beneficiary:write`.
#[utoipa::path(
    tag = "beneficiaries",
    operation_id = "createHousehold",
    request_body(content = CreateHousehold, content_type = "application/json"),
    responses((status = 201, description = "Registered", body = HouseholdView,
        headers(("Location" = String, description = "URL of the household"), ("ETag" = String, description = "Its version"))))
)]
#[post("/households")]
pub async fn create_household(
    state: web::Data<AppState>,
    Ctx(ctx): Ctx,
    body: ValidJson<CreateHousehold>,
) -> Result<HttpResponse, ApiError> {
    let household = households::create(&state.db, &ctx, body.0).await?;
    Ok(created(format!("/api/v1/households/{}", household.id), household.version, &household))
}

/// List households
///
/// Permission: `beneficiary:read`.
#[utoipa::path(
    tag = "beneficiaries",
    operation_id = "listHouseholds",
    params(HouseholdQuery, ListQuery),
    responses((status = 200, description = "One page", body = Page<HouseholdView>))
)]
#[get("/households")]
pub async fn list_households(
    state: web::Data<AppState>,
    Ctx(ctx): Ctx,
    query: web::Query<HouseholdQuery>,
    list: web::Query<ListQuery>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(households::list(&state.db, &ctx, query.into_inner().region_code, list.page()?).await?))
}

/// Get a household
///
/// Permission: `beneficiary:read`.
#[utoipa::path(
    tag = "beneficiaries",
    operation_id = "getHousehold",
    params(("id" = Uuid, Path, description = "Household id")),
    responses((status = 200, description = "The household", body = HouseholdView, headers(("ETag" = String, description = "The household's version"))), (status = 404, description = "No such household in the caller's region"))
)]
#[get("/households/{id}")]
pub async fn get_household(state: web::Data<AppState>, Ctx(ctx): Ctx, id: web::Path<Uuid>) -> Result<HttpResponse, ApiError> {
    let household = households::get(&state.db, &ctx, *id).await?;
    Ok(with_etag(StatusCode::OK, household.version, &household))
}

/// Add a household member
///
/// Needs the household's `If-Match`.
///
/// Permission: `beneficiary:write`.
#[utoipa::path(
    tag = "beneficiaries",
    operation_id = "addHouseholdMember",
    params(("id" = Uuid, Path, description = "Household id"), IfMatch),
    request_body(content = MemberInput, content_type = "application/json"),
    responses((status = 200, description = "Added", body = HouseholdView), (status = 409, description = "The person is in a household (`already_in_household`)"))
)]
#[post("/households/{id}/members")]
pub async fn add_household_member(
    state: web::Data<AppState>,
    Ctx(ctx): Ctx,
    id: web::Path<Uuid>,
    if_match: IfMatch,
    body: ValidJson<MemberInput>,
) -> Result<HttpResponse, ApiError> {
    let household = households::change_members(&state.db, &ctx, *id, if_match.0, MembershipChange::Add(body.0)).await?;
    Ok(with_etag(StatusCode::OK, household.version, &household))
}

/// Remove a household member
///
/// The head cannot leave (422 `head_cannot_leave`). Needs the household's `If-Match`.
///
/// Permission: `beneficiary:write`.
#[utoipa::path(
    tag = "beneficiaries",
    operation_id = "removeHouseholdMember",
    params(
        ("id" = Uuid, Path, description = "Household id"),
        ("beneficiary_id" = Uuid, Path, description = "The member"),
        IfMatch
    ),
    responses((status = 200, description = "Removed", body = HouseholdView), (status = 422, description = "The head cannot leave"))
)]
#[post("/households/{id}/members/{beneficiary_id}/remove")]
pub async fn remove_household_member(
    state: web::Data<AppState>,
    Ctx(ctx): Ctx,
    path: web::Path<(Uuid, Uuid)>,
    if_match: IfMatch,
) -> Result<HttpResponse, ApiError> {
    let (id, person) = path.into_inner();
    let household = households::change_members(&state.db, &ctx, id, if_match.0, MembershipChange::Remove(person)).await?;
    Ok(with_etag(StatusCode::OK, household.version, &household))
}

/// Registers this module's routes, in this order: `GET /beneficiaries/count` before
/// `/beneficiaries/{id}`, which would read `count` as its parameter.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(create_beneficiary)
        .service(list_beneficiaries)
        .service(count_beneficiaries)
        .service(lookup_beneficiary)
        .service(get_beneficiary)
        .service(patch_beneficiary)
        .service(deactivate_beneficiary)
        .service(create_household)
        .service(list_households)
        .service(get_household)
        .service(add_household_member)
        .service(remove_household_member);
}
