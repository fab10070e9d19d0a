//! A government-funded local catalogue item waits for the city's approval
//! (不设置超出维持救助对象基本生活需要的服务项目): its approval state, the
//! basic need it meets, who proposed it and who decided, with the note.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Services {
    Table,
    Approval,
    BasicNeedBasis,
    ProposedBy,
    DecidedBy,
    DecisionNote,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let columns = [
            string(Services::Approval).default("not_required").to_owned(),
            text_null(Services::BasicNeedBasis).to_owned(),
            string_null(Services::ProposedBy).to_owned(),
            string_null(Services::DecidedBy).to_owned(),
            text_null(Services::DecisionNote).to_owned(),
        ];
        for column in columns {
            let mut column = column;
            manager.alter_table(Table::alter().table(Services::Table).add_column(&mut column).to_owned()).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for column in [Services::DecisionNote, Services::DecidedBy, Services::ProposedBy, Services::BasicNeedBasis, Services::Approval] {
            manager.alter_table(Table::alter().table(Services::Table).drop_column(column).to_owned()).await?;
        }
        Ok(())
    }
}
