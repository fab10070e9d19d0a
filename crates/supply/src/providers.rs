//! Providers (承接主体): who may undertake purchased services, what they
//! offer where, their monthly capacity and qualifications. A provider
//! account sees only its own record; `barred_until` is set by procurement.

use crate::entity::provider;
use crate::rules::OrgType;
use chrono::{DateTime, NaiveDate, Utc};
use jiuzhu_core::codes::{code_of, parse_code};
use jiuzhu_core::mask::Pii;
use jiuzhu_core::patch::nullable;
use jiuzhu_core::stored_json::to_column as to_json;
use jiuzhu_core::{Context, CreditCode, DomainError, FieldError, Page, PageRequest, Permission, Phone, RegionCode, Role, id::new_id};
use jiuzhu_platform::concurrency::expect_version;
use jiuzhu_platform::paging::keyset;
use jiuzhu_platform::record::{Change, authorize, record};
use jiuzhu_platform::scope::within;
use jiuzhu_platform::user_admin::ProviderLink;
use jiuzhu_platform::{Db, regions};
use sea_orm::{ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Select, Set};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use utoipa::ToSchema;
use uuid::Uuid;
use validator::Validate;

#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Qualification {
    /// e.g. 养老机构备案, 营业执照, 社会工作者职业资格.
    pub kind: String,
    pub number: String,
    pub expires_on: Option<NaiveDate>,
}

#[derive(Debug, Clone, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ContactInput {
    #[validate(length(min = 1, max = 100))]
    #[schema(min_length = 1, max_length = 100)]
    pub name: String,
    pub phone: Option<String>,
}

#[derive(Debug, Clone, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"name": "石嘴山市爱心助老服务中心", "credit_code": "52640200MJ0000000X", "org_type": "social_organization", "eligible_for_purchase": true,
    "service_codes": ["meals", "bathing"], "service_regions": ["640202"], "monthly_capacity": {"meals": 3000, "bathing": 200},
    "qualifications": [{"kind": "民办非企业单位登记证书", "number": "民证字第0001号", "expires_on": "2027-12-31"}], "contact": {"name": "李主任", "phone": "13912345678"}}))]
pub struct RegisterProvider {
    #[validate(length(min = 1, max = 200))]
    #[schema(min_length = 1, max_length = 200)]
    pub name: String,
    /// Unified social credit code (GB 32100).
    pub credit_code: String,
    pub org_type: OrgType,
    /// Whether it may undertake government-purchased services.
    #[serde(default = "yes")]
    pub eligible_for_purchase: bool,
    #[validate(length(min = 1, max = 40))]
    #[schema(min_items = 1, max_items = 40)]
    pub service_codes: Vec<String>,
    #[validate(length(min = 1, max = 50))]
    #[schema(min_items = 1, max_items = 50)]
    pub service_regions: Vec<String>,
    /// Units per month, by service code.
    #[serde(default)]
    pub monthly_capacity: BTreeMap<String, u32>,
    #[serde(default)]
    #[validate(length(max = 20))]
    #[schema(max_items = 20)]
    pub qualifications: Vec<Qualification>,
    #[validate(nested)]
    pub contact: ContactInput,
}

fn yes() -> bool {
    true
}

jiuzhu_core::coded_enum! {
    /// Whether a provider takes orders.
    pub enum ProviderStatus as "provider_status" {
        Active = "active", "正常", "Active";
        Suspended = "suspended", "暂停", "Suspended";
    }
}

/// A merge patch; `credit_code`, `org_type`, `status`, `barred_until` and `version` cannot be patched.
#[derive(Debug, Default, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"monthly_capacity": {"meals": 3500, "bathing": 200}}))]
pub struct PatchProvider {
    #[validate(length(min = 1, max = 200))]
    #[schema(min_length = 1, max_length = 200)]
    pub name: Option<String>,
    #[validate(length(min = 1, max = 40))]
    #[schema(min_items = 1, max_items = 40)]
    pub service_codes: Option<Vec<String>>,
    #[validate(length(min = 1, max = 50))]
    #[schema(min_items = 1, max_items = 50)]
    pub service_regions: Option<Vec<String>>,
    pub monthly_capacity: Option<BTreeMap<String, u32>>,
    #[validate(length(max = 20))]
    #[schema(max_items = 20)]
    pub qualifications: Option<Vec<Qualification>>,
    #[validate(nested)]
    pub contact: Option<ContactInput>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<bool>)]
    pub eligible_for_purchase: Option<Option<bool>>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ContactView {
    pub name: String,
    /// Masked.
    pub phone: Option<String>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ProviderView {
    pub id: Uuid,
    pub name: String,
    pub credit_code: String,
    pub org_type: OrgType,
    pub eligible_for_purchase: bool,
    pub service_codes: Vec<String>,
    pub service_regions: Vec<String>,
    pub monthly_capacity: BTreeMap<String, u32>,
    pub qualifications: Vec<Qualification>,
    pub contact: ContactView,
    pub status: ProviderStatus,
    /// Barred from purchased projects until this day (set by procurement).
    pub barred_until: Option<NaiveDate>,
    /// The region that registered it.
    pub region_code: String,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

fn fenced(codes: &[String]) -> String {
    format!(",{},", codes.join(","))
}

fn unfenced(text: &str) -> Vec<String> {
    text.split(',').filter(|s| !s.is_empty()).map(str::to_string).collect()
}

pub fn view(m: provider::Model) -> Result<ProviderView, DomainError> {
    Ok(ProviderView {
        id: m.id,
        name: m.name,
        credit_code: m.credit_code,
        org_type: parse_code(&m.org_type)?,
        eligible_for_purchase: m.eligible_for_purchase,
        service_codes: unfenced(&m.service_codes),
        service_regions: unfenced(&m.service_regions),
        monthly_capacity: jiuzhu_core::stored_json::from_column("providers.monthly_capacity", &m.monthly_capacity)?,
        qualifications: jiuzhu_core::stored_json::from_column("providers.qualifications", &m.qualifications)?,
        contact: ContactView { name: m.contact_name, phone: m.contact_phone.as_deref().map(|p| Pii::Masked.stored_phone(p)) },
        status: parse_code(&m.status)?,
        barred_until: m.barred_until,
        region_code: m.region_code,
        version: m.version,
        created_at: m.created_at,
        updated_at: m.updated_at,
    })
}

/// Staff see providers registered in, above or below their region; a
/// provider account sees only itself.
pub(crate) fn scoped(ctx: &Context) -> Select<provider::Entity> {
    match (ctx.actor.role, ctx.actor.provider_id) {
        (Role::Provider, Some(own)) => provider::Entity::find().filter(provider::Column::Id.eq(own)),
        (Role::Provider, None) => provider::Entity::find().filter(provider::Column::Id.is_null()),
        _ => provider::Entity::find().filter(
            Condition::any()
                .add(provider::Column::RegionCode.is_in(ctx.actor.region_and_ancestors()))
                .add(within::<provider::Entity>(&ctx.actor)),
        ),
    }
}

/// Checks offered services, served regions, capacity keys and the eligibility rule.
async fn check_offer(
    conn: &impl ConnectionTrait,
    ctx: &Context,
    org_type: OrgType,
    eligible: bool,
    services: &[String],
    regions_served: &[String],
    capacity: &BTreeMap<String, u32>,
) -> Result<(), DomainError> {
    if eligible && !org_type.may_undertake_purchases() {
        return Err(DomainError::rule(
            "provider_type_ineligible",
            "budget-funded mass organisations cannot undertake purchased social-assistance services",
        ));
    }
    let mut errors = Vec::new();
    let known = crate::catalogue::existing_codes(conn, services).await?;
    for (i, code) in services.iter().enumerate() {
        if !known.contains(code) {
            errors.push(FieldError::new(format!("service_codes[{i}]"), "service_unknown", format!("{code} is not in the catalogue")));
        }
    }
    for (i, code) in regions_served.iter().enumerate() {
        let field = format!("service_regions[{i}]");
        match RegionCode::parse(code) {
            Err(message) => errors.push(FieldError::new(field, "region_code_invalid", message)),
            Ok(region) if !ctx.actor.covers(&region) => {
                errors.push(FieldError::new(field, "region_outside_scope", format!("{region} is outside your region")))
            }
            Ok(region) => {
                if regions::find(conn, &region).await?.is_none() {
                    errors.push(FieldError::new(field, "region_unknown", format!("region {region} does not exist")));
                }
            }
        }
    }
    for code in capacity.keys().filter(|c| !services.contains(c)) {
        errors.push(FieldError::new(format!("monthly_capacity.{code}"), "not_offered", "capacity is given only for offered services"));
    }
    if errors.is_empty() { Ok(()) } else { Err(DomainError::Validation(errors)) }
}

pub async fn register(db: &Db, ctx: &Context, input: RegisterProvider) -> Result<ProviderView, DomainError> {
    authorize(db, ctx, Permission::ProviderWrite).await?;
    let credit = CreditCode::parse_field(&input.credit_code, "credit_code")?;
    let phone = input.contact.phone.as_deref().map(|p| Phone::parse_field(p, "contact.phone")).transpose()?;
    let txn = db.begin_write().await?;
    check_offer(
        &*txn,
        ctx,
        input.org_type,
        input.eligible_for_purchase,
        &input.service_codes,
        &input.service_regions,
        &input.monthly_capacity,
    )
    .await?;
    if let Some(existing) = provider::Entity::find().filter(provider::Column::CreditCode.eq(credit.as_str())).one(&*txn).await? {
        return Err(DomainError::Conflict {
            code: "credit_code_registered",
            message: "a provider with this credit code exists".into(),
            existing_id: Some(existing.id.to_string()),
        });
    }
    let model = provider::ActiveModel {
        id: Set(new_id()),
        name: Set(input.name),
        credit_code: Set(credit.as_str().to_string()),
        org_type: Set(code_of(input.org_type)),
        eligible_for_purchase: Set(input.eligible_for_purchase),
        service_codes: Set(fenced(&input.service_codes)),
        service_regions: Set(fenced(&input.service_regions)),
        monthly_capacity: Set(to_json(&input.monthly_capacity)?),
        qualifications: Set(to_json(&input.qualifications)?),
        contact_name: Set(input.contact.name),
        contact_phone: Set(phone.map(String::from)),
        status: Set(code_of(ProviderStatus::Active)),
        barred_until: Set(None),
        region_code: Set(ctx.actor.region.to_string()),
        version: Set(1),
        feedback_responses: Set(0),
        feedback_total: Set(0),
        created_at: Set(ctx.now),
        updated_at: Set(ctx.now),
    }
    .insert(&*txn)
    .await?;
    let data = serde_json::json!({"org_type": model.org_type, "eligible_for_purchase": model.eligible_for_purchase});
    let mut change = Change::published("provider.registered", "provider", model.id, &model.region_code, data);
    if let Some(event) = change.event.as_mut() {
        event.provider_id = Some(model.id);
    }
    record(&*txn, ctx, change).await?;
    txn.commit().await?;
    view(model)
}

#[derive(Debug, Default, Clone)]
pub struct ProviderFilter {
    pub service_code: Option<String>,
    /// Providers serving this region (or a region above it).
    pub serves_region: Option<String>,
    pub eligible_for_purchase: Option<bool>,
}

pub async fn list(db: &Db, ctx: &Context, filter: ProviderFilter, page: PageRequest) -> Result<Page<ProviderView>, DomainError> {
    authorize(db, ctx, Permission::ProviderRead).await?;
    let mut query = scoped(ctx);
    if let Some(code) = &filter.service_code {
        query = query.filter(provider::Column::ServiceCodes.like(format!("%,{code},%")));
    }
    if let Some(code) = &filter.serves_region {
        let region = RegionCode::parse_field(code, "serves_region")?;
        let mut any = Condition::any();
        for ancestor in std::iter::successors(Some(region), RegionCode::parent) {
            any = any.add(provider::Column::ServiceRegions.like(format!("%,{ancestor},%")));
        }
        query = query.filter(any);
    }
    if let Some(eligible) = filter.eligible_for_purchase {
        query = query.filter(provider::Column::EligibleForPurchase.eq(eligible));
    }
    let rows = keyset::<_, Uuid>(query, provider::Column::Id, &page)?.all(db.conn()).await?;
    let page = page.into_page(rows, |r| r.id.to_string());
    page.try_map(view)
}

/// What an account linked to provider `id` needs to know of it: that it is
/// registered, and where (`None` when it is not).
pub async fn account_link(conn: &impl ConnectionTrait, id: Uuid) -> Result<Option<ProviderLink>, DomainError> {
    let found = provider::Entity::find_by_id(id).one(conn).await?;
    Ok(found.map(|p| ProviderLink { id: p.id, region_code: p.region_code }))
}

pub async fn get(db: &Db, ctx: &Context, id: Uuid) -> Result<ProviderView, DomainError> {
    authorize(db, ctx, Permission::ProviderRead).await?;
    get_in(db.conn(), ctx, id).await
}

pub async fn patch(db: &Db, ctx: &Context, id: Uuid, if_match: Option<i64>, input: PatchProvider) -> Result<ProviderView, DomainError> {
    authorize(db, ctx, Permission::ProviderWrite).await?;
    let phone = match input.contact.as_ref().and_then(|c| c.phone.as_deref()) {
        Some(p) => Some(String::from(Phone::parse_field(p, "contact.phone")?)),
        None => None,
    };
    let txn = db.begin_write().await?;
    let current = scoped(ctx).filter(provider::Column::Id.eq(id)).lock_exclusive().one(&*txn).await?.ok_or(DomainError::NotFound)?;
    let before = view(current.clone())?;
    let services = input.service_codes.clone().unwrap_or(before.service_codes.clone());
    let served = input.service_regions.clone().unwrap_or(before.service_regions.clone());
    let capacity = input.monthly_capacity.clone().unwrap_or(before.monthly_capacity.clone());
    let eligible = input.eligible_for_purchase.map(|e| e.unwrap_or(true)).unwrap_or(before.eligible_for_purchase);
    check_offer(&*txn, ctx, before.org_type, eligible, &services, &served, &capacity).await?;
    let mut model: provider::ActiveModel = current.clone().into();
    if let Some(name) = input.name {
        model.name = Set(name);
    }
    model.service_codes = Set(fenced(&services));
    model.service_regions = Set(fenced(&served));
    model.monthly_capacity = Set(to_json(&capacity)?);
    model.eligible_for_purchase = Set(eligible);
    if let Some(qualifications) = &input.qualifications {
        model.qualifications = Set(to_json(qualifications)?);
    }
    if let Some(contact) = input.contact {
        model.contact_name = Set(contact.name);
        model.contact_phone = Set(phone);
    }
    // The version is judged once the request is otherwise valid (RFC 9110 13.2.1).
    expect_version(if_match, current.version)?;
    model.version = Set(current.version + 1);
    model.updated_at = Set(ctx.now);
    let updated = model.update(&*txn).await?;
    record(
        &*txn,
        ctx,
        Change::published(
            "provider.updated",
            "provider",
            updated.id,
            &updated.region_code,
            serde_json::json!({"version": updated.version}),
        ),
    )
    .await?;
    txn.commit().await?;
    view(updated)
}

/// A registered provider, wherever it works (for another area's own rule:
/// a bid's eligibility, a third party that is the provider itself).
pub async fn find(conn: &impl ConnectionTrait, id: Uuid) -> Result<Option<ProviderView>, DomainError> {
    provider::Entity::find_by_id(id).one(conn).await?.map(view).transpose()
}

/// The id of the provider registered under `credit_code`, wherever it works
/// (a seeder's question whether it ran before).
pub async fn id_by_credit_code(conn: &impl ConnectionTrait, credit_code: &str) -> Result<Option<Uuid>, DomainError> {
    let id = provider::Entity::find()
        .select_only()
        .column(provider::Column::Id)
        .filter(provider::Column::CreditCode.eq(credit_code))
        .into_tuple()
        .one(conn)
        .await?;
    Ok(id)
}

/// Feedback counted over some orders, or kept on a provider as its running totals.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FeedbackTotals {
    pub responses: i64,
    pub sum: i64,
}

impl FeedbackTotals {
    /// The mean score × 100 (100–500), rounded down; `None` without feedback.
    pub fn mean_x100(&self) -> Option<i64> {
        (self.responses > 0).then(|| self.sum * 100 / self.responses)
    }
}

/// A provider with the running totals of the feedback on its orders, as
/// matching ranks it and its performance shows it.
#[derive(Debug, Clone)]
pub struct RatedProvider {
    pub provider: ProviderView,
    pub feedback: FeedbackTotals,
}

fn rated(m: provider::Model) -> Result<RatedProvider, DomainError> {
    let feedback = FeedbackTotals { responses: m.feedback_responses, sum: m.feedback_total };
    Ok(RatedProvider { provider: view(m)?, feedback })
}

/// Providers the caller can see that offer `service_code`, by id, at most `limit`.
pub async fn offering_in_scope(
    conn: &impl ConnectionTrait,
    ctx: &Context,
    service_code: &str,
    limit: u64,
) -> Result<Vec<RatedProvider>, DomainError> {
    let rows = scoped(ctx)
        .filter(provider::Column::ServiceCodes.like(format!("%,{service_code},%")))
        .order_by_asc(provider::Column::Id)
        .limit(limit)
        .all(conn)
        .await?;
    rows.into_iter().map(rated).collect()
}

/// Providers the caller can see, by id, at most `limit`.
pub async fn first_in_scope(conn: &impl ConnectionTrait, ctx: &Context, limit: u64) -> Result<Vec<ProviderView>, DomainError> {
    scoped(ctx).order_by_asc(provider::Column::Id).limit(limit).all(conn).await?.into_iter().map(view).collect()
}

/// A provider the caller can see, with its feedback totals (404 otherwise).
pub async fn rated_in(conn: &impl ConnectionTrait, ctx: &Context, id: Uuid) -> Result<RatedProvider, DomainError> {
    rated(one_in_scope(conn, ctx, id).await?)
}

/// The row of a provider the caller can see (404 otherwise).
async fn one_in_scope(conn: &impl ConnectionTrait, ctx: &Context, id: Uuid) -> Result<provider::Model, DomainError> {
    scoped(ctx).filter(provider::Column::Id.eq(id)).one(conn).await?.ok_or(DomainError::NotFound)
}

/// Adds one score to the provider's running totals, in the feedback's
/// transaction; ranking reads them from the provider row.
pub async fn count_feedback(conn: &impl ConnectionTrait, provider_id: Uuid, satisfaction: i16) -> Result<(), DomainError> {
    use sea_orm::sea_query::{Expr, ExprTrait};
    provider::Entity::update_many()
        .col_expr(provider::Column::FeedbackResponses, Expr::col(provider::Column::FeedbackResponses).add(1))
        .col_expr(provider::Column::FeedbackTotal, Expr::col(provider::Column::FeedbackTotal).add(i64::from(satisfaction)))
        .filter(provider::Column::Id.eq(provider_id))
        .exec(conn)
        .await?;
    Ok(())
}

/// A provider the caller can see, inside the caller's transaction (404 otherwise).
pub async fn get_in(conn: &impl ConnectionTrait, ctx: &Context, id: Uuid) -> Result<ProviderView, DomainError> {
    view(one_in_scope(conn, ctx, id).await?)
}

/// Bars a provider from purchased services until `until` (procurement's
/// sanction), inside the caller's transaction.
pub async fn bar(conn: &impl ConnectionTrait, ctx: &Context, id: Uuid, until: NaiveDate) -> Result<ProviderView, DomainError> {
    let current = scoped(ctx).filter(provider::Column::Id.eq(id)).lock_exclusive().one(conn).await?.ok_or(DomainError::NotFound)?;
    let mut model: provider::ActiveModel = current.clone().into();
    model.barred_until = Set(Some(current.barred_until.map_or(until, |existing| existing.max(until))));
    model.version = Set(current.version + 1);
    model.updated_at = Set(ctx.now);
    let updated = model.update(conn).await?;
    let mut change = Change::published(
        "provider.barred",
        "provider",
        updated.id,
        &updated.region_code,
        serde_json::json!({"barred_until": updated.barred_until}),
    );
    if let Some(event) = change.event.as_mut() {
        event.provider_id = Some(updated.id);
    }
    record(conn, ctx, change).await?;
    view(updated)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_mean_is_in_hundredths_and_absent_without_feedback() {
        assert_eq!(FeedbackTotals { responses: 3, sum: 14 }.mean_x100(), Some(466));
        assert_eq!(FeedbackTotals::default().mean_x100(), None);
    }
}
