//! Reference data: regions, departments, roles with their permissions, and
//! every enumeration with Chinese and English labels.

use crate::extract::{Ctx, created};
use crate::json::ValidJson;
use crate::problem::ApiError;
use crate::state::AppState;
use actix_web::{HttpResponse, get, post, web};
use jiuzhu_core::permission::permissions_of;
use jiuzhu_core::{Permission, Role};
use jiuzhu_platform::departments::{self, DepartmentView};
use jiuzhu_platform::regions::{self, CreateRegion, RegionView};
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
/// The children of `parent`, or the top-level regions. Regions are
/// reference data that every authenticated caller may read.
///
/// Permission: `region:read`.
#[utoipa::path(
    tag = "reference",
    operation_id = "listRegions",
    security(("bearer" = [])),
    params(RegionQuery),
    responses((status = 200, description = "The children, by code", body = Vec<RegionView>))
)]
#[get("/regions")]
pub async fn list_regions(state: web::Data<AppState>, Ctx(ctx): Ctx, query: web::Query<RegionQuery>) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(regions::children(&state.db, &ctx, query.parent.as_deref()).await?))
}

/// Get a region
///
/// Permission: `region:read`.
#[utoipa::path(
    tag = "reference",
    operation_id = "getRegion",
    security(("bearer" = [])),
    params(("code" = String, Path, description = "Region code (6, 9 or 12 digits)")),
    responses((status = 200, description = "The region", body = RegionView), (status = 404, description = "No such region"))
)]
#[get("/regions/{code}")]
pub async fn get_region(state: web::Data<AppState>, Ctx(ctx): Ctx, code: web::Path<String>) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(regions::get(&state.db, &ctx, &code).await?))
}

/// Add a township or village
///
/// The parent must exist. Bulk loads use `jiuzhu load-regions FILE.csv`.
///
/// Permission: `region:write` (city_admin).
#[utoipa::path(
    tag = "reference",
    operation_id = "createRegion",
    security(("bearer" = [])),
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
    security(("bearer" = [])),
    responses((status = 200, description = "All departments, by code", body = Vec<DepartmentView>))
)]
#[get("/departments")]
pub async fn list_departments(state: web::Data<AppState>, Ctx(ctx): Ctx) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(departments::list(&state.db, &ctx).await?))
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
/// Every role with the permissions it holds. Anything not listed is denied.
///
/// Permission: any authenticated caller.
#[utoipa::path(
    tag = "reference",
    operation_id = "listRoles",
    security(("bearer" = [])),
    responses((status = 200, description = "Roles and their permissions", body = Vec<RoleView>))
)]
#[get("/roles")]
pub async fn list_roles(_ctx: Ctx) -> HttpResponse {
    let roles: Vec<RoleView> =
        Role::ALL.into_iter().map(|role| RoleView { role, label_zh: role.label_zh(), permissions: permissions_of(role) }).collect();
    HttpResponse::Ok().json(roles)
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
    all.insert(
        "role",
        Role::ALL
            .into_iter()
            .map(|r| {
                let en = match r {
                    Role::CityAdmin => "City civil-affairs administrator",
                    Role::CountyOfficer => "County civil-affairs officer",
                    Role::TownshipOfficer => "Township officer",
                    Role::VillageWorker => "Village worker",
                    Role::Department => "Department system",
                    Role::Provider => "Service provider",
                    Role::Evaluator => "Evaluator",
                    Role::Auditor => "Finance or audit (read-only)",
                    Role::DataExchange => "Data-exchange job",
                };
                v(r.code(), r.label_zh(), en)
            })
            .collect(),
    );
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
    all.insert("user_status", vec![v("active", "启用", "Active"), v("inactive", "停用", "Inactive")]);
    all.insert(
        "client_role",
        vec![v("department", "成员单位系统", "Department system"), v("data_exchange", "数据交换作业", "Data-exchange job")],
    );
    all.insert("audit_outcome", vec![v("success", "成功", "Success"), v("failure", "失败", "Failure"), v("denied", "拒绝", "Denied")]);
    all.insert("grant_type", vec![v("password", "用户名密码", "Password"), v("client_credentials", "客户端凭据", "Client credentials")]);
    all.insert("sex", vec![v("male", "男", "Male"), v("female", "女", "Female")]);
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
