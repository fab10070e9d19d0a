//! Request counts per rate-limit key and minute, shared by the nodes: each
//! node adds what it counted a few times a second and reads back the
//! total, so a limit holds across nodes instead of multiplying with them.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum RateWindows {
    Table,
    Key,
    Minute,
    Hits,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(RateWindows::Table)
                    .col(string_len(RateWindows::Key, 80))
                    .col(big_integer(RateWindows::Minute))
                    .col(big_integer(RateWindows::Hits))
                    .primary_key(Index::create().col(RateWindows::Key).col(RateWindows::Minute))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(RateWindows::Table).to_owned()).await
    }
}
