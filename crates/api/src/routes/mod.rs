//! Route registration. Every route goes through utoipa-actix-web, so no
//! route can exist without its OpenAPI entry.

pub mod auth;
pub mod health;

use utoipa_actix_web::scope;
use utoipa_actix_web::service_config::ServiceConfig;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(health::healthz).service(health::readyz);
    cfg.service(scope::scope("/api/v1").service(auth::issue_token).service(auth::me));
}
