//! Procurement, second part: invitations, bids, panel score sheets and the
//! recorded award.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum ProcurementProjects {
    Table,
    InvitedProviders,
    Award,
}

#[derive(DeriveIden)]
enum Bids {
    Table,
    Id,
    ProjectId,
    ProviderId,
    PriceFen,
    Proposal,
    Staff,
    Services,
    SubmittedBy,
    CreatedAt,
}

#[derive(DeriveIden)]
enum BidScores {
    Table,
    Id,
    BidId,
    Member,
    Capability,
    Quality,
    Other,
    RecordedBy,
    CreatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter().table(ProcurementProjects::Table).add_column(text_null(ProcurementProjects::InvitedProviders)).to_owned(),
            )
            .await?;
        manager
            .alter_table(Table::alter().table(ProcurementProjects::Table).add_column(text_null(ProcurementProjects::Award)).to_owned())
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Bids::Table)
                    .col(uuid(Bids::Id).primary_key())
                    .col(uuid(Bids::ProjectId))
                    .col(uuid(Bids::ProviderId))
                    .col(big_integer(Bids::PriceFen))
                    .col(text(Bids::Proposal))
                    .col(text(Bids::Staff))
                    .col(text(Bids::Services))
                    .col(string_len(Bids::SubmittedBy, 64))
                    .col(timestamp_with_time_zone(Bids::CreatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_bids_project_provider")
                    .table(Bids::Table)
                    .col(Bids::ProjectId)
                    .col(Bids::ProviderId)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(BidScores::Table)
                    .col(uuid(BidScores::Id).primary_key())
                    .col(uuid(BidScores::BidId))
                    .col(string_len(BidScores::Member, 100))
                    .col(small_integer(BidScores::Capability))
                    .col(small_integer(BidScores::Quality))
                    .col(small_integer(BidScores::Other))
                    .col(string_len(BidScores::RecordedBy, 64))
                    .col(timestamp_with_time_zone(BidScores::CreatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_bid_scores_member")
                    .table(BidScores::Table)
                    .col(BidScores::BidId)
                    .col(BidScores::Member)
                    .unique()
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(BidScores::Table).to_owned()).await?;
        manager.drop_table(Table::drop().table(Bids::Table).to_owned()).await?;
        manager.alter_table(Table::alter().table(ProcurementProjects::Table).drop_column(ProcurementProjects::Award).to_owned()).await?;
        manager
            .alter_table(Table::alter().table(ProcurementProjects::Table).drop_column(ProcurementProjects::InvitedProviders).to_owned())
            .await
    }
}
