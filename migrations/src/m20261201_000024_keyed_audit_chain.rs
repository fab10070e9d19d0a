//! The audit chain head names the scheme its links are made with: `sha256`
//! (plain, before this migration) or `hmac-sha256` (keyed with a key kept
//! outside the database). The server re-keys a valid plain chain once at
//! start; see `audit::adopt_key`.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum AuditChainHead {
    Table,
    Scheme,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter().table(AuditChainHead::Table).add_column(string_len(AuditChainHead::Scheme, 16).default("sha256")).to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.alter_table(Table::alter().table(AuditChainHead::Table).drop_column(AuditChainHead::Scheme).to_owned()).await
    }
}
