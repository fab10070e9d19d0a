//! The service project list (服务项目清单): the 32 guidance items of Annex 1,
//! seeded at start-up, plus local items a county or the city adds. Guidance
//! items cannot be removed or deactivated.

use crate::entity::service;
use crate::rules::{Approval, check_item_decision, local_item_start};
use chrono::{DateTime, Utc};
use jiuzhu_core::catalogue::GUIDANCE_CATALOGUE;
use jiuzhu_core::codes::{code_of, parse_code};
use jiuzhu_core::{Context, DomainError, Permission, RegionLevel};
use jiuzhu_platform::Db;
use jiuzhu_platform::concurrency::expect_version;
use jiuzhu_platform::record::{Change, authorize, record};
use jiuzhu_platform::scope::within;
use sea_orm::{ActiveModelTrait, ColumnTrait, Condition, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use utoipa::ToSchema;
use validator::Validate;

pub use jiuzhu_core::catalogue::ServiceCategory;

jiuzhu_core::coded_enum! {
    pub enum Unit as "unit" {
        PerVisit = "per_visit", "次", "Per visit";
        PerHour = "per_hour", "小时", "Per hour";
        PerDay = "per_day", "天", "Per day";
        PerItem = "per_item", "件", "Per item";
        PerMonth = "per_month", "月", "Per month";
    }
}

/// `(code, unit, government funded, 内容, covered by)` for the guidance items.
const GUIDANCE_DETAILS: [(&str, Unit, bool, &str, &[&str]); 32] = [
    ("visits", Unit::PerVisit, true, "定期走访探视，开展评估、建立档案、链接资源", &[]),
    ("health_record", Unit::PerItem, true, "建立基本健康信息档案", &[]),
    ("check_ups", Unit::PerVisit, true, "组织常规健康体检", &[]),
    ("mental_rehabilitation", Unit::PerHour, true, "精神障碍患者康复服务与转介", &[]),
    ("medical_escort", Unit::PerVisit, true, "陪同就医、挂号、取药、取检验结果", &[]),
    ("respite", Unit::PerDay, true, "短期（不超过24小时）照护，缓解家庭照顾者压力", &["support:centralized"]),
    ("hospice", Unit::PerDay, true, "临终关怀服务", &[]),
    ("rare_disease_follow_up", Unit::PerVisit, true, "罕见病对象定期评估、建档、链接资源", &[]),
    ("rehabilitation_training", Unit::PerHour, true, "为残疾和部分失能人员提供康复训练", &[]),
    ("foot_care", Unit::PerVisit, true, "上门洗脚、修剪指甲", &[]),
    ("temporary_custody", Unit::PerDay, true, "临时托管及接送服务", &[]),
    ("emergency_call", Unit::PerMonth, true, "紧急呼叫、上门响应、链接资源", &[]),
    ("meals", Unit::PerItem, true, "送餐、协助就餐、上门做饭", &["support:centralized"]),
    ("bathing", Unit::PerVisit, true, "上门或外出助浴", &[]),
    ("cleaning", Unit::PerHour, true, "居家、衣物、电器清洁", &["support:centralized"]),
    ("mobility", Unit::PerVisit, true, "协助外出", &[]),
    ("health_services", Unit::PerVisit, true, "家庭医生签约、疾病预防、中医理疗", &[]),
    ("companionship", Unit::PerHour, true, "日常陪伴、聊天", &[]),
    ("haircut", Unit::PerVisit, true, "洗发理发、剃须", &[]),
    ("repairs", Unit::PerItem, true, "家电、管道维修、粉刷", &["material:housing_assistance"]),
    ("moving", Unit::PerItem, true, "搬运物品", &[]),
    ("errands", Unit::PerItem, true, "代缴费用、代购物品、代找家政", &[]),
    ("psychological_counselling", Unit::PerHour, true, "心理干预、疏导、治疗", &[]),
    ("social_integration", Unit::PerHour, true, "重建社会支持网络", &[]),
    ("capacity_building", Unit::PerHour, true, "技能培训、就业推荐", &[]),
    ("ecommerce_sales", Unit::PerItem, true, "为家庭代销农产品", &[]),
    ("carer_training", Unit::PerHour, true, "照护知识、技能和安全培训", &[]),
    ("legal_services", Unit::PerHour, true, "法律援助和法律咨询", &[]),
    ("policy_outreach", Unit::PerVisit, true, "讲解救助政策", &[]),
    ("family_guidance", Unit::PerHour, true, "家庭关系和矛盾调处辅导", &[]),
    ("age_friendly_renovation", Unit::PerItem, true, "居家适老化改造和辅具配置", &[]),
    ("residential_elderly_care", Unit::PerMonth, true, "入住养老机构", &["support:centralized"]),
];

#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(example = json!({"code": "meals", "number": 13, "category": "daily_living", "name_zh": "助餐服务", "name_en": "Meals", "description_zh": "送餐、协助就餐、上门做饭", "unit": "per_item", "government_funded": true, "covered_by_material": ["support:centralized"], "active": true, "guidance": true, "region_code": "640200", "approval": "not_required", "version": 1}))]
pub struct ServiceView {
    pub code: String,
    /// 1–32 for guidance items; none for local ones.
    pub number: Option<i16>,
    pub category: ServiceCategory,
    pub name_zh: String,
    pub name_en: String,
    pub description_zh: String,
    pub unit: Unit,
    pub government_funded: bool,
    /// Material benefits or support modes that already cover it (`support:centralized`, `material:<kind>`).
    pub covered_by_material: Vec<String>,
    pub active: bool,
    /// Part of the city's guidance catalogue (Annex 1).
    pub guidance: bool,
    /// Where it applies: the city for guidance items, the adding region for local ones.
    pub region_code: String,
    /// A government-funded local item is `pending` (and inactive) until the city approves it.
    pub approval: Approval,
    /// The basic living need a government-funded local item meets.
    pub basic_need_basis: Option<String>,
    /// The city's note on its decision.
    pub decision_note: Option<String>,
    pub version: i64,
}

fn view(m: service::Model) -> Result<ServiceView, DomainError> {
    Ok(ServiceView {
        code: m.code,
        number: m.number,
        category: parse_code(&m.category)?,
        name_zh: m.name_zh,
        name_en: m.name_en,
        description_zh: m.description_zh,
        unit: parse_code(&m.unit)?,
        government_funded: m.government_funded,
        covered_by_material: jiuzhu_core::stored_json::from_column("services.covered_by_material", &m.covered_by_material)?,
        active: m.active,
        guidance: m.guidance,
        region_code: m.region_code,
        approval: parse_code(&m.approval)?,
        basic_need_basis: m.basic_need_basis,
        decision_note: m.decision_note,
        version: m.version,
    })
}

/// Seeds the 32 guidance items, once.
pub async fn ensure_guidance(db: &Db, city: &str, now: DateTime<Utc>) -> Result<(), DomainError> {
    let txn = db.begin_write().await?;
    for ((number, code, category, zh, en), (_, unit, funded, description, covered)) in GUIDANCE_CATALOGUE.iter().zip(GUIDANCE_DETAILS) {
        if service::Entity::find_by_id(*code).one(&*txn).await?.is_some() {
            continue;
        }
        service::ActiveModel {
            code: Set(code.to_string()),
            number: Set(Some(i16::from(*number))),
            category: Set(category.to_string()),
            name_zh: Set(zh.to_string()),
            name_en: Set(en.to_string()),
            description_zh: Set(description.to_string()),
            unit: Set(code_of(unit)),
            government_funded: Set(funded),
            covered_by_material: Set(jiuzhu_core::stored_json::to_column(&covered)?),
            active: Set(true),
            guidance: Set(true),
            approval: Set(code_of(Approval::NotRequired)),
            basic_need_basis: Set(None),
            proposed_by: Set(None),
            decided_by: Set(None),
            decision_note: Set(None),
            region_code: Set(city.to_string()),
            version: Set(1),
            created_at: Set(now),
            updated_at: Set(now),
        }
        .insert(&*txn)
        .await?;
    }
    txn.commit().await?;
    Ok(())
}

/// Items that apply to the caller: those of its region, above it, or below it.
fn visible(ctx: &Context) -> Condition {
    Condition::any().add(service::Column::RegionCode.is_in(ctx.actor.region_and_ancestors())).add(within::<service::Entity>(&ctx.actor))
}

pub async fn list(
    db: &Db,
    ctx: &Context,
    category: Option<ServiceCategory>,
    active: Option<bool>,
) -> Result<Vec<ServiceView>, DomainError> {
    authorize(db, ctx, Permission::ServiceRead).await?;
    let mut query = service::Entity::find().filter(visible(ctx));
    if let Some(category) = category {
        query = query.filter(service::Column::Category.eq(code_of(category)));
    }
    if let Some(active) = active {
        query = query.filter(service::Column::Active.eq(active));
    }
    let rows = query
        .order_by_asc(service::Column::Guidance)
        .order_by_asc(service::Column::Number)
        .order_by_asc(service::Column::Code)
        .all(db.conn())
        .await?;
    let mut items: Vec<ServiceView> = rows.into_iter().map(view).collect::<Result<_, _>>()?;
    items.sort_by_key(|s| (!s.guidance, s.number, s.code.clone()));
    Ok(items)
}

pub async fn get(db: &Db, ctx: &Context, code: &str) -> Result<ServiceView, DomainError> {
    authorize(db, ctx, Permission::ServiceRead).await?;
    let row = service::Entity::find_by_id(code).filter(visible(ctx)).one(db.conn()).await?;
    view(row.ok_or(DomainError::NotFound)?)
}

/// The catalogue item `code`, whichever region added it (a rule's question
/// about the item itself, e.g. what material assistance covers it).
pub async fn find(conn: &impl sea_orm::ConnectionTrait, code: &str) -> Result<Option<ServiceView>, DomainError> {
    service::Entity::find_by_id(code).one(conn).await?.map(view).transpose()
}

/// Which of these codes the catalogue holds.
pub async fn existing_codes(conn: &impl sea_orm::ConnectionTrait, codes: &[String]) -> Result<Vec<String>, DomainError> {
    Ok(service::Entity::find().filter(service::Column::Code.is_in(codes.to_vec())).all(conn).await?.into_iter().map(|s| s.code).collect())
}

/// A stable UUID for a service code, for directory formats that want one.
pub fn stable_id(code: &str) -> uuid::Uuid {
    stable_uuid(&format!("jiuzhu-service:{code}"))
}

/// A UUID that is the same for the same name on every node and run (v8, from SHA-256).
pub fn stable_uuid(name: &str) -> uuid::Uuid {
    let digest = Sha256::digest(name.as_bytes());
    let mut bytes = [0u8; 16];
    bytes.copy_from_slice(&digest[..16]);
    uuid::Uuid::new_v8(bytes)
}

#[derive(Debug, Clone, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"code": "dwk_winter_heating_check", "category": "daily_living", "name_zh": "冬季取暖安全检查", "name_en": "Winter heating safety check", "description_zh": "入户检查取暖设施安全", "unit": "per_visit", "government_funded": true, "basic_need_basis": "独居老人冬季取暖安全，属基本生活需要", "covered_by_material": []}))]
pub struct CreateLocalService {
    /// Lower-case letters, digits and `_`; must not clash with any item.
    #[validate(length(min = 3, max = 40), custom(function = "plain_code"))]
    #[schema(min_length = 3, max_length = 40, pattern = "^[a-z0-9_]{3,40}$")]
    pub code: String,
    pub category: ServiceCategory,
    #[validate(length(min = 1, max = 100))]
    #[schema(min_length = 1, max_length = 100)]
    pub name_zh: String,
    #[validate(length(min = 1, max = 100))]
    #[schema(min_length = 1, max_length = 100)]
    pub name_en: String,
    #[validate(length(max = 2000))]
    #[schema(max_length = 2000)]
    #[serde(default)]
    pub description_zh: String,
    pub unit: Unit,
    /// A government-funded item waits for the city's approval and states
    /// the basic living need it meets in `basic_need_basis` (required then).
    pub government_funded: bool,
    #[validate(length(min = 1, max = 2000))]
    #[schema(min_length = 1, max_length = 2000)]
    pub basic_need_basis: Option<String>,
    #[serde(default)]
    pub covered_by_material: Vec<String>,
}

fn plain_code(value: &str) -> Result<(), validator::ValidationError> {
    if value.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_') {
        Ok(())
    } else {
        Err(validator::ValidationError::new("code_characters").with_message("use lower-case letters, digits and '_' only".into()))
    }
}

/// Adds a local item at the caller's city or county.
pub async fn create_local(db: &Db, ctx: &Context, input: CreateLocalService) -> Result<ServiceView, DomainError> {
    authorize(db, ctx, Permission::ServiceWrite).await?;
    if !matches!(ctx.actor.region.level(), RegionLevel::City | RegionLevel::County) {
        return Err(DomainError::rule("local_items_by_city_or_county", "only the city or a county adds local catalogue items"));
    }
    let (approval, active) = local_item_start(input.government_funded, input.basic_need_basis.as_deref())?;
    let txn = db.begin_write().await?;
    if let Some(existing) = service::Entity::find_by_id(input.code.as_str()).one(&*txn).await? {
        return Err(DomainError::Conflict {
            code: "service_code_taken",
            message: format!("{} exists", existing.code),
            existing_id: Some(existing.code),
        });
    }
    let model = service::ActiveModel {
        code: Set(input.code),
        number: Set(None),
        category: Set(code_of(input.category)),
        name_zh: Set(input.name_zh),
        name_en: Set(input.name_en),
        description_zh: Set(input.description_zh),
        unit: Set(code_of(input.unit)),
        government_funded: Set(input.government_funded),
        covered_by_material: Set(jiuzhu_core::stored_json::to_column(&input.covered_by_material)?),
        active: Set(active),
        guidance: Set(false),
        region_code: Set(ctx.actor.region.to_string()),
        approval: Set(code_of(approval)),
        basic_need_basis: Set(input.basic_need_basis),
        proposed_by: Set(Some(ctx.actor.subject.clone())),
        decided_by: Set(None),
        decision_note: Set(None),
        version: Set(1),
        created_at: Set(ctx.now),
        updated_at: Set(ctx.now),
    }
    .insert(&*txn)
    .await?;
    record(
        &*txn,
        ctx,
        Change::published(
            "service.created",
            "service",
            &model.code,
            &model.region_code,
            serde_json::json!({"category": model.category, "approval": model.approval}),
        ),
    )
    .await?;
    txn.commit().await?;
    view(model)
}

#[derive(Debug, Clone, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"approve": true, "note": "属独居老人基本生活需要，同意纳入政府购买"}))]
pub struct ItemDecision {
    pub approve: bool,
    /// Why, in the city's words.
    #[validate(length(min = 1, max = 2000))]
    #[schema(min_length = 1, max_length = 2000, pattern = "\\S")]
    pub note: String,
}

/// The city approves a pending government-funded local item (it becomes
/// active and can be ordered) or rejects it (it stays inactive).
pub async fn decide(db: &Db, ctx: &Context, code: &str, if_match: Option<i64>, input: ItemDecision) -> Result<ServiceView, DomainError> {
    authorize(db, ctx, Permission::ServiceWrite).await?;
    if input.note.trim().is_empty() {
        return Err(DomainError::field("note", "blank", "write why"));
    }
    let txn = db.begin_write().await?;
    let current = service::Entity::find_by_id(code).filter(visible(ctx)).lock_exclusive().one(&*txn).await?.ok_or(DomainError::NotFound)?;
    expect_version(if_match, current.version)?;
    check_item_decision(parse_code(&current.approval)?, ctx.actor.region.level(), &ctx.actor.subject, current.proposed_by.as_deref())?;
    let (approval, event) = if input.approve { (Approval::Approved, "service.approved") } else { (Approval::Rejected, "service.rejected") };
    let mut model: service::ActiveModel = current.clone().into();
    model.approval = Set(code_of(approval));
    model.active = Set(input.approve);
    model.decided_by = Set(Some(ctx.actor.subject.clone()));
    model.decision_note = Set(Some(input.note));
    model.version = Set(current.version + 1);
    model.updated_at = Set(ctx.now);
    let updated = model.update(&*txn).await?;
    record(
        &*txn,
        ctx,
        Change::published(event, "service", &updated.code, &updated.region_code, serde_json::json!({"approval": updated.approval})),
    )
    .await?;
    txn.commit().await?;
    view(updated)
}

/// Deactivates a local item of the caller's region; guidance items stay.
pub async fn deactivate(db: &Db, ctx: &Context, code: &str, if_match: Option<i64>) -> Result<ServiceView, DomainError> {
    authorize(db, ctx, Permission::ServiceWrite).await?;
    let txn = db.begin_write().await?;
    let current = service::Entity::find_by_id(code).filter(visible(ctx)).lock_exclusive().one(&*txn).await?.ok_or(DomainError::NotFound)?;
    expect_version(if_match, current.version)?;
    if current.guidance {
        return Err(DomainError::rule("guidance_item_protected", "the 32 guidance items cannot be removed or deactivated"));
    }
    if current.region_code != ctx.actor.region.as_str() && ctx.actor.role != jiuzhu_core::Role::CityAdmin {
        return Err(DomainError::rule("not_your_item", "only the region that added a local item deactivates it"));
    }
    if !current.active {
        return Err(DomainError::conflict("already_inactive", "the item is already inactive"));
    }
    let mut model: service::ActiveModel = current.clone().into();
    model.active = Set(false);
    model.version = Set(current.version + 1);
    model.updated_at = Set(ctx.now);
    let updated = model.update(&*txn).await?;
    record(&*txn, ctx, Change::published("service.deactivated", "service", &updated.code, &updated.region_code, serde_json::json!({})))
        .await?;
    txn.commit().await?;
    view(updated)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn details_follow_the_guidance_order() {
        for (entry, details) in GUIDANCE_CATALOGUE.iter().zip(GUIDANCE_DETAILS) {
            assert_eq!(entry.1, details.0);
        }
    }

    #[test]
    fn stable_ids_are_stable_and_distinct() {
        assert_eq!(stable_id("meals"), stable_id("meals"));
        assert_ne!(stable_id("meals"), stable_id("bathing"));
    }
}
