//! Evaluation: indicator schemes, evaluations with their score sheets and
//! appeals, and the acceptance record of procurement projects.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum EvaluationSchemes {
    Table,
    Id,
    Name,
    IsDefault,
    Spec,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Evaluations {
    Table,
    Id,
    ProjectId,
    ProviderId,
    RegionCode,
    Stage,
    Organizer,
    SchemeId,
    Members,
    ThirdParty,
    Plan,
    Status,
    TotalHundredths,
    Grade,
    Report,
    History,
    ApprovedAt,
    PublishedAt,
    Version,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum EvaluationScores {
    Table,
    Id,
    EvaluationId,
    Member,
    Sheet,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Appeals {
    Table,
    Id,
    EvaluationId,
    Grounds,
    Evidence,
    Status,
    Reasoning,
    DecidedBy,
    CreatedAt,
    DecidedAt,
}

#[derive(DeriveIden)]
enum ProcurementProjects {
    Table,
    Acceptance,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(EvaluationSchemes::Table)
                    .col(uuid(EvaluationSchemes::Id).primary_key())
                    .col(string_len(EvaluationSchemes::Name, 200))
                    .col(boolean(EvaluationSchemes::IsDefault))
                    .col(text(EvaluationSchemes::Spec))
                    .col(timestamp_with_time_zone(EvaluationSchemes::CreatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Evaluations::Table)
                    .col(uuid(Evaluations::Id).primary_key())
                    .col(uuid(Evaluations::ProjectId))
                    .col(uuid(Evaluations::ProviderId))
                    .col(string_len(Evaluations::RegionCode, 12))
                    .col(string_len(Evaluations::Stage, 16))
                    .col(string_len(Evaluations::Organizer, 32))
                    .col(uuid(Evaluations::SchemeId))
                    .col(text(Evaluations::Members))
                    .col(text_null(Evaluations::ThirdParty))
                    .col(text(Evaluations::Plan))
                    .col(string_len(Evaluations::Status, 16))
                    .col(integer_null(Evaluations::TotalHundredths))
                    .col(string_len_null(Evaluations::Grade, 16))
                    .col(text_null(Evaluations::Report))
                    .col(text(Evaluations::History))
                    .col(timestamp_with_time_zone_null(Evaluations::ApprovedAt))
                    .col(timestamp_with_time_zone_null(Evaluations::PublishedAt))
                    .col(big_integer(Evaluations::Version))
                    .col(timestamp_with_time_zone(Evaluations::CreatedAt))
                    .col(timestamp_with_time_zone(Evaluations::UpdatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_evaluations_project_stage")
                    .table(Evaluations::Table)
                    .col(Evaluations::ProjectId)
                    .col(Evaluations::Stage)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(EvaluationScores::Table)
                    .col(uuid(EvaluationScores::Id).primary_key())
                    .col(uuid(EvaluationScores::EvaluationId))
                    .col(string_len(EvaluationScores::Member, 100))
                    .col(text(EvaluationScores::Sheet))
                    .col(timestamp_with_time_zone(EvaluationScores::CreatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_evaluation_scores_member")
                    .table(EvaluationScores::Table)
                    .col(EvaluationScores::EvaluationId)
                    .col(EvaluationScores::Member)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Appeals::Table)
                    .col(uuid(Appeals::Id).primary_key())
                    .col(uuid(Appeals::EvaluationId))
                    .col(text(Appeals::Grounds))
                    .col(text(Appeals::Evidence))
                    .col(string_len(Appeals::Status, 16))
                    .col(text_null(Appeals::Reasoning))
                    .col(string_len_null(Appeals::DecidedBy, 64))
                    .col(timestamp_with_time_zone(Appeals::CreatedAt))
                    .col(timestamp_with_time_zone_null(Appeals::DecidedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(Table::alter().table(ProcurementProjects::Table).add_column(text_null(ProcurementProjects::Acceptance)).to_owned())
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(Table::alter().table(ProcurementProjects::Table).drop_column(ProcurementProjects::Acceptance).to_owned())
            .await?;
        for table in [
            Appeals::Table.into_iden(),
            EvaluationScores::Table.into_iden(),
            Evaluations::Table.into_iden(),
            EvaluationSchemes::Table.into_iden(),
        ] {
            manager.drop_table(Table::drop().table(table).to_owned()).await?;
        }
        Ok(())
    }
}
