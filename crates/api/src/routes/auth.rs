//! `POST /auth/token` (log in) and `GET /me` (who am I).

use crate::auth::{Authenticated, TokenService};
use crate::json::ValidJson;
use crate::problem::ApiError;
use crate::state::AppState;
use actix_web::{HttpResponse, get, post, web};
use jiuzhu_core::{Actor, DomainError, RegionCode, Role};
use jiuzhu_platform::users;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::Validate;

/// The grant a token request uses.
#[derive(Debug, Clone, Copy, Deserialize, Serialize, ToSchema, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum GrantType {
    /// 用户名密码（工作人员）
    Password,
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"grant_type": "password", "username": "admin", "password": "s3cret-Passw0rd"}))]
pub struct TokenRequest {
    pub grant_type: GrantType,
    #[validate(length(min = 1, max = 64, message = "must be 1 to 64 characters"))]
    pub username: String,
    #[validate(length(min = 1, max = 256, message = "must be 1 to 256 characters"))]
    pub password: String,
}

#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"access_token": "eyJhbGciOiJIUzI1NiJ9.e30.sig", "token_type": "Bearer", "expires_in": 1800}))]
pub struct TokenResponse {
    pub access_token: String,
    /// Always `Bearer`.
    pub token_type: &'static str,
    /// Seconds until the token expires.
    pub expires_in: u64,
}

/// Log in and get an access token
///
/// Exchanges a staff username and password for a short-lived bearer token.
/// A wrong username or password answers 401 without saying which was wrong.
///
/// Permission: none (public).
#[utoipa::path(
    tag = "auth",
    operation_id = "issueToken",
    request_body(content = TokenRequest, content_type = "application/json"),
    responses(
        (status = 200, description = "A token was issued", body = TokenResponse),
        (status = 401, description = "The username or password is wrong"),
    )
)]
#[post("/auth/token")]
pub async fn issue_token(
    state: web::Data<AppState>,
    tokens: web::Data<TokenService>,
    body: ValidJson<TokenRequest>,
) -> Result<HttpResponse, ApiError> {
    let request = body.0;
    let user = users::authenticate(state.db.conn(), &request.username, &request.password)
        .await?
        .ok_or_else(|| DomainError::Unauthenticated("username or password is wrong".into()))?;
    let role: Role = user.role.parse().map_err(DomainError::Internal)?;
    let region = RegionCode::parse(&user.region_code).map_err(DomainError::Internal)?;
    let actor = Actor { subject: user.id.to_string(), role, region, department: user.department, provider_id: user.provider_id };
    let access_token = tokens.issue(&actor)?;
    Ok(HttpResponse::Ok().insert_header(("Cache-Control", "no-store")).json(TokenResponse {
        access_token,
        token_type: "Bearer",
        expires_in: tokens.ttl_secs(),
    }))
}

#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"subject": "0192f4a4-7d7e-7c3a-9a53-6f1f3c0b9a11", "role": "county_officer", "region_code": "640202", "department": null, "provider_id": null}))]
pub struct Me {
    /// The user or API client id.
    pub subject: String,
    pub role: Role,
    pub region_code: String,
    pub department: Option<String>,
    pub provider_id: Option<String>,
}

/// Who am I
///
/// The caller's identity, role and region, as the token states them.
///
/// Permission: any authenticated caller.
#[utoipa::path(
    tag = "auth",
    operation_id = "getMe",
    security(("bearer" = [])),
    responses((status = 200, description = "The caller", body = Me))
)]
#[get("/me")]
pub async fn me(caller: Authenticated) -> HttpResponse {
    let actor = caller.0;
    HttpResponse::Ok().json(Me {
        subject: actor.subject,
        role: actor.role,
        region_code: actor.region.to_string(),
        department: actor.department,
        provider_id: actor.provider_id.map(|p| p.to_string()),
    })
}
