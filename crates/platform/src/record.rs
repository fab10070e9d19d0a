//! `record`: the last step of every write use case. It appends the audit row
//! and then the outbox event in the use case's transaction, into inboxes
//! that take no shared lock; the relay chains and numbers them after commit.

use crate::audit::{self, Entry, Outcome, Who};
use crate::db::Db;
use crate::outbox::{self, NewEvent};
use jiuzhu_core::{Context, DomainError, Permission};
use sea_orm::ConnectionTrait;

/// What a write changed.
pub struct Change {
    pub action: &'static str,
    pub entity_type: &'static str,
    pub entity_id: String,
    pub region_code: String,
    pub detail: serde_json::Value,
    pub event: Option<NewEvent>,
}

impl Change {
    /// An audited change that is also published as an event named like the
    /// action, e.g. `user.created`, about the entity at `region_code`.
    pub fn published(
        action: &'static str,
        entity_type: &'static str,
        entity_id: impl ToString,
        region_code: &str,
        data: serde_json::Value,
    ) -> Self {
        let entity_id = entity_id.to_string();
        Self {
            action,
            entity_type,
            entity_id: entity_id.clone(),
            region_code: region_code.to_string(),
            detail: serde_json::json!({}),
            event: Some(NewEvent::new(action, region_code, entity_id, data)),
        }
    }

    /// An audited change that publishes no event (configuration such as
    /// webhooks, which is nobody else's business).
    pub fn audited(action: &'static str, entity_type: &'static str, entity_id: impl ToString, region_code: &str) -> Self {
        Self {
            action,
            entity_type,
            entity_id: entity_id.to_string(),
            region_code: region_code.to_string(),
            detail: serde_json::json!({}),
            event: None,
        }
    }

    /// Adds audit detail (never personal data).
    pub fn with_detail(mut self, detail: serde_json::Value) -> Self {
        self.detail = detail;
        self
    }
}

impl Change {
    fn split(self) -> (Entry, Option<NewEvent>) {
        let entry = Entry {
            action: self.action.to_string(),
            entity_type: self.entity_type.to_string(),
            entity_id: Some(self.entity_id),
            region_code: self.region_code,
            outcome: Outcome::Success,
            detail: self.detail,
        };
        (entry, self.event)
    }
}

pub async fn record(conn: &impl ConnectionTrait, ctx: &Context, change: Change) -> Result<(), DomainError> {
    record_all(conn, ctx, vec![change]).await
}

/// `record` for many changes of one bulk use case: one multi-row insert of
/// audit rows and one of events, in the given order.
pub async fn record_all(conn: &impl ConnectionTrait, ctx: &Context, changes: Vec<Change>) -> Result<(), DomainError> {
    let (entries, events): (Vec<_>, Vec<_>) = changes.into_iter().map(Change::split).unzip();
    let who = Who::from(ctx);
    let audit_rows = entries.into_iter().map(|entry| audit::pending(&who, entry));
    let event_rows = events.into_iter().flatten().map(|event| outbox::pending(ctx.now, event));
    crate::bulk::insert_both::<crate::entity::audit_inbox::ActiveModel, crate::entity::event_inbox::ActiveModel, _, _>(
        conn, audit_rows, event_rows,
    )
    .await
}

/// Most items one housekeeping pass announces (`record_once` each).
pub const ANNOUNCE_BATCH: u64 = 500;

/// Records `change` in a transaction of its own only if `mark`, a
/// compare-and-set update of one row (`… WHERE id = ? AND mark IS NULL`),
/// marks it: of several nodes announcing the same thing, exactly one
/// records it. Returns whether this call did.
pub async fn record_once<E: sea_orm::EntityTrait>(
    db: &Db,
    ctx: &Context,
    mark: sea_orm::UpdateMany<E>,
    change: Change,
) -> Result<bool, DomainError> {
    let txn = db.begin_write().await?;
    let marked = mark.exec(&*txn).await?.rows_affected == 1;
    if marked {
        record(&*txn, ctx, change).await?;
    }
    txn.commit().await?;
    Ok(marked)
}

/// Denials of one permission to one account are recorded once per this
/// window: the record of denials stays, and repeating them cannot flood the chain.
pub const DENIAL_WINDOW_SECS: i64 = 60;

/// Checks a permission; a denial answers 403 and is audited in its own
/// transaction, once per `DENIAL_WINDOW_SECS` for the account and permission.
pub async fn authorize(db: &Db, ctx: &Context, permission: Permission) -> Result<(), DomainError> {
    if ctx.actor.can(permission) {
        return Ok(());
    }
    let denied = Err(DomainError::Forbidden { permission: permission.code().to_string() });
    let since = ctx.now - chrono::Duration::seconds(DENIAL_WINDOW_SECS);
    let recorded_lately =
        audit::count_recent(db.conn(), &ctx.actor.subject, "permission.denied", Some(permission.code()), since).await? > 0;
    if recorded_lately {
        return denied;
    }
    audit_alone(
        db,
        &Who::from(ctx),
        Entry {
            action: "permission.denied".into(),
            entity_type: "permission".into(),
            entity_id: Some(permission.code().into()),
            region_code: ctx.actor.region.to_string(),
            outcome: Outcome::Denied,
            detail: serde_json::json!({"permission": permission.code(), "recorded_once_per_secs": DENIAL_WINDOW_SECS}),
        },
    )
    .await?;
    denied
}

/// Appends one audit row in a transaction of its own: for outcomes whose
/// use case does not commit (denials, failed logins) and for reads (reveals).
pub async fn audit_alone(db: &Db, who: &Who, entry: Entry) -> Result<(), DomainError> {
    let txn = db.begin_write().await?;
    audit::append(&*txn, who, entry).await?;
    txn.commit().await?;
    Ok(())
}
