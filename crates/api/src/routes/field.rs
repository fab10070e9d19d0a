//! Field work of intake: `/discoveries` (主动发现), `/signals` (部门动态监测),
//! `/visits` (探访) and `/hotline-tickets` (12349).

use crate::extract::{Ctx, IfMatch, ListQuery, created, with_etag};
use crate::json::ValidJson;
use crate::openapi::InvalidTransition;
use crate::problem::ApiError;
use crate::state::AppState;
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, get, post, web};
use chrono::NaiveDate;
use jiuzhu_core::Page;
use jiuzhu_intake::applications::{CloseInput, ConvertToApplication};
use jiuzhu_intake::discoveries::{
    self, DiscoveryAction, DiscoveryFilter, DiscoveryStatus, DiscoveryView, ReportDiscovery, SignalInput, SignalReceipt, Source,
};
use jiuzhu_intake::hotline::{self, CreateTicket, TicketAction, TicketKind, TicketStatus, TicketView};
use jiuzhu_intake::referrals::ReasonInput;
use jiuzhu_intake::visits::{self, RecordVisit, VisitFilter, VisitKind, VisitView};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;
use validator::Validate;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DiscoveryQuery {
    pub status: Option<DiscoveryStatus>,
    pub source: Option<Source>,
    pub region_code: Option<String>,
}

/// Report a person in need
///
/// A village worker or officer reports someone who may need services but
/// has not applied. An ID number, when known, links the report to a
/// registered person.
///
/// Permission: `application:write`.
#[utoipa::path(
    tag = "discoveries",
    operation_id = "reportDiscovery",
    request_body(content = ReportDiscovery, content_type = "application/json"),
    responses((status = 201, description = "Reported", body = DiscoveryView,
        headers(("Location" = String, description = "URL of the discovery"), ("ETag" = String, description = "Its version"))))
)]
#[post("/discoveries")]
pub async fn report_discovery(
    state: web::Data<AppState>,
    Ctx(ctx): Ctx,
    body: ValidJson<ReportDiscovery>,
) -> Result<HttpResponse, ApiError> {
    let discovery = discoveries::report(&state.db, &ctx, body.0).await?;
    Ok(created(format!("/api/v1/discoveries/{}", discovery.id), discovery.version, &discovery))
}

/// List discoveries
///
/// Discovery tasks in the caller's region, including those raised by department signals.
///
/// Permission: `application:read`.
#[utoipa::path(
    tag = "discoveries",
    operation_id = "listDiscoveries",
    params(DiscoveryQuery, ListQuery),
    responses((status = 200, description = "One page", body = Page<DiscoveryView>))
)]
#[get("/discoveries")]
pub async fn list_discoveries(
    state: web::Data<AppState>,
    Ctx(ctx): Ctx,
    query: web::Query<DiscoveryQuery>,
    list: web::Query<ListQuery>,
) -> Result<HttpResponse, ApiError> {
    let q = query.into_inner();
    let filter = DiscoveryFilter { status: q.status, source: q.source, region_code: q.region_code };
    Ok(HttpResponse::Ok().json(discoveries::list(&state.db, &ctx, filter, list.page()?).await?))
}

/// Get a discovery
///
/// Permission: `application:read`.
#[utoipa::path(
    tag = "discoveries",
    operation_id = "getDiscovery",
    params(("id" = Uuid, Path, description = "Discovery id")),
    responses((status = 200, description = "The discovery", body = DiscoveryView), (status = 404, description = "No such discovery in the caller's region"))
)]
#[get("/discoveries/{id}")]
pub async fn get_discovery(state: web::Data<AppState>, Ctx(ctx): Ctx, id: web::Path<Uuid>) -> Result<HttpResponse, ApiError> {
    let discovery = discoveries::get(&state.db, &ctx, *id).await?;
    Ok(with_etag(StatusCode::OK, discovery.version, &discovery))
}

async fn discovery_action(
    state: &AppState,
    ctx: &jiuzhu_core::Context,
    id: Uuid,
    if_match: IfMatch,
    action: DiscoveryAction,
) -> Result<HttpResponse, ApiError> {
    let discovery = discoveries::act(&state.db, ctx, id, if_match.0, action).await?;
    Ok(with_etag(StatusCode::OK, discovery.version, &discovery))
}

/// Verify a discovery
///
/// `reported → verified` after a home visit confirms the need. Needs `If-Match`.
///
/// Permission: `application:write`.
#[utoipa::path(
    tag = "discoveries",
    operation_id = "verifyDiscovery",
    params(("id" = Uuid, Path, description = "Discovery id"), IfMatch),
    responses((status = 200, description = "Verified", body = DiscoveryView), InvalidTransition)
)]
#[post("/discoveries/{id}/verify")]
pub async fn verify_discovery(
    state: web::Data<AppState>,
    Ctx(ctx): Ctx,
    id: web::Path<Uuid>,
    if_match: IfMatch,
) -> Result<HttpResponse, ApiError> {
    discovery_action(&state, &ctx, *id, if_match, DiscoveryAction::Verify).await
}

/// Dismiss a discovery
///
/// An open discovery is closed without an application, with the reason. Needs `If-Match`.
///
/// Permission: `application:write`.
#[utoipa::path(
    tag = "discoveries",
    operation_id = "dismissDiscovery",
    params(("id" = Uuid, Path, description = "Discovery id"), IfMatch),
    request_body(content = ReasonInput, content_type = "application/json"),
    responses((status = 200, description = "Dismissed", body = DiscoveryView), InvalidTransition)
)]
#[post("/discoveries/{id}/dismiss")]
pub async fn dismiss_discovery(
    state: web::Data<AppState>,
    Ctx(ctx): Ctx,
    id: web::Path<Uuid>,
    if_match: IfMatch,
    body: ValidJson<ReasonInput>,
) -> Result<HttpResponse, ApiError> {
    discovery_action(&state, &ctx, *id, if_match, DiscoveryAction::Dismiss { reason: body.0.reason }).await
}

/// Convert a discovery into an application
///
/// Files an application with channel `proactive_discovery` for the
/// discovered person (or registers them with `applicant`), in the same
/// transaction. Needs `If-Match`.
///
/// Permission: `application:write` (and `beneficiary:write` for an applicant).
#[utoipa::path(
    tag = "discoveries",
    operation_id = "convertDiscovery",
    params(("id" = Uuid, Path, description = "Discovery id"), IfMatch),
    request_body(content = ConvertToApplication, content_type = "application/json"),
    responses((status = 200, description = "Converted; `application_id` names the application", body = DiscoveryView), InvalidTransition)
)]
#[post("/discoveries/{id}/convert")]
pub async fn convert_discovery(
    state: web::Data<AppState>,
    Ctx(ctx): Ctx,
    id: web::Path<Uuid>,
    if_match: IfMatch,
    body: ValidJson<ConvertToApplication>,
) -> Result<HttpResponse, ApiError> {
    discovery_action(&state, &ctx, *id, if_match, DiscoveryAction::Convert(Box::new(body.0))).await
}

/// Send a monitoring signal
///
/// A department reports an event about a person (动态监测). For a person on
/// the service target list, or when `amount_fen` is over the configured
/// threshold (with `region_code` for an unlisted person), a discovery task
/// is raised in the person's township or village; signals about the same
/// person within 30 days merge into one task.
///
/// Permission: `signal:write`.
#[utoipa::path(
    tag = "discoveries",
    operation_id = "sendSignal",
    request_body(content = SignalInput, content_type = "application/json"),
    responses((status = 201, description = "Received", body = SignalReceipt))
)]
#[post("/signals")]
pub async fn send_signal(state: web::Data<AppState>, Ctx(ctx): Ctx, body: ValidJson<SignalInput>) -> Result<HttpResponse, ApiError> {
    let receipt = discoveries::receive_signal(&state.db, &ctx, body.0, state.settings.signal_threshold_fen).await?;
    Ok(HttpResponse::Created().json(receipt))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct VisitQuery {
    pub beneficiary_id: Option<Uuid>,
    pub kind: Option<VisitKind>,
    /// Only visits whose next visit is due on or before this day.
    pub next_visit_due_by: Option<NaiveDate>,
}

/// Record a visit
///
/// A care visit, a follow-up after a service, or paperwork done on the
/// person's behalf: the village station's work log.
///
/// Permission: `beneficiary:write`.
#[utoipa::path(
    tag = "visits",
    operation_id = "recordVisit",
    request_body(content = RecordVisit, content_type = "application/json"),
    responses((status = 201, description = "Recorded", body = VisitView, headers(("Location" = String, description = "URL of the visit"))))
)]
#[post("/visits")]
pub async fn record_visit(state: web::Data<AppState>, Ctx(ctx): Ctx, body: ValidJson<RecordVisit>) -> Result<HttpResponse, ApiError> {
    let visit = visits::record_visit(&state.db, &ctx, body.0).await?;
    Ok(created(format!("/api/v1/visits/{}", visit.id), 1, &visit))
}

/// List visits
///
/// Permission: `beneficiary:read`.
#[utoipa::path(
    tag = "visits",
    operation_id = "listVisits",
    params(VisitQuery, ListQuery),
    responses((status = 200, description = "One page", body = Page<VisitView>))
)]
#[get("/visits")]
pub async fn list_visits(
    state: web::Data<AppState>,
    Ctx(ctx): Ctx,
    query: web::Query<VisitQuery>,
    list: web::Query<ListQuery>,
) -> Result<HttpResponse, ApiError> {
    let q = query.into_inner();
    let filter = VisitFilter { beneficiary_id: q.beneficiary_id, kind: q.kind, next_visit_due_by: q.next_visit_due_by };
    Ok(HttpResponse::Ok().json(visits::list(&state.db, &ctx, filter, list.page()?).await?))
}

/// Get a visit
///
/// Permission: `beneficiary:read`.
#[utoipa::path(
    tag = "visits",
    operation_id = "getVisit",
    params(("id" = Uuid, Path, description = "Visit id")),
    responses((status = 200, description = "The visit", body = VisitView), (status = 404, description = "No such visit in the caller's region"))
)]
#[get("/visits/{id}")]
pub async fn get_visit(state: web::Data<AppState>, Ctx(ctx): Ctx, id: web::Path<Uuid>) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(visits::get(&state.db, &ctx, *id).await?))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TicketQuery {
    pub kind: Option<TicketKind>,
    pub status: Option<TicketStatus>,
}

/// Log a hotline call
///
/// A 12349 call: a consultation, a help request or a complaint, in the
/// township or village it concerns. The caller's phone is masked in every answer.
///
/// Permission: `application:write`.
#[utoipa::path(
    tag = "hotline",
    operation_id = "createHotlineTicket",
    request_body(content = CreateTicket, content_type = "application/json"),
    responses((status = 201, description = "Logged", body = TicketView,
        headers(("Location" = String, description = "URL of the ticket"), ("ETag" = String, description = "Its version"))))
)]
#[post("/hotline-tickets")]
pub async fn create_ticket(state: web::Data<AppState>, Ctx(ctx): Ctx, body: ValidJson<CreateTicket>) -> Result<HttpResponse, ApiError> {
    let ticket = hotline::create(&state.db, &ctx, body.0).await?;
    Ok(created(format!("/api/v1/hotline-tickets/{}", ticket.id), ticket.version, &ticket))
}

/// List hotline tickets
///
/// Permission: `application:read`.
#[utoipa::path(
    tag = "hotline",
    operation_id = "listHotlineTickets",
    params(TicketQuery, ListQuery),
    responses((status = 200, description = "One page", body = Page<TicketView>))
)]
#[get("/hotline-tickets")]
pub async fn list_tickets(
    state: web::Data<AppState>,
    Ctx(ctx): Ctx,
    query: web::Query<TicketQuery>,
    list: web::Query<ListQuery>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(hotline::list(&state.db, &ctx, query.kind, query.status, list.page()?).await?))
}

/// Get a hotline ticket
///
/// Permission: `application:read`.
#[utoipa::path(
    tag = "hotline",
    operation_id = "getHotlineTicket",
    params(("id" = Uuid, Path, description = "Ticket id")),
    responses((status = 200, description = "The ticket", body = TicketView), (status = 404, description = "No such ticket in the caller's region"))
)]
#[get("/hotline-tickets/{id}")]
pub async fn get_ticket(state: web::Data<AppState>, Ctx(ctx): Ctx, id: web::Path<Uuid>) -> Result<HttpResponse, ApiError> {
    let ticket = hotline::get(&state.db, &ctx, *id).await?;
    Ok(with_etag(StatusCode::OK, ticket.version, &ticket))
}

async fn ticket_action(
    state: &AppState,
    ctx: &jiuzhu_core::Context,
    id: Uuid,
    if_match: IfMatch,
    action: TicketAction,
) -> Result<HttpResponse, ApiError> {
    let ticket = hotline::act(&state.db, ctx, id, if_match.0, action).await?;
    Ok(with_etag(StatusCode::OK, ticket.version, &ticket))
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"answer": "低保边缘家庭可申请助餐服务，请携带身份证到街道便民服务中心办理。"}))]
pub struct AnswerInput {
    #[validate(length(min = 1, max = 4000))]
    #[schema(min_length = 1, max_length = 4000)]
    pub answer: String,
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"region_code": "640202002001"}))]
pub struct AssignInput {
    /// The township or village that must handle the complaint.
    pub region_code: String,
}

/// Answer a consultation
///
/// `open → answered`; only for consultations. Needs `If-Match`.
///
/// Permission: `application:write`.
#[utoipa::path(
    tag = "hotline",
    operation_id = "answerHotlineTicket",
    params(("id" = Uuid, Path, description = "Ticket id"), IfMatch),
    request_body(content = AnswerInput, content_type = "application/json"),
    responses((status = 200, description = "Answered", body = TicketView), (status = 409, description = "Not an open consultation (`invalid_transition`)"))
)]
#[post("/hotline-tickets/{id}/answer")]
pub async fn answer_ticket(
    state: web::Data<AppState>,
    Ctx(ctx): Ctx,
    id: web::Path<Uuid>,
    if_match: IfMatch,
    body: ValidJson<AnswerInput>,
) -> Result<HttpResponse, ApiError> {
    ticket_action(&state, &ctx, *id, if_match, TicketAction::Answer(body.0.answer)).await
}

/// Turn a help request into an application
///
/// `open → converted`; only for help requests. Files an application with
/// channel `hotline` for `beneficiary_id`, or registers the caller with
/// `applicant`, in the same transaction. Needs `If-Match`.
///
/// Permission: `application:write` (and `beneficiary:write` for an applicant).
#[utoipa::path(
    tag = "hotline",
    operation_id = "convertHotlineTicket",
    params(("id" = Uuid, Path, description = "Ticket id"), IfMatch),
    request_body(content = ConvertToApplication, content_type = "application/json"),
    responses((status = 200, description = "Converted; `application_id` names the application", body = TicketView), (status = 409, description = "Not an open help request (`invalid_transition`)"))
)]
#[post("/hotline-tickets/{id}/convert")]
pub async fn convert_ticket(
    state: web::Data<AppState>,
    Ctx(ctx): Ctx,
    id: web::Path<Uuid>,
    if_match: IfMatch,
    body: ValidJson<ConvertToApplication>,
) -> Result<HttpResponse, ApiError> {
    ticket_action(&state, &ctx, *id, if_match, TicketAction::Convert(Box::new(body.0))).await
}

/// Assign a complaint
///
/// Moves an open complaint to the township or village that must handle it. Needs `If-Match`.
///
/// Permission: `application:write`.
#[utoipa::path(
    tag = "hotline",
    operation_id = "assignHotlineTicket",
    params(("id" = Uuid, Path, description = "Ticket id"), IfMatch),
    request_body(content = AssignInput, content_type = "application/json"),
    responses((status = 200, description = "Assigned", body = TicketView), (status = 409, description = "Not an open complaint (`invalid_transition`)"))
)]
#[post("/hotline-tickets/{id}/assign")]
pub async fn assign_ticket(
    state: web::Data<AppState>,
    Ctx(ctx): Ctx,
    id: web::Path<Uuid>,
    if_match: IfMatch,
    body: ValidJson<AssignInput>,
) -> Result<HttpResponse, ApiError> {
    ticket_action(&state, &ctx, *id, if_match, TicketAction::Assign(body.0.region_code)).await
}

/// Close a complaint
///
/// `open → closed` with the outcome; only for complaints. Needs `If-Match`.
///
/// Permission: `application:write`.
#[utoipa::path(
    tag = "hotline",
    operation_id = "closeHotlineTicket",
    params(("id" = Uuid, Path, description = "Ticket id"), IfMatch),
    request_body(content = CloseInput, content_type = "application/json"),
    responses((status = 200, description = "Closed", body = TicketView), (status = 409, description = "Not an open complaint (`invalid_transition`)"))
)]
#[post("/hotline-tickets/{id}/close")]
pub async fn close_ticket(
    state: web::Data<AppState>,
    Ctx(ctx): Ctx,
    id: web::Path<Uuid>,
    if_match: IfMatch,
    body: ValidJson<CloseInput>,
) -> Result<HttpResponse, ApiError> {
    ticket_action(&state, &ctx, *id, if_match, TicketAction::Close(body.0.outcome)).await
}

/// Registers this module's routes.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(report_discovery)
        .service(list_discoveries)
        .service(get_discovery)
        .service(verify_discovery)
        .service(dismiss_discovery)
        .service(convert_discovery)
        .service(send_signal)
        .service(record_visit)
        .service(list_visits)
        .service(get_visit)
        .service(create_ticket)
        .service(list_tickets)
        .service(get_ticket)
        .service(answer_ticket)
        .service(convert_ticket)
        .service(assign_ticket)
        .service(close_ticket);
}
