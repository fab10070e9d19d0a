//! Reference data: regions, departments, roles with their permissions, and
//! every enumeration with Chinese and English labels.

use crate::extract::{Ctx, IfMatch, ListQuery, created, with_etag};
use crate::json::ValidJson;
use crate::problem::ApiError;
use crate::state::AppState;
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, get, patch, post, web};
use jiuzhu_core::permission::permissions_of;
use jiuzhu_core::{Page, Permission, Role};
use jiuzhu_platform::departments::{self, DepartmentView};
use jiuzhu_platform::regions::{self, CreateRegion, PatchRegion, RegionView};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use utoipa::{IntoParams, ToSchema};

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RegionQuery {
    /// The parent's code; without it, the top of the tree.
    pub parent: Option<String>,
}

/// List regions under a parent
///
/// The children of `parent`, or the top-level regions, by code, a page at
/// a time (`order=desc` for the reverse). Regions are reference data that
/// every authenticated caller may read.
///
/// Permission: `region:read`.
#[utoipa::path(
    tag = "reference",
    operation_id = "listRegions",
    params(RegionQuery, ListQuery),
    responses((status = 200, description = "One page of children, by code", body = Page<RegionView>))
)]
#[get("/regions")]
pub async fn list_regions(
    state: web::Data<AppState>,
    Ctx(ctx): Ctx,
    query: web::Query<RegionQuery>,
    list: web::Query<ListQuery>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(regions::children(&state.db, &ctx, query.parent.as_deref(), list.page()?).await?))
}

/// Get a region
///
/// The `ETag` is the region's version, which its update needs as `If-Match`.
///
/// Permission: `region:read`.
#[utoipa::path(
    tag = "reference",
    operation_id = "getRegion",
    params(("code" = String, Path, description = "Region code (6, 9 or 12 digits)")),
    responses(
        (status = 200, description = "The region", body = RegionView, headers(("ETag" = String, description = "The region's version"))),
        (status = 404, description = "No such region"),
    )
)]
#[get("/regions/{code}")]
pub async fn get_region(state: web::Data<AppState>, Ctx(ctx): Ctx, code: web::Path<String>) -> Result<HttpResponse, ApiError> {
    let region = regions::get(&state.db, &ctx, &code).await?;
    Ok(with_etag(StatusCode::OK, region.version, &region))
}

/// Update a region
///
/// A JSON merge patch: `name_zh`, and `key_township` to mark or unmark a
/// township as one of the pilot's key townships (重点乡镇), which the pilot
/// summary compares with the rest. Only townships can be key townships
/// (422 `not_a_township`). Needs `If-Match`.
///
/// Permission: `region:write` (city_admin).
#[utoipa::path(
    tag = "reference",
    operation_id = "patchRegion",
    params(("code" = String, Path, description = "Region code"), ("If-Match" = String, Header, description = "The version you read, e.g. \"1\"")),
    request_body(content = PatchRegion, content_type = "application/merge-patch+json"),
    responses(
        (status = 200, description = "Updated", body = RegionView, headers(("ETag" = String, description = "The new version"))),
        (status = 404, description = "No such region in the caller's"),
    )
)]
#[patch("/regions/{code}")]
pub async fn patch_region(
    state: web::Data<AppState>,
    Ctx(ctx): Ctx,
    code: web::Path<String>,
    if_match: IfMatch,
    body: ValidJson<PatchRegion>,
) -> Result<HttpResponse, ApiError> {
    let region = regions::patch(&state.db, &ctx, &code, if_match.0, body.0).await?;
    Ok(with_etag(StatusCode::OK, region.version, &region))
}

/// Add a township or village
///
/// The parent must exist. Bulk loads use `jiuzhu load-regions FILE.csv`.
///
/// Permission: `region:write` (city_admin).
#[utoipa::path(
    tag = "reference",
    operation_id = "createRegion",
    request_body(content = CreateRegion, content_type = "application/json"),
    responses(
        (status = 201, description = "Created", body = RegionView, headers(("Location" = String, description = "URL of the region"))),
        (status = 409, description = "The region exists"),
    )
)]
#[post("/regions")]
pub async fn create_region(state: web::Data<AppState>, Ctx(ctx): Ctx, body: ValidJson<CreateRegion>) -> Result<HttpResponse, ApiError> {
    let region = regions::create(&state.db, &ctx, body.0).await?;
    Ok(created(format!("/api/v1/regions/{}", region.code), 1, &region))
}

/// List departments
///
/// The member units (成员单位) that take over transferred needs, with their duties.
///
/// Permission: `department:read`.
#[utoipa::path(
    tag = "reference",
    operation_id = "listDepartments",
    responses((status = 200, description = "All departments, by code, as one page", body = Page<DepartmentView>))
)]
#[get("/departments")]
pub async fn list_departments(state: web::Data<AppState>, Ctx(ctx): Ctx) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(Page::complete(departments::list(&state.db, &ctx).await?)))
}

#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"role": "village_worker", "label_zh": "村居协理员", "permissions": ["application:read", "application:write"]}))]
pub struct RoleView {
    pub role: Role,
    pub label_zh: &'static str,
    pub permissions: Vec<Permission>,
}

/// The permission table
///
/// Every role with the permissions it holds, as one page (the list is
/// short and fixed). Anything not listed is denied.
///
/// Permission: any authenticated caller.
#[utoipa::path(
    tag = "reference",
    operation_id = "listRoles",
    responses((status = 200, description = "Roles and their permissions, as one page", body = Page<RoleView>))
)]
#[get("/roles")]
pub async fn list_roles(_ctx: Ctx) -> HttpResponse {
    let roles: Vec<RoleView> =
        Role::ALL.into_iter().map(|role| RoleView { role, label_zh: role.label_zh(), permissions: permissions_of(role) }).collect();
    HttpResponse::Ok().json(Page::complete(roles))
}

#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"code": "village_worker", "zh": "村居协理员", "en": "Village worker"}))]
pub struct EnumValue {
    pub code: &'static str,
    pub zh: &'static str,
    pub en: &'static str,
}

/// Every enumeration of the API, by name, with `zh` and `en` labels.
pub fn enumerations() -> BTreeMap<&'static str, Vec<EnumValue>> {
    let v = |code, zh, en| EnumValue { code, zh, en };
    let mut all = BTreeMap::new();
    all.insert("role", Role::ALL.into_iter().map(|r| v(r.code(), r.label_zh(), r.label_en())).collect());
    all.insert(
        "region_level",
        vec![
            v("province", "省", "Province"),
            v("city", "市", "City"),
            v("county", "县区", "County or district"),
            v("township", "乡镇街道", "Township or street"),
            v("village", "村居", "Village or community"),
        ],
    );
    all.insert("match_reason", jiuzhu_matching::ranking::REASONS.iter().map(|(_, code, zh, en)| v(code, zh, en)).collect());
    all.insert("user_status", vec![v("active", "启用", "Active"), v("inactive", "停用", "Inactive")]);
    all.insert(
        "client_role",
        vec![v("department", "成员单位系统", "Department system"), v("data_exchange", "数据交换作业", "Data-exchange job")],
    );
    all.insert("audit_outcome", vec![v("success", "成功", "Success"), v("failure", "失败", "Failure"), v("denied", "拒绝", "Denied")]);
    all.insert("grant_type", vec![v("password", "用户名密码", "Password"), v("client_credentials", "客户端凭据", "Client credentials")]);
    all.insert("sex", vec![v("male", "男", "Male"), v("female", "女", "Female")]);
    all.insert(
        "category",
        vec![
            v("extreme_poverty", "特困人员", "Extreme poverty"),
            v("subsistence_allowance", "最低生活保障对象", "Subsistence allowance"),
            v("marginal", "低保边缘家庭成员", "Marginal household member"),
            v("rigid_expenditure", "刚性支出困难家庭成员", "Rigid-expenditure hardship household member"),
            v("poverty_return_monitoring", "防止返贫监测对象", "Poverty-return monitoring"),
        ],
    );
    all.insert("support_mode", vec![v("centralized", "集中供养", "Centralized support"), v("dispersed", "分散供养", "Dispersed support")]);
    all.insert(
        "group",
        vec![
            v("elderly", "老年人", "Elderly"),
            v("minor", "未成年人", "Minor"),
            v("disabled", "残疾人", "Disabled"),
            v("seriously_ill", "重病患者", "Seriously ill"),
            v("worker_in_hardship", "困难职工", "Worker in hardship"),
            v("woman", "妇女", "Woman"),
            v("living_alone", "独居", "Living alone"),
            v("left_behind", "留守", "Left behind"),
        ],
    );
    all.insert(
        "material_kind",
        vec![
            v("subsistence_allowance_cash", "低保金", "Subsistence allowance"),
            v("extreme_poverty_support", "特困供养金", "Extreme-poverty support"),
            v("medical_assistance", "医疗救助", "Medical assistance"),
            v("housing_assistance", "住房救助", "Housing assistance"),
            v("education_assistance", "教育救助", "Education assistance"),
            v("temporary_assistance", "临时救助", "Temporary assistance"),
            v("other", "其他", "Other"),
        ],
    );
    all.insert(
        "channel",
        vec![
            v("walk_in", "窗口受理", "Walk-in"),
            v("hotline", "12349热线", "12349 hotline"),
            v("online", "网上申请", "Online"),
            v("proactive_discovery", "主动发现", "Proactive discovery"),
            v("department_referral", "部门转介", "Department referral"),
            v("questionnaire", "问卷调查", "Questionnaire"),
        ],
    );
    all.insert("item_kind", vec![v("service", "服务需求", "Service need"), v("transfer", "转办事项", "Transfer to a department")]);
    all.insert(
        "matter",
        vec![
            v("education_fee_waiver", "教育救助、学费减免", "Education assistance and fee waiver"),
            v("medical_assistance", "医疗救助", "Medical assistance"),
            v("disability_certification", "残疾认定", "Disability certification"),
            v("employment_support", "就业帮扶", "Employment support"),
            v("housing_security", "住房保障", "Housing security"),
            v("legal_aid", "法律援助", "Legal aid"),
            v("disaster_relief", "受灾救助", "Disaster relief"),
            v("worker_hardship", "困难职工帮扶", "Worker hardship support"),
            v("women_children", "妇女儿童关爱", "Women and children"),
            v("youth", "青少年关爱", "Young people"),
            v("chronic_illness_care", "重特大疾病和慢性病照护", "Major and chronic illness care"),
        ],
    );
    all.insert(
        "consent_method",
        vec![v("written", "书面", "Written"), v("verbal", "口头", "Verbal"), v("electronic", "电子签名", "Electronic")],
    );
    all.insert(
        "application_status",
        vec![
            v("submitted", "已提交", "Submitted"),
            v("accepted", "已受理", "Accepted"),
            v("in_service", "服务中", "In service"),
            v("closed", "已办结", "Closed"),
            v("rejected", "不予受理", "Rejected"),
            v("withdrawn", "已撤回", "Withdrawn"),
        ],
    );
    all.insert(
        "referral_status",
        vec![
            v("pending", "待接收", "Pending"),
            v("accepted", "已接收", "Accepted"),
            v("completed", "已办结", "Completed"),
            v("rejected", "不予办理", "Rejected"),
            v("returned", "退回补充材料", "Returned for information"),
            v("cancelled", "已撤销", "Cancelled"),
        ],
    );
    all.insert(
        "referral_outcome",
        vec![
            v("granted", "已给予帮扶", "Granted"),
            v("partially_granted", "部分给予", "Partially granted"),
            v("not_eligible", "不符合条件", "Not eligible"),
            v("redirected", "已转其他渠道", "Redirected"),
        ],
    );
    all.insert("degree", vec![v("general", "一般", "General"), v("serious", "较重", "Serious"), v("severe", "严重", "Severe")]);
    all.insert("priority", vec![v("high", "高", "High"), v("medium", "中", "Medium"), v("low", "低", "Low")]);
    all.insert(
        "need_status",
        vec![
            v("open", "待匹配", "Open"),
            v("matched", "已匹配", "Matched"),
            v("in_service", "服务中", "In service"),
            v("met", "已满足", "Met"),
            v("withdrawn", "已撤销", "Withdrawn"),
        ],
    );
    all.insert(
        "indicator",
        vec![
            v("income", "收入困境", "Income hardship"),
            v("housing", "居住困境", "Housing hardship"),
            v("illness", "疾病困境", "Illness"),
            v("disability", "残疾困境", "Disability"),
            v("education", "教育困境", "Education"),
            v("employment", "就业困境", "Employment"),
            v("social_security", "社会保障困境", "Social security"),
            v("social_participation", "社会参与困境", "Social participation"),
            v("children_youth", "儿童青少年困境", "Children and youth"),
            v("family_structure", "家庭结构困境", "Family structure"),
        ],
    );
    all.insert("service", jiuzhu_core::catalogue::GUIDANCE_CATALOGUE.iter().map(|(_, code, _, zh, en)| v(code, zh, en)).collect());
    all.insert(
        "service_category",
        vec![v("care", "照护服务类", "Care"), v("daily_living", "生活服务类", "Daily living"), v("caring", "关爱服务类", "Caring")],
    );
    all
}

/// Every enumeration with labels
///
/// Each enumeration of the API by name, each value with its Chinese and
/// English label, so front ends need no hard-coded tables.
///
/// Permission: none (public).
#[utoipa::path(
    tag = "reference",
    operation_id = "listEnums",
    responses((status = 200, description = "Enumerations by name", body = BTreeMap<String, Vec<EnumValue>>))
)]
#[get("/enums")]
pub async fn list_enums() -> HttpResponse {
    HttpResponse::Ok().json(enumerations())
}
