//! Who wrote an evaluation's report: its approver must be someone else
//! (购买主体审核确认; the platform's separation-of-duties rule).

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Evaluations {
    Table,
    ReportedBy,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(Table::alter().table(Evaluations::Table).add_column(string_len_null(Evaluations::ReportedBy, 64)).to_owned())
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.alter_table(Table::alter().table(Evaluations::Table).drop_column(Evaluations::ReportedBy).to_owned()).await
    }
}
