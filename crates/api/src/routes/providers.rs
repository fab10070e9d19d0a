//! `/providers`: the providers who deliver services (承接主体): their
//! registration and offer (supply), their performance with evaluation
//! grades and the sanctions against them with their effects (workflows).

use crate::extract::{Ctx, IfMatch, ListQuery, created, with_etag};
use crate::json::ValidJson;
use crate::problem::ApiError;
use crate::state::AppState;
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, get, patch, post, web};
use jiuzhu_core::Page;
use jiuzhu_procurement::contracts::{SanctionInput, SanctionView};
use jiuzhu_supply::providers::{self, PatchProvider, ProviderFilter, ProviderView, RegisterProvider};
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

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
    params(("id" = Uuid, Path, description = "Provider id"), IfMatch),
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

/// A provider's performance
///
/// Orders, deliveries, mean satisfaction, inspection pass rate (counted in
/// the database) and the grades of its evaluations (`stage:grade`).
///
/// Permission: `provider:read`.
#[utoipa::path(
    tag = "orders",
    operation_id = "getProviderPerformance",
    params(("id" = Uuid, Path, description = "Provider id")),
    responses((status = 200, description = "The record", body = jiuzhu_matching::inspections::Performance), (status = 404, description = "Not visible to the caller"))
)]
#[get("/providers/{id}/performance")]
pub async fn provider_performance(state: web::Data<AppState>, Ctx(ctx): Ctx, id: web::Path<Uuid>) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(jiuzhu_workflows::performance::of_provider(&state.db, &ctx, *id).await?))
}

/// Sanction a provider
///
/// Once fraud or unfair competition is proven, in one transaction: the
/// provider's contracts of that year and its open orders inside the
/// caller's region are terminated and cancelled. Every effect stays inside
/// the caller's region: a county's finding ends only the county's contracts
/// and orders (`barred_until` is `null`); the bar from purchased
/// social-assistance projects for three years from `decided_on` is a
/// city-wide consequence, taken only by a city-level decision.
///
/// Permission: `procurement:manage` (city_admin or county_officer).
#[utoipa::path(
    tag = "procurement",
    operation_id = "sanctionProvider",
    params(("id" = Uuid, Path, description = "Provider id")),
    request_body(content = SanctionInput, content_type = "application/json"),
    responses((status = 201, description = "Sanctioned", body = SanctionView), (status = 404, description = "No such provider for the caller"))
)]
#[post("/providers/{id}/sanctions")]
pub async fn sanction_provider(
    state: web::Data<AppState>,
    Ctx(ctx): Ctx,
    id: web::Path<Uuid>,
    body: ValidJson<SanctionInput>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Created().json(jiuzhu_workflows::sanctions::sanction_provider(&state.db, &ctx, *id, body.0).await?))
}

/// Registers this module's routes.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(register_provider)
        .service(list_providers)
        .service(get_provider)
        .service(patch_provider)
        .service(sanction_provider)
        .service(provider_performance);
}
