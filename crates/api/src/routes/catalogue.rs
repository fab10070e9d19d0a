//! `/services`: the service project list (服务项目清单), the 32 guidance
//! items and local additions with the city's approval (supply's catalogue).

use crate::extract::{Ctx, IfMatch, created, with_etag};
use crate::json::ValidJson;
use crate::problem::ApiError;
use crate::state::AppState;
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, get, post, web};
use jiuzhu_supply::catalogue::{self, CreateLocalService, ServiceCategory, ServiceView};
use jiuzhu_supply::hsds::{self, HsdsService, HsdsServicePage};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;

jiuzhu_core::coded_enum! {
    pub enum CatalogueFormat as "catalogue_format" {
        /// jiuzhu's own shape
        Jiuzhu = "jiuzhu", "本系统格式", "jiuzhu format";
        /// Open Referral HSDS 3 services
        Hsds = "hsds", "HSDS 3 开放格式", "HSDS 3";
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ServiceQuery {
    pub category: Option<ServiceCategory>,
    pub active: Option<bool>,
    /// `hsds` answers an Open Referral HSDS 3 page of services, for directory integrators.
    pub format: Option<CatalogueFormat>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ServiceFormatQuery {
    /// `hsds` answers the Open Referral HSDS 3 service, fully nested.
    pub format: Option<CatalogueFormat>,
}

/// The catalogue in either shape.
#[derive(Debug, Serialize, ToSchema)]
#[serde(untagged)]
pub enum Catalogue {
    Jiuzhu(Vec<ServiceView>),
    Hsds(HsdsServicePage),
}

/// One service in either shape.
#[derive(Debug, Serialize, ToSchema)]
#[serde(untagged)]
pub enum CatalogueItem {
    Jiuzhu(ServiceView),
    Hsds(HsdsService),
}

/// The service project list
///
/// The 32 guidance items of Annex 1 (12 care, 10 daily living, 10 caring)
/// and the local items of the caller's city or county. `?format=hsds`
/// answers an Open Referral HSDS 3 page (`contents` of `service_list`
/// entries, the whole list on one page).
///
/// Permission: `service:read`.
#[utoipa::path(
    tag = "matching",
    operation_id = "listServices",
    params(ServiceQuery),
    responses((status = 200, description = "The catalogue", body = Catalogue))
)]
#[get("/services")]
pub async fn list_services(state: web::Data<AppState>, Ctx(ctx): Ctx, query: web::Query<ServiceQuery>) -> Result<HttpResponse, ApiError> {
    let items = catalogue::list(&state.db, &ctx, query.category, query.active).await?;
    Ok(HttpResponse::Ok().json(match query.format {
        Some(CatalogueFormat::Hsds) => Catalogue::Hsds(hsds::page(&items)),
        _ => Catalogue::Jiuzhu(items),
    }))
}

/// Get a service
///
/// One item of the list. `?format=hsds` answers the Open Referral HSDS 3
/// service, fully nested: its category and its code as attributes whose
/// taxonomy terms form jiuzhu's two-level taxonomy.
///
/// Permission: `service:read`.
#[utoipa::path(
    tag = "matching",
    operation_id = "getService",
    params(("code" = String, Path, description = "Service code"), ServiceFormatQuery),
    responses((status = 200, description = "The service", body = CatalogueItem, headers(("ETag" = String, description = "The item's version"))), (status = 404, description = "No such service for the caller's region"))
)]
#[get("/services/{code}")]
pub async fn get_service(
    state: web::Data<AppState>,
    Ctx(ctx): Ctx,
    code: web::Path<String>,
    query: web::Query<ServiceFormatQuery>,
) -> Result<HttpResponse, ApiError> {
    let service = catalogue::get(&state.db, &ctx, &code).await?;
    let version = service.version;
    let item = match query.format {
        Some(CatalogueFormat::Hsds) => CatalogueItem::Hsds(hsds::service(&service)),
        _ => CatalogueItem::Jiuzhu(service),
    };
    Ok(with_etag(StatusCode::OK, version, &item))
}

/// Add a local service item
///
/// The city or a county adds an item of its own, scoped to its region,
/// naming its category. A government-funded item states the basic living
/// need it meets (`basic_need_basis`, `required`) and starts `pending` and
/// inactive: the plan sets no government-funded item beyond basic living
/// needs, so the city approves it (`POST /services/{code}/approval`) before
/// it can be ordered. Any other local item is active at once.
///
/// Permission: `service:write`.
#[utoipa::path(
    tag = "matching",
    operation_id = "createLocalService",
    request_body(content = CreateLocalService, content_type = "application/json"),
    responses((status = 201, description = "Added", body = ServiceView, headers(("Location" = String, description = "URL of the item"))))
)]
#[post("/services")]
pub async fn create_service(
    state: web::Data<AppState>,
    Ctx(ctx): Ctx,
    body: ValidJson<CreateLocalService>,
) -> Result<HttpResponse, ApiError> {
    let service = catalogue::create_local(&state.db, &ctx, body.0).await?;
    Ok(created(format!("/api/v1/services/{}", service.code), service.version, &service))
}

/// Approve or reject a government-funded local item
///
/// The city's decision (市级审核) on a `pending` item, with its `note`:
/// approved, the item becomes active and can be ordered; rejected, it stays
/// inactive. Refused with 422 below city level (`city_approval_required`)
/// or to the account that proposed it (`separation_of_duties`), and with
/// 409 when the item is not pending (`not_pending`). Needs `If-Match`.
///
/// Permission: `service:write`, at city level.
#[utoipa::path(
    tag = "matching",
    operation_id = "decideLocalService",
    params(("code" = String, Path, description = "Service code"), IfMatch),
    request_body(content = jiuzhu_supply::catalogue::ItemDecision, content_type = "application/json"),
    responses(
        (status = 200, description = "Decided", body = ServiceView),
        (status = 404, description = "No such service for the caller's region"),
        (status = 409, description = "Not pending (`not_pending`)"),
    )
)]
#[post("/services/{code}/approval")]
pub async fn decide_service(
    state: web::Data<AppState>,
    Ctx(ctx): Ctx,
    code: web::Path<String>,
    if_match: IfMatch,
    body: ValidJson<jiuzhu_supply::catalogue::ItemDecision>,
) -> Result<HttpResponse, ApiError> {
    let service = catalogue::decide(&state.db, &ctx, &code, if_match.0, body.0).await?;
    Ok(with_etag(StatusCode::OK, service.version, &service))
}

/// Deactivate a local service item
///
/// Guidance items cannot be deactivated (422 `guidance_item_protected`). Needs `If-Match`.
///
/// Permission: `service:write`.
#[utoipa::path(
    tag = "matching",
    operation_id = "deactivateService",
    params(("code" = String, Path, description = "Service code"), IfMatch),
    responses((status = 200, description = "Deactivated", body = ServiceView), (status = 409, description = "Already inactive"))
)]
#[post("/services/{code}/deactivate")]
pub async fn deactivate_service(
    state: web::Data<AppState>,
    Ctx(ctx): Ctx,
    code: web::Path<String>,
    if_match: IfMatch,
) -> Result<HttpResponse, ApiError> {
    let service = catalogue::deactivate(&state.db, &ctx, &code, if_match.0).await?;
    Ok(with_etag(StatusCode::OK, service.version, &service))
}

/// Registers this module's routes.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_services).service(get_service).service(create_service).service(decide_service).service(deactivate_service);
}
