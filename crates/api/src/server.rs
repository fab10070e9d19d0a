//! Building the application (the same code path for `serve` and the tests)
//! and running it with graceful shutdown.

use crate::auth::TokenService;
use crate::config::Config;
use crate::cors::{CorsOrigins, cors};
use crate::idempotency::idempotency;
use crate::json::BodyLimit;
use crate::middleware::request_context;
use crate::openapi::{ApiDoc, RouteTable, pages_refer_to_their_items, standardise_problems};
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
use sea_orm::DbErr;
use std::net::TcpListener;
use std::sync::Arc;
use std::time::Duration;
use utoipa::OpenApi;
use utoipa_actix_web::AppExt;
use utoipa_swagger_ui::SwaggerUi;

/// The complete, post-processed OpenAPI document.
pub fn openapi_document() -> utoipa::openapi::OpenApi {
    let (_, mut document) = App::new().into_utoipa_app().openapi(ApiDoc::openapi()).configure(routes::configure).split_for_parts();
    standardise_problems(&mut document);
    pages_refer_to_their_items(&mut document);
    document
}

/// The spec as committed in `openapi/openapi.json`: pretty JSON with a final newline.
pub fn openapi_json() -> Result<String, serde_json::Error> {
    serde_json::to_string_pretty(&openapi_document()).map(|s| s + "\n")
}

/// Why a node could not start; the binary prints it and exits.
#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    #[error("cannot connect to {what}: {source}")]
    Connect { what: &'static str, source: DbErr },
    #[error("{step}: {source}")]
    Database { step: &'static str, source: DbErr },
    #[error("{step}: {source}")]
    Domain { step: &'static str, source: DomainError },
    /// A setting that names something unusable (a key, a file, an address block).
    #[error("{setting}: {reason}")]
    Setting { setting: &'static str, reason: String },
    #[error("cannot listen on {address}: {source}")]
    Listen { address: String, source: std::io::Error },
}

impl StartupError {
    fn domain(step: &'static str) -> impl FnOnce(DomainError) -> Self {
        move |source| Self::Domain { step, source }
    }

    fn database(step: &'static str) -> impl FnOnce(DbErr) -> Self {
        move |source| Self::Database { step, source }
    }
}

/// The command line reports a failed start as its message.
impl From<StartupError> for String {
    fn from(error: StartupError) -> Self {
        error.to_string()
    }
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
}

impl Shared {
    pub fn new(db: Db, clock: Arc<dyn Clock>, config: &Config, jwt_secret: &[u8]) -> Result<Self, StartupError> {
        let document = openapi_document();
        let routes = RouteTable::from_document(&document);
        let mut tokens = TokenService::hs256(jwt_secret, config.token_ttl_secs, clock.clone()).map_err(StartupError::domain("tokens"))?;
        if let Some(path) = &config.jwks_file {
            let jwks = std::fs::read_to_string(path)
                .map_err(|e| StartupError::Setting { setting: "JIUZHU_JWKS_FILE", reason: format!("cannot read {path}: {e}") })?;
            tokens = tokens
                .with_jwks(&jwks, &config.jwks_issuer)
                .map_err(|reason| StartupError::Setting { setting: "JIUZHU_JWKS_FILE", reason })?;
        }
        let setting = |setting: &'static str| move |reason: String| StartupError::Setting { setting, reason };
        Ok(Self {
            state: web::Data::new(AppState {
                db,
                clock,
                settings: Arc::new(config.clone()),
                webhook_targets: config.webhook_targets().map_err(setting("JIUZHU_WEBHOOK_ALLOWED_NETWORKS"))?,
                trusted_proxies: jiuzhu_core::forwarded::TrustedProxies::from_blocks(&config.trusted_proxies)
                    .map_err(setting("JIUZHU_TRUSTED_PROXIES"))?,
                lockout: config.lockout(),
            }),
            tokens: web::Data::new(tokens),
            sessions: web::Data::new(SessionCache::new(std::time::Duration::from_millis(config.account_cache_ms))),
            body_limit: web::Data::new(BodyLimit(config.body_limit_bytes)),
            document: Arc::new(document),
            routes: web::Data::new(routes),
            rate_limiter: web::Data::new(RateLimiter::new(config.rate_limit_per_token, config.rate_limit_per_ip)),
            cors_origins: web::Data::new(CorsOrigins(config.cors_origins.clone())),
            webhook_worker: WorkerSettings::from_config(config).map_err(setting("JIUZHU_WEBHOOK_CA_FILE"))?,
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
    let settings = shared.state.settings.clone();
    webhook_worker::spawn(background.clone(), shared.state.clock.clone(), shared.webhook_worker.clone());
    crate::maintenance::spawn(
        background.clone(),
        shared.state.clock.clone(),
        settings.root_region.clone(),
        Duration::from_secs(settings.import_abandoned_after_secs),
    );
    crate::relay::spawn(background.clone(), Duration::from_millis(settings.relay_interval_ms));
    crate::rate_limit::spawn_sync(shared.rate_limiter.clone().into_inner(), background.clone(), shared.state.clock.clone());
    crate::audit_trail::spawn(
        background,
        shared.state.clock.clone(),
        settings.audit_checkpoint_file.clone(),
        Duration::from_secs(settings.audit_checkpoint_secs),
    );
    let client_request_timeout = Duration::from_millis(settings.client_request_timeout_ms);
    let server = actix_web::HttpServer::new(move || build_app(shared.clone()))
        .client_request_timeout(client_request_timeout)
        .listen(listener)?
        .shutdown_timeout(30)
        .run();
    Ok(server)
}

/// The pools the configuration names: the primary, on PostgreSQL a second
/// one for background work (ADR 0014), and the read replica if any.
pub async fn connect(config: &Config) -> Result<Db, StartupError> {
    let primary = |source| StartupError::Connect { what: "the database", source };
    let db = Db::connect(&config.database_url, config.max_connections).await.map_err(primary)?;
    let db = db.with_background_pool(&config.database_url, config.max_connections).await.map_err(primary)?;
    match &config.read_database_url {
        Some(url) => {
            db.with_replica(url, config.max_connections).await.map_err(|source| StartupError::Connect { what: "the read replica", source })
        }
        None => Ok(db),
    }
}

/// Migrates the schema and creates the bootstrap administrator when no user exists.
pub async fn prepare_database(db: &Db, clock: &dyn Clock, config: &Config) -> Result<Bootstrap, StartupError> {
    let lock = db.startup_lock().await.map_err(StartupError::database("start-up lock"))?;
    let outcome = prepare_locked(db, clock, config).await?;
    lock.release().await.map_err(StartupError::database("start-up lock"))?;
    Ok(outcome)
}

/// Migrations, the chain key, the administrator and reference data, under the start-up lock.
async fn prepare_locked(db: &Db, clock: &dyn Clock, config: &Config) -> Result<Bootstrap, StartupError> {
    let admin_password = config.admin_password.as_deref();
    Migrator::up(db.conn(), None).await.map_err(StartupError::database("migration failed"))?;
    let key = crate::audit_trail::load_key(config).map_err(|reason| StartupError::Setting { setting: "the audit chain key", reason })?;
    jiuzhu_platform::audit::use_key(&key);
    jiuzhu_platform::audit::adopt_key(db).await.map_err(StartupError::domain("audit key"))?;
    let txn = db.begin_write().await.map_err(StartupError::database("region tree"))?;
    jiuzhu_platform::region_tree::establish(&*txn, clock, &config.root_region).await.map_err(StartupError::domain("region tree"))?;
    txn.commit().await.map_err(StartupError::database("region tree"))?;
    let txn = db.begin_write().await.map_err(StartupError::database("administrator"))?;
    let outcome =
        users::bootstrap_admin(&*txn, clock, &config.root_region, admin_password).await.map_err(StartupError::domain("administrator"))?;
    txn.commit().await.map_err(StartupError::database("administrator"))?;
    let reference = StartupError::domain("reference data");
    jiuzhu_needs_assessment::models::ensure_default(db, clock.now()).await.map_err(reference)?;
    let reference = StartupError::domain("reference data");
    jiuzhu_supply::catalogue::ensure_guidance(db, config.root_region.as_str(), clock.now()).await.map_err(reference)?;
    jiuzhu_evaluation::schemes::ensure_default(db, clock.now()).await.map_err(StartupError::domain("reference data"))?;
    Ok(outcome)
}

/// A node that has started: where it listens, and the server to await.
pub struct Started {
    pub address: std::net::SocketAddr,
    pub server: Server,
}

/// Starts a node on a prepared database, the same way for `serve` and the
/// tests: the shared state, the token self-test, the listener on `bind`,
/// the server and its background work.
pub fn start(db: Db, clock: Arc<dyn Clock>, config: &Config, jwt_secret: &[u8]) -> Result<Started, StartupError> {
    let shared = Shared::new(db, clock, config, jwt_secret)?;
    self_test(&shared).map_err(StartupError::domain("token self-test"))?;
    let listen = |source| StartupError::Listen { address: config.bind.clone(), source };
    let listener = TcpListener::bind(&config.bind).map_err(listen)?;
    let address = listener.local_addr().map_err(listen)?;
    let server = run(listener, shared).map_err(listen)?;
    Ok(Started { address, server })
}

/// Checks that tokens can be made and read before the first request.
pub fn self_test(shared: &Shared) -> Result<(), DomainError> {
    shared.tokens.self_test()
}
