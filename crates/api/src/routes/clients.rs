//! `/clients`: API clients of department systems and exchange jobs.

use crate::extract::{Ctx, IfMatch, ListQuery, created, with_etag};
use crate::json::ValidJson;
use crate::problem::ApiError;
use crate::sessions::SessionCache;
use crate::state::AppState;
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, get, post, web};
use jiuzhu_core::Page;
use jiuzhu_platform::clients::{self, ClientCreated, ClientView, CreateClient};
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

/// Register an API client
///
/// Creates credentials for a department system (`department`, with its
/// department code) or a data-exchange job (`data_exchange`). The secret is
/// in this response only; store it now.
///
/// Permission: `client:manage`.
#[utoipa::path(
    tag = "clients",
    operation_id = "createClient",
    request_body(content = CreateClient, content_type = "application/json"),
    responses((status = 201, description = "Created; the secret is shown once", body = ClientCreated,
        headers(("Location" = String, description = "URL of the client"), ("ETag" = String, description = "Its version"))))
)]
#[post("/clients")]
pub async fn create_client(state: web::Data<AppState>, Ctx(ctx): Ctx, body: ValidJson<CreateClient>) -> Result<HttpResponse, ApiError> {
    let created_client = clients::create(&state.db, &ctx, body.0).await?;
    Ok(created(format!("/api/v1/clients/{}", created_client.client.id), created_client.client.version, &created_client))
}

/// List API clients
///
/// Clients in the caller's region subtree, by id. Secrets are never shown.
///
/// Permission: `client:manage`.
#[utoipa::path(
    tag = "clients",
    operation_id = "listClients",
    params(ListQuery),
    responses((status = 200, description = "One page", body = Page<ClientView>))
)]
#[get("/clients")]
pub async fn list_clients(state: web::Data<AppState>, Ctx(ctx): Ctx, list: web::Query<ListQuery>) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(clients::list(&state.db, &ctx, list.page()?).await?))
}

/// Get an API client
///
/// Permission: `client:manage`.
#[utoipa::path(
    tag = "clients",
    operation_id = "getClient",
    params(("id" = Uuid, Path, description = "Client record id")),
    responses(
        (status = 200, description = "The client", body = ClientView, headers(("ETag" = String, description = "Its version"))),
        (status = 404, description = "No such client in the caller's region"),
    )
)]
#[get("/clients/{id}")]
pub async fn get_client(state: web::Data<AppState>, Ctx(ctx): Ctx, id: web::Path<Uuid>) -> Result<HttpResponse, ApiError> {
    let client = clients::get(&state.db, &ctx, *id).await?;
    Ok(with_etag(StatusCode::OK, client.version, &client))
}

/// Deactivate an API client
///
/// Its credentials stop working at once; tokens already issued expire
/// normally. Needs `If-Match`.
///
/// Permission: `client:manage`.
#[utoipa::path(
    tag = "clients",
    operation_id = "deactivateClient",
    params(("id" = Uuid, Path, description = "Client record id"), IfMatch),
    responses(
        (status = 200, description = "Deactivated", body = ClientView, headers(("ETag" = String, description = "The new version"))),
        (status = 404, description = "No such client in the caller's region"),
        (status = 409, description = "Already inactive"),
    )
)]
#[post("/clients/{id}/deactivate")]
pub async fn deactivate_client(
    state: web::Data<AppState>,
    sessions: web::Data<SessionCache>,
    Ctx(ctx): Ctx,
    id: web::Path<Uuid>,
    if_match: IfMatch,
) -> Result<HttpResponse, ApiError> {
    let client = clients::deactivate(&state.db, &ctx, *id, if_match.0).await?;
    sessions.forget_all();
    Ok(with_etag(StatusCode::OK, client.version, &client))
}

/// Registers this module's routes.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(create_client).service(list_clients).service(get_client).service(deactivate_client);
}
