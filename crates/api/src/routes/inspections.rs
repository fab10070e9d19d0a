//! `/inspections`: reproducible random samples of deliveries and the
//! inspections made of them (matching's inspections).

use crate::extract::Ctx;
use crate::json::ValidJson;
use crate::problem::ApiError;
use crate::state::AppState;
use actix_web::{HttpResponse, post, web};
use utoipa_actix_web::service_config::ServiceConfig;

/// Draw a random sample of deliveries
///
/// A reproducible sample for random checks: the same region, period, size
/// and seed over the same deliveries draw the same sample. The frame, the
/// seed and the result are stored.
///
/// Permission: `order:write`.
#[utoipa::path(
    tag = "orders",
    operation_id = "drawInspectionSample",
    request_body(content = jiuzhu_matching::inspections::DrawSample, content_type = "application/json"),
    responses((status = 201, description = "Drawn", body = jiuzhu_matching::inspections::SampleView), (status = 404, description = "The region is outside the caller's"))
)]
#[post("/inspections/samples")]
pub async fn draw_sample(
    state: web::Data<AppState>,
    Ctx(ctx): Ctx,
    body: ValidJson<jiuzhu_matching::inspections::DrawSample>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Created().json(jiuzhu_matching::inspections::draw(&state.db, &ctx, body.0).await?))
}

/// Record an inspection
///
/// A random check, unannounced or covert visit, phone survey or third-party
/// check of a delivery. On a purchased service it shows in the contract's
/// supervision record.
///
/// Permission: `order:write`.
#[utoipa::path(
    tag = "orders",
    operation_id = "recordInspection",
    request_body(content = jiuzhu_matching::inspections::RecordInspection, content_type = "application/json"),
    responses((status = 201, description = "Recorded", body = jiuzhu_matching::inspections::InspectionView))
)]
#[post("/inspections")]
pub async fn record_inspection(
    state: web::Data<AppState>,
    Ctx(ctx): Ctx,
    body: ValidJson<jiuzhu_matching::inspections::RecordInspection>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Created().json(jiuzhu_matching::inspections::record_inspection(&state.db, &ctx, body.0).await?))
}

/// Registers this module's routes.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(draw_sample).service(record_inspection);
}
