//! Contracts (合同签订) from awards, their append-only books (the provider's
//! ledger, the purchaser's supervision records, payments), and sanctions
//! that bar a provider for three years (取消三年承接资格).

use crate::bids::Award;
use crate::entity::{contract, contract_entry, procurement_project, sanction};
use crate::rules::{
    ALL_ON_ACCEPTANCE, ContractStatus, Instalment, PaymentKind, ProjectStatus, Released, check_payment_released, released_fen,
};
use chrono::{DateTime, Datelike, Months, NaiveDate, Utc};
use jiuzhu_core::codes::{code_of, parse_code};
use jiuzhu_core::{Context, DomainError, PageRequest, Permission, RegionCode, RegionLevel, Role, id::new_id};
use jiuzhu_platform::Db;
use jiuzhu_platform::record::{Change, authorize, record};
use jiuzhu_platform::scope::InScope;
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect, Select, Set};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;
use validator::Validate;

#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ContractService {
    pub service_code: String,
    /// Units bought, at least one.
    #[schema(minimum = 1)]
    pub quantity: u32,
}

#[derive(Debug, Clone, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"project_id": "0192f4a4-7d7e-7c3a-9a53-6f1f3c0b9aa0", "term_start": "2025-04-01", "term_end": "2026-03-31", "services": [{"service_code": "meals", "quantity": 38000}],
    "quality_standards": "餐品符合营养标准，准时率不低于98%", "price_fen": 100000, "settlement_method": "按季度据实结算，验收后付尾款", "rights_and_obligations": "甲方监督，乙方按标准提供服务", "breach_liability": "未达标准按比例扣减服务费"}))]
pub struct CreateContract {
    /// An awarded project; the contract goes to the chosen bid's provider.
    pub project_id: Uuid,
    pub term_start: NaiveDate,
    pub term_end: NaiveDate,
    #[validate(length(min = 1, max = 32))]
    #[schema(min_items = 1, max_items = 32)]
    pub services: Vec<ContractService>,
    #[validate(length(min = 1, max = 8000))]
    #[schema(min_length = 1, max_length = 8000, pattern = "\\S")]
    pub quality_standards: String,
    #[validate(range(min = 1))]
    #[schema(minimum = 1)]
    pub price_fen: i64,
    #[validate(length(min = 1, max = 4000))]
    #[schema(min_length = 1, max_length = 4000, pattern = "\\S")]
    pub settlement_method: String,
    #[validate(length(min = 1, max = 8000))]
    #[schema(min_length = 1, max_length = 8000, pattern = "\\S")]
    pub rights_and_obligations: String,
    #[validate(length(min = 1, max = 8000))]
    #[schema(min_length = 1, max_length = 8000, pattern = "\\S")]
    pub breach_liability: String,
    /// The settlement term's instalments (资金结算方式): each payment kind's
    /// share of the price and what releases it. Without them, the whole
    /// price is paid after acceptance.
    #[serde(default)]
    pub instalments: Option<Vec<Instalment>>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ContractView {
    pub id: Uuid,
    pub project_id: Uuid,
    pub bid_id: Uuid,
    pub provider_id: Uuid,
    pub region_code: String,
    pub term_start: NaiveDate,
    pub term_end: NaiveDate,
    pub services: Vec<ContractService>,
    pub quality_standards: String,
    pub price_fen: i64,
    pub settlement_method: String,
    pub rights_and_obligations: String,
    pub breach_liability: String,
    pub instalments: Vec<Instalment>,
    pub status: ContractStatus,
    /// Payments so far.
    pub paid_fen: i64,
    pub version: i64,
    pub created_at: DateTime<Utc>,
}

/// What payments under a contract have paid: all of them, or those of one kind.
async fn paid_as(conn: &impl ConnectionTrait, contract: Uuid, kind: Option<&str>) -> Result<i64, DomainError> {
    let mut payments = contract_entry::Entity::find()
        .filter(contract_entry::Column::ContractId.eq(contract))
        .filter(contract_entry::Column::Book.eq(code_of(Book::Payment)));
    if let Some(kind) = kind {
        payments = payments.filter(contract_entry::Column::Kind.eq(kind));
    }
    jiuzhu_platform::totals::sum_of(conn, payments, contract_entry::Column::AmountFen).await
}

async fn paid(conn: &impl ConnectionTrait, contract: Uuid) -> Result<i64, DomainError> {
    paid_as(conn, contract, None).await
}

/// The project a contract was signed for, when the caller may see the
/// contract (routes ask evaluation about it before a payment).
pub async fn project_of(conn: &impl ConnectionTrait, ctx: &Context, id: Uuid) -> Result<Option<Uuid>, DomainError> {
    Ok(scoped(ctx).filter(contract::Column::Id.eq(id)).one(conn).await?.map(|c| c.project_id))
}

async fn view(conn: &impl ConnectionTrait, m: contract::Model) -> Result<ContractView, DomainError> {
    let paid_fen = paid(conn, m.id).await?;
    view_paid(m, paid_fen)
}

/// What payments under each of `contracts` have paid, in one grouped read
/// (a contract with none is absent).
async fn paid_by_contract(conn: &impl ConnectionTrait, contracts: &[Uuid]) -> Result<Vec<(Uuid, i64)>, DomainError> {
    Ok(contract_entry::Entity::find()
        .select_only()
        .column(contract_entry::Column::ContractId)
        .column_as(Expr::cust("CAST(COALESCE(SUM(amount_fen), 0) AS BIGINT)"), "total")
        .filter(contract_entry::Column::ContractId.is_in(contracts.iter().copied()))
        .filter(contract_entry::Column::Book.eq(code_of(Book::Payment)))
        .group_by(contract_entry::Column::ContractId)
        .into_tuple()
        .all(conn)
        .await?)
}

fn view_paid(m: contract::Model, paid_fen: i64) -> Result<ContractView, DomainError> {
    Ok(ContractView {
        id: m.id,
        project_id: m.project_id,
        bid_id: m.bid_id,
        provider_id: m.provider_id,
        region_code: m.region_code,
        term_start: m.term_start,
        term_end: m.term_end,
        services: jiuzhu_core::stored_json::from_column("contracts.services", &m.services)?,
        quality_standards: m.quality_standards,
        price_fen: m.price_fen,
        settlement_method: m.settlement_method,
        rights_and_obligations: m.rights_and_obligations,
        breach_liability: m.breach_liability,
        instalments: jiuzhu_core::stored_json::from_column("contracts.instalments", &m.instalments)?,
        status: parse_code(&m.status)?,
        paid_fen,
        version: m.version,
        created_at: m.created_at,
    })
}

/// Officers see contracts in their region; a provider sees its own.
fn scoped(ctx: &Context) -> Select<contract::Entity> {
    match ctx.actor.role {
        Role::Provider => contract::Entity::find().filter(contract::Column::ProviderId.eq(ctx.actor.provider_id.unwrap_or_default())),
        _ => contract::Entity::find().in_scope(&ctx.actor),
    }
}

pub async fn create(db: &Db, ctx: &Context, input: CreateContract) -> Result<ContractView, DomainError> {
    authorize(db, ctx, Permission::ProcurementManage).await?;
    if input.term_end < input.term_start {
        return Err(DomainError::field("term_end", "date_order", "the term ends after it starts"));
    }
    let instalments = input.instalments.clone().unwrap_or_else(|| ALL_ON_ACCEPTANCE.to_vec());
    crate::rules::check_instalments(&instalments)?;
    crate::rules::check_terms_written(&[
        ("quality_standards", &input.quality_standards),
        ("settlement_method", &input.settlement_method),
        ("rights_and_obligations", &input.rights_and_obligations),
        ("breach_liability", &input.breach_liability),
    ])?;
    let txn = db.begin_write().await?;
    let project = procurement_project::Entity::find_by_id(input.project_id)
        .in_scope(&ctx.actor)
        .lock_exclusive()
        .one(&*txn)
        .await?
        .ok_or_else(|| DomainError::field("project_id", "project_unknown", "no such project in your region"))?;
    if parse_code::<ProjectStatus>(&project.status)? != ProjectStatus::Awarded {
        return Err(DomainError::invalid_transition("project", &project.status, "be contracted"));
    }
    let project_services: Vec<String> =
        jiuzhu_core::stored_json::from_column("procurement_projects.service_codes", &project.service_codes)?;
    let bought: Vec<(&str, u32)> = input.services.iter().map(|s| (s.service_code.as_str(), s.quantity)).collect();
    crate::rules::check_contract_services(&project_services, &bought)?;
    let award: Award = jiuzhu_core::stored_json::from_column("procurement_projects.award", project.award.as_deref().unwrap_or("null"))?;
    let chosen = award
        .ranking
        .iter()
        .find(|r| r.bid_id == award.chosen_bid_id)
        .ok_or_else(|| DomainError::Internal("award without its bid".into()))?;
    let ceiling = project.budget_fen.min(chosen.price_fen);
    if input.price_fen > ceiling {
        return Err(DomainError::RuleWithDetails {
            code: "contract_price_too_high",
            message: format!("the contract price may not exceed the budget or the awarded bid ({ceiling} fen)"),
            details: serde_json::json!({"budget_fen": project.budget_fen, "bid_price_fen": chosen.price_fen, "price_fen": input.price_fen}),
        });
    }
    let model = contract::ActiveModel {
        id: Set(new_id()),
        project_id: Set(project.id),
        bid_id: Set(chosen.bid_id),
        provider_id: Set(chosen.provider_id),
        region_code: Set(project.region_code.clone()),
        term_start: Set(input.term_start),
        term_end: Set(input.term_end),
        services: Set(jiuzhu_core::stored_json::to_column(&input.services)?),
        quality_standards: Set(input.quality_standards),
        price_fen: Set(input.price_fen),
        settlement_method: Set(input.settlement_method),
        rights_and_obligations: Set(input.rights_and_obligations),
        breach_liability: Set(input.breach_liability),
        instalments: Set(jiuzhu_core::stored_json::to_column(&instalments)?),
        status: Set(code_of(ContractStatus::Active)),
        version: Set(1),
        created_at: Set(ctx.now),
        updated_at: Set(ctx.now),
    }
    .insert(&*txn)
    .await?;
    let mut project_model: procurement_project::ActiveModel = project.clone().into();
    project_model.status = Set(code_of(ProjectStatus::Contracted));
    project_model.version = Set(project.version + 1);
    project_model.updated_at = Set(ctx.now);
    project_model.update(&*txn).await?;
    let mut change = Change::published(
        "contract.signed",
        "contract",
        model.id,
        &model.region_code,
        serde_json::json!({"project_id": project.id, "price_fen": model.price_fen}),
    );
    if let Some(event) = change.event.as_mut() {
        event.provider_id = Some(model.provider_id);
    }
    record(&*txn, ctx, change).await?;
    let result = view(&*txn, model).await?;
    txn.commit().await?;
    Ok(result)
}

pub async fn get(db: &Db, ctx: &Context, id: Uuid) -> Result<ContractView, DomainError> {
    authorize(db, ctx, Permission::ProcurementRead).await?;
    let found = scoped(ctx).filter(contract::Column::Id.eq(id)).one(db.conn()).await?;
    view(db.conn(), found.ok_or(DomainError::NotFound)?).await
}

/// What a list of contracts narrows to.
#[derive(Debug, Default, Clone)]
pub struct ContractFilter {
    pub project_id: Option<Uuid>,
    pub provider_id: Option<Uuid>,
    pub status: Option<ContractStatus>,
}

/// The contracts the caller may read: staff those of their region, a
/// provider its own; oldest first, a page at a time.
pub async fn list(
    db: &Db,
    ctx: &Context,
    filter: ContractFilter,
    page: jiuzhu_core::PageRequest,
) -> Result<jiuzhu_core::Page<ContractView>, DomainError> {
    authorize(db, ctx, Permission::ProcurementRead).await?;
    let mut query = scoped(ctx);
    if let Some(project) = filter.project_id {
        query = query.filter(contract::Column::ProjectId.eq(project));
    }
    if let Some(provider) = filter.provider_id {
        query = query.filter(contract::Column::ProviderId.eq(provider));
    }
    if let Some(status) = filter.status {
        query = query.filter(contract::Column::Status.eq(code_of(status)));
    }
    let rows = jiuzhu_platform::paging::keyset::<_, Uuid>(query, contract::Column::Id, &page)?.all(db.conn()).await?;
    let page = page.into_page(rows, |r| r.id.to_string());
    let ids: Vec<Uuid> = page.items.iter().map(|r| r.id).collect();
    let paid = paid_by_contract(db.conn(), &ids).await?;
    page.try_map(|row| {
        let paid_fen = paid.iter().find(|(id, _)| *id == row.id).map_or(0, |(_, fen)| *fen);
        view_paid(row, paid_fen)
    })
}

/// The contracts signed for `projects`, by project.
pub async fn ids_for_projects(conn: &impl ConnectionTrait, projects: &[Uuid]) -> Result<Vec<(Uuid, Uuid)>, DomainError> {
    let rows = contract::Entity::find().filter(contract::Column::ProjectId.is_in(projects.to_vec())).all(conn).await?;
    Ok(rows.into_iter().map(|c| (c.project_id, c.id)).collect())
}

jiuzhu_core::coded_enum! {
    /// Which append-only book an entry goes to.
    pub enum Book as "book" {
        /// 项目台帐（承接主体记录）
        Ledger = "ledger", "项目台帐", "Ledger";
        /// 监管记录（购买方记录）
        Supervision = "supervision", "监管记录", "Supervision";
        Payment = "payment", "付款", "Payment";
    }
}

#[derive(Debug, Clone, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(examples(
    json!({"kind": "service_delivered", "service_code": "meals", "quantity": 3100, "note": "3月送餐"}),
    json!({"kind": "site_visit", "note": "厨房卫生达标，配送记录完整"}),
    json!({"kind": "advance", "amount_fen": 30000})
))]
pub struct EntryInput {
    /// Ledger: `service_delivered`, `staff_hours`, `spending`. Supervision:
    /// `regular_meeting`, `site_visit`, `random_check`, `inspection`.
    /// Payment: `advance`, `progress`, `final`.
    #[validate(length(min = 1, max = 32))]
    #[schema(min_length = 1, max_length = 32)]
    pub kind: String,
    pub service_code: Option<String>,
    #[validate(range(min = 0))]
    #[schema(minimum = 0)]
    pub quantity: Option<i64>,
    #[validate(range(min = 1))]
    #[schema(minimum = 1)]
    pub amount_fen: Option<i64>,
    #[validate(length(max = 8000))]
    #[schema(max_length = 8000)]
    #[serde(default)]
    pub note: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct EntryView {
    pub id: Uuid,
    pub contract_id: Uuid,
    pub book: Book,
    pub kind: String,
    pub service_code: Option<String>,
    pub quantity: Option<i64>,
    pub amount_fen: Option<i64>,
    pub note: String,
    pub recorded_by: String,
    pub created_at: DateTime<Utc>,
}

fn entry_view(m: contract_entry::Model) -> Result<EntryView, DomainError> {
    Ok(EntryView {
        id: m.id,
        contract_id: m.contract_id,
        book: parse_code(&m.book)?,
        kind: m.kind,
        service_code: m.service_code,
        quantity: m.quantity,
        amount_fen: m.amount_fen,
        note: m.note,
        recorded_by: m.recorded_by,
        created_at: m.created_at,
    })
}

/// The entry kinds each book takes.
pub fn allowed_kinds(book: Book) -> &'static [&'static str] {
    match book {
        Book::Ledger => &["service_delivered", "staff_hours", "spending"],
        Book::Supervision => &["regular_meeting", "site_visit", "random_check", "inspection"],
        Book::Payment => &["advance", "progress", "final"],
    }
}

/// Appends to a contract's book. The provider keeps the ledger; officers
/// keep supervision and payments. Payments never exceed the price, and the
/// final one needs a passed acceptance.
pub async fn append(
    db: &Db,
    ctx: &Context,
    id: Uuid,
    book: Book,
    input: EntryInput,
    mid_term_passed: bool,
) -> Result<EntryView, DomainError> {
    let permission = match book {
        Book::Ledger if ctx.actor.role == Role::Provider => Permission::BidSubmit,
        _ => Permission::ProcurementManage,
    };
    authorize(db, ctx, permission).await?;
    if !allowed_kinds(book).contains(&input.kind.as_str()) {
        return Err(DomainError::field("kind", "kind_unknown", format!("this book takes: {}", allowed_kinds(book).join(", "))));
    }
    let txn = db.begin_write().await?;
    let current = scoped(ctx).filter(contract::Column::Id.eq(id)).lock_exclusive().one(&*txn).await?.ok_or(DomainError::NotFound)?;
    if book == Book::Payment {
        let amount = input.amount_fen.ok_or_else(|| DomainError::field("amount_fen", "required", "a payment has an amount"))?;
        let already = paid(&*txn, id).await?;
        if already + amount > current.price_fen {
            return Err(DomainError::RuleWithDetails {
                code: "payment_exceeds_contract",
                message: format!("payments would reach {} fen, over the contract price of {} fen", already + amount, current.price_fen),
                details: serde_json::json!({"price_fen": current.price_fen, "paid_fen": already, "amount_fen": amount}),
            });
        }
        let kind: PaymentKind = parse_code(&input.kind)?;
        let project = procurement_project::Entity::find_by_id(current.project_id).one(&*txn).await?.ok_or(DomainError::NotFound)?;
        let accepted = matches!(parse_code::<ProjectStatus>(&project.status)?, ProjectStatus::Accepted | ProjectStatus::Settled);
        if kind == PaymentKind::Final && !accepted {
            return Err(DomainError::rule("acceptance_required", "the final payment is made only after acceptance has passed"));
        }
        let instalments: Vec<Instalment> = jiuzhu_core::stored_json::from_column("contracts.instalments", &current.instalments)?;
        let released = Released { signed: true, mid_term_passed, accepted };
        let paid_of_kind = paid_as(&*txn, id, Some(&input.kind)).await?;
        check_payment_released(kind, released_fen(current.price_fen, &instalments, kind, released), paid_of_kind, amount)?;
    } else if current.status != code_of(ContractStatus::Active) {
        return Err(DomainError::conflict("contract_not_active", "the contract is not active"));
    } else if book == Book::Ledger {
        let services: Vec<ContractService> = jiuzhu_core::stored_json::from_column("contracts.services", &current.services)?;
        let codes: Vec<String> = services.into_iter().map(|s| s.service_code).collect();
        crate::rules::check_ledger_service(&input.kind, input.service_code.as_deref(), &codes)?;
    }
    let model = contract_entry::ActiveModel {
        id: Set(new_id()),
        contract_id: Set(id),
        book: Set(code_of(book)),
        kind: Set(input.kind),
        service_code: Set(input.service_code),
        quantity: Set(input.quantity),
        amount_fen: Set(input.amount_fen),
        note: Set(input.note),
        recorded_by: Set(ctx.actor.subject.clone()),
        created_at: Set(ctx.now),
    }
    .insert(&*txn)
    .await?;
    let event_type = match book {
        Book::Ledger => "contract.ledger_entry_added",
        Book::Supervision => "contract.supervision_recorded",
        Book::Payment => "contract.payment_made",
    };
    let mut change = Change::published(
        event_type,
        "contract",
        id,
        &current.region_code,
        serde_json::json!({"kind": model.kind, "amount_fen": model.amount_fen}),
    );
    if let Some(event) = change.event.as_mut() {
        event.provider_id = Some(current.provider_id);
    }
    record(&*txn, ctx, change).await?;
    txn.commit().await?;
    entry_view(model)
}

/// One page of the contract's own entries in `book` after the page's cursor,
/// not yet cut to a page: the supervision record adds matching's
/// inspections of the contract before it is (`workflows::supervision`).
pub async fn entries_after(db: &Db, ctx: &Context, id: Uuid, book: Book, page: &PageRequest) -> Result<Vec<EntryView>, DomainError> {
    authorize(db, ctx, Permission::ProcurementRead).await?;
    scoped(ctx).filter(contract::Column::Id.eq(id)).one(db.conn()).await?.ok_or(DomainError::NotFound)?;
    let query = contract_entry::Entity::find()
        .filter(contract_entry::Column::ContractId.eq(id))
        .filter(contract_entry::Column::Book.eq(code_of(book)));
    let rows = jiuzhu_platform::paging::keyset::<_, Uuid>(query, contract_entry::Column::Id, page)?.all(db.conn()).await?;
    rows.into_iter().map(entry_view).collect()
}

jiuzhu_core::coded_enum! {
    pub enum SanctionReason as "sanction_reason" {
        Fraud = "fraud", "弄虚作假", "Fraud";
        UnfairCompetition = "unfair_competition", "不正当竞争", "Unfair competition";
    }
}

#[derive(Debug, Clone, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"reason": "fraud", "evidence": "虚报服务记录120条，经核查属实", "decided_on": "2025-06-01"}))]
pub struct SanctionInput {
    pub reason: SanctionReason,
    #[validate(length(min = 1, max = 8000))]
    #[schema(min_length = 1, max_length = 8000)]
    pub evidence: String,
    pub decided_on: NaiveDate,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SanctionView {
    pub id: Uuid,
    pub provider_id: Uuid,
    pub reason: SanctionReason,
    pub decided_on: NaiveDate,
    /// The region the decision covers; its effects stay inside it.
    pub region_code: String,
    /// `decided_on` plus three years, for a city-level decision, which bars
    /// the provider everywhere; `null` for a county's finding, which ends
    /// only the county's own contracts and orders.
    pub barred_until: Option<NaiveDate>,
    /// Contracts of that year, in the region, that were terminated.
    pub terminated_contracts: Vec<Uuid>,
    /// Open service orders of the provider, in the region, that were cancelled.
    pub cancelled_orders: usize,
}

/// Whether a decision of this actor bars a provider everywhere: the bar is
/// a city-wide consequence, so only a decider whose scope is the whole city
/// (or more) takes it.
pub fn decides_city_wide(ctx: &Context) -> bool {
    ctx.actor.region.level() <= RegionLevel::City
}

/// A sanction as decided, checked before anything is written: how far it
/// reaches and until when it bars.
#[derive(Debug, Clone)]
pub struct SanctionDecision {
    pub input: SanctionInput,
    /// A city-level decision bars the provider everywhere.
    pub city_wide: bool,
    /// `decided_on` plus three years.
    pub barred_until: NaiveDate,
}

/// Checks who decides a sanction and when: `procurement:manage` as a
/// city admin or county officer, decided by today.
pub async fn decide_sanction(db: &Db, ctx: &Context, input: SanctionInput) -> Result<SanctionDecision, DomainError> {
    authorize(db, ctx, Permission::ProcurementManage).await?;
    if !matches!(ctx.actor.role, Role::CityAdmin | Role::CountyOfficer) {
        return Err(DomainError::Forbidden { permission: "procurement:manage (city_admin or county_officer)".into() });
    }
    if input.decided_on > ctx.now.date_naive() {
        return Err(DomainError::field("decided_on", "in_future", "a sanction is recorded once decided"));
    }
    let barred_until = input
        .decided_on
        .checked_add_months(Months::new(36))
        .ok_or_else(|| DomainError::field("decided_on", "range", "date out of range"))?;
    Ok(SanctionDecision { city_wide: decides_city_wide(ctx), barred_until, input })
}

/// Procurement's share of a sanction, in the caller's transaction: the
/// provider's active contracts of the decision's year inside the decider's
/// region are terminated with their projects, each with an event. Answers
/// the contracts terminated.
pub async fn terminate_for_sanction(
    conn: &impl ConnectionTrait,
    ctx: &Context,
    provider_id: Uuid,
    decision: &SanctionDecision,
) -> Result<Vec<Uuid>, DomainError> {
    let decided_on = decision.input.decided_on;
    let year_start = NaiveDate::from_ymd_opt(decided_on.year(), 1, 1).unwrap_or(decided_on);
    let year_end = NaiveDate::from_ymd_opt(decided_on.year(), 12, 31).unwrap_or(decided_on);
    let live = scoped(ctx)
        .filter(contract::Column::ProviderId.eq(provider_id))
        .filter(contract::Column::Status.eq(code_of(ContractStatus::Active)))
        .filter(contract::Column::TermStart.lte(year_end))
        .filter(contract::Column::TermEnd.gte(year_start))
        .all(conn)
        .await?;
    let mut terminated = Vec::new();
    for c in live {
        let mut model: contract::ActiveModel = c.clone().into();
        model.status = Set(code_of(ContractStatus::Terminated));
        model.version = Set(c.version + 1);
        model.updated_at = Set(ctx.now);
        model.update(conn).await?;
        procurement_project::Entity::update_many()
            .col_expr(procurement_project::Column::Status, Expr::value(code_of(ProjectStatus::Terminated)))
            .col_expr(procurement_project::Column::UpdatedAt, Expr::value(ctx.now))
            .filter(procurement_project::Column::Id.eq(c.project_id))
            .exec(conn)
            .await?;
        let mut change = Change::published(
            "contract.terminated",
            "contract",
            c.id,
            &c.region_code,
            serde_json::json!({"reason": code_of(decision.input.reason)}),
        );
        if let Some(event) = change.event.as_mut() {
            event.provider_id = Some(provider_id);
        }
        record(conn, ctx, change).await?;
        terminated.push(c.id);
    }
    Ok(terminated)
}

/// Stores the sanction and its audit row, in the caller's transaction,
/// once its effects are done: `terminated` contracts and
/// `cancelled_orders` open orders.
pub async fn record_sanction(
    conn: &impl ConnectionTrait,
    ctx: &Context,
    provider_id: Uuid,
    decision: SanctionDecision,
    terminated: Vec<Uuid>,
    cancelled_orders: usize,
) -> Result<SanctionView, DomainError> {
    let SanctionDecision { input, city_wide, barred_until } = decision;
    let stored = sanction::ActiveModel {
        id: Set(new_id()),
        provider_id: Set(provider_id),
        reason: Set(code_of(input.reason)),
        evidence: Set(input.evidence),
        decided_on: Set(input.decided_on),
        barred_until: Set(barred_until),
        decided_by: Set(ctx.actor.subject.clone()),
        region_code: Set(ctx.actor.region.to_string()),
        bars_provider: Set(city_wide),
        created_at: Set(ctx.now),
    }
    .insert(conn)
    .await?;
    let change = Change::audited("provider.sanctioned", "provider", provider_id, ctx.actor.region.as_str()).with_detail(
        serde_json::json!({"reason": stored.reason, "barred_until": city_wide.then_some(barred_until), "region_code": stored.region_code,
            "terminated_contracts": terminated.len(), "cancelled_orders": cancelled_orders}),
    );
    record(conn, ctx, change).await?;
    Ok(SanctionView {
        id: stored.id,
        provider_id,
        reason: input.reason,
        decided_on: input.decided_on,
        region_code: stored.region_code,
        barred_until: city_wide.then_some(barred_until),
        terminated_contracts: terminated,
        cancelled_orders,
    })
}

/// The contract signed for a project (`contract_missing` when there is none).
async fn signed_for(conn: &impl ConnectionTrait, project_id: Uuid) -> Result<contract::Model, DomainError> {
    let signed = contract::Entity::find().filter(contract::Column::ProjectId.eq(project_id)).one(conn).await?;
    signed.ok_or_else(|| DomainError::rule("contract_missing", "the project has no contract"))
}

/// Settles a project's contract: it must be paid in full
/// (`settlement_incomplete`), and settlement closes it (`completed`): no
/// order, ledger entry or supervision record goes under it afterwards.
pub async fn settle_for_project(conn: &impl ConnectionTrait, ctx: &Context, project_id: Uuid) -> Result<(), DomainError> {
    let signed = signed_for(conn, project_id).await?;
    let paid_fen = paid(conn, signed.id).await?;
    if paid_fen != signed.price_fen {
        return Err(DomainError::RuleWithDetails {
            code: "settlement_incomplete",
            message: format!("{paid_fen} of {} fen paid; settle once the contract is paid in full", signed.price_fen),
            details: serde_json::json!({"price_fen": signed.price_fen, "paid_fen": paid_fen}),
        });
    }
    let mut closing: contract::ActiveModel = signed.clone().into();
    closing.status = Set(code_of(ContractStatus::Completed));
    closing.version = Set(signed.version + 1);
    closing.updated_at = Set(ctx.now);
    closing.update(conn).await?;
    let mut change =
        Change::published("contract.completed", "contract", signed.id, &signed.region_code, serde_json::json!({"project_id": project_id}));
    if let Some(event) = change.event.as_mut() {
        event.provider_id = Some(signed.provider_id);
    }
    record(conn, ctx, change).await
}

/// The term of a project's contract: when acceptance may come.
pub async fn term_end_of_project(conn: &impl ConnectionTrait, project_id: Uuid) -> Result<NaiveDate, DomainError> {
    Ok(signed_for(conn, project_id).await?.term_end)
}

/// A contract as another area checks work against it: who holds it,
/// whether it is live, and what it buys where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeldContract {
    pub id: Uuid,
    pub provider_id: Uuid,
    pub active: bool,
    /// Each service the contract buys, with the quantity bought.
    pub services: Vec<(String, i64)>,
    pub region: RegionCode,
}

fn held(found: contract::Model) -> Result<HeldContract, DomainError> {
    let services: Vec<ContractService> = jiuzhu_core::stored_json::from_column("contracts.services", &found.services)?;
    Ok(HeldContract {
        id: found.id,
        provider_id: found.provider_id,
        active: found.status == code_of(ContractStatus::Active),
        services: services.into_iter().map(|s| (s.service_code, i64::from(s.quantity))).collect(),
        region: RegionCode::parse(&found.region_code).map_err(DomainError::Internal)?,
    })
}

/// The contract `id`, locked for the caller's transaction so that it cannot
/// end (a sanction, a settlement) while work is put under it.
pub async fn held_for_update(conn: &impl ConnectionTrait, id: Uuid) -> Result<Option<HeldContract>, DomainError> {
    contract::Entity::find_by_id(id).lock_exclusive().one(conn).await?.map(held).transpose()
}

/// The active contracts that bear on the caller's work: in the caller's
/// region, above it or below it.
pub async fn active_bearing_on_caller(conn: &impl ConnectionTrait, ctx: &Context) -> Result<Vec<HeldContract>, DomainError> {
    let active = contract::Entity::find()
        .filter(contract::Column::Status.eq(code_of(ContractStatus::Active)))
        .filter(jiuzhu_platform::scope::bearing_on::<contract::Entity>(&ctx.actor.region))
        .all(conn)
        .await?;
    active.into_iter().map(held).collect()
}

/// What another area reads of the contract signed for a project.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SignedContract {
    pub id: Uuid,
    pub provider_id: Uuid,
    /// Units bought, over all the contract's services.
    pub contracted_units: i64,
}

/// The contract signed for `project_id`, if any (a project has at most one).
pub async fn signed_for_project(conn: &impl ConnectionTrait, project_id: Uuid) -> Result<Option<SignedContract>, DomainError> {
    let Some(found) = contract::Entity::find().filter(contract::Column::ProjectId.eq(project_id)).one(conn).await? else {
        return Ok(None);
    };
    let services: Vec<ContractService> = jiuzhu_core::stored_json::from_column("contracts.services", &found.services)?;
    let contracted_units = services.iter().map(|s| i64::from(s.quantity)).sum();
    Ok(Some(SignedContract { id: found.id, provider_id: found.provider_id, contracted_units }))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The payment book's kinds are the settlement term's payment kinds:
    /// a kind added to one and not the other would be refused or unreleased.
    #[test]
    fn the_payment_book_takes_exactly_the_payment_kinds() {
        let kinds: Vec<String> = [PaymentKind::Advance, PaymentKind::Progress, PaymentKind::Final].into_iter().map(code_of).collect();
        assert_eq!(allowed_kinds(Book::Payment), kinds);
        for kind in &kinds {
            assert!(parse_code::<PaymentKind>(kind).is_ok(), "{kind}");
        }
    }
}
