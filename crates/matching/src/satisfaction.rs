//! Satisfaction in figures: how many people rated the service of a set of
//! orders, and the sum of their 1–5 scores. The reports average it over
//! orders in a region and window with one aggregate query; each provider
//! (in supply) carries running totals, kept by the feedback use case, that
//! matching ranks by and a provider's performance shows.

use crate::entity::{feedback, service_order};
use chrono::{DateTime, Utc};
use jiuzhu_core::DomainError;
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect, RelationDef};

pub use jiuzhu_supply::providers::FeedbackTotals;

fn feedback_order_relation() -> RelationDef {
    feedback::Entity::belongs_to(service_order::Entity).from(feedback::Column::OrderId).to(service_order::Column::Id).into()
}

/// Feedback on the orders matching `orders` (a condition on `service_orders`),
/// given in `[from, to)` when those are set.
pub(crate) async fn totals(
    conn: &impl ConnectionTrait,
    orders: Condition,
    from: Option<DateTime<Utc>>,
    to: Option<DateTime<Utc>>,
) -> Result<FeedbackTotals, DomainError> {
    let mut query = feedback::Entity::find()
        .select_only()
        .column_as(Expr::cust("CAST(COUNT(feedback.id) AS BIGINT)"), "responses")
        .column_as(Expr::cust("CAST(COALESCE(SUM(feedback.satisfaction), 0) AS BIGINT)"), "total")
        .join(sea_orm::JoinType::InnerJoin, feedback_order_relation())
        .filter(orders);
    if let Some(from) = from {
        query = query.filter(feedback::Column::CreatedAt.gte(from));
    }
    if let Some(to) = to {
        query = query.filter(feedback::Column::CreatedAt.lt(to));
    }
    let (responses, sum): (i64, i64) = query.into_tuple().one(conn).await?.unwrap_or((0, 0));
    Ok(FeedbackTotals { responses, sum })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_mean_is_in_hundredths_and_absent_without_feedback() {
        assert_eq!(FeedbackTotals { responses: 2, sum: 10 }.mean_x100(), Some(500));
    }
}
