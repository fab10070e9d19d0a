//! Discovery (主动发现): village workers report people in need, and
//! departments' monitoring signals (动态监测) raise discovery tasks for known
//! low-income people or for large amounts. Repeated signals about one
//! person within 30 days merge into one task. A verified discovery converts
//! into an application.

use crate::applications::{self, Channel, ConvertToApplication};
use crate::beneficiaries::{self, service_region};
use crate::entity::{beneficiary, discovery, signal};
use chrono::{DateTime, Duration, NaiveDate, Utc};
use jiuzhu_core::codes::{code_of, parse_code};
use jiuzhu_core::mask::Pii;
use jiuzhu_core::{CitizenId, Context, DomainError, Page, PageRequest, Permission, RegionCode, id::new_id};
use jiuzhu_platform::Db;
use jiuzhu_platform::concurrency::expect_version;
use jiuzhu_platform::paging::keyset;
use jiuzhu_platform::record::{Change, authorize, record};
use jiuzhu_platform::scope::{InScope, under};
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect, Set};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;
use validator::Validate;

/// Signals about one person within this many days merge into one task.
pub const MERGE_WINDOW_DAYS: i64 = 30;

jiuzhu_core::coded_enum! {
    pub enum Source as "source" {
        HomeVisit = "home_visit", "入户走访", "Home visit";
        Questionnaire = "questionnaire", "问卷调查", "Questionnaire";
        OnlineSignup = "online_signup", "网上报名", "Online signup";
        PolicyOutreach = "policy_outreach", "政策宣传", "Policy outreach";
        NeighbourReport = "neighbour_report", "邻里反映", "Neighbour report";
        DepartmentSignal = "department_signal", "部门预警信号", "Department signal";
    }
}

jiuzhu_core::coded_enum! {
    pub enum DiscoveryStatus as "discovery_status" {
        Reported = "reported", "已报告", "Reported";
        Verified = "verified", "已核实", "Verified";
        Converted = "converted", "已转申请", "Converted";
        Dismissed = "dismissed", "已排除", "Dismissed";
    }
}

impl DiscoveryStatus {
    fn is_open(self) -> bool {
        matches!(self, Self::Reported | Self::Verified)
    }
}

jiuzhu_core::coded_enum! {
    pub enum SignalKind as "signal_kind" {
        LargeMedicalExpense = "large_medical_expense", "大额医疗支出", "Large medical expense";
        DisabilityCertified = "disability_certified", "新认定残疾", "Disability certified";
        Unemployment = "unemployment", "失业", "Unemployment";
        SchoolDropout = "school_dropout", "辍学", "School dropout";
        DisasterAffected = "disaster_affected", "受灾", "Disaster affected";
        CaregiverLost = "caregiver_lost", "失去照料人", "Caregiver lost";
    }
}

#[derive(Debug, Clone, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"region_code": "640202001001", "person_name": "王大爷", "source": "home_visit", "description": "独居，行动不便，近期未按时就医"}))]
pub struct ReportDiscovery {
    /// The township or village where the person lives.
    pub region_code: String,
    /// When the person is already on the list.
    pub beneficiary_id: Option<Uuid>,
    #[validate(length(min = 1, max = 100))]
    #[schema(min_length = 1, max_length = 100)]
    pub person_name: String,
    /// When known; links the report to a registered person.
    pub id_number: Option<String>,
    pub source: Source,
    #[validate(length(min = 1, max = 2000))]
    #[schema(min_length = 1, max_length = 2000)]
    pub description: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(example = json!({"id": "0192f4a4-7d7e-7c3a-9a53-6f1f3c0b9a40", "region_code": "640202001001", "beneficiary_id": null, "person_name": "王大爷", "id_number": null, "source": "home_visit", "description": "独居，行动不便", "status": "reported", "reason": null, "signal_count": 0, "last_signal_at": null, "application_id": null, "reported_by": "0192f4a4-0000-7000-8000-000000000001", "version": 1, "created_at": "2025-03-01T08:00:00Z", "updated_at": "2025-03-01T08:00:00Z"}))]
pub struct DiscoveryView {
    pub id: Uuid,
    pub region_code: String,
    pub beneficiary_id: Option<Uuid>,
    pub person_name: String,
    /// Masked.
    pub id_number: Option<String>,
    pub source: Source,
    pub description: String,
    pub status: DiscoveryStatus,
    /// Why it was dismissed.
    pub reason: Option<String>,
    /// Department signals merged into this task.
    pub signal_count: i32,
    pub last_signal_at: Option<DateTime<Utc>>,
    /// The application it was converted into.
    pub application_id: Option<Uuid>,
    pub reported_by: String,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

fn view(m: discovery::Model) -> Result<DiscoveryView, DomainError> {
    Ok(DiscoveryView {
        id: m.id,
        region_code: m.region_code,
        beneficiary_id: m.beneficiary_id,
        person_name: m.person_name,
        id_number: m.id_number.as_deref().and_then(|n| CitizenId::parse(n).ok()).map(|id| Pii::Masked.citizen_id(&id)),
        source: parse_code(&m.source)?,
        description: m.description,
        status: jiuzhu_core::codes::parse_code::<DiscoveryStatus>(&m.status)?,
        reason: m.reason,
        signal_count: m.signal_count,
        last_signal_at: m.last_signal_at,
        application_id: m.application_id,
        reported_by: m.reported_by,
        version: m.version,
        created_at: m.created_at,
        updated_at: m.updated_at,
    })
}

#[allow(clippy::too_many_arguments)]
async fn insert(
    conn: &impl ConnectionTrait,
    ctx: &Context,
    region: &str,
    person: Option<&beneficiary::Model>,
    person_name: String,
    id_number: Option<String>,
    source: Source,
    description: String,
    from_signal: bool,
) -> Result<discovery::Model, DomainError> {
    let model = discovery::ActiveModel {
        id: Set(new_id()),
        region_code: Set(region.to_string()),
        beneficiary_id: Set(person.map(|p| p.id)),
        person_name: Set(person_name),
        id_number: Set(id_number),
        source: Set(code_of(source)),
        description: Set(description),
        status: Set(DiscoveryStatus::Reported.code().into()),
        reason: Set(None),
        signal_count: Set(i32::from(from_signal)),
        last_signal_at: Set(from_signal.then_some(ctx.now)),
        application_id: Set(None),
        reported_by: Set(ctx.actor.subject.clone()),
        version: Set(1),
        created_at: Set(ctx.now),
        updated_at: Set(ctx.now),
    }
    .insert(conn)
    .await?;
    let data = serde_json::json!({"source": model.source, "beneficiary_id": model.beneficiary_id});
    record(conn, ctx, Change::published("discovery.reported", "discovery", model.id, &model.region_code, data)).await?;
    Ok(model)
}

pub async fn report(db: &Db, ctx: &Context, input: ReportDiscovery) -> Result<DiscoveryView, DomainError> {
    authorize(db, ctx, Permission::ApplicationWrite).await?;
    let id_number = input.id_number.as_deref().map(|n| CitizenId::parse_field(n, "id_number")).transpose()?;
    let txn = db.begin_write().await?;
    let region = service_region(&*txn, ctx, &input.region_code, "region_code").await?;
    let person = match (input.beneficiary_id, &id_number) {
        (Some(id), _) => Some(
            beneficiaries::find_in_scope(&*txn, ctx, id)
                .await
                .map_err(|_| DomainError::field("beneficiary_id", "beneficiary_unknown", "no such person in your region"))?,
        ),
        (None, Some(number)) => {
            beneficiary::Entity::find().filter(beneficiary::Column::IdNumber.eq(number.as_str())).in_scope(&ctx.actor).one(&*txn).await?
        }
        (None, None) => None,
    };
    let number = id_number.map(|n| n.as_str().to_string()).or_else(|| person.as_ref().map(|p| p.id_number.clone()));
    let model =
        insert(&*txn, ctx, region.as_str(), person.as_ref(), input.person_name, number, input.source, input.description, false).await?;
    txn.commit().await?;
    view(model)
}

#[derive(Debug, Default, Clone)]
pub struct DiscoveryFilter {
    pub status: Option<DiscoveryStatus>,
    pub source: Option<Source>,
    pub region_code: Option<String>,
}

pub async fn list(db: &Db, ctx: &Context, filter: DiscoveryFilter, page: PageRequest) -> Result<Page<DiscoveryView>, DomainError> {
    authorize(db, ctx, Permission::ApplicationRead).await?;
    let mut query = discovery::Entity::find().in_scope(&ctx.actor);
    if let Some(status) = filter.status {
        query = query.filter(discovery::Column::Status.eq(status.code()));
    }
    if let Some(source) = filter.source {
        query = query.filter(discovery::Column::Source.eq(code_of(source)));
    }
    if let Some(code) = &filter.region_code {
        let region = RegionCode::parse_field(code, "region_code")?;
        query = query.filter(under::<discovery::Entity>(&region));
    }
    let rows = keyset::<_, Uuid>(query, discovery::Column::Id, &page)?.all(db.conn()).await?;
    let page = page.into_page(rows, |r| r.id.to_string());
    page.try_map(view)
}

pub async fn get(db: &Db, ctx: &Context, id: Uuid) -> Result<DiscoveryView, DomainError> {
    authorize(db, ctx, Permission::ApplicationRead).await?;
    let row = discovery::Entity::find_by_id(id).in_scope(&ctx.actor).one(db.conn()).await?;
    view(row.ok_or(DomainError::NotFound)?)
}

pub enum DiscoveryAction {
    Verify,
    Dismiss { reason: String },
    Convert(Box<ConvertToApplication>),
}

/// Verifies, dismisses or converts a discovery (the last files an application).
pub async fn act(db: &Db, ctx: &Context, id: Uuid, if_match: Option<i64>, action: DiscoveryAction) -> Result<DiscoveryView, DomainError> {
    authorize(db, ctx, Permission::ApplicationWrite).await?;
    if matches!(&action, DiscoveryAction::Convert(c) if c.applicant.is_some()) {
        authorize(db, ctx, Permission::BeneficiaryWrite).await?;
    }
    let txn = db.begin_write().await?;
    let current = discovery::Entity::find_by_id(id).in_scope(&ctx.actor).lock_exclusive().one(&*txn).await?.ok_or(DomainError::NotFound)?;
    expect_version(if_match, current.version)?;
    let status = jiuzhu_core::codes::parse_code::<DiscoveryStatus>(&current.status)?;
    let (next, event_type) = match (&action, status) {
        (DiscoveryAction::Verify, DiscoveryStatus::Reported) => (DiscoveryStatus::Verified, "discovery.verified"),
        (DiscoveryAction::Dismiss { .. }, s) if s.is_open() => (DiscoveryStatus::Dismissed, "discovery.dismissed"),
        (DiscoveryAction::Convert(_), s) if s.is_open() => (DiscoveryStatus::Converted, "discovery.converted"),
        _ => return Err(DomainError::invalid_transition("discovery", status.code(), "take that step")),
    };
    let mut model: discovery::ActiveModel = current.clone().into();
    match action {
        DiscoveryAction::Dismiss { reason } => model.reason = Set(Some(reason)),
        DiscoveryAction::Convert(convert) => {
            if convert.applicant.is_none() && convert.beneficiary_id.is_none() && current.beneficiary_id.is_none() {
                return Err(DomainError::field(
                    "applicant",
                    "required",
                    "this person is not on the list yet: register them with applicant",
                ));
            }
            let input = convert.into_application(Channel::ProactiveDiscovery, current.beneficiary_id, Some(current.region_code.clone()));
            let (application, _) = applications::insert(&*txn, ctx, input).await?;
            model.application_id = Set(Some(application.id));
            model.beneficiary_id = Set(Some(application.beneficiary_id));
        }
        DiscoveryAction::Verify => {}
    }
    model.status = Set(next.code().into());
    model.version = Set(current.version + 1);
    model.updated_at = Set(ctx.now);
    let updated = model.update(&*txn).await?;
    let data = serde_json::json!({"status": updated.status, "application_id": updated.application_id});
    record(&*txn, ctx, Change::published(event_type, "discovery", updated.id, &updated.region_code, data)).await?;
    txn.commit().await?;
    view(updated)
}

#[derive(Debug, Clone, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"kind": "large_medical_expense", "id_number": "11010519491231002X", "occurred_on": "2025-02-20", "detail": "住院自付费用 38,600 元", "amount_fen": 3860000}))]
pub struct SignalInput {
    pub kind: SignalKind,
    pub id_number: String,
    pub occurred_on: NaiveDate,
    #[validate(length(max = 2000))]
    #[schema(max_length = 2000)]
    #[serde(default)]
    pub detail: String,
    /// The amount involved, in fen, where there is one.
    #[validate(range(min = 0))]
    #[schema(minimum = 0)]
    pub amount_fen: Option<i64>,
    /// Where an unregistered person lives (township or village), so a task
    /// can be raised when the amount is over the threshold.
    pub region_code: Option<String>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(example = json!({"id": "0192f4a4-7d7e-7c3a-9a53-6f1f3c0b9a50", "kind": "large_medical_expense", "discovery_id": "0192f4a4-7d7e-7c3a-9a53-6f1f3c0b9a40", "outcome": "task_created"}))]
pub struct SignalReceipt {
    pub id: Uuid,
    pub kind: SignalKind,
    /// The discovery task the signal raised or joined.
    pub discovery_id: Option<Uuid>,
    /// `task_created`, `merged` (into a task of the last 30 days) or
    /// `recorded` (not a known low-income person, and under the threshold).
    pub outcome: String,
}

/// Receives a department signal; raises or merges a discovery task when the
/// person is on the list or the amount is over `threshold_fen`.
pub async fn receive_signal(db: &Db, ctx: &Context, input: SignalInput, threshold_fen: i64) -> Result<SignalReceipt, DomainError> {
    authorize(db, ctx, Permission::SignalWrite).await?;
    let id_number = CitizenId::parse_field(&input.id_number, "id_number")?;
    if let Some(code) = &input.region_code {
        RegionCode::parse_field(code, "region_code")?;
    }
    let txn = db.begin_write().await?;
    let person =
        beneficiary::Entity::find().filter(beneficiary::Column::IdNumber.eq(id_number.as_str())).in_scope(&ctx.actor).one(&*txn).await?;
    let over_threshold = input.amount_fen.is_some_and(|amount| amount > threshold_fen);
    let region = match (&person, &input.region_code) {
        (Some(p), _) => Some(p.region_code.clone()),
        (None, Some(code)) if over_threshold => Some(service_region(&*txn, ctx, code, "region_code").await?.to_string()),
        _ => None,
    };
    let kind = code_of(input.kind);
    let line = format!("[{kind} {}] {}", input.occurred_on, input.detail);
    let (discovery_id, outcome) = match region {
        None => (None, "recorded"),
        Some(region) => {
            let since = ctx.now - Duration::days(MERGE_WINDOW_DAYS);
            let open = discovery::Entity::find()
                .filter(discovery::Column::IdNumber.eq(id_number.as_str()))
                .filter(discovery::Column::Status.is_in([DiscoveryStatus::Reported.code(), DiscoveryStatus::Verified.code()]))
                .filter(discovery::Column::LastSignalAt.gte(since))
                .lock_exclusive()
                .one(&*txn)
                .await?;
            match open {
                Some(task) => {
                    let mut model: discovery::ActiveModel = task.clone().into();
                    model.signal_count = Set(task.signal_count + 1);
                    model.last_signal_at = Set(Some(ctx.now));
                    model.description = Set(format!("{}\n{line}", task.description));
                    model.version = Set(task.version + 1);
                    model.updated_at = Set(ctx.now);
                    let merged = model.update(&*txn).await?;
                    let data = serde_json::json!({"signal_kind": kind, "signal_count": merged.signal_count});
                    record(&*txn, ctx, Change::published("discovery.signal_merged", "discovery", merged.id, &merged.region_code, data))
                        .await?;
                    (Some(merged.id), "merged")
                }
                None => {
                    let name = person.as_ref().map(|p| p.name.clone()).unwrap_or_else(|| "（待核实）".into());
                    let task = insert(
                        &*txn,
                        ctx,
                        &region,
                        person.as_ref(),
                        name,
                        Some(id_number.as_str().to_string()),
                        Source::DepartmentSignal,
                        line,
                        true,
                    )
                    .await?;
                    (Some(task.id), "task_created")
                }
            }
        }
    };
    let stored = signal::ActiveModel {
        id: Set(new_id()),
        kind: Set(kind.clone()),
        id_number: Set(id_number.as_str().to_string()),
        occurred_on: Set(input.occurred_on),
        detail: Set(input.detail),
        amount_fen: Set(input.amount_fen),
        department: Set(ctx.actor.department.clone().unwrap_or_default()),
        discovery_id: Set(discovery_id),
        created_at: Set(ctx.now),
    }
    .insert(&*txn)
    .await?;
    let change = Change::audited("signal.received", "signal", stored.id, ctx.actor.region.as_str())
        .with_detail(serde_json::json!({"kind": kind, "outcome": outcome}));
    record(&*txn, ctx, change).await?;
    txn.commit().await?;
    Ok(SignalReceipt { id: stored.id, kind: input.kind, discovery_id, outcome: outcome.into() })
}
