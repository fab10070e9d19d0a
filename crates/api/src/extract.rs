//! Extractors every authenticated handler uses: `Ctx` (the actor, request id
//! and request time), `IfMatch` (the version an update expects) and
//! `ListQuery` (limit and cursor).

use crate::auth::Authenticated;
use crate::middleware::RequestId;
use crate::problem::{ApiError, HttpFailure};
use crate::state::AppState;
use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{FromRequest, HttpMessage, HttpRequest, HttpResponse, web};
use futures_util::future::LocalBoxFuture;
use jiuzhu_core::{Context, DomainError, PageRequest, SortOrder};
use serde::{Deserialize, Serialize};
use std::future::{Ready, ready};
use utoipa::{IntoParams, ToSchema};

/// The request's `Context`; extracting it answers 401 without a valid token.
pub struct Ctx(pub Context);

impl FromRequest for Ctx {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let authenticated = Authenticated::from_request(req, payload);
        let clock = req.app_data::<web::Data<AppState>>().map(|state| state.clock.clone());
        let request_id = req.extensions().get::<RequestId>().map(|r| r.0.clone()).unwrap_or_default();
        Box::pin(async move {
            let clock = clock.ok_or_else(|| DomainError::Internal("state missing".into()))?;
            let Authenticated(actor) = authenticated.await?;
            Ok(Ctx(Context { actor, request_id, now: clock.now() }))
        })
    }
}

/// `If-Match: "3"` (or `W/"3"`, or `3`) as a version number; absent is `None`.
pub struct IfMatch(pub Option<i64>);

impl FromRequest for IfMatch {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let parsed = match req.headers().get(header::IF_MATCH) {
            None => Ok(None),
            Some(value) => {
                let text = value.to_str().unwrap_or("").trim();
                let bare = text.trim_start_matches("W/").trim_matches('"');
                bare.parse::<i64>()
                    .map(Some)
                    .map_err(|_| HttpFailure::BadHeader(format!("If-Match must be a quoted version such as \"3\", got {text:?}")))
            }
        };
        ready(parsed.map(IfMatch).map_err(ApiError::from))
    }
}

/// The one declaration of the `If-Match` header in the contract: an
/// operation that takes the extractor lists `IfMatch` in its `params`.
impl IntoParams for IfMatch {
    fn into_params(_: impl Fn() -> Option<utoipa::openapi::path::ParameterIn>) -> Vec<utoipa::openapi::path::Parameter> {
        use utoipa::openapi::path::{ParameterBuilder, ParameterIn};
        use utoipa::openapi::{ObjectBuilder, Required, Type};
        let version = ObjectBuilder::new().schema_type(Type::String).pattern(Some(crate::openapi::IF_MATCH_PATTERN));
        vec![
            ParameterBuilder::new()
                .name("If-Match")
                .parameter_in(ParameterIn::Header)
                .required(Required::True)
                .description(Some("The version you read, as its ETag gave it (e.g. \"3\"); a stale one is 412"))
                .schema(Some(version))
                .build(),
        ]
    }
}

/// `limit` (1–500, default 50), the opaque `cursor` and the `order` of every list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// Page size, 1 to 500; larger values are refused, not capped.
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<u32>,
    /// `next_cursor` of the previous page, asked with the same filters and order.
    pub cursor: Option<String>,
    /// `asc` (default: oldest first) or `desc` (newest first), by creation.
    pub order: Option<SortOrder>,
}

impl ListQuery {
    pub fn page(&self) -> Result<PageRequest, DomainError> {
        Ok(PageRequest::new(self.limit, self.cursor.as_deref())?.ordered(self.order.unwrap_or_default()))
    }
}

jiuzhu_core::coded_enum! {
    /// `?reveal=pii` asks for full personal data (needs `pii:reveal`; audited).
    pub enum Reveal as "reveal" {
        Pii = "pii", "显示完整个人信息", "Reveal personal data";
    }
}

/// `{"count": n}`, for count endpoints.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"count": 42}))]
pub struct Count {
    pub count: u64,
}

/// 200 with the representation and its `ETag`.
pub fn with_etag<T: Serialize>(status: actix_web::http::StatusCode, version: i64, body: &T) -> HttpResponse {
    HttpResponse::build(status).insert_header((header::ETAG, format!("\"{version}\""))).json(body)
}

/// 201 with `Location`, `ETag` and the created representation.
pub fn created<T: Serialize>(location: String, version: i64, body: &T) -> HttpResponse {
    HttpResponse::Created().insert_header((header::LOCATION, location)).insert_header((header::ETAG, format!("\"{version}\""))).json(body)
}
