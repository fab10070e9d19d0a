//! A sanction records the region its decision covers and whether it bars
//! the provider city-wide: a county records a finding with effect on its
//! own contracts and orders; only a city-level decision bars the provider.
//! Earlier sanctions were all applied city-wide, and keep that meaning.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Sanctions {
    Table,
    RegionCode,
    BarsProvider,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(Table::alter().table(Sanctions::Table).add_column(string(Sanctions::RegionCode).default("640200")).to_owned())
            .await?;
        manager
            .alter_table(Table::alter().table(Sanctions::Table).add_column(boolean(Sanctions::BarsProvider).default(true)).to_owned())
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for column in [Sanctions::RegionCode, Sanctions::BarsProvider] {
            manager.alter_table(Table::alter().table(Sanctions::Table).drop_column(column).to_owned()).await?;
        }
        Ok(())
    }
}
