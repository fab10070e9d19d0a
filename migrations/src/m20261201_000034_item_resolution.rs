//! How each application item was resolved, so the applicant can be told: a
//! need, an order, a referral, the assessment (for free text, or finding no
//! need), or an officer's recorded decision with its reason. Items resolved
//! before this migration keep their assessment or referral.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum ApplicationItems {
    Table,
    Resolution,
    ResolutionRef,
    ResolutionReason,
    ResolvedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let columns = [
            string_null(ApplicationItems::Resolution).to_owned(),
            uuid_null(ApplicationItems::ResolutionRef).to_owned(),
            text_null(ApplicationItems::ResolutionReason).to_owned(),
            timestamp_with_time_zone_null(ApplicationItems::ResolvedAt).to_owned(),
        ];
        for mut column in columns {
            manager.alter_table(Table::alter().table(ApplicationItems::Table).add_column(&mut column).to_owned()).await?;
        }
        let db = manager.get_connection();
        db.execute_unprepared(
            "UPDATE application_items SET resolution = 'assessment', resolution_ref = resolved_by_assessment \
             WHERE resolved_by_assessment IS NOT NULL",
        )
        .await?;
        db.execute_unprepared(
            "UPDATE application_items SET resolution = 'referral', \
             resolution_ref = (SELECT referrals.id FROM referrals WHERE referrals.item_id = application_items.id) \
             WHERE EXISTS (SELECT 1 FROM referrals WHERE referrals.item_id = application_items.id)",
        )
        .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for column in [
            ApplicationItems::ResolvedAt,
            ApplicationItems::ResolutionReason,
            ApplicationItems::ResolutionRef,
            ApplicationItems::Resolution,
        ] {
            manager.alter_table(Table::alter().table(ApplicationItems::Table).drop_column(column).to_owned()).await?;
        }
        Ok(())
    }
}
