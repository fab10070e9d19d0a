//! Import jobs record when they last made progress, so a job whose server
//! died mid-file can be told apart from one still running and marked failed.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum ImportJobs {
    Table,
    HeartbeatAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter().table(ImportJobs::Table).add_column(timestamp_with_time_zone_null(ImportJobs::HeartbeatAt)).to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.alter_table(Table::alter().table(ImportJobs::Table).drop_column(ImportJobs::HeartbeatAt).to_owned()).await
    }
}
