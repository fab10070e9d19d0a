//! The audit log: append-only rows, each holding a keyed hash (HMAC-SHA256
//! under a key kept outside the database) of its content and of the row
//! before it, so an edit breaks the chain and whoever can write the
//! database cannot recompute it. Signed checkpoints (count and head) leave
//! the database, and `verify` checks the chain against them, so removing
//! the newest rows is found too. Apart from the one-time re-keying of a
//! plain chain (`adopt_key`), nothing updates or deletes an audit row.

use crate::db::Db;
use crate::entity::{audit_chain_head, audit_event, audit_inbox};
use crate::hash::{hmac_sha256_parts_hex, sha256_hex};
use crate::paging::keyset;
use crate::scope::InScope;
use chrono::{DateTime, SecondsFormat, Utc};
use jiuzhu_core::clock::to_micros;
use jiuzhu_core::{Context, DomainError, Page, PageRequest, id::new_id};
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set};
use serde::{Deserialize, Serialize};
use std::sync::{Arc, RwLock};
use utoipa::ToSchema;

jiuzhu_core::coded_enum! {
    #[schema(as = AuditOutcome)]
    pub enum Outcome as "audit_outcome" {
        Success = "success", "成功", "Success";
        Failure = "failure", "失败", "Failure";
        /// 拒绝（无权限）
        Denied = "denied", "拒绝", "Denied";
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

impl Who {
    /// The operator at the server's command line (`jiuzhu unlock`, `jiuzhu load-regions`).
    pub fn operator(at: DateTime<Utc>) -> Self {
        Who { subject: "operator".into(), role: "operator".into(), request_id: "cli".into(), at }
    }
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

/// The scheme of a plain chain (before keys) and of a keyed one.
pub const PLAIN: &str = "sha256";
pub const KEYED: &str = "hmac-sha256";

/// The chain key of this process, set once at start from configuration.
static CHAIN_KEY: RwLock<Option<Arc<Vec<u8>>>> = RwLock::new(None);

/// Sets the key the chain and its checkpoints are made with.
pub fn use_key(key: &[u8]) {
    if let Ok(mut slot) = CHAIN_KEY.write() {
        *slot = Some(Arc::new(key.to_vec()));
    }
}

fn chain_key() -> Result<Arc<Vec<u8>>, DomainError> {
    CHAIN_KEY.read().ok().and_then(|k| k.clone()).ok_or_else(|| DomainError::Internal("the audit chain key is not set".into()))
}

/// A row's link under `key` (keyed chains) or plain SHA-256 (`None`).
fn row_hash(key: Option<&[u8]>, prev_hash: &str, row: &audit_event::Model) -> String {
    let seq = row.seq.to_string();
    let id = row.id.to_string();
    let at = row.occurred_at.to_rfc3339_opts(SecondsFormat::Micros, true);
    let entity_id = row.entity_id.as_deref().unwrap_or_default();
    let parts: [&[u8]; 13] = [
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
    ];
    match key {
        Some(key) => hmac_sha256_parts_hex(key, &parts),
        None => sha256_hex(&parts),
    }
}

/// A row's link in a plain chain (before keys): what anyone who can read
/// the rows can compute, which is why a chain is re-keyed (`adopt_key`).
pub fn plain_link(prev_hash: &str, row: &audit_event::Model) -> String {
    row_hash(None, prev_hash, row)
}

/// Reads the chain in `seq` order a batch at a time, checking each row's
/// sequence number and link under the chain's scheme.
struct ChainWalk<'k> {
    key: Option<&'k [u8]>,
    prev_hash: String,
    next_seq: i64,
}

/// What the next step of a walk found.
enum Step {
    /// Rows whose links hold, in order.
    Linked(Vec<audit_event::Model>),
    /// The first row (by `seq`) whose content or link does not hold.
    Broken(i64),
    End,
}

impl<'k> ChainWalk<'k> {
    const BATCH: u64 = 1000;

    fn new(key: Option<&'k [u8]>) -> Self {
        Self { key, prev_hash: GENESIS_HASH.to_string(), next_seq: 1 }
    }

    async fn step(&mut self, conn: &impl ConnectionTrait) -> Result<Step, DomainError> {
        let rows = audit_event::Entity::find()
            .filter(audit_event::Column::Seq.gte(self.next_seq))
            .order_by_asc(audit_event::Column::Seq)
            .limit(Self::BATCH)
            .all(conn)
            .await?;
        if rows.is_empty() {
            return Ok(Step::End);
        }
        for row in &rows {
            if row.seq != self.next_seq || row.prev_hash != self.prev_hash || row_hash(self.key, &self.prev_hash, row) != row.hash {
                return Ok(Step::Broken(row.seq.min(self.next_seq)));
            }
            self.prev_hash.clone_from(&row.hash);
            self.next_seq += 1;
        }
        Ok(Step::Linked(rows))
    }

    /// Whether the head names the last row walked.
    fn ends_at(&self, head: &audit_chain_head::Model) -> bool {
        head.seq == self.next_seq - 1 && head.hash == self.prev_hash
    }
}

/// The row that follows `prev` in the chain: its sequence number and hash.
fn chained(key: &[u8], prev_seq: i64, prev_hash: &str, pending: audit_inbox::Model) -> audit_event::Model {
    let mut row = audit_event::Model {
        seq: prev_seq + 1,
        id: pending.id,
        occurred_at: pending.occurred_at,
        actor: pending.actor,
        actor_role: pending.actor_role,
        action: pending.action,
        entity_type: pending.entity_type,
        entity_id: pending.entity_id,
        region_code: pending.region_code,
        outcome: pending.outcome,
        request_id: pending.request_id,
        detail: pending.detail,
        prev_hash: prev_hash.to_string(),
        hash: String::new(),
    };
    row.hash = row_hash(Some(key), prev_hash, &row);
    row
}

pub(crate) fn pending(who: &Who, entry: Entry) -> audit_inbox::ActiveModel {
    audit_inbox::ActiveModel {
        entry: sea_orm::ActiveValue::NotSet,
        id: Set(new_id()),
        occurred_at: Set(to_micros(who.at)),
        actor: Set(who.subject.clone()),
        actor_role: Set(who.role.clone()),
        action: Set(entry.action),
        entity_type: Set(entry.entity_type),
        entity_id: Set(entry.entity_id),
        region_code: Set(entry.region_code),
        outcome: Set(entry.outcome.code().to_string()),
        request_id: Set(who.request_id.clone()),
        detail: Set(entry.detail.to_string()),
    }
}

/// Appends a row, in the caller's transaction.
pub async fn append(conn: &impl ConnectionTrait, who: &Who, entry: Entry) -> Result<(), DomainError> {
    append_all(conn, who, vec![entry]).await
}

/// Appends rows in order, in the caller's transaction, with multi-row
/// inserts into the inbox. No lock is taken: the relay chains them after
/// they commit (`chain_pending`), in the order they were written.
pub async fn append_all(conn: &impl ConnectionTrait, who: &Who, entries: Vec<Entry>) -> Result<(), DomainError> {
    crate::bulk::insert_all::<audit_inbox::ActiveModel, _>(conn, entries.into_iter().map(|entry| pending(who, entry))).await
}

/// Chains up to `limit` committed inbox rows, oldest entry first, onto the
/// head: each gets the next `seq` and its keyed link, moves into
/// `audit_events`, and leaves the inbox. Run by the relay alone (under
/// `ClusterLock::Relay`); returns how many rows were chained.
pub async fn chain_pending(conn: &impl ConnectionTrait, limit: u64) -> Result<usize, DomainError> {
    let waiting = audit_inbox::Entity::find().order_by_asc(audit_inbox::Column::Entry).limit(limit).all(conn).await?;
    if waiting.is_empty() {
        return Ok(0);
    }
    // Exactly the rows read: a row committed since this read stays for the next pass.
    let moved: Vec<i64> = waiting.iter().map(|row| row.entry).collect();
    let head = audit_chain_head::Entity::find_by_id(1)
        .lock_exclusive()
        .one(conn)
        .await?
        .ok_or_else(|| DomainError::Internal("audit chain head is missing".into()))?;
    let key = chain_key()?;
    let mut rows = Vec::with_capacity(moved.len());
    let (mut seq, mut hash) = (head.seq, head.hash);
    for waiting_row in waiting {
        let row = chained(&key, seq, &hash, waiting_row);
        (seq, hash) = (row.seq, row.hash.clone());
        rows.push(row);
    }
    crate::bulk::insert_all::<audit_event::ActiveModel, _>(conn, rows).await?;
    let count = moved.len();
    audit_inbox::Entity::delete_many().filter(audit_inbox::Column::Entry.is_in(moved)).exec(conn).await?;
    audit_chain_head::ActiveModel { id: Set(1), seq: Set(seq), hash: Set(hash), scheme: sea_orm::ActiveValue::NotSet }.update(conn).await?;
    Ok(count)
}

/// How many rows `actor` wrote with `action` (and `entity_id`, when given)
/// after `since`, chained or still waiting for the relay: for allowances
/// counted in the audit log (denials, answers about records out of scope).
pub async fn count_recent(
    conn: &impl ConnectionTrait,
    actor: &str,
    action: &str,
    entity_id: Option<&str>,
    since: DateTime<Utc>,
) -> Result<u64, DomainError> {
    let mut chained = audit_event::Entity::find()
        .filter(audit_event::Column::Actor.eq(actor))
        .filter(audit_event::Column::Action.eq(action))
        .filter(audit_event::Column::OccurredAt.gt(since));
    let mut waiting = audit_inbox::Entity::find()
        .filter(audit_inbox::Column::Actor.eq(actor))
        .filter(audit_inbox::Column::Action.eq(action))
        .filter(audit_inbox::Column::OccurredAt.gt(since));
    if let Some(entity_id) = entity_id {
        chained = chained.filter(audit_event::Column::EntityId.eq(entity_id));
        waiting = waiting.filter(audit_inbox::Column::EntityId.eq(entity_id));
    }
    // Both counts in one statement, so one snapshot: a row the relay moves
    // from the inbox to the chain meanwhile is counted once, in either.
    use sea_orm::sea_query::{Expr, ExprTrait, Query};
    use sea_orm::{QuerySelect, QueryTrait};
    let count = |rows: sea_orm::sea_query::SelectStatement| Expr::from(rows);
    let waiting = waiting.select_only().expr(Expr::cust("COUNT(*)")).into_query();
    let chained = chained.select_only().expr(Expr::cust("COUNT(*)")).into_query();
    let both = Query::select().expr_as(count(waiting).add(count(chained)), "n").to_owned();
    let row = conn.query_one(&both).await?.ok_or_else(|| DomainError::Internal("a count answered no row".into()))?;
    let n: i64 = row.try_get("", "n")?;
    Ok(u64::try_from(n).unwrap_or(0))
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
    pub outcome: Outcome,
    pub request_id: String,
    pub detail: serde_json::Value,
    pub hash: String,
}

impl TryFrom<audit_event::Model> for AuditEventView {
    type Error = DomainError;

    fn try_from(m: audit_event::Model) -> Result<Self, DomainError> {
        Ok(Self {
            seq: m.seq,
            id: m.id.to_string(),
            occurred_at: m.occurred_at,
            actor: m.actor,
            actor_role: m.actor_role,
            action: m.action,
            entity_type: m.entity_type,
            entity_id: m.entity_id,
            region_code: m.region_code,
            outcome: jiuzhu_core::codes::parse_code(&m.outcome)?,
            request_id: m.request_id,
            detail: jiuzhu_core::stored_json::from_column("audit_events.detail", &m.detail)?,
            hash: m.hash,
        })
    }
}

/// Rows in the actor's region subtree, oldest first, keyset-paged by `seq`.
pub async fn list(
    conn: &impl ConnectionTrait,
    ctx: &Context,
    filter: AuditFilter,
    page: PageRequest,
) -> Result<Page<AuditEventView>, DomainError> {
    let mut query = audit_event::Entity::find().in_scope(&ctx.actor);
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
    page.into_page(rows, |r| r.seq.to_string()).try_map(AuditEventView::try_from)
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
#[schema(example = json!({"valid": true, "checked": 1204, "checkpoints_checked": 20, "broken_at_seq": null, "problem": null}))]
pub struct ChainReport {
    /// True when every row links to the one before under the key, the head
    /// matches, and every checkpoint is signed and matches the chain.
    pub valid: bool,
    /// Rows checked.
    pub checked: u64,
    /// Signed checkpoints the chain was compared with.
    pub checkpoints_checked: u64,
    /// The first row whose content or link does not match, or the
    /// checkpoint's row that is missing or differs, if any.
    pub broken_at_seq: Option<i64>,
    /// What was found, when the chain is not valid.
    pub problem: Option<String>,
}

/// A signed statement that the chain had `seq` rows ending in `hash` at
/// `at`; written outside the database (a file and the log), so that rows
/// removed or rewritten later are found against it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Checkpoint {
    pub seq: i64,
    pub hash: String,
    pub at: DateTime<Utc>,
    /// HMAC-SHA256 under the chain key of `seq`, `hash` and `at`.
    pub mac: String,
}

fn checkpoint_mac(key: &[u8], seq: i64, hash: &str, at: DateTime<Utc>) -> String {
    let at = at.to_rfc3339_opts(SecondsFormat::Micros, true);
    hmac_sha256_parts_hex(key, &[b"jiuzhu-audit-checkpoint", seq.to_string().as_bytes(), hash.as_bytes(), at.as_bytes()])
}

impl Checkpoint {
    pub fn signature_holds(&self) -> Result<bool, DomainError> {
        Ok(checkpoint_mac(&chain_key()?, self.seq, &self.hash, self.at) == self.mac)
    }
}

/// The chain's head now, signed.
pub async fn checkpoint(conn: &impl ConnectionTrait, now: DateTime<Utc>) -> Result<Checkpoint, DomainError> {
    let head = head(conn).await?;
    let at = to_micros(now);
    Ok(Checkpoint { mac: checkpoint_mac(&chain_key()?, head.seq, &head.hash, at), seq: head.seq, hash: head.hash, at })
}

async fn head(conn: &impl ConnectionTrait) -> Result<audit_chain_head::Model, DomainError> {
    audit_chain_head::Entity::find_by_id(1).one(conn).await?.ok_or_else(|| DomainError::Internal("audit chain head is missing".into()))
}

/// Walks the whole chain in `seq` order, recomputing every link under the
/// key, then compares it with each signed checkpoint.
pub async fn verify(conn: &impl ConnectionTrait, checkpoints: &[Checkpoint]) -> Result<ChainReport, DomainError> {
    let head = head(conn).await?;
    let key = chain_key()?;
    let key = (head.scheme == KEYED).then_some(key.as_slice());
    let broken = |checked, seq, problem: &str| ChainReport {
        valid: false,
        checked,
        checkpoints_checked: 0,
        broken_at_seq: Some(seq),
        problem: Some(problem.to_string()),
    };
    let mut walk = ChainWalk::new(key);
    let mut checked = 0;
    let mut hash_at: std::collections::HashMap<i64, String> = std::collections::HashMap::new();
    let wanted: std::collections::HashSet<i64> = checkpoints.iter().map(|c| c.seq).collect();
    loop {
        match walk.step(conn).await? {
            Step::End => break,
            Step::Broken(seq) => return Ok(broken(checked, seq, "a row's content or link does not match its hash")),
            Step::Linked(rows) => {
                checked += rows.len() as u64;
                hash_at.extend(rows.into_iter().filter(|row| wanted.contains(&row.seq)).map(|row| (row.seq, row.hash)));
            }
        }
    }
    if !walk.ends_at(&head) {
        return Ok(broken(checked, walk.next_seq, "the chain head does not name the last row"));
    }
    for checkpoint in checkpoints {
        if !checkpoint.signature_holds()? {
            return Ok(broken(checked, checkpoint.seq, "a checkpoint's signature does not hold"));
        }
        let matches = checkpoint.seq == 0 && checkpoint.hash == GENESIS_HASH || hash_at.get(&checkpoint.seq) == Some(&checkpoint.hash);
        if !matches {
            let problem = if checkpoint.seq > head.seq {
                "rows were removed: the chain is shorter than a checkpoint"
            } else {
                "a row differs from its checkpoint"
            };
            return Ok(broken(checked, checkpoint.seq, problem));
        }
    }
    if key.is_none() && checked > 0 {
        return Ok(broken(checked, 1, "the chain is not keyed"));
    }
    Ok(ChainReport { valid: true, checked, checkpoints_checked: checkpoints.len() as u64, broken_at_seq: None, problem: None })
}

/// Makes the chain keyed: a plain chain (from before keys) is verified and
/// re-linked under the key once, in one transaction; a chain that does not
/// verify is left as it is and refused, as it may have been tampered with.
pub async fn adopt_key(db: &Db) -> Result<(), DomainError> {
    let key = chain_key()?;
    let txn = db.begin_write().await?;
    let head = audit_chain_head::Entity::find_by_id(1)
        .lock_exclusive()
        .one(&*txn)
        .await?
        .ok_or_else(|| DomainError::Internal("audit chain head is missing".into()))?;
    if head.scheme == KEYED {
        txn.commit().await?;
        return Ok(());
    }
    let mut walk = ChainWalk::new(None);
    let mut keyed_prev = GENESIS_HASH.to_string();
    loop {
        let rows = match walk.step(&*txn).await? {
            Step::End => break,
            Step::Broken(seq) => return Err(DomainError::Internal(format!("the audit chain is broken at seq {seq}; it is not re-keyed"))),
            Step::Linked(rows) => rows,
        };
        for row in rows {
            let keyed = row_hash(Some(&key), &keyed_prev, &row);
            let mut model: audit_event::ActiveModel = row.into();
            model.prev_hash = Set(keyed_prev.clone());
            model.hash = Set(keyed.clone());
            model.update(&*txn).await?;
            keyed_prev = keyed;
        }
    }
    if !walk.ends_at(&head) {
        return Err(DomainError::Internal("the audit chain head does not name the last row; it is not re-keyed".into()));
    }
    audit_chain_head::ActiveModel { id: Set(1), seq: Set(head.seq), hash: Set(keyed_prev), scheme: Set(KEYED.to_string()) }
        .update(&*txn)
        .await?;
    txn.commit().await?;
    Ok(())
}

/// The hash the chain starts from; the migration seeds the head with it.
pub const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";
