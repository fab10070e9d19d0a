//! Writers no longer take the audit chain's head lock: audit rows and
//! events go into inboxes (`audit_inbox`, `event_inbox`), whose
//! auto-increment `entry` orders them, and one relay at a time chains them
//! into `audit_events` and numbers them into `events.position`. Events
//! already stored get positions in their id order; webhook cursors and
//! deliveries move from event ids to positions.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum AuditInbox {
    Table,
    Entry,
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
}

#[derive(DeriveIden)]
enum EventInbox {
    Table,
    Entry,
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
enum Events {
    Table,
    Position,
    RegionCode,
}

#[derive(DeriveIden)]
enum Webhooks {
    Table,
    EventCursor,
    FeedPosition,
}

#[derive(DeriveIden)]
enum WebhookDeliveries {
    Table,
    WebhookId,
    SubjectId,
    Status,
    EventPosition,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(AuditInbox::Table)
                    .col(big_pk_auto(AuditInbox::Entry))
                    .col(uuid(AuditInbox::Id).unique_key())
                    .col(timestamp_with_time_zone(AuditInbox::OccurredAt))
                    .col(string_len(AuditInbox::Actor, 64))
                    .col(string_len(AuditInbox::ActorRole, 32))
                    .col(string_len(AuditInbox::Action, 64))
                    .col(string_len(AuditInbox::EntityType, 64))
                    .col(string_len_null(AuditInbox::EntityId, 64))
                    .col(string_len(AuditInbox::RegionCode, 12))
                    .col(string_len(AuditInbox::Outcome, 16))
                    .col(string_len(AuditInbox::RequestId, 128))
                    .col(text(AuditInbox::Detail))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(EventInbox::Table)
                    .col(big_pk_auto(EventInbox::Entry))
                    .col(uuid(EventInbox::Id).unique_key())
                    .col(string_len(EventInbox::EventType, 64))
                    .col(timestamp_with_time_zone(EventInbox::OccurredAt))
                    .col(string_len(EventInbox::RegionCode, 12))
                    .col(string_len(EventInbox::SubjectId, 64))
                    .col(text(EventInbox::Data))
                    .col(string_len_null(EventInbox::Department, 40))
                    .col(uuid_null(EventInbox::ProviderId))
                    .to_owned(),
            )
            .await?;

        manager.alter_table(Table::alter().table(Events::Table).add_column(big_integer_null(Events::Position)).to_owned()).await?;
        let conn = manager.get_connection();
        conn.execute_unprepared(
            "UPDATE events SET position = numbered.n FROM \
             (SELECT id, ROW_NUMBER() OVER (ORDER BY id) AS n FROM events) AS numbered WHERE numbered.id = events.id",
        )
        .await?;
        if manager.get_database_backend() == sea_orm::DatabaseBackend::Postgres {
            conn.execute_unprepared("ALTER TABLE events ALTER COLUMN position SET NOT NULL").await?;
        }
        manager
            .create_index(Index::create().name("ux_events_position").table(Events::Table).col(Events::Position).unique().to_owned())
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_events_region_position")
                    .table(Events::Table)
                    .col(Events::RegionCode)
                    .col(Events::Position)
                    .to_owned(),
            )
            .await?;

        manager.alter_table(Table::alter().table(Webhooks::Table).add_column(big_integer_null(Webhooks::FeedPosition)).to_owned()).await?;
        conn.execute_unprepared(
            "UPDATE webhooks SET feed_position = (SELECT events.position FROM events WHERE events.id = webhooks.event_cursor)",
        )
        .await?;
        manager.alter_table(Table::alter().table(Webhooks::Table).drop_column(Webhooks::EventCursor).to_owned()).await?;

        manager
            .alter_table(
                Table::alter()
                    .table(WebhookDeliveries::Table)
                    .add_column(big_integer(WebhookDeliveries::EventPosition).default(0))
                    .to_owned(),
            )
            .await?;
        conn.execute_unprepared(
            "UPDATE webhook_deliveries SET event_position = COALESCE(\
             (SELECT events.position FROM events WHERE events.id = webhook_deliveries.event_id), 0)",
        )
        .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_webhook_deliveries_subject_position")
                    .table(WebhookDeliveries::Table)
                    .col(WebhookDeliveries::WebhookId)
                    .col(WebhookDeliveries::SubjectId)
                    .col(WebhookDeliveries::Status)
                    .col(WebhookDeliveries::EventPosition)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let conn = manager.get_connection();
        manager.drop_index(Index::drop().name("ix_webhook_deliveries_subject_position").table(WebhookDeliveries::Table).to_owned()).await?;
        manager
            .alter_table(Table::alter().table(WebhookDeliveries::Table).drop_column(WebhookDeliveries::EventPosition).to_owned())
            .await?;
        manager.alter_table(Table::alter().table(Webhooks::Table).add_column(uuid_null(Webhooks::EventCursor)).to_owned()).await?;
        conn.execute_unprepared(
            "UPDATE webhooks SET event_cursor = (SELECT events.id FROM events WHERE events.position = webhooks.feed_position)",
        )
        .await?;
        manager.alter_table(Table::alter().table(Webhooks::Table).drop_column(Webhooks::FeedPosition).to_owned()).await?;
        manager.drop_index(Index::drop().name("ix_events_region_position").table(Events::Table).to_owned()).await?;
        manager.drop_index(Index::drop().name("ux_events_position").table(Events::Table).to_owned()).await?;
        manager.alter_table(Table::alter().table(Events::Table).drop_column(Events::Position).to_owned()).await?;
        manager.drop_table(Table::drop().table(EventInbox::Table).to_owned()).await?;
        manager.drop_table(Table::drop().table(AuditInbox::Table).to_owned()).await
    }
}
