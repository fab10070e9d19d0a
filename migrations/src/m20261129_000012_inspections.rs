//! Matching, third part: reproducible random samples of deliveries and the
//! inspections made of them (事中监管).

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum InspectionSamples {
    Table,
    Id,
    RegionCode,
    FromAt,
    ToAt,
    Size,
    Seed,
    FrameSize,
    DeliveryIds,
    CreatedBy,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Inspections {
    Table,
    Id,
    DeliveryId,
    OrderId,
    ContractId,
    ProviderId,
    RegionCode,
    Method,
    Result,
    Findings,
    Inspector,
    CreatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(InspectionSamples::Table)
                    .col(uuid(InspectionSamples::Id).primary_key())
                    .col(string_len(InspectionSamples::RegionCode, 12))
                    .col(timestamp_with_time_zone(InspectionSamples::FromAt))
                    .col(timestamp_with_time_zone(InspectionSamples::ToAt))
                    .col(integer(InspectionSamples::Size))
                    .col(big_integer(InspectionSamples::Seed))
                    .col(integer(InspectionSamples::FrameSize))
                    .col(text(InspectionSamples::DeliveryIds))
                    .col(string_len(InspectionSamples::CreatedBy, 64))
                    .col(timestamp_with_time_zone(InspectionSamples::CreatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Inspections::Table)
                    .col(uuid(Inspections::Id).primary_key())
                    .col(uuid(Inspections::DeliveryId))
                    .col(uuid(Inspections::OrderId))
                    .col(uuid_null(Inspections::ContractId))
                    .col(uuid_null(Inspections::ProviderId))
                    .col(string_len(Inspections::RegionCode, 12))
                    .col(string_len(Inspections::Method, 32))
                    .col(string_len(Inspections::Result, 16))
                    .col(text(Inspections::Findings))
                    .col(string_len(Inspections::Inspector, 64))
                    .col(timestamp_with_time_zone(Inspections::CreatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(Index::create().name("ix_inspections_contract").table(Inspections::Table).col(Inspections::ContractId).to_owned())
            .await?;
        manager
            .create_index(Index::create().name("ix_inspections_provider").table(Inspections::Table).col(Inspections::ProviderId).to_owned())
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(Inspections::Table).to_owned()).await?;
        manager.drop_table(Table::drop().table(InspectionSamples::Table).to_owned()).await
    }
}
