//! `/evaluation-schemes`, `/evaluations`, `/appeals` and
//! `/public/evaluations`: evaluating purchased projects, publishing the
//! results, and appeals.

use crate::extract::{Ctx, IfMatch, ListQuery, created, with_etag};
use crate::json::ValidJson;
use crate::openapi::InvalidTransition;
use crate::problem::ApiError;
use crate::state::AppState;
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, get, post, web};
use jiuzhu_core::Page;
use jiuzhu_evaluation::evaluations::{
    self, AppealInput, AppealView, CreateEvaluation, DecideInput, EvaluationView, PublicResult, Report, ScoreInput, Step,
};
use jiuzhu_evaluation::schemes::{self, CreateScheme, SchemeView};
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

/// The default indicator scheme
///
/// Annex 3's indicators: management effectiveness (40%) and service
/// outcomes (60%), with weights in basis points and grade thresholds.
///
/// Permission: `evaluation:read`.
#[utoipa::path(tag = "evaluation", operation_id = "getDefaultScheme", responses((status = 200, description = "The default scheme", body = SchemeView)))]
#[get("/evaluation-schemes/default")]
pub async fn default_scheme(state: web::Data<AppState>, Ctx(ctx): Ctx) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(schemes::default(&state.db, &ctx).await?))
}

/// Get an indicator scheme
///
/// Permission: `evaluation:read`.
#[utoipa::path(
    tag = "evaluation",
    operation_id = "getScheme",
    params(("id" = Uuid, Path, description = "Scheme id")),
    responses((status = 200, description = "The scheme", body = SchemeView), (status = 404, description = "No such scheme"))
)]
#[get("/evaluation-schemes/{id}")]
pub async fn get_scheme(state: web::Data<AppState>, Ctx(ctx): Ctx, id: web::Path<Uuid>) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(schemes::get(&state.db, &ctx, *id).await?))
}

/// Create a custom indicator scheme
///
/// Groups sum to 10000 bp, indicators to their group, sub-indicators to
/// 10000 inside their parent; otherwise 422 `weights_sum`.
///
/// Permission: `evaluation:manage`.
#[utoipa::path(
    tag = "evaluation",
    operation_id = "createScheme",
    request_body(content = CreateScheme, content_type = "application/json"),
    responses((status = 201, description = "Created", body = SchemeView, headers(("Location" = String, description = "URL of the scheme"))))
)]
#[post("/evaluation-schemes")]
pub async fn create_scheme(state: web::Data<AppState>, Ctx(ctx): Ctx, body: ValidJson<CreateScheme>) -> Result<HttpResponse, ApiError> {
    let scheme = schemes::create(&state.db, &ctx, body.0).await?;
    Ok(created(format!("/api/v1/evaluation-schemes/{}", scheme.id), 1, &scheme))
}

/// Plan an evaluation
///
/// A mid-term or final evaluation of a contracted project, by a purchaser
/// group (odd, at least 3, with an intermediate- or senior-titled
/// accountant: `group_size_invalid`, `group_lacks_accountant`; a missing
/// beneficiary representative is a warning) or a third party that is not
/// the provider. Each member, and the third party, signs under their own
/// account, so each names it (`members[i].user_id`, `third_party.user_id`):
/// an active account whose role signs sheets (`review_member` for an outside
/// member), working in the project's region or above (`required`,
/// `account_unknown`, `cannot_sign`, `outside_region`, `seat_duplicate`).
/// A final evaluation needs an approved mid-term one.
///
/// Permission: `evaluation:manage`.
#[utoipa::path(
    tag = "evaluation",
    operation_id = "createEvaluation",
    request_body(content = CreateEvaluation, content_type = "application/json"),
    responses(
        (status = 201, description = "Planned", body = EvaluationView, headers(("Location" = String, description = "URL of the evaluation"), ("ETag" = String, description = "Its version"))),
        (status = 409, description = "The project has an evaluation of this stage"),
    )
)]
#[post("/evaluations")]
pub async fn create_evaluation(
    state: web::Data<AppState>,
    Ctx(ctx): Ctx,
    body: ValidJson<CreateEvaluation>,
) -> Result<HttpResponse, ApiError> {
    let evaluation = evaluations::create(&state.db, &ctx, body.0).await?;
    Ok(created(format!("/api/v1/evaluations/{}", evaluation.id), evaluation.version, &evaluation))
}

/// Get an evaluation
///
/// Staff see evaluations in their region; a provider sees its own; a
/// member of the group (or the third party's signer) sees the one they sit on.
///
/// Permission: `evaluation:read`, or a seat on the evaluation.
#[utoipa::path(
    tag = "evaluation",
    operation_id = "getEvaluation",
    params(("id" = Uuid, Path, description = "Evaluation id")),
    responses((status = 200, description = "The evaluation", body = EvaluationView, headers(("ETag" = String, description = "The evaluation's version"))), (status = 404, description = "Not visible to the caller"))
)]
#[get("/evaluations/{id}")]
pub async fn get_evaluation(state: web::Data<AppState>, Ctx(ctx): Ctx, id: web::Path<Uuid>) -> Result<HttpResponse, ApiError> {
    let evaluation = evaluations::get(&state.db, &ctx, *id).await?;
    Ok(with_etag(StatusCode::OK, evaluation.version, &evaluation))
}

#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct EvaluationQuery {
    pub project_id: Option<Uuid>,
    pub stage: Option<jiuzhu_evaluation::evaluations::Stage>,
    pub status: Option<jiuzhu_evaluation::evaluations::EvaluationStatus>,
}

/// List evaluations
///
/// Staff see the evaluations of their region; a provider sees its own.
/// Oldest first, a page at a time; narrow by project, stage or status.
///
/// Permission: `evaluation:read`.
#[utoipa::path(
    tag = "evaluation",
    operation_id = "listEvaluations",
    params(EvaluationQuery, ListQuery),
    responses((status = 200, description = "One page", body = Page<EvaluationView>))
)]
#[get("/evaluations")]
pub async fn list_evaluations(
    state: web::Data<AppState>,
    Ctx(ctx): Ctx,
    query: web::Query<EvaluationQuery>,
    list: web::Query<ListQuery>,
) -> Result<HttpResponse, ApiError> {
    let query = query.into_inner();
    let filter = evaluations::EvaluationFilter { project_id: query.project_id, stage: query.stage, status: query.status };
    Ok(HttpResponse::Ok().json(evaluations::list(&state.db, &ctx, filter, list.page()?).await?))
}

/// Get an appeal
///
/// For whoever may read its evaluation, the provider that filed it included.
///
/// Permission: `evaluation:read`.
#[utoipa::path(
    tag = "evaluation",
    operation_id = "getAppeal",
    params(("id" = Uuid, Path, description = "Appeal id")),
    responses((status = 200, description = "The appeal", body = evaluations::AppealView), (status = 404, description = "Not visible to the caller"))
)]
#[get("/appeals/{id}")]
pub async fn get_appeal(state: web::Data<AppState>, Ctx(ctx): Ctx, id: web::Path<Uuid>) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(evaluations::get_appeal(&state.db, &ctx, *id).await?))
}

/// Submit a score sheet
///
/// The caller's own complete sheet, as a member of the group or as the
/// third party's signer (`not_a_member` otherwise): every leaf indicator of
/// the scheme, 0–100, with comments; one per member.
///
/// Permission: `sheet:sign`, and a seat on the evaluation.
#[utoipa::path(
    tag = "evaluation",
    operation_id = "scoreEvaluation",
    params(("id" = Uuid, Path, description = "Evaluation id")),
    request_body(content = ScoreInput, content_type = "application/json"),
    responses((status = 201, description = "Stored", body = EvaluationView), (status = 404, description = "Not visible to the caller"), (status = 409, description = "Already scored, or not scoring"))
)]
#[post("/evaluations/{id}/scores")]
pub async fn score_evaluation(
    state: web::Data<AppState>,
    Ctx(ctx): Ctx,
    id: web::Path<Uuid>,
    body: ValidJson<ScoreInput>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Created().json(evaluations::score(&state.db, &ctx, *id, body.0).await?))
}

/// Write the evaluation report
///
/// Every section is required; `indicators_and_methods` is filled from the
/// scheme. Needs every member's sheet (`scores_incomplete`); computes the
/// weighted total and the grade. Needs `If-Match`.
///
/// Permission: `evaluation:manage`.
#[utoipa::path(
    tag = "evaluation",
    operation_id = "reportEvaluation",
    params(("id" = Uuid, Path, description = "Evaluation id"), IfMatch),
    request_body(content = Report, content_type = "application/json"),
    responses((status = 200, description = "Reported", body = EvaluationView), InvalidTransition)
)]
#[post("/evaluations/{id}/report")]
pub async fn report_evaluation(
    state: web::Data<AppState>,
    Ctx(ctx): Ctx,
    id: web::Path<Uuid>,
    if_match: IfMatch,
    body: ValidJson<Report>,
) -> Result<HttpResponse, ApiError> {
    let evaluation = evaluations::report(&state.db, &ctx, *id, if_match.0, body.0).await?;
    Ok(with_etag(StatusCode::OK, evaluation.version, &evaluation))
}

/// Approve the report
///
/// The purchaser approves; the report is delivered to the provider
/// (`evaluation.report_delivered`), which may appeal within 15 days. The
/// approver is not the account that wrote the report
/// (`separation_of_duties`, with `duty` and `conflicts_with`). Needs `If-Match`.
///
/// Permission: `evaluation:manage`.
#[utoipa::path(
    tag = "evaluation",
    operation_id = "approveEvaluation",
    params(("id" = Uuid, Path, description = "Evaluation id"), IfMatch),
    responses(
        (status = 200, description = "Approved and delivered", body = EvaluationView),
        InvalidTransition,
        (status = 422, description = "The approver wrote the report (`separation_of_duties`)"),
    )
)]
#[post("/evaluations/{id}/approve")]
pub async fn approve_evaluation(
    state: web::Data<AppState>,
    Ctx(ctx): Ctx,
    id: web::Path<Uuid>,
    if_match: IfMatch,
) -> Result<HttpResponse, ApiError> {
    let evaluation = evaluations::advance(&state.db, &ctx, *id, if_match.0, Step::Approve).await?;
    Ok(with_etag(StatusCode::OK, evaluation.version, &evaluation))
}

/// Publish the result
///
/// The result appears on the public list. Waits while an appeal is open
/// (`appeal_open`). Needs `If-Match`.
///
/// Permission: `evaluation:manage`.
#[utoipa::path(
    tag = "evaluation",
    operation_id = "publishEvaluation",
    params(("id" = Uuid, Path, description = "Evaluation id"), IfMatch),
    responses((status = 200, description = "Published", body = EvaluationView), (status = 409, description = "Not approved, or an appeal is open"))
)]
#[post("/evaluations/{id}/publish")]
pub async fn publish_evaluation(
    state: web::Data<AppState>,
    Ctx(ctx): Ctx,
    id: web::Path<Uuid>,
    if_match: IfMatch,
) -> Result<HttpResponse, ApiError> {
    let evaluation = evaluations::advance(&state.db, &ctx, *id, if_match.0, Step::Publish).await?;
    Ok(with_etag(StatusCode::OK, evaluation.version, &evaluation))
}

/// Published evaluation results
///
/// Project, provider, stage, score, grade and date of every published
/// evaluation. No authentication; no personal data.
///
/// Permission: none (public).
#[utoipa::path(tag = "evaluation", operation_id = "listPublicEvaluations", params(ListQuery), responses((status = 200, description = "One page", body = Page<PublicResult>)))]
#[get("/public/evaluations")]
pub async fn public_evaluations(state: web::Data<AppState>, list: web::Query<ListQuery>) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(evaluations::public(&state.db, list.page()?).await?))
}

/// Appeal an evaluation
///
/// By the evaluated provider's account only, within 15 days (configurable)
/// of the report's delivery; one open appeal at a time; a decided appeal is final
/// (`appeal_already_decided`).
///
/// Permission: the evaluated provider's account.
#[utoipa::path(
    tag = "evaluation",
    operation_id = "fileAppeal",
    params(("id" = Uuid, Path, description = "Evaluation id")),
    request_body(content = AppealInput, content_type = "application/json"),
    responses((status = 201, description = "Filed", body = AppealView), (status = 404, description = "Not the caller's evaluation"), (status = 409, description = "An appeal is open or was decided"))
)]
#[post("/evaluations/{id}/appeals")]
pub async fn file_appeal(
    state: web::Data<AppState>,
    Ctx(ctx): Ctx,
    id: web::Path<Uuid>,
    body: ValidJson<AppealInput>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Created().json(evaluations::appeal(&state.db, &ctx, *id, body.0, i64::from(state.settings.appeal_days)).await?))
}

/// Decide an appeal
///
/// By a civil-affairs officer at the purchaser's level who was not in the
/// evaluation group. Upheld with revised scores recomputes the total and
/// grade and keeps the old figures in the history. The decision is final.
///
/// Permission: `evaluation:manage` (city_admin or county_officer).
#[utoipa::path(
    tag = "evaluation",
    operation_id = "decideAppeal",
    params(("id" = Uuid, Path, description = "Appeal id")),
    request_body(content = DecideInput, content_type = "application/json"),
    responses((status = 200, description = "Decided", body = AppealView), (status = 404, description = "No such appeal in the caller's region"), (status = 409, description = "Already decided (`appeal_already_decided`)"))
)]
#[post("/appeals/{id}/decide")]
pub async fn decide_appeal(
    state: web::Data<AppState>,
    Ctx(ctx): Ctx,
    id: web::Path<Uuid>,
    body: ValidJson<DecideInput>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(evaluations::decide(&state.db, &ctx, *id, body.0).await?))
}

/// Evidence beside the scores
///
/// Delivered volume against the contract, average satisfaction, inspection
/// pass rate and follow-ups, from matching and procurement. It informs the
/// outcome indicators' scores and never replaces them.
///
/// Permission: `evaluation:read`.
#[utoipa::path(
    tag = "evaluation",
    operation_id = "getEvaluationEvidence",
    params(("id" = Uuid, Path, description = "Evaluation id")),
    responses((status = 200, description = "The evidence", body = jiuzhu_evaluation::evaluations::Evidence), (status = 404, description = "Not visible to the caller"))
)]
#[get("/evaluations/{id}/evidence")]
pub async fn evaluation_evidence(state: web::Data<AppState>, Ctx(ctx): Ctx, id: web::Path<Uuid>) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(evaluations::evidence(&state.db, &ctx, *id).await?))
}

#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SummaryQuery {
    /// The projects' year.
    pub year: Option<i32>,
    /// Defaults to the caller's region; a region outside it answers 404.
    pub region_code: Option<String>,
}

/// Grade distribution
///
/// Approved and published evaluations by grade, for budgeting and choosing providers.
///
/// Permission: `evaluation:read`.
#[utoipa::path(
    tag = "evaluation",
    operation_id = "summariseEvaluations",
    params(SummaryQuery),
    responses((status = 200, description = "Counts by grade", body = jiuzhu_evaluation::evaluations::GradeSummary), (status = 404, description = "The region is outside the caller's"))
)]
#[get("/evaluations/summary")]
pub async fn evaluation_summary(
    state: web::Data<AppState>,
    Ctx(ctx): Ctx,
    query: web::Query<SummaryQuery>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(evaluations::summary(&state.db, &ctx, query.year, query.region_code.as_deref()).await?))
}

/// Registers this module's routes, in this order: `GET /evaluation-schemes/default` before
/// `/evaluation-schemes/{id}`, which would read `default` as its parameter; `GET /evaluations/summary`
/// before `/evaluations/{id}`, which would read `summary` as its parameter.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(default_scheme)
        .service(get_scheme)
        .service(create_scheme)
        .service(create_evaluation)
        .service(evaluation_summary)
        .service(list_evaluations)
        .service(get_appeal)
        .service(get_evaluation)
        .service(evaluation_evidence)
        .service(score_evaluation)
        .service(report_evaluation)
        .service(approve_evaluation)
        .service(publish_evaluation)
        .service(public_evaluations)
        .service(file_appeal)
        .service(decide_appeal);
}
