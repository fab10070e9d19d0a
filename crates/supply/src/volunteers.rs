//! Volunteers and mutual aid (以困助困, 60帮80): who may help under which
//! programme, and the time ledger of hours served.

use crate::entity::{volunteer, volunteer_hour};
use crate::rules::{Candidate, Program, check_program};
use chrono::{DateTime, NaiveDate, Utc};
use jiuzhu_core::RegionCode;
use jiuzhu_core::codes::{code_of, parse_code};
use jiuzhu_core::mask::Pii;
use jiuzhu_core::{CitizenId, Context, DomainError, Page, PageRequest, Permission, id::new_id};
use jiuzhu_intake::beneficiaries::{self, service_region};
use jiuzhu_platform::Db;
use jiuzhu_platform::paging::keyset;
use jiuzhu_platform::record::{Change, authorize, record};
use jiuzhu_platform::scope::{InScope, under};
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;
use validator::Validate;

#[derive(Debug, Clone, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"name": "王建国", "id_number": "640202195803150012", "region_code": "640202001001", "program": "sixty_helps_eighty", "skills": ["companionship", "errands"], "availability": "工作日上午", "healthy_declared": true}))]
pub struct RegisterVolunteer {
    #[validate(length(min = 1, max = 100))]
    #[schema(min_length = 1, max_length = 100)]
    pub name: String,
    /// The age follows from it; for mutual aid it links the registered beneficiary.
    pub id_number: String,
    /// Township or village where they help.
    pub region_code: String,
    pub program: Program,
    /// Catalogue service codes they can help with.
    #[validate(length(max = 20))]
    #[schema(max_items = 20)]
    #[serde(default)]
    pub skills: Vec<String>,
    #[validate(length(max = 500))]
    #[schema(max_length = 500)]
    #[serde(default)]
    pub availability: String,
    /// Required for 60帮80.
    #[serde(default)]
    pub healthy_declared: bool,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct VolunteerView {
    pub id: Uuid,
    pub name: String,
    /// Masked.
    pub id_number: String,
    pub age: u32,
    pub beneficiary_id: Option<Uuid>,
    pub region_code: String,
    pub program: Program,
    pub skills: Vec<String>,
    pub availability: String,
    pub healthy_declared: bool,
    pub active: bool,
    pub version: i64,
    pub created_at: DateTime<Utc>,
}

fn view(m: volunteer::Model, today: NaiveDate) -> Result<VolunteerView, DomainError> {
    let id = CitizenId::parse(&m.id_number).map_err(|e| DomainError::Internal(format!("stored id_number: {e}")))?;
    Ok(VolunteerView {
        id: m.id,
        name: m.name,
        id_number: Pii::Masked.citizen_id(&id),
        age: Pii::Masked.age(&id, today),
        beneficiary_id: m.beneficiary_id,
        region_code: m.region_code,
        program: parse_code(&m.program)?,
        skills: m.skills.split(',').filter(|s| !s.is_empty()).map(str::to_string).collect(),
        availability: m.availability,
        healthy_declared: m.healthy_declared,
        active: m.active,
        version: m.version,
        created_at: m.created_at,
    })
}

pub async fn register(db: &Db, ctx: &Context, input: RegisterVolunteer) -> Result<VolunteerView, DomainError> {
    authorize(db, ctx, Permission::BeneficiaryWrite).await?;
    let id_number = CitizenId::parse_field(&input.id_number, "id_number")?;
    let today = ctx.now.date_naive();
    let txn = db.begin_write().await?;
    let region = service_region(&*txn, ctx, &input.region_code, "region_code").await?;
    let known = crate::catalogue::existing_codes(&*txn, &input.skills).await?;
    if let Some(unknown) = input.skills.iter().find(|s| !known.contains(s)) {
        return Err(DomainError::field("skills", "service_unknown", format!("{unknown} is not in the catalogue")));
    }
    let person = beneficiaries::active_by_id_number(&*txn, ctx, id_number.as_str(), today).await?;
    let groups = person.as_ref().map(|p| p.groups.clone()).unwrap_or_default();
    let candidate = Candidate {
        age: id_number.age_on(today),
        healthy_declared: input.healthy_declared,
        registered_beneficiary: person.is_some(),
        limiting_groups: groups.into_iter().filter(|g| g == "disabled" || g == "seriously_ill").collect(),
    };
    check_program(input.program, &candidate).map_err(|(code, message)| DomainError::rule(code, message))?;
    if let Some(existing) = volunteer::Entity::find().filter(volunteer::Column::IdNumber.eq(id_number.as_str())).one(&*txn).await? {
        drop(txn);
        let visible = ctx.actor.covers_code(&existing.region_code);
        let conflict = DomainError::Conflict {
            code: "volunteer_registered",
            message: if visible { "this person is already a volunteer" } else { "this person is a volunteer in another area" }.into(),
            existing_id: visible.then(|| existing.id.to_string()),
        };
        return Err(jiuzhu_platform::probing::screened(db, ctx, "volunteer", conflict).await);
    }
    let model = volunteer::ActiveModel {
        id: Set(new_id()),
        name: Set(input.name),
        id_number: Set(id_number.as_str().to_string()),
        beneficiary_id: Set(person.map(|p| p.id)),
        region_code: Set(region.to_string()),
        program: Set(code_of(input.program)),
        skills: Set(input.skills.join(",")),
        availability: Set(input.availability),
        healthy_declared: Set(input.healthy_declared),
        active: Set(true),
        version: Set(1),
        created_at: Set(ctx.now),
        updated_at: Set(ctx.now),
    }
    .insert(&*txn)
    .await?;
    record(
        &*txn,
        ctx,
        Change::published("volunteer.registered", "volunteer", model.id, &model.region_code, serde_json::json!({"program": model.program})),
    )
    .await?;
    txn.commit().await?;
    view(model, today)
}

pub async fn list(db: &Db, ctx: &Context, program: Option<Program>, page: PageRequest) -> Result<Page<VolunteerView>, DomainError> {
    authorize(db, ctx, Permission::BeneficiaryRead).await?;
    let mut query = volunteer::Entity::find().in_scope(&ctx.actor);
    if let Some(program) = program {
        query = query.filter(volunteer::Column::Program.eq(code_of(program)));
    }
    let rows = keyset::<_, Uuid>(query, volunteer::Column::Id, &page)?.all(db.conn()).await?;
    let page = page.into_page(rows, |r| r.id.to_string());
    let today = ctx.now.date_naive();
    page.try_map(|m| view(m, today))
}

/// A volunteer the caller can see, inside the caller's transaction.
pub async fn find_in_scope(conn: &impl ConnectionTrait, ctx: &Context, id: Uuid) -> Result<Option<VolunteerView>, DomainError> {
    found_in_scope(conn, ctx, id).await?.map(|m| view(m, ctx.now.date_naive())).transpose()
}

/// Active volunteers of `area`'s subtree (a township, say), by id, at most
/// `limit`: the neighbours matching may propose.
pub async fn active_under(
    conn: &impl ConnectionTrait,
    area: &RegionCode,
    limit: u64,
    today: NaiveDate,
) -> Result<Vec<VolunteerView>, DomainError> {
    let rows = volunteer::Entity::find()
        .filter(volunteer::Column::Active.eq(true))
        .filter(under::<volunteer::Entity>(area))
        .order_by_asc(volunteer::Column::Id)
        .limit(limit)
        .all(conn)
        .await?;
    rows.into_iter().map(|m| view(m, today)).collect()
}

async fn found_in_scope(conn: &impl ConnectionTrait, ctx: &Context, id: Uuid) -> Result<Option<volunteer::Model>, DomainError> {
    Ok(volunteer::Entity::find_by_id(id).in_scope(&ctx.actor).one(conn).await?)
}

async fn in_scope(db: &Db, ctx: &Context, id: Uuid) -> Result<volunteer::Model, DomainError> {
    found_in_scope(db.conn(), ctx, id).await?.ok_or(DomainError::NotFound)
}

pub async fn get(db: &Db, ctx: &Context, id: Uuid) -> Result<VolunteerView, DomainError> {
    authorize(db, ctx, Permission::BeneficiaryRead).await?;
    view(in_scope(db, ctx, id).await?, ctx.now.date_naive())
}

#[derive(Debug, Clone, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"served_on": "2025-03-03", "minutes": 90, "service_code": "companionship", "note": "陪同散步、聊天"}))]
pub struct LogHours {
    pub served_on: NaiveDate,
    /// 1 to 720 minutes in one entry.
    #[validate(range(min = 1, max = 720))]
    #[schema(minimum = 1, maximum = 720)]
    pub minutes: i32,
    pub service_code: Option<String>,
    #[validate(length(max = 1000))]
    #[schema(max_length = 1000)]
    #[serde(default)]
    pub note: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct HoursEntry {
    pub id: Uuid,
    pub served_on: NaiveDate,
    pub minutes: i32,
    pub service_code: Option<String>,
    pub note: String,
    pub recorded_by: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(example = json!({"volunteer_id": "0192f4a4-7d7e-7c3a-9a53-6f1f3c0b9a80", "total_minutes": 210, "entries": []}))]
pub struct Ledger {
    pub volunteer_id: Uuid,
    pub total_minutes: i64,
    pub entries: Vec<HoursEntry>,
}

pub async fn log_hours(db: &Db, ctx: &Context, id: Uuid, input: LogHours) -> Result<Ledger, DomainError> {
    authorize(db, ctx, Permission::BeneficiaryWrite).await?;
    if input.served_on > ctx.now.date_naive() {
        return Err(DomainError::field("served_on", "in_future", "hours are logged after they are served"));
    }
    let volunteer = in_scope(db, ctx, id).await?;
    if !volunteer.active {
        return Err(DomainError::conflict("volunteer_inactive", "this volunteer is inactive"));
    }
    let txn = db.begin_write().await?;
    let entry = volunteer_hour::ActiveModel {
        id: Set(new_id()),
        volunteer_id: Set(id),
        served_on: Set(input.served_on),
        minutes: Set(input.minutes),
        service_code: Set(input.service_code),
        note: Set(input.note),
        recorded_by: Set(ctx.actor.subject.clone()),
        created_at: Set(ctx.now),
    }
    .insert(&*txn)
    .await?;
    record(
        &*txn,
        ctx,
        Change::published("volunteer.hours_logged", "volunteer", id, &volunteer.region_code, serde_json::json!({"minutes": entry.minutes})),
    )
    .await?;
    txn.commit().await?;
    ledger(db, ctx, id).await
}

pub async fn ledger(db: &Db, ctx: &Context, id: Uuid) -> Result<Ledger, DomainError> {
    authorize(db, ctx, Permission::BeneficiaryRead).await?;
    in_scope(db, ctx, id).await?;
    let rows = volunteer_hour::Entity::find()
        .filter(volunteer_hour::Column::VolunteerId.eq(id))
        .order_by_asc(volunteer_hour::Column::ServedOn)
        .all(db.conn())
        .await?;
    let total_minutes = rows.iter().map(|r| i64::from(r.minutes)).sum();
    let entries = rows
        .into_iter()
        .map(|r| HoursEntry {
            id: r.id,
            served_on: r.served_on,
            minutes: r.minutes,
            service_code: r.service_code,
            note: r.note,
            recorded_by: r.recorded_by,
        })
        .collect();
    Ok(Ledger { volunteer_id: id, total_minutes, entries })
}
