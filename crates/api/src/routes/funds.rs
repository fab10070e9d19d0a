//! `/fund-accounts`: funds under the 3% cap, one account per funding region
//! and year (procurement's funds).

use crate::extract::{Ctx, IfMatch, ListQuery, created, with_etag};
use crate::json::ValidJson;
use crate::problem::ApiError;
use crate::state::AppState;
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, get, patch, post, web};
use jiuzhu_core::Page;
use jiuzhu_procurement::funds::{self, CreateFundAccount, FundAccountView, PatchFundAccount};
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AccountQuery {
    pub year: Option<i32>,
}

/// Open a fund account
///
/// One per funding region (the city or a county) per year. The purchase cap
/// is 3% (300 bp) of last year's assistance subsidy total; only a
/// `city_admin` may set a lower `cap_bp`, and never above 300. The base is
/// a finance figure: the finance side (`finance_officer`) opens the account,
/// not the officer who buys with it.
///
/// Permission: `fund_base:write`.
#[utoipa::path(
    tag = "procurement",
    operation_id = "createFundAccount",
    request_body(content = CreateFundAccount, content_type = "application/json"),
    responses(
        (status = 201, description = "Opened", body = FundAccountView,
            headers(("Location" = String, description = "URL of the account"), ("ETag" = String, description = "Its version"))),
        (status = 409, description = "The region already has an account for that year"),
    )
)]
#[post("/fund-accounts")]
pub async fn create_account(
    state: web::Data<AppState>,
    Ctx(ctx): Ctx,
    body: ValidJson<CreateFundAccount>,
) -> Result<HttpResponse, ApiError> {
    let account = funds::create(&state.db, &ctx, body.0).await?;
    Ok(created(format!("/api/v1/fund-accounts/{}", account.id), account.version, &account))
}

/// List fund accounts
///
/// With each account's cap, committed money and what remains.
///
/// Permission: `procurement:read`.
#[utoipa::path(
    tag = "procurement",
    operation_id = "listFundAccounts",
    params(AccountQuery, ListQuery),
    responses((status = 200, description = "One page", body = Page<FundAccountView>))
)]
#[get("/fund-accounts")]
pub async fn list_accounts(
    state: web::Data<AppState>,
    Ctx(ctx): Ctx,
    query: web::Query<AccountQuery>,
    list: web::Query<ListQuery>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(funds::list(&state.db, &ctx, query.year, list.page()?).await?))
}

/// Get a fund account
///
/// Permission: `procurement:read`.
#[utoipa::path(
    tag = "procurement",
    operation_id = "getFundAccount",
    params(("id" = Uuid, Path, description = "Account id")),
    responses((status = 200, description = "The account", body = FundAccountView, headers(("ETag" = String, description = "The account's version"))), (status = 404, description = "No such account in the caller's region"))
)]
#[get("/fund-accounts/{id}")]
pub async fn get_account(state: web::Data<AppState>, Ctx(ctx): Ctx, id: web::Path<Uuid>) -> Result<HttpResponse, ApiError> {
    let account = funds::get(&state.db, &ctx, *id).await?;
    Ok(with_etag(StatusCode::OK, account.version, &account))
}

/// Update a fund account
///
/// A merge patch with `If-Match`. A cap below what is already committed
/// answers 422 `cap_below_committed`. Last year's assistance total (the
/// cap's base) is changed only by the finance side, with a `reason`
/// (`reason`: `required`); the change, from and to, and its reason go to
/// the audit log and the `fund_account.updated` event.
///
/// Permission: `fund_base:write` for `prior_year_assistance_total_fen`;
/// `procurement:manage` for `sources` and `cap_bp` (`cap_bp`: city_admin only).
#[utoipa::path(
    tag = "procurement",
    operation_id = "patchFundAccount",
    params(("id" = Uuid, Path, description = "Account id"), IfMatch),
    request_body(content = PatchFundAccount, content_type = "application/merge-patch+json"),
    responses((status = 200, description = "Updated", body = FundAccountView))
)]
#[patch("/fund-accounts/{id}")]
pub async fn patch_account(
    state: web::Data<AppState>,
    Ctx(ctx): Ctx,
    id: web::Path<Uuid>,
    if_match: IfMatch,
    body: ValidJson<PatchFundAccount>,
) -> Result<HttpResponse, ApiError> {
    let account = funds::patch(&state.db, &ctx, *id, if_match.0, body.0).await?;
    Ok(with_etag(StatusCode::OK, account.version, &account))
}

/// Registers this module's routes.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(create_account).service(list_accounts).service(get_account).service(patch_account);
}
