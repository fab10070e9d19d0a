//! Ranking who could meet a need, without I/O: the provider holding the
//! area's contract for the service first (orders under a contract go to
//! its holder), then by score; each place, and each exclusion, explained by
//! reason codes with zh/en labels and the figures behind them.

use jiuzhu_core::{RegionCode, RegionLevel};
use jiuzhu_supply::rules::{Program, sixty_helps_eighty_may_serve};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

jiuzhu_core::coded_enum! {
    /// Why a candidate ranks where it does, or is left out.
    pub enum ReasonCode as "match_reason" {
        HoldsContract = "holds_contract", "持有本区域该服务的购买合同", "holds the area's contract for this service";
        ServesVillage = "serves_village", "服务范围覆盖本村居", "serves the village";
        ServesTownship = "serves_township", "服务范围覆盖本乡镇街道", "serves the township";
        ServesCounty = "serves_county", "服务范围覆盖本县区", "serves the county";
        ServesCity = "serves_city", "服务范围覆盖全市", "serves the city";
        CapacityLeft = "capacity_left", "本月剩余服务能力", "capacity left this month";
        Qualified = "qualified", "持有效资质", "holds a valid qualification";
        NoQualification = "no_qualification", "无有效资质记录", "no valid qualification on file";
        Satisfaction = "satisfaction", "服务对象满意度", "satisfaction of the people served";
        NoSatisfactionHistory = "no_satisfaction_history", "尚无满意度记录", "no satisfaction history yet";
        SameVillage = "same_village", "同村居（互助就近）", "same village (mutual-aid proximity)";
        SameTownship = "same_township", "同乡镇街道", "same township";
        HasSkill = "has_skill", "具备该服务技能", "lists this service as a skill";
        Barred = "barred", "禁止参与政府购买服务期内", "barred from purchased services";
        Inactive = "inactive", "已停用", "not active";
        ServiceNotOffered = "service_not_offered", "不提供该服务", "does not offer this service";
        RegionNotServed = "region_not_served", "服务范围不含本地", "does not serve this region";
        NoCapacityDeclared = "no_capacity_declared", "未申报该服务的月服务能力", "no monthly capacity declared for this service";
        NoCapacityLeft = "no_capacity_left", "本月服务能力已满", "no capacity left this month";
        SkillMissing = "skill_missing", "不具备该服务技能", "does not list this service as a skill";
        SixtyHelpsEightyOnly = "sixty_helps_eighty_only", "60帮80仅服务80岁以上或失能老人", "60帮80 serves people aged 80+ or unable to look after themselves";
        OutsideTownship = "outside_township", "不在服务对象所在乡镇街道", "lives outside the person's township";
    }
}

use ReasonCode as R;

/// One reason: its code, its labels and the figures behind it (points
/// given, units left, the contract held…).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
#[schema(example = json!({"code": "capacity_left", "zh": "本月剩余服务能力", "en": "capacity left this month", "figures": {"left": 970, "total": 1000, "points": 14}}))]
pub struct Reason {
    pub code: ReasonCode,
    pub zh: &'static str,
    pub en: &'static str,
    #[schema(value_type = Object)]
    pub figures: serde_json::Value,
}

fn reason(code: ReasonCode, figures: serde_json::Value) -> Reason {
    Reason { code, zh: code.label_zh(), en: code.label_en(), figures }
}

/// What ranking needs to know about a provider.
#[derive(Debug, Clone)]
pub struct ProviderFacts {
    pub id: Uuid,
    pub name: String,
    pub active: bool,
    pub barred: bool,
    pub offers_service: bool,
    /// The most specific served region that covers the target, if any.
    pub coverage: Option<RegionLevel>,
    /// Units left this month for the service; `None` when none are declared.
    pub capacity_left: Option<u32>,
    pub capacity_total: Option<u32>,
    pub valid_qualification: bool,
    /// Mean satisfaction × 100 (100–500), when there is feedback.
    pub satisfaction: Option<u32>,
    /// The active contract the provider holds for the service in an area
    /// containing the target (`holding_contract`).
    pub contract_id: Option<Uuid>,
}

/// What ranking needs to know about a volunteer.
#[derive(Debug, Clone)]
pub struct VolunteerFacts {
    pub id: Uuid,
    pub name: String,
    pub program: Program,
    pub has_skill: bool,
    pub same_village: bool,
    pub same_township: bool,
}

jiuzhu_core::coded_enum! {
    pub enum CandidateKind as "candidate_kind" {
        Provider = "provider", "承接主体", "Provider";
        Volunteer = "volunteer", "志愿者", "Volunteer";
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct Ranked {
    pub kind: CandidateKind,
    pub id: Uuid,
    pub name: String,
    /// Higher is better; 0–100. A contract holder ranks first whatever its score.
    pub score: u32,
    /// The contract an order to this provider goes under, when it holds one.
    pub contract_id: Option<Uuid>,
    pub reasons: Vec<Reason>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct Excluded {
    pub kind: CandidateKind,
    pub id: Uuid,
    pub name: String,
    pub reasons: Vec<Reason>,
}

/// An active contract as ranking sees it: who holds it, where, for what.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Holding {
    pub contract_id: Uuid,
    pub provider_id: Uuid,
    pub region: RegionCode,
    pub service_codes: Vec<String>,
}

/// The contract `provider` holds for `service_code` over an area that
/// contains `target`, the most local one first.
pub fn holding_contract(holdings: &[Holding], provider: Uuid, service_code: &str, target: &RegionCode) -> Option<Uuid> {
    holdings
        .iter()
        .filter(|h| h.provider_id == provider && target.is_within(&h.region) && h.service_codes.iter().any(|s| s == service_code))
        .max_by_key(|h| (h.region.level(), std::cmp::Reverse(h.contract_id)))
        .map(|h| h.contract_id)
}

/// Scores a provider, or says why it cannot serve: barred, inactive, not
/// offering the service, outside the region or without capacity never rank.
pub fn score_provider(p: &ProviderFacts) -> Result<Ranked, Excluded> {
    use serde_json::json;
    let mut blockers = Vec::new();
    if p.barred {
        blockers.push(reason(R::Barred, json!({})));
    }
    if !p.active {
        blockers.push(reason(R::Inactive, json!({})));
    }
    if !p.offers_service {
        blockers.push(reason(R::ServiceNotOffered, json!({})));
    }
    if p.coverage.is_none() {
        blockers.push(reason(R::RegionNotServed, json!({})));
    }
    match p.capacity_left {
        None => blockers.push(reason(R::NoCapacityDeclared, json!({}))),
        Some(0) => blockers.push(reason(R::NoCapacityLeft, json!({"left": 0, "total": p.capacity_total}))),
        Some(_) => {}
    }
    if !blockers.is_empty() {
        return Err(Excluded { kind: CandidateKind::Provider, id: p.id, name: p.name.clone(), reasons: blockers });
    }
    let mut reasons = Vec::new();
    if let Some(contract_id) = p.contract_id {
        reasons.push(reason(R::HoldsContract, json!({"contract_id": contract_id})));
    }
    let (coverage_points, coverage) = match p.coverage {
        Some(RegionLevel::Village) => (40, R::ServesVillage),
        Some(RegionLevel::Township) => (30, R::ServesTownship),
        Some(RegionLevel::County) => (20, R::ServesCounty),
        _ => (10, R::ServesCity),
    };
    reasons.push(reason(coverage, json!({"points": coverage_points})));
    let (left, total) = (p.capacity_left.unwrap_or(0), p.capacity_total.unwrap_or(0).max(1));
    let capacity_points = 15 * left.min(total) / total;
    reasons.push(reason(R::CapacityLeft, json!({"left": left, "total": total, "points": capacity_points})));
    let qualification_points = if p.valid_qualification { 15 } else { 0 };
    let qualification = if p.valid_qualification { R::Qualified } else { R::NoQualification };
    reasons.push(reason(qualification, json!({"points": qualification_points})));
    let satisfaction_points = match p.satisfaction {
        Some(mean) => {
            let points = 30 * mean.saturating_sub(100) / 400;
            reasons.push(reason(R::Satisfaction, json!({"mean": format!("{}.{:02}", mean / 100, mean % 100), "of": 5, "points": points})));
            points
        }
        None => {
            reasons.push(reason(R::NoSatisfactionHistory, json!({"points": 15})));
            15
        }
    };
    let score = (coverage_points + capacity_points + qualification_points + satisfaction_points).min(100);
    Ok(Ranked { kind: CandidateKind::Provider, id: p.id, name: p.name.clone(), score, contract_id: p.contract_id, reasons })
}

/// Scores a volunteer for a person of `age` in `groups`.
pub fn score_volunteer(v: &VolunteerFacts, age: u32, groups: &[String]) -> Result<Ranked, Excluded> {
    use serde_json::json;
    let mut blockers = Vec::new();
    if !v.has_skill {
        blockers.push(reason(R::SkillMissing, json!({})));
    }
    if v.program == Program::SixtyHelpsEighty && !sixty_helps_eighty_may_serve(age, groups) {
        blockers.push(reason(R::SixtyHelpsEightyOnly, json!({"age": age})));
    }
    if !v.same_township {
        blockers.push(reason(R::OutsideTownship, json!({})));
    }
    if !blockers.is_empty() {
        return Err(Excluded { kind: CandidateKind::Volunteer, id: v.id, name: v.name.clone(), reasons: blockers });
    }
    let (score, proximity) = if v.same_village { (60, R::SameVillage) } else { (40, R::SameTownship) };
    Ok(Ranked {
        kind: CandidateKind::Volunteer,
        id: v.id,
        name: v.name.clone(),
        score,
        contract_id: None,
        reasons: vec![reason(proximity, json!({"points": score})), reason(R::HasSkill, json!({}))],
    })
}

/// Ranks everyone: a contract holder first, then best score, then kind,
/// then id, so equal data always gives the same order.
pub fn rank(providers: &[ProviderFacts], volunteers: &[VolunteerFacts], age: u32, groups: &[String]) -> (Vec<Ranked>, Vec<Excluded>) {
    let mut ranked = Vec::new();
    let mut excluded = Vec::new();
    for outcome in providers.iter().map(score_provider).chain(volunteers.iter().map(|v| score_volunteer(v, age, groups))) {
        match outcome {
            Ok(r) => ranked.push(r),
            Err(x) => excluded.push(x),
        }
    }
    ranked.sort_by(|a, b| {
        b.contract_id
            .is_some()
            .cmp(&a.contract_id.is_some())
            .then(b.score.cmp(&a.score))
            .then((a.kind as u8).cmp(&(b.kind as u8)))
            .then(a.id.cmp(&b.id))
    });
    (ranked, excluded)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts(n: u128) -> ProviderFacts {
        ProviderFacts {
            id: Uuid::from_u128(n),
            name: format!("p{n}"),
            active: true,
            barred: false,
            offers_service: true,
            coverage: Some(RegionLevel::County),
            capacity_left: Some(100),
            capacity_total: Some(100),
            valid_qualification: true,
            satisfaction: None,
            contract_id: None,
        }
    }

    fn codes(reasons: &[Reason]) -> Vec<ReasonCode> {
        reasons.iter().map(|r| r.code).collect()
    }

    #[test]
    fn closer_coverage_and_capacity_rank_higher() {
        let mut village = facts(1);
        village.coverage = Some(RegionLevel::Village);
        let county = facts(2);
        let mut scarce = facts(3);
        scarce.capacity_left = Some(10);
        let (ranked, excluded) = rank(&[county.clone(), village, scarce], &[], 82, &[]);
        assert!(excluded.is_empty());
        let order: Vec<u128> = ranked.iter().map(|r| r.id.as_u128()).collect();
        assert_eq!(order, [1, 2, 3]);
        assert_eq!(codes(&ranked[0].reasons)[0], R::ServesVillage);
        let capacity = ranked[2].reasons.iter().find(|r| r.code == R::CapacityLeft).unwrap();
        assert_eq!(capacity.figures, serde_json::json!({"left": 10, "total": 100, "points": 1}));
        assert_eq!((capacity.zh, capacity.en), ("本月剩余服务能力", "capacity left this month"));
    }

    #[test]
    fn the_contract_holder_comes_first_whatever_its_score() {
        let mut village = facts(1);
        village.coverage = Some(RegionLevel::Village);
        let mut holder = facts(2);
        holder.contract_id = Some(Uuid::from_u128(77));
        let (ranked, _) = rank(&[village, holder], &[], 82, &[]);
        assert_eq!((ranked[0].id.as_u128(), ranked[0].contract_id), (2, Some(Uuid::from_u128(77))));
        assert!(ranked[0].score < ranked[1].score, "first by the contract, not the points");
        assert_eq!(ranked[0].reasons[0].figures["contract_id"], Uuid::from_u128(77).to_string());
    }

    #[test]
    fn a_holding_counts_for_its_provider_service_and_area_only() {
        let county = RegionCode::parse("640202").unwrap();
        let holding = |n: u128, provider: u128, region: &str| Holding {
            contract_id: Uuid::from_u128(n),
            provider_id: Uuid::from_u128(provider),
            region: RegionCode::parse(region).unwrap(),
            service_codes: vec!["meals".into()],
        };
        let holdings = [holding(1, 10, "640202"), holding(2, 10, "640202001"), holding(3, 11, "640205")];
        let village = RegionCode::parse("640202001001").unwrap();
        assert_eq!(
            holding_contract(&holdings, Uuid::from_u128(10), "meals", &village),
            Some(Uuid::from_u128(2)),
            "the most local contract"
        );
        assert_eq!(holding_contract(&holdings, Uuid::from_u128(10), "meals", &county), Some(Uuid::from_u128(1)));
        assert_eq!(holding_contract(&holdings, Uuid::from_u128(10), "bathing", &village), None, "another service");
        assert_eq!(holding_contract(&holdings, Uuid::from_u128(11), "meals", &village), None, "another county's contract");
    }

    #[test]
    fn barred_full_and_out_of_region_providers_never_rank() {
        let mut barred = facts(1);
        barred.barred = true;
        let mut full = facts(2);
        full.capacity_left = Some(0);
        let mut away = facts(3);
        away.coverage = None;
        let mut undeclared = facts(4);
        undeclared.capacity_left = None;
        let (ranked, excluded) = rank(&[barred, full, away, undeclared], &[], 82, &[]);
        assert!(ranked.is_empty());
        let first: Vec<ReasonCode> = excluded.iter().map(|x| x.reasons[0].code).collect();
        assert_eq!(first, [R::Barred, R::NoCapacityLeft, R::RegionNotServed, R::NoCapacityDeclared]);
    }

    #[test]
    fn satisfaction_moves_the_score() {
        let mut happy = facts(1);
        happy.satisfaction = Some(500);
        let mut unhappy = facts(2);
        unhappy.satisfaction = Some(150);
        let (ranked, _) = rank(&[unhappy, happy], &[], 60, &[]);
        assert_eq!(ranked[0].id.as_u128(), 1);
        assert!(ranked[0].score > ranked[1].score);
    }

    #[test]
    fn volunteers_rank_by_proximity_and_programme() {
        let neighbour = VolunteerFacts {
            id: Uuid::from_u128(9),
            name: "v".into(),
            program: Program::SixtyHelpsEighty,
            has_skill: true,
            same_village: true,
            same_township: true,
        };
        let (ranked, excluded) = rank(&[], std::slice::from_ref(&neighbour), 82, &[]);
        assert_eq!((ranked.len(), ranked[0].score), (1, 60));
        assert!(excluded.is_empty());
        let (ranked, excluded) = rank(&[], &[neighbour], 72, &[]);
        assert!(ranked.is_empty(), "60帮80 does not serve a healthy 72-year-old");
        assert_eq!(codes(&excluded[0].reasons), [R::SixtyHelpsEightyOnly]);
    }

    #[test]
    fn ranking_is_deterministic() {
        let (a, _) = rank(&[facts(5), facts(4), facts(6)], &[], 82, &[]);
        let (b, _) = rank(&[facts(6), facts(5), facts(4)], &[], 82, &[]);
        assert_eq!(a, b);
    }
}
