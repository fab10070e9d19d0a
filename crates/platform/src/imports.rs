//! Import jobs: the generic part of bulk exchange. A job counts rows as they
//! are processed (created, updated, unchanged, failed) and keeps each bad
//! row's line, field and code. The domain that owns a kind supplies the row
//! handling. A job is visible to the caller that started it.

use crate::db::Db;
use crate::entity::{import_error, import_job};
use chrono::{DateTime, Utc};
use jiuzhu_core::codes::{code_of, parse_code};
use jiuzhu_core::{Context, DomainError, FieldError, Page, PageRequest, id::new_id};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

/// What happened to one row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RowOutcome {
    Created,
    Updated,
    Unchanged,
}

jiuzhu_core::coded_enum! {
    /// What the rows of an import are.
    pub enum ImportKind as "import_kind" {
        Beneficiaries = "beneficiaries", "服务对象清单", "Beneficiaries";
    }
}

jiuzhu_core::coded_enum! {
    /// The two upload formats.
    pub enum ImportFormat as "import_format" {
        Ndjson = "ndjson", "NDJSON（每行一个JSON对象）", "NDJSON (one JSON object a line)";
        Csv = "csv", "CSV（首行为表头）", "CSV (a header line first)";
    }
}

jiuzhu_core::coded_enum! {
    /// Where an import job stands.
    pub enum JobStatus as "job_status" {
        Queued = "queued", "排队中", "Queued";
        Running = "running", "导入中", "Running";
        Completed = "completed", "已完成", "Completed";
        Failed = "failed", "已失败", "Failed";
    }
}

#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(example = json!({"id": "0192f4a4-7d7e-7c3a-9a53-6f1f3c0b9a30", "kind": "beneficiaries", "format": "ndjson", "status": "completed", "total": 1000, "processed": 1000, "succeeded": 997, "created": 997, "updated": 0, "unchanged": 0, "failed": 3, "created_at": "2025-03-01T08:00:00Z", "finished_at": "2025-03-01T08:00:09Z"}))]
pub struct JobView {
    pub id: Uuid,
    pub kind: ImportKind,
    pub format: ImportFormat,
    pub status: JobStatus,
    /// Data rows in the file.
    pub total: i64,
    pub processed: i64,
    /// Rows that landed or were already there: created + updated + unchanged.
    pub succeeded: i64,
    pub created: i64,
    pub updated: i64,
    pub unchanged: i64,
    pub failed: i64,
    pub created_at: DateTime<Utc>,
    pub finished_at: Option<DateTime<Utc>>,
}

impl TryFrom<import_job::Model> for JobView {
    type Error = DomainError;

    fn try_from(m: import_job::Model) -> Result<Self, DomainError> {
        Ok(Self {
            id: m.id,
            kind: parse_code(&m.kind)?,
            format: parse_code(&m.format)?,
            status: parse_code(&m.status)?,
            total: m.total,
            processed: m.processed,
            succeeded: m.created + m.updated + m.unchanged,
            created: m.created,
            updated: m.updated,
            unchanged: m.unchanged,
            failed: m.failed,
            created_at: m.created_at,
            finished_at: m.finished_at,
        })
    }
}

#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(example = json!({"line": 17, "field": "id_number", "code": "citizen_id_checksum", "message": "check digit should be X"}))]
pub struct RowError {
    /// 1-based line in the uploaded file (the CSV header is line 1).
    pub line: i64,
    pub field: String,
    pub code: String,
    pub message: String,
}

pub async fn create_job(db: &Db, ctx: &Context, kind: ImportKind, format: ImportFormat) -> Result<import_job::Model, DomainError> {
    let txn = db.begin_write().await?;
    let job = import_job::ActiveModel {
        id: Set(new_id()),
        kind: Set(code_of(kind)),
        format: Set(code_of(format)),
        owner: Set(ctx.actor.subject.clone()),
        status: Set(code_of(JobStatus::Queued)),
        total: Set(0),
        processed: Set(0),
        created: Set(0),
        updated: Set(0),
        unchanged: Set(0),
        failed: Set(0),
        created_at: Set(ctx.now),
        finished_at: Set(None),
        heartbeat_at: Set(Some(ctx.now)),
    }
    .insert(&*txn)
    .await?;
    crate::record::record(
        &*txn,
        ctx,
        crate::record::Change::audited("import.started", "import_job", job.id, ctx.actor.region.as_str())
            .with_detail(serde_json::json!({"kind": kind, "format": format})),
    )
    .await?;
    txn.commit().await?;
    Ok(job)
}

/// Running totals of a job, written after each batch.
#[derive(Debug, Default, Clone, Copy)]
pub struct Tally {
    pub total: i64,
    pub processed: i64,
    pub created: i64,
    pub updated: i64,
    pub unchanged: i64,
    pub failed: i64,
}

impl Tally {
    pub fn count(&mut self, outcome: &Result<RowOutcome, Vec<FieldError>>) {
        self.processed += 1;
        match outcome {
            Ok(RowOutcome::Created) => self.created += 1,
            Ok(RowOutcome::Updated) => self.updated += 1,
            Ok(RowOutcome::Unchanged) => self.unchanged += 1,
            Err(_) => self.failed += 1,
        }
    }
}

/// A job still being worked on; only these take progress, beats and failure.
const LIVE: [JobStatus; 2] = [JobStatus::Queued, JobStatus::Running];

/// An update of `job` that applies only while the job is live.
fn while_live(job: Uuid) -> sea_orm::UpdateMany<import_job::Entity> {
    import_job::Entity::update_many()
        .filter(import_job::Column::Id.eq(job))
        .filter(import_job::Column::Status.is_in(LIVE.map(JobStatus::code)))
}

/// Fails `job` (status and finish time only: its counts stay) if it is
/// live and `still` holds; true when it did.
async fn fail_live(
    conn: &impl sea_orm::ConnectionTrait,
    job: Uuid,
    now: DateTime<Utc>,
    still: sea_orm::Condition,
) -> Result<bool, DomainError> {
    let failed = while_live(job)
        .col_expr(import_job::Column::Status, Expr::value(JobStatus::Failed.code()))
        .col_expr(import_job::Column::FinishedAt, Expr::value(Some(now)))
        .filter(still)
        .exec(conn)
        .await?
        .rows_affected;
    Ok(failed == 1)
}

/// The job was failed (by housekeeping, after its heartbeat went silent)
/// while this node was still at it: the run stops and writes nothing more.
fn no_longer_live(job: Uuid) -> DomainError {
    DomainError::Conflict {
        code: "import_no_longer_running",
        message: format!("import job {job} is no longer running; it was marked failed"),
        existing_id: Some(job.to_string()),
    }
}

/// Saves progress and the batch's row errors in one transaction; `now`
/// is the job's heartbeat. Only a live job takes it: once a job has been
/// failed, its counts stay as they were, and the run gets
/// `import_no_longer_running` and stops.
pub async fn save_progress(
    db: &Db,
    job: Uuid,
    status: JobStatus,
    tally: Tally,
    errors: Vec<(i64, FieldError)>,
    now: DateTime<Utc>,
    finished: Option<DateTime<Utc>>,
) -> Result<(), DomainError> {
    let txn = db.begin_write().await?;
    let saved = while_live(job)
        .col_expr(import_job::Column::Status, Expr::value(status.code()))
        .col_expr(import_job::Column::Total, Expr::value(tally.total))
        .col_expr(import_job::Column::Processed, Expr::value(tally.processed))
        .col_expr(import_job::Column::Created, Expr::value(tally.created))
        .col_expr(import_job::Column::Updated, Expr::value(tally.updated))
        .col_expr(import_job::Column::Unchanged, Expr::value(tally.unchanged))
        .col_expr(import_job::Column::Failed, Expr::value(tally.failed))
        .col_expr(import_job::Column::FinishedAt, Expr::value(finished))
        .col_expr(import_job::Column::HeartbeatAt, Expr::value(Some(now)))
        .exec(&*txn)
        .await?
        .rows_affected;
    if saved == 0 {
        return Err(no_longer_live(job));
    }
    crate::bulk::insert_all(&*txn, errors.into_iter().map(|(line, e)| row_error(job, line, &e.field, &e.code, e.message))).await?;
    txn.commit().await?;
    Ok(())
}

fn row_error(job: Uuid, line: i64, field: &str, code: &str, message: String) -> import_error::ActiveModel {
    import_error::ActiveModel {
        id: Set(new_id()),
        job_id: Set(job),
        line: Set(line),
        field: Set(field.chars().take(100).collect()),
        code: Set(code.chars().take(64).collect()),
        message: Set(message),
    }
}

/// Tells housekeeping that the node running `job` is alive, also while a
/// batch waits on a lock; the route beats every `HEARTBEAT_EVERY`.
pub async fn beat(db: &Db, job: Uuid, now: DateTime<Utc>) -> Result<(), DomainError> {
    // Through the write gate like every write: on SQLite a write beside the
    // gate would make the import's own next write fail as busy.
    let txn = db.begin_write().await?;
    while_live(job).col_expr(import_job::Column::HeartbeatAt, Expr::value(Some(now))).exec(&*txn).await?;
    txn.commit().await?;
    Ok(())
}

/// How often a running import beats; housekeeping's silence limit
/// (`import_abandoned_after_secs`) is at least three beats.
pub const HEARTBEAT_EVERY: std::time::Duration = std::time::Duration::from_secs(1);

/// Fails a live job with a row error saying why, keeping the counts it
/// reached: for a run that stopped on an error. A job already failed or
/// finished is left as it is.
pub async fn fail(db: &Db, job: Uuid, message: String, now: DateTime<Utc>) -> Result<(), DomainError> {
    let txn = db.begin_write().await?;
    if fail_live(&*txn, job, now, sea_orm::Condition::all()).await? {
        row_error(job, 0, "", "import_failed", message).insert(&*txn).await?;
    }
    txn.commit().await?;
    Ok(())
}

/// Marks queued or running jobs whose heartbeat is older than `stale`
/// (their server died: a live job beats every `HEARTBEAT_EVERY`) as failed,
/// with a row error saying why. Each is failed by compare-and-set on the
/// heartbeat it was read with, so a job whose node beat meanwhile is left
/// alone; its counts are kept. Every batch commits its rows and its
/// progress together, so the rows that landed are whole and re-running the
/// file converges (unchanged rows stay unchanged). Returns how many jobs
/// were failed.
pub async fn fail_abandoned(db: &Db, now: DateTime<Utc>, stale: std::time::Duration) -> Result<usize, DomainError> {
    let cutoff = now - chrono::Duration::from_std(stale).unwrap_or(chrono::Duration::minutes(2));
    let stale = sea_orm::Condition::any()
        .add(import_job::Column::HeartbeatAt.lt(cutoff))
        .add(sea_orm::Condition::all().add(import_job::Column::HeartbeatAt.is_null()).add(import_job::Column::CreatedAt.lt(cutoff)));
    let abandoned =
        import_job::Entity::find().filter(import_job::Column::Status.is_in(LIVE.map(JobStatus::code))).filter(stale).all(db.conn()).await?;
    let mut failed = 0;
    for job in &abandoned {
        let txn = db.begin_write().await?;
        let same_heartbeat = match job.heartbeat_at {
            Some(at) => import_job::Column::HeartbeatAt.eq(at),
            None => import_job::Column::HeartbeatAt.is_null(),
        };
        if !fail_live(&*txn, job.id, now, sea_orm::Condition::all().add(same_heartbeat)).await? {
            txn.commit().await?;
            continue;
        }
        let message = format!(
            "the server stopped after {} of {} rows; rows already imported are complete. Upload the file again: they stay unchanged and the rest are added",
            job.processed, job.total
        );
        row_error(job.id, 0, "", "interrupted", message).insert(&*txn).await?;
        txn.commit().await?;
        failed += 1;
        tracing::warn!(job = %job.id, processed = job.processed, total = job.total, "import job abandoned by a stopped server marked failed");
    }
    Ok(failed)
}

async fn owned(db: &Db, ctx: &Context, id: Uuid) -> Result<import_job::Model, DomainError> {
    import_job::Entity::find_by_id(id)
        .filter(import_job::Column::Owner.eq(ctx.actor.subject.as_str()))
        .one(db.conn())
        .await?
        .ok_or(DomainError::NotFound)
}

pub async fn get(db: &Db, ctx: &Context, id: Uuid) -> Result<JobView, DomainError> {
    owned(db, ctx, id).await?.try_into()
}

pub async fn errors(db: &Db, ctx: &Context, id: Uuid, page: PageRequest) -> Result<Page<RowError>, DomainError> {
    owned(db, ctx, id).await?;
    let mut query = import_error::Entity::find().filter(import_error::Column::JobId.eq(id));
    if let Some(after) = &page.after {
        let (line, row_id) = after
            .key()
            .split_once('/')
            .ok_or_else(|| DomainError::field("cursor", "cursor_invalid", "cursor is not one this list issued"))?;
        let line: i64 = line.parse().map_err(|_| DomainError::field("cursor", "cursor_invalid", "cursor is not one this list issued"))?;
        let row_id: Uuid =
            row_id.parse().map_err(|_| DomainError::field("cursor", "cursor_invalid", "cursor is not one this list issued"))?;
        query = query
            .filter(import_error::Column::Line.gt(line).or(import_error::Column::Line.eq(line).and(import_error::Column::Id.gt(row_id))));
    }
    let rows = query
        .order_by_asc(import_error::Column::Line)
        .order_by_asc(import_error::Column::Id)
        .limit(page.fetch_limit())
        .all(db.conn())
        .await?;
    Ok(page.into_page(rows, |r| format!("{}/{}", r.line, r.id)).map(|r| RowError {
        line: r.line,
        field: r.field,
        code: r.code,
        message: r.message,
    }))
}
