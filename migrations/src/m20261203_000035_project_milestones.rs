//! When a project's bidding closed and why a failed tender failed, for the
//! OCDS tender period's end and `tender.statusDetails`. Projects closed or
//! failed before this migration keep both empty.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum ProcurementProjects {
    Table,
    BiddingClosedAt,
    FailureReason,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let columns = [
            timestamp_with_time_zone_null(ProcurementProjects::BiddingClosedAt).to_owned(),
            text_null(ProcurementProjects::FailureReason).to_owned(),
        ];
        for mut column in columns {
            manager.alter_table(Table::alter().table(ProcurementProjects::Table).add_column(&mut column).to_owned()).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for column in [ProcurementProjects::FailureReason, ProcurementProjects::BiddingClosedAt] {
            manager.alter_table(Table::alter().table(ProcurementProjects::Table).drop_column(column).to_owned()).await?;
        }
        Ok(())
    }
}
