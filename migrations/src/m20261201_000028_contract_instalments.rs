//! A contract's instalments (资金结算方式): what share of the price each
//! payment kind may reach and what releases it. Contracts signed before
//! this migration are paid as the plan's default: the whole price after
//! acceptance (验收合格后结清).

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Contracts {
    Table,
    Instalments,
}

/// The default schedule, as the entity stores it.
const ALL_ON_ACCEPTANCE: &str = r#"[{"kind":"final","share_bp":10000,"released_by":"acceptance"}]"#;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter().table(Contracts::Table).add_column(text(Contracts::Instalments).default(ALL_ON_ACCEPTANCE)).to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.alter_table(Table::alter().table(Contracts::Table).drop_column(Contracts::Instalments).to_owned()).await
    }
}
