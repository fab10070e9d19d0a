//! `/users`: staff accounts.

use crate::extract::{Count, Ctx, IfMatch, ListQuery, Reveal, created, with_etag};
use crate::json::ValidJson;
use crate::problem::ApiError;
use crate::sessions::SessionCache;
use crate::state::AppState;
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, get, patch, post, web};
use chrono::{DateTime, Utc};
use jiuzhu_core::{Page, Role};
use jiuzhu_platform::user_admin::{self, CreateUser, PatchUser, UserFilter, UserView};
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

jiuzhu_core::coded_enum! {
    pub enum UserStatus as "user_status" {
        Active = "active", "启用", "Active";
        Inactive = "inactive", "停用", "Inactive";
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct UserFilterQuery {
    /// Only accounts in this region's subtree (within the caller's own).
    pub region_code: Option<String>,
    pub role: Option<Role>,
    pub status: Option<UserStatus>,
    /// Username prefix.
    pub username: Option<String>,
    /// Only accounts changed at or after this time (RFC 3339).
    pub updated_since: Option<DateTime<Utc>>,
}

impl From<&UserFilterQuery> for UserFilter {
    fn from(q: &UserFilterQuery) -> Self {
        UserFilter {
            region_code: q.region_code.clone(),
            role: q.role,
            active: q.status.map(|s| matches!(s, UserStatus::Active)),
            username_prefix: q.username.clone(),
            updated_since: q.updated_since,
        }
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RevealQuery {
    /// `pii` returns the full phone number (needs `pii:reveal`; audited).
    pub reveal: Option<Reveal>,
}

/// Create a staff account
///
/// An account is created only at a role whose every permission the caller
/// holds, and more (the `city_admin` holds all and grants any role), in an
/// existing region of the caller's subtree; a `provider` account's provider
/// must be registered in that subtree, a `department` account's department
/// must exist (422 `role_above_grantor`, `region_outside_scope`,
/// `provider_unknown`, `provider_outside_scope` otherwise). Answers 201 with `Location` and `ETag`.
///
/// Permission: `user:write`.
#[utoipa::path(
    tag = "users",
    operation_id = "createUser",
    request_body(content = CreateUser, content_type = "application/json"),
    responses(
        (status = 201, description = "Created", body = UserView,
            headers(("Location" = String, description = "URL of the new account"), ("ETag" = String, description = "Its version"))),
        (status = 409, description = "The username is taken; `existing_id` names the account when the caller can see it"),
    )
)]
#[post("/users")]
pub async fn create_user(state: web::Data<AppState>, Ctx(ctx): Ctx, body: ValidJson<CreateUser>) -> Result<HttpResponse, ApiError> {
    let provider = match body.0.provider_id {
        Some(id) => jiuzhu_supply::providers::account_link(state.db.conn(), id).await?,
        None => None,
    };
    let user = user_admin::create(&state.db, &ctx, body.0, provider).await?;
    Ok(created(format!("/api/v1/users/{}", user.id), user.version, &user))
}

/// List staff accounts
///
/// Accounts in the caller's region subtree, ordered by id, keyset-paged.
/// Phones are masked.
///
/// Permission: `user:read`.
#[utoipa::path(
    tag = "users",
    operation_id = "listUsers",
    params(UserFilterQuery, ListQuery),
    responses((status = 200, description = "One page", body = Page<UserView>))
)]
#[get("/users")]
pub async fn list_users(
    state: web::Data<AppState>,
    Ctx(ctx): Ctx,
    filter: web::Query<UserFilterQuery>,
    list: web::Query<ListQuery>,
) -> Result<HttpResponse, ApiError> {
    let page = user_admin::list(&state.db, &ctx, UserFilter::from(&*filter), list.page()?).await?;
    Ok(HttpResponse::Ok().json(page))
}

/// Count staff accounts
///
/// How many accounts in the caller's region subtree match the filters.
///
/// Permission: `user:read`.
#[utoipa::path(
    tag = "users",
    operation_id = "countUsers",
    params(UserFilterQuery),
    responses((status = 200, description = "The count", body = Count))
)]
#[get("/users/count")]
pub async fn count_users(state: web::Data<AppState>, Ctx(ctx): Ctx, filter: web::Query<UserFilterQuery>) -> Result<HttpResponse, ApiError> {
    let count = user_admin::count(&state.db, &ctx, UserFilter::from(&*filter)).await?;
    Ok(HttpResponse::Ok().json(Count { count }))
}

/// Get a staff account
///
/// Accounts outside the caller's region answer 404. `?reveal=pii` returns the
/// full phone number to holders of `pii:reveal` and writes an audit row.
///
/// Permission: `user:read` (and `pii:reveal` to reveal).
#[utoipa::path(
    tag = "users",
    operation_id = "getUser",
    params(("id" = Uuid, Path, description = "Account id"), RevealQuery),
    responses(
        (status = 200, description = "The account", body = UserView, headers(("ETag" = String, description = "Its version"))),
        (status = 404, description = "No such account in the caller's region"),
    )
)]
#[get("/users/{id}")]
pub async fn get_user(
    state: web::Data<AppState>,
    Ctx(ctx): Ctx,
    id: web::Path<Uuid>,
    query: web::Query<RevealQuery>,
) -> Result<HttpResponse, ApiError> {
    let user = user_admin::get(&state.db, &ctx, *id, query.reveal.is_some()).await?;
    Ok(with_etag(StatusCode::OK, user.version, &user))
}

/// Update a staff account
///
/// A JSON merge patch: absent fields stay, `null` clears `phone` or
/// `department`. Needs `If-Match` with the current version. Role
/// changes follow the same grant rules as creation; `region_code` cannot be patched.
/// A new role, department or password ends the account's sessions: its
/// earlier tokens are refused (401) on every node within `account_cache_ms`.
///
/// Permission: `user:write`.
#[utoipa::path(
    tag = "users",
    operation_id = "patchUser",
    params(("id" = Uuid, Path, description = "Account id"), IfMatch),
    request_body(content = PatchUser, content_type = "application/merge-patch+json"),
    responses(
        (status = 200, description = "Updated", body = UserView, headers(("ETag" = String, description = "The new version"))),
        (status = 404, description = "No such account in the caller's region"),
    )
)]
#[patch("/users/{id}")]
pub async fn patch_user(
    state: web::Data<AppState>,
    sessions: web::Data<SessionCache>,
    Ctx(ctx): Ctx,
    id: web::Path<Uuid>,
    if_match: IfMatch,
    body: ValidJson<PatchUser>,
) -> Result<HttpResponse, ApiError> {
    let user = user_admin::patch(&state.db, &ctx, *id, if_match.0, body.0).await?;
    sessions.forget_all();
    Ok(with_etag(StatusCode::OK, user.version, &user))
}

/// Deactivate a staff account
///
/// The account can no longer log in, and its tokens are refused (401) on
/// every node within `account_cache_ms`. Needs `If-Match`. Deactivating your own
/// account answers 422; an inactive one 409.
///
/// Permission: `user:write`.
#[utoipa::path(
    tag = "users",
    operation_id = "deactivateUser",
    params(("id" = Uuid, Path, description = "Account id"), IfMatch),
    responses(
        (status = 200, description = "Deactivated", body = UserView, headers(("ETag" = String, description = "The new version"))),
        (status = 404, description = "No such account in the caller's region"),
        (status = 409, description = "Already inactive"),
        (status = 422, description = "You cannot deactivate yourself"),
    )
)]
#[post("/users/{id}/deactivate")]
pub async fn deactivate_user(
    state: web::Data<AppState>,
    sessions: web::Data<SessionCache>,
    Ctx(ctx): Ctx,
    id: web::Path<Uuid>,
    if_match: IfMatch,
) -> Result<HttpResponse, ApiError> {
    let user = user_admin::deactivate(&state.db, &ctx, *id, if_match.0).await?;
    sessions.forget_all();
    Ok(with_etag(StatusCode::OK, user.version, &user))
}

/// Registers this module's routes, in this order: `GET /users/count` before `/users/{id}`, which
/// would read `count` as its parameter.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(create_user).service(list_users).service(count_users).service(get_user).service(patch_user).service(deactivate_user);
}
