//! Foundation tables: regions, departments and staff users.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
pub enum Regions {
    Table,
    Code,
    NameZh,
    Level,
    ParentCode,
    IsDemo,
    CreatedAt,
}

#[derive(DeriveIden)]
pub enum Departments {
    Table,
    Code,
    NameZh,
    NameEn,
    DutiesZh,
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
    Username,
    DisplayName,
    Role,
    RegionCode,
    Department,
    ProviderId,
    PasswordHash,
    Active,
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
                    .table(Regions::Table)
                    .col(string_len(Regions::Code, 12).primary_key())
                    .col(string_len(Regions::NameZh, 100))
                    .col(string_len(Regions::Level, 16))
                    .col(string_len_null(Regions::ParentCode, 12))
                    .col(boolean(Regions::IsDemo).default(false))
                    .col(timestamp_with_time_zone(Regions::CreatedAt))
                    .to_owned(),
            )
            .await?;
        manager.create_index(Index::create().name("ix_regions_parent").table(Regions::Table).col(Regions::ParentCode).to_owned()).await?;
        manager
            .create_table(
                Table::create()
                    .table(Departments::Table)
                    .col(string_len(Departments::Code, 40).primary_key())
                    .col(string_len(Departments::NameZh, 100))
                    .col(string_len(Departments::NameEn, 100))
                    .col(text(Departments::DutiesZh))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Users::Table)
                    .col(uuid(Users::Id).primary_key())
                    .col(string_len(Users::Username, 64).unique_key())
                    .col(string_len(Users::DisplayName, 100))
                    .col(string_len(Users::Role, 32))
                    .col(string_len(Users::RegionCode, 12))
                    .col(string_len_null(Users::Department, 40))
                    .col(uuid_null(Users::ProviderId))
                    .col(string_len(Users::PasswordHash, 255))
                    .col(boolean(Users::Active).default(true))
                    .col(big_integer(Users::Version).default(1))
                    .col(timestamp_with_time_zone(Users::CreatedAt))
                    .col(timestamp_with_time_zone(Users::UpdatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(Index::create().name("ix_users_region").table(Users::Table).col(Users::RegionCode).col(Users::Id).to_owned())
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(Users::Table).to_owned()).await?;
        manager.drop_table(Table::drop().table(Departments::Table).to_owned()).await?;
        manager.drop_table(Table::drop().table(Regions::Table).to_owned()).await
    }
}
