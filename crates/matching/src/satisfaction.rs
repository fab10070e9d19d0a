//! Satisfaction in figures: how many people rated the service of a set of
//! orders, and the sum of their 1–5 scores. The reports average it over
//! orders in a region and window with one aggregate query; each provider
//! row carries running totals, kept by the feedback use case, that matching
//! ranks by and a provider's performance shows.

use crate::entity::{feedback, service_order};
use chrono::{DateTime, Utc};
use jiuzhu_core::DomainError;
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect, RelationDef};

/// Feedback counted over some orders.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FeedbackTotals {
    pub responses: i64,
    pub sum: i64,
}

impl FeedbackTotals {
    /// The mean score × 100 (100–500), rounded down; `None` without feedback.
    pub fn mean_x100(&self) -> Option<i64> {
        (self.responses > 0).then(|| self.sum * 100 / self.responses)
    }
}

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

/// Adds one score to the provider's running totals, in the feedback's
/// transaction; matching reads them from the provider row.
pub async fn count_in(conn: &impl ConnectionTrait, provider_id: uuid::Uuid, satisfaction: i16) -> Result<(), DomainError> {
    use crate::entity::provider::{Column, Entity as Provider};
    use sea_orm::sea_query::ExprTrait;
    Provider::update_many()
        .col_expr(Column::FeedbackResponses, Expr::col(Column::FeedbackResponses).add(1))
        .col_expr(Column::FeedbackTotal, Expr::col(Column::FeedbackTotal).add(i64::from(satisfaction)))
        .filter(Column::Id.eq(provider_id))
        .exec(conn)
        .await?;
    Ok(())
}

/// A provider's running totals, as `FeedbackTotals`.
pub fn of_provider_row(provider: &crate::entity::provider::Model) -> FeedbackTotals {
    FeedbackTotals { responses: provider.feedback_responses, sum: provider.feedback_total }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_mean_is_in_hundredths_and_absent_without_feedback() {
        assert_eq!(FeedbackTotals { responses: 3, sum: 14 }.mean_x100(), Some(466));
        assert_eq!(FeedbackTotals { responses: 2, sum: 10 }.mean_x100(), Some(500));
        assert_eq!(FeedbackTotals::default().mean_x100(), None);
    }
}
