//! The audit log: append-only rows, each holding the hash of the row before
//! it, so any later edit breaks the chain and `verify` finds it. There is no
//! function here (or anywhere) that updates or deletes an audit row.

use crate::entity::{audit_chain_head, audit_event};
use crate::hash::sha256_hex;
use crate::paging::keyset;
use chrono::{DateTime, SecondsFormat, Timelike, Utc};
use jiuzhu_core::{Context, DomainError, Page, PageRequest, id::new_id};
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set};
use serde::Serialize;
use utoipa::ToSchema;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
#[schema(as = AuditOutcome)]
pub enum Outcome {
    /// 成功
    Success,
    /// 失败
    Failure,
    /// 拒绝（无权限）
    Denied,
}

impl Outcome {
    pub fn code(self) -> &'static str {
        match self {
            Outcome::Success => "success",
            Outcome::Failure => "failure",
            Outcome::Denied => "denied",
        }
    }
}

/// Who did it, when there may be no authenticated actor (a failed login).
#[derive(Debug, Clone)]
pub struct Who {
    pub subject: String,
    pub role: String,
    pub request_id: String,
    pub at: DateTime<Utc>,
}

impl From<&Context> for Who {
    fn from(ctx: &Context) -> Self {
        Who { subject: ctx.actor.subject.clone(), role: ctx.actor.role.code().to_string(), request_id: ctx.request_id.clone(), at: ctx.now }
    }
}

/// One audit row to append. `detail` must never hold personal data.
#[derive(Debug, Clone)]
pub struct Entry {
    pub action: String,
    pub entity_type: String,
    pub entity_id: Option<String>,
    pub region_code: String,
    pub outcome: Outcome,
    pub detail: serde_json::Value,
}

/// Stored timestamps keep microseconds; truncate first so the hash survives a round trip.
fn micros(at: DateTime<Utc>) -> DateTime<Utc> {
    at.with_nanosecond(at.nanosecond() / 1000 * 1000).unwrap_or(at)
}

fn row_hash(prev_hash: &str, row: &audit_event::Model) -> String {
    let seq = row.seq.to_string();
    let id = row.id.to_string();
    let at = row.occurred_at.to_rfc3339_opts(SecondsFormat::Micros, true);
    let entity_id = row.entity_id.clone().unwrap_or_default();
    sha256_hex(&[
        prev_hash.as_bytes(),
        seq.as_bytes(),
        id.as_bytes(),
        at.as_bytes(),
        row.actor.as_bytes(),
        row.actor_role.as_bytes(),
        row.action.as_bytes(),
        row.entity_type.as_bytes(),
        entity_id.as_bytes(),
        row.region_code.as_bytes(),
        row.outcome.as_bytes(),
        row.request_id.as_bytes(),
        row.detail.as_bytes(),
    ])
}

/// The row that follows `prev` in the chain: its sequence number and hash.
fn chained(prev_seq: i64, prev_hash: &str, who: &Who, entry: Entry) -> audit_event::Model {
    let mut row = audit_event::Model {
        seq: prev_seq + 1,
        id: new_id(),
        occurred_at: micros(who.at),
        actor: who.subject.clone(),
        actor_role: who.role.clone(),
        action: entry.action,
        entity_type: entry.entity_type,
        entity_id: entry.entity_id,
        region_code: entry.region_code,
        outcome: entry.outcome.code().to_string(),
        request_id: who.request_id.clone(),
        detail: entry.detail.to_string(),
        prev_hash: prev_hash.to_string(),
        hash: String::new(),
    };
    row.hash = row_hash(prev_hash, &row);
    row
}

/// Appends a row. It locks the chain head, so appends (and everything
/// written after them in the same transaction) are ordered by commit.
pub async fn append(conn: &impl ConnectionTrait, who: &Who, entry: Entry) -> Result<audit_event::Model, DomainError> {
    let mut rows = append_all(conn, who, vec![entry]).await?;
    rows.pop().ok_or_else(|| DomainError::Internal("audit append wrote no row".into()))
}

/// Appends rows in order under one lock of the chain head, chained in
/// memory and written with multi-row inserts: a bulk use case pays for the
/// lock and the head update once, not once per row.
pub async fn append_all(conn: &impl ConnectionTrait, who: &Who, entries: Vec<Entry>) -> Result<Vec<audit_event::Model>, DomainError> {
    if entries.is_empty() {
        return Ok(Vec::new());
    }
    let head = audit_chain_head::Entity::find_by_id(1)
        .lock_exclusive()
        .one(conn)
        .await?
        .ok_or_else(|| DomainError::Internal("audit chain head is missing".into()))?;
    let mut rows = Vec::with_capacity(entries.len());
    let (mut seq, mut hash) = (head.seq, head.hash);
    for entry in entries {
        let row = chained(seq, &hash, who, entry);
        (seq, hash) = (row.seq, row.hash.clone());
        rows.push(row);
    }
    crate::bulk::insert_all::<audit_event::ActiveModel, _>(conn, rows.iter().cloned()).await?;
    audit_chain_head::ActiveModel { id: Set(1), seq: Set(seq), hash: Set(hash) }.update(conn).await?;
    Ok(rows)
}

/// Filters of `GET /audit-events`; the actor's region scope is always added.
#[derive(Debug, Default, Clone)]
pub struct AuditFilter {
    pub actor: Option<String>,
    pub entity_type: Option<String>,
    pub entity_id: Option<String>,
    pub action: Option<String>,
    pub since: Option<DateTime<Utc>>,
    pub until: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(example = json!({"seq": 42, "id": "0192f4a4-7d7e-7c3a-9a53-6f1f3c0b9a11", "occurred_at": "2025-03-01T08:00:00Z", "actor": "0192f4a4-0000-7000-8000-000000000001", "actor_role": "county_officer", "action": "user.created", "entity_type": "user", "entity_id": "0192f4a4-0000-7000-8000-000000000002", "region_code": "640202", "outcome": "success", "request_id": "0192f4a4-0000-7000-8000-000000000003", "detail": {}, "hash": "9f2c…"}))]
pub struct AuditEventView {
    pub seq: i64,
    pub id: String,
    pub occurred_at: DateTime<Utc>,
    pub actor: String,
    pub actor_role: String,
    pub action: String,
    pub entity_type: String,
    pub entity_id: Option<String>,
    pub region_code: String,
    pub outcome: String,
    pub request_id: String,
    pub detail: serde_json::Value,
    pub hash: String,
}

impl From<audit_event::Model> for AuditEventView {
    fn from(m: audit_event::Model) -> Self {
        Self {
            seq: m.seq,
            id: m.id.to_string(),
            occurred_at: m.occurred_at,
            actor: m.actor,
            actor_role: m.actor_role,
            action: m.action,
            entity_type: m.entity_type,
            entity_id: m.entity_id,
            region_code: m.region_code,
            outcome: m.outcome,
            request_id: m.request_id,
            detail: serde_json::from_str(&m.detail).unwrap_or(serde_json::Value::Null),
            hash: m.hash,
        }
    }
}

/// Rows in the actor's region subtree, oldest first, keyset-paged by `seq`.
pub async fn list(
    conn: &impl ConnectionTrait,
    ctx: &Context,
    filter: AuditFilter,
    page: PageRequest,
) -> Result<Page<AuditEventView>, DomainError> {
    let mut query = audit_event::Entity::find().filter(audit_event::Column::RegionCode.like(ctx.actor.region_pattern()));
    if let Some(actor) = filter.actor {
        query = query.filter(audit_event::Column::Actor.eq(actor));
    }
    if let Some(entity_type) = filter.entity_type {
        query = query.filter(audit_event::Column::EntityType.eq(entity_type));
    }
    if let Some(entity_id) = filter.entity_id {
        query = query.filter(audit_event::Column::EntityId.eq(entity_id));
    }
    if let Some(action) = filter.action {
        query = query.filter(audit_event::Column::Action.eq(action));
    }
    if let Some(since) = filter.since {
        query = query.filter(audit_event::Column::OccurredAt.gte(since));
    }
    if let Some(until) = filter.until {
        query = query.filter(audit_event::Column::OccurredAt.lt(until));
    }
    let rows = keyset::<_, i64>(query, audit_event::Column::Seq, &page)?.all(conn).await?;
    Ok(page.into_page(rows, |r| r.seq.to_string()).map(AuditEventView::from))
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
#[schema(example = json!({"valid": true, "checked": 1204, "broken_at_seq": null}))]
pub struct ChainReport {
    /// True when every row links to the one before and the head matches.
    pub valid: bool,
    /// Rows checked.
    pub checked: u64,
    /// The first row whose content or link does not match, if any.
    pub broken_at_seq: Option<i64>,
}

/// Walks the whole chain in `seq` order, recomputing every hash.
pub async fn verify(conn: &impl ConnectionTrait) -> Result<ChainReport, DomainError> {
    const BATCH: u64 = 1000;
    let mut prev_hash = GENESIS_HASH.to_string();
    let mut expected_seq = 1;
    let mut checked = 0;
    loop {
        let rows = audit_event::Entity::find()
            .filter(audit_event::Column::Seq.gte(expected_seq))
            .order_by_asc(audit_event::Column::Seq)
            .limit(BATCH)
            .all(conn)
            .await?;
        let done = (rows.len() as u64) < BATCH;
        for row in rows {
            if row.seq != expected_seq || row.prev_hash != prev_hash || row_hash(&prev_hash, &row) != row.hash {
                return Ok(ChainReport { valid: false, checked, broken_at_seq: Some(row.seq.min(expected_seq)) });
            }
            prev_hash = row.hash;
            expected_seq += 1;
            checked += 1;
        }
        if done {
            break;
        }
    }
    let head = audit_chain_head::Entity::find_by_id(1)
        .one(conn)
        .await?
        .ok_or_else(|| DomainError::Internal("audit chain head is missing".into()))?;
    let valid = head.seq == expected_seq - 1 && head.hash == prev_hash;
    Ok(ChainReport { valid, checked, broken_at_seq: (!valid).then_some(expected_seq) })
}

/// The hash the chain starts from; the migration seeds the head with it.
pub const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";
