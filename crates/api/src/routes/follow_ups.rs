//! `/follow-ups`: the visit after a completed order (回访), scheduled by
//! completion (matching's follow-ups).

use crate::extract::{Ctx, IfMatch, ListQuery, with_etag};
use crate::json::ValidJson;
use crate::problem::ApiError;
use crate::state::AppState;
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, get, post, web};
use chrono::NaiveDate;
use jiuzhu_core::Page;
use jiuzhu_matching::follow_ups::{self, CompleteFollowUp, FollowUpView};
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct FollowUpQuery {
    /// Only follow-ups due on or before this day.
    pub due_by: Option<NaiveDate>,
}

/// Follow-up visits due
///
/// The open follow-up visits (回访) that completed orders scheduled, a page
/// at a time, oldest first (narrow with `due_by`).
///
/// Permission: `order:read`.
#[utoipa::path(
    tag = "orders",
    operation_id = "listFollowUps",
    params(FollowUpQuery, ListQuery),
    responses((status = 200, description = "One page of open follow-ups", body = Page<FollowUpView>))
)]
#[get("/follow-ups")]
pub async fn list_follow_ups(
    state: web::Data<AppState>,
    Ctx(ctx): Ctx,
    query: web::Query<FollowUpQuery>,
    list: web::Query<ListQuery>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(follow_ups::list_open(&state.db, &ctx, query.due_by, list.page()?).await?))
}

/// Get a follow-up visit
///
/// One follow-up visit (回访) of the caller's region, open or done; the
/// `ETag` is its version, which completing it needs.
///
/// Permission: `order:read`.
#[utoipa::path(
    tag = "orders",
    operation_id = "getFollowUp",
    params(("id" = Uuid, Path, description = "Follow-up id")),
    responses(
        (status = 200, description = "The follow-up", body = FollowUpView, headers(("ETag" = String, description = "The follow-up's version"))),
        (status = 404, description = "No such follow-up in the caller's region"),
    )
)]
#[get("/follow-ups/{id}")]
pub async fn get_follow_up(state: web::Data<AppState>, Ctx(ctx): Ctx, id: web::Path<Uuid>) -> Result<HttpResponse, ApiError> {
    let follow_up = follow_ups::get(&state.db, &ctx, *id).await?;
    Ok(with_etag(StatusCode::OK, follow_up.version, &follow_up))
}

/// Record a follow-up visit
///
/// The village station records what the visit (回访) found; the follow-up
/// becomes `done`. Recording it twice answers 409 `follow_up_done`. Needs
/// `If-Match`.
///
/// Permission: `beneficiary:write`.
#[utoipa::path(
    tag = "orders",
    operation_id = "completeFollowUp",
    params(("id" = Uuid, Path, description = "Follow-up id"), IfMatch),
    request_body(content = CompleteFollowUp, content_type = "application/json"),
    responses(
        (status = 200, description = "Recorded", body = FollowUpView, headers(("ETag" = String, description = "The new version"))),
        (status = 404, description = "No such follow-up in the caller's region"),
        (status = 409, description = "Already recorded"),
    )
)]
#[post("/follow-ups/{id}/complete")]
pub async fn complete_follow_up(
    state: web::Data<AppState>,
    Ctx(ctx): Ctx,
    id: web::Path<Uuid>,
    if_match: IfMatch,
    body: ValidJson<CompleteFollowUp>,
) -> Result<HttpResponse, ApiError> {
    let done = follow_ups::complete(&state.db, &ctx, *id, if_match.0, body.0).await?;
    Ok(with_etag(StatusCode::OK, done.version, &done))
}

/// Registers this module's routes.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(get_follow_up).service(list_follow_ups).service(complete_follow_up);
}
