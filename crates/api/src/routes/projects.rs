//! `/procurement-projects` and `/public/procurement-projects`: purchase
//! projects from drafting through publication, acceptance and settlement
//! (procurement's projects; their OCDS form is in `ocds`).

use crate::extract::{Ctx, IfMatch, ListQuery, created, with_etag};
use crate::json::ValidJson;
use crate::openapi::InvalidTransition;
use crate::problem::ApiError;
use crate::state::AppState;
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, get, post, web};
use jiuzhu_core::Page;
use jiuzhu_procurement::projects::{self, CreateProject, DraftProposal, FailInput, ProjectView, PublicProject};
use jiuzhu_procurement::rules::{ProjectAction, ProjectStatus};
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

/// Create a procurement project
///
/// A draft, funded from its region's account for the year. Funding must add
/// up to the budget; fiscal-assistance money beyond what remains under the
/// cap answers 422 `purchase_cap_exceeded` with the figures in `details`.
/// The price weight must be 1000–3000 bp (`price_weight_out_of_range`);
/// `single_source` needs a justification.
///
/// Permission: `procurement:manage`.
#[utoipa::path(
    tag = "procurement",
    operation_id = "createProcurementProject",
    request_body(content = CreateProject, content_type = "application/json"),
    responses((status = 201, description = "Created as a draft", body = ProjectView,
        headers(("Location" = String, description = "URL of the project"), ("ETag" = String, description = "Its version"))))
)]
#[post("/procurement-projects")]
pub async fn create_project(state: web::Data<AppState>, Ctx(ctx): Ctx, body: ValidJson<CreateProject>) -> Result<HttpResponse, ApiError> {
    let project = projects::create(&state.db, &ctx, body.0).await?;
    Ok(created(format!("/api/v1/procurement-projects/{}", project.id), project.version, &project))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DraftQuery {
    pub region_code: String,
    /// Comma-separated service codes.
    pub service_codes: String,
}

/// Propose a project from the open needs
///
/// Counts the open needs for the services in the region and proposes the
/// beneficiary count, the service volume and the needs basis to start a
/// project from. Nothing is saved.
///
/// Permission: `procurement:manage`.
#[utoipa::path(
    tag = "procurement",
    operation_id = "draftProjectFromNeeds",
    params(DraftQuery),
    responses((status = 200, description = "The proposal", body = DraftProposal), (status = 404, description = "The region is outside the caller's"))
)]
#[post("/procurement-projects/draft-from-needs")]
pub async fn draft_from_needs(state: web::Data<AppState>, Ctx(ctx): Ctx, query: web::Query<DraftQuery>) -> Result<HttpResponse, ApiError> {
    let codes = query.service_codes.split(',').map(str::trim).filter(|c| !c.is_empty()).map(str::to_string).collect();
    Ok(HttpResponse::Ok().json(projects::draft_from_needs(&state.db, &ctx, &query.region_code, codes).await?))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ProjectQuery {
    pub status: Option<ProjectStatus>,
}

/// List procurement projects
///
/// Permission: `procurement:read`.
#[utoipa::path(
    tag = "procurement",
    operation_id = "listProcurementProjects",
    params(ProjectQuery, ListQuery),
    responses((status = 200, description = "One page", body = Page<ProjectView>))
)]
#[get("/procurement-projects")]
pub async fn list_projects(
    state: web::Data<AppState>,
    Ctx(ctx): Ctx,
    query: web::Query<ProjectQuery>,
    list: web::Query<ListQuery>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(projects::list(&state.db, &ctx, query.status, list.page()?).await?))
}

/// Get a procurement project
///
/// A provider does not see the panel's seats.
///
/// Permission: `procurement:read`, or a seat on the project's panel.
#[utoipa::path(
    tag = "procurement",
    operation_id = "getProcurementProject",
    params(("id" = Uuid, Path, description = "Project id")),
    responses((status = 200, description = "The project", body = ProjectView, headers(("ETag" = String, description = "The project's version"))), (status = 404, description = "No such project in the caller's region"))
)]
#[get("/procurement-projects/{id}")]
pub async fn get_project(state: web::Data<AppState>, Ctx(ctx): Ctx, id: web::Path<Uuid>) -> Result<HttpResponse, ApiError> {
    let project = projects::get(&state.db, &ctx, *id).await?;
    Ok(with_etag(StatusCode::OK, project.version, &project))
}

async fn project_action(
    state: &AppState,
    ctx: &jiuzhu_core::Context,
    id: Uuid,
    if_match: IfMatch,
    action: ProjectAction,
) -> Result<HttpResponse, ApiError> {
    let project = projects::act(&state.db, ctx, id, if_match.0, action).await?;
    Ok(with_etag(StatusCode::OK, project.version, &project))
}

/// Publish a project
///
/// `draft → published`: the content, standards, budget, evaluation method
/// and requirements are frozen and the project appears on the public list.
/// Needs `If-Match`.
///
/// Permission: `procurement:manage`.
#[utoipa::path(
    tag = "procurement",
    operation_id = "publishProcurementProject",
    params(("id" = Uuid, Path, description = "Project id"), IfMatch),
    responses((status = 200, description = "Published", body = ProjectView), InvalidTransition)
)]
#[post("/procurement-projects/{id}/publish")]
pub async fn publish_project(
    state: web::Data<AppState>,
    Ctx(ctx): Ctx,
    id: web::Path<Uuid>,
    if_match: IfMatch,
) -> Result<HttpResponse, ApiError> {
    project_action(&state, &ctx, *id, if_match, ProjectAction::Publish).await
}

/// Close bidding
///
/// `published → bidding_closed`. Needs `If-Match`.
///
/// Permission: `procurement:manage`.
#[utoipa::path(
    tag = "procurement",
    operation_id = "closeBidding",
    params(("id" = Uuid, Path, description = "Project id"), IfMatch),
    responses((status = 200, description = "Bidding closed", body = ProjectView), InvalidTransition)
)]
#[post("/procurement-projects/{id}/close-bidding")]
pub async fn close_bidding(
    state: web::Data<AppState>,
    Ctx(ctx): Ctx,
    id: web::Path<Uuid>,
    if_match: IfMatch,
) -> Result<HttpResponse, ApiError> {
    project_action(&state, &ctx, *id, if_match, ProjectAction::CloseBidding).await
}

/// Declare a project failed
///
/// `bidding_closed → failed` when too few valid bids came, with the reason
/// (published as the OCDS `tender.statusDetails`); its money is released.
/// Needs `If-Match`.
///
/// Permission: `procurement:manage`.
#[utoipa::path(
    tag = "procurement",
    operation_id = "failProcurementProject",
    params(("id" = Uuid, Path, description = "Project id"), IfMatch),
    request_body = FailInput,
    responses((status = 200, description = "Failed", body = ProjectView), InvalidTransition)
)]
#[post("/procurement-projects/{id}/fail")]
pub async fn fail_project(
    state: web::Data<AppState>,
    Ctx(ctx): Ctx,
    id: web::Path<Uuid>,
    if_match: IfMatch,
    body: ValidJson<FailInput>,
) -> Result<HttpResponse, ApiError> {
    let project = projects::fail(&state.db, &ctx, *id, if_match.0, body.0).await?;
    Ok(with_etag(StatusCode::OK, project.version, &project))
}

/// Terminate a project
///
/// Any live project → `terminated`; its money is released. Needs `If-Match`.
///
/// Permission: `procurement:manage`.
#[utoipa::path(
    tag = "procurement",
    operation_id = "terminateProcurementProject",
    params(("id" = Uuid, Path, description = "Project id"), IfMatch),
    responses((status = 200, description = "Terminated", body = ProjectView), InvalidTransition)
)]
#[post("/procurement-projects/{id}/terminate")]
pub async fn terminate_project(
    state: web::Data<AppState>,
    Ctx(ctx): Ctx,
    id: web::Path<Uuid>,
    if_match: IfMatch,
) -> Result<HttpResponse, ApiError> {
    project_action(&state, &ctx, *id, if_match, ProjectAction::Terminate).await
}

/// Accept a project (项目验收)
///
/// At the end of the term (实施期满后验收), against the contract, with the
/// records handed over. Before the contract's `term_end` it needs an
/// `early_completion_reason` (`term_not_ended`, with `term_end` and
/// `today`). Needs the project's approved final evaluation
/// (`final_evaluation_required`). Passing allows the final payment. Needs `If-Match`.
///
/// Permission: `procurement:manage`.
#[utoipa::path(
    tag = "procurement",
    operation_id = "acceptProcurementProject",
    params(("id" = Uuid, Path, description = "Project id"), IfMatch),
    request_body(content = jiuzhu_procurement::projects::AcceptanceInput, content_type = "application/json"),
    responses(
        (status = 200, description = "Recorded", body = ProjectView),
        InvalidTransition,
        (status = 422, description = "The term has not ended and no early completion is given, or the final evaluation is missing (`term_not_ended`, `final_evaluation_required`)"),
    )
)]
#[post("/procurement-projects/{id}/acceptance")]
pub async fn accept_project(
    state: web::Data<AppState>,
    Ctx(ctx): Ctx,
    id: web::Path<Uuid>,
    if_match: IfMatch,
    body: ValidJson<jiuzhu_procurement::projects::AcceptanceInput>,
) -> Result<HttpResponse, ApiError> {
    let project = jiuzhu_workflows::acceptance::accept_project(&state.db, &ctx, *id, if_match.0, body.0).await?;
    Ok(with_etag(StatusCode::OK, project.version, &project))
}

/// Published procurement projects
///
/// The public list of published projects: content, budget, method,
/// evaluation criteria and requirements. No authentication.
///
/// Permission: none (public).
#[utoipa::path(
    tag = "procurement",
    operation_id = "listPublicProcurementProjects",
    params(ListQuery),
    responses((status = 200, description = "One page", body = Page<PublicProject>))
)]
#[get("/public/procurement-projects")]
pub async fn public_projects(state: web::Data<AppState>, list: web::Query<ListQuery>) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(projects::public_list(&state.db, list.page()?).await?))
}

/// Start the service
///
/// `contracted → in_service` when the provider begins. Needs `If-Match`.
///
/// Permission: `procurement:manage`.
#[utoipa::path(
    tag = "procurement",
    operation_id = "startProjectService",
    params(("id" = Uuid, Path, description = "Project id"), IfMatch),
    responses((status = 200, description = "In service", body = ProjectView), InvalidTransition)
)]
#[post("/procurement-projects/{id}/start-service")]
pub async fn start_service(
    state: web::Data<AppState>,
    Ctx(ctx): Ctx,
    id: web::Path<Uuid>,
    if_match: IfMatch,
) -> Result<HttpResponse, ApiError> {
    project_action(&state, &ctx, *id, if_match, ProjectAction::StartService).await
}

/// Settle a project
///
/// `accepted → settled` once the contract is paid in full
/// (`settlement_incomplete`). Settlement closes the contract (`completed`):
/// no order, ledger entry or supervision record goes under it afterwards.
/// Needs `If-Match`.
///
/// Permission: `procurement:manage`.
#[utoipa::path(
    tag = "procurement",
    operation_id = "settleProcurementProject",
    params(("id" = Uuid, Path, description = "Project id"), IfMatch),
    responses((status = 200, description = "Settled", body = ProjectView), InvalidTransition, (status = 422, description = "The contract is not paid in full (`settlement_incomplete`, with `price_fen` and `paid_fen`)"))
)]
#[post("/procurement-projects/{id}/settle")]
pub async fn settle_project(
    state: web::Data<AppState>,
    Ctx(ctx): Ctx,
    id: web::Path<Uuid>,
    if_match: IfMatch,
) -> Result<HttpResponse, ApiError> {
    project_action(&state, &ctx, *id, if_match, ProjectAction::Settle).await
}

/// Registers this module's routes.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(draft_from_needs)
        .service(create_project)
        .service(list_projects)
        .service(get_project)
        .service(publish_project)
        .service(close_bidding)
        .service(fail_project)
        .service(terminate_project)
        .service(public_projects)
        .service(accept_project)
        .service(start_service)
        .service(settle_project);
}
