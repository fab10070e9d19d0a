//! Visits (探访关爱): the village station's work log of care visits,
//! follow-ups after a service, and paperwork done on a person's behalf.

use crate::beneficiaries;
use crate::entity::visit;
use chrono::{DateTime, NaiveDate, Utc};
use jiuzhu_core::codes::{code_of, parse_code};
use jiuzhu_core::{Context, DomainError, Page, PageRequest, Permission, id::new_id};
use jiuzhu_platform::Db;
use jiuzhu_platform::paging::keyset;
use jiuzhu_platform::record::{Change, authorize, record};
use jiuzhu_platform::scope::InScope;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, Set};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;
use validator::Validate;

jiuzhu_core::coded_enum! {
    pub enum VisitKind as "visit_kind" {
        CareVisit = "care_visit", "探访关爱", "Care visit";
        FollowUp = "follow_up", "服务回访", "Follow up";
        ProxyService = "proxy_service", "协助代办", "Proxy service";
    }
}

#[derive(Debug, Clone, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"beneficiary_id": "0192f4a4-7d7e-7c3a-9a53-6f1f3c0b9a11", "kind": "care_visit", "visited_at": "2025-03-03T10:00:00Z", "findings": "身体状况稳定，冰箱食物不足，已联系助餐", "next_visit_on": "2025-03-17"}))]
pub struct RecordVisit {
    pub beneficiary_id: Uuid,
    pub kind: VisitKind,
    pub visited_at: DateTime<Utc>,
    #[validate(length(min = 1, max = 4000))]
    #[schema(min_length = 1, max_length = 4000)]
    pub findings: String,
    pub next_visit_on: Option<NaiveDate>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct VisitView {
    pub id: Uuid,
    pub beneficiary_id: Uuid,
    pub region_code: String,
    pub kind: VisitKind,
    pub visited_at: DateTime<Utc>,
    /// The staff member who recorded it.
    pub visitor: String,
    pub findings: String,
    pub next_visit_on: Option<NaiveDate>,
    pub created_at: DateTime<Utc>,
}

fn view(m: visit::Model) -> Result<VisitView, DomainError> {
    Ok(VisitView {
        id: m.id,
        beneficiary_id: m.beneficiary_id,
        region_code: m.region_code,
        kind: parse_code(&m.kind)?,
        visited_at: m.visited_at,
        visitor: m.visitor,
        findings: m.findings,
        next_visit_on: m.next_visit_on,
        created_at: m.created_at,
    })
}

pub async fn record_visit(db: &Db, ctx: &Context, input: RecordVisit) -> Result<VisitView, DomainError> {
    authorize(db, ctx, Permission::BeneficiaryWrite).await?;
    if input.visited_at > ctx.now {
        return Err(DomainError::field("visited_at", "in_future", "a visit is recorded after it happened"));
    }
    if input.next_visit_on.is_some_and(|next| next < input.visited_at.date_naive()) {
        return Err(DomainError::field("next_visit_on", "date_order", "the next visit comes after this one"));
    }
    let txn = db.begin_write().await?;
    let person = beneficiaries::find_in_scope(&*txn, ctx, input.beneficiary_id)
        .await
        .map_err(|_| DomainError::field("beneficiary_id", "beneficiary_unknown", "no such person in your region"))?;
    let kind = code_of(input.kind);
    let model = visit::ActiveModel {
        id: Set(new_id()),
        beneficiary_id: Set(person.id),
        region_code: Set(person.region_code.clone()),
        kind: Set(kind),
        visited_at: Set(input.visited_at),
        visitor: Set(ctx.actor.subject.clone()),
        findings: Set(input.findings),
        next_visit_on: Set(input.next_visit_on),
        created_at: Set(ctx.now),
    }
    .insert(&*txn)
    .await?;
    let data = serde_json::json!({"beneficiary_id": model.beneficiary_id, "kind": model.kind, "next_visit_on": model.next_visit_on});
    record(&*txn, ctx, Change::published("visit.recorded", "visit", model.id, &model.region_code, data)).await?;
    txn.commit().await?;
    view(model)
}

#[derive(Debug, Default, Clone)]
pub struct VisitFilter {
    pub beneficiary_id: Option<Uuid>,
    pub kind: Option<VisitKind>,
    /// Only visits whose next visit is due on or before this day.
    pub next_visit_due_by: Option<NaiveDate>,
}

pub async fn list(db: &Db, ctx: &Context, filter: VisitFilter, page: PageRequest) -> Result<Page<VisitView>, DomainError> {
    authorize(db, ctx, Permission::BeneficiaryRead).await?;
    let mut query = visit::Entity::find().in_scope(&ctx.actor);
    if let Some(person) = filter.beneficiary_id {
        query = query.filter(visit::Column::BeneficiaryId.eq(person));
    }
    if let Some(kind) = filter.kind {
        query = query.filter(visit::Column::Kind.eq(code_of(kind)));
    }
    if let Some(due) = filter.next_visit_due_by {
        query = query.filter(visit::Column::NextVisitOn.lte(due));
    }
    let rows = keyset::<_, Uuid>(query, visit::Column::Id, &page)?.all(db.conn()).await?;
    let page = page.into_page(rows, |r| r.id.to_string());
    page.try_map(view)
}

pub async fn get(db: &Db, ctx: &Context, id: Uuid) -> Result<VisitView, DomainError> {
    authorize(db, ctx, Permission::BeneficiaryRead).await?;
    let row = visit::Entity::find_by_id(id).in_scope(&ctx.actor).one(db.conn()).await?;
    view(row.ok_or(DomainError::NotFound)?)
}
