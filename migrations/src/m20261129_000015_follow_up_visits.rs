//! Follow-up visits (回访) get their record: when, by whom, what was found,
//! and a version so completing one is an `If-Match` update.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum FollowUps {
    Table,
    VisitedAt,
    VisitedBy,
    Notes,
    Version,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // SQLite adds one column per ALTER TABLE.
        let columns = [
            timestamp_with_time_zone_null(FollowUps::VisitedAt),
            string_len_null(FollowUps::VisitedBy, 64),
            text_null(FollowUps::Notes),
            big_integer(FollowUps::Version).default(1).to_owned(),
        ];
        for mut column in columns {
            manager.alter_table(Table::alter().table(FollowUps::Table).add_column(&mut column).to_owned()).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for column in [FollowUps::Version, FollowUps::Notes, FollowUps::VisitedBy, FollowUps::VisitedAt] {
            manager.alter_table(Table::alter().table(FollowUps::Table).drop_column(column).to_owned()).await?;
        }
        Ok(())
    }
}
