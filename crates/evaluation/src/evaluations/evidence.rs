//! The evidence beside an evaluation's scores: what the contract bought and
//! delivered, satisfaction, inspections and follow-ups.

use super::scoped;
use crate::entity::evaluation;
use jiuzhu_core::{Context, DomainError, Permission};
use jiuzhu_matching::{inspections, orders};
use jiuzhu_platform::Db;
use jiuzhu_platform::record::authorize;
use jiuzhu_procurement::contracts;
use sea_orm::{ColumnTrait, QueryFilter};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

/// Data pulled in beside the scores of outcome indicators; they inform the
/// scores and never replace them.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Evidence {
    /// Units the contract buys.
    pub contracted_units: i64,
    /// Units delivered under the contract's orders.
    pub delivered_units: i64,
    /// Mean satisfaction × 100 (100–500) of those orders, when there is feedback.
    pub mean_satisfaction_x100: Option<i64>,
    /// Passed inspections of the provider, in basis points, when there are any.
    pub inspection_pass_rate_bp: Option<i64>,
    /// Follow-up visits scheduled for the contract's completed orders.
    pub follow_ups_scheduled: u64,
}

/// Delivered volume, satisfaction, inspections and follow-ups for an evaluation.
pub async fn evidence(db: &Db, ctx: &Context, id: Uuid) -> Result<Evidence, DomainError> {
    authorize(db, ctx, Permission::EvaluationRead).await?;
    let conn = db.conn();
    let found = scoped(ctx).filter(evaluation::Column::Id.eq(id)).one(conn).await?.ok_or(DomainError::NotFound)?;
    let Some(signed) = contracts::signed_for_project(conn, found.project_id).await? else {
        return Ok(Evidence {
            contracted_units: 0,
            delivered_units: 0,
            mean_satisfaction_x100: None,
            inspection_pass_rate_bp: None,
            follow_ups_scheduled: 0,
        });
    };
    let delivered = orders::under_contract(conn, signed.id).await?;
    let (inspections, passed) = inspections::tally(conn, signed.provider_id).await?;
    Ok(Evidence {
        contracted_units: signed.contracted_units,
        delivered_units: delivered.delivered_units,
        mean_satisfaction_x100: delivered.feedback.mean_x100(),
        inspection_pass_rate_bp: (inspections > 0).then(|| passed as i64 * 10_000 / inspections as i64),
        follow_ups_scheduled: delivered.follow_ups,
    })
}
