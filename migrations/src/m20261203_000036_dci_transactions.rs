//! DCI social-registry search messages and the requests in them, so that a
//! department system can ask for a transaction's status and answer, and a
//! repeated `message_id` is recognised.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum DciTransactions {
    Table,
    Id,
    Owner,
    SenderId,
    MessageId,
    TransactionId,
    TxnType,
    Status,
    Response,
    CreatedAt,
    CompletedAt,
}

#[derive(DeriveIden)]
enum DciReferences {
    Table,
    Owner,
    ReferenceId,
    Transaction,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(DciTransactions::Table)
                    .col(uuid(DciTransactions::Id).primary_key())
                    .col(string_len(DciTransactions::Owner, 100))
                    .col(string_len(DciTransactions::SenderId, 200))
                    .col(string_len(DciTransactions::MessageId, 200))
                    .col(string_len(DciTransactions::TransactionId, 99))
                    .col(string_len(DciTransactions::TxnType, 20))
                    .col(string_len(DciTransactions::Status, 4))
                    .col(text_null(DciTransactions::Response))
                    .col(timestamp_with_time_zone(DciTransactions::CreatedAt))
                    .col(timestamp_with_time_zone_null(DciTransactions::CompletedAt))
                    .to_owned(),
            )
            .await?;
        // One message id per sender: a resent message is refused, not run twice.
        manager
            .create_index(
                Index::create()
                    .name("dci_transactions_message")
                    .table(DciTransactions::Table)
                    .col(DciTransactions::Owner)
                    .col(DciTransactions::MessageId)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("dci_transactions_transaction")
                    .table(DciTransactions::Table)
                    .col(DciTransactions::Owner)
                    .col(DciTransactions::TransactionId)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(DciReferences::Table)
                    .col(string_len(DciReferences::Owner, 100))
                    .col(string_len(DciReferences::ReferenceId, 200))
                    .col(uuid(DciReferences::Transaction))
                    .primary_key(Index::create().col(DciReferences::Owner).col(DciReferences::ReferenceId).col(DciReferences::Transaction))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(DciReferences::Table).to_owned()).await?;
        manager.drop_table(Table::drop().table(DciTransactions::Table).to_owned()).await
    }
}
