//! `/matches`: candidates for one need and proposals for a region's open
//! needs, contract holders first (workflows over matching and procurement).

use crate::extract::Ctx;
use crate::json::ValidJson;
use crate::problem::ApiError;
use crate::state::AppState;
use actix_web::{HttpResponse, post, web};
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_actix_web::service_config::ServiceConfig;

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

/// Registers this module's routes.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(match_batch).service(match_need);
}
