//! Service orders (服务派单): sending a provider or volunteer to a person for
//! a service, through its whole life: acceptance, deliveries, satisfaction
//! feedback, and the follow-up visit (回访) that completion schedules.
//! Orders never repeat material assistance, and a purchased service goes
//! only to the contract's own provider (不得转包).

use crate::entity::{delivery, feedback, service_order};
use crate::rules::{
    ContractTerms, OrderAction, OrderStatus, check_contract, check_contract_quantity, check_delivery, check_not_covered_by_material,
    check_provider_capacity,
};
use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc};
use jiuzhu_core::codes::{code_of, parse_code};
use jiuzhu_core::mask::Pii;
use jiuzhu_core::{Context, DomainError, Permission, RegionCode, Role, id::new_id};
use jiuzhu_intake::beneficiaries::{self, BeneficiaryView};
use jiuzhu_needs_assessment::assessments::coverage_of;
use jiuzhu_needs_assessment::needs::{self, NeedStatus};
use jiuzhu_platform::Db;
use jiuzhu_platform::concurrency::expect_version;
use jiuzhu_platform::paging::keyset;
use jiuzhu_platform::record::{Change, authorize, record};
use jiuzhu_platform::scope::InScope;
use jiuzhu_supply::{catalogue, providers, volunteers};
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseTransaction, EntityTrait, QueryFilter, QuerySelect, Select, Set};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;
use validator::Validate;

/// Days after completion when the follow-up visit is due, unless configured.
pub const DEFAULT_FOLLOW_UP_DAYS: i64 = 30;

#[derive(Debug, Clone, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"need_id": "0192f4a4-7d7e-7c3a-9a53-6f1f3c0b9a70", "beneficiary_id": "0192f4a4-7d7e-7c3a-9a53-6f1f3c0b9a11", "service_code": "meals",
    "provider_id": "0192f4a4-7d7e-7c3a-9a53-6f1f3c0b9a80", "contract_id": "0192f4a4-7d7e-7c3a-9a53-6f1f3c0b9ab0", "scheduled_for": "2025-04-02", "quantity": 30}))]
pub struct CreateOrder {
    pub need_id: Option<Uuid>,
    pub beneficiary_id: Uuid,
    pub service_code: String,
    /// A provider, or else a volunteer.
    pub provider_id: Option<Uuid>,
    pub volunteer_id: Option<Uuid>,
    /// Required when a provider delivers a government-purchased service.
    pub contract_id: Option<Uuid>,
    pub scheduled_for: NaiveDate,
    #[validate(range(min = 1, max = 100000))]
    #[schema(minimum = 1, maximum = 100000)]
    pub quantity: i32,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct OrderView {
    pub id: Uuid,
    pub need_id: Option<Uuid>,
    pub beneficiary_id: Uuid,
    pub region_code: String,
    pub service_code: String,
    pub provider_id: Option<Uuid>,
    pub volunteer_id: Option<Uuid>,
    pub contract_id: Option<Uuid>,
    pub scheduled_for: NaiveDate,
    pub quantity: i32,
    pub status: OrderStatus,
    /// Why it was declined or cancelled.
    pub reason: Option<String>,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

fn view(m: service_order::Model) -> Result<OrderView, DomainError> {
    Ok(OrderView {
        id: m.id,
        need_id: m.need_id,
        beneficiary_id: m.beneficiary_id,
        region_code: m.region_code,
        service_code: m.service_code,
        provider_id: m.provider_id,
        volunteer_id: m.volunteer_id,
        contract_id: m.contract_id,
        scheduled_for: m.scheduled_for,
        quantity: m.quantity,
        status: parse_code(&m.status)?,
        reason: m.reason,
        version: m.version,
        created_at: m.created_at,
        updated_at: m.updated_at,
    })
}

/// Staff see orders in their region; a provider sees orders sent to it.
fn scoped(ctx: &Context) -> Select<service_order::Entity> {
    match ctx.actor.role {
        Role::Provider => {
            service_order::Entity::find().filter(service_order::Column::ProviderId.eq(ctx.actor.provider_id.unwrap_or_default()))
        }
        _ => service_order::Entity::find().in_scope(&ctx.actor),
    }
}

/// Creates an order in the caller's transaction (`workflows::ordering`,
/// which authorizes it). `contract` holds the terms of `input.contract_id`,
/// read from procurement and locked in the same transaction.
pub async fn create_in(
    db: &Db,
    txn: &DatabaseTransaction,
    ctx: &Context,
    input: CreateOrder,
    contract: Option<ContractTerms>,
) -> Result<OrderView, DomainError> {
    let person = beneficiaries::find_in_scope(txn, ctx, input.beneficiary_id)
        .await
        .map_err(|_| DomainError::field("beneficiary_id", "beneficiary_unknown", "no such person in your region"))?;
    let today = ctx.now.date_naive();
    let person = BeneficiaryView::from_model(person, Pii::Masked, today)?;
    let offered = catalogue::find(txn, &input.service_code).await?.filter(|service| service.active);
    let offered = offered.ok_or_else(|| DomainError::field("service_code", "service_unknown", "no such active service"))?;
    check_not_covered_by_material(&input.service_code, &offered.covered_by_material, &coverage_of(&person, today))?;
    let region = RegionCode::parse(&person.region_code).map_err(DomainError::Internal)?;
    match (input.provider_id, input.volunteer_id) {
        (Some(provider_id), None) => {
            let found = providers::find(txn, provider_id).await?;
            let found = found.ok_or_else(|| DomainError::field("provider_id", "provider_unknown", "no such provider"))?;
            if let Some(until) = found.barred_until.filter(|until| *until >= today) {
                return Err(DomainError::RuleWithDetails {
                    code: "provider_barred",
                    message: format!("this provider is barred until {until} and gets no new orders"),
                    details: serde_json::json!({"barred_until": until}),
                });
            }
            if offered.government_funded {
                let Some(contract_id) = input.contract_id else {
                    return Err(DomainError::field(
                        "contract_id",
                        "contract_required",
                        "a government-purchased service is ordered under a contract",
                    ));
                };
                let terms =
                    contract.ok_or_else(|| DomainError::field("contract_id", "contract_unknown", format!("no contract {contract_id}")))?;
                check_contract(&terms, provider_id, &input.service_code, &region)
                    .map_err(|(code, message)| DomainError::rule(code, message))?;
                // Two orders at once under one contract must not both fit the last units.
                db.serialize_on(txn, "contract", contract_id).await?;
                let ordered = ordered_under(txn, contract_id, &input.service_code).await?;
                check_contract_quantity(&input.service_code, terms.quantity_of(&input.service_code), ordered, i64::from(input.quantity))?;
            }
            // Nor two orders at once the provider's last units of the month (after the contract's lock, always in that order).
            db.serialize_on(txn, "provider_capacity", provider_id).await?;
            let ordered = ordered_in_month(txn, provider_id, &input.service_code, input.scheduled_for).await?;
            let declared = found.monthly_capacity.get(&input.service_code).copied();
            check_provider_capacity(&input.service_code, declared, ordered, i64::from(input.quantity))?;
        }
        (None, Some(volunteer_id)) => {
            let found = volunteers::find_in_scope(txn, ctx, volunteer_id).await?;
            let found = found.ok_or_else(|| DomainError::field("volunteer_id", "volunteer_unknown", "no such volunteer in your region"))?;
            if !found.active || !found.skills.contains(&input.service_code) {
                return Err(DomainError::rule("volunteer_unsuited", "the volunteer is inactive or does not list this service"));
            }
        }
        _ => return Err(DomainError::field("provider_id", "assignee_choice", "give exactly one of provider_id and volunteer_id")),
    }
    if let Some(need_id) = input.need_id {
        let found = needs::lock_of_person(txn, need_id, person.id).await?;
        let found = found.ok_or_else(|| DomainError::field("need_id", "need_unknown", "no such need for this person"))?;
        if found.service_code != input.service_code || found.status != NeedStatus::Open {
            return Err(DomainError::field("need_id", "need_not_open", "the need is for another service or no longer open"));
        }
    }
    let order_id = new_id();
    if let Some(need_id) = input.need_id {
        move_need(txn, ctx, need_id, OrderStatus::Assigned.need_status(), order_id).await?;
    }
    let model = service_order::ActiveModel {
        id: Set(order_id),
        need_id: Set(input.need_id),
        beneficiary_id: Set(person.id),
        region_code: Set(person.region_code.clone()),
        service_code: Set(input.service_code),
        provider_id: Set(input.provider_id),
        volunteer_id: Set(input.volunteer_id),
        contract_id: Set(input.contract_id),
        scheduled_for: Set(input.scheduled_for),
        quantity: Set(input.quantity),
        status: Set(code_of(OrderStatus::Assigned)),
        reason: Set(None),
        version: Set(1),
        created_by: Set(ctx.actor.subject.clone()),
        created_at: Set(ctx.now),
        updated_at: Set(ctx.now),
    }
    .insert(txn)
    .await?;
    jiuzhu_intake::applications::resolve_items_by_order(txn, person.id, &model.service_code, model.id, ctx.now).await?;
    publish(txn, ctx, "service_order.assigned", &model).await?;
    view(model)
}

/// The quantity of `service_code` that a provider's orders scheduled in the
/// month of `day` hold: every order but the declined and the cancelled.
async fn ordered_in_month(conn: &impl ConnectionTrait, provider_id: Uuid, service_code: &str, day: NaiveDate) -> Result<i64, DomainError> {
    let first = day.with_day(1).unwrap_or(day);
    let next = first.checked_add_months(chrono::Months::new(1)).unwrap_or(first);
    let released = [code_of(OrderStatus::Declined), code_of(OrderStatus::Cancelled)];
    let holding = service_order::Entity::find()
        .filter(service_order::Column::ProviderId.eq(provider_id))
        .filter(service_order::Column::ServiceCode.eq(service_code))
        .filter(service_order::Column::ScheduledFor.gte(first))
        .filter(service_order::Column::ScheduledFor.lt(next))
        .filter(service_order::Column::Status.is_not_in(released));
    jiuzhu_platform::totals::sum_of(conn, holding, service_order::Column::Quantity).await
}

/// The quantity of `service_code` that orders under a contract hold: every
/// order but the declined and the cancelled.
async fn ordered_under(conn: &impl ConnectionTrait, contract_id: Uuid, service_code: &str) -> Result<i64, DomainError> {
    let released = [code_of(OrderStatus::Declined), code_of(OrderStatus::Cancelled)];
    let holding = service_order::Entity::find()
        .filter(service_order::Column::ContractId.eq(contract_id))
        .filter(service_order::Column::ServiceCode.eq(service_code))
        .filter(service_order::Column::Status.is_not_in(released));
    jiuzhu_platform::totals::sum_of(conn, holding, service_order::Column::Quantity).await
}

async fn publish(
    conn: &impl ConnectionTrait,
    ctx: &Context,
    event_type: &'static str,
    order: &service_order::Model,
) -> Result<(), DomainError> {
    let data = serde_json::json!({"status": order.status, "service_code": order.service_code, "version": order.version});
    let mut change = Change::published(event_type, "service_order", order.id, &order.region_code, data);
    if let Some(event) = change.event.as_mut() {
        event.provider_id = order.provider_id;
    }
    record(conn, ctx, change).await
}

pub async fn get(db: &Db, ctx: &Context, id: Uuid) -> Result<OrderView, DomainError> {
    authorize(db, ctx, Permission::OrderRead).await?;
    view(scoped(ctx).filter(service_order::Column::Id.eq(id)).one(db.conn()).await?.ok_or(DomainError::NotFound)?)
}

/// What a list of orders narrows to.
#[derive(Debug, Default, Clone)]
pub struct OrderFilter {
    pub status: Option<OrderStatus>,
    /// One person's orders.
    pub beneficiary_id: Option<Uuid>,
    /// The orders under one contract.
    pub contract_id: Option<Uuid>,
}

pub async fn list(
    db: &Db,
    ctx: &Context,
    filter: OrderFilter,
    page: jiuzhu_core::PageRequest,
) -> Result<jiuzhu_core::Page<OrderView>, DomainError> {
    authorize(db, ctx, Permission::OrderRead).await?;
    let mut query = scoped(ctx);
    if let Some(status) = filter.status {
        query = query.filter(service_order::Column::Status.eq(code_of(status)));
    }
    if let Some(person) = filter.beneficiary_id {
        query = query.filter(service_order::Column::BeneficiaryId.eq(person));
    }
    if let Some(contract) = filter.contract_id {
        query = query.filter(service_order::Column::ContractId.eq(contract));
    }
    let rows = keyset::<_, Uuid>(query, service_order::Column::Id, &page)?.all(db.conn()).await?;
    let page = page.into_page(rows, |r| r.id.to_string());
    page.try_map(view)
}

/// Moves an order on; completing it schedules the follow-up visit.
pub async fn act(
    db: &Db,
    ctx: &Context,
    id: Uuid,
    if_match: Option<i64>,
    action: OrderAction,
    reason: Option<String>,
    follow_up_days: i64,
) -> Result<OrderView, DomainError> {
    authorize(db, ctx, Permission::OrderWrite).await?;
    let txn = db.begin_write().await?;
    let current = scoped(ctx).filter(service_order::Column::Id.eq(id)).lock_exclusive().one(&*txn).await?.ok_or(DomainError::NotFound)?;
    expect_version(if_match, current.version)?;
    let status: OrderStatus = parse_code(&current.status)?;
    let next = status.after(action).ok_or_else(|| DomainError::invalid_transition("order", &current.status, "take that step"))?;
    let mut model: service_order::ActiveModel = current.clone().into();
    model.status = Set(code_of(next));
    if reason.is_some() {
        model.reason = Set(reason);
    }
    model.version = Set(current.version + 1);
    model.updated_at = Set(ctx.now);
    let updated = model.update(&*txn).await?;
    let event_type = match action {
        OrderAction::Accept => "service_order.accepted",
        OrderAction::Decline => "service_order.declined",
        OrderAction::Start => "service_order.started",
        OrderAction::Complete => "service_order.completed",
        OrderAction::Cancel => "service_order.cancelled",
    };
    if let Some(need_id) = updated.need_id
        && next.need_status() != status.need_status()
    {
        move_need(&*txn, ctx, need_id, next.need_status(), updated.id).await?;
    }
    if action == OrderAction::Start {
        // The application that asked for this service is now in service (一表受理 → 服务中).
        let assessment = match updated.need_id {
            Some(need_id) => needs::find(&*txn, need_id).await?.map(|n| n.assessment_id),
            None => None,
        };
        jiuzhu_intake::applications::service_started(&*txn, ctx, updated.beneficiary_id, &updated.service_code, assessment).await?;
    }
    if action == OrderAction::Complete {
        crate::follow_ups::schedule(&*txn, ctx, &updated, ctx.now.date_naive() + Duration::days(follow_up_days)).await?;
    }
    publish(&*txn, ctx, event_type, &updated).await?;
    txn.commit().await?;
    view(updated)
}

/// Moves the need an order serves along (matched → in service → met, or
/// back to open) through needs-assessment, which owns the need's status.
async fn move_need(
    conn: &impl ConnectionTrait,
    ctx: &Context,
    need_id: Uuid,
    status: NeedStatus,
    order_id: Uuid,
) -> Result<(), DomainError> {
    needs::move_status(conn, ctx, need_id, status, serde_json::json!({"service_order_id": order_id})).await?;
    Ok(())
}

/// Cancels a provider's open orders in the caller's scope (a sanction),
/// returning how many; each emits an event.
pub async fn cancel_open_for_provider(
    conn: &impl ConnectionTrait,
    ctx: &Context,
    provider_id: Uuid,
    reason: &str,
) -> Result<usize, DomainError> {
    let open = [code_of(OrderStatus::Assigned), code_of(OrderStatus::Accepted), code_of(OrderStatus::InProgress)];
    let rows = scoped(ctx)
        .filter(service_order::Column::ProviderId.eq(provider_id))
        .filter(service_order::Column::Status.is_in(open))
        .lock_exclusive()
        .all(conn)
        .await?;
    let count = rows.len();
    for current in rows {
        let mut model: service_order::ActiveModel = current.clone().into();
        model.status = Set(code_of(OrderStatus::Cancelled));
        model.reason = Set(Some(reason.to_string()));
        model.version = Set(current.version + 1);
        model.updated_at = Set(ctx.now);
        let updated = model.update(conn).await?;
        if let Some(need_id) = updated.need_id {
            move_need(conn, ctx, need_id, OrderStatus::Cancelled.need_status(), updated.id).await?;
        }
        publish(conn, ctx, "service_order.cancelled", &updated).await?;
    }
    Ok(count)
}

#[derive(Debug, Clone, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"started_at": "2025-04-02T11:00:00Z", "ended_at": "2025-04-02T11:20:00Z", "worker": "刘师傅", "quantity": 1, "notes": "午餐送达", "evidence": ["photo://2025/04/02/abc.jpg"]}))]
pub struct RecordDelivery {
    pub started_at: DateTime<Utc>,
    pub ended_at: DateTime<Utc>,
    #[validate(length(min = 1, max = 100))]
    #[schema(min_length = 1, max_length = 100)]
    pub worker: String,
    #[validate(range(min = 0, max = 100000))]
    #[schema(minimum = 0, maximum = 100000)]
    pub quantity: i32,
    #[validate(length(max = 4000))]
    #[schema(max_length = 4000)]
    #[serde(default)]
    pub notes: String,
    /// References to photos, signatures or other evidence.
    #[serde(default)]
    pub evidence: Vec<String>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DeliveryView {
    pub id: Uuid,
    pub order_id: Uuid,
    pub started_at: DateTime<Utc>,
    pub ended_at: DateTime<Utc>,
    pub worker: String,
    pub quantity: i32,
    pub notes: String,
    pub evidence: Vec<String>,
    pub created_at: DateTime<Utc>,
}

pub async fn record_delivery(db: &Db, ctx: &Context, id: Uuid, input: RecordDelivery) -> Result<DeliveryView, DomainError> {
    authorize(db, ctx, Permission::OrderWrite).await?;
    if input.ended_at < input.started_at {
        return Err(DomainError::field("ended_at", "date_order", "a delivery ends after it starts"));
    }
    let txn = db.begin_write().await?;
    // Locked, so that two deliveries at once cannot both fit the order's last units.
    let order = scoped(ctx).filter(service_order::Column::Id.eq(id)).lock_exclusive().one(&*txn).await?.ok_or(DomainError::NotFound)?;
    if !parse_code::<OrderStatus>(&order.status)?.takes_deliveries() {
        return Err(DomainError::rule(
            "order_not_accepted",
            format!("deliveries are recorded on accepted orders; this one is {}", order.status),
        ));
    }
    let deliveries = delivery::Entity::find().filter(delivery::Column::OrderId.eq(id));
    let delivered = jiuzhu_platform::totals::sum_of(&*txn, deliveries, delivery::Column::Quantity).await?;
    check_delivery(input.ended_at, ctx.now, i64::from(order.quantity), delivered, i64::from(input.quantity))?;
    let model = delivery::ActiveModel {
        id: Set(new_id()),
        order_id: Set(id),
        region_code: Set(order.region_code.clone()),
        started_at: Set(input.started_at),
        ended_at: Set(input.ended_at),
        worker: Set(input.worker),
        quantity: Set(input.quantity),
        notes: Set(input.notes),
        evidence: Set(jiuzhu_core::stored_json::to_column(&input.evidence)?),
        recorded_by: Set(ctx.actor.subject.clone()),
        created_at: Set(ctx.now),
    }
    .insert(&*txn)
    .await?;
    let mut change = Change::published(
        "delivery.recorded",
        "delivery",
        model.id,
        &model.region_code,
        serde_json::json!({"order_id": id, "quantity": model.quantity}),
    );
    if let Some(event) = change.event.as_mut() {
        event.provider_id = order.provider_id;
    }
    record(&*txn, ctx, change).await?;
    txn.commit().await?;
    Ok(DeliveryView {
        id: model.id,
        order_id: id,
        started_at: model.started_at,
        ended_at: model.ended_at,
        worker: model.worker,
        quantity: model.quantity,
        notes: model.notes,
        evidence: jiuzhu_core::stored_json::from_column("deliveries.evidence", &model.evidence)?,
        created_at: model.created_at,
    })
}

jiuzhu_core::coded_enum! {
    pub enum FeedbackChannel as "feedback_channel" {
        Phone = "phone", "电话回访", "Phone";
        Visit = "visit", "上门回访", "Visit";
        Online = "online", "线上评价", "Online";
    }
}

#[derive(Debug, Clone, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"satisfaction": 5, "comment": "饭菜可口，准时", "channel": "phone", "collected_by": "社区协理员王丽"}))]
pub struct GiveFeedback {
    /// 1 (very dissatisfied) to 5 (very satisfied).
    #[validate(range(min = 1, max = 5))]
    #[schema(minimum = 1, maximum = 5)]
    pub satisfaction: i16,
    #[validate(length(max = 4000))]
    #[schema(max_length = 4000)]
    #[serde(default)]
    pub comment: String,
    pub channel: FeedbackChannel,
    #[validate(length(min = 1, max = 100))]
    #[schema(min_length = 1, max_length = 100)]
    pub collected_by: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct FeedbackView {
    pub id: Uuid,
    pub order_id: Uuid,
    pub satisfaction: i16,
    pub comment: String,
    pub channel: FeedbackChannel,
    pub collected_by: String,
    pub created_at: DateTime<Utc>,
}

/// Satisfaction is collected by staff, never by the provider itself.
pub async fn give_feedback(db: &Db, ctx: &Context, id: Uuid, input: GiveFeedback) -> Result<FeedbackView, DomainError> {
    authorize(db, ctx, Permission::OrderWrite).await?;
    if ctx.actor.role == Role::Provider {
        return Err(DomainError::Forbidden { permission: "order:write (staff; providers do not rate themselves)".into() });
    }
    let txn = db.begin_write().await?;
    let order = scoped(ctx).filter(service_order::Column::Id.eq(id)).one(&*txn).await?.ok_or(DomainError::NotFound)?;
    if !matches!(parse_code::<OrderStatus>(&order.status)?, OrderStatus::InProgress | OrderStatus::Completed) {
        return Err(DomainError::rule("order_not_served", "feedback is collected once the service has been delivered"));
    }
    let model = feedback::ActiveModel {
        id: Set(new_id()),
        order_id: Set(id),
        satisfaction: Set(input.satisfaction),
        comment: Set(input.comment),
        channel: Set(code_of(input.channel)),
        collected_by: Set(input.collected_by),
        created_at: Set(ctx.now),
    }
    .insert(&*txn)
    .await?;
    if let Some(provider_id) = order.provider_id {
        jiuzhu_supply::providers::count_feedback(&*txn, provider_id, model.satisfaction).await?;
    }
    let change = Change::published(
        "feedback.collected",
        "service_order",
        id,
        &order.region_code,
        serde_json::json!({"satisfaction": model.satisfaction}),
    );
    record(&*txn, ctx, change).await?;
    txn.commit().await?;
    Ok(FeedbackView {
        id: model.id,
        order_id: id,
        satisfaction: model.satisfaction,
        comment: model.comment,
        channel: input.channel,
        collected_by: model.collected_by,
        created_at: model.created_at,
    })
}

/// What the orders under one contract delivered, for the evidence beside its
/// evaluation's scores.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct UnderContract {
    /// Units recorded as delivered.
    pub delivered_units: i64,
    /// Feedback given on those orders, at any time.
    pub feedback: crate::satisfaction::FeedbackTotals,
    /// Follow-up visits scheduled for them.
    pub follow_ups: u64,
}

/// The deliveries, feedback and follow-ups of the orders placed under `contract_id`.
pub async fn under_contract(conn: &impl ConnectionTrait, contract_id: Uuid) -> Result<UnderContract, DomainError> {
    use crate::entity::follow_up;
    use sea_orm::sea_query::Query;
    use sea_orm::{Condition, PaginatorTrait};
    let orders = || {
        Query::select()
            .column(service_order::Column::Id)
            .from(service_order::Entity)
            .and_where(service_order::Column::ContractId.eq(contract_id))
            .to_owned()
    };
    let quantities: Vec<i32> = delivery::Entity::find()
        .select_only()
        .column(delivery::Column::Quantity)
        .filter(delivery::Column::OrderId.in_subquery(orders()))
        .into_tuple()
        .all(conn)
        .await?;
    let under = Condition::all().add(service_order::Column::ContractId.eq(contract_id));
    let feedback = crate::satisfaction::totals(conn, under, None, None).await?;
    let follow_ups = follow_up::Entity::find().filter(follow_up::Column::OrderId.in_subquery(orders())).count(conn).await?;
    Ok(UnderContract { delivered_units: quantities.into_iter().map(i64::from).sum(), feedback, follow_ups })
}
