//! `/procurement-projects/{id}/ocds`, `/public/procurement-projects/{id}/ocds`
//! and `/public/ocds/...`: each project's OCDS 1.1 release package, for the
//! region's staff and, once published, for everyone, with the bid
//! evaluation extension's files and the publication policy they point to.

use crate::extract::Ctx;
use crate::problem::ApiError;
use crate::state::AppState;
use actix_web::{HttpResponse, get, web};
use jiuzhu_procurement::ocds::{self, Publication, model::OcdsReleasePackage};
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

/// The publication policy packages point to unless `JIUZHU_OCDS_PUBLICATION_POLICY` names another.
const PUBLICATION_POLICY: &str = include_str!("../../../../docs/ocds-publication-policy.md");

/// The deployment's publishing settings; the policy defaults to the one
/// this server serves.
fn publication(state: &AppState) -> Publication {
    let settings = &state.settings;
    let base_url = settings.public_base_url.trim_end_matches('/').to_string();
    Publication {
        ocid_prefix: settings.ocid_prefix.clone(),
        publication_policy: settings
            .ocds_publication_policy
            .clone()
            .unwrap_or_else(|| format!("{base_url}/api/v1/public/ocds/publication-policy")),
        license: settings.ocds_license.clone(),
        base_url,
    }
}

/// The OCDS release package
///
/// An OCDS 1.1 release package of the project: planning, tender with the
/// services bought as items, every bid with the panel's scores (the bids
/// extension and jiuzhu's bid evaluation extension), award, contract and
/// implementation (payments). A failed tender is `unsuccessful` with its
/// reason. Amounts are yuan, as OCDS writes them.
///
/// Permission: `procurement:read`.
#[utoipa::path(
    tag = "procurement",
    operation_id = "getProjectOcds",
    params(("id" = Uuid, Path, description = "Project id")),
    responses((status = 200, description = "The release package", body = OcdsReleasePackage), (status = 404, description = "No such project in the caller's region"))
)]
#[get("/procurement-projects/{id}/ocds")]
pub async fn project_ocds(state: web::Data<AppState>, Ctx(ctx): Ctx, id: web::Path<Uuid>) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(ocds::release_package(&state.db, &ctx, *id, &publication(&state)).await?))
}

/// A published project's OCDS release package
///
/// The same package as `GET /procurement-projects/{id}/ocds`, for everyone
/// once the project is published (主动向社会公开): it names organisations,
/// never a person. A draft answers 404. No authentication.
///
/// Permission: none (public).
#[utoipa::path(
    tag = "procurement",
    operation_id = "getPublicProjectOcds",
    params(("id" = Uuid, Path, description = "Project id")),
    responses((status = 200, description = "The release package", body = OcdsReleasePackage), (status = 404, description = "No such published project"))
)]
#[get("/public/procurement-projects/{id}/ocds")]
pub async fn public_project_ocds(state: web::Data<AppState>, id: web::Path<Uuid>) -> Result<HttpResponse, ApiError> {
    let now = state.clock.now();
    Ok(HttpResponse::Ok().json(ocds::public_release_package(&state.db, *id, &publication(&state), now).await?))
}

/// The bid evaluation extension
///
/// The `extension.json` of jiuzhu's OCDS extension for the panel's scores
/// of each bid, as listed in every package's `extensions`. No
/// authentication.
///
/// Permission: none (public).
#[utoipa::path(
    tag = "procurement",
    operation_id = "getOcdsBidEvaluationExtension",
    responses((status = 200, description = "The extension's metadata", body = Object))
)]
#[get("/public/ocds/extensions/bid-evaluation/extension.json")]
pub async fn bid_evaluation_extension() -> HttpResponse {
    HttpResponse::Ok().content_type("application/json").body(ocds::BID_EVALUATION_EXTENSION_JSON)
}

/// The bid evaluation extension's schema
///
/// The JSON Merge Patch that the extension applies to the OCDS release
/// schema. No authentication.
///
/// Permission: none (public).
#[utoipa::path(
    tag = "procurement",
    operation_id = "getOcdsBidEvaluationReleaseSchema",
    responses((status = 200, description = "The release schema patch", body = Object))
)]
#[get("/public/ocds/extensions/bid-evaluation/release-schema.json")]
pub async fn bid_evaluation_release_schema() -> HttpResponse {
    HttpResponse::Ok().content_type("application/json").body(ocds::BID_EVALUATION_RELEASE_SCHEMA)
}

/// The OCDS publication policy
///
/// What this deployment publishes in OCDS, when, and what it leaves out, as
/// Markdown. No authentication.
///
/// Permission: none (public).
#[utoipa::path(
    tag = "procurement",
    operation_id = "getOcdsPublicationPolicy",
    responses((status = 200, description = "The policy", content_type = "text/markdown", body = String))
)]
#[get("/public/ocds/publication-policy")]
pub async fn publication_policy() -> HttpResponse {
    HttpResponse::Ok().content_type("text/markdown; charset=utf-8").body(PUBLICATION_POLICY)
}

/// Registers this module's routes.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(project_ocds)
        .service(public_project_ocds)
        .service(bid_evaluation_extension)
        .service(bid_evaluation_release_schema)
        .service(publication_policy);
}
