//! Procurement, first part: fund accounts per funding region and year, and
//! procurement projects.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum FundAccounts {
    Table,
    Id,
    RegionCode,
    Year,
    PriorYearAssistanceTotalFen,
    CapBp,
    Sources,
    Version,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum ProcurementProjects {
    Table,
    Id,
    FundAccountId,
    Title,
    RegionCode,
    Year,
    ServiceCodes,
    TargetGroups,
    BeneficiaryCount,
    ServiceVolume,
    NeedsBasis,
    BudgetFen,
    FiscalFen,
    Funding,
    StaffingRequirements,
    BidderRequirements,
    Method,
    Justification,
    EvaluationCriteria,
    Status,
    PublishedAt,
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
                    .table(FundAccounts::Table)
                    .col(uuid(FundAccounts::Id).primary_key())
                    .col(string_len(FundAccounts::RegionCode, 12))
                    .col(integer(FundAccounts::Year))
                    .col(big_integer(FundAccounts::PriorYearAssistanceTotalFen))
                    .col(integer(FundAccounts::CapBp))
                    .col(text(FundAccounts::Sources))
                    .col(big_integer(FundAccounts::Version))
                    .col(timestamp_with_time_zone(FundAccounts::CreatedAt))
                    .col(timestamp_with_time_zone(FundAccounts::UpdatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_fund_accounts_region_year")
                    .table(FundAccounts::Table)
                    .col(FundAccounts::RegionCode)
                    .col(FundAccounts::Year)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(ProcurementProjects::Table)
                    .col(uuid(ProcurementProjects::Id).primary_key())
                    .col(uuid(ProcurementProjects::FundAccountId))
                    .col(string_len(ProcurementProjects::Title, 200))
                    .col(string_len(ProcurementProjects::RegionCode, 12))
                    .col(integer(ProcurementProjects::Year))
                    .col(text(ProcurementProjects::ServiceCodes))
                    .col(text(ProcurementProjects::TargetGroups))
                    .col(integer(ProcurementProjects::BeneficiaryCount))
                    .col(text(ProcurementProjects::ServiceVolume))
                    .col(text(ProcurementProjects::NeedsBasis))
                    .col(big_integer(ProcurementProjects::BudgetFen))
                    .col(big_integer(ProcurementProjects::FiscalFen))
                    .col(text(ProcurementProjects::Funding))
                    .col(text(ProcurementProjects::StaffingRequirements))
                    .col(text(ProcurementProjects::BidderRequirements))
                    .col(string_len(ProcurementProjects::Method, 32))
                    .col(text_null(ProcurementProjects::Justification))
                    .col(text(ProcurementProjects::EvaluationCriteria))
                    .col(string_len(ProcurementProjects::Status, 16))
                    .col(timestamp_with_time_zone_null(ProcurementProjects::PublishedAt))
                    .col(big_integer(ProcurementProjects::Version))
                    .col(timestamp_with_time_zone(ProcurementProjects::CreatedAt))
                    .col(timestamp_with_time_zone(ProcurementProjects::UpdatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_projects_account")
                    .table(ProcurementProjects::Table)
                    .col(ProcurementProjects::FundAccountId)
                    .col(ProcurementProjects::Status)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(ProcurementProjects::Table).to_owned()).await?;
        manager.drop_table(Table::drop().table(FundAccounts::Table).to_owned()).await
    }
}
