//! `/assessment-models`, `/assessments` (and a person's,
//! `/beneficiaries/{id}/assessments`), `/needs` and `/registry/search`: needs
//! assessment, the service needs list and the departments' registry search.

use crate::extract::{Ctx, ListQuery, created, with_etag};
use crate::json::ValidJson;
use crate::problem::ApiError;
use crate::state::AppState;
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, get, post, web};
use chrono::NaiveDate;
use jiuzhu_core::Page;
use jiuzhu_needs_assessment::assessments::{self, AssessmentView, CreateAssessment};
use jiuzhu_needs_assessment::models::{self, ModelView};
use jiuzhu_needs_assessment::needs::{self, GroupBy, NeedFilter, NeedStatus, NeedView, Summary};
use jiuzhu_needs_assessment::registry::{self, SearchRequest, SearchResponse};
use jiuzhu_needs_assessment::rules::{Degree, ModelSpec, Priority};
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;
use validator::Validate;

/// A model body; its rules are checked whole by `rules::validate_model`,
/// which names every broken field.
#[derive(Debug, Deserialize)]
#[serde(transparent)]
pub struct NewModel(pub ModelSpec);

impl Validate for NewModel {
    fn validate(&self) -> Result<(), validator::ValidationErrors> {
        Ok(())
    }
}

/// The current assessment model
///
/// Dimensions and indicators with their criteria, weights, degree
/// thresholds, need rules and exclusions.
///
/// Permission: `assessment:read`.
#[utoipa::path(
    tag = "assessment",
    operation_id = "getCurrentAssessmentModel",
    responses((status = 200, description = "The newest version", body = ModelView))
)]
#[get("/assessment-models/current")]
pub async fn current_model(state: web::Data<AppState>, Ctx(ctx): Ctx) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(models::current(&state.db, &ctx).await?))
}

/// An assessment model version
///
/// Permission: `assessment:read`.
#[utoipa::path(
    tag = "assessment",
    operation_id = "getAssessmentModel",
    params(("version" = i32, Path, description = "Model version")),
    responses((status = 200, description = "That version", body = ModelView), (status = 404, description = "No such version"))
)]
#[get("/assessment-models/{version}")]
pub async fn get_model(state: web::Data<AppState>, Ctx(ctx): Ctx, version: web::Path<i32>) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(models::get(&state.db, &ctx, *version).await?))
}

/// Publish a new assessment model version
///
/// The whole model; weights must sum to 10000 (`weights_sum`), all ten
/// indicators appear once, rules name known indicators and catalogue
/// services. Earlier assessments keep their version.
///
/// Permission: `assessment_model:write` (city_admin).
#[utoipa::path(
    tag = "assessment",
    operation_id = "publishAssessmentModel",
    request_body(content = ModelSpec, content_type = "application/json"),
    responses((status = 201, description = "Published", body = ModelView, headers(("Location" = String, description = "URL of the version"))))
)]
#[post("/assessment-models")]
pub async fn publish_model(state: web::Data<AppState>, Ctx(ctx): Ctx, body: ValidJson<NewModel>) -> Result<HttpResponse, ApiError> {
    let model = models::publish(&state.db, &ctx, body.0.0).await?;
    Ok(created(format!("/api/v1/assessment-models/{}", model.version), 1, &model))
}

/// Assess a person
///
/// Scores all ten indicators (0–3; evidence from level 2). The answer holds
/// dimension scores, the weighted score, hardship types, the degree, the
/// derived needs each with the rule that produced it, the exclusions with
/// their reasons, and the reassessment date. The needs go on the service
/// needs list; a newer assessment supersedes the person's previous one.
///
/// Permission: `assessment:write`.
#[utoipa::path(
    tag = "assessment",
    operation_id = "createAssessment",
    request_body(content = CreateAssessment, content_type = "application/json"),
    responses((status = 201, description = "Assessed", body = AssessmentView, headers(("Location" = String, description = "URL of the assessment"))))
)]
#[post("/assessments")]
pub async fn create_assessment(
    state: web::Data<AppState>,
    Ctx(ctx): Ctx,
    body: ValidJson<CreateAssessment>,
) -> Result<HttpResponse, ApiError> {
    let assessment = assessments::create(&state.db, &ctx, body.0).await?;
    Ok(created(format!("/api/v1/assessments/{}", assessment.id), 1, &assessment))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DueQuery {
    /// Current assessments to redo before this day.
    pub due_before: NaiveDate,
}

/// List reassessments due
///
/// Current (not superseded) assessments in the caller's region whose
/// `reassess_by` falls before `due_before`.
///
/// Permission: `assessment:read`.
#[utoipa::path(
    tag = "assessment",
    operation_id = "listDueAssessments",
    params(DueQuery, ListQuery),
    responses((status = 200, description = "One page", body = Page<AssessmentView>))
)]
#[get("/assessments")]
pub async fn list_due(
    state: web::Data<AppState>,
    Ctx(ctx): Ctx,
    query: web::Query<DueQuery>,
    list: web::Query<ListQuery>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(assessments::due(&state.db, &ctx, query.due_before, list.page()?).await?))
}

/// Get an assessment
///
/// Permission: `assessment:read`.
#[utoipa::path(
    tag = "assessment",
    operation_id = "getAssessment",
    params(("id" = Uuid, Path, description = "Assessment id")),
    responses((status = 200, description = "The assessment", body = AssessmentView), (status = 404, description = "No such assessment in the caller's region"))
)]
#[get("/assessments/{id}")]
pub async fn get_assessment(state: web::Data<AppState>, Ctx(ctx): Ctx, id: web::Path<Uuid>) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(assessments::get(&state.db, &ctx, *id).await?))
}

/// A person's assessments
///
/// A page at a time, oldest first (`order=desc` for the newest first);
/// `superseded_by` links each to the one that replaced it.
///
/// Permission: `assessment:read`.
#[utoipa::path(
    tag = "assessment",
    operation_id = "listPersonAssessments",
    params(("id" = Uuid, Path, description = "Beneficiary id"), ListQuery),
    responses((status = 200, description = "One page", body = Page<AssessmentView>), (status = 404, description = "No such person in the caller's region"))
)]
#[get("/beneficiaries/{id}/assessments")]
pub async fn person_assessments(
    state: web::Data<AppState>,
    Ctx(ctx): Ctx,
    id: web::Path<Uuid>,
    list: web::Query<ListQuery>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(assessments::for_person(&state.db, &ctx, *id, list.page()?).await?))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct NeedQuery {
    /// One person's needs.
    pub beneficiary_id: Option<Uuid>,
    pub region_code: Option<String>,
    pub service_code: Option<String>,
    pub category: Option<jiuzhu_core::catalogue::ServiceCategory>,
    pub priority: Option<Priority>,
    pub status: Option<NeedStatus>,
    pub degree: Option<Degree>,
}

/// The service needs list
///
/// Needs in the caller's region, each with the rule that derived it.
///
/// Permission: `assessment:read`.
#[utoipa::path(
    tag = "assessment",
    operation_id = "listNeeds",
    params(NeedQuery, ListQuery),
    responses((status = 200, description = "One page", body = Page<NeedView>))
)]
#[get("/needs")]
pub async fn list_needs(
    state: web::Data<AppState>,
    Ctx(ctx): Ctx,
    query: web::Query<NeedQuery>,
    list: web::Query<ListQuery>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(needs::list(&state.db, &ctx, query.into_inner().into(), list.page()?).await?))
}

/// Get a need
///
/// One need of the caller's region, with the rule that derived it; the
/// `ETag` is its version.
///
/// Permission: `assessment:read`.
#[utoipa::path(
    tag = "assessment",
    operation_id = "getNeed",
    params(("id" = Uuid, Path, description = "Need id")),
    responses(
        (status = 200, description = "The need", body = NeedView, headers(("ETag" = String, description = "The need's version"))),
        (status = 404, description = "No such need in the caller's region"),
    )
)]
#[get("/needs/{id}")]
pub async fn get_need(state: web::Data<AppState>, Ctx(ctx): Ctx, id: web::Path<Uuid>) -> Result<HttpResponse, ApiError> {
    let need = needs::get(&state.db, &ctx, *id).await?;
    Ok(with_etag(StatusCode::OK, need.version, &need))
}

impl From<NeedQuery> for NeedFilter {
    fn from(q: NeedQuery) -> Self {
        NeedFilter {
            beneficiary_id: q.beneficiary_id,
            region_code: q.region_code,
            service_code: q.service_code,
            category: q.category,
            priority: q.priority,
            status: q.status,
            degree: q.degree,
        }
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SummaryQuery {
    /// Defaults to the caller's region; a region outside it answers 404.
    pub region_code: Option<String>,
    pub group_by: GroupBy,
}

/// Summarise open needs
///
/// Counts of open needs in a region by service, category, next-level
/// region, degree or group, computed in the database. This is the list the
/// city publishes and plans purchases from.
///
/// Permission: `assessment:read`.
#[utoipa::path(
    tag = "assessment",
    operation_id = "summariseNeeds",
    params(SummaryQuery),
    responses((status = 200, description = "The counts", body = Summary), (status = 404, description = "The region is outside the caller's"))
)]
#[get("/needs/summary")]
pub async fn summarise_needs(state: web::Data<AppState>, Ctx(ctx): Ctx, query: web::Query<SummaryQuery>) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(needs::summary(&state.db, &ctx, query.region_code.as_deref(), query.group_by).await?))
}

/// Search the registry for a department
///
/// Answers "is this person on the service target list, in which category,
/// since when, how hard is their situation?" for up to 1000 citizen ID
/// numbers (`query_type: id_numbers`), each answered `found`, `not_found`
/// (including people outside the caller's area) or `invalid`, in the order
/// asked; or pages through everyone in scope matching an `expression`.
/// `fields` narrows what each record carries. ID numbers and names are
/// masked unless `reveal` is set, which needs `pii:reveal`. Every search
/// writes one audit row with its `purpose`. Systems built to the DCI
/// social registry API call `/dci/registry/sync/search` instead (see
/// `docs/registry-search.md`).
///
/// Permission: `registry:search` (department and data_exchange clients,
/// city_admin).
#[utoipa::path(
    tag = "registry",
    operation_id = "searchRegistry",
    request_body(content = SearchRequest, content_type = "application/json"),
    responses((status = 200, description = "One item per ID asked, or a page of matches", body = SearchResponse))
)]
#[post("/registry/search")]
pub async fn search_registry(state: web::Data<AppState>, Ctx(ctx): Ctx, body: ValidJson<SearchRequest>) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(registry::search(&state.db, &ctx, body.0).await?))
}

/// Registers this module's routes, in this order: `GET /assessment-models/current` before
/// `/assessment-models/{version}`, which would read `current` as its parameter; `GET /needs/summary`
/// before `/needs/{id}`, which would read `summary` as its parameter.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(current_model)
        .service(get_model)
        .service(publish_model)
        .service(search_registry)
        .service(create_assessment)
        .service(list_due)
        .service(get_assessment)
        .service(person_assessments)
        .service(summarise_needs)
        .service(list_needs)
        .service(get_need);
}
