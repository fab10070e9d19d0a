//! The evidence beside an evaluation's scores: what the contract bought and
//! delivered, satisfaction, inspections and follow-ups.

use super::scoped;
use crate::entity::evaluation;
use jiuzhu_core::stored_json::from_column;
use jiuzhu_core::{Context, DomainError, Permission};
use jiuzhu_platform::Db;
use jiuzhu_platform::record::authorize;
use jiuzhu_procurement::entity::contract;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
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
    use jiuzhu_matching::entity::{delivery, feedback, follow_up, inspection, service_order};
    use sea_orm::PaginatorTrait;
    authorize(db, ctx, Permission::EvaluationRead).await?;
    let conn = db.conn();
    let found = scoped(ctx).filter(evaluation::Column::Id.eq(id)).one(conn).await?.ok_or(DomainError::NotFound)?;
    let signed = contract::Entity::find().filter(contract::Column::ProjectId.eq(found.project_id)).one(conn).await?;
    let Some(signed) = signed else {
        return Ok(Evidence {
            contracted_units: 0,
            delivered_units: 0,
            mean_satisfaction_x100: None,
            inspection_pass_rate_bp: None,
            follow_ups_scheduled: 0,
        });
    };
    let services: Vec<serde_json::Value> = from_column("contracts.services", &signed.services)?;
    let contracted_units = services.iter().filter_map(|s| s["quantity"].as_i64()).sum();
    let orders: Vec<Uuid> = service_order::Entity::find()
        .filter(service_order::Column::ContractId.eq(signed.id))
        .all(conn)
        .await?
        .into_iter()
        .map(|o| o.id)
        .collect();
    let delivered_units = delivery::Entity::find()
        .filter(delivery::Column::OrderId.is_in(orders.clone()))
        .all(conn)
        .await?
        .iter()
        .map(|d| i64::from(d.quantity))
        .sum();
    let ratings: Vec<i64> = feedback::Entity::find()
        .filter(feedback::Column::OrderId.is_in(orders.clone()))
        .all(conn)
        .await?
        .iter()
        .map(|f| i64::from(f.satisfaction))
        .collect();
    let inspections = inspection::Entity::find().filter(inspection::Column::ProviderId.eq(signed.provider_id)).count(conn).await?;
    let passed = inspection::Entity::find()
        .filter(inspection::Column::ProviderId.eq(signed.provider_id))
        .filter(inspection::Column::Result.eq("pass"))
        .count(conn)
        .await?;
    let follow_ups_scheduled = follow_up::Entity::find().filter(follow_up::Column::OrderId.is_in(orders)).count(conn).await?;
    Ok(Evidence {
        contracted_units,
        delivered_units,
        mean_satisfaction_x100: (!ratings.is_empty()).then(|| ratings.iter().sum::<i64>() * 100 / ratings.len() as i64),
        inspection_pass_rate_bp: (inspections > 0).then(|| passed as i64 * 10_000 / inspections as i64),
        follow_ups_scheduled,
    })
}
