//! `/healthz` and `/readyz`: liveness and readiness probes for load
//! balancers and orchestrators, outside `/api/v1`.

use crate::state::AppState;
use actix_web::{HttpResponse, get, web};
use serde::Serialize;
use utoipa::ToSchema;

#[derive(Serialize, ToSchema)]
#[schema(example = json!({"status": "ok"}))]
pub struct Health {
    /// `ok`, or `unavailable` when a dependency does not answer.
    pub status: &'static str,
}

/// The process is up
///
/// Answers 200 while the process runs; it checks nothing else.
///
/// Permission: none (public).
#[utoipa::path(tag = "system", operation_id = "healthz", responses((status = 200, description = "The process is up", body = Health)))]
#[get("/healthz")]
pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(Health { status: "ok" })
}

/// The database answers
///
/// Answers 200 when a trivial query succeeds, 503 otherwise.
///
/// Permission: none (public).
#[utoipa::path(
    tag = "system",
    operation_id = "readyz",
    responses(
        (status = 200, description = "Ready to serve", body = Health),
        (status = 503, description = "The database does not answer", body = Health, example = json!({"status": "unavailable"}))
    )
)]
#[get("/readyz")]
pub async fn readyz(state: web::Data<AppState>) -> HttpResponse {
    if state.db.ping().await {
        HttpResponse::Ok().json(Health { status: "ok" })
    } else {
        HttpResponse::ServiceUnavailable().json(Health { status: "unavailable" })
    }
}
