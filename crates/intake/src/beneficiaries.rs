//! The service target list (服务对象清单): registering low-income people with
//! their categories, groups and material benefits, and reading them within
//! the caller's region, with ID numbers and phones masked.

use crate::entity::beneficiary;
use crate::rules::derived_groups;
use chrono::{DateTime, Months, NaiveDate, Utc};
use jiuzhu_core::codes::{code_of, parse_code};
use jiuzhu_core::mask::Pii;
use jiuzhu_core::patch::nullable;
use jiuzhu_core::stored_json::{from_column, to_column as json};
use jiuzhu_core::{
    CitizenId, Context, DomainError, FieldError, Page, PageRequest, Permission, Phone, RegionCode, RegionLevel, Sex, id::new_id,
};
use jiuzhu_platform::audit::{Entry, Outcome, Who};
use jiuzhu_platform::concurrency::expect_version;
use jiuzhu_platform::paging::keyset_by_key_first;
use jiuzhu_platform::record::{Change, audit_alone, authorize, record};
use jiuzhu_platform::scope::{InScope, under};
use jiuzhu_platform::{Db, probing, regions};
use sea_orm::sea_query::LikeExpr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QuerySelect, Select, Set,
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;
use validator::Validate;

jiuzhu_core::coded_enum! {
    /// Whether a person is on the service target list or has been taken off it.
    pub enum BeneficiaryStatus as "beneficiary_status" {
        Active = "active", "在册", "Active";
        Inactive = "inactive", "已移出", "Inactive";
    }
}

jiuzhu_core::coded_enum! {
    pub enum Category as "category" {
        ExtremePoverty = "extreme_poverty", "特困人员", "Extreme poverty";
        SubsistenceAllowance = "subsistence_allowance", "最低生活保障对象", "Subsistence allowance";
        Marginal = "marginal", "低保边缘家庭成员", "Marginal household member";
        RigidExpenditure = "rigid_expenditure", "刚性支出困难家庭成员", "Rigid-expenditure hardship household member";
        /// 防止返贫监测对象（仅过渡期内）
        PovertyReturnMonitoring = "poverty_return_monitoring", "防止返贫监测对象", "Poverty-return monitoring";
    }
}

jiuzhu_core::coded_enum! {
    pub enum SupportMode as "support_mode" {
        Centralized = "centralized", "集中供养", "Centralized support";
        Dispersed = "dispersed", "分散供养", "Dispersed support";
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CategoryRecord {
    pub category: Category,
    /// Only for `extreme_poverty`.
    pub support_mode: Option<SupportMode>,
    pub valid_from: NaiveDate,
    /// Required for `poverty_return_monitoring`: the end of the transition period.
    pub valid_to: Option<NaiveDate>,
}

impl CategoryRecord {
    /// Whether the category holds on `day`: from `valid_from` to `valid_to`, both included.
    pub fn in_force_on(&self, day: NaiveDate) -> bool {
        self.valid_from <= day && self.valid_to.is_none_or(|to| day <= to)
    }
}

jiuzhu_core::coded_enum! {
    /// Groups served. `elderly`, `minor` and `woman` derive from the ID and
    /// cannot be set; the others are set by staff.
    pub enum Group as "group" {
        /// 老年人（60岁以上，按身份证号推算）
        Elderly = "elderly", "老年人", "Elderly";
        /// 未成年人（按身份证号推算）
        Minor = "minor", "未成年人", "Minor";
        /// 残疾人（需残疾等级1–4）
        Disabled = "disabled", "残疾人", "Disabled";
        SeriouslyIll = "seriously_ill", "重病患者", "Seriously ill";
        WorkerInHardship = "worker_in_hardship", "困难职工", "Worker in hardship";
        /// 妇女（按身份证号推算）
        Woman = "woman", "妇女", "Woman";
        LivingAlone = "living_alone", "独居", "Living alone";
        LeftBehind = "left_behind", "留守", "Left behind";
    }
}

impl Group {
    /// Age and sex groups, which the ID number decides and nobody sets.
    pub fn is_derived(self) -> bool {
        matches!(self, Group::Elderly | Group::Minor | Group::Woman)
    }
}

jiuzhu_core::coded_enum! {
    /// Material benefits the person already receives; matching avoids repeating them.
    pub enum MaterialKind as "material_kind" {
        SubsistenceAllowanceCash = "subsistence_allowance_cash", "低保金", "Subsistence allowance";
        ExtremePovertySupport = "extreme_poverty_support", "特困供养金", "Extreme-poverty support";
        MedicalAssistance = "medical_assistance", "医疗救助", "Medical assistance";
        HousingAssistance = "housing_assistance", "住房救助", "Housing assistance";
        EducationAssistance = "education_assistance", "教育救助", "Education assistance";
        TemporaryAssistance = "temporary_assistance", "临时救助", "Temporary assistance";
        Other = "other", "其他", "Other";
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MaterialBenefit {
    pub kind: MaterialKind,
    /// Monthly amount in fen, when there is one.
    #[schema(minimum = 0)]
    pub monthly_amount_fen: Option<i64>,
}

#[derive(Debug, Clone, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"name": "张秀兰", "id_number": "11010519491231002X", "phone": "13912345678", "region_code": "640202001001", "address": "示范社区3号楼2单元101", "categories": [{"category": "extreme_poverty", "support_mode": "dispersed", "valid_from": "2024-01-01"}], "groups": ["living_alone"], "material_assistance": [{"kind": "extreme_poverty_support", "monthly_amount_fen": 98000}]}))]
pub struct CreateBeneficiary {
    #[validate(length(min = 1, max = 100))]
    #[schema(min_length = 1, max_length = 100)]
    pub name: String,
    /// 18-character citizen ID (GB 11643); gender and birth date derive from it.
    pub id_number: String,
    pub phone: Option<String>,
    /// A township (9 digits) or village (12 digits) in the caller's region.
    pub region_code: String,
    #[validate(length(max = 200))]
    #[schema(max_length = 200)]
    #[serde(default)]
    pub address: String,
    #[validate(length(min = 1, max = 5))]
    #[schema(min_items = 1, max_items = 5)]
    pub categories: Vec<CategoryRecord>,
    /// Each group at most once.
    #[serde(default)]
    pub groups: Vec<Group>,
    /// 1 (most severe) to 4; only with the `disabled` group.
    #[schema(minimum = 1, maximum = 4)]
    pub disability_level: Option<i16>,
    #[serde(default)]
    #[validate(length(max = 10))]
    #[schema(max_items = 10)]
    pub material_assistance: Vec<MaterialBenefit>,
}

/// A merge patch. `id_number`, `region_code`, `status` and `version` cannot be
/// patched: an unknown field answers 422.
#[derive(Debug, Default, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"phone": "13700001111", "groups": ["living_alone", "seriously_ill"]}))]
pub struct PatchBeneficiary {
    #[validate(length(min = 1, max = 100))]
    #[schema(min_length = 1, max_length = 100)]
    pub name: Option<String>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub phone: Option<Option<String>>,
    #[validate(length(max = 200))]
    #[schema(max_length = 200)]
    pub address: Option<String>,
    #[validate(length(min = 1, max = 5))]
    #[schema(min_items = 1, max_items = 5)]
    pub categories: Option<Vec<CategoryRecord>>,
    /// Each group at most once.
    pub groups: Option<Vec<Group>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<i16>, minimum = 1, maximum = 4)]
    #[validate(range(min = 1, max = 4))]
    pub disability_level: Option<Option<i16>>,
    #[validate(length(max = 10))]
    #[schema(max_items = 10)]
    pub material_assistance: Option<Vec<MaterialBenefit>>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(example = json!({"id": "0192f4a4-7d7e-7c3a-9a53-6f1f3c0b9a11", "name": "张秀兰", "id_number": "110105********002X", "gender": "female", "birth_date": null, "age": 76, "phone": "139****5678", "region_code": "640202001001", "address": "示范社区3号楼2单元101", "household_id": null, "categories": [{"category": "extreme_poverty", "support_mode": "dispersed", "valid_from": "2024-01-01", "valid_to": null}], "groups": ["elderly", "woman", "living_alone"], "disability_level": null, "material_assistance": [{"kind": "extreme_poverty_support", "monthly_amount_fen": 98000}], "status": "active", "version": 1, "created_at": "2025-03-01T08:00:00Z", "updated_at": "2025-03-01T08:00:00Z"}))]
pub struct BeneficiaryView {
    pub id: Uuid,
    pub name: String,
    /// Masked (`110105********002X`) unless revealed with `pii:reveal`.
    pub id_number: String,
    pub gender: Sex,
    /// `null` unless revealed with `pii:reveal`: the hidden digits of a
    /// masked ID number are the birth date.
    pub birth_date: Option<NaiveDate>,
    /// Whole years of age; masked, the age reached this calendar year
    /// (it moves on 1 January, so it does not tell the birthday).
    pub age: u32,
    /// Masked unless revealed.
    pub phone: Option<String>,
    pub region_code: String,
    pub address: String,
    pub household_id: Option<Uuid>,
    pub categories: Vec<CategoryRecord>,
    /// Set groups plus those derived from the ID today.
    pub groups: Vec<String>,
    pub disability_level: Option<i16>,
    pub material_assistance: Vec<MaterialBenefit>,
    pub status: BeneficiaryStatus,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl BeneficiaryView {
    pub fn from_model(m: beneficiary::Model, pii: Pii, today: NaiveDate) -> Result<Self, DomainError> {
        let id = CitizenId::parse(&m.id_number).map_err(|e| DomainError::Internal(format!("stored id_number invalid: {e}")))?;
        let mut groups: Vec<String> = derived_groups(&id, today).into_iter().map(str::to_string).collect();
        groups.extend(from_column::<Vec<Group>>("beneficiaries.groups", &m.groups)?.into_iter().map(|g| g.code().to_string()));
        Ok(Self {
            id: m.id,
            name: m.name,
            id_number: pii.citizen_id(&id),
            gender: id.sex(),
            birth_date: pii.birth_date(&id),
            age: pii.age(&id, today),
            phone: m.phone.as_deref().map(|p| pii.stored_phone(p)),
            region_code: m.region_code,
            address: m.address,
            household_id: m.household_id,
            categories: from_column("beneficiaries.categories", &m.categories)?,
            groups,
            disability_level: m.disability_level,
            material_assistance: from_column("beneficiaries.material_assistance", &m.material_assistance)?,
            status: parse_code(&m.status)?,
            version: m.version,
            created_at: m.created_at,
            updated_at: m.updated_at,
        })
    }
}

/// Checks categories, groups and benefits together; every problem is reported.
pub fn check_profile(
    categories: &[CategoryRecord],
    groups: &[Group],
    disability_level: Option<i16>,
    material: &[MaterialBenefit],
) -> Result<(), DomainError> {
    let mut errors = Vec::new();
    for (i, record) in categories.iter().enumerate() {
        let at = |f: &str| format!("categories[{i}].{f}");
        if categories[..i].iter().any(|r| r.category == record.category) {
            errors.push(FieldError::new(at("category"), "category_duplicate", "each category may appear once"));
        }
        if record.support_mode.is_some() && record.category != Category::ExtremePoverty {
            errors.push(FieldError::new(at("support_mode"), "not_applicable", "support_mode applies only to extreme_poverty"));
        }
        if record.category == Category::PovertyReturnMonitoring && record.valid_to.is_none() {
            errors.push(FieldError::new(
                at("valid_to"),
                "transition_end_required",
                "poverty_return_monitoring needs the transition period's end date",
            ));
        }
        if record.valid_to.is_some_and(|to| to < record.valid_from) {
            errors.push(FieldError::new(at("valid_to"), "date_order", "valid_to must not be before valid_from"));
        }
    }
    for (i, group) in groups.iter().enumerate() {
        if group.is_derived() {
            errors.push(FieldError::new(
                format!("groups[{i}]"),
                "group_derived",
                format!("{} is derived from the ID number and cannot be set", group.code()),
            ));
        }
        if groups[..i].contains(group) {
            errors.push(FieldError::new(format!("groups[{i}]"), "group_duplicate", "each group may appear once"));
        }
    }
    match (groups.contains(&Group::Disabled), disability_level) {
        (true, None) => errors.push(FieldError::new("disability_level", "required", "the disabled group needs a disability level 1 to 4")),
        (true, Some(level)) if !(1..=4).contains(&level) => {
            errors.push(FieldError::new("disability_level", "range", "disability level is 1 to 4"))
        }
        (false, Some(_)) => {
            errors.push(FieldError::new("disability_level", "not_applicable", "a disability level needs the disabled group"))
        }
        _ => {}
    }
    for (i, benefit) in material.iter().enumerate() {
        if benefit.monthly_amount_fen.is_some_and(|a| a < 0) {
            errors.push(FieldError::new(format!("material_assistance[{i}].monthly_amount_fen"), "range", "amounts cannot be negative"));
        }
    }
    if errors.is_empty() { Ok(()) } else { Err(DomainError::Validation(errors)) }
}

/// `,a,b,` so a portable `LIKE '%,a,%'` finds one code.
pub(crate) fn code_list<'a>(codes: impl IntoIterator<Item = &'a str>) -> String {
    let joined: Vec<&str> = codes.into_iter().collect();
    format!(",{},", joined.join(","))
}

pub(crate) fn category_codes(categories: &[CategoryRecord]) -> String {
    let codes: Vec<String> = categories.iter().map(|c| code_of(c.category)).collect();
    code_list(codes.iter().map(String::as_str))
}

/// A township or village that exists and lies in the caller's region.
pub async fn service_region(conn: &impl ConnectionTrait, ctx: &Context, code: &str, field: &str) -> Result<RegionCode, DomainError> {
    KnownRegions::default().check(conn, ctx, code, field).await
}

/// A township or village code inside the caller's region; whether it exists
/// is the database's question (`KnownRegions::check`).
fn region_in_scope(ctx: &Context, code: &str, field: &str) -> Result<RegionCode, DomainError> {
    let region = RegionCode::parse_field(code, field)?;
    if region.level() < RegionLevel::Township {
        return Err(DomainError::field(field, "region_level", "a person is registered at a township (9 digits) or village (12 digits)"));
    }
    if !ctx.actor.covers(&region) {
        return Err(DomainError::field(field, "region_outside_scope", format!("{region} is outside your region {}", ctx.actor.region)));
    }
    Ok(region)
}

/// Regions already found to exist, so a bulk use case reads each region
/// once rather than once per row. Regions are never deleted.
#[derive(Debug, Default)]
pub struct KnownRegions(std::collections::HashSet<String>);

impl KnownRegions {
    /// `service_region`, asking the database only about a region not seen yet.
    pub async fn check(&mut self, conn: &impl ConnectionTrait, ctx: &Context, code: &str, field: &str) -> Result<RegionCode, DomainError> {
        let region = region_in_scope(ctx, code, field)?;
        if !self.0.contains(region.as_str()) {
            regions::require_active(conn, &region, field).await?;
            self.0.insert(region.to_string());
        }
        Ok(region)
    }
}

/// A registration checked and built in memory: everything but the two
/// questions for the database, whether the region exists and whether the
/// ID number is already registered. Field names carry `field_prefix`.
pub fn registration(ctx: &Context, input: CreateBeneficiary, field_prefix: &str) -> Result<beneficiary::Model, DomainError> {
    let prefixed = |f: &str| if field_prefix.is_empty() { f.to_string() } else { format!("{field_prefix}.{f}") };
    let id = CitizenId::parse_field(&input.id_number, &prefixed("id_number"))?;
    let phone = input.phone.as_deref().map(|p| Phone::parse_field(p, &prefixed("phone"))).transpose()?;
    check_profile(&input.categories, &input.groups, input.disability_level, &input.material_assistance).map_err(|e| match e {
        DomainError::Validation(fields) => {
            DomainError::Validation(fields.into_iter().map(|f| FieldError { field: prefixed(&f.field), ..f }).collect())
        }
        other => other,
    })?;
    let region = region_in_scope(ctx, &input.region_code, &prefixed("region_code"))?;
    let gender = id.sex().code();
    Ok(beneficiary::Model {
        id: new_id(),
        name: input.name,
        id_number: id.as_str().to_string(),
        gender: gender.into(),
        birth_date: id.birth_date(),
        phone: phone.map(String::from),
        region_code: region.to_string(),
        address: input.address,
        household_id: None,
        household_relationship: None,
        categories: json(&input.categories)?,
        category_codes: category_codes(&input.categories),
        groups: json(&input.groups)?,
        group_codes: code_list(input.groups.iter().map(|g| g.code())),
        disability_level: input.disability_level,
        material_assistance: json(&input.material_assistance)?,
        status: code_of(BeneficiaryStatus::Active),
        version: 1,
        created_by: ctx.actor.subject.clone(),
        created_at: ctx.now,
        updated_at: ctx.now,
    })
}

/// The audit row and event of a registration.
pub fn registered(model: &beneficiary::Model) -> Change {
    let data =
        serde_json::json!({"categories": model.category_codes.trim_matches(',').split(',').collect::<Vec<_>>(), "version": model.version});
    Change::published("beneficiary.created", "beneficiary", model.id, &model.region_code, data)
}

/// The conflict answered for an ID number already registered; the existing
/// record's id is named only when the caller could read it, and an answer
/// about a record elsewhere is audited and limited (`probing::screened`).
pub fn already_registered(ctx: &Context, existing: &beneficiary::Model) -> DomainError {
    let visible = ctx.actor.covers_code(&existing.region_code);
    let message = if visible {
        "a person with this id_number is already registered"
    } else {
        "a person with this id_number is registered in another area; ask its civil-affairs office to transfer the record"
    };
    DomainError::Conflict { code: "id_number_registered", message: message.into(), existing_id: visible.then(|| existing.id.to_string()) }
}

/// Registers a person inside the caller's transaction (also used by inline applicants).
pub async fn insert(
    conn: &impl ConnectionTrait,
    ctx: &Context,
    input: CreateBeneficiary,
    field_prefix: &str,
) -> Result<beneficiary::Model, DomainError> {
    let region_field = if field_prefix.is_empty() { "region_code".to_string() } else { format!("{field_prefix}.region_code") };
    let person = registration(ctx, input, field_prefix)?;
    KnownRegions::default().check(conn, ctx, &person.region_code, &region_field).await?;
    if let Some(existing) = beneficiary::Entity::find().filter(beneficiary::Column::IdNumber.eq(&person.id_number)).one(conn).await? {
        return Err(already_registered(ctx, &existing));
    }
    let model = beneficiary::ActiveModel::from(person).reset_all().insert(conn).await?;
    record(conn, ctx, registered(&model)).await?;
    Ok(model)
}

pub async fn create(db: &Db, ctx: &Context, input: CreateBeneficiary) -> Result<BeneficiaryView, DomainError> {
    authorize(db, ctx, Permission::BeneficiaryWrite).await?;
    let txn = db.begin_write().await?;
    let model = match insert(&*txn, ctx, input, "").await {
        Ok(model) => model,
        Err(error) => {
            drop(txn);
            return Err(probing::screened(db, ctx, "beneficiary", error).await);
        }
    };
    txn.commit().await?;
    BeneficiaryView::from_model(model, Pii::Masked, ctx.now.date_naive())
}

#[derive(Debug, Default, Clone)]
pub struct BeneficiaryFilter {
    pub region_code: Option<String>,
    pub category: Option<Category>,
    pub group: Option<Group>,
    pub status: Option<BeneficiaryStatus>,
    pub name_prefix: Option<String>,
    pub updated_since: Option<DateTime<Utc>>,
}

fn escape_like(prefix: &str) -> String {
    prefix.chars().flat_map(|c| if matches!(c, '%' | '_' | '\\') { vec!['\\', c] } else { vec![c] }).collect()
}

/// People holding a category (the `,a,b,` code list column).
pub(crate) fn holds_category(category: Category) -> Condition {
    Condition::all().add(beneficiary::Column::CategoryCodes.like(format!("%,{},%", code_of(category))))
}

/// People in a group on `today`: age and sex groups derive from the birth
/// date and gender; the others are stored codes.
pub(crate) fn in_group(group: Group, today: NaiveDate) -> Condition {
    let years_ago = |n: u32| today.checked_sub_months(Months::new(12 * n)).unwrap_or(today);
    let condition = Condition::all();
    match group {
        Group::Elderly => condition.add(beneficiary::Column::BirthDate.lte(years_ago(60))),
        Group::Minor => condition.add(beneficiary::Column::BirthDate.gt(years_ago(18))),
        Group::Woman => {
            condition.add(beneficiary::Column::Gender.eq(Sex::Female.code())).add(beneficiary::Column::BirthDate.lte(years_ago(18)))
        }
        group => condition.add(beneficiary::Column::GroupCodes.like(format!("%,{},%", group.code()))),
    }
}

/// The caller's scope narrowed by a filter; shared with the registry search.
pub(crate) fn filtered(ctx: &Context, filter: &BeneficiaryFilter) -> Result<Select<beneficiary::Entity>, DomainError> {
    let mut query = beneficiary::Entity::find().in_scope(&ctx.actor);
    if let Some(code) = &filter.region_code {
        let region = RegionCode::parse_field(code, "region_code")?;
        query = query.filter(under::<beneficiary::Entity>(&region));
    }
    if let Some(category) = filter.category {
        query = query.filter(holds_category(category));
    }
    if let Some(group) = filter.group {
        query = query.filter(in_group(group, ctx.now.date_naive()));
    }
    if let Some(status) = filter.status {
        query = query.filter(beneficiary::Column::Status.eq(status.code()));
    }
    if let Some(prefix) = &filter.name_prefix {
        query = query.filter(beneficiary::Column::Name.like(LikeExpr::new(format!("{}%", escape_like(prefix))).escape('\\')));
    }
    if let Some(since) = filter.updated_since {
        query = query.filter(beneficiary::Column::UpdatedAt.gte(since));
    }
    Ok(query)
}

pub async fn list(db: &Db, ctx: &Context, filter: BeneficiaryFilter, page: PageRequest) -> Result<Page<BeneficiaryView>, DomainError> {
    authorize(db, ctx, Permission::BeneficiaryRead).await?;
    page_of(db.conn(), ctx, &filter, page, Pii::Masked).await
}

/// One page of the people `filter` selects in the caller's region, shown
/// with `pii`. The caller has authorized: a list needs `beneficiary:read`,
/// a department's registry search `registry:search`.
pub async fn page_of(
    conn: &impl ConnectionTrait,
    ctx: &Context,
    filter: &BeneficiaryFilter,
    page: PageRequest,
    pii: Pii,
) -> Result<Page<BeneficiaryView>, DomainError> {
    let query = filtered(ctx, filter)?;
    let rows = keyset_by_key_first::<_, Uuid>(query, beneficiary::Column::Id, &page)?.all(conn).await?;
    let page = page.into_page(rows, |r| r.id.to_string());
    let today = ctx.now.date_naive();
    page.try_map(|m| BeneficiaryView::from_model(m, pii, today))
}

jiuzhu_core::coded_enum! {
    /// What a numbered page of people is ordered by (ties broken by id).
    pub enum PeopleOrder as "people_order" {
        /// When the person was put on the list.
        RegisteredAt = "registered_at", "登记时间", "Registration time";
        RegionCode = "region_code", "所在区域", "Region";
        /// The internal id: the order keyset pages use.
        Id = "id", "内部编号", "Internal id";
    }
}

/// Page `number` (from 1) of `size` people `filter` selects in the caller's
/// region in `order`, with how many it selects in all; for exchanges that
/// page by number (DCI) rather than by cursor. Shown with `pii`; the caller
/// has authorized.
pub async fn numbered_page(
    conn: &impl ConnectionTrait,
    ctx: &Context,
    filter: &BeneficiaryFilter,
    order: PeopleOrder,
    descending: bool,
    (size, number): (u64, u64),
    pii: Pii,
) -> Result<(Vec<BeneficiaryView>, u64), DomainError> {
    use sea_orm::{Order, QueryOrder};
    let query = filtered(ctx, filter)?;
    let total = query.clone().count(conn).await?;
    let direction = if descending { Order::Desc } else { Order::Asc };
    let query = match order {
        PeopleOrder::RegisteredAt => query.order_by(beneficiary::Column::CreatedAt, direction.clone()),
        PeopleOrder::RegionCode => query.order_by(beneficiary::Column::RegionCode, direction.clone()),
        PeopleOrder::Id => query,
    };
    let rows = query.order_by(beneficiary::Column::Id, direction).offset(size * number.saturating_sub(1)).limit(size).all(conn).await?;
    let today = ctx.now.date_naive();
    let people = rows.into_iter().map(|m| BeneficiaryView::from_model(m, pii, today)).collect::<Result<_, _>>()?;
    Ok((people, total))
}

/// The people in the caller's region holding these ID numbers (any status),
/// each beside its number as stored, which the caller sent; shown with `pii`.
pub async fn by_id_numbers(
    conn: &impl ConnectionTrait,
    ctx: &Context,
    id_numbers: &[String],
    pii: Pii,
) -> Result<Vec<(String, BeneficiaryView)>, DomainError> {
    if id_numbers.is_empty() {
        return Ok(Vec::new());
    }
    let rows =
        beneficiary::Entity::find().in_scope(&ctx.actor).filter(beneficiary::Column::IdNumber.is_in(id_numbers.to_vec())).all(conn).await?;
    let today = ctx.now.date_naive();
    rows.into_iter().map(|m| Ok((m.id_number.clone(), BeneficiaryView::from_model(m, pii, today)?))).collect()
}

/// The masked name and ID number of each of these people, for lists whose
/// rows are about a person (the service needs list).
pub async fn masked_identities(
    conn: &impl ConnectionTrait,
    ids: &[Uuid],
) -> Result<std::collections::HashMap<Uuid, (String, String)>, DomainError> {
    let rows = beneficiary::Entity::find().filter(beneficiary::Column::Id.is_in(ids.to_vec())).all(conn).await?;
    Ok(rows
        .into_iter()
        .map(|p| {
            let id_number = CitizenId::parse(&p.id_number).map(|id| Pii::Masked.citizen_id(&id)).unwrap_or_default();
            (p.id, (Pii::Masked.name(&p.name), id_number))
        })
        .collect())
}

pub async fn count(db: &Db, ctx: &Context, filter: BeneficiaryFilter) -> Result<u64, DomainError> {
    authorize(db, ctx, Permission::BeneficiaryRead).await?;
    Ok(filtered(ctx, &filter)?.count(db.conn()).await?)
}

/// The active person with this ID number in the caller's region, masked
/// (a volunteer who is also on the list, say).
pub async fn active_by_id_number(
    conn: &impl ConnectionTrait,
    ctx: &Context,
    id_number: &str,
    today: NaiveDate,
) -> Result<Option<BeneficiaryView>, DomainError> {
    let found = beneficiary::Entity::find()
        .filter(beneficiary::Column::IdNumber.eq(id_number))
        .filter(beneficiary::Column::Status.eq(BeneficiaryStatus::Active.code()))
        .in_scope(&ctx.actor)
        .one(conn)
        .await?;
    found.map(|person| BeneficiaryView::from_model(person, Pii::Masked, today)).transpose()
}

/// Finding a person by ID number: the number travels in a body, never a URL.
#[derive(Debug, Clone, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"id_number": "11010519491231002X"}))]
pub struct LookupById {
    /// 18 characters with a valid check character (GB 11643).
    pub id_number: String,
}

/// The person with this ID number in the caller's region (any status), or
/// 404, as when it is registered elsewhere: the answer tells no more than
/// a read by id. Every lookup is audited, found or not, with the number masked.
pub async fn lookup(db: &Db, ctx: &Context, input: LookupById) -> Result<BeneficiaryView, DomainError> {
    authorize(db, ctx, Permission::BeneficiaryRead).await?;
    let id = CitizenId::parse_field(&input.id_number, "id_number")?;
    let found =
        beneficiary::Entity::find().filter(beneficiary::Column::IdNumber.eq(id.as_str())).in_scope(&ctx.actor).one(db.conn()).await?;
    let entry = Entry {
        action: "beneficiary.looked_up".into(),
        entity_type: "beneficiary".into(),
        entity_id: found.as_ref().map(|person| person.id.to_string()),
        region_code: found.as_ref().map_or_else(|| ctx.actor.region.to_string(), |person| person.region_code.clone()),
        outcome: if found.is_some() { Outcome::Success } else { Outcome::Failure },
        detail: serde_json::json!({"by": "id_number", "id_number": Pii::Masked.citizen_id(&id), "found": found.is_some()}),
    };
    audit_alone(db, &Who::from(ctx), entry).await?;
    BeneficiaryView::from_model(found.ok_or(DomainError::NotFound)?, Pii::Masked, ctx.now.date_naive())
}

/// A person in the caller's region, or 404.
pub async fn find_in_scope(conn: &impl ConnectionTrait, ctx: &Context, id: Uuid) -> Result<beneficiary::Model, DomainError> {
    beneficiary::Entity::find_by_id(id).in_scope(&ctx.actor).one(conn).await?.ok_or(DomainError::NotFound)
}

pub async fn get(db: &Db, ctx: &Context, id: Uuid, reveal: bool) -> Result<BeneficiaryView, DomainError> {
    authorize(db, ctx, Permission::BeneficiaryRead).await?;
    let model = find_in_scope(db.conn(), ctx, id).await?;
    let pii = if reveal {
        authorize(db, ctx, Permission::PiiReveal).await?;
        let entry = Entry {
            action: "pii.revealed".into(),
            entity_type: "beneficiary".into(),
            entity_id: Some(model.id.to_string()),
            region_code: model.region_code.clone(),
            outcome: Outcome::Success,
            detail: serde_json::json!({"fields": ["id_number", "phone"]}),
        };
        audit_alone(db, &Who::from(ctx), entry).await?;
        Pii::Revealed
    } else {
        Pii::Masked
    };
    BeneficiaryView::from_model(model, pii, ctx.now.date_naive())
}

pub async fn patch(
    db: &Db,
    ctx: &Context,
    id: Uuid,
    if_match: Option<i64>,
    input: PatchBeneficiary,
) -> Result<BeneficiaryView, DomainError> {
    authorize(db, ctx, Permission::BeneficiaryWrite).await?;
    let txn = db.begin_write().await?;
    let current =
        beneficiary::Entity::find_by_id(id).in_scope(&ctx.actor).lock_exclusive().one(&*txn).await?.ok_or(DomainError::NotFound)?;
    let categories = match &input.categories {
        Some(c) => c.clone(),
        None => jiuzhu_core::stored_json::from_column("beneficiaries.categories", &current.categories)?,
    };
    let groups = match &input.groups {
        Some(g) => g.clone(),
        None => jiuzhu_core::stored_json::from_column("beneficiaries.groups", &current.groups)?,
    };
    let disability_level = input.disability_level.unwrap_or(current.disability_level);
    let material = match &input.material_assistance {
        Some(m) => m.clone(),
        None => jiuzhu_core::stored_json::from_column("beneficiaries.material_assistance", &current.material_assistance)?,
    };
    check_profile(&categories, &groups, disability_level, &material)?;
    let mut model: beneficiary::ActiveModel = current.clone().into();
    let mut changed = Vec::new();
    if let Some(name) = input.name {
        model.name = Set(name);
        changed.push("name");
    }
    if let Some(phone) = input.phone {
        model.phone = Set(phone.map(|p| Phone::parse_field(&p, "phone")).transpose()?.map(String::from));
        changed.push("phone");
    }
    if let Some(address) = input.address {
        model.address = Set(address);
        changed.push("address");
    }
    if input.categories.is_some() {
        model.categories = Set(json(&categories)?);
        model.category_codes = Set(category_codes(&categories));
        changed.push("categories");
    }
    if input.groups.is_some() {
        model.groups = Set(json(&groups)?);
        model.group_codes = Set(code_list(groups.iter().map(|g| g.code())));
        changed.push("groups");
    }
    if input.disability_level.is_some() {
        model.disability_level = Set(disability_level);
        changed.push("disability_level");
    }
    if input.material_assistance.is_some() {
        model.material_assistance = Set(json(&material)?);
        changed.push("material_assistance");
    }
    // The version is judged once the request is otherwise valid (RFC 9110 13.2.1).
    expect_version(if_match, current.version)?;
    model.version = Set(current.version + 1);
    model.updated_at = Set(ctx.now);
    let updated = model.update(&*txn).await?;
    let data = serde_json::json!({"fields": changed, "version": updated.version});
    let change = Change::published("beneficiary.updated", "beneficiary", updated.id, &updated.region_code, data.clone()).with_detail(data);
    record(&*txn, ctx, change).await?;
    txn.commit().await?;
    BeneficiaryView::from_model(updated, Pii::Masked, ctx.now.date_naive())
}

pub async fn deactivate(db: &Db, ctx: &Context, id: Uuid, if_match: Option<i64>) -> Result<BeneficiaryView, DomainError> {
    authorize(db, ctx, Permission::BeneficiaryWrite).await?;
    let txn = db.begin_write().await?;
    let current =
        beneficiary::Entity::find_by_id(id).in_scope(&ctx.actor).lock_exclusive().one(&*txn).await?.ok_or(DomainError::NotFound)?;
    expect_version(if_match, current.version)?;
    if current.status != BeneficiaryStatus::Active.code() {
        return Err(DomainError::conflict("already_inactive", "the person is already off the list"));
    }
    let mut model: beneficiary::ActiveModel = current.clone().into();
    model.status = Set(code_of(BeneficiaryStatus::Inactive));
    model.version = Set(current.version + 1);
    model.updated_at = Set(ctx.now);
    let updated = model.update(&*txn).await?;
    let change = Change::published(
        "beneficiary.deactivated",
        "beneficiary",
        updated.id,
        &updated.region_code,
        serde_json::json!({"version": updated.version}),
    );
    record(&*txn, ctx, change).await?;
    txn.commit().await?;
    BeneficiaryView::from_model(updated, Pii::Masked, ctx.now.date_naive())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(category: Category) -> CategoryRecord {
        CategoryRecord { category, support_mode: None, valid_from: NaiveDate::from_ymd_opt(2024, 1, 1).unwrap(), valid_to: None }
    }

    fn codes(err: DomainError) -> Vec<String> {
        match err {
            DomainError::Validation(f) => f.into_iter().map(|f| format!("{}:{}", f.field, f.code)).collect(),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn monitoring_needs_a_transition_end_and_support_mode_is_for_extreme_poverty() {
        let mut monitoring = record(Category::PovertyReturnMonitoring);
        monitoring.support_mode = Some(SupportMode::Dispersed);
        let errors = codes(check_profile(&[monitoring], &[], None, &[]).unwrap_err());
        assert_eq!(errors, ["categories[0].support_mode:not_applicable", "categories[0].valid_to:transition_end_required"]);
        let mut poor = record(Category::ExtremePoverty);
        poor.support_mode = Some(SupportMode::Centralized);
        assert!(check_profile(&[poor], &[], None, &[]).is_ok());
    }

    #[test]
    fn derived_groups_cannot_be_set_and_disability_needs_a_level() {
        let errors = codes(check_profile(&[record(Category::Marginal)], &[Group::Elderly, Group::Disabled], None, &[]).unwrap_err());
        assert_eq!(errors, ["groups[0]:group_derived", "disability_level:required"]);
        assert!(check_profile(&[record(Category::Marginal)], &[Group::Disabled], Some(2), &[]).is_ok());
        assert!(check_profile(&[record(Category::Marginal)], &[Group::Disabled], Some(5), &[]).is_err());
        assert!(check_profile(&[record(Category::Marginal)], &[], Some(2), &[]).is_err());
    }

    #[test]
    fn duplicate_categories_are_refused() {
        assert!(check_profile(&[record(Category::Marginal), record(Category::Marginal)], &[], None, &[]).is_err());
    }

    #[test]
    fn code_lists_are_comma_fenced() {
        assert_eq!(code_list(["a", "b"]), ",a,b,");
        assert_eq!(category_codes(&[record(Category::ExtremePoverty)]), ",extreme_poverty,");
    }
}
