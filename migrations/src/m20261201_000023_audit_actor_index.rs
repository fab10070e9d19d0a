//! An index on the audit trail by actor, action and time: a denial is
//! recorded once a minute per account and permission, which is looked up
//! here, and auditors filter the trail by actor.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum AuditEvents {
    Table,
    Actor,
    Action,
    OccurredAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_index(
                Index::create()
                    .name("ix_audit_actor_action_time")
                    .table(AuditEvents::Table)
                    .col(AuditEvents::Actor)
                    .col(AuditEvents::Action)
                    .col(AuditEvents::OccurredAt)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_index(Index::drop().name("ix_audit_actor_action_time").table(AuditEvents::Table).to_owned()).await
    }
}
