//! One-form applications (一表受理、协同办理、分类转办): one application holds
//! several needs. Service items stay with civil affairs; each transfer item
//! becomes a referral to its department when the application is accepted,
//! in the same transaction.

use crate::beneficiaries::{self, CategoryRecord, CreateBeneficiary};
use crate::entity::{application, application_item, beneficiary, referral};
use crate::rules::{
    ApplicationAction, ApplicationStatus, ItemResolution, Matter, ReferralStatus, add_working_days, check_household_member,
    check_items_resolved, resolved_by_assessment,
};
use chrono::{DateTime, NaiveDate, Utc};
use jiuzhu_core::codes::{code_of, parse_code};
use jiuzhu_core::stored_json::to_column as to_json;
use jiuzhu_core::{Context, DomainError, FieldError, Page, PageRequest, Permission, catalogue, id::new_id};
use jiuzhu_platform::Db;
use jiuzhu_platform::concurrency::expect_version;
use jiuzhu_platform::paging::keyset;
use jiuzhu_platform::record::{Change, authorize, record};
use jiuzhu_platform::scope::{InScope, under};
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;
use validator::Validate;

jiuzhu_core::coded_enum! {
    pub enum Channel as "channel" {
        WalkIn = "walk_in", "窗口受理", "Walk-in";
        Hotline = "hotline", "12349热线", "12349 hotline";
        Online = "online", "网上申请", "Online";
        ProactiveDiscovery = "proactive_discovery", "主动发现", "Proactive discovery";
        DepartmentReferral = "department_referral", "部门转介", "Department referral";
        Questionnaire = "questionnaire", "问卷调查", "Questionnaire";
    }
}

jiuzhu_core::coded_enum! {
    pub enum ItemKind as "item_kind" {
        /// 服务需求（民政承接）
        Service = "service", "服务需求", "Service need";
        /// 转办事项（其他部门承接）
        Transfer = "transfer", "转办事项", "Transfer to a department";
    }
}

#[derive(Debug, Clone, Deserialize, Serialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ItemInput {
    pub kind: ItemKind,
    /// A catalogue service code, for `service` items; omit it to have free text assessed.
    pub service_code: Option<String>,
    /// For `transfer` items: the matter, which decides the department.
    pub matter: Option<Matter>,
    #[validate(length(max = 1000))]
    #[schema(max_length = 1000)]
    #[serde(default)]
    pub description: String,
    /// For `transfer` items: the member of the applicant's household the
    /// matter concerns, when not the applicant (a grandchild's school-fee
    /// waiver); the department's referral names that person.
    pub member_id: Option<Uuid>,
}

jiuzhu_core::coded_enum! {
    pub enum ConsentMethod as "consent_method" {
        Written = "written", "书面", "Written";
        /// 口头（经办人记录）
        Verbal = "verbal", "口头", "Verbal";
        Electronic = "electronic", "电子签名", "Electronic";
    }
}

/// The person's consent to share their data with the departments.
#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Consent {
    pub given: bool,
    pub date: NaiveDate,
    pub method: ConsentMethod,
}

/// Filed on the person's behalf (协助代办); the filer is the caller.
#[derive(Debug, Clone, Deserialize, Serialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Proxy {
    /// Why the person could not file themselves.
    #[validate(length(min = 1, max = 500))]
    #[schema(min_length = 1, max_length = 500)]
    pub reason: String,
}

#[derive(Debug, Clone, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"channel": "walk_in", "beneficiary_id": "0192f4a4-7d7e-7c3a-9a53-6f1f3c0b9a11", "consent": {"given": true, "date": "2025-03-01", "method": "written"}, "items": [{"kind": "service", "service_code": "meals"}, {"kind": "transfer", "matter": "medical_assistance", "description": "住院自付费用较高"}]}))]
pub struct CreateApplication {
    pub channel: Channel,
    /// An existing person; or give `applicant` to register one now.
    pub beneficiary_id: Option<Uuid>,
    #[validate(nested)]
    pub applicant: Option<CreateBeneficiary>,
    /// Defaults to the person's region.
    pub region_code: Option<String>,
    #[validate(nested)]
    pub proxy: Option<Proxy>,
    pub consent: Consent,
    #[validate(length(min = 1, max = 20), nested)]
    #[schema(min_items = 1, max_items = 20)]
    pub items: Vec<ItemInput>,
}

/// What converting a discovery or a hotline call into an application adds:
/// the needs and the consent; the person comes from the discovery or call,
/// or is registered now with `applicant`.
#[derive(Debug, Clone, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"consent": {"given": true, "date": "2025-03-02", "method": "written"}, "items": [{"kind": "service", "service_code": "visits"}]}))]
pub struct ConvertToApplication {
    /// A listed person, when the discovery or call does not name one yet.
    pub beneficiary_id: Option<Uuid>,
    /// Registers the person now, when they are not on the list yet.
    #[validate(nested)]
    pub applicant: Option<CreateBeneficiary>,
    #[validate(nested)]
    pub proxy: Option<Proxy>,
    pub consent: Consent,
    #[validate(length(min = 1, max = 20), nested)]
    #[schema(min_items = 1, max_items = 20)]
    pub items: Vec<ItemInput>,
}

impl ConvertToApplication {
    pub fn into_application(self, channel: Channel, beneficiary_id: Option<Uuid>, region_code: Option<String>) -> CreateApplication {
        CreateApplication {
            channel,
            beneficiary_id: if self.applicant.is_some() { None } else { self.beneficiary_id.or(beneficiary_id) },
            applicant: self.applicant,
            region_code,
            proxy: self.proxy,
            consent: self.consent,
            items: self.items,
        }
    }
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ItemView {
    pub id: Uuid,
    pub kind: ItemKind,
    pub service_code: Option<String>,
    pub matter: Option<Matter>,
    /// The department that owns a transfer item.
    pub department: Option<String>,
    pub description: String,
    /// For a free-text service item: the assessment whose needs resolved it.
    pub resolved_by_assessment: Option<Uuid>,
    /// The household member a transfer concerns, when not the applicant.
    pub member_id: Option<Uuid>,
    /// How the item was resolved, once it is: what the applicant is told.
    pub resolution: Option<ResolutionView>,
}

/// An item's resolution: how, by which record, and why.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(example = json!({"how": "no_need_found", "ref_id": "0192f4a4-7d7e-7c3a-9a53-6f1f3c0b9a40", "reason": "the assessment found no need for meals", "resolved_at": "2025-03-05T08:00:00Z"}))]
pub struct ResolutionView {
    pub how: ItemResolution,
    /// The need, order, referral or assessment that resolved it.
    pub ref_id: Option<Uuid>,
    pub reason: Option<String>,
    pub resolved_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(example = json!({"id": "0192f4a4-7d7e-7c3a-9a53-6f1f3c0b9a12", "beneficiary_id": "0192f4a4-7d7e-7c3a-9a53-6f1f3c0b9a11", "region_code": "640202001001", "channel": "walk_in", "submitted_by": "0192f4a4-0000-7000-8000-000000000001", "proxy": null, "consent": {"given": true, "date": "2025-03-01", "method": "written"}, "status": "submitted", "reason": null, "outcome": null, "items": [{"id": "0192f4a4-0000-7000-8000-000000000010", "kind": "service", "service_code": "meals", "matter": null, "department": null, "description": ""}], "version": 1, "created_at": "2025-03-01T08:00:00Z", "updated_at": "2025-03-01T08:00:00Z"}))]
pub struct ApplicationView {
    pub id: Uuid,
    pub beneficiary_id: Uuid,
    pub region_code: String,
    pub channel: Channel,
    /// Who filed it (from the token).
    pub submitted_by: String,
    pub proxy: Option<Proxy>,
    pub consent: Consent,
    pub status: ApplicationStatus,
    /// Why it was rejected.
    pub reason: Option<String>,
    /// How it was closed.
    pub outcome: Option<String>,
    pub items: Vec<ItemView>,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

fn parse_json<T: serde::de::DeserializeOwned>(text: &str) -> Result<T, DomainError> {
    jiuzhu_core::stored_json::from_column("applications", text)
}

fn item_view(m: application_item::Model) -> Result<ItemView, DomainError> {
    Ok(ItemView {
        id: m.id,
        kind: parse_code(&m.kind)?,
        service_code: m.service_code,
        matter: m.matter.as_deref().map(parse_code).transpose()?,
        department: m.department,
        description: m.description,
        resolved_by_assessment: m.resolved_by_assessment,
        member_id: m.member_id,
        resolution: match m.resolution.as_deref() {
            Some(how) => Some(ResolutionView {
                how: parse_code(how)?,
                ref_id: m.resolution_ref,
                reason: m.resolution_reason,
                resolved_at: m.resolved_at,
            }),
            None => None,
        },
    })
}

fn view(m: application::Model, items: Vec<application_item::Model>) -> Result<ApplicationView, DomainError> {
    Ok(ApplicationView {
        id: m.id,
        beneficiary_id: m.beneficiary_id,
        region_code: m.region_code,
        channel: parse_code(&m.channel)?,
        submitted_by: m.submitted_by,
        proxy: m.proxy.as_deref().map(parse_json).transpose()?,
        consent: parse_json(&m.consent)?,
        status: jiuzhu_core::codes::parse_code::<ApplicationStatus>(&m.status)?,
        reason: m.reason,
        outcome: m.outcome,
        items: items.into_iter().map(item_view).collect::<Result<_, _>>()?,
        version: m.version,
        created_at: m.created_at,
        updated_at: m.updated_at,
    })
}

/// Every item must say what it is; transfers need consent to share data,
/// and a consent is not dated after `today`.
pub fn check_items(items: &[ItemInput], consent: &Consent, today: NaiveDate) -> Result<(), DomainError> {
    let mut errors = Vec::new();
    if consent.date > today {
        errors.push(FieldError::new("consent.date", "in_future", format!("a consent is not dated after today ({today})")));
    }
    for (i, item) in items.iter().enumerate() {
        let at = |f: &str| format!("items[{i}].{f}");
        match item.kind {
            ItemKind::Service => {
                if item.matter.is_some() {
                    errors.push(FieldError::new(at("matter"), "not_applicable", "service items have no matter"));
                }
                if item.member_id.is_some() {
                    errors.push(FieldError::new(
                        at("member_id"),
                        "not_applicable",
                        "a service item is the applicant's; a member applies for their own",
                    ));
                }
                match &item.service_code {
                    Some(code) if catalogue::find(code).is_none() => errors.push(FieldError::new(
                        at("service_code"),
                        "service_unknown",
                        format!("{code} is not in the service catalogue"),
                    )),
                    None if item.description.trim().is_empty() => errors.push(FieldError::new(
                        at("description"),
                        "required",
                        "a service item without a service_code needs a description to assess",
                    )),
                    _ => {}
                }
            }
            ItemKind::Transfer => {
                if item.matter.is_none() {
                    errors.push(FieldError::new(at("matter"), "required", "transfer items name the matter a department owns"));
                }
                if item.service_code.is_some() {
                    errors.push(FieldError::new(at("service_code"), "not_applicable", "transfer items have no service_code"));
                }
            }
        }
    }
    if items.iter().any(|i| i.kind == ItemKind::Transfer) && !consent.given {
        errors.push(FieldError::new(
            "consent.given",
            "consent_required",
            "transferring needs the person's consent to share data with departments",
        ));
    }
    if errors.is_empty() { Ok(()) } else { Err(DomainError::Validation(errors)) }
}

/// Service-type assistance is for people in a category on the day they
/// apply: a category whose validity ended (a transition period over) or has
/// not begun does not count, whatever the record's status says.
fn eligible_on(person: &beneficiary::Model, today: NaiveDate) -> Result<(), DomainError> {
    let categories: Vec<CategoryRecord> = jiuzhu_core::stored_json::from_column("beneficiaries.categories", &person.categories)?;
    if categories.iter().any(|c| c.in_force_on(today)) {
        return Ok(());
    }
    Err(DomainError::RuleWithDetails {
        code: "no_category_in_force",
        message: format!("none of the person's categories is in force on {today}; update the categories first"),
        details: serde_json::json!({"categories": categories, "on": today}),
    })
}

async fn items_of(conn: &impl ConnectionTrait, id: Uuid) -> Result<Vec<application_item::Model>, DomainError> {
    Ok(application_item::Entity::find()
        .filter(application_item::Column::ApplicationId.eq(id))
        .order_by_asc(application_item::Column::Position)
        .all(conn)
        .await?)
}

pub async fn create(db: &Db, ctx: &Context, input: CreateApplication) -> Result<ApplicationView, DomainError> {
    authorize(db, ctx, Permission::ApplicationWrite).await?;
    if input.applicant.is_some() {
        authorize(db, ctx, Permission::BeneficiaryWrite).await?;
    }
    let txn = db.begin_write().await?;
    let (model, items) = match insert(&*txn, ctx, input).await {
        Ok(inserted) => inserted,
        Err(error) => {
            drop(txn);
            return Err(jiuzhu_platform::probing::screened(db, ctx, "beneficiary", error).await);
        }
    };
    txn.commit().await?;
    view(model, items)
}

/// Files an application inside the caller's transaction (also used when a
/// discovery or a hotline call is converted). Permissions are checked by the caller.
pub async fn insert(
    conn: &impl ConnectionTrait,
    ctx: &Context,
    input: CreateApplication,
) -> Result<(application::Model, Vec<application_item::Model>), DomainError> {
    let today = ctx.now.date_naive();
    check_items(&input.items, &input.consent, today)?;
    let person = match (input.beneficiary_id, input.applicant) {
        (Some(id), None) => beneficiaries::find_in_scope(conn, ctx, id).await.map_err(|e| match e {
            DomainError::NotFound => DomainError::field("beneficiary_id", "beneficiary_unknown", "no such person in your region"),
            other => other,
        })?,
        (None, Some(applicant)) => beneficiaries::insert(conn, ctx, applicant, "applicant").await?,
        _ => return Err(DomainError::field("beneficiary_id", "applicant_choice", "give exactly one of beneficiary_id and applicant")),
    };
    eligible_on(&person, today)?;
    let mut errors = Vec::new();
    for (i, item) in input.items.iter().enumerate() {
        let (Some(member_id), field) = (item.member_id, format!("items[{i}].member_id")) else { continue };
        match beneficiaries::find_in_scope(conn, ctx, member_id).await {
            Ok(member) => errors.extend(check_household_member(field, person.household_id, member.household_id).err()),
            Err(DomainError::NotFound) => errors.push(FieldError::new(field, "beneficiary_unknown", "no such person in your region")),
            Err(other) => return Err(other),
        }
    }
    if !errors.is_empty() {
        return Err(DomainError::Validation(errors));
    }
    let region = match &input.region_code {
        Some(code) => beneficiaries::service_region(conn, ctx, code, "region_code").await?.to_string(),
        None => person.region_code.clone(),
    };
    let id = new_id();
    let model = application::ActiveModel {
        id: Set(id),
        beneficiary_id: Set(person.id),
        region_code: Set(region),
        channel: Set(code_of(input.channel)),
        submitted_by: Set(ctx.actor.subject.clone()),
        proxy: Set(input.proxy.as_ref().map(to_json).transpose()?),
        consent: Set(to_json(&input.consent)?),
        status: Set(ApplicationStatus::Submitted.code().into()),
        reason: Set(None),
        outcome: Set(None),
        version: Set(1),
        created_at: Set(ctx.now),
        updated_at: Set(ctx.now),
    }
    .insert(conn)
    .await?;
    let items: Vec<application_item::Model> = input
        .items
        .into_iter()
        .enumerate()
        .map(|(position, item)| application_item::Model {
            id: new_id(),
            application_id: id,
            position: position as i32,
            kind: code_of(item.kind),
            service_code: item.service_code,
            matter: item.matter.map(|m| m.code().to_string()),
            department: item.matter.map(|m| m.department().to_string()),
            description: item.description,
            resolved_by_assessment: None,
            member_id: item.member_id,
            resolution: None,
            resolution_ref: None,
            resolution_reason: None,
            resolved_at: None,
        })
        .collect();
    jiuzhu_platform::bulk::insert_all::<application_item::ActiveModel, _>(conn, items.iter().cloned()).await?;
    let data = serde_json::json!({"beneficiary_id": model.beneficiary_id, "channel": model.channel, "items": items.len()});
    record(conn, ctx, Change::published("application.created", "application", model.id, &model.region_code, data)).await?;
    Ok((model, items))
}

#[derive(Debug, Default, Clone)]
pub struct ApplicationFilter {
    pub region_code: Option<String>,
    pub status: Option<ApplicationStatus>,
    pub beneficiary_id: Option<Uuid>,
}

pub async fn list(db: &Db, ctx: &Context, filter: ApplicationFilter, page: PageRequest) -> Result<Page<ApplicationView>, DomainError> {
    authorize(db, ctx, Permission::ApplicationRead).await?;
    let mut query = application::Entity::find().in_scope(&ctx.actor);
    if let Some(code) = &filter.region_code {
        let region = jiuzhu_core::RegionCode::parse_field(code, "region_code")?;
        query = query.filter(under::<application::Entity>(&region));
    }
    if let Some(status) = filter.status {
        query = query.filter(application::Column::Status.eq(status.code()));
    }
    if let Some(person) = filter.beneficiary_id {
        query = query.filter(application::Column::BeneficiaryId.eq(person));
    }
    let rows = keyset::<_, Uuid>(query, application::Column::Id, &page)?.all(db.conn()).await?;
    let page = page.into_page(rows, |r| r.id.to_string());
    let ids: Vec<Uuid> = page.items.iter().map(|a| a.id).collect();
    let mut all_items = application_item::Entity::find()
        .filter(application_item::Column::ApplicationId.is_in(ids))
        .order_by_asc(application_item::Column::Position)
        .all(db.conn())
        .await?;
    let mut items = Vec::new();
    for app in page.items {
        let (mine, rest): (Vec<_>, Vec<_>) = all_items.into_iter().partition(|i| i.application_id == app.id);
        all_items = rest;
        items.push(view(app, mine)?);
    }
    Ok(Page { items, next_cursor: page.next_cursor })
}

pub async fn get(db: &Db, ctx: &Context, id: Uuid) -> Result<ApplicationView, DomainError> {
    authorize(db, ctx, Permission::ApplicationRead).await?;
    let model = application::Entity::find_by_id(id).in_scope(&ctx.actor).one(db.conn()).await?.ok_or(DomainError::NotFound)?;
    let items = items_of(db.conn(), id).await?;
    view(model, items)
}

#[derive(Debug, Clone, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"outcome": "助餐服务已落实，医疗救助已办结"}))]
pub struct CloseInput {
    /// How the application ended.
    #[validate(length(min = 1, max = 2000))]
    #[schema(min_length = 1, max_length = 2000)]
    pub outcome: String,
    /// Why the application closes while referrals are still open (pending,
    /// accepted or returned); without it such a close is refused with
    /// `referrals_unfinished`. Recorded in the audit log.
    #[validate(length(min = 1, max = 2000))]
    #[schema(min_length = 1, max_length = 2000)]
    pub close_despite_open_referrals: Option<String>,
}

/// Marks an item resolved, inside the caller's transaction.
async fn resolve(
    conn: &impl ConnectionTrait,
    item_id: Uuid,
    how: ItemResolution,
    reference: Option<Uuid>,
    reason: Option<String>,
    now: DateTime<Utc>,
) -> Result<(), DomainError> {
    let mut item = application_item::ActiveModel { id: sea_orm::ActiveValue::Unchanged(item_id), ..Default::default() };
    if how == ItemResolution::Assessment {
        item.resolved_by_assessment = Set(reference);
    }
    item.resolution = Set(Some(code_of(how)));
    item.resolution_ref = Set(reference);
    item.resolution_reason = Set(reason);
    item.resolved_at = Set(Some(now));
    item.update(conn).await?;
    Ok(())
}

/// The unresolved service items of the person's open applications (only
/// those asking for `service_code`, when given), in one read.
async fn open_service_items(
    conn: &impl ConnectionTrait,
    beneficiary_id: Uuid,
    service_code: Option<&str>,
) -> Result<Vec<application_item::Model>, DomainError> {
    use sea_orm::QueryTrait;
    let open = [ApplicationStatus::Submitted.code(), ApplicationStatus::Accepted.code(), ApplicationStatus::InService.code()];
    let applications = application::Entity::find()
        .select_only()
        .column(application::Column::Id)
        .filter(application::Column::BeneficiaryId.eq(beneficiary_id))
        .filter(application::Column::Status.is_in(open))
        .into_query();
    let mut items = application_item::Entity::find()
        .filter(application_item::Column::ApplicationId.in_subquery(applications))
        .filter(application_item::Column::Kind.eq(code_of(ItemKind::Service)))
        .filter(application_item::Column::Resolution.is_null());
    if let Some(code) = service_code {
        items = items.filter(application_item::Column::ServiceCode.eq(code));
    }
    Ok(items.all(conn).await?)
}

/// Resolves the person's open service items by an assessment
/// (`rules::resolved_by_assessment`): free text by the assessment, a coded
/// item by the need of its service or as no need found. `needs` are the
/// assessment's needs by service code. Returns how many items it resolved.
pub async fn resolve_items_by_assessment(
    conn: &impl ConnectionTrait,
    beneficiary_id: Uuid,
    assessment_id: Uuid,
    needs: &[(String, Uuid)],
    now: DateTime<Utc>,
) -> Result<u64, DomainError> {
    let items = open_service_items(conn, beneficiary_id, None).await?;
    for item in &items {
        let (how, reference, reason) = resolved_by_assessment(item.service_code.as_deref(), needs, assessment_id);
        resolve(conn, item.id, how, Some(reference), reason, now).await?;
    }
    changed(conn, items.iter().map(|i| i.application_id), now).await?;
    Ok(items.len() as u64)
}

/// Raises the version of applications whose items another area's step
/// resolved, so that a client holding the old ETag rereads them.
async fn changed(conn: &impl ConnectionTrait, applications: impl Iterator<Item = Uuid>, now: DateTime<Utc>) -> Result<(), DomainError> {
    let mut ids: Vec<Uuid> = applications.collect();
    ids.sort();
    ids.dedup();
    if ids.is_empty() {
        return Ok(());
    }
    use sea_orm::sea_query::{Expr, ExprTrait};
    application::Entity::update_many()
        .col_expr(application::Column::Version, Expr::col(application::Column::Version).add(1))
        .col_expr(application::Column::UpdatedAt, Expr::value(now))
        .filter(application::Column::Id.is_in(ids))
        .exec(conn)
        .await?;
    Ok(())
}

/// Resolves the person's open items that asked for `service_code` by an
/// order for it. Returns how many items it resolved.
pub async fn resolve_items_by_order(
    conn: &impl ConnectionTrait,
    beneficiary_id: Uuid,
    service_code: &str,
    order_id: Uuid,
    now: DateTime<Utc>,
) -> Result<u64, DomainError> {
    let asked = open_service_items(conn, beneficiary_id, Some(service_code)).await?;
    for item in &asked {
        resolve(conn, item.id, ItemResolution::Order, Some(order_id), None, now).await?;
    }
    changed(conn, asked.iter().map(|i| i.application_id), now).await?;
    Ok(asked.len() as u64)
}

#[derive(Debug, Clone, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"reason": "评估未达到助餐标准，已告知申请人可申请社区老年餐桌"}))]
pub struct ItemDecisionInput {
    /// What was decided and why, in words the applicant can be told.
    #[validate(length(min = 1, max = 2000))]
    #[schema(min_length = 1, max_length = 2000, pattern = "\\S")]
    pub reason: String,
}

/// Records an officer's decision on an item nothing else resolved, with
/// its reason. Needs `If-Match` on the application.
pub async fn decide_item(
    db: &Db,
    ctx: &Context,
    id: Uuid,
    item_id: Uuid,
    if_match: Option<i64>,
    input: ItemDecisionInput,
) -> Result<ApplicationView, DomainError> {
    authorize(db, ctx, Permission::ApplicationDecide).await?;
    if input.reason.trim().is_empty() {
        return Err(DomainError::field("reason", "blank", "write the decision and its reason"));
    }
    let txn = db.begin_write().await?;
    let current =
        application::Entity::find_by_id(id).in_scope(&ctx.actor).lock_exclusive().one(&*txn).await?.ok_or(DomainError::NotFound)?;
    expect_version(if_match, current.version)?;
    let items = items_of(&*txn, id).await?;
    let item = items.iter().find(|i| i.id == item_id).ok_or(DomainError::NotFound)?;
    if item.resolution.is_some() {
        return Err(DomainError::conflict("item_resolved", "the item is resolved already"));
    }
    let status = jiuzhu_core::codes::parse_code::<ApplicationStatus>(&current.status)?;
    if !matches!(status, ApplicationStatus::Accepted | ApplicationStatus::InService) {
        return Err(DomainError::invalid_transition("application", status.code(), "have its items decided"));
    }
    resolve(&*txn, item_id, ItemResolution::Decision, None, Some(input.reason.clone()), ctx.now).await?;
    let mut model: application::ActiveModel = current.clone().into();
    model.version = Set(current.version + 1);
    model.updated_at = Set(ctx.now);
    let updated = model.update(&*txn).await?;
    let data = serde_json::json!({"item_id": item_id, "resolution": "decision", "reason": input.reason, "version": updated.version});
    record(&*txn, ctx, Change::published("application.item_decided", "application", updated.id, &updated.region_code, data)).await?;
    let items = items_of(&*txn, id).await?;
    txn.commit().await?;
    view(updated, items)
}

/// What an action carries besides the version.
pub enum ActionInput {
    Accept { due_working_days: u32 },
    Reject { reason: String },
    Close { outcome: String, despite_open_referrals: Option<String> },
    Withdraw,
}

/// Refuses to close an application whose referrals have not all ended,
/// unless the caller gives a reason to close anyway; returns the audit
/// detail of an override.
async fn closable(
    conn: &impl ConnectionTrait,
    application_id: Uuid,
    despite_open_referrals: Option<&str>,
) -> Result<serde_json::Value, DomainError> {
    let referrals = referral::Entity::find().filter(referral::Column::ApplicationId.eq(application_id)).all(conn).await?;
    let mut open = Vec::new();
    for r in &referrals {
        let status = jiuzhu_core::codes::parse_code::<ReferralStatus>(&r.status)?;
        if !status.has_ended() {
            open.push(serde_json::json!({"id": r.id, "department": r.department, "matter": r.matter, "status": r.status}));
        }
    }
    match (open.is_empty(), despite_open_referrals) {
        (true, _) => Ok(serde_json::json!({})),
        (false, Some(reason)) => Ok(serde_json::json!({"closed_despite_open_referrals": reason, "open_referrals": open.len()})),
        (false, None) => Err(DomainError::RuleWithDetails {
            code: "referrals_unfinished",
            message: format!(
                "{} of {} referrals have not ended; close when the departments are done, or give close_despite_open_referrals",
                open.len(),
                referrals.len()
            ),
            details: serde_json::json!({"open_referrals": open}),
        }),
    }
}

/// Applies a state change; accepting also creates one referral per transfer item.
pub async fn act(db: &Db, ctx: &Context, id: Uuid, if_match: Option<i64>, input: ActionInput) -> Result<ApplicationView, DomainError> {
    // Filing and withdrawing are anyone's who files; deciding is the township's and above.
    let permission = match &input {
        ActionInput::Withdraw => Permission::ApplicationWrite,
        _ => Permission::ApplicationDecide,
    };
    authorize(db, ctx, permission).await?;
    let (action, name) = match &input {
        ActionInput::Accept { .. } => (ApplicationAction::Accept, "accepted"),
        ActionInput::Reject { .. } => (ApplicationAction::Reject, "rejected"),
        ActionInput::Close { .. } => (ApplicationAction::Close, "closed"),
        ActionInput::Withdraw => (ApplicationAction::Withdraw, "withdrawn"),
    };
    let txn = db.begin_write().await?;
    let current =
        application::Entity::find_by_id(id).in_scope(&ctx.actor).lock_exclusive().one(&*txn).await?.ok_or(DomainError::NotFound)?;
    expect_version(if_match, current.version)?;
    let status = jiuzhu_core::codes::parse_code::<ApplicationStatus>(&current.status)?;
    let next = status.after(action).ok_or_else(|| DomainError::invalid_transition("application", status.code(), &format!("be {name}")))?;
    let items = items_of(&*txn, id).await?;
    let mut override_detail = serde_json::json!({});
    let mut model: application::ActiveModel = current.clone().into();
    model.status = Set(next.code().into());
    model.version = Set(current.version + 1);
    model.updated_at = Set(ctx.now);
    match input {
        ActionInput::Reject { reason } => model.reason = Set(Some(reason)),
        ActionInput::Close { outcome, despite_open_referrals } => {
            check_items_resolved(&items.iter().map(|i| (i.position, i.resolution.as_deref())).collect::<Vec<_>>())?;
            override_detail = closable(&*txn, id, despite_open_referrals.as_deref()).await?;
            model.outcome = Set(Some(outcome));
        }
        ActionInput::Accept { due_working_days } => {
            for item in items.iter().filter(|i| i.kind == "transfer") {
                let (Some(department), Some(matter)) = (&item.department, &item.matter) else { continue };
                let referral = referral::ActiveModel {
                    id: Set(new_id()),
                    application_id: Set(id),
                    item_id: Set(item.id),
                    beneficiary_id: Set(item.member_id.unwrap_or(current.beneficiary_id)),
                    region_code: Set(current.region_code.clone()),
                    department: Set(department.clone()),
                    matter: Set(matter.clone()),
                    status: Set(ReferralStatus::Pending.code().into()),
                    due_at: Set(add_working_days(ctx.now, due_working_days)),
                    overdue_announced_at: Set(None),
                    reason: Set(None),
                    outcome_code: Set(None),
                    outcome_text: Set(None),
                    version: Set(1),
                    created_at: Set(ctx.now),
                    updated_at: Set(ctx.now),
                }
                .insert(&*txn)
                .await?;
                resolve(&*txn, item.id, ItemResolution::Referral, Some(referral.id), None, ctx.now).await?;
                let mut change = Change::published(
                    "referral.created",
                    "referral",
                    referral.id,
                    &referral.region_code,
                    serde_json::json!({"application_id": id, "department": referral.department, "matter": referral.matter, "due_at": referral.due_at}),
                );
                if let Some(event) = change.event.as_mut() {
                    event.department = Some(referral.department.clone());
                }
                record(&*txn, ctx, change).await?;
            }
        }
        ActionInput::Withdraw => {}
    }
    let updated = model.update(&*txn).await?;
    let event_type: &'static str = match action {
        ApplicationAction::Accept => "application.accepted",
        ApplicationAction::Reject => "application.rejected",
        ApplicationAction::Close => "application.closed",
        ApplicationAction::Withdraw => "application.withdrawn",
        ApplicationAction::StartService => "application.service_started",
    };
    let data = serde_json::json!({"status": updated.status, "version": updated.version});
    let change = Change::published(event_type, "application", updated.id, &updated.region_code, data).with_detail(override_detail);
    record(&*txn, ctx, change).await?;
    let items = items_of(&*txn, id).await?;
    txn.commit().await?;
    view(updated, items)
}

/// A service began for a person: each of their accepted applications that
/// asked for it (an item with that service, or an item the need's
/// assessment resolved) moves to `in_service`, with its event. Called by
/// matching, in its transaction, when a service order starts; returns how
/// many applications moved.
pub async fn service_started(
    conn: &impl ConnectionTrait,
    ctx: &Context,
    beneficiary_id: Uuid,
    service_code: &str,
    assessment_id: Option<Uuid>,
) -> Result<usize, DomainError> {
    let Some(next) = ApplicationStatus::Accepted.after(ApplicationAction::StartService) else { return Ok(0) };
    let accepted = application::Entity::find()
        .filter(application::Column::BeneficiaryId.eq(beneficiary_id))
        .filter(application::Column::Status.eq(ApplicationStatus::Accepted.code()))
        .lock_exclusive()
        .all(conn)
        .await?;
    let mut moved = 0;
    for current in accepted {
        let items = items_of(conn, current.id).await?;
        let asked = items.iter().any(|item| {
            item.service_code.as_deref() == Some(service_code) || (assessment_id.is_some() && item.resolved_by_assessment == assessment_id)
        });
        if !asked {
            continue;
        }
        let mut model: application::ActiveModel = current.clone().into();
        model.status = Set(next.code().into());
        model.version = Set(current.version + 1);
        model.updated_at = Set(ctx.now);
        let updated = model.update(conn).await?;
        let data = serde_json::json!({"status": updated.status, "version": updated.version, "service_code": service_code});
        record(conn, ctx, Change::published("application.service_started", "application", updated.id, &updated.region_code, data)).await?;
        moved += 1;
    }
    Ok(moved)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day() -> NaiveDate {
        NaiveDate::from_ymd_opt(2025, 3, 1).unwrap()
    }

    #[test]
    fn a_consent_is_not_dated_after_today() {
        let DomainError::Validation(fields) = check_items(&[], &consent(true), day().pred_opt().unwrap()).unwrap_err() else { panic!() };
        assert_eq!((fields[0].field.as_str(), fields[0].code.as_str()), ("consent.date", "in_future"));
        assert!(check_items(&[], &consent(true), day()).is_ok(), "today is fine");
    }

    fn consent(given: bool) -> Consent {
        Consent { given, date: NaiveDate::from_ymd_opt(2025, 3, 1).unwrap(), method: ConsentMethod::Written }
    }

    fn item(kind: ItemKind, service_code: Option<&str>, matter: Option<Matter>) -> ItemInput {
        ItemInput { kind, service_code: service_code.map(str::to_string), matter, description: String::new(), member_id: None }
    }

    #[test]
    fn items_must_be_well_formed() {
        let good = [item(ItemKind::Service, Some("meals"), None), item(ItemKind::Transfer, None, Some(Matter::LegalAid))];
        assert!(check_items(&good, &consent(true), day()).is_ok());
        let bad = [
            item(ItemKind::Service, Some("space_travel"), None),
            item(ItemKind::Transfer, None, None),
            item(ItemKind::Service, None, None),
        ];
        let DomainError::Validation(fields) = check_items(&bad, &consent(true), day()).unwrap_err() else { panic!() };
        let codes: Vec<_> = fields.iter().map(|f| f.code.as_str()).collect();
        assert_eq!(codes, ["service_unknown", "required", "required"]);
    }

    #[test]
    fn transfers_need_consent() {
        let DomainError::Validation(fields) =
            check_items(&[item(ItemKind::Transfer, None, Some(Matter::Youth))], &consent(false), day()).unwrap_err()
        else {
            panic!()
        };
        assert_eq!(fields[0].code, "consent_required");
    }
}
