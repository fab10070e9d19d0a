//! Matching reads how much of a service each candidate provider has been
//! ordered this month; this index answers that for all candidates in one
//! range scan per provider instead of walking every order the provider has.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum ServiceOrders {
    Table,
    ProviderId,
    ServiceCode,
    ScheduledFor,
}

const NAME: &str = "ix_orders_provider_service_month";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_index(
                Index::create()
                    .name(NAME)
                    .table(ServiceOrders::Table)
                    .col(ServiceOrders::ProviderId)
                    .col(ServiceOrders::ServiceCode)
                    .col(ServiceOrders::ScheduledFor)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_index(Index::drop().name(NAME).table(ServiceOrders::Table).to_owned()).await
    }
}
