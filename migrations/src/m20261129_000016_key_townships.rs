//! Key townships (重点乡镇): the townships a county chose for the pilot are
//! marked on the region, with a version so the mark is an `If-Match` update.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Regions {
    Table,
    KeyTownship,
    Version,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // SQLite adds one column per ALTER TABLE.
        for mut column in [boolean(Regions::KeyTownship).default(false).to_owned(), big_integer(Regions::Version).default(1).to_owned()] {
            manager.alter_table(Table::alter().table(Regions::Table).add_column(&mut column).to_owned()).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for column in [Regions::Version, Regions::KeyTownship] {
            manager.alter_table(Table::alter().table(Regions::Table).drop_column(column).to_owned()).await?;
        }
        Ok(())
    }
}
