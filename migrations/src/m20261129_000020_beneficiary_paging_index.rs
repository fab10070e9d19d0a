//! On SQLite, a list of people pages in id order while filtering by region,
//! category, group and status. Walking the primary key fetches every row it
//! tests; this index holds those filter columns beside the id, so the page's
//! ids are found in the index alone and only the page's rows are read
//! (`paging::keyset_by_key_first`). PostgreSQL plans the same query from its
//! region index and does not get this index, which would only slow imports.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DatabaseBackend;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Beneficiaries {
    Table,
    Id,
    RegionCode,
    CategoryCodes,
    GroupCodes,
    Status,
}

const NAME: &str = "ix_beneficiaries_paging";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() != DatabaseBackend::Sqlite {
            return Ok(());
        }
        manager
            .create_index(
                Index::create()
                    .name(NAME)
                    .table(Beneficiaries::Table)
                    .col(Beneficiaries::Id)
                    .col(Beneficiaries::RegionCode)
                    .col(Beneficiaries::CategoryCodes)
                    .col(Beneficiaries::GroupCodes)
                    .col(Beneficiaries::Status)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() != DatabaseBackend::Sqlite {
            return Ok(());
        }
        manager.drop_index(Index::drop().name(NAME).table(Beneficiaries::Table).to_owned()).await
    }
}
