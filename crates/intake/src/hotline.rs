//! The 12349 hotline: consultations are answered, help requests become
//! applications, complaints are assigned to a region and closed with an
//! outcome. Callers' phone numbers are masked like all personal data.

use crate::applications::{self, Channel, ConvertToApplication};
use crate::beneficiaries::service_region;
use crate::entity::hotline_ticket;
use chrono::{DateTime, Utc};
use jiuzhu_core::codes::{code_of, parse_code};
use jiuzhu_core::mask::Pii;
use jiuzhu_core::{Context, DomainError, Page, PageRequest, Permission, Phone, RegionCode, id::new_id};
use jiuzhu_platform::Db;
use jiuzhu_platform::concurrency::expect_version;
use jiuzhu_platform::paging::keyset;
use jiuzhu_platform::record::{Change, authorize, record};
use jiuzhu_platform::scope::InScope;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QuerySelect, Set};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;
use validator::Validate;

jiuzhu_core::coded_enum! {
    pub enum TicketKind as "ticket_kind" {
        Consultation = "consultation", "政策咨询", "Consultation";
        HelpRequest = "help_request", "求助", "Help request";
        Complaint = "complaint", "投诉", "Complaint";
    }
}

jiuzhu_core::coded_enum! {
    pub enum TicketStatus as "ticket_status" {
        Open = "open", "待处理", "Open";
        Answered = "answered", "已答复", "Answered";
        Converted = "converted", "已转申请", "Converted";
        Closed = "closed", "已办结", "Closed";
    }
}

#[derive(Debug, Clone, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"caller_phone": "13912345678", "kind": "help_request", "summary": "老人独居，希望有人上门送餐", "region_code": "640202001001", "received_at": "2025-03-01T09:12:00Z"}))]
pub struct CreateTicket {
    pub caller_phone: String,
    pub kind: TicketKind,
    #[validate(length(min = 1, max = 2000))]
    #[schema(min_length = 1, max_length = 2000)]
    pub summary: String,
    /// Where the matter belongs: a township or village in the caller's region.
    pub region_code: String,
    pub received_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(example = json!({"id": "0192f4a4-7d7e-7c3a-9a53-6f1f3c0b9a60", "caller_phone": "139****5678", "kind": "help_request", "summary": "老人独居，希望有人上门送餐", "region_code": "640202001001", "received_at": "2025-03-01T09:12:00Z", "status": "open", "answer": null, "outcome": null, "application_id": null, "version": 1, "created_at": "2025-03-01T09:15:00Z", "updated_at": "2025-03-01T09:15:00Z"}))]
pub struct TicketView {
    pub id: Uuid,
    /// Masked.
    pub caller_phone: String,
    pub kind: TicketKind,
    pub summary: String,
    pub region_code: String,
    pub received_at: DateTime<Utc>,
    pub status: TicketStatus,
    pub answer: Option<String>,
    pub outcome: Option<String>,
    pub application_id: Option<Uuid>,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

fn view(m: hotline_ticket::Model) -> Result<TicketView, DomainError> {
    Ok(TicketView {
        id: m.id,
        caller_phone: Pii::Masked.stored_phone(&m.caller_phone),
        kind: parse_code(&m.kind)?,
        summary: m.summary,
        region_code: m.region_code,
        received_at: m.received_at,
        status: parse_code(&m.status)?,
        answer: m.answer,
        outcome: m.outcome,
        application_id: m.application_id,
        version: m.version,
        created_at: m.created_at,
        updated_at: m.updated_at,
    })
}

pub async fn create(db: &Db, ctx: &Context, input: CreateTicket) -> Result<TicketView, DomainError> {
    authorize(db, ctx, Permission::ApplicationWrite).await?;
    let phone = Phone::parse_field(&input.caller_phone, "caller_phone")?;
    let txn = db.begin_write().await?;
    let region = service_region(&*txn, ctx, &input.region_code, "region_code").await?;
    let kind = code_of(input.kind);
    let model = hotline_ticket::ActiveModel {
        id: Set(new_id()),
        caller_phone: Set(phone.as_str().to_string()),
        kind: Set(kind),
        summary: Set(input.summary),
        region_code: Set(region.to_string()),
        received_at: Set(input.received_at),
        status: Set(TicketStatus::Open.code().into()),
        answer: Set(None),
        outcome: Set(None),
        application_id: Set(None),
        version: Set(1),
        created_at: Set(ctx.now),
        updated_at: Set(ctx.now),
    }
    .insert(&*txn)
    .await?;
    let data = serde_json::json!({"kind": model.kind});
    record(&*txn, ctx, Change::published("hotline_ticket.created", "hotline_ticket", model.id, &model.region_code, data)).await?;
    txn.commit().await?;
    view(model)
}

pub async fn list(
    db: &Db,
    ctx: &Context,
    kind: Option<TicketKind>,
    status: Option<TicketStatus>,
    page: PageRequest,
) -> Result<Page<TicketView>, DomainError> {
    authorize(db, ctx, Permission::ApplicationRead).await?;
    let mut query = hotline_ticket::Entity::find().in_scope(&ctx.actor);
    if let Some(kind) = kind {
        query = query.filter(hotline_ticket::Column::Kind.eq(code_of(kind)));
    }
    if let Some(status) = status {
        query = query.filter(hotline_ticket::Column::Status.eq(status.code()));
    }
    let rows = keyset::<_, Uuid>(query, hotline_ticket::Column::Id, &page)?.all(db.conn()).await?;
    let page = page.into_page(rows, |r| r.id.to_string());
    page.try_map(view)
}

pub async fn get(db: &Db, ctx: &Context, id: Uuid) -> Result<TicketView, DomainError> {
    authorize(db, ctx, Permission::ApplicationRead).await?;
    let row = hotline_ticket::Entity::find_by_id(id).in_scope(&ctx.actor).one(db.conn()).await?;
    view(row.ok_or(DomainError::NotFound)?)
}

pub enum TicketAction {
    /// A consultation's answer.
    Answer(String),
    /// A help request becomes an application.
    Convert(Box<ConvertToApplication>),
    /// A complaint moves to the region that must handle it.
    Assign(String),
    /// A complaint ends with its outcome.
    Close(String),
}

pub async fn act(db: &Db, ctx: &Context, id: Uuid, if_match: Option<i64>, action: TicketAction) -> Result<TicketView, DomainError> {
    authorize(db, ctx, Permission::ApplicationWrite).await?;
    if matches!(&action, TicketAction::Convert(c) if c.applicant.is_some()) {
        authorize(db, ctx, Permission::BeneficiaryWrite).await?;
    }
    let txn = db.begin_write().await?;
    let current =
        hotline_ticket::Entity::find_by_id(id).in_scope(&ctx.actor).lock_exclusive().one(&*txn).await?.ok_or(DomainError::NotFound)?;
    expect_version(if_match, current.version)?;
    let kind: TicketKind = parse_code(&current.kind)?;
    let open = current.status == TicketStatus::Open.code();
    let mut model: hotline_ticket::ActiveModel = current.clone().into();
    let event_type = match (action, kind, open) {
        (TicketAction::Answer(answer), TicketKind::Consultation, true) => {
            model.answer = Set(Some(answer));
            model.status = Set(TicketStatus::Answered.code().into());
            "hotline_ticket.answered"
        }
        (TicketAction::Convert(convert), TicketKind::HelpRequest, true) => {
            let input = convert.into_application(Channel::Hotline, None, Some(current.region_code.clone()));
            if input.applicant.is_none() && input.beneficiary_id.is_none() {
                return Err(DomainError::field(
                    "beneficiary_id",
                    "required",
                    "name the listed person with beneficiary_id, or register them with applicant",
                ));
            }
            let (application, _) = applications::insert(&*txn, ctx, input).await?;
            model.application_id = Set(Some(application.id));
            model.status = Set(TicketStatus::Converted.code().into());
            "hotline_ticket.converted"
        }
        (TicketAction::Assign(code), TicketKind::Complaint, true) => {
            let region: RegionCode = service_region(&*txn, ctx, &code, "region_code").await?;
            model.region_code = Set(region.to_string());
            "hotline_ticket.assigned"
        }
        (TicketAction::Close(outcome), TicketKind::Complaint, true) => {
            model.outcome = Set(Some(outcome));
            model.status = Set(TicketStatus::Closed.code().into());
            "hotline_ticket.closed"
        }
        _ => {
            return Err(DomainError::invalid_transition(&format!("{} ticket", current.kind), &current.status, "take that step"));
        }
    };
    model.version = Set(current.version + 1);
    model.updated_at = Set(ctx.now);
    let updated = model.update(&*txn).await?;
    let data = serde_json::json!({"status": updated.status, "application_id": updated.application_id});
    record(&*txn, ctx, Change::published(event_type, "hotline_ticket", updated.id, &updated.region_code, data)).await?;
    txn.commit().await?;
    view(updated)
}
