//! Intake tables: beneficiaries (the service target list), one-form
//! applications with their items, and referrals to departments.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Beneficiaries {
    Table,
    Id,
    Name,
    IdNumber,
    Gender,
    BirthDate,
    Phone,
    RegionCode,
    Address,
    HouseholdId,
    Categories,
    CategoryCodes,
    Groups,
    GroupCodes,
    DisabilityLevel,
    MaterialAssistance,
    Status,
    Version,
    CreatedBy,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Applications {
    Table,
    Id,
    BeneficiaryId,
    RegionCode,
    Channel,
    SubmittedBy,
    Proxy,
    Consent,
    Status,
    Reason,
    Outcome,
    Version,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum ApplicationItems {
    Table,
    Id,
    ApplicationId,
    Position,
    Kind,
    ServiceCode,
    Matter,
    Department,
    Description,
}

#[derive(DeriveIden)]
enum Referrals {
    Table,
    Id,
    ApplicationId,
    ItemId,
    BeneficiaryId,
    RegionCode,
    Department,
    Matter,
    Status,
    DueAt,
    Reason,
    OutcomeCode,
    OutcomeText,
    Version,
    CreatedAt,
    UpdatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Beneficiaries::Table)
                    .col(uuid(Beneficiaries::Id).primary_key())
                    .col(string_len(Beneficiaries::Name, 100))
                    .col(string_len(Beneficiaries::IdNumber, 18).unique_key())
                    .col(string_len(Beneficiaries::Gender, 8))
                    .col(date(Beneficiaries::BirthDate))
                    .col(string_len_null(Beneficiaries::Phone, 20))
                    .col(string_len(Beneficiaries::RegionCode, 12))
                    .col(string_len(Beneficiaries::Address, 200))
                    .col(uuid_null(Beneficiaries::HouseholdId))
                    .col(text(Beneficiaries::Categories))
                    .col(string_len(Beneficiaries::CategoryCodes, 200))
                    .col(text(Beneficiaries::Groups))
                    .col(string_len(Beneficiaries::GroupCodes, 200))
                    .col(small_integer_null(Beneficiaries::DisabilityLevel))
                    .col(text(Beneficiaries::MaterialAssistance))
                    .col(string_len(Beneficiaries::Status, 16))
                    .col(big_integer(Beneficiaries::Version))
                    .col(string_len(Beneficiaries::CreatedBy, 64))
                    .col(timestamp_with_time_zone(Beneficiaries::CreatedAt))
                    .col(timestamp_with_time_zone(Beneficiaries::UpdatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_beneficiaries_region")
                    .table(Beneficiaries::Table)
                    .col(Beneficiaries::RegionCode)
                    .col(Beneficiaries::Id)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Applications::Table)
                    .col(uuid(Applications::Id).primary_key())
                    .col(uuid(Applications::BeneficiaryId))
                    .col(string_len(Applications::RegionCode, 12))
                    .col(string_len(Applications::Channel, 32))
                    .col(string_len(Applications::SubmittedBy, 64))
                    .col(text_null(Applications::Proxy))
                    .col(text(Applications::Consent))
                    .col(string_len(Applications::Status, 16))
                    .col(text_null(Applications::Reason))
                    .col(text_null(Applications::Outcome))
                    .col(big_integer(Applications::Version))
                    .col(timestamp_with_time_zone(Applications::CreatedAt))
                    .col(timestamp_with_time_zone(Applications::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Applications::Table, Applications::BeneficiaryId)
                            .to(Beneficiaries::Table, Beneficiaries::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_applications_region")
                    .table(Applications::Table)
                    .col(Applications::RegionCode)
                    .col(Applications::Id)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(ApplicationItems::Table)
                    .col(uuid(ApplicationItems::Id).primary_key())
                    .col(uuid(ApplicationItems::ApplicationId))
                    .col(integer(ApplicationItems::Position))
                    .col(string_len(ApplicationItems::Kind, 16))
                    .col(string_len_null(ApplicationItems::ServiceCode, 40))
                    .col(string_len_null(ApplicationItems::Matter, 40))
                    .col(string_len_null(ApplicationItems::Department, 40))
                    .col(text(ApplicationItems::Description))
                    .foreign_key(
                        ForeignKey::create()
                            .from(ApplicationItems::Table, ApplicationItems::ApplicationId)
                            .to(Applications::Table, Applications::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_application_items_application")
                    .table(ApplicationItems::Table)
                    .col(ApplicationItems::ApplicationId)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Referrals::Table)
                    .col(uuid(Referrals::Id).primary_key())
                    .col(uuid(Referrals::ApplicationId))
                    .col(uuid(Referrals::ItemId).unique_key())
                    .col(uuid(Referrals::BeneficiaryId))
                    .col(string_len(Referrals::RegionCode, 12))
                    .col(string_len(Referrals::Department, 40))
                    .col(string_len(Referrals::Matter, 40))
                    .col(string_len(Referrals::Status, 16))
                    .col(timestamp_with_time_zone(Referrals::DueAt))
                    .col(text_null(Referrals::Reason))
                    .col(string_len_null(Referrals::OutcomeCode, 40))
                    .col(text_null(Referrals::OutcomeText))
                    .col(big_integer(Referrals::Version))
                    .col(timestamp_with_time_zone(Referrals::CreatedAt))
                    .col(timestamp_with_time_zone(Referrals::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create().from(Referrals::Table, Referrals::ApplicationId).to(Applications::Table, Applications::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_referrals_department")
                    .table(Referrals::Table)
                    .col(Referrals::Department)
                    .col(Referrals::Id)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_referrals_region")
                    .table(Referrals::Table)
                    .col(Referrals::RegionCode)
                    .col(Referrals::Id)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            Referrals::Table.into_iden(),
            ApplicationItems::Table.into_iden(),
            Applications::Table.into_iden(),
            Beneficiaries::Table.into_iden(),
        ] {
            manager.drop_table(Table::drop().table(table).to_owned()).await?;
        }
        Ok(())
    }
}
