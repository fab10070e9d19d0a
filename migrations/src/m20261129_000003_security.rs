//! Security tables: staff phone numbers, API clients, the hash-chained audit
//! log, the event outbox, idempotency keys and failed-login records.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Users {
    Table,
    Phone,
}

#[derive(DeriveIden)]
enum ApiClients {
    Table,
    Id,
    ClientId,
    Name,
    Role,
    RegionCode,
    Department,
    SecretHash,
    Active,
    Version,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum AuditEvents {
    Table,
    Seq,
    Id,
    OccurredAt,
    Actor,
    ActorRole,
    Action,
    EntityType,
    EntityId,
    RegionCode,
    Outcome,
    RequestId,
    Detail,
    PrevHash,
    Hash,
}

#[derive(DeriveIden)]
enum AuditChainHead {
    Table,
    Id,
    Seq,
    Hash,
}

#[derive(DeriveIden)]
enum Events {
    Table,
    Id,
    EventType,
    OccurredAt,
    RegionCode,
    SubjectId,
    Data,
    Department,
    ProviderId,
}

#[derive(DeriveIden)]
enum IdempotencyKeys {
    Table,
    Owner,
    Key,
    RequestHash,
    State,
    ResponseStatus,
    ResponseBody,
    ResponseHeaders,
    CreatedAt,
}

#[derive(DeriveIden)]
enum LoginFailures {
    Table,
    Id,
    Username,
    FailedAt,
}

/// The hash the audit chain starts from.
pub const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.alter_table(Table::alter().table(Users::Table).add_column(string_len_null(Users::Phone, 20)).to_owned()).await?;
        manager
            .create_table(
                Table::create()
                    .table(ApiClients::Table)
                    .col(uuid(ApiClients::Id).primary_key())
                    .col(string_len(ApiClients::ClientId, 64).unique_key())
                    .col(string_len(ApiClients::Name, 100))
                    .col(string_len(ApiClients::Role, 32))
                    .col(string_len(ApiClients::RegionCode, 12))
                    .col(string_len_null(ApiClients::Department, 40))
                    .col(string_len(ApiClients::SecretHash, 255))
                    .col(boolean(ApiClients::Active).default(true))
                    .col(big_integer(ApiClients::Version).default(1))
                    .col(timestamp_with_time_zone(ApiClients::CreatedAt))
                    .col(timestamp_with_time_zone(ApiClients::UpdatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(AuditEvents::Table)
                    .col(big_integer(AuditEvents::Seq).primary_key())
                    .col(uuid(AuditEvents::Id).unique_key())
                    .col(timestamp_with_time_zone(AuditEvents::OccurredAt))
                    .col(string_len(AuditEvents::Actor, 64))
                    .col(string_len(AuditEvents::ActorRole, 32))
                    .col(string_len(AuditEvents::Action, 64))
                    .col(string_len(AuditEvents::EntityType, 64))
                    .col(string_len_null(AuditEvents::EntityId, 64))
                    .col(string_len(AuditEvents::RegionCode, 12))
                    .col(string_len(AuditEvents::Outcome, 16))
                    .col(string_len(AuditEvents::RequestId, 128))
                    .col(text(AuditEvents::Detail))
                    .col(string_len(AuditEvents::PrevHash, 64))
                    .col(string_len(AuditEvents::Hash, 64))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_audit_region_seq")
                    .table(AuditEvents::Table)
                    .col(AuditEvents::RegionCode)
                    .col(AuditEvents::Seq)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(AuditChainHead::Table)
                    .col(integer(AuditChainHead::Id).primary_key())
                    .col(big_integer(AuditChainHead::Seq))
                    .col(string_len(AuditChainHead::Hash, 64))
                    .to_owned(),
            )
            .await?;
        manager
            .exec_stmt(
                Query::insert()
                    .into_table(AuditChainHead::Table)
                    .columns([AuditChainHead::Id, AuditChainHead::Seq, AuditChainHead::Hash])
                    .values_panic([1.into(), 0i64.into(), GENESIS_HASH.into()])
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Events::Table)
                    .col(uuid(Events::Id).primary_key())
                    .col(string_len(Events::EventType, 64))
                    .col(timestamp_with_time_zone(Events::OccurredAt))
                    .col(string_len(Events::RegionCode, 12))
                    .col(string_len(Events::SubjectId, 64))
                    .col(text(Events::Data))
                    .col(string_len_null(Events::Department, 40))
                    .col(uuid_null(Events::ProviderId))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create().name("ix_events_region_id").table(Events::Table).col(Events::RegionCode).col(Events::Id).to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(IdempotencyKeys::Table)
                    .col(string_len(IdempotencyKeys::Owner, 64))
                    .col(string_len(IdempotencyKeys::Key, 255))
                    .col(string_len(IdempotencyKeys::RequestHash, 64))
                    .col(string_len(IdempotencyKeys::State, 16))
                    .col(integer_null(IdempotencyKeys::ResponseStatus))
                    .col(text_null(IdempotencyKeys::ResponseBody))
                    .col(text_null(IdempotencyKeys::ResponseHeaders))
                    .col(timestamp_with_time_zone(IdempotencyKeys::CreatedAt))
                    .primary_key(Index::create().col(IdempotencyKeys::Owner).col(IdempotencyKeys::Key))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(LoginFailures::Table)
                    .col(uuid(LoginFailures::Id).primary_key())
                    .col(string_len(LoginFailures::Username, 64))
                    .col(timestamp_with_time_zone(LoginFailures::FailedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_login_failures_user")
                    .table(LoginFailures::Table)
                    .col(LoginFailures::Username)
                    .col(LoginFailures::FailedAt)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            LoginFailures::Table.into_iden(),
            IdempotencyKeys::Table.into_iden(),
            Events::Table.into_iden(),
            AuditChainHead::Table.into_iden(),
            AuditEvents::Table.into_iden(),
            ApiClients::Table.into_iden(),
        ] {
            manager.drop_table(Table::drop().table(table).to_owned()).await?;
        }
        manager.alter_table(Table::alter().table(Users::Table).drop_column(Users::Phone).to_owned()).await
    }
}
