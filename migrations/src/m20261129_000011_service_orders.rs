//! Matching, second part: service orders, their deliveries and feedback,
//! and the follow-up visits (回访) that completion schedules.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum ServiceOrders {
    Table,
    Id,
    NeedId,
    BeneficiaryId,
    RegionCode,
    ServiceCode,
    ProviderId,
    VolunteerId,
    ContractId,
    ScheduledFor,
    Quantity,
    Status,
    Reason,
    Version,
    CreatedBy,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Deliveries {
    Table,
    Id,
    OrderId,
    RegionCode,
    StartedAt,
    EndedAt,
    Worker,
    Quantity,
    Notes,
    Evidence,
    RecordedBy,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Feedback {
    Table,
    Id,
    OrderId,
    Satisfaction,
    Comment,
    Channel,
    CollectedBy,
    CreatedAt,
}

#[derive(DeriveIden)]
enum FollowUps {
    Table,
    Id,
    OrderId,
    BeneficiaryId,
    RegionCode,
    DueOn,
    Status,
    CreatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(ServiceOrders::Table)
                    .col(uuid(ServiceOrders::Id).primary_key())
                    .col(uuid_null(ServiceOrders::NeedId))
                    .col(uuid(ServiceOrders::BeneficiaryId))
                    .col(string_len(ServiceOrders::RegionCode, 12))
                    .col(string_len(ServiceOrders::ServiceCode, 40))
                    .col(uuid_null(ServiceOrders::ProviderId))
                    .col(uuid_null(ServiceOrders::VolunteerId))
                    .col(uuid_null(ServiceOrders::ContractId))
                    .col(date(ServiceOrders::ScheduledFor))
                    .col(integer(ServiceOrders::Quantity))
                    .col(string_len(ServiceOrders::Status, 16))
                    .col(text_null(ServiceOrders::Reason))
                    .col(big_integer(ServiceOrders::Version))
                    .col(string_len(ServiceOrders::CreatedBy, 64))
                    .col(timestamp_with_time_zone(ServiceOrders::CreatedAt))
                    .col(timestamp_with_time_zone(ServiceOrders::UpdatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_orders_region")
                    .table(ServiceOrders::Table)
                    .col(ServiceOrders::RegionCode)
                    .col(ServiceOrders::Id)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_orders_provider")
                    .table(ServiceOrders::Table)
                    .col(ServiceOrders::ProviderId)
                    .col(ServiceOrders::Status)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Deliveries::Table)
                    .col(uuid(Deliveries::Id).primary_key())
                    .col(uuid(Deliveries::OrderId))
                    .col(string_len(Deliveries::RegionCode, 12))
                    .col(timestamp_with_time_zone(Deliveries::StartedAt))
                    .col(timestamp_with_time_zone(Deliveries::EndedAt))
                    .col(string_len(Deliveries::Worker, 100))
                    .col(integer(Deliveries::Quantity))
                    .col(text(Deliveries::Notes))
                    .col(text(Deliveries::Evidence))
                    .col(string_len(Deliveries::RecordedBy, 64))
                    .col(timestamp_with_time_zone(Deliveries::CreatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(Index::create().name("ix_deliveries_order").table(Deliveries::Table).col(Deliveries::OrderId).to_owned())
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Feedback::Table)
                    .col(uuid(Feedback::Id).primary_key())
                    .col(uuid(Feedback::OrderId))
                    .col(small_integer(Feedback::Satisfaction))
                    .col(text(Feedback::Comment))
                    .col(string_len(Feedback::Channel, 16))
                    .col(string_len(Feedback::CollectedBy, 100))
                    .col(timestamp_with_time_zone(Feedback::CreatedAt))
                    .to_owned(),
            )
            .await?;
        manager.create_index(Index::create().name("ix_feedback_order").table(Feedback::Table).col(Feedback::OrderId).to_owned()).await?;
        manager
            .create_table(
                Table::create()
                    .table(FollowUps::Table)
                    .col(uuid(FollowUps::Id).primary_key())
                    .col(uuid(FollowUps::OrderId))
                    .col(uuid(FollowUps::BeneficiaryId))
                    .col(string_len(FollowUps::RegionCode, 12))
                    .col(date(FollowUps::DueOn))
                    .col(string_len(FollowUps::Status, 16))
                    .col(timestamp_with_time_zone(FollowUps::CreatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_follow_ups_region")
                    .table(FollowUps::Table)
                    .col(FollowUps::RegionCode)
                    .col(FollowUps::DueOn)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in
            [FollowUps::Table.into_iden(), Feedback::Table.into_iden(), Deliveries::Table.into_iden(), ServiceOrders::Table.into_iden()]
        {
            manager.drop_table(Table::drop().table(table).to_owned()).await?;
        }
        Ok(())
    }
}
