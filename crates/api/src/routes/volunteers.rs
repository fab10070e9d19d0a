//! `/volunteers`: volunteers under the mutual-aid programmes and their time
//! ledger (supply).

use crate::extract::{Ctx, ListQuery, created};
use crate::json::ValidJson;
use crate::problem::ApiError;
use crate::state::AppState;
use actix_web::{HttpResponse, get, post, web};
use jiuzhu_core::Page;
use jiuzhu_supply::rules::Program;
use jiuzhu_supply::volunteers::{self, Ledger, LogHours, RegisterVolunteer, VolunteerView};
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

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

/// Registers this module's routes.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(register_volunteer).service(list_volunteers).service(get_volunteer).service(log_hours).service(get_hours);
}
