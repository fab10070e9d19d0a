//! Needs assessment: versioned models, immutable assessments, the needs
//! they derive, and the link from free-text application items to the
//! assessment that resolved them.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum AssessmentModels {
    Table,
    Version,
    Spec,
    CreatedBy,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Assessments {
    Table,
    Id,
    BeneficiaryId,
    RegionCode,
    ModelVersion,
    AssessedOn,
    Assessor,
    Scores,
    Notes,
    Result,
    WeightedScore,
    Degree,
    ReassessBy,
    Supersedes,
    SupersededBy,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Needs {
    Table,
    Id,
    AssessmentId,
    BeneficiaryId,
    RegionCode,
    ServiceCode,
    Category,
    Priority,
    Degree,
    GroupCodes,
    RuleId,
    Indicator,
    Level,
    Status,
    Version,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum ApplicationItems {
    Table,
    ResolvedByAssessment,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(AssessmentModels::Table)
                    .col(integer(AssessmentModels::Version).primary_key())
                    .col(text(AssessmentModels::Spec))
                    .col(string_len(AssessmentModels::CreatedBy, 64))
                    .col(timestamp_with_time_zone(AssessmentModels::CreatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Assessments::Table)
                    .col(uuid(Assessments::Id).primary_key())
                    .col(uuid(Assessments::BeneficiaryId))
                    .col(string_len(Assessments::RegionCode, 12))
                    .col(integer(Assessments::ModelVersion))
                    .col(date(Assessments::AssessedOn))
                    .col(string_len(Assessments::Assessor, 64))
                    .col(text(Assessments::Scores))
                    .col(text(Assessments::Notes))
                    .col(text(Assessments::Result))
                    .col(integer(Assessments::WeightedScore))
                    .col(string_len(Assessments::Degree, 16))
                    .col(date(Assessments::ReassessBy))
                    .col(uuid_null(Assessments::Supersedes))
                    .col(uuid_null(Assessments::SupersededBy))
                    .col(timestamp_with_time_zone(Assessments::CreatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_assessments_person")
                    .table(Assessments::Table)
                    .col(Assessments::BeneficiaryId)
                    .col(Assessments::Id)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_assessments_region")
                    .table(Assessments::Table)
                    .col(Assessments::RegionCode)
                    .col(Assessments::ReassessBy)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Needs::Table)
                    .col(uuid(Needs::Id).primary_key())
                    .col(uuid(Needs::AssessmentId))
                    .col(uuid(Needs::BeneficiaryId))
                    .col(string_len(Needs::RegionCode, 12))
                    .col(string_len(Needs::ServiceCode, 40))
                    .col(string_len(Needs::Category, 16))
                    .col(string_len(Needs::Priority, 8))
                    .col(string_len(Needs::Degree, 16))
                    .col(string_len(Needs::GroupCodes, 200))
                    .col(string_len(Needs::RuleId, 40))
                    .col(string_len(Needs::Indicator, 40))
                    .col(small_integer(Needs::Level))
                    .col(string_len(Needs::Status, 16))
                    .col(big_integer(Needs::Version))
                    .col(timestamp_with_time_zone(Needs::CreatedAt))
                    .col(timestamp_with_time_zone(Needs::UpdatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create().name("ix_needs_status_region").table(Needs::Table).col(Needs::Status).col(Needs::RegionCode).to_owned(),
            )
            .await?;
        manager
            .create_index(Index::create().name("ix_needs_region_id").table(Needs::Table).col(Needs::RegionCode).col(Needs::Id).to_owned())
            .await?;
        manager.create_index(Index::create().name("ix_needs_person").table(Needs::Table).col(Needs::BeneficiaryId).to_owned()).await?;
        manager
            .alter_table(
                Table::alter().table(ApplicationItems::Table).add_column(uuid_null(ApplicationItems::ResolvedByAssessment)).to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(Table::alter().table(ApplicationItems::Table).drop_column(ApplicationItems::ResolvedByAssessment).to_owned())
            .await?;
        for table in [Needs::Table.into_iden(), Assessments::Table.into_iden(), AssessmentModels::Table.into_iden()] {
            manager.drop_table(Table::drop().table(table).to_owned()).await?;
        }
        Ok(())
    }
}
