//! `/services`, `/providers` and `/volunteers`: the service project list,
//! the providers who deliver it, and volunteers with their time ledger.

use crate::extract::{Ctx, IfMatch, ListQuery, created, with_etag};
use crate::json::ValidJson;
use crate::problem::ApiError;
use crate::state::AppState;
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, get, patch, post, web};
use jiuzhu_core::Page;
use jiuzhu_supply::catalogue::{self, CreateLocalService, HsdsService, ServiceCategory, ServiceView};
use jiuzhu_supply::providers::{self, PatchProvider, ProviderFilter, ProviderView, RegisterProvider};
use jiuzhu_supply::rules::Program;
use jiuzhu_supply::volunteers::{self, Ledger, LogHours, RegisterVolunteer, VolunteerView};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

jiuzhu_core::coded_enum! {
    pub enum CatalogueFormat as "catalogue_format" {
        /// jiuzhu's own shape
        Jiuzhu = "jiuzhu", "本系统格式", "jiuzhu format";
        /// Open Referral HSDS 3 services
        Hsds = "hsds", "HSDS 3 开放格式", "HSDS 3";
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ServiceQuery {
    pub category: Option<ServiceCategory>,
    pub active: Option<bool>,
    /// `hsds` answers Open Referral HSDS 3 services, for directory integrators.
    pub format: Option<CatalogueFormat>,
}

/// The catalogue in either shape.
#[derive(Debug, Serialize, ToSchema)]
#[serde(untagged)]
pub enum Catalogue {
    Jiuzhu(Vec<ServiceView>),
    Hsds(Vec<HsdsService>),
}

/// The service project list
///
/// The 32 guidance items of Annex 1 (12 care, 10 daily living, 10 caring)
/// and the local items of the caller's city or county. `?format=hsds`
/// answers the Open Referral HSDS 3 service shape.
///
/// Permission: `service:read`.
#[utoipa::path(
    tag = "matching",
    operation_id = "listServices",
    params(ServiceQuery),
    responses((status = 200, description = "The catalogue", body = Catalogue))
)]
#[get("/services")]
pub async fn list_services(state: web::Data<AppState>, Ctx(ctx): Ctx, query: web::Query<ServiceQuery>) -> Result<HttpResponse, ApiError> {
    let items = catalogue::list(&state.db, &ctx, query.category, query.active).await?;
    Ok(HttpResponse::Ok().json(match query.format {
        Some(CatalogueFormat::Hsds) => Catalogue::Hsds(catalogue::to_hsds(&items)),
        _ => Catalogue::Jiuzhu(items),
    }))
}

/// Get a service
///
/// Permission: `service:read`.
#[utoipa::path(
    tag = "matching",
    operation_id = "getService",
    params(("code" = String, Path, description = "Service code")),
    responses((status = 200, description = "The service", body = ServiceView, headers(("ETag" = String, description = "The item's version"))), (status = 404, description = "No such service for the caller's region"))
)]
#[get("/services/{code}")]
pub async fn get_service(state: web::Data<AppState>, Ctx(ctx): Ctx, code: web::Path<String>) -> Result<HttpResponse, ApiError> {
    let service = catalogue::get(&state.db, &ctx, &code).await?;
    Ok(with_etag(StatusCode::OK, service.version, &service))
}

/// Add a local service item
///
/// The city or a county adds an item of its own, scoped to its region,
/// naming its category. A government-funded item states the basic living
/// need it meets (`basic_need_basis`, `required`) and starts `pending` and
/// inactive: the plan sets no government-funded item beyond basic living
/// needs, so the city approves it (`POST /services/{code}/approval`) before
/// it can be ordered. Any other local item is active at once.
///
/// Permission: `service:write`.
#[utoipa::path(
    tag = "matching",
    operation_id = "createLocalService",
    request_body(content = CreateLocalService, content_type = "application/json"),
    responses((status = 201, description = "Added", body = ServiceView, headers(("Location" = String, description = "URL of the item"))))
)]
#[post("/services")]
pub async fn create_service(
    state: web::Data<AppState>,
    Ctx(ctx): Ctx,
    body: ValidJson<CreateLocalService>,
) -> Result<HttpResponse, ApiError> {
    let service = catalogue::create_local(&state.db, &ctx, body.0).await?;
    Ok(created(format!("/api/v1/services/{}", service.code), service.version, &service))
}

/// Approve or reject a government-funded local item
///
/// The city's decision (市级审核) on a `pending` item, with its `note`:
/// approved, the item becomes active and can be ordered; rejected, it stays
/// inactive. Refused with 422 below city level (`city_approval_required`)
/// or to the account that proposed it (`separation_of_duties`), and with
/// 409 when the item is not pending (`not_pending`). Needs `If-Match`.
///
/// Permission: `service:write`, at city level.
#[utoipa::path(
    tag = "matching",
    operation_id = "decideLocalService",
    params(("code" = String, Path, description = "Service code"), ("If-Match" = String, Header, description = "The version you read")),
    request_body(content = jiuzhu_supply::catalogue::ItemDecision, content_type = "application/json"),
    responses(
        (status = 200, description = "Decided", body = ServiceView),
        (status = 404, description = "No such service for the caller's region"),
        (status = 409, description = "Not pending (`not_pending`)"),
    )
)]
#[post("/services/{code}/approval")]
pub async fn decide_service(
    state: web::Data<AppState>,
    Ctx(ctx): Ctx,
    code: web::Path<String>,
    if_match: IfMatch,
    body: ValidJson<jiuzhu_supply::catalogue::ItemDecision>,
) -> Result<HttpResponse, ApiError> {
    let service = catalogue::decide(&state.db, &ctx, &code, if_match.0, body.0).await?;
    Ok(with_etag(StatusCode::OK, service.version, &service))
}

/// Deactivate a local service item
///
/// Guidance items cannot be deactivated (422 `guidance_item_protected`). Needs `If-Match`.
///
/// Permission: `service:write`.
#[utoipa::path(
    tag = "matching",
    operation_id = "deactivateService",
    params(("code" = String, Path, description = "Service code"), ("If-Match" = String, Header, description = "The version you read")),
    responses((status = 200, description = "Deactivated", body = ServiceView), (status = 409, description = "Already inactive"))
)]
#[post("/services/{code}/deactivate")]
pub async fn deactivate_service(
    state: web::Data<AppState>,
    Ctx(ctx): Ctx,
    code: web::Path<String>,
    if_match: IfMatch,
) -> Result<HttpResponse, ApiError> {
    let service = catalogue::deactivate(&state.db, &ctx, &code, if_match.0).await?;
    Ok(with_etag(StatusCode::OK, service.version, &service))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ProviderQuery {
    pub service_code: Option<String>,
    /// Providers serving this region (or a region above it).
    pub serves_region: Option<String>,
    pub eligible_for_purchase: Option<bool>,
}

/// Register a provider
///
/// A budget-funded mass organisation registered as eligible for purchase
/// answers 422 `provider_type_ineligible`; a known credit code 409.
///
/// Permission: `provider:write`.
#[utoipa::path(
    tag = "matching",
    operation_id = "registerProvider",
    request_body(content = RegisterProvider, content_type = "application/json"),
    responses(
        (status = 201, description = "Registered", body = ProviderView,
            headers(("Location" = String, description = "URL of the provider"), ("ETag" = String, description = "Its version"))),
        (status = 409, description = "The credit code is registered (`credit_code_registered`)"),
    )
)]
#[post("/providers")]
pub async fn register_provider(
    state: web::Data<AppState>,
    Ctx(ctx): Ctx,
    body: ValidJson<RegisterProvider>,
) -> Result<HttpResponse, ApiError> {
    let provider = providers::register(&state.db, &ctx, body.0).await?;
    Ok(created(format!("/api/v1/providers/{}", provider.id), provider.version, &provider))
}

/// List providers
///
/// Staff see providers registered in, above or below their region; a
/// provider account sees only itself. Contact phones are masked.
///
/// Permission: `provider:read`.
#[utoipa::path(
    tag = "matching",
    operation_id = "listProviders",
    params(ProviderQuery, ListQuery),
    responses((status = 200, description = "One page", body = Page<ProviderView>))
)]
#[get("/providers")]
pub async fn list_providers(
    state: web::Data<AppState>,
    Ctx(ctx): Ctx,
    query: web::Query<ProviderQuery>,
    list: web::Query<ListQuery>,
) -> Result<HttpResponse, ApiError> {
    let q = query.into_inner();
    let filter =
        ProviderFilter { service_code: q.service_code, serves_region: q.serves_region, eligible_for_purchase: q.eligible_for_purchase };
    Ok(HttpResponse::Ok().json(providers::list(&state.db, &ctx, filter, list.page()?).await?))
}

/// Get a provider
///
/// Permission: `provider:read`.
#[utoipa::path(
    tag = "matching",
    operation_id = "getProvider",
    params(("id" = Uuid, Path, description = "Provider id")),
    responses((status = 200, description = "The provider", body = ProviderView, headers(("ETag" = String, description = "The provider's version"))), (status = 404, description = "Not visible to the caller"))
)]
#[get("/providers/{id}")]
pub async fn get_provider(state: web::Data<AppState>, Ctx(ctx): Ctx, id: web::Path<Uuid>) -> Result<HttpResponse, ApiError> {
    let provider = providers::get(&state.db, &ctx, *id).await?;
    Ok(with_etag(StatusCode::OK, provider.version, &provider))
}

/// Update a provider
///
/// A merge patch with `If-Match`; `credit_code`, `org_type`, `status` and
/// `barred_until` cannot be patched.
///
/// Permission: `provider:write`.
#[utoipa::path(
    tag = "matching",
    operation_id = "patchProvider",
    params(("id" = Uuid, Path, description = "Provider id"), ("If-Match" = String, Header, description = "The version you read")),
    request_body(content = PatchProvider, content_type = "application/merge-patch+json"),
    responses((status = 200, description = "Updated", body = ProviderView))
)]
#[patch("/providers/{id}")]
pub async fn patch_provider(
    state: web::Data<AppState>,
    Ctx(ctx): Ctx,
    id: web::Path<Uuid>,
    if_match: IfMatch,
    body: ValidJson<PatchProvider>,
) -> Result<HttpResponse, ApiError> {
    let provider = providers::patch(&state.db, &ctx, *id, if_match.0, body.0).await?;
    Ok(with_etag(StatusCode::OK, provider.version, &provider))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct VolunteerQuery {
    pub program: Option<Program>,
}

/// Register a volunteer
///
/// Programme rules: `mutual_aid_low_income` helpers are registered,
/// able-bodied beneficiaries; `sixty_helps_eighty` helpers are 60–69 and
/// declared healthy. A broken rule answers 422 with its code.
///
/// Permission: `beneficiary:write`.
#[utoipa::path(
    tag = "matching",
    operation_id = "registerVolunteer",
    request_body(content = RegisterVolunteer, content_type = "application/json"),
    responses(
        (status = 201, description = "Registered", body = VolunteerView, headers(("Location" = String, description = "URL of the volunteer"))),
        (status = 409, description = "Already a volunteer (`volunteer_registered`)"),
    )
)]
#[post("/volunteers")]
pub async fn register_volunteer(
    state: web::Data<AppState>,
    Ctx(ctx): Ctx,
    body: ValidJson<RegisterVolunteer>,
) -> Result<HttpResponse, ApiError> {
    let volunteer = volunteers::register(&state.db, &ctx, body.0).await?;
    Ok(created(format!("/api/v1/volunteers/{}", volunteer.id), volunteer.version, &volunteer))
}

/// List volunteers
///
/// Permission: `beneficiary:read`.
#[utoipa::path(
    tag = "matching",
    operation_id = "listVolunteers",
    params(VolunteerQuery, ListQuery),
    responses((status = 200, description = "One page", body = Page<VolunteerView>))
)]
#[get("/volunteers")]
pub async fn list_volunteers(
    state: web::Data<AppState>,
    Ctx(ctx): Ctx,
    query: web::Query<VolunteerQuery>,
    list: web::Query<ListQuery>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(volunteers::list(&state.db, &ctx, query.program, list.page()?).await?))
}

/// Get a volunteer
///
/// Permission: `beneficiary:read`.
#[utoipa::path(
    tag = "matching",
    operation_id = "getVolunteer",
    params(("id" = Uuid, Path, description = "Volunteer id")),
    responses((status = 200, description = "The volunteer", body = VolunteerView), (status = 404, description = "No such volunteer in the caller's region"))
)]
#[get("/volunteers/{id}")]
pub async fn get_volunteer(state: web::Data<AppState>, Ctx(ctx): Ctx, id: web::Path<Uuid>) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(volunteers::get(&state.db, &ctx, *id).await?))
}

/// Log volunteer hours
///
/// Adds an entry to the time ledger and answers the whole ledger.
///
/// Permission: `beneficiary:write`.
#[utoipa::path(
    tag = "matching",
    operation_id = "logVolunteerHours",
    params(("id" = Uuid, Path, description = "Volunteer id")),
    request_body(content = LogHours, content_type = "application/json"),
    responses((status = 201, description = "Logged", body = Ledger), (status = 404, description = "No such volunteer in the caller's region"))
)]
#[post("/volunteers/{id}/hours")]
pub async fn log_hours(
    state: web::Data<AppState>,
    Ctx(ctx): Ctx,
    id: web::Path<Uuid>,
    body: ValidJson<LogHours>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Created().json(volunteers::log_hours(&state.db, &ctx, *id, body.0).await?))
}

/// A volunteer's time ledger
///
/// Permission: `beneficiary:read`.
#[utoipa::path(
    tag = "matching",
    operation_id = "getVolunteerHours",
    params(("id" = Uuid, Path, description = "Volunteer id")),
    responses((status = 200, description = "The ledger with its total", body = Ledger), (status = 404, description = "No such volunteer in the caller's region"))
)]
#[get("/volunteers/{id}/hours")]
pub async fn get_hours(state: web::Data<AppState>, Ctx(ctx): Ctx, id: web::Path<Uuid>) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(volunteers::ledger(&state.db, &ctx, *id).await?))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct MatchQuery {
    /// `true` also lists the excluded candidates and why.
    pub explain: Option<bool>,
}

/// Match a need
///
/// Ranks providers and volunteers for a need (or a person and a service).
/// A provider holding an active contract for the service over the person's
/// area comes first, with its `contract_id` (orders under a contract go to
/// its holder); then by score: region coverage (village > township >
/// county), capacity left this month, a valid qualification, satisfaction
/// history, and mutual-aid proximity. Each candidate's `reasons` (and each
/// exclusion's) are codes from `/enums` `match_reason` with zh/en labels
/// and the figures behind them (points, units left, the contract).
/// Barred providers, providers without capacity and providers outside the
/// region never rank. A service the person's
/// material assistance already meets is not matched at all
/// (`duplicate_of_material_assistance`, with `covered_by`), as it would not
/// be ordered.
///
/// Permission: `order:write`.
#[utoipa::path(
    tag = "matching",
    operation_id = "matchNeed",
    params(MatchQuery),
    request_body(content = jiuzhu_matching::matches::MatchRequest, content_type = "application/json"),
    responses(
        (status = 200, description = "Ranked candidates", body = jiuzhu_matching::matches::MatchResult),
        (status = 422, description = "The person's material assistance already meets the service (`duplicate_of_material_assistance`), or the target is unknown"),
    )
)]
#[post("/matches")]
pub async fn match_need(
    state: web::Data<AppState>,
    Ctx(ctx): Ctx,
    query: web::Query<MatchQuery>,
    body: ValidJson<jiuzhu_matching::matches::MatchRequest>,
) -> Result<HttpResponse, ApiError> {
    let result = jiuzhu_workflows::ordering::match_need(&state.db, &ctx, body.0, query.explain.unwrap_or(false)).await?;
    Ok(HttpResponse::Ok().json(result))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct BatchQuery {
    pub region_code: String,
}

/// Match every open need in a region
///
/// Proposes an assignment of each open need to a provider within capacity,
/// highest priority first, deterministically for the same data: the holder
/// of an active contract for the service over the need's area first (its
/// `contract_id` in the proposal), else the best-scoring provider. Nothing
/// is written; orders follow from the proposals.
///
/// Permission: `order:write`.
#[utoipa::path(
    tag = "matching",
    operation_id = "matchBatch",
    params(BatchQuery),
    responses((status = 200, description = "The proposals", body = jiuzhu_matching::matches::BatchResult), (status = 404, description = "The region is outside the caller's"))
)]
#[post("/matches/batch")]
pub async fn match_batch(state: web::Data<AppState>, Ctx(ctx): Ctx, query: web::Query<BatchQuery>) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(jiuzhu_workflows::ordering::match_region(&state.db, &ctx, &query.region_code).await?))
}
