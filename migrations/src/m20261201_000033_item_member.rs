//! The household member an application item concerns, when not the
//! applicant (the grandchild's school-fee waiver on the grandparent's
//! application): the subject of the transfer it becomes.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum ApplicationItems {
    Table,
    MemberId,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(Table::alter().table(ApplicationItems::Table).add_column(uuid_null(ApplicationItems::MemberId)).to_owned())
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.alter_table(Table::alter().table(ApplicationItems::Table).drop_column(ApplicationItems::MemberId).to_owned()).await
    }
}
