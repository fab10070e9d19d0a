//! Reference data: `/regions` (the division tree and key townships),
//! `/departments`, `/roles` with their permissions, and `/enums`, every
//! enumeration with Chinese and English labels.

use crate::extract::{Ctx, IfMatch, ListQuery, created, with_etag};
use crate::json::ValidJson;
use crate::problem::ApiError;
use crate::state::AppState;
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, get, patch, post, web};
use jiuzhu_core::codes::{EnumValue, listing};
use jiuzhu_core::permission::permissions_of;
use jiuzhu_core::{Page, Permission, Role, catalogue};
use jiuzhu_platform::departments::{self, DepartmentView};
use jiuzhu_platform::regions::{self, CreateRegion, PatchRegion, RegionView};
use jiuzhu_workflows::division_changes::{self, RetireRegion, RetiredRegion};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RegionQuery {
    /// The parent's code; without it, the top of the tree.
    pub parent: Option<String>,
    /// Also list regions that a division change retired (default: only active ones).
    pub include_retired: Option<bool>,
}

/// List regions under a parent
///
/// The children of `parent`, or the top-level regions, by code, a page at
/// a time (`order=desc` for the reverse). Regions retired by a division
/// change are left out unless `include_retired=true`. Regions are
/// reference data that every authenticated caller may read.
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
    Ok(HttpResponse::Ok()
        .json(regions::children(&state.db, &ctx, query.parent.as_deref(), query.include_retired.unwrap_or(false), list.page()?).await?))
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
    params(("code" = String, Path, description = "Region code"), IfMatch),
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

/// Add a county, township or village
///
/// A division change that creates a region (a new county, township or
/// village). The parent must exist and be active. Bulk loads of a whole
/// tree use `jiuzhu load-regions FILE.csv…`.
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

/// Retire a region into its successor
///
/// A division change (行政区划调整): the region is retired and every record
/// registered in it (people, households, applications, referrals, needs,
/// assessments, orders, visits, staff accounts and API clients, contracts …)
/// moves to `successor_code`, an active region of the same level, in one
/// transaction with one audit row and a `region.retired` event that counts
/// what moved. Audit rows and events keep the region they were written in.
/// The retired code stays readable (`GET /regions/{code}`) but takes no new
/// records (422 `region_retired`). A region with active children cannot be
/// retired (422 `region_has_active_children`), nor the root. Needs
/// `If-Match` with the region's version.
///
/// Permission: `region:write` (city_admin), on both regions.
#[utoipa::path(
    tag = "reference",
    operation_id = "retireRegion",
    params(("code" = String, Path, description = "Code of the region to retire"), IfMatch),
    request_body(content = RetireRegion, content_type = "application/json"),
    responses(
        (status = 200, description = "Retired; what moved, by table", body = RetiredRegion, headers(("ETag" = String, description = "The retired region's version"))),
        (status = 404, description = "No such region in the caller's region"),
    )
)]
#[post("/regions/{code}/retire")]
pub async fn retire_region(
    state: web::Data<AppState>,
    Ctx(ctx): Ctx,
    code: web::Path<String>,
    if_match: IfMatch,
    body: ValidJson<RetireRegion>,
) -> Result<HttpResponse, ApiError> {
    let retired = division_changes::retire_region(&state.db, &ctx, &code, if_match.0, body.0).await?;
    Ok(with_etag(StatusCode::OK, retired.region.version, &retired))
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

/// Lists every enumeration of the API once, for `/enums` and for the test
/// that holds the spec's enums to it. Each entry is a `coded_enum!` type.
macro_rules! enumerations {
    ($($enumeration:ty),+ $(,)?) => {
        /// Every enumeration of the API by its `/enums` name, each value with
        /// its `zh` and `en` label, plus the guidance catalogue's services.
        pub fn enumerations() -> BTreeMap<&'static str, Vec<EnumValue>> {
            let mut all: BTreeMap<&'static str, Vec<EnumValue>> = [$(listing::<$enumeration>()),+].into_iter().collect();
            all.insert(
                "service",
                catalogue::GUIDANCE_CATALOGUE.iter().map(|(_, code, _, zh, en)| EnumValue { code, zh, en }).collect(),
            );
            all
        }

        /// The spec's schema name of each listed enumeration, with its `/enums` name.
        #[cfg(test)]
        pub fn schema_names() -> Vec<(String, &'static str)> {
            vec![$((<$enumeration as utoipa::ToSchema>::name().into_owned(), <$enumeration as jiuzhu_core::codes::Coded>::LIST)),+]
        }
    };
}

enumerations!(
    jiuzhu_core::Role,
    jiuzhu_core::RegionLevel,
    jiuzhu_core::Sex,
    jiuzhu_core::SortOrder,
    jiuzhu_platform::audit::Outcome,
    jiuzhu_platform::clients::ClientRole,
    jiuzhu_platform::accounts::AccountKind,
    jiuzhu_platform::stats::Interval,
    jiuzhu_platform::webhooks::DeliveryStatus,
    jiuzhu_platform::imports::ImportKind,
    jiuzhu_platform::imports::ImportFormat,
    jiuzhu_platform::imports::JobStatus,
    jiuzhu_intake::beneficiaries::BeneficiaryStatus,
    jiuzhu_intake::beneficiaries::Category,
    jiuzhu_intake::beneficiaries::SupportMode,
    jiuzhu_intake::beneficiaries::Group,
    jiuzhu_intake::beneficiaries::MaterialKind,
    jiuzhu_intake::households::Relationship,
    jiuzhu_intake::applications::Channel,
    jiuzhu_intake::applications::ItemKind,
    jiuzhu_intake::applications::ConsentMethod,
    jiuzhu_intake::rules::Matter,
    jiuzhu_intake::rules::ApplicationStatus,
    jiuzhu_intake::rules::ReferralStatus,
    jiuzhu_intake::rules::ItemResolution,
    jiuzhu_intake::referrals::OutcomeCode,
    jiuzhu_intake::discoveries::Source,
    jiuzhu_intake::discoveries::DiscoveryStatus,
    jiuzhu_intake::discoveries::SignalKind,
    jiuzhu_intake::visits::VisitKind,
    jiuzhu_intake::hotline::TicketKind,
    jiuzhu_intake::hotline::TicketStatus,
    jiuzhu_needs_assessment::rules::IndicatorCode,
    jiuzhu_needs_assessment::rules::Degree,
    jiuzhu_needs_assessment::rules::Priority,
    jiuzhu_needs_assessment::needs::NeedStatus,
    jiuzhu_needs_assessment::needs::GroupBy,
    jiuzhu_needs_assessment::registry::QueryType,
    jiuzhu_needs_assessment::registry::Field,
    jiuzhu_needs_assessment::registry::ItemStatus,
    jiuzhu_needs_assessment::dci::envelope::DciStatus,
    jiuzhu_needs_assessment::dci::envelope::HeaderReason,
    jiuzhu_needs_assessment::dci::envelope::SearchReason,
    jiuzhu_needs_assessment::dci::query::Entity,
    jiuzhu_needs_assessment::dci::query::IdType,
    jiuzhu_needs_assessment::dci::query::Attribute,
    jiuzhu_needs_assessment::dci::query::QueryType,
    jiuzhu_needs_assessment::dci::query::RegEventType,
    jiuzhu_needs_assessment::dci::transactions::TxnType,
    jiuzhu_needs_assessment::dci::transactions::AttributeType,
    jiuzhu_needs_assessment::dci::AckStatus,
    jiuzhu_needs_assessment::dci::ErrorCode,
    jiuzhu_core::catalogue::ServiceCategory,
    jiuzhu_supply::catalogue::Unit,
    jiuzhu_supply::rules::Approval,
    jiuzhu_supply::rules::OrgType,
    jiuzhu_supply::rules::Program,
    jiuzhu_matching::rules::OrderStatus,
    jiuzhu_matching::ranking::ReasonCode,
    jiuzhu_matching::ranking::CandidateKind,
    jiuzhu_matching::inspections::Method,
    jiuzhu_matching::inspections::InspectionResult,
    jiuzhu_matching::orders::FeedbackChannel,
    jiuzhu_supply::providers::ProviderStatus,
    jiuzhu_matching::follow_ups::FollowUpStatus,
    jiuzhu_procurement::rules::Method,
    jiuzhu_procurement::rules::ProjectStatus,
    jiuzhu_procurement::rules::ContractStatus,
    jiuzhu_procurement::rules::FundSource,
    jiuzhu_procurement::rules::SeatKind,
    jiuzhu_procurement::rules::PaymentKind,
    jiuzhu_procurement::rules::Release,
    jiuzhu_procurement::contracts::Book,
    jiuzhu_procurement::contracts::SanctionReason,
    jiuzhu_evaluation::rules::MemberRole,
    jiuzhu_evaluation::rules::Title,
    jiuzhu_evaluation::rules::Grade,
    jiuzhu_evaluation::evaluations::Stage,
    jiuzhu_evaluation::evaluations::Organizer,
    jiuzhu_evaluation::evaluations::ThirdPartyType,
    jiuzhu_evaluation::evaluations::EvaluationStatus,
    jiuzhu_evaluation::evaluations::AppealOutcome,
    jiuzhu_evaluation::evaluations::AppealStatus,
    jiuzhu_reports::timeseries::Metric,
    crate::extract::Reveal,
    super::reports::SummaryFormat,
    super::catalogue::CatalogueFormat,
    super::auth::GrantType,
    super::exports::ExportFormat,
    jiuzhu_platform::export::Header,
    super::users::UserStatus,
);

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

/// Registers this module's routes.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_regions)
        .service(get_region)
        .service(create_region)
        .service(patch_region)
        .service(retire_region)
        .service(list_departments)
        .service(list_roles)
        .service(list_enums);
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Permissions are listed, with the roles that hold them, by `/roles`.
    const LISTED_ELSEWHERE: [&str; 1] = ["Permission"];

    #[test]
    fn every_enumeration_of_the_spec_is_in_enums_with_the_same_codes() {
        let document = serde_json::to_value(crate::server::openapi_document()).unwrap();
        let listed = enumerations();
        let names: BTreeMap<String, &str> = schema_names().into_iter().collect();
        let mut checked = 0;
        for (schema, body) in document["components"]["schemas"].as_object().unwrap() {
            let Some(members) = body.get("enum").and_then(|m| m.as_array()) else { continue };
            if LISTED_ELSEWHERE.contains(&schema.as_str()) {
                continue;
            }
            let list = names.get(schema).unwrap_or_else(|| panic!("the spec's enum {schema} is not listed in /enums"));
            let codes: Vec<&str> = listed[list].iter().map(|value| value.code).collect();
            let members: Vec<&str> = members.iter().filter_map(|m| m.as_str()).collect();
            assert_eq!(codes, members, "{schema}: /enums {list} and the spec disagree");
            checked += 1;
        }
        assert!(checked >= 60, "only {checked} enumerations found in the spec");
    }

    #[test]
    fn every_value_has_a_unique_code_and_both_labels() {
        for (list, values) in enumerations() {
            let mut codes: Vec<&str> = values.iter().map(|value| value.code).collect();
            codes.sort_unstable();
            codes.dedup();
            assert_eq!(codes.len(), values.len(), "{list} repeats a code");
            for value in values {
                assert!(value.zh.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)), "{list}.{}: zh {:?}", value.code, value.zh);
                assert!(value.en.chars().any(|c| c.is_ascii_alphabetic()), "{list}.{}: en {:?}", value.code, value.en);
            }
        }
    }
}
