//! Intake, second part: households, bulk import jobs, discoveries with the
//! department signals behind them, station visits and hotline tickets.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Beneficiaries {
    Table,
    HouseholdRelationship,
}

#[derive(DeriveIden)]
enum Households {
    Table,
    Id,
    RegionCode,
    Address,
    HeadBeneficiaryId,
    Version,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum ImportJobs {
    Table,
    Id,
    Kind,
    Format,
    Owner,
    Status,
    Total,
    Processed,
    Created,
    Updated,
    Unchanged,
    Failed,
    CreatedAt,
    FinishedAt,
}

#[derive(DeriveIden)]
enum ImportErrors {
    Table,
    Id,
    JobId,
    Line,
    Field,
    Code,
    Message,
}

#[derive(DeriveIden)]
enum Discoveries {
    Table,
    Id,
    RegionCode,
    BeneficiaryId,
    PersonName,
    IdNumber,
    Source,
    Description,
    Status,
    Reason,
    SignalCount,
    LastSignalAt,
    ApplicationId,
    ReportedBy,
    Version,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Signals {
    Table,
    Id,
    Kind,
    IdNumber,
    OccurredOn,
    Detail,
    AmountFen,
    Department,
    DiscoveryId,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Visits {
    Table,
    Id,
    BeneficiaryId,
    RegionCode,
    Kind,
    VisitedAt,
    Visitor,
    Findings,
    NextVisitOn,
    CreatedAt,
}

#[derive(DeriveIden)]
enum HotlineTickets {
    Table,
    Id,
    CallerPhone,
    Kind,
    Summary,
    RegionCode,
    ReceivedAt,
    Status,
    Answer,
    Outcome,
    ApplicationId,
    Version,
    CreatedAt,
    UpdatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter().table(Beneficiaries::Table).add_column(string_len_null(Beneficiaries::HouseholdRelationship, 16)).to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Households::Table)
                    .col(uuid(Households::Id).primary_key())
                    .col(string_len(Households::RegionCode, 12))
                    .col(string_len(Households::Address, 200))
                    .col(uuid(Households::HeadBeneficiaryId))
                    .col(big_integer(Households::Version))
                    .col(timestamp_with_time_zone(Households::CreatedAt))
                    .col(timestamp_with_time_zone(Households::UpdatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(ImportJobs::Table)
                    .col(uuid(ImportJobs::Id).primary_key())
                    .col(string_len(ImportJobs::Kind, 32))
                    .col(string_len(ImportJobs::Format, 16))
                    .col(string_len(ImportJobs::Owner, 64))
                    .col(string_len(ImportJobs::Status, 16))
                    .col(big_integer(ImportJobs::Total))
                    .col(big_integer(ImportJobs::Processed))
                    .col(big_integer(ImportJobs::Created))
                    .col(big_integer(ImportJobs::Updated))
                    .col(big_integer(ImportJobs::Unchanged))
                    .col(big_integer(ImportJobs::Failed))
                    .col(timestamp_with_time_zone(ImportJobs::CreatedAt))
                    .col(timestamp_with_time_zone_null(ImportJobs::FinishedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(ImportErrors::Table)
                    .col(uuid(ImportErrors::Id).primary_key())
                    .col(uuid(ImportErrors::JobId))
                    .col(big_integer(ImportErrors::Line))
                    .col(string_len(ImportErrors::Field, 100))
                    .col(string_len(ImportErrors::Code, 64))
                    .col(text(ImportErrors::Message))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_import_errors_job")
                    .table(ImportErrors::Table)
                    .col(ImportErrors::JobId)
                    .col(ImportErrors::Line)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Discoveries::Table)
                    .col(uuid(Discoveries::Id).primary_key())
                    .col(string_len(Discoveries::RegionCode, 12))
                    .col(uuid_null(Discoveries::BeneficiaryId))
                    .col(string_len(Discoveries::PersonName, 100))
                    .col(string_len_null(Discoveries::IdNumber, 18))
                    .col(string_len(Discoveries::Source, 32))
                    .col(text(Discoveries::Description))
                    .col(string_len(Discoveries::Status, 16))
                    .col(text_null(Discoveries::Reason))
                    .col(integer(Discoveries::SignalCount))
                    .col(timestamp_with_time_zone_null(Discoveries::LastSignalAt))
                    .col(uuid_null(Discoveries::ApplicationId))
                    .col(string_len(Discoveries::ReportedBy, 64))
                    .col(big_integer(Discoveries::Version))
                    .col(timestamp_with_time_zone(Discoveries::CreatedAt))
                    .col(timestamp_with_time_zone(Discoveries::UpdatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_discoveries_region")
                    .table(Discoveries::Table)
                    .col(Discoveries::RegionCode)
                    .col(Discoveries::Id)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(Index::create().name("ix_discoveries_id_number").table(Discoveries::Table).col(Discoveries::IdNumber).to_owned())
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Signals::Table)
                    .col(uuid(Signals::Id).primary_key())
                    .col(string_len(Signals::Kind, 32))
                    .col(string_len(Signals::IdNumber, 18))
                    .col(date(Signals::OccurredOn))
                    .col(text(Signals::Detail))
                    .col(big_integer_null(Signals::AmountFen))
                    .col(string_len(Signals::Department, 40))
                    .col(uuid_null(Signals::DiscoveryId))
                    .col(timestamp_with_time_zone(Signals::CreatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Visits::Table)
                    .col(uuid(Visits::Id).primary_key())
                    .col(uuid(Visits::BeneficiaryId))
                    .col(string_len(Visits::RegionCode, 12))
                    .col(string_len(Visits::Kind, 16))
                    .col(timestamp_with_time_zone(Visits::VisitedAt))
                    .col(string_len(Visits::Visitor, 64))
                    .col(text(Visits::Findings))
                    .col(date_null(Visits::NextVisitOn))
                    .col(timestamp_with_time_zone(Visits::CreatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(Index::create().name("ix_visits_region").table(Visits::Table).col(Visits::RegionCode).col(Visits::Id).to_owned())
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(HotlineTickets::Table)
                    .col(uuid(HotlineTickets::Id).primary_key())
                    .col(string_len(HotlineTickets::CallerPhone, 20))
                    .col(string_len(HotlineTickets::Kind, 16))
                    .col(text(HotlineTickets::Summary))
                    .col(string_len(HotlineTickets::RegionCode, 12))
                    .col(timestamp_with_time_zone(HotlineTickets::ReceivedAt))
                    .col(string_len(HotlineTickets::Status, 16))
                    .col(text_null(HotlineTickets::Answer))
                    .col(text_null(HotlineTickets::Outcome))
                    .col(uuid_null(HotlineTickets::ApplicationId))
                    .col(big_integer(HotlineTickets::Version))
                    .col(timestamp_with_time_zone(HotlineTickets::CreatedAt))
                    .col(timestamp_with_time_zone(HotlineTickets::UpdatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_hotline_region")
                    .table(HotlineTickets::Table)
                    .col(HotlineTickets::RegionCode)
                    .col(HotlineTickets::Id)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            HotlineTickets::Table.into_iden(),
            Visits::Table.into_iden(),
            Signals::Table.into_iden(),
            Discoveries::Table.into_iden(),
            ImportErrors::Table.into_iden(),
            ImportJobs::Table.into_iden(),
            Households::Table.into_iden(),
        ] {
            manager.drop_table(Table::drop().table(table).to_owned()).await?;
        }
        manager.alter_table(Table::alter().table(Beneficiaries::Table).drop_column(Beneficiaries::HouseholdRelationship).to_owned()).await
    }
}
