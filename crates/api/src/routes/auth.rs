//! `POST /auth/token` (log in) and `GET /me` (who am I).

use crate::auth::{Authenticated, TokenService};
use crate::json::ValidJson;
use crate::middleware::RequestId;
use crate::problem::ApiError;
use crate::state::AppState;
use actix_web::{HttpMessage, HttpRequest, HttpResponse, get, post, web};
use jiuzhu_core::permission::permissions_of;
use jiuzhu_core::{DomainError, FieldError, Permission, Role};
use jiuzhu_platform::accounts::{self, AccountKind};
use jiuzhu_platform::login::{Grant, login};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;
use validator::Validate;

jiuzhu_core::coded_enum! {
    /// The grant a token request uses.
    pub enum GrantType as "grant_type" {
        /// 用户名密码（工作人员）
        Password = "password", "用户名密码", "Password";
        /// 客户端凭据（成员单位系统、数据交换作业）
        ClientCredentials = "client_credentials", "客户端凭据", "Client credentials";
    }
}

/// `password` needs `username` and `password`; `client_credentials` needs
/// `client_id` and `client_secret`.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(examples(
    json!({"grant_type": "password", "username": "admin", "password": "s3cret-Passw0rd"}),
    json!({"grant_type": "client_credentials", "client_id": "jz-4f1c2a9be0d3c871", "client_secret": "k2V9…"})
))]
pub struct TokenRequest {
    pub grant_type: GrantType,
    #[validate(length(min = 1, max = 64, message = "must be 1 to 64 characters"))]
    #[schema(min_length = 1, max_length = 64)]
    pub username: Option<String>,
    #[validate(length(min = 1, max = 256, message = "must be 1 to 256 characters"))]
    #[schema(min_length = 1, max_length = 256)]
    pub password: Option<String>,
    #[validate(length(min = 1, max = 64, message = "must be 1 to 64 characters"))]
    #[schema(min_length = 1, max_length = 64)]
    pub client_id: Option<String>,
    #[validate(length(min = 1, max = 256, message = "must be 1 to 256 characters"))]
    #[schema(min_length = 1, max_length = 256)]
    pub client_secret: Option<String>,
}

impl TokenRequest {
    fn grant(&self) -> Result<Grant<'_>, DomainError> {
        fn need<'a>(value: &'a Option<String>, field: &str) -> Result<&'a str, FieldError> {
            value.as_deref().ok_or_else(|| FieldError::new(field, "required", format!("{field} is required for this grant_type")))
        }
        let (first, second) = match self.grant_type {
            GrantType::Password => (need(&self.username, "username"), need(&self.password, "password")),
            GrantType::ClientCredentials => (need(&self.client_id, "client_id"), need(&self.client_secret, "client_secret")),
        };
        match (first, second) {
            (Ok(a), Ok(b)) => Ok(match self.grant_type {
                GrantType::Password => Grant::Password { username: a, password: b },
                GrantType::ClientCredentials => Grant::ClientCredentials { client_id: a, client_secret: b },
            }),
            (a, b) => Err(DomainError::Validation([a.err(), b.err()].into_iter().flatten().collect())),
        }
    }
}

/// States in the contract which fields each grant needs (what
/// `TokenRequest::grant` checks): the derived schema has all four optional,
/// so `TokenRequest` becomes that object together with one of the two
/// requirements, chosen by `grant_type`.
pub fn state_grant_requirements(document: &mut utoipa::openapi::OpenApi) {
    use utoipa::openapi::RefOr;
    use utoipa::openapi::schema::{AllOfBuilder, ObjectBuilder, OneOfBuilder, Schema, Type};
    let Some(components) = document.components.as_mut() else { return };
    let Some(RefOr::T(Schema::Object(mut object))) = components.schemas.remove("TokenRequest") else { return };
    let requirement = |grant: &str, fields: [&str; 2]| {
        let grant_type = ObjectBuilder::new().schema_type(Type::String).enum_values(Some([grant]));
        let mut builder = ObjectBuilder::new().property("grant_type", grant_type).required("grant_type");
        for field in fields {
            builder = builder.property(field, ObjectBuilder::new().schema_type(Type::String)).required(field);
        }
        builder.build()
    };
    let description = object.description.take();
    let examples = std::mem::take(&mut object.examples);
    let either = OneOfBuilder::new()
        .item(requirement("password", ["username", "password"]))
        .item(requirement("client_credentials", ["client_id", "client_secret"]));
    let mut all = AllOfBuilder::new().item(Schema::Object(object)).item(either).description(description).build();
    all.examples = examples;
    components.schemas.insert("TokenRequest".into(), RefOr::T(Schema::AllOf(all)));
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
/// Exchanges a staff username and password, or an API client's id and
/// secret, for a short-lived bearer token. Wrong credentials answer 401
/// without saying which part was wrong. After 5 failed logins within 15
/// minutes from one client address, a username or client id is refused to
/// that address for 15 minutes (429 with `Retry-After`); after 50 from all
/// addresses together, to everyone. `jiuzhu unlock <account>` lifts a lock.
///
/// Permission: none (public).
#[utoipa::path(
    tag = "auth",
    operation_id = "issueToken",
    request_body(content = TokenRequest, content_type = "application/json"),
    responses(
        (status = 200, description = "A token was issued", body = TokenResponse),
        (status = 401, description = "The credentials are wrong"),
        (status = 429, description = "Too many failed logins for this account", headers(("Retry-After" = u64, description = "Seconds to wait"))),
    )
)]
#[post("/auth/token")]
pub async fn issue_token(
    req: HttpRequest,
    state: web::Data<AppState>,
    tokens: web::Data<TokenService>,
    body: ValidJson<TokenRequest>,
) -> Result<HttpResponse, ApiError> {
    let grant = body.0.grant()?;
    let request_id = req.extensions().get::<RequestId>().map(|r| r.0.clone()).unwrap_or_default();
    let source = crate::middleware::client_address(&req);
    let session = login(&state.db, &state.lockout, &request_id, &source, state.clock.now(), &state.settings.root_region, grant).await?;
    let access_token = tokens.issue(&session)?;
    Ok(HttpResponse::Ok().insert_header(("Cache-Control", "no-store")).json(TokenResponse {
        access_token,
        token_type: "Bearer",
        expires_in: tokens.ttl_secs(),
    }))
}

#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"subject": "0192f4a4-7d7e-7c3a-9a53-6f1f3c0b9a11", "account": "user", "user_id": "0192f4a4-7d7e-7c3a-9a53-6f1f3c0b9a11", "role": "county_officer", "region_code": "640202", "department": null, "provider_id": null, "permissions": ["user:read", "user:write"]}))]
pub struct Me {
    /// The user or API client id.
    pub subject: String,
    pub account: AccountKind,
    /// For a staff account, its id as the writes that name a user take it
    /// (`user_id` of a group member or a panel seat); absent for an API client.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_id: Option<String>,
    pub role: Role,
    pub region_code: String,
    pub department: Option<String>,
    pub provider_id: Option<String>,
    /// Everything the role may do; see `GET /roles`.
    pub permissions: Vec<Permission>,
}

/// Who am I
///
/// The caller's identity, role, region and permissions, as its account is
/// now (a token acts with its account's current rights).
///
/// Permission: any authenticated caller.
#[utoipa::path(
    tag = "auth",
    operation_id = "getMe",
    responses((status = 200, description = "The caller", body = Me))
)]
#[get("/me")]
pub async fn me(state: web::Data<AppState>, caller: Authenticated) -> Result<HttpResponse, ApiError> {
    let actor = caller.0;
    let account = accounts::by_subject(state.db.conn(), &actor.subject)
        .await?
        .ok_or_else(|| DomainError::Unauthenticated("invalid token: the account is gone".into()))?
        .kind;
    let user_id = (account == AccountKind::User).then(|| actor.subject.clone());
    Ok(HttpResponse::Ok().json(Me {
        subject: actor.subject,
        account,
        user_id,
        role: actor.role,
        region_code: actor.region.to_string(),
        department: actor.department,
        provider_id: actor.provider_id.map(|p| p.to_string()),
        permissions: permissions_of(actor.role),
    }))
}

/// Registers this module's routes.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(issue_token).service(me);
}
