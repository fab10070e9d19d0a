//! Each provider carries the count and sum of the satisfaction scores given
//! on its orders, kept up to date by the feedback use case, so matching ranks
//! candidates by satisfaction without aggregating their orders per request.
//! Existing feedback is counted in once here.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Providers {
    Table,
    FeedbackResponses,
    FeedbackTotal,
}

const BACKFILL: &str = "UPDATE providers SET \
    feedback_responses = (SELECT COUNT(*) FROM feedback JOIN service_orders ON service_orders.id = feedback.order_id \
                          WHERE service_orders.provider_id = providers.id), \
    feedback_total = (SELECT COALESCE(SUM(feedback.satisfaction), 0) FROM feedback JOIN service_orders ON service_orders.id = feedback.order_id \
                      WHERE service_orders.provider_id = providers.id)";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for column in [Providers::FeedbackResponses, Providers::FeedbackTotal] {
            manager.alter_table(Table::alter().table(Providers::Table).add_column(big_integer(column).default(0)).to_owned()).await?;
        }
        manager.get_connection().execute_unprepared(BACKFILL).await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for column in [Providers::FeedbackResponses, Providers::FeedbackTotal] {
            manager.alter_table(Table::alter().table(Providers::Table).drop_column(column).to_owned()).await?;
        }
        Ok(())
    }
}
