//! Matching, first part: the service catalogue (guidance and local items),
//! providers, volunteers and their time ledger.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Services {
    Table,
    Code,
    Number,
    Category,
    NameZh,
    NameEn,
    DescriptionZh,
    Unit,
    GovernmentFunded,
    CoveredByMaterial,
    Active,
    Guidance,
    RegionCode,
    Version,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Providers {
    Table,
    Id,
    Name,
    CreditCode,
    OrgType,
    EligibleForPurchase,
    ServiceCodes,
    ServiceRegions,
    MonthlyCapacity,
    Qualifications,
    ContactName,
    ContactPhone,
    Status,
    BarredUntil,
    RegionCode,
    Version,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Volunteers {
    Table,
    Id,
    Name,
    IdNumber,
    BeneficiaryId,
    RegionCode,
    Program,
    Skills,
    Availability,
    HealthyDeclared,
    Active,
    Version,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum VolunteerHours {
    Table,
    Id,
    VolunteerId,
    ServedOn,
    Minutes,
    ServiceCode,
    Note,
    RecordedBy,
    CreatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Services::Table)
                    .col(string_len(Services::Code, 40).primary_key())
                    .col(small_integer_null(Services::Number))
                    .col(string_len(Services::Category, 16))
                    .col(string_len(Services::NameZh, 100))
                    .col(string_len(Services::NameEn, 100))
                    .col(text(Services::DescriptionZh))
                    .col(string_len(Services::Unit, 16))
                    .col(boolean(Services::GovernmentFunded))
                    .col(text(Services::CoveredByMaterial))
                    .col(boolean(Services::Active))
                    .col(boolean(Services::Guidance))
                    .col(string_len(Services::RegionCode, 12))
                    .col(big_integer(Services::Version))
                    .col(timestamp_with_time_zone(Services::CreatedAt))
                    .col(timestamp_with_time_zone(Services::UpdatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Providers::Table)
                    .col(uuid(Providers::Id).primary_key())
                    .col(string_len(Providers::Name, 200))
                    .col(string_len(Providers::CreditCode, 18).unique_key())
                    .col(string_len(Providers::OrgType, 40))
                    .col(boolean(Providers::EligibleForPurchase))
                    .col(string_len(Providers::ServiceCodes, 1000))
                    .col(string_len(Providers::ServiceRegions, 2000))
                    .col(text(Providers::MonthlyCapacity))
                    .col(text(Providers::Qualifications))
                    .col(string_len(Providers::ContactName, 100))
                    .col(string_len_null(Providers::ContactPhone, 20))
                    .col(string_len(Providers::Status, 16))
                    .col(date_null(Providers::BarredUntil))
                    .col(string_len(Providers::RegionCode, 12))
                    .col(big_integer(Providers::Version))
                    .col(timestamp_with_time_zone(Providers::CreatedAt))
                    .col(timestamp_with_time_zone(Providers::UpdatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Volunteers::Table)
                    .col(uuid(Volunteers::Id).primary_key())
                    .col(string_len(Volunteers::Name, 100))
                    .col(string_len(Volunteers::IdNumber, 18).unique_key())
                    .col(uuid_null(Volunteers::BeneficiaryId))
                    .col(string_len(Volunteers::RegionCode, 12))
                    .col(string_len(Volunteers::Program, 32))
                    .col(string_len(Volunteers::Skills, 1000))
                    .col(string_len(Volunteers::Availability, 500))
                    .col(boolean(Volunteers::HealthyDeclared))
                    .col(boolean(Volunteers::Active))
                    .col(big_integer(Volunteers::Version))
                    .col(timestamp_with_time_zone(Volunteers::CreatedAt))
                    .col(timestamp_with_time_zone(Volunteers::UpdatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_volunteers_region")
                    .table(Volunteers::Table)
                    .col(Volunteers::RegionCode)
                    .col(Volunteers::Id)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(VolunteerHours::Table)
                    .col(uuid(VolunteerHours::Id).primary_key())
                    .col(uuid(VolunteerHours::VolunteerId))
                    .col(date(VolunteerHours::ServedOn))
                    .col(integer(VolunteerHours::Minutes))
                    .col(string_len_null(VolunteerHours::ServiceCode, 40))
                    .col(text(VolunteerHours::Note))
                    .col(string_len(VolunteerHours::RecordedBy, 64))
                    .col(timestamp_with_time_zone(VolunteerHours::CreatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_volunteer_hours_volunteer")
                    .table(VolunteerHours::Table)
                    .col(VolunteerHours::VolunteerId)
                    .col(VolunteerHours::ServedOn)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in
            [VolunteerHours::Table.into_iden(), Volunteers::Table.into_iden(), Providers::Table.into_iden(), Services::Table.into_iden()]
        {
            manager.drop_table(Table::drop().table(table).to_owned()).await?;
        }
        Ok(())
    }
}
