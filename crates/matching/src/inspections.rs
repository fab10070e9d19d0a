//! Supervision of delivery (事中监管): reproducible random samples of
//! deliveries, the inspections made of them, and each provider's
//! performance: deliveries, satisfaction and inspection pass rate.

use crate::entity::{delivery, inspection, inspection_sample, service_order};
use crate::rules::{OrderStatus, sample_positions};
use chrono::{DateTime, Utc};
use jiuzhu_core::codes::{code_of, parse_code};
use jiuzhu_core::{Context, DomainError, Permission, RegionCode, id::new_id};
use jiuzhu_platform::Db;
use jiuzhu_platform::record::{Change, authorize, record};
use jiuzhu_platform::scope::{InScope, under};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, QueryTrait, Set,
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;
use validator::Validate;

#[derive(Debug, Clone, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"region_code": "640202", "from": "2025-04-01T00:00:00Z", "to": "2025-05-01T00:00:00Z", "size": 20, "seed": 20250501}))]
pub struct DrawSample {
    pub region_code: String,
    /// Deliveries that started from this time on.
    pub from: DateTime<Utc>,
    /// And before this time.
    pub to: DateTime<Utc>,
    #[validate(range(min = 1, max = 1000))]
    #[schema(minimum = 1, maximum = 1000)]
    pub size: u32,
    /// The same seed over the same deliveries draws the same sample.
    pub seed: i64,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SampleView {
    pub id: Uuid,
    pub region_code: String,
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
    pub size: u32,
    pub seed: i64,
    /// Deliveries in the frame the sample was drawn from.
    pub frame_size: u32,
    pub delivery_ids: Vec<Uuid>,
    pub created_at: DateTime<Utc>,
}

pub async fn draw(db: &Db, ctx: &Context, input: DrawSample) -> Result<SampleView, DomainError> {
    authorize(db, ctx, Permission::OrderWrite).await?;
    let region = RegionCode::parse_field(&input.region_code, "region_code")?;
    if !ctx.actor.covers(&region) {
        return Err(DomainError::NotFound);
    }
    if input.to <= input.from {
        return Err(DomainError::field("to", "date_order", "the period ends after it starts"));
    }
    let txn = db.begin_write().await?;
    let frame: Vec<Uuid> = delivery::Entity::find()
        .filter(under::<delivery::Entity>(&region))
        .filter(delivery::Column::StartedAt.gte(input.from))
        .filter(delivery::Column::StartedAt.lt(input.to))
        .order_by_asc(delivery::Column::Id)
        .all(&*txn)
        .await?
        .into_iter()
        .map(|d| d.id)
        .collect();
    let chosen: Vec<Uuid> = sample_positions(frame.len(), input.size as usize, input.seed as u64).into_iter().map(|p| frame[p]).collect();
    let model = inspection_sample::ActiveModel {
        id: Set(new_id()),
        region_code: Set(region.to_string()),
        from_at: Set(input.from),
        to_at: Set(input.to),
        size: Set(input.size as i32),
        seed: Set(input.seed),
        frame_size: Set(frame.len() as i32),
        delivery_ids: Set(jiuzhu_core::stored_json::to_column(&chosen)?),
        created_by: Set(ctx.actor.subject.clone()),
        created_at: Set(ctx.now),
    }
    .insert(&*txn)
    .await?;
    let change = Change::audited("inspection_sample.drawn", "inspection_sample", model.id, &model.region_code)
        .with_detail(serde_json::json!({"seed": model.seed, "frame_size": model.frame_size, "size": chosen.len()}));
    record(&*txn, ctx, change).await?;
    txn.commit().await?;
    Ok(SampleView {
        id: model.id,
        region_code: model.region_code,
        from: model.from_at,
        to: model.to_at,
        size: input.size,
        seed: model.seed,
        frame_size: frame.len() as u32,
        delivery_ids: chosen,
        created_at: model.created_at,
    })
}

jiuzhu_core::coded_enum! {
    #[schema(as = InspectionMethod)]
    pub enum Method as "inspection_method" {
        RandomCheck = "random_check", "随机抽查", "Random check";
        UnannouncedVisit = "unannounced_visit", "不打招呼走访", "Unannounced visit";
        CovertVisit = "covert_visit", "暗访", "Covert visit";
        PhoneSurvey = "phone_survey", "电话调查", "Phone survey";
        ThirdParty = "third_party", "第三方评估", "Third party";
    }
}

jiuzhu_core::coded_enum! {
    pub enum InspectionResult as "inspection_result" {
        Pass = "pass", "合格", "Pass";
        IssueFound = "issue_found", "发现问题", "Issue found";
    }
}

#[derive(Debug, Clone, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"delivery_id": "0192f4a4-7d7e-7c3a-9a53-6f1f3c0b9ac0", "method": "unannounced_visit", "result": "issue_found", "findings": "送餐晚到40分钟，餐温不足"}))]
pub struct RecordInspection {
    pub delivery_id: Uuid,
    pub method: Method,
    pub result: InspectionResult,
    #[validate(length(max = 8000))]
    #[schema(max_length = 8000)]
    #[serde(default)]
    pub findings: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct InspectionView {
    pub id: Uuid,
    pub delivery_id: Uuid,
    pub order_id: Uuid,
    /// The contract of a purchased service; its supervision record shows the inspection.
    pub contract_id: Option<Uuid>,
    pub provider_id: Option<Uuid>,
    pub method: Method,
    pub result: InspectionResult,
    pub findings: String,
    pub inspector: String,
    pub created_at: DateTime<Utc>,
}

fn view(m: inspection::Model) -> Result<InspectionView, DomainError> {
    Ok(InspectionView {
        id: m.id,
        delivery_id: m.delivery_id,
        order_id: m.order_id,
        contract_id: m.contract_id,
        provider_id: m.provider_id,
        method: parse_code(&m.method)?,
        result: parse_code(&m.result)?,
        findings: m.findings,
        inspector: m.inspector,
        created_at: m.created_at,
    })
}

pub async fn record_inspection(db: &Db, ctx: &Context, input: RecordInspection) -> Result<InspectionView, DomainError> {
    authorize(db, ctx, Permission::OrderWrite).await?;
    if input.result == InspectionResult::IssueFound && input.findings.trim().is_empty() {
        return Err(DomainError::field("findings", "required", "an issue found is described"));
    }
    let txn = db.begin_write().await?;
    let found = delivery::Entity::find_by_id(input.delivery_id).in_scope(&ctx.actor).one(&*txn).await?;
    let found = found.ok_or_else(|| DomainError::field("delivery_id", "delivery_unknown", "no such delivery in your region"))?;
    let order = service_order::Entity::find_by_id(found.order_id)
        .one(&*txn)
        .await?
        .ok_or_else(|| DomainError::Internal("delivery without order".into()))?;
    let model = inspection::ActiveModel {
        id: Set(new_id()),
        delivery_id: Set(found.id),
        order_id: Set(order.id),
        contract_id: Set(order.contract_id),
        provider_id: Set(order.provider_id),
        region_code: Set(found.region_code.clone()),
        method: Set(code_of(input.method)),
        result: Set(code_of(input.result)),
        findings: Set(input.findings),
        inspector: Set(ctx.actor.subject.clone()),
        created_at: Set(ctx.now),
    }
    .insert(&*txn)
    .await?;
    let mut change = Change::published(
        "inspection.recorded",
        "inspection",
        model.id,
        &model.region_code,
        serde_json::json!({"result": model.result, "contract_id": model.contract_id}),
    );
    if let Some(event) = change.event.as_mut() {
        event.provider_id = model.provider_id;
    }
    record(&*txn, ctx, change).await?;
    txn.commit().await?;
    view(model)
}

/// Inspections of deliveries under a contract, one page's worth after the
/// page's cursor in its order (procurement shows them in the contract's
/// supervision record, merged with its own entries).
pub async fn for_contract(
    conn: &impl ConnectionTrait,
    contract_id: Uuid,
    page: &jiuzhu_core::PageRequest,
) -> Result<Vec<InspectionView>, DomainError> {
    let query = inspection::Entity::find().filter(inspection::Column::ContractId.eq(contract_id));
    let rows = jiuzhu_platform::paging::keyset::<_, Uuid>(query, inspection::Column::Id, page)?.all(conn).await?;
    rows.into_iter().map(view).collect()
}

#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(example = json!({"provider_id": "0192f4a4-7d7e-7c3a-9a53-6f1f3c0b9a80", "orders": 12, "completed_orders": 10, "deliveries": 240, "feedback_count": 8, "mean_satisfaction_x100": 462, "inspections": 5, "inspection_pass_rate_bp": 8000, "evaluation_grades": []}))]
pub struct Performance {
    pub provider_id: Uuid,
    pub orders: u64,
    pub completed_orders: u64,
    pub deliveries: u64,
    pub feedback_count: u64,
    /// Mean satisfaction × 100 (100–500), when there is feedback.
    pub mean_satisfaction_x100: Option<i64>,
    pub inspections: u64,
    /// Passed inspections in basis points of all, when there are any.
    pub inspection_pass_rate_bp: Option<i64>,
    /// Grades of the provider's approved evaluations, as `stage:grade`.
    pub evaluation_grades: Vec<String>,
}

/// A provider's record, computed in the database.
pub async fn performance(db: &Db, ctx: &Context, provider_id: Uuid) -> Result<Performance, DomainError> {
    authorize(db, ctx, Permission::ProviderRead).await?;
    let conn = db.conn();
    let feedback = jiuzhu_supply::providers::rated_in(conn, ctx, provider_id).await?.feedback;
    let of_provider = || service_order::Entity::find().filter(service_order::Column::ProviderId.eq(provider_id));
    let orders = of_provider().count(conn).await?;
    let completed = of_provider().filter(service_order::Column::Status.eq(OrderStatus::Completed.code())).count(conn).await?;
    let order_ids = of_provider().select_only().column(service_order::Column::Id).into_query();
    let deliveries = delivery::Entity::find().filter(delivery::Column::OrderId.in_subquery(order_ids)).count(conn).await?;
    let inspections = inspection::Entity::find().filter(inspection::Column::ProviderId.eq(provider_id)).count(conn).await?;
    let passed = inspection::Entity::find()
        .filter(inspection::Column::ProviderId.eq(provider_id))
        .filter(inspection::Column::Result.eq(InspectionResult::Pass.code()))
        .count(conn)
        .await?;
    Ok(Performance {
        provider_id,
        orders,
        completed_orders: completed,
        deliveries,
        feedback_count: u64::try_from(feedback.responses).unwrap_or(0),
        mean_satisfaction_x100: feedback.mean_x100(),
        inspections,
        inspection_pass_rate_bp: (inspections > 0).then(|| passed as i64 * 10_000 / inspections as i64),
        evaluation_grades: Vec::new(),
    })
}

/// A provider's inspections: how many there were and how many passed.
pub async fn tally(conn: &impl ConnectionTrait, provider_id: Uuid) -> Result<(u64, u64), DomainError> {
    let of_provider = || inspection::Entity::find().filter(inspection::Column::ProviderId.eq(provider_id));
    let passed = of_provider().filter(inspection::Column::Result.eq(InspectionResult::Pass.code())).count(conn).await?;
    Ok((of_provider().count(conn).await?, passed))
}
