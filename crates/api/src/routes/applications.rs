//! `/applications` and `/referrals`: one-form intake and the transfer of
//! non-service needs to departments.

use crate::extract::{Ctx, IfMatch, ListQuery, created, with_etag};
use crate::json::ValidJson;
use crate::openapi::InvalidTransition;
use crate::problem::ApiError;
use crate::state::AppState;
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, get, post, web};
use jiuzhu_core::Page;
use jiuzhu_intake::applications::{self, ActionInput, ApplicationFilter, ApplicationView, CloseInput, CreateApplication};
use jiuzhu_intake::referrals::{self, CompleteInput, ReasonInput, ReferralFilter, ReferralInput, ReferralView};
use jiuzhu_intake::rules::{ApplicationStatus, ReferralStatus};
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ApplicationQuery {
    pub region_code: Option<String>,
    pub status: Option<ApplicationStatus>,
    pub beneficiary_id: Option<Uuid>,
}

/// File a one-form application
///
/// One application holds several needs: `service` items (a catalogue code,
/// or free text to assess) and `transfer` items (a matter another
/// department owns). Name an existing `beneficiary_id`, or give `applicant`
/// to register the person in the same transaction. Transfers need consent,
/// and the consent is not dated after today (`consent.date`: `in_future`).
/// The person must hold a category in force today (`valid_from` to
/// `valid_to`): a lapsed transition period or a category not yet begun does
/// not make them eligible (`no_category_in_force`). A transfer item may
/// name the member of the applicant's household it concerns (`member_id`,
/// e.g. a grandchild's school-fee waiver): the department's referral then
/// names that person (`items[i].member_id`: `not_a_household_member`,
/// `beneficiary_unknown`; `not_applicable` on a service item).
///
/// Permission: `application:write` (and `beneficiary:write` for an inline applicant).
#[utoipa::path(
    tag = "applications",
    operation_id = "createApplication",
    request_body(content = CreateApplication, content_type = "application/json"),
    responses(
        (status = 201, description = "Submitted", body = ApplicationView,
            headers(("Location" = String, description = "URL of the application"), ("ETag" = String, description = "Its version"))),
        (status = 409, description = "The inline applicant's ID number is registered (`id_number_registered`)"),
        (status = 422, description = "No category of the person is in force today (`no_category_in_force`, with `details.categories`), or a field is invalid"),
    )
)]
#[post("/applications")]
pub async fn create_application(
    state: web::Data<AppState>,
    Ctx(ctx): Ctx,
    body: ValidJson<CreateApplication>,
) -> Result<HttpResponse, ApiError> {
    let application = applications::create(&state.db, &ctx, body.0).await?;
    Ok(created(format!("/api/v1/applications/{}", application.id), application.version, &application))
}

/// List applications
///
/// Applications in the caller's region subtree, by id, with their items.
///
/// Permission: `application:read`.
#[utoipa::path(
    tag = "applications",
    operation_id = "listApplications",
    params(ApplicationQuery, ListQuery),
    responses((status = 200, description = "One page", body = Page<ApplicationView>))
)]
#[get("/applications")]
pub async fn list_applications(
    state: web::Data<AppState>,
    Ctx(ctx): Ctx,
    query: web::Query<ApplicationQuery>,
    list: web::Query<ListQuery>,
) -> Result<HttpResponse, ApiError> {
    let q = query.into_inner();
    let filter = ApplicationFilter { region_code: q.region_code, status: q.status, beneficiary_id: q.beneficiary_id };
    Ok(HttpResponse::Ok().json(applications::list(&state.db, &ctx, filter, list.page()?).await?))
}

/// Get an application
///
/// Permission: `application:read`.
#[utoipa::path(
    tag = "applications",
    operation_id = "getApplication",
    params(("id" = Uuid, Path, description = "Application id")),
    responses(
        (status = 200, description = "The application", body = ApplicationView, headers(("ETag" = String, description = "Its version"))),
        (status = 404, description = "No such application in the caller's region"),
    )
)]
#[get("/applications/{id}")]
pub async fn get_application(state: web::Data<AppState>, Ctx(ctx): Ctx, id: web::Path<Uuid>) -> Result<HttpResponse, ApiError> {
    let application = applications::get(&state.db, &ctx, *id).await?;
    Ok(with_etag(StatusCode::OK, application.version, &application))
}

fn application_reply(application: ApplicationView) -> HttpResponse {
    with_etag(StatusCode::OK, application.version, &application)
}

/// Accept an application (分类转办)
///
/// `submitted → accepted`. Creates one referral per transfer item, to the
/// department that owns its matter, due in the configured number of working
/// days, in the same transaction. Needs `If-Match`.
///
/// Permission: `application:decide` (the township and above: a village
/// worker files on the person's behalf, 协助代办, and the township accepts, 乡镇街道受理).
#[utoipa::path(
    tag = "applications",
    operation_id = "acceptApplication",
    params(("id" = Uuid, Path, description = "Application id"), IfMatch),
    responses(
        (status = 200, description = "Accepted", body = ApplicationView, headers(("ETag" = String, description = "The new version"))),
        (status = 404, description = "No such application in the caller's region"),
        InvalidTransition,
    )
)]
#[post("/applications/{id}/accept")]
pub async fn accept_application(
    state: web::Data<AppState>,
    Ctx(ctx): Ctx,
    id: web::Path<Uuid>,
    if_match: IfMatch,
) -> Result<HttpResponse, ApiError> {
    let input = ActionInput::Accept { due_working_days: state.settings.referral_due_working_days };
    Ok(application_reply(applications::act(&state.db, &ctx, *id, if_match.0, input).await?))
}

/// Reject an application
///
/// `submitted → rejected`, with the reason. Needs `If-Match`.
///
/// Permission: `application:decide` (the township and above: a village
/// worker files on the person's behalf, 协助代办, and the township accepts, 乡镇街道受理).
#[utoipa::path(
    tag = "applications",
    operation_id = "rejectApplication",
    params(("id" = Uuid, Path, description = "Application id"), IfMatch),
    request_body(content = ReasonInput, content_type = "application/json"),
    responses(
        (status = 200, description = "Rejected", body = ApplicationView, headers(("ETag" = String, description = "The new version"))),
        (status = 404, description = "No such application in the caller's region"),
        InvalidTransition,
    )
)]
#[post("/applications/{id}/reject")]
pub async fn reject_application(
    state: web::Data<AppState>,
    Ctx(ctx): Ctx,
    id: web::Path<Uuid>,
    if_match: IfMatch,
    body: ValidJson<ReasonInput>,
) -> Result<HttpResponse, ApiError> {
    let input = ActionInput::Reject { reason: body.0.reason };
    Ok(application_reply(applications::act(&state.db, &ctx, *id, if_match.0, input).await?))
}

/// Close an application
///
/// `accepted` or `in_service` → `closed`, with the outcome. Needs `If-Match`.
/// An application closes when every referral it made has ended (completed,
/// refused or cancelled); while one is pending, accepted or returned the
/// close is refused with `referrals_unfinished` and the open referrals,
/// unless `close_despite_open_referrals` gives the reason, which is
/// audited (一表受理、协同办理: the departments finish first). Each item
/// must be resolved first (`items_unresolved`, with the positions): by a
/// need, an order, a referral, the assessment, or a recorded decision
/// (`POST /applications/{id}/items/{item_id}/decision`).
///
/// Permission: `application:decide` (the township and above: a village
/// worker files on the person's behalf, 协助代办, and the township accepts, 乡镇街道受理).
#[utoipa::path(
    tag = "applications",
    operation_id = "closeApplication",
    params(("id" = Uuid, Path, description = "Application id"), IfMatch),
    request_body(content = CloseInput, content_type = "application/json"),
    responses(
        (status = 200, description = "Closed", body = ApplicationView, headers(("ETag" = String, description = "The new version"))),
        (status = 404, description = "No such application in the caller's region"),
        InvalidTransition,
        (status = 422, description = "Referrals have not ended (`referrals_unfinished`, with `details.open_referrals`), or a field is invalid"),
    )
)]
#[post("/applications/{id}/close")]
pub async fn close_application(
    state: web::Data<AppState>,
    Ctx(ctx): Ctx,
    id: web::Path<Uuid>,
    if_match: IfMatch,
    body: ValidJson<CloseInput>,
) -> Result<HttpResponse, ApiError> {
    let input = ActionInput::Close { outcome: body.0.outcome, despite_open_referrals: body.0.close_despite_open_referrals };
    Ok(application_reply(applications::act(&state.db, &ctx, *id, if_match.0, input).await?))
}

/// Withdraw an application
///
/// `submitted` or `accepted` → `withdrawn`. Needs `If-Match`.
///
/// Permission: `application:write`.
#[utoipa::path(
    tag = "applications",
    operation_id = "withdrawApplication",
    params(("id" = Uuid, Path, description = "Application id"), IfMatch),
    responses(
        (status = 200, description = "Withdrawn", body = ApplicationView, headers(("ETag" = String, description = "The new version"))),
        (status = 404, description = "No such application in the caller's region"),
        InvalidTransition,
    )
)]
#[post("/applications/{id}/withdraw")]
pub async fn withdraw_application(
    state: web::Data<AppState>,
    Ctx(ctx): Ctx,
    id: web::Path<Uuid>,
    if_match: IfMatch,
) -> Result<HttpResponse, ApiError> {
    Ok(application_reply(applications::act(&state.db, &ctx, *id, if_match.0, ActionInput::Withdraw).await?))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ReferralQuery {
    pub status: Option<ReferralStatus>,
    /// A department code.
    pub department: Option<String>,
    /// `true`: only open referrals past `due_at`.
    pub overdue: Option<bool>,
    pub application_id: Option<Uuid>,
}

/// List referrals
///
/// Department clients see the referrals addressed to their department;
/// staff see those in their region.
///
/// Permission: `referral:respond` (departments) or `application:read` (staff).
#[utoipa::path(
    tag = "referrals",
    operation_id = "listReferrals",
    params(ReferralQuery, ListQuery),
    responses((status = 200, description = "One page", body = Page<ReferralView>))
)]
#[get("/referrals")]
pub async fn list_referrals(
    state: web::Data<AppState>,
    Ctx(ctx): Ctx,
    query: web::Query<ReferralQuery>,
    list: web::Query<ListQuery>,
) -> Result<HttpResponse, ApiError> {
    let q = query.into_inner();
    let filter = ReferralFilter { status: q.status, department: q.department, overdue: q.overdue, application_id: q.application_id };
    Ok(HttpResponse::Ok().json(referrals::list(&state.db, &ctx, filter, list.page()?).await?))
}

/// Get a referral
///
/// Permission: `referral:respond` (departments) or `application:read` (staff).
#[utoipa::path(
    tag = "referrals",
    operation_id = "getReferral",
    params(("id" = Uuid, Path, description = "Referral id")),
    responses(
        (status = 200, description = "The referral", body = ReferralView, headers(("ETag" = String, description = "Its version"))),
        (status = 404, description = "Not addressed to the caller, or not in its region"),
    )
)]
#[get("/referrals/{id}")]
pub async fn get_referral(state: web::Data<AppState>, Ctx(ctx): Ctx, id: web::Path<Uuid>) -> Result<HttpResponse, ApiError> {
    let referral = referrals::get(&state.db, &ctx, *id).await?;
    Ok(with_etag(StatusCode::OK, referral.version, &referral))
}

async fn act(
    state: &AppState,
    ctx: &jiuzhu_core::Context,
    id: Uuid,
    if_match: IfMatch,
    input: ReferralInput,
) -> Result<HttpResponse, ApiError> {
    let referral = referrals::act(&state.db, ctx, id, if_match.0, input).await?;
    Ok(with_etag(StatusCode::OK, referral.version, &referral))
}

/// Record the decision on an item
///
/// For an item nothing else resolved (no need, order, referral or
/// assessment), the township's decision with its `reason`, in words the
/// applicant can be told; an application closes only when each item is
/// resolved (`items_unresolved`). 409 when the item is resolved already
/// (`item_resolved`) or the application is not accepted or in service.
/// Needs `If-Match` on the application.
///
/// Permission: `application:decide`.
#[utoipa::path(
    tag = "applications",
    operation_id = "decideApplicationItem",
    params(("id" = Uuid, Path, description = "Application id"), ("item_id" = Uuid, Path, description = "Item id"),
        IfMatch),
    request_body(content = applications::ItemDecisionInput, content_type = "application/json"),
    responses(
        (status = 200, description = "Recorded", body = ApplicationView, headers(("ETag" = String, description = "The new version"))),
        (status = 404, description = "No such application or item for the caller"),
        (status = 409, description = "Resolved already (`item_resolved`) or not allowed in the current status (`invalid_transition`)"),
    )
)]
#[post("/applications/{id}/items/{item_id}/decision")]
pub async fn decide_item(
    state: web::Data<AppState>,
    Ctx(ctx): Ctx,
    path: web::Path<(Uuid, Uuid)>,
    if_match: IfMatch,
    body: ValidJson<applications::ItemDecisionInput>,
) -> Result<HttpResponse, ApiError> {
    let (id, item_id) = path.into_inner();
    Ok(application_reply(applications::decide_item(&state.db, &ctx, id, item_id, if_match.0, body.0).await?))
}

/// Read a referral's person's identifiers
///
/// The department a referral is addressed to reads the identifiers it needs
/// to act on it (name, full ID number, phone, address): only while the
/// referral is open (409 `referral_closed`) and only under the consent the
/// application recorded (422 `consent_missing`). Each read is audited with
/// its `purpose` (`referral.identifiers_read`).
///
/// Permission: `referral:respond`.
#[utoipa::path(
    tag = "referrals",
    operation_id = "readReferralIdentifiers",
    params(("id" = Uuid, Path, description = "Referral id")),
    request_body(content = referrals::IdentifierRequest, content_type = "application/json"),
    responses(
        (status = 200, description = "The identifiers, in full", body = referrals::ReferralIdentifiers),
        (status = 404, description = "Not addressed to the caller"),
        (status = 409, description = "The referral has ended (`referral_closed`)"),
    )
)]
#[post("/referrals/{id}/identifiers")]
pub async fn referral_identifiers(
    state: web::Data<AppState>,
    Ctx(ctx): Ctx,
    id: web::Path<Uuid>,
    body: ValidJson<referrals::IdentifierRequest>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(referrals::identifiers(&state.db, &ctx, *id, body.0).await?))
}

/// Accept a referral
///
/// The department takes it on: `pending → accepted`. Needs `If-Match`.
///
/// Permission: `referral:respond`.
#[utoipa::path(
    tag = "referrals",
    operation_id = "acceptReferral",
    params(("id" = Uuid, Path, description = "Referral id"), IfMatch),
    responses(
        (status = 200, description = "Accepted", body = ReferralView, headers(("ETag" = String, description = "The new version"))),
        (status = 404, description = "Not addressed to the caller"),
        InvalidTransition,
    )
)]
#[post("/referrals/{id}/accept")]
pub async fn accept_referral(
    state: web::Data<AppState>,
    Ctx(ctx): Ctx,
    id: web::Path<Uuid>,
    if_match: IfMatch,
) -> Result<HttpResponse, ApiError> {
    act(&state, &ctx, *id, if_match, ReferralInput::Accept).await
}

/// Reject a referral
///
/// The department will not handle it: `pending` or `accepted` → `rejected`,
/// with the reason. Needs `If-Match`.
///
/// Permission: `referral:respond`.
#[utoipa::path(
    tag = "referrals",
    operation_id = "rejectReferral",
    params(("id" = Uuid, Path, description = "Referral id"), IfMatch),
    request_body(content = ReasonInput, content_type = "application/json"),
    responses(
        (status = 200, description = "Rejected", body = ReferralView, headers(("ETag" = String, description = "The new version"))),
        (status = 404, description = "Not addressed to the caller"),
        InvalidTransition,
    )
)]
#[post("/referrals/{id}/reject")]
pub async fn reject_referral(
    state: web::Data<AppState>,
    Ctx(ctx): Ctx,
    id: web::Path<Uuid>,
    if_match: IfMatch,
    body: ValidJson<ReasonInput>,
) -> Result<HttpResponse, ApiError> {
    act(&state, &ctx, *id, if_match, ReferralInput::Reject(body.0)).await
}

/// Return a referral for more information
///
/// `pending` or `accepted` → `returned`, with what is missing. Needs `If-Match`.
///
/// Permission: `referral:respond`.
#[utoipa::path(
    tag = "referrals",
    operation_id = "returnReferral",
    params(("id" = Uuid, Path, description = "Referral id"), IfMatch),
    request_body(content = ReasonInput, content_type = "application/json"),
    responses(
        (status = 200, description = "Returned", body = ReferralView, headers(("ETag" = String, description = "The new version"))),
        (status = 404, description = "Not addressed to the caller"),
        InvalidTransition,
    )
)]
#[post("/referrals/{id}/return")]
pub async fn return_referral(
    state: web::Data<AppState>,
    Ctx(ctx): Ctx,
    id: web::Path<Uuid>,
    if_match: IfMatch,
    body: ValidJson<ReasonInput>,
) -> Result<HttpResponse, ApiError> {
    act(&state, &ctx, *id, if_match, ReferralInput::Return(body.0)).await
}

/// Complete a referral
///
/// The department reports back: `accepted → completed`, with a structured
/// outcome code and what was granted. Needs `If-Match`.
///
/// Permission: `referral:respond`.
#[utoipa::path(
    tag = "referrals",
    operation_id = "completeReferral",
    params(("id" = Uuid, Path, description = "Referral id"), IfMatch),
    request_body(content = CompleteInput, content_type = "application/json"),
    responses(
        (status = 200, description = "Completed", body = ReferralView, headers(("ETag" = String, description = "The new version"))),
        (status = 404, description = "Not addressed to the caller"),
        InvalidTransition,
    )
)]
#[post("/referrals/{id}/complete")]
pub async fn complete_referral(
    state: web::Data<AppState>,
    Ctx(ctx): Ctx,
    id: web::Path<Uuid>,
    if_match: IfMatch,
    body: ValidJson<CompleteInput>,
) -> Result<HttpResponse, ApiError> {
    act(&state, &ctx, *id, if_match, ReferralInput::Complete(body.0)).await
}

/// Cancel a referral
///
/// Civil-affairs staff withdraw it: `pending`, `accepted` or `returned` →
/// `cancelled`, with the reason. Needs `If-Match`.
///
/// Permission: `application:decide`.
#[utoipa::path(
    tag = "referrals",
    operation_id = "cancelReferral",
    params(("id" = Uuid, Path, description = "Referral id"), IfMatch),
    request_body(content = ReasonInput, content_type = "application/json"),
    responses(
        (status = 200, description = "Cancelled", body = ReferralView, headers(("ETag" = String, description = "The new version"))),
        (status = 404, description = "No such referral in the caller's region"),
        InvalidTransition,
    )
)]
#[post("/referrals/{id}/cancel")]
pub async fn cancel_referral(
    state: web::Data<AppState>,
    Ctx(ctx): Ctx,
    id: web::Path<Uuid>,
    if_match: IfMatch,
    body: ValidJson<ReasonInput>,
) -> Result<HttpResponse, ApiError> {
    act(&state, &ctx, *id, if_match, ReferralInput::Cancel(body.0)).await
}

/// Registers this module's routes.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(create_application)
        .service(list_applications)
        .service(get_application)
        .service(accept_application)
        .service(reject_application)
        .service(close_application)
        .service(withdraw_application)
        .service(list_referrals)
        .service(get_referral)
        .service(decide_item)
        .service(referral_identifiers)
        .service(accept_referral)
        .service(reject_referral)
        .service(return_referral)
        .service(complete_referral)
        .service(cancel_referral);
}
