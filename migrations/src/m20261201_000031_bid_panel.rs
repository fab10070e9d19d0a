//! The panel that scores a project's bids (评标委员会、谈判小组、磋商小组):
//! its seats, each an account that signs its own sheets.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum ProcurementProjects {
    Table,
    Panel,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(Table::alter().table(ProcurementProjects::Table).add_column(text_null(ProcurementProjects::Panel)).to_owned())
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.alter_table(Table::alter().table(ProcurementProjects::Table).drop_column(ProcurementProjects::Panel).to_owned()).await
    }
}
