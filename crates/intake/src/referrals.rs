//! Referrals (转办/转介): non-service needs handed to the department that
//! owns them. Departments see only what is addressed to them and report
//! back through the actions; staff see those in their region and can cancel.

use crate::beneficiaries::BeneficiaryView;
use crate::entity::{beneficiary, referral};
use crate::rules::{ReferralAction, ReferralStatus};
use chrono::{DateTime, Utc};
use jiuzhu_core::codes::code_of;
use jiuzhu_core::mask::Pii;
use jiuzhu_core::{Context, DomainError, Page, PageRequest, Permission, Role};
use jiuzhu_platform::Db;
use jiuzhu_platform::audit::{Entry, Outcome, Who};
use jiuzhu_platform::concurrency::expect_version;
use jiuzhu_platform::paging::keyset;
use jiuzhu_platform::record::{ANNOUNCE_BATCH, Change, audit_alone, authorize, record, record_once};
use jiuzhu_platform::scope::InScope;
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QuerySelect, Select, Set};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;
use validator::Validate;

/// Who the referral is about, masked.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PersonSummary {
    pub id: Uuid,
    pub name: String,
    /// Masked: `110105********002X`.
    pub id_number: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(example = json!({"id": "0192f4a4-7d7e-7c3a-9a53-6f1f3c0b9a20", "application_id": "0192f4a4-7d7e-7c3a-9a53-6f1f3c0b9a12", "beneficiary": {"id": "0192f4a4-7d7e-7c3a-9a53-6f1f3c0b9a11", "name": "张秀兰", "id_number": "110105********002X"}, "region_code": "640202001001", "department": "medical_insurance", "matter": "medical_assistance", "status": "pending", "due_at": "2025-03-08T08:00:00Z", "overdue": false, "reason": null, "outcome_code": null, "outcome_text": null, "version": 1, "created_at": "2025-03-01T08:00:00Z", "updated_at": "2025-03-01T08:00:00Z"}))]
pub struct ReferralView {
    pub id: Uuid,
    pub application_id: Uuid,
    pub beneficiary: PersonSummary,
    pub region_code: String,
    /// The department it is addressed to.
    pub department: String,
    pub matter: crate::rules::Matter,
    pub status: ReferralStatus,
    /// Working days after creation (default 5).
    pub due_at: DateTime<Utc>,
    /// Still open after `due_at`.
    pub overdue: bool,
    /// Why it was rejected or returned.
    pub reason: Option<String>,
    /// The structured result of a completion, e.g. `granted`, `partially_granted`, `not_eligible`.
    pub outcome_code: Option<OutcomeCode>,
    pub outcome_text: Option<String>,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

jiuzhu_core::coded_enum! {
    pub enum OutcomeCode as "referral_outcome" {
        Granted = "granted", "已给予帮扶", "Granted";
        PartiallyGranted = "partially_granted", "部分给予", "Partially granted";
        NotEligible = "not_eligible", "不符合条件", "Not eligible";
        Redirected = "redirected", "已转其他渠道", "Redirected";
    }
}

#[derive(Debug, Clone, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"reason": "缺少住院费用清单，请补充"}))]
pub struct ReasonInput {
    #[validate(length(min = 1, max = 1000))]
    #[schema(min_length = 1, max_length = 1000)]
    pub reason: String,
}

#[derive(Debug, Clone, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"outcome_code": "granted", "outcome_text": "已纳入医疗救助，报销比例提高至80%"}))]
pub struct CompleteInput {
    pub outcome_code: OutcomeCode,
    /// What was granted, in words.
    #[validate(length(min = 1, max = 2000))]
    #[schema(min_length = 1, max_length = 2000)]
    pub outcome_text: String,
}

/// Departments see what is addressed to them; staff see their region.
fn scoped(ctx: &Context) -> Select<referral::Entity> {
    let actor = &ctx.actor;
    let query = referral::Entity::find().in_scope(actor);
    match actor.role {
        Role::Department => query.filter(referral::Column::Department.eq(actor.department.clone().unwrap_or_default())),
        _ => query,
    }
}

async fn require_read(db: &Db, ctx: &Context) -> Result<(), DomainError> {
    let permission = if ctx.actor.role == Role::Department { Permission::ReferralRespond } else { Permission::ApplicationRead };
    authorize(db, ctx, permission).await
}

async fn views(db: &Db, ctx: &Context, rows: Vec<referral::Model>) -> Result<Vec<ReferralView>, DomainError> {
    let ids: Vec<Uuid> = rows.iter().map(|r| r.beneficiary_id).collect();
    let people = beneficiary::Entity::find().filter(beneficiary::Column::Id.is_in(ids)).all(db.conn()).await?;
    let today = ctx.now.date_naive();
    rows.into_iter()
        .map(|r| {
            let person = people
                .iter()
                .find(|p| p.id == r.beneficiary_id)
                .cloned()
                .ok_or_else(|| DomainError::Internal("referral without person".into()))?;
            let person = BeneficiaryView::from_model(person, Pii::Masked, today)?;
            let status = jiuzhu_core::codes::parse_code::<ReferralStatus>(&r.status)?;
            Ok(ReferralView {
                id: r.id,
                application_id: r.application_id,
                beneficiary: PersonSummary { id: person.id, name: person.name, id_number: person.id_number },
                region_code: r.region_code,
                department: r.department,
                matter: jiuzhu_core::codes::parse_code(&r.matter)?,
                status,
                due_at: r.due_at,
                overdue: status.is_open() && r.due_at < ctx.now,
                reason: r.reason,
                outcome_code: r.outcome_code.as_deref().map(jiuzhu_core::codes::parse_code).transpose()?,
                outcome_text: r.outcome_text,
                version: r.version,
                created_at: r.created_at,
                updated_at: r.updated_at,
            })
        })
        .collect()
}

#[derive(Debug, Default, Clone)]
pub struct ReferralFilter {
    pub status: Option<ReferralStatus>,
    pub department: Option<String>,
    pub overdue: Option<bool>,
    pub application_id: Option<Uuid>,
}

pub async fn list(db: &Db, ctx: &Context, filter: ReferralFilter, page: PageRequest) -> Result<Page<ReferralView>, DomainError> {
    require_read(db, ctx).await?;
    let mut query = scoped(ctx);
    if let Some(status) = filter.status {
        query = query.filter(referral::Column::Status.eq(status.code()));
    }
    if let Some(department) = &filter.department {
        query = query.filter(referral::Column::Department.eq(department.as_str()));
    }
    if let Some(application) = filter.application_id {
        query = query.filter(referral::Column::ApplicationId.eq(application));
    }
    let open = [ReferralStatus::Pending.code(), ReferralStatus::Accepted.code()];
    query = match filter.overdue {
        Some(true) => query.filter(referral::Column::Status.is_in(open)).filter(referral::Column::DueAt.lt(ctx.now)),
        Some(false) => query.filter(referral::Column::Status.is_not_in(open).or(referral::Column::DueAt.gte(ctx.now))),
        None => query,
    };
    let rows = keyset::<_, Uuid>(query, referral::Column::Id, &page)?.all(db.conn()).await?;
    let page = page.into_page(rows, |r| r.id.to_string());
    Ok(Page { items: views(db, ctx, page.items).await?, next_cursor: page.next_cursor })
}

pub async fn get(db: &Db, ctx: &Context, id: Uuid) -> Result<ReferralView, DomainError> {
    require_read(db, ctx).await?;
    let row = scoped(ctx).filter(referral::Column::Id.eq(id)).one(db.conn()).await?.ok_or(DomainError::NotFound)?;
    views(db, ctx, vec![row]).await?.pop().ok_or(DomainError::NotFound)
}

#[derive(Debug, Clone, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"purpose": "核对医疗救助资格，办理住院费用减免"}))]
pub struct IdentifierRequest {
    /// What the department will do with the identifiers; audited.
    #[validate(length(min = 1, max = 500))]
    #[schema(min_length = 1, max_length = 500, pattern = "\\S")]
    pub purpose: String,
}

/// The identifiers a department needs to act on a referral (打通部门数据壁垒).
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(example = json!({"referral_id": "0192f4a4-7d7e-7c3a-9a53-6f1f3c0b9a20", "beneficiary_id": "0192f4a4-7d7e-7c3a-9a53-6f1f3c0b9a11", "name": "张秀兰", "id_number": "11010519491231002X", "phone": "13912345678", "address": "甲社区3号楼", "consent_date": "2025-03-01"}))]
pub struct ReferralIdentifiers {
    pub referral_id: Uuid,
    pub beneficiary_id: Uuid,
    pub name: String,
    /// In full.
    pub id_number: String,
    pub phone: Option<String>,
    pub address: String,
    /// The day the person consented to sharing their data with departments.
    pub consent_date: chrono::NaiveDate,
}

/// The department a referral is addressed to reads the person's
/// identifiers to act on it: only while the referral is open, only under
/// the consent the application recorded, and each read audited with its
/// purpose (`referral.identifiers_read`).
pub async fn identifiers(db: &Db, ctx: &Context, id: Uuid, input: IdentifierRequest) -> Result<ReferralIdentifiers, DomainError> {
    authorize(db, ctx, Permission::ReferralRespond).await?;
    if input.purpose.trim().is_empty() {
        return Err(DomainError::field("purpose", "blank", "say what the identifiers are for"));
    }
    let row = scoped(ctx).filter(referral::Column::Id.eq(id)).one(db.conn()).await?.ok_or(DomainError::NotFound)?;
    let status = jiuzhu_core::codes::parse_code::<ReferralStatus>(&row.status)?;
    let application = crate::entity::application::Entity::find_by_id(row.application_id).one(db.conn()).await?;
    let application = application.ok_or_else(|| DomainError::Internal("referral without application".into()))?;
    let consent: crate::applications::Consent = jiuzhu_core::stored_json::from_column("applications.consent", &application.consent)?;
    crate::rules::check_identifier_read(status.is_open(), consent.given, consent.date, ctx.now.date_naive())?;
    let person = beneficiary::Entity::find_by_id(row.beneficiary_id).one(db.conn()).await?;
    let person = person.ok_or_else(|| DomainError::Internal("referral without person".into()))?;
    let person = BeneficiaryView::from_model(person, Pii::Revealed, ctx.now.date_naive())?;
    let entry = Entry {
        action: "referral.identifiers_read".into(),
        entity_type: "referral".into(),
        entity_id: Some(row.id.to_string()),
        region_code: row.region_code.clone(),
        outcome: Outcome::Success,
        detail: serde_json::json!({"beneficiary_id": person.id, "department": row.department, "purpose": input.purpose,
            "fields": ["name", "id_number", "phone", "address"]}),
    };
    audit_alone(db, &Who::from(ctx), entry).await?;
    Ok(ReferralIdentifiers {
        referral_id: row.id,
        beneficiary_id: person.id,
        name: person.name,
        id_number: person.id_number,
        phone: person.phone,
        address: person.address,
        consent_date: consent.date,
    })
}

pub enum ReferralInput {
    Accept,
    Reject(ReasonInput),
    Return(ReasonInput),
    Complete(CompleteInput),
    Cancel(ReasonInput),
}

/// A department acts on its referral (accept, reject, return, complete);
/// staff cancel. Every action is audited and published as an event.
pub async fn act(db: &Db, ctx: &Context, id: Uuid, if_match: Option<i64>, input: ReferralInput) -> Result<ReferralView, DomainError> {
    let (action, event_type, permission): (ReferralAction, &'static str, Permission) = match &input {
        ReferralInput::Accept => (ReferralAction::Accept, "referral.accepted", Permission::ReferralRespond),
        ReferralInput::Reject(_) => (ReferralAction::Reject, "referral.rejected", Permission::ReferralRespond),
        ReferralInput::Return(_) => (ReferralAction::Return, "referral.returned", Permission::ReferralRespond),
        ReferralInput::Complete(_) => (ReferralAction::Complete, "referral.completed", Permission::ReferralRespond),
        ReferralInput::Cancel(_) => (ReferralAction::Cancel, "referral.cancelled", Permission::ApplicationDecide),
    };
    authorize(db, ctx, permission).await?;
    let txn = db.begin_write().await?;
    let current = scoped(ctx).filter(referral::Column::Id.eq(id)).lock_exclusive().one(&*txn).await?.ok_or(DomainError::NotFound)?;
    expect_version(if_match, current.version)?;
    let status = jiuzhu_core::codes::parse_code::<ReferralStatus>(&current.status)?;
    let verb = event_type.trim_start_matches("referral.");
    let next = status.after(action).ok_or_else(|| DomainError::invalid_transition("referral", status.code(), &format!("be {verb}")))?;
    let mut model: referral::ActiveModel = current.clone().into();
    model.status = Set(next.code().into());
    model.version = Set(current.version + 1);
    model.updated_at = Set(ctx.now);
    match input {
        ReferralInput::Reject(r) | ReferralInput::Return(r) | ReferralInput::Cancel(r) => model.reason = Set(Some(r.reason)),
        ReferralInput::Complete(c) => {
            model.outcome_code = Set(Some(code_of(c.outcome_code)));
            model.outcome_text = Set(Some(c.outcome_text));
        }
        ReferralInput::Accept => {}
    }
    let updated = model.update(&*txn).await?;
    let data = serde_json::json!({"status": updated.status, "department": updated.department, "outcome_code": updated.outcome_code, "version": updated.version});
    let mut change = Change::published(event_type, "referral", updated.id, &updated.region_code, data);
    if let Some(event) = change.event.as_mut() {
        event.department = Some(updated.department.clone());
    }
    record(&*txn, ctx, change).await?;
    txn.commit().await?;
    views(db, ctx, vec![updated]).await?.pop().ok_or(DomainError::NotFound)
}

/// Announces each open referral past its due time once
/// (`referral.overdue`, to the county and the department), marking it by
/// compare-and-set (`record_once`). Returns how many were announced.
pub async fn announce_overdue(db: &Db, ctx: &Context) -> Result<usize, DomainError> {
    let open = [ReferralStatus::Pending.code(), ReferralStatus::Accepted.code()];
    let due = referral::Entity::find()
        .filter(referral::Column::Status.is_in(open))
        .filter(referral::Column::DueAt.lt(ctx.now))
        .filter(referral::Column::OverdueAnnouncedAt.is_null())
        .limit(ANNOUNCE_BATCH)
        .all(db.conn())
        .await?;
    let mut announced = 0;
    for late in due {
        let mark = referral::Entity::update_many()
            .col_expr(referral::Column::OverdueAnnouncedAt, Expr::value(ctx.now))
            .filter(referral::Column::Id.eq(late.id))
            .filter(referral::Column::OverdueAnnouncedAt.is_null());
        let data = serde_json::json!({"application_id": late.application_id, "department": late.department, "due_at": late.due_at});
        let mut change = Change::published("referral.overdue", "referral", late.id, &late.region_code, data);
        if let Some(event) = change.event.as_mut() {
            event.department = Some(late.department.clone());
        }
        announced += usize::from(record_once(db, ctx, mark, change).await?);
    }
    Ok(announced)
}
