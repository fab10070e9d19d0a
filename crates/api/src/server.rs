//! Building the application (the same code path for `serve` and the tests)
//! and running it with graceful shutdown.

use crate::auth::TokenService;
use crate::config::Config;
use crate::cors::{CorsOrigins, cors};
use crate::idempotency::idempotency;
use crate::json::BodyLimit;
use crate::middleware::request_context;
use crate::openapi::{ApiDoc, RouteTable, standardise_problems};
use crate::problem::{ApiError, HttpFailure};
use crate::rate_limit::{RateLimiter, rate_limit};
use crate::routes;
use crate::sessions::SessionCache;
use crate::state::AppState;
use crate::webhook_worker::{self, WorkerSettings};
use actix_web::dev::{Server, ServiceFactory, ServiceRequest, ServiceResponse};
use actix_web::middleware::from_fn;
use actix_web::{App, Error, HttpRequest, HttpResponse, web};
use jiuzhu_core::{Clock, DomainError};
use jiuzhu_migrations::{Migrator, MigratorTrait};
use jiuzhu_platform::Db;
use jiuzhu_platform::users::{self, Bootstrap};
use std::net::TcpListener;
use std::sync::Arc;
use utoipa::OpenApi;
use utoipa_actix_web::AppExt;
use utoipa_swagger_ui::SwaggerUi;

/// The complete, post-processed OpenAPI document.
pub fn openapi_document() -> utoipa::openapi::OpenApi {
    let (_, mut document) = App::new().into_utoipa_app().openapi(ApiDoc::openapi()).configure(routes::configure).split_for_parts();
    standardise_problems(&mut document);
    document
}

/// The spec as committed in `openapi/openapi.json`: pretty JSON with a final newline.
pub fn openapi_json() -> Result<String, serde_json::Error> {
    serde_json::to_string_pretty(&openapi_document()).map(|s| s + "\n")
}

/// Everything the app needs, shared by all workers.
#[derive(Clone)]
pub struct Shared {
    pub state: web::Data<AppState>,
    pub tokens: web::Data<TokenService>,
    pub sessions: web::Data<SessionCache>,
    pub body_limit: web::Data<BodyLimit>,
    pub document: Arc<utoipa::openapi::OpenApi>,
    pub routes: web::Data<RouteTable>,
    pub rate_limiter: web::Data<RateLimiter>,
    pub cors_origins: web::Data<CorsOrigins>,
    pub webhook_worker: WorkerSettings,
    /// An import job silent this long died with its server.
    pub import_abandoned_after: std::time::Duration,
    /// How long a client has to send a request's headers.
    pub client_request_timeout: std::time::Duration,
    /// How often the audit chain's head is checkpointed.
    pub audit_checkpoint_every: std::time::Duration,
    /// How often the relay moves committed audit rows and events.
    pub relay_every: std::time::Duration,
}

impl Shared {
    pub fn new(db: Db, clock: Arc<dyn Clock>, config: &Config, jwt_secret: &[u8]) -> Result<Self, DomainError> {
        let document = openapi_document();
        let routes = RouteTable::from_document(&document);
        let mut tokens = TokenService::hs256(jwt_secret, config.token_ttl_secs, clock.clone())?;
        if let Some(path) = &config.jwks_file {
            let jwks = std::fs::read_to_string(path).map_err(|e| DomainError::Internal(format!("cannot read JWKS file {path}: {e}")))?;
            tokens = tokens.with_jwks(&jwks, &config.jwks_issuer).map_err(DomainError::Internal)?;
        }
        Ok(Self {
            state: web::Data::new(AppState {
                db,
                clock,
                referral_due_working_days: config.referral_due_working_days,
                signal_threshold_fen: config.signal_threshold_fen,
                follow_up_days: config.follow_up_days,
                appeal_days: config.appeal_days,
                ocid_prefix: config.ocid_prefix.clone(),
                webhook_policy: config.webhook_policy(),
                webhook_targets: config.webhook_targets().map_err(DomainError::Internal)?,
                audit_checkpoint_file: config.audit_checkpoint_file.clone(),
                trusted_proxies: jiuzhu_core::forwarded::TrustedProxies::from_blocks(&config.trusted_proxies)
                    .map_err(|e| DomainError::Internal(format!("JIUZHU_TRUSTED_PROXIES: {e}")))?,
            }),
            tokens: web::Data::new(tokens),
            sessions: web::Data::new(SessionCache::new(std::time::Duration::from_millis(config.account_cache_ms))),
            body_limit: web::Data::new(BodyLimit(config.body_limit_bytes)),
            document: Arc::new(document),
            routes: web::Data::new(routes),
            rate_limiter: web::Data::new(RateLimiter::new(config.rate_limit_per_token, config.rate_limit_per_ip)),
            cors_origins: web::Data::new(CorsOrigins(config.cors_origins.clone())),
            webhook_worker: WorkerSettings::from_config(config).map_err(DomainError::Internal)?,
            import_abandoned_after: std::time::Duration::from_secs(config.import_abandoned_after_secs),
            client_request_timeout: std::time::Duration::from_millis(config.client_request_timeout_ms),
            audit_checkpoint_every: std::time::Duration::from_secs(config.audit_checkpoint_secs),
            relay_every: std::time::Duration::from_millis(config.relay_interval_ms),
        })
    }
}

/// 405 with `Allow` when the path exists under another method, else 404.
async fn unmatched(req: HttpRequest, routes: web::Data<RouteTable>) -> Result<HttpResponse, ApiError> {
    match routes.allowed(req.path()) {
        Some(allowed) => Err(HttpFailure::MethodNotAllowed(allowed).into()),
        None => Err(HttpFailure::RouteNotFound.into()),
    }
}

fn query_error(err: actix_web::error::QueryPayloadError, _: &HttpRequest) -> Error {
    let field = jiuzhu_core::FieldError::new("query", "invalid_value", err.to_string());
    ApiError::Http(HttpFailure::BadQuery(vec![field])).into()
}

/// A path that did not parse; but a method the path's own (more literal)
/// route lacks is 405, as `PATCH /beneficiaries/count` reaches
/// `PATCH /beneficiaries/{id}` with the id `count`.
fn path_error(err: actix_web::error::PathError, req: &HttpRequest) -> Error {
    let allowed = req.app_data::<web::Data<RouteTable>>().and_then(|routes| routes.allowed(req.path()));
    match allowed {
        Some(allowed) if !allowed.iter().any(|m| m == req.method().as_str()) => {
            ApiError::Http(HttpFailure::MethodNotAllowed(allowed)).into()
        }
        _ => ApiError::Http(HttpFailure::BadPath(err.to_string())).into(),
    }
}

fn json_error(err: actix_web::error::JsonPayloadError, _: &HttpRequest) -> Error {
    use actix_web::error::JsonPayloadError as J;
    let failure = match err {
        J::ContentType => HttpFailure::UnsupportedMediaType("a non-JSON content type".into()),
        J::Overflow { limit } | J::OverflowKnownLength { limit, .. } => HttpFailure::PayloadTooLarge(limit),
        other => HttpFailure::MalformedBody(other.to_string()),
    };
    ApiError::Http(failure).into()
}

/// The application, exactly as `serve` runs it.
pub fn build_app(
    shared: Shared,
) -> App<impl ServiceFactory<ServiceRequest, Config = (), Response = ServiceResponse, Error = Error, InitError = ()>> {
    let (app, _) = App::new().into_utoipa_app().openapi(ApiDoc::openapi()).configure(routes::configure).split_for_parts();
    let document = (*shared.document).clone();
    app.app_data(shared.state)
        .app_data(shared.tokens)
        .app_data(shared.sessions)
        .app_data(shared.body_limit)
        .app_data(shared.routes)
        .app_data(shared.rate_limiter)
        .app_data(shared.cors_origins)
        .app_data(web::QueryConfig::default().error_handler(query_error))
        .app_data(web::PathConfig::default().error_handler(path_error))
        .app_data(web::JsonConfig::default().error_handler(json_error))
        .route(
            "/openapi.json",
            web::get().to(move || {
                let document = document.clone();
                async move { HttpResponse::Ok().json(document) }
            }),
        )
        .service(SwaggerUi::new("/docs/{_:.*}").config(utoipa_swagger_ui::Config::from("/openapi.json")))
        .route("/docs", web::get().to(|| async { HttpResponse::PermanentRedirect().insert_header(("Location", "/docs/")).finish() }))
        .default_service(web::to(unmatched))
        .wrap(from_fn(idempotency))
        .wrap(from_fn(rate_limit))
        .wrap(from_fn(request_context))
        .wrap(from_fn(cors))
}

/// Binds and starts the server, its webhook worker and housekeeping; the server stops
/// gracefully on SIGTERM or Ctrl-C.
pub fn run(listener: TcpListener, shared: Shared) -> std::io::Result<Server> {
    let background = shared.state.db.background();
    webhook_worker::spawn(background.clone(), shared.state.clock.clone(), shared.webhook_worker.clone());
    crate::maintenance::spawn(background.clone(), shared.state.clock.clone(), shared.import_abandoned_after);
    crate::relay::spawn(background.clone(), shared.relay_every);
    crate::rate_limit::spawn_sync(shared.rate_limiter.clone().into_inner(), background.clone(), shared.state.clock.clone());
    crate::audit_trail::spawn(
        background,
        shared.state.clock.clone(),
        shared.state.audit_checkpoint_file.clone(),
        shared.audit_checkpoint_every,
    );
    let client_request_timeout = shared.client_request_timeout;
    let server = actix_web::HttpServer::new(move || build_app(shared.clone()))
        .client_request_timeout(client_request_timeout)
        .listen(listener)?
        .shutdown_timeout(30)
        .run();
    Ok(server)
}

/// Migrates the schema and creates the bootstrap administrator when no user exists.
pub async fn prepare_database(db: &Db, clock: &dyn Clock, config: &Config) -> Result<Bootstrap, String> {
    let lock = db.startup_lock().await.map_err(|e| format!("start-up lock: {e}"))?;
    let outcome = prepare_locked(db, clock, config).await?;
    lock.release().await.map_err(|e| format!("start-up lock: {e}"))?;
    Ok(outcome)
}

/// Migrations, the chain key, the administrator and reference data, under the start-up lock.
async fn prepare_locked(db: &Db, clock: &dyn Clock, config: &Config) -> Result<Bootstrap, String> {
    let admin_password = config.admin_password.as_deref();
    Migrator::up(db.conn(), None).await.map_err(|e| format!("migration failed: {e}"))?;
    jiuzhu_platform::audit::use_key(&crate::audit_trail::load_key(config)?);
    jiuzhu_platform::audit::adopt_key(db).await.map_err(|e| e.to_string())?;
    let txn = db.begin_write().await.map_err(|e| e.to_string())?;
    let outcome = users::bootstrap_admin(&*txn, clock, admin_password).await.map_err(|e| e.to_string())?;
    txn.commit().await.map_err(|e| e.to_string())?;
    jiuzhu_needs_assessment::models::ensure_default(db, clock.now()).await.map_err(|e| e.to_string())?;
    jiuzhu_matching::catalogue::ensure_guidance(db, users::CITY_REGION, clock.now()).await.map_err(|e| e.to_string())?;
    jiuzhu_evaluation::schemes::ensure_default(db, clock.now()).await.map_err(|e| e.to_string())?;
    Ok(outcome)
}

/// Checks that tokens can be made and read before the first request.
pub fn self_test(shared: &Shared) -> Result<(), DomainError> {
    shared.tokens.self_test()
}
