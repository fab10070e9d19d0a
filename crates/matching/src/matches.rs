//! Matching (资源匹配): ranks the providers and volunteers who could meet a
//! need, each with a score and its reasons, and (on request) lists who was
//! left out and why. Capacity is the declared monthly capacity until
//! service orders consume it.

use crate::entity::service_order;
use crate::ranking::{Excluded, Holding, ProviderFacts, Ranked, VolunteerFacts, holding_contract, rank};
use crate::rules::check_not_covered_by_material;
use chrono::Datelike;
use jiuzhu_core::mask::Pii;
use jiuzhu_core::{Context, DomainError, Permission, RegionCode, RegionLevel};
use jiuzhu_intake::beneficiaries::{self, BeneficiaryView};
use jiuzhu_needs_assessment::assessments::coverage_of;
use jiuzhu_needs_assessment::rules::Priority;
use jiuzhu_platform::Db;
use jiuzhu_platform::record::authorize;
use jiuzhu_supply::providers::{self, ProviderStatus};
use jiuzhu_supply::{catalogue, volunteers};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QuerySelect};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use utoipa::ToSchema;
use uuid::Uuid;
use validator::Validate;

/// Most candidates considered per kind.
const CANDIDATE_LIMIT: u64 = 500;

#[derive(Debug, Clone, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(examples(json!({"need_id": "0192f4a4-7d7e-7c3a-9a53-6f1f3c0b9a70"}), json!({"beneficiary_id": "0192f4a4-7d7e-7c3a-9a53-6f1f3c0b9a11", "service_code": "meals"})))]
pub struct MatchRequest {
    /// A need from the service needs list; or give `beneficiary_id` and `service_code`.
    pub need_id: Option<Uuid>,
    pub beneficiary_id: Option<Uuid>,
    pub service_code: Option<String>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MatchTarget {
    pub beneficiary_id: Uuid,
    pub service_code: String,
    pub region_code: String,
    pub need_id: Option<Uuid>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MatchResult {
    pub target: MatchTarget,
    /// Best first.
    pub candidates: Vec<Ranked>,
    /// Only with `?explain=true`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub excluded: Option<Vec<Excluded>>,
}

/// Units of a service ordered from each of `providers` since the start of
/// the month (declined and cancelled orders give theirs back), in one
/// grouped query; a provider with none is absent.
async fn used_this_month(
    conn: &impl sea_orm::ConnectionTrait,
    providers: &[Uuid],
    service_code: &str,
    month_start: chrono::NaiveDate,
) -> Result<HashMap<Uuid, u32>, DomainError> {
    let used: Vec<(Option<Uuid>, i64)> = service_order::Entity::find()
        .select_only()
        .column(service_order::Column::ProviderId)
        .column_as(Expr::cust("CAST(COALESCE(SUM(quantity), 0) AS BIGINT)"), "total")
        .filter(service_order::Column::ProviderId.is_in(providers.iter().copied()))
        .filter(service_order::Column::ServiceCode.eq(service_code))
        .filter(service_order::Column::ScheduledFor.gte(month_start))
        .filter(service_order::Column::Status.is_not_in(["declined", "cancelled"]))
        .group_by(service_order::Column::ProviderId)
        .into_tuple()
        .all(conn)
        .await?;
    Ok(used.into_iter().filter_map(|(provider, total)| Some((provider?, u32::try_from(total).unwrap_or(u32::MAX)))).collect())
}

/// The most specific served region that contains the target.
fn coverage(served: &[String], target: &RegionCode) -> Option<RegionLevel> {
    served.iter().filter_map(|code| RegionCode::parse(code).ok()).filter(|r| target.is_within(r)).map(|r| r.level()).max()
}

/// Ranks the candidates for one need; `holdings` are the active contracts
/// in the caller's scope (procurement's, asked by the caller).
pub async fn find(db: &Db, ctx: &Context, request: MatchRequest, explain: bool, holdings: &[Holding]) -> Result<MatchResult, DomainError> {
    authorize(db, ctx, Permission::OrderWrite).await?;
    let (beneficiary_id, service_code, need_id) = match (request.need_id, request.beneficiary_id, request.service_code) {
        (Some(id), None, None) => {
            let found = jiuzhu_needs_assessment::needs::find_in_scope(db.conn(), ctx, id).await?;
            let found = found.ok_or_else(|| DomainError::field("need_id", "need_unknown", "no such need in your region"))?;
            (found.beneficiary_id, found.service_code, Some(id))
        }
        (None, Some(person), Some(code)) => (person, code, None),
        _ => return Err(DomainError::field("need_id", "target_choice", "give need_id, or beneficiary_id with service_code")),
    };
    let Some(offered) = catalogue::find(db.conn(), &service_code).await? else {
        return Err(DomainError::field("service_code", "service_unknown", format!("{service_code} is not in the catalogue")));
    };
    let person = beneficiaries::find_in_scope(db.conn(), ctx, beneficiary_id)
        .await
        .map_err(|_| DomainError::field("beneficiary_id", "beneficiary_unknown", "no such person in your region"))?;
    let today = ctx.now.date_naive();
    let person = BeneficiaryView::from_model(person, Pii::Masked, today)?;
    // Nobody is ranked for what the person's material assistance already meets.
    check_not_covered_by_material(&service_code, &offered.covered_by_material, &coverage_of(&person, today))?;
    let target = RegionCode::parse(&person.region_code).map_err(DomainError::Internal)?;

    let offering = providers::offering_in_scope(db.conn(), ctx, &service_code, CANDIDATE_LIMIT).await?;
    let month_start = today.with_day(1).unwrap_or(today);
    let ids: Vec<Uuid> = offering.iter().map(|rated| rated.provider.id).collect();
    let used = used_this_month(db.conn(), &ids, &service_code, month_start).await?;
    let mut provider_facts = Vec::new();
    for rated in offering {
        let satisfaction = rated.feedback.mean_x100();
        let p = rated.provider;
        let declared = p.monthly_capacity.get(&service_code).copied();
        let capacity = declared.map(|total| total.saturating_sub(used.get(&p.id).copied().unwrap_or(0)));
        provider_facts.push(ProviderFacts {
            id: p.id,
            name: p.name,
            active: p.status == ProviderStatus::Active,
            barred: p.barred_until.is_some_and(|until| until >= today),
            offers_service: true,
            coverage: coverage(&p.service_regions, &target),
            capacity_left: capacity,
            capacity_total: declared,
            valid_qualification: p.qualifications.iter().any(|q| q.expires_on.is_none_or(|end| end >= today)),
            satisfaction: satisfaction.map(|m| u32::try_from(m).unwrap_or(0)),
            contract_id: holding_contract(holdings, p.id, &service_code, &target),
        });
    }
    // Volunteers of the person's township (or county, for a county-level record).
    let township = RegionCode::parse(target.as_str().get(..9).unwrap_or(target.as_str())).map_err(DomainError::Internal)?;
    let neighbours = volunteers::active_under(db.conn(), &township, CANDIDATE_LIMIT, today).await?;
    let mut volunteer_facts = Vec::new();
    for v in neighbours {
        volunteer_facts.push(VolunteerFacts {
            id: v.id,
            name: v.name,
            program: v.program,
            has_skill: v.skills.contains(&service_code),
            same_village: v.region_code == target.as_str() && target.level() == RegionLevel::Village,
            same_township: v.region_code.starts_with(township.as_str()),
        });
    }
    let (candidates, excluded) = rank(&provider_facts, &volunteer_facts, person.age, &person.groups);
    Ok(MatchResult {
        target: MatchTarget { beneficiary_id, service_code, region_code: person.region_code, need_id },
        candidates,
        excluded: explain.then_some(excluded),
    })
}

/// The most open needs one batch run considers.
const BATCH_NEED_LIMIT: u64 = 200_000;

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct BatchResult {
    pub region_code: String,
    /// Open needs considered.
    pub needs: usize,
    pub proposals: Vec<crate::rules::Proposal>,
    /// Needs no provider could take within capacity.
    pub unassigned: Vec<Uuid>,
}

/// Proposes an assignment of every open need in a region within providers'
/// capacity. Nothing is written; orders follow from the proposals.
pub async fn batch(db: &Db, ctx: &Context, region_code: &str, holdings: &[Holding]) -> Result<BatchResult, DomainError> {
    use crate::rules::{BatchNeed, BatchProvider, batch_assign};
    authorize(db, ctx, Permission::OrderWrite).await?;
    let region = RegionCode::parse_field(region_code, "region_code")?;
    if !ctx.actor.covers(&region) {
        return Err(DomainError::NotFound);
    }
    let today = ctx.now.date_naive();
    let needs: Vec<BatchNeed> = jiuzhu_needs_assessment::needs::open_in(db.conn(), &region, BATCH_NEED_LIMIT)
        .await?
        .into_iter()
        .filter_map(|n| {
            let region = RegionCode::parse(&n.region_code).ok()?;
            let priority = match n.priority {
                Priority::High => 3,
                Priority::Medium => 2,
                Priority::Low => 1,
            };
            Some(BatchNeed { id: n.id, service_code: n.service_code, region, priority })
        })
        .collect();
    let mut providers = Vec::new();
    for p in providers::first_in_scope(db.conn(), ctx, CANDIDATE_LIMIT * 4).await? {
        providers.push(BatchProvider {
            id: p.id,
            eligible: p.status == ProviderStatus::Active && p.barred_until.is_none_or(|until| until < today),
            regions: p.service_regions.iter().filter_map(|r| RegionCode::parse(r).ok()).collect(),
            services: p.service_codes,
            capacity: p.monthly_capacity,
            valid_qualification: p.qualifications.iter().any(|q| q.expires_on.is_none_or(|end| end >= today)),
        });
    }
    let (proposals, unassigned) = batch_assign(&needs, &providers, holdings);
    Ok(BatchResult { region_code: region.to_string(), needs: needs.len(), proposals, unassigned })
}
