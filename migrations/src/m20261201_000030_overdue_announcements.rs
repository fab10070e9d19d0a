//! When a referral or a follow-up visit was announced overdue
//! (`referral.overdue`, `follow_up.overdue`): each is announced once, by
//! whichever node's housekeeping marks it first.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Referrals {
    Table,
    OverdueAnnouncedAt,
}

#[derive(DeriveIden)]
enum FollowUps {
    Table,
    OverdueAnnouncedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter().table(Referrals::Table).add_column(timestamp_with_time_zone_null(Referrals::OverdueAnnouncedAt)).to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter().table(FollowUps::Table).add_column(timestamp_with_time_zone_null(FollowUps::OverdueAnnouncedAt)).to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.alter_table(Table::alter().table(Referrals::Table).drop_column(Referrals::OverdueAnnouncedAt).to_owned()).await?;
        manager.alter_table(Table::alter().table(FollowUps::Table).drop_column(FollowUps::OverdueAnnouncedAt).to_owned()).await
    }
}
