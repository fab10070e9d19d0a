//! Each staff account and API client carries a security stamp, a counter
//! raised by every change that must end its sessions (role, region,
//! department, password, deactivation). Tokens carry the stamp they were
//! issued under, and a request whose stamp is behind is refused.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Users {
    Table,
    SecurityStamp,
}

#[derive(DeriveIden)]
enum ApiClients {
    Table,
    SecurityStamp,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.alter_table(Table::alter().table(Users::Table).add_column(big_integer(Users::SecurityStamp).default(0)).to_owned()).await?;
        manager
            .alter_table(Table::alter().table(ApiClients::Table).add_column(big_integer(ApiClients::SecurityStamp).default(0)).to_owned())
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.alter_table(Table::alter().table(Users::Table).drop_column(Users::SecurityStamp).to_owned()).await?;
        manager.alter_table(Table::alter().table(ApiClients::Table).drop_column(ApiClients::SecurityStamp).to_owned()).await?;
        Ok(())
    }
}
