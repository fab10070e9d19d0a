//! Answers that tell a caller a record exists outside its area, such as an
//! ID number already on the list in another county. The answer stays (the
//! lists must stay free of duplicates) but carries no detail, is audited,
//! and is given at most `ANSWERS_PER_DAY` times a day to one account, so
//! nobody probes the list through it.

use crate::audit::{Entry, Outcome, Who};
use crate::db::Db;
use crate::record::audit_alone;
use jiuzhu_core::{Context, DomainError};

/// Answers about records elsewhere one account gets a day.
pub const ANSWERS_PER_DAY: u64 = 20;
const ACTION: &str = "duplicate.outside_scope";

/// The conflicts that say a person is on a list, somewhere.
const REGISTERED: [&str; 2] = ["id_number_registered", "volunteer_registered"];

/// Whether a use case's failure says a record exists that the caller
/// cannot see (such a conflict names no existing record).
fn outside_scope(error: &DomainError) -> bool {
    matches!(error, DomainError::Conflict { code, existing_id: None, .. } if REGISTERED.contains(code))
}

/// Passes `error` on; a conflict with a record outside the caller's area
/// is audited first, and past the day's allowance answers 429 instead.
/// Call it after the failed use case's transaction is gone.
pub async fn screened(db: &Db, ctx: &Context, entity_type: &str, error: DomainError) -> DomainError {
    if !outside_scope(&error) {
        return error;
    }
    let since = ctx.now - chrono::Duration::hours(24);
    let given = crate::audit::count_recent(db.conn(), &ctx.actor.subject, ACTION, None, since).await;
    match given {
        Ok(given) if given >= ANSWERS_PER_DAY => return DomainError::TooManyRequests { retry_after_secs: 3600 },
        Ok(_) => {}
        Err(e) => return e,
    }
    let entry = Entry {
        action: ACTION.into(),
        entity_type: entity_type.into(),
        entity_id: None,
        region_code: ctx.actor.region.to_string(),
        outcome: Outcome::Failure,
        detail: serde_json::json!({"allowance_per_day": ANSWERS_PER_DAY}),
    };
    match audit_alone(db, &Who::from(ctx), entry).await {
        Ok(()) => error,
        Err(e) => e,
    }
}
