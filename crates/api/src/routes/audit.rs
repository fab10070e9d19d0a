//! `/audit-events` and `/events`: the audit log and the event feed.

use crate::extract::{Ctx, ListQuery};
use crate::problem::ApiError;
use crate::state::AppState;
use actix_web::{HttpResponse, get, web};
use chrono::{DateTime, Utc};
use jiuzhu_core::{Page, PageRequest, Permission};
use jiuzhu_platform::audit::{self, AuditEventView, AuditFilter, ChainReport};
use jiuzhu_platform::outbox::{self, EventView};
use jiuzhu_platform::record::authorize;
use jiuzhu_platform::relay;
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_actix_web::service_config::ServiceConfig;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuditQuery {
    /// The acting user or client id.
    pub actor: Option<String>,
    /// e.g. `user`, `api_client`.
    pub entity_type: Option<String>,
    pub entity_id: Option<String>,
    /// e.g. `user.created`, `login.failed`, `pii.revealed`, `permission.denied`.
    pub action: Option<String>,
    /// From this time (inclusive, RFC 3339).
    pub since: Option<DateTime<Utc>>,
    /// Before this time (exclusive, RFC 3339).
    pub until: Option<DateTime<Utc>>,
}

/// Read the audit log
///
/// Audit rows in the caller's region subtree, oldest first, keyset-paged.
/// Rows are never updated or deleted.
///
/// Permission: `audit:read`.
#[utoipa::path(
    tag = "audit",
    operation_id = "listAuditEvents",
    params(AuditQuery, ListQuery),
    responses((status = 200, description = "One page", body = Page<AuditEventView>))
)]
#[get("/audit-events")]
pub async fn list_audit_events(
    state: web::Data<AppState>,
    Ctx(ctx): Ctx,
    query: web::Query<AuditQuery>,
    list: web::Query<ListQuery>,
) -> Result<HttpResponse, ApiError> {
    authorize(&state.db, &ctx, Permission::AuditRead).await?;
    relay::drain(&state.db).await?;
    let q = query.into_inner();
    let filter = AuditFilter {
        actor: q.actor,
        entity_type: q.entity_type,
        entity_id: q.entity_id,
        action: q.action,
        since: q.since,
        until: q.until,
    };
    Ok(HttpResponse::Ok().json(audit::list(state.db.conn(), &ctx, filter, list.page()?).await?))
}

/// Verify the audit chain
///
/// Recomputes every row's keyed hash and link, then compares the chain with
/// this node's signed checkpoints (written outside the database every
/// `audit_checkpoint_secs`); `valid` is false, with the first broken row and
/// the `problem`, when any row was altered, rows were removed, or a
/// checkpoint was forged.
///
/// Permission: `audit:read`.
#[utoipa::path(
    tag = "audit",
    operation_id = "verifyAuditChain",
    responses((status = 200, description = "The result", body = ChainReport))
)]
#[get("/audit-events/verify")]
pub async fn verify_audit_chain(state: web::Data<AppState>, Ctx(ctx): Ctx) -> Result<HttpResponse, ApiError> {
    authorize(&state.db, &ctx, Permission::AuditRead).await?;
    relay::drain(&state.db).await?;
    let report = match crate::audit_trail::read_checkpoints(&state.settings.audit_checkpoint_file) {
        Ok(checkpoints) => audit::verify(state.db.conn(), &checkpoints).await?,
        Err(problem) => {
            audit::ChainReport { valid: false, checked: 0, checkpoints_checked: 0, broken_at_seq: None, problem: Some(problem) }
        }
    };
    Ok(HttpResponse::Ok().json(report))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct EventQuery {
    /// `next_cursor` of the previous page (always present); without it,
    /// from the start. A cursor of an earlier release (naming an event id)
    /// resumes after that event.
    pub after: Option<String>,
    /// Only this event type, e.g. `user.created`.
    #[serde(rename = "type")]
    #[param(rename = "type")]
    pub event_type: Option<String>,
    /// Page size, 1 to 500.
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<u32>,
}

/// Read the event feed
///
/// Events the caller may see, in feed order: staff and exchange jobs see
/// their region subtree, departments what is addressed to them, providers
/// what concerns them. Every event has a `position` that increases in the
/// order the changes committed; a position is never filled in behind one
/// already served, so a reader that follows `next_cursor` misses nothing,
/// also with several nodes. `next_cursor` is always present, on the last
/// page too: poll with it, and an empty page means nothing new yet. The
/// feed shows every change committed before the request. De-duplicate on
/// `id`.
///
/// Permission: `event:read`.
#[utoipa::path(
    tag = "events",
    operation_id = "listEvents",
    params(EventQuery),
    responses((status = 200, description = "One page", body = Page<EventView>))
)]
#[get("/events")]
pub async fn list_events(state: web::Data<AppState>, Ctx(ctx): Ctx, query: web::Query<EventQuery>) -> Result<HttpResponse, ApiError> {
    authorize(&state.db, &ctx, Permission::EventRead).await?;
    let q = query.into_inner();
    let page = PageRequest::new(q.limit, q.after.as_deref()).map_err(|e| match e {
        jiuzhu_core::DomainError::Validation(mut fields) => {
            for f in &mut fields {
                if f.field == "cursor" {
                    f.field = "after".into();
                }
            }
            jiuzhu_core::DomainError::Validation(fields)
        }
        other => other,
    })?;
    relay::drain(&state.db).await?;
    Ok(HttpResponse::Ok().json(outbox::feed(state.db.conn(), &ctx, q.event_type, page).await?))
}

/// Registers this module's routes.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_audit_events).service(verify_audit_chain).service(list_events);
}
