//! Procurement, third part: contracts with their ledger, supervision
//! records, payments, and provider sanctions.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Contracts {
    Table,
    Id,
    ProjectId,
    BidId,
    ProviderId,
    RegionCode,
    TermStart,
    TermEnd,
    Services,
    QualityStandards,
    PriceFen,
    SettlementMethod,
    RightsAndObligations,
    BreachLiability,
    Status,
    Version,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum ContractEntries {
    Table,
    Id,
    ContractId,
    Book,
    Kind,
    ServiceCode,
    Quantity,
    AmountFen,
    Note,
    RecordedBy,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Sanctions {
    Table,
    Id,
    ProviderId,
    Reason,
    Evidence,
    DecidedOn,
    BarredUntil,
    DecidedBy,
    CreatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Contracts::Table)
                    .col(uuid(Contracts::Id).primary_key())
                    .col(uuid(Contracts::ProjectId).unique_key())
                    .col(uuid(Contracts::BidId))
                    .col(uuid(Contracts::ProviderId))
                    .col(string_len(Contracts::RegionCode, 12))
                    .col(date(Contracts::TermStart))
                    .col(date(Contracts::TermEnd))
                    .col(text(Contracts::Services))
                    .col(text(Contracts::QualityStandards))
                    .col(big_integer(Contracts::PriceFen))
                    .col(text(Contracts::SettlementMethod))
                    .col(text(Contracts::RightsAndObligations))
                    .col(text(Contracts::BreachLiability))
                    .col(string_len(Contracts::Status, 16))
                    .col(big_integer(Contracts::Version))
                    .col(timestamp_with_time_zone(Contracts::CreatedAt))
                    .col(timestamp_with_time_zone(Contracts::UpdatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_contracts_provider")
                    .table(Contracts::Table)
                    .col(Contracts::ProviderId)
                    .col(Contracts::Status)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(ContractEntries::Table)
                    .col(uuid(ContractEntries::Id).primary_key())
                    .col(uuid(ContractEntries::ContractId))
                    .col(string_len(ContractEntries::Book, 16))
                    .col(string_len(ContractEntries::Kind, 32))
                    .col(string_len_null(ContractEntries::ServiceCode, 40))
                    .col(big_integer_null(ContractEntries::Quantity))
                    .col(big_integer_null(ContractEntries::AmountFen))
                    .col(text(ContractEntries::Note))
                    .col(string_len(ContractEntries::RecordedBy, 64))
                    .col(timestamp_with_time_zone(ContractEntries::CreatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_contract_entries")
                    .table(ContractEntries::Table)
                    .col(ContractEntries::ContractId)
                    .col(ContractEntries::Book)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Sanctions::Table)
                    .col(uuid(Sanctions::Id).primary_key())
                    .col(uuid(Sanctions::ProviderId))
                    .col(string_len(Sanctions::Reason, 32))
                    .col(text(Sanctions::Evidence))
                    .col(date(Sanctions::DecidedOn))
                    .col(date(Sanctions::BarredUntil))
                    .col(string_len(Sanctions::DecidedBy, 64))
                    .col(timestamp_with_time_zone(Sanctions::CreatedAt))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [Sanctions::Table.into_iden(), ContractEntries::Table.into_iden(), Contracts::Table.into_iden()] {
            manager.drop_table(Table::drop().table(table).to_owned()).await?;
        }
        Ok(())
    }
}
