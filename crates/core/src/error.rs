//! `DomainError`: the one error type of every use case. The api crate maps
//! each variant to a problem response in a single table.

use serde::Serialize;
use utoipa::ToSchema;

/// One invalid field of a request, reported in a problem's `errors[]`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
#[schema(example = json!({"field": "id_number", "code": "citizen_id_checksum", "message": "check digit should be X"}))]
pub struct FieldError {
    /// The field's path in the request, e.g. `members[2].name` or `limit`.
    pub field: String,
    /// A stable machine-readable reason.
    pub code: String,
    /// A human-readable explanation in English.
    pub message: String,
}

impl FieldError {
    pub fn new(field: impl Into<String>, code: impl Into<String>, message: impl Into<String>) -> Self {
        Self { field: field.into(), code: code.into(), message: message.into() }
    }
}

/// Everything that can go wrong in a use case, without any HTTP knowledge.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DomainError {
    /// Input fields break their own rules (422).
    #[error("{} field(s) are invalid", .0.len())]
    Validation(Vec<FieldError>),
    /// Well-formed input that breaks a business rule (422), with a stable code.
    #[error("{message}")]
    Rule { code: &'static str, message: String },
    /// A broken rule whose figures the caller needs to fix the request (422),
    /// e.g. the cap, the committed amount and the request.
    #[error("{message}")]
    RuleWithDetails { code: &'static str, message: String, details: serde_json::Value },
    /// Missing, or outside the caller's scope (404). Never says which.
    #[error("not found")]
    NotFound,
    /// No or bad credentials (401).
    #[error("{0}")]
    Unauthenticated(String),
    /// Authenticated, but the role lacks the permission (403).
    #[error("permission {permission} is required")]
    Forbidden { permission: String },
    /// Duplicate, or an action not allowed in the current state (409).
    #[error("{message}")]
    Conflict { code: &'static str, message: String, existing_id: Option<String> },
    /// An update or action came without `If-Match` (428).
    #[error("If-Match is required")]
    PreconditionRequired,
    /// `If-Match` names a version that is no longer current (412).
    #[error("the record has changed: current version is {current}")]
    PreconditionFailed { current: i64 },
    /// Too many attempts (429).
    #[error("too many requests; retry after {retry_after_secs} s")]
    TooManyRequests { retry_after_secs: u64 },
    /// The database cannot be reached (503): the pool has no connection or
    /// the connection broke. The text goes to the log only.
    #[error("the database is unavailable: {0}")]
    DatabaseUnavailable(String),
    /// A bug or an infrastructure failure (500). The text goes to the log only.
    #[error("internal error: {0}")]
    Internal(String),
}

impl DomainError {
    /// A single-field validation failure.
    pub fn field(field: impl Into<String>, code: impl Into<String>, message: impl Into<String>) -> Self {
        Self::Validation(vec![FieldError::new(field, code, message)])
    }

    pub fn rule(code: &'static str, message: impl Into<String>) -> Self {
        Self::Rule { code, message: message.into() }
    }

    pub fn conflict(code: &'static str, message: impl Into<String>) -> Self {
        Self::Conflict { code, message: message.into(), existing_id: None }
    }

    /// A step the record's state does not allow (409 `invalid_transition`),
    /// saying the state found and the step refused, e.g. "the project is
    /// in_service, so it cannot be awarded".
    pub fn invalid_transition(record: &str, status: &str, step: &str) -> Self {
        Self::conflict(
            "invalid_transition",
            format!("the {record} is {status}, so it cannot {step}; read it again for its current state and what it allows"),
        )
    }
}

/// The reason a write transaction was refused because another request holds
/// its `Idempotency-Key` (the platform's idempotency claim).
pub const KEY_HELD_ELSEWHERE: &str = "idempotency key held by another request";

impl From<sea_orm::DbErr> for DomainError {
    /// A lost or unobtainable connection is an outage (503, try again); a
    /// unique key violated by a concurrent write is a conflict (409
    /// `already_exists`: another request made the same record first; read
    /// it); any other database error is a bug (500). This is the one place
    /// unique violations are mapped.
    fn from(err: sea_orm::DbErr) -> Self {
        use sea_orm::sqlx::Error as Sqlx;
        use sea_orm::{DbErr, RuntimeErr, SqlErr};
        if matches!(&err, DbErr::Custom(reason) if reason == KEY_HELD_ELSEWHERE) {
            return Self::conflict("idempotency_key_in_flight", "a request with this Idempotency-Key is still being processed");
        }
        if let Some(SqlErr::UniqueConstraintViolation(_)) = err.sql_err() {
            return Self::Conflict {
                code: "already_exists",
                message: "a record with these values was just made by another request; read it, or retry".into(),
                existing_id: None,
            };
        }
        let outage = match &err {
            DbErr::ConnectionAcquire(_) | DbErr::Conn(_) => true,
            DbErr::Exec(RuntimeErr::SqlxError(e)) | DbErr::Query(RuntimeErr::SqlxError(e)) => match e.as_ref() {
                Sqlx::Io(_) | Sqlx::PoolTimedOut | Sqlx::PoolClosed | Sqlx::WorkerCrashed => true,
                Sqlx::Database(db) => db.code().is_some_and(|code| is_outage_sqlstate(&code)),
                _ => false,
            },
            _ => false,
        };
        if outage { Self::DatabaseUnavailable(err.to_string()) } else { Self::Internal(format!("database: {err}")) }
    }
}

/// PostgreSQL error codes that mean "this server cannot take the request
/// now", not "the request is wrong": a standby or a demoted primary during
/// failover (25006 read-only transaction), a server shutting down or
/// starting (57P01–57P03), a broken connection (class 08), and exhausted
/// resources such as connections (class 53).
fn is_outage_sqlstate(code: &str) -> bool {
    code == "25006" || code.starts_with("57P") || code.starts_with("08") || code.starts_with("53")
}

impl From<validator::ValidationErrors> for DomainError {
    fn from(errors: validator::ValidationErrors) -> Self {
        let mut fields = Vec::new();
        flatten_validation("", &errors, &mut fields);
        fields.sort_by(|a, b| a.field.cmp(&b.field));
        Self::Validation(fields)
    }
}

fn flatten_validation(prefix: &str, errors: &validator::ValidationErrors, out: &mut Vec<FieldError>) {
    use validator::ValidationErrorsKind as Kind;
    for (name, kind) in errors.errors() {
        let path = if prefix.is_empty() { name.to_string() } else { format!("{prefix}.{name}") };
        match kind {
            Kind::Field(list) => out.extend(list.iter().map(|e| {
                let message = e.message.as_ref().map(|m| m.to_string()).unwrap_or_else(|| describe(e));
                FieldError::new(path.clone(), e.code.to_string(), message)
            })),
            Kind::Struct(inner) => flatten_validation(&path, inner, out),
            Kind::List(items) => {
                for (index, inner) in items {
                    flatten_validation(&format!("{path}[{index}]"), inner, out);
                }
            }
        }
    }
}

fn describe(error: &validator::ValidationError) -> String {
    let params: Vec<String> = error.params.iter().filter(|(k, _)| *k != "value").map(|(k, v)| format!("{k} {v}")).collect();
    if params.is_empty() {
        format!("failed the {} check", error.code)
    } else {
        format!("failed the {} check ({})", error.code, params.join(", "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_invalid_transition_names_the_state_and_the_step() {
        let DomainError::Conflict { code, message, .. } = DomainError::invalid_transition("project", "in_service", "be awarded") else {
            panic!()
        };
        assert_eq!(code, "invalid_transition");
        assert!(message.starts_with("the project is in_service, so it cannot be awarded"), "{message}");
    }
    use validator::Validate;

    #[test]
    fn failover_and_shutdown_codes_are_outages_and_others_are_not() {
        for code in ["25006", "57P01", "57P03", "08006", "53300"] {
            assert!(is_outage_sqlstate(code), "{code}");
        }
        for code in ["23505", "42P01", "40001", "22001"] {
            assert!(!is_outage_sqlstate(code), "{code}");
        }
    }

    #[derive(Validate)]
    struct Sample {
        #[validate(length(min = 1, max = 4))]
        name: String,
        #[validate(range(min = 1, max = 500))]
        limit: u32,
    }

    #[test]
    fn lost_connections_are_outages_and_other_database_errors_bugs() {
        use sea_orm::{ConnAcquireErr, DbErr, RuntimeErr};
        let timeout = DomainError::from(DbErr::ConnectionAcquire(ConnAcquireErr::Timeout));
        assert!(matches!(timeout, DomainError::DatabaseUnavailable(_)), "{timeout:?}");
        let reset = std::io::Error::new(std::io::ErrorKind::ConnectionReset, "reset by peer");
        let broken = DomainError::from(DbErr::Query(RuntimeErr::SqlxError(std::sync::Arc::new(sea_orm::sqlx::Error::Io(reset)))));
        assert!(matches!(broken, DomainError::DatabaseUnavailable(_)), "{broken:?}");
        let bug = DomainError::from(DbErr::Custom("no such column".into()));
        assert!(matches!(bug, DomainError::Internal(_)), "{bug:?}");
    }

    #[test]
    fn validation_errors_flatten_to_sorted_fields() {
        let sample = Sample { name: String::new(), limit: 900 };
        let Err(errors) = sample.validate() else { panic!("sample must be invalid") };
        let DomainError::Validation(fields) = DomainError::from(errors) else { panic!("wrong variant") };
        let names: Vec<_> = fields.iter().map(|f| f.field.as_str()).collect();
        assert_eq!(names, ["limit", "name"]);
        assert_eq!(fields[0].code, "range");
        assert!(fields[0].message.contains("max 500"), "{}", fields[0].message);
    }
}
