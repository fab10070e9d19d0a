//! Division changes (行政区划调整): a region can be retired into a successor
//! and stays readable for history. The tree itself now comes from the
//! deployment's configured root at start, so on a database no one has used
//! yet (no user exists) the city and counties that the reference-data
//! migration wrote for 石嘴山市 are taken out again; the start puts back
//! whichever tree the root names.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Regions {
    Table,
    Code,
    RetiredAt,
    SuccessorCode,
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
}

/// What `m20261129_000002_reference_data` wrote.
const SEEDED_BY_REFERENCE_DATA: [&str; 4] = ["640200", "640202", "640205", "640221"];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let columns =
            [timestamp_with_time_zone_null(Regions::RetiredAt).to_owned(), string_len_null(Regions::SuccessorCode, 12).to_owned()];
        for mut column in columns {
            manager.alter_table(Table::alter().table(Regions::Table).add_column(&mut column).to_owned()).await?;
        }
        let any_user = Query::select().column(Users::Id).from(Users::Table).limit(1).to_owned();
        let used = manager.get_connection().query_one(&any_user).await?.is_some();
        if !used {
            let seeded =
                Query::delete().from_table(Regions::Table).and_where(Expr::col(Regions::Code).is_in(SEEDED_BY_REFERENCE_DATA)).to_owned();
            manager.exec_stmt(seeded).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for column in [Regions::SuccessorCode, Regions::RetiredAt] {
            manager.alter_table(Table::alter().table(Regions::Table).drop_column(column).to_owned()).await?;
        }
        Ok(())
    }
}
