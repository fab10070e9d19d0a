//! A failed login records where it came from (the client's address), so
//! the lock-out counts failures per account and source, with a higher
//! ceiling per account: a stranger cannot lock the administrator out.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum LoginFailures {
    Table,
    Source,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter().table(LoginFailures::Table).add_column(string_len(LoginFailures::Source, 64).default("")).to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.alter_table(Table::alter().table(LoginFailures::Table).drop_column(LoginFailures::Source).to_owned()).await
    }
}
