//! The assessment model and its pure rules, without I/O: 6 dimensions and
//! 10 indicators scored 0–3, weights in basis points, degree thresholds with
//! the health/family-care override, need rules with group conditions, and
//! exclusions so services never repeat material assistance.

use jiuzhu_core::{DomainError, FieldError, catalogue};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use utoipa::ToSchema;

jiuzhu_core::coded_enum! {
    /// The ten indicators of the assessment model, in the model's order.
    pub enum IndicatorCode as "indicator" {
        Income = "income", "收入困境", "Income hardship";
        Housing = "housing", "居住困境", "Housing hardship";
        Illness = "illness", "疾病困境", "Illness";
        Disability = "disability", "残疾困境", "Disability";
        Education = "education", "教育困境", "Education";
        Employment = "employment", "就业困境", "Employment";
        SocialSecurity = "social_security", "社会保障困境", "Social security";
        SocialParticipation = "social_participation", "社会参与困境", "Social participation";
        ChildrenYouth = "children_youth", "儿童青少年困境", "Children and youth";
        FamilyStructure = "family_structure", "家庭结构困境", "Family structure";
    }
}

/// The ten indicator codes, in the model's order.
pub const INDICATORS: [&str; IndicatorCode::ALL.len()] = {
    let mut codes = [""; IndicatorCode::ALL.len()];
    let mut i = 0;
    while i < codes.len() {
        codes[i] = IndicatorCode::ALL[i].code();
        i += 1;
    }
    codes
};

/// Dimensions whose any indicator at 3 makes the degree at least `serious`.
pub const OVERRIDE_DIMENSIONS: [&str; 2] = ["health", "family_care"];

jiuzhu_core::coded_enum! {
    pub enum Degree as "degree" {
        General = "general", "一般", "General";
        Serious = "serious", "较重", "Serious";
        Severe = "severe", "严重", "Severe";
    }
}

jiuzhu_core::coded_enum! {
    pub enum Priority as "priority" {
        Low = "low", "低", "Low";
        Medium = "medium", "中", "Medium";
        High = "high", "高", "High";
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Indicator {
    pub code: String,
    pub name_zh: String,
    pub name_en: String,
    /// Weight in basis points; all ten sum to 10000.
    #[schema(maximum = 10000)]
    pub weight_bp: u32,
    /// The written criterion of levels 0 (none), 1 (mild), 2 (moderate) and 3 (severe).
    #[schema(min_items = 4, max_items = 4)]
    pub criteria: [String; 4],
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Dimension {
    pub code: String,
    pub name_zh: String,
    pub name_en: String,
    pub indicators: Vec<Indicator>,
}

/// Degree thresholds on the weighted score (0–300, the weighted mean level × 100).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Thresholds {
    /// From this score on the degree is `serious`.
    pub serious_from: u32,
    /// From this score on the degree is `severe`.
    pub severe_from: u32,
}

/// Indicator ≥ level (and, optionally, the person is in a group) → services.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NeedRule {
    pub id: String,
    pub indicator: String,
    /// The indicator level (1-3) from which the rule applies.
    #[schema(minimum = 1, maximum = 3)]
    pub min_level: u8,
    /// A group code such as `elderly`, `disabled`, `living_alone`.
    pub group: Option<String>,
    pub services: Vec<String>,
    pub priority: Priority,
}

/// What a person already receives, and the services it covers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Exclusion {
    pub id: String,
    /// `support:centralized` (集中供养 extreme poverty) or `material:<kind>`.
    pub when: String,
    pub services: Vec<String>,
    pub reason: String,
}

/// The whole model, as data; the city may publish new versions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = default_model_example)]
pub struct ModelSpec {
    pub dimensions: Vec<Dimension>,
    pub thresholds: Thresholds,
    pub rules: Vec<NeedRule>,
    pub exclusions: Vec<Exclusion>,
    /// Months until reassessment, by degree.
    pub reassess_months: ReassessMonths,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReassessMonths {
    #[schema(minimum = 1, maximum = 120)]
    pub severe: u32,
    #[schema(minimum = 1, maximum = 120)]
    pub other: u32,
}

/// The longest reassessment interval a model may set: ten years.
pub const MAX_REASSESS_MONTHS: u32 = 120;

fn indicator(code: &str, zh: &str, en: &str, weight_bp: u32, criteria: [&str; 4]) -> Indicator {
    Indicator { code: code.into(), name_zh: zh.into(), name_en: en.into(), weight_bp, criteria: criteria.map(str::to_string) }
}

fn rule(id: &str, indicator: &str, min_level: u8, group: Option<&str>, services: &[&str], priority: Priority) -> NeedRule {
    NeedRule {
        id: id.into(),
        indicator: indicator.into(),
        min_level,
        group: group.map(str::to_string),
        services: services.iter().map(|s| s.to_string()).collect(),
        priority,
    }
}

/// The default model (version 1).
/// The default model as the spec's example of a model to publish.
fn default_model_example() -> serde_json::Value {
    serde_json::to_value(default_model()).unwrap_or_default()
}

pub fn default_model() -> ModelSpec {
    use Priority::{High, Low, Medium};
    let dimension = |code: &str, zh: &str, en: &str, indicators: Vec<Indicator>| Dimension {
        code: code.into(),
        name_zh: zh.into(),
        name_en: en.into(),
        indicators,
    };
    ModelSpec {
        dimensions: vec![
            dimension(
                "material",
                "物质",
                "Material",
                vec![
                    indicator(
                        "income",
                        "收入困境",
                        "Income hardship",
                        1500,
                        ["收入高于低保边缘标准", "收入略高于低保标准", "收入低于低保标准", "无稳定收入来源"],
                    ),
                    indicator(
                        "housing",
                        "居住困境",
                        "Housing hardship",
                        1000,
                        ["住房安全适宜", "住房设施简陋", "住房存在安全隐患或无障碍缺失", "无房或居住危房"],
                    ),
                ],
            ),
            dimension(
                "health",
                "健康",
                "Health",
                vec![
                    indicator(
                        "illness",
                        "疾病困境",
                        "Illness",
                        1500,
                        ["健康", "慢性病，生活可自理", "重病或需定期就医", "重特大疾病或罕见病，需长期照护"],
                    ),
                    indicator(
                        "disability",
                        "残疾困境",
                        "Disability",
                        1500,
                        ["无残疾", "轻度残疾，生活可自理", "部分失能，需要协助", "完全失能或重度残疾"],
                    ),
                ],
            ),
            dimension(
                "education",
                "教育",
                "Education",
                vec![indicator(
                    "education",
                    "教育困境",
                    "Education",
                    500,
                    ["无教育负担", "教育支出较高", "子女面临辍学风险", "子女已辍学或无法入学"],
                )],
            ),
            dimension(
                "employment",
                "就业",
                "Employment",
                vec![indicator(
                    "employment",
                    "就业困境",
                    "Employment",
                    1000,
                    ["稳定就业或无需就业", "就业不稳定", "有劳动能力但失业", "长期失业且缺乏技能"],
                )],
            ),
            dimension(
                "social_support",
                "社会支持",
                "Social support",
                vec![
                    indicator(
                        "social_security",
                        "社会保障困境",
                        "Social security",
                        500,
                        ["社会保障齐全", "部分保障缺失", "主要保障缺失", "无任何社会保障"],
                    ),
                    indicator(
                        "social_participation",
                        "社会参与困境",
                        "Social participation",
                        1000,
                        ["社会交往正常", "社会交往较少", "社会隔离或心理困扰", "严重心理问题或完全隔离"],
                    ),
                ],
            ),
            dimension(
                "family_care",
                "家庭照顾",
                "Family care",
                vec![
                    indicator(
                        "children_youth",
                        "儿童青少年困境",
                        "Children and youth",
                        750,
                        ["无未成年子女照护困难", "照护能力不足", "留守或监护缺失风险", "事实无人抚养"],
                    ),
                    indicator(
                        "family_structure",
                        "家庭结构困境",
                        "Family structure",
                        750,
                        ["家庭照护完整", "家庭照护能力弱", "独居或照护者缺失", "无人照料且需照护"],
                    ),
                ],
            ),
        ],
        thresholds: Thresholds { serious_from: 100, severe_from: 180 },
        rules: vec![
            rule("R01", "disability", 2, None, &["rehabilitation_training", "bathing", "mobility"], High),
            rule("R02", "illness", 2, None, &["medical_escort", "health_record", "check_ups"], High),
            rule("R03", "family_structure", 2, Some("living_alone"), &["meals", "companionship", "emergency_call", "visits"], High),
            rule("R04", "children_youth", 2, None, &["temporary_custody", "family_guidance"], High),
            rule("R05", "social_participation", 2, None, &["social_integration", "psychological_counselling"], Medium),
            rule("R06", "employment", 2, None, &["capacity_building", "ecommerce_sales"], Medium),
            rule("R07", "housing", 2, None, &["repairs", "age_friendly_renovation", "cleaning"], Medium),
            rule("R08", "social_security", 1, None, &["policy_outreach", "legal_services", "errands"], Low),
            rule("R09", "family_structure", 2, Some("disabled"), &["respite", "carer_training"], Medium),
            rule("R10", "illness", 3, None, &["rare_disease_follow_up"], High),
            rule("R11", "illness", 3, Some("elderly"), &["hospice"], High),
            rule("R12", "social_participation", 3, None, &["mental_rehabilitation"], High),
            rule("R13", "disability", 1, Some("elderly"), &["foot_care", "haircut"], Low),
            rule("R14", "illness", 1, Some("elderly"), &["health_services"], Medium),
            rule("R15", "family_structure", 3, Some("elderly"), &["residential_elderly_care"], High),
            rule("R16", "housing", 3, None, &["moving"], Medium),
            rule("R17", "education", 2, None, &["family_guidance", "policy_outreach"], Medium),
        ],
        exclusions: vec![
            Exclusion {
                id: "X01".into(),
                when: "support:centralized".into(),
                services: vec!["residential_elderly_care".into(), "meals".into(), "cleaning".into()],
                reason: "集中供养特困人员已由供养机构提供食宿和照料".into(),
            },
            Exclusion {
                id: "X02".into(),
                when: "material:housing_assistance".into(),
                services: vec!["repairs".into()],
                reason: "住房救助已覆盖房屋维修".into(),
            },
        ],
        reassess_months: ReassessMonths { severe: 6, other: 12 },
    }
}

fn indicators_of(model: &ModelSpec) -> impl Iterator<Item = (&Dimension, &Indicator)> {
    model.dimensions.iter().flat_map(|d| d.indicators.iter().map(move |i| (d, i)))
}

/// Every rule a model must keep: the ten indicators once each, weights that
/// sum to 10000, ordered thresholds, rules and exclusions on known codes.
pub fn validate_model(model: &ModelSpec) -> Result<(), DomainError> {
    let mut errors = Vec::new();
    let codes: Vec<&str> = indicators_of(model).map(|(_, i)| i.code.as_str()).collect();
    for wanted in INDICATORS {
        match codes.iter().filter(|c| **c == wanted).count() {
            1 => {}
            0 => errors.push(FieldError::new("dimensions", "indicator_missing", format!("the model needs the indicator {wanted}"))),
            _ => errors.push(FieldError::new("dimensions", "indicator_duplicate", format!("{wanted} appears more than once"))),
        }
    }
    for code in codes.iter().filter(|c| !INDICATORS.contains(c)) {
        errors.push(FieldError::new("dimensions", "indicator_unknown", format!("{code} is not one of the ten indicators")));
    }
    let total: u64 = indicators_of(model).map(|(_, i)| u64::from(i.weight_bp)).sum();
    if total != 10_000 {
        errors.push(FieldError::new("dimensions", "weights_sum", format!("indicator weights must sum to 10000 basis points, got {total}")));
    }
    let t = model.thresholds;
    if !(0 < t.serious_from && t.serious_from < t.severe_from && t.severe_from <= 300) {
        errors.push(FieldError::new("thresholds", "thresholds_order", "need 0 < serious_from < severe_from <= 300"));
    }
    for (i, rule) in model.rules.iter().enumerate() {
        if !INDICATORS.contains(&rule.indicator.as_str()) {
            errors.push(FieldError::new(
                format!("rules[{i}].indicator"),
                "indicator_unknown",
                format!("{} is not an indicator", rule.indicator),
            ));
        }
        if !(1..=3).contains(&rule.min_level) {
            errors.push(FieldError::new(format!("rules[{i}].min_level"), "range", "min_level is 1 to 3"));
        }
        for service in rule.services.iter().filter(|s| catalogue::find(s).is_none()) {
            errors.push(FieldError::new(format!("rules[{i}].services"), "service_unknown", format!("{service} is not in the catalogue")));
        }
    }
    for (i, exclusion) in model.exclusions.iter().enumerate() {
        for service in exclusion.services.iter().filter(|s| catalogue::find(s).is_none()) {
            errors.push(FieldError::new(
                format!("exclusions[{i}].services"),
                "service_unknown",
                format!("{service} is not in the catalogue"),
            ));
        }
    }
    for (field, months) in
        [("reassess_months.severe", model.reassess_months.severe), ("reassess_months.other", model.reassess_months.other)]
    {
        if !(1..=MAX_REASSESS_MONTHS).contains(&months) {
            errors.push(FieldError::new(field, "range", format!("months must be from 1 to {MAX_REASSESS_MONTHS}")));
        }
    }
    if errors.is_empty() { Ok(()) } else { Err(DomainError::Validation(errors)) }
}

/// Scores by indicator code; every indicator must be present with a level 0–3.
pub type Levels = BTreeMap<String, u8>;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct DimensionScore {
    pub dimension: String,
    /// The dimension's weighted mean level × 100 (0–300).
    pub score: u32,
    pub max_level: u8,
}

pub fn dimension_scores(model: &ModelSpec, levels: &Levels) -> Vec<DimensionScore> {
    model
        .dimensions
        .iter()
        .map(|d| {
            let weight: u32 = d.indicators.iter().map(|i| i.weight_bp).sum();
            let points: u32 = d.indicators.iter().map(|i| u32::from(levels.get(&i.code).copied().unwrap_or(0)) * i.weight_bp).sum();
            let max_level = d.indicators.iter().map(|i| levels.get(&i.code).copied().unwrap_or(0)).max().unwrap_or(0);
            DimensionScore { dimension: d.code.clone(), score: (points * 100).checked_div(weight).unwrap_or(0), max_level }
        })
        .collect()
}

/// Σ level × weight_bp / 100: the weighted mean level × 100, 0–300.
pub fn weighted_score(model: &ModelSpec, levels: &Levels) -> u32 {
    indicators_of(model).map(|(_, i)| u32::from(levels.get(&i.code).copied().unwrap_or(0)) * i.weight_bp).sum::<u32>() / 100
}

/// The indicators at level 2 or more, in model order.
pub fn hardship_types(model: &ModelSpec, levels: &Levels) -> Vec<String> {
    indicators_of(model).filter(|(_, i)| levels.get(&i.code).copied().unwrap_or(0) >= 2).map(|(_, i)| i.code.clone()).collect()
}

pub fn degree(model: &ModelSpec, levels: &Levels) -> Degree {
    let score = weighted_score(model, levels);
    let by_score = if score >= model.thresholds.severe_from {
        Degree::Severe
    } else if score >= model.thresholds.serious_from {
        Degree::Serious
    } else {
        Degree::General
    };
    let override_hit =
        indicators_of(model).any(|(d, i)| OVERRIDE_DIMENSIONS.contains(&d.code.as_str()) && levels.get(&i.code).copied().unwrap_or(0) >= 3);
    if override_hit { by_score.max(Degree::Serious) } else { by_score }
}

/// Why a need was derived.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Because {
    pub rule_id: String,
    pub indicator: String,
    pub level: u8,
    /// The group the rule also required, if any.
    pub group: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct DerivedNeed {
    pub service_code: String,
    pub priority: Priority,
    pub because: Because,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ExcludedNeed {
    pub service_code: String,
    pub exclusion_id: String,
    pub reason: String,
    /// The rule that would have derived it.
    pub rule_id: String,
}

/// What the person already has, for exclusions: `support:centralized`, `material:<kind>`.
pub type Coverage = Vec<String>;

/// Applies the rules (highest priority wins per service, then the first
/// rule), then the exclusions, each recorded with its reason.
pub fn derive_needs(model: &ModelSpec, levels: &Levels, groups: &[String], coverage: &Coverage) -> (Vec<DerivedNeed>, Vec<ExcludedNeed>) {
    let mut chosen: Vec<DerivedNeed> = Vec::new();
    for rule in &model.rules {
        let level = levels.get(&rule.indicator).copied().unwrap_or(0);
        let group_ok = rule.group.as_ref().is_none_or(|g| groups.iter().any(|have| have == g));
        if level < rule.min_level || !group_ok {
            continue;
        }
        for service in &rule.services {
            let candidate = DerivedNeed {
                service_code: service.clone(),
                priority: rule.priority,
                because: Because { rule_id: rule.id.clone(), indicator: rule.indicator.clone(), level, group: rule.group.clone() },
            };
            match chosen.iter_mut().find(|n| &n.service_code == service) {
                Some(existing) if existing.priority < candidate.priority => *existing = candidate,
                Some(_) => {}
                None => chosen.push(candidate),
            }
        }
    }
    let mut excluded = Vec::new();
    chosen.retain(|need| {
        let hit = model.exclusions.iter().find(|x| coverage.contains(&x.when) && x.services.contains(&need.service_code));
        match hit {
            Some(x) => {
                excluded.push(ExcludedNeed {
                    service_code: need.service_code.clone(),
                    exclusion_id: x.id.clone(),
                    reason: x.reason.clone(),
                    rule_id: need.because.rule_id.clone(),
                });
                false
            }
            None => true,
        }
    });
    (chosen, excluded)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn levels(pairs: &[(&str, u8)]) -> Levels {
        let mut all: Levels = INDICATORS.iter().map(|i| (i.to_string(), 0)).collect();
        for (k, v) in pairs {
            all.insert(k.to_string(), *v);
        }
        all
    }

    fn services(needs: &[DerivedNeed]) -> Vec<&str> {
        let mut s: Vec<&str> = needs.iter().map(|n| n.service_code.as_str()).collect();
        s.sort();
        s
    }

    #[test]
    fn the_default_model_is_valid_and_covers_all_32_services() {
        let model = default_model();
        validate_model(&model).unwrap();
        for entry in catalogue::GUIDANCE_CATALOGUE {
            assert!(model.rules.iter().any(|r| r.services.iter().any(|s| s == entry.1)), "no rule derives {}", entry.1);
        }
    }

    #[test]
    fn weights_must_sum_to_10000() {
        let mut model = default_model();
        model.dimensions[0].indicators[0].weight_bp += 1;
        let DomainError::Validation(errors) = validate_model(&model).unwrap_err() else { panic!() };
        assert_eq!(errors[0].code, "weights_sum");
        assert!(errors[0].message.contains("10001"));
    }

    #[test]
    fn weights_near_the_integer_limit_are_refused_not_overflowed() {
        let mut model = default_model();
        model.dimensions.iter_mut().flat_map(|d| d.indicators.iter_mut()).for_each(|i| i.weight_bp = u32::MAX);
        let DomainError::Validation(errors) = validate_model(&model).unwrap_err() else { panic!() };
        assert_eq!(errors[0].code, "weights_sum");
    }

    #[test]
    fn reassessment_months_run_from_1_to_120() {
        for (severe, other, refused) in [(1, 120, vec![]), (0, 12, vec!["reassess_months.severe"]), (6, 121, vec!["reassess_months.other"])]
        {
            let mut model = default_model();
            model.reassess_months = ReassessMonths { severe, other };
            let fields: Vec<String> = match validate_model(&model) {
                Ok(()) => vec![],
                Err(DomainError::Validation(errors)) => errors.into_iter().map(|e| e.field).collect(),
                Err(other) => panic!("{other:?}"),
            };
            assert_eq!(fields, refused, "{severe}/{other}");
        }
    }

    #[test]
    fn missing_and_unknown_indicators_are_refused() {
        let mut model = default_model();
        model.dimensions[0].indicators[0].code = "luck".into();
        let DomainError::Validation(errors) = validate_model(&model).unwrap_err() else { panic!() };
        let codes: Vec<&str> = errors.iter().map(|e| e.code.as_str()).collect();
        assert_eq!(codes, ["indicator_missing", "indicator_unknown"]);
    }

    #[test]
    fn degree_boundaries() {
        let model = default_model();
        // All ten at level 1: score 100 = serious_from.
        let all_one: Levels = INDICATORS.iter().map(|i| (i.to_string(), 1)).collect();
        assert_eq!(weighted_score(&model, &all_one), 100);
        assert_eq!(degree(&model, &all_one), Degree::Serious);
        // Just below: income at 0 instead of 1 loses 15 points.
        let mut below = all_one.clone();
        below.insert("income".into(), 0);
        assert_eq!(weighted_score(&model, &below), 85);
        assert_eq!(degree(&model, &below), Degree::General);
        // Everything at 2 but employment (weight 1000) at 0: exactly 180.
        let mut severe: Levels = INDICATORS.iter().map(|i| (i.to_string(), 2)).collect();
        severe.insert("employment".into(), 0);
        assert_eq!(weighted_score(&model, &severe), 180);
        assert_eq!(degree(&model, &severe), Degree::Severe);
        // The closest score below: education (weight 500) at 1 too.
        let mut just_below = severe.clone();
        just_below.insert("education".into(), 1);
        assert_eq!(weighted_score(&model, &just_below), 175);
        assert_eq!(degree(&model, &just_below), Degree::Serious);
        assert_eq!(weighted_score(&model, &levels(&[])), 0);
        assert_eq!(degree(&model, &levels(&[])), Degree::General);
    }

    #[test]
    fn level_three_in_health_or_family_care_makes_it_at_least_serious() {
        let model = default_model();
        for indicator in ["illness", "disability", "children_youth", "family_structure"] {
            let l = levels(&[(indicator, 3)]);
            assert!(weighted_score(&model, &l) < 100, "{indicator} alone stays under the threshold");
            assert_eq!(degree(&model, &l), Degree::Serious, "{indicator}");
        }
        assert_eq!(degree(&model, &levels(&[("income", 3)])), Degree::General, "material is not an override dimension");
    }

    #[test]
    fn every_default_rule_fires_on_its_condition_only() {
        let model = default_model();
        for rule in &model.rules {
            let groups: Vec<String> = rule.group.iter().cloned().collect();
            let (needs, _) = derive_needs(&model, &levels(&[(rule.indicator.as_str(), rule.min_level)]), &groups, &vec![]);
            for service in &rule.services {
                assert!(needs.iter().any(|n| &n.service_code == service), "{} should derive {service}", rule.id);
            }
            let (below, _) = derive_needs(&model, &levels(&[(rule.indicator.as_str(), rule.min_level - 1)]), &groups, &vec![]);
            assert!(!below.iter().any(|n| n.because.rule_id == rule.id), "{} fired below its level", rule.id);
            if rule.group.is_some() {
                let (without, _) = derive_needs(&model, &levels(&[(rule.indicator.as_str(), rule.min_level)]), &[], &vec![]);
                assert!(!without.iter().any(|n| n.because.rule_id == rule.id), "{} fired without its group", rule.id);
            }
        }
    }

    #[test]
    fn an_elderly_person_living_alone_with_level_two_disability() {
        let model = default_model();
        let l = levels(&[("disability", 2), ("family_structure", 2)]);
        let groups = vec!["elderly".to_string(), "living_alone".to_string(), "disabled".to_string()];
        let (needs, excluded) = derive_needs(&model, &l, &groups, &vec![]);
        let got = services(&needs);
        for wanted in ["meals", "emergency_call", "bathing", "rehabilitation_training"] {
            assert!(got.contains(&wanted), "{wanted} missing from {got:?}");
        }
        assert!(excluded.is_empty());
        let meals = needs.iter().find(|n| n.service_code == "meals").unwrap();
        assert_eq!((meals.because.rule_id.as_str(), meals.because.indicator.as_str(), meals.because.level), ("R03", "family_structure", 2));
    }

    #[test]
    fn exclusions_remove_what_material_assistance_covers() {
        let model = default_model();
        let l = levels(&[("family_structure", 3), ("housing", 2)]);
        let groups = vec!["elderly".to_string(), "living_alone".to_string()];
        let coverage = vec!["support:centralized".to_string(), "material:housing_assistance".to_string()];
        let (needs, excluded) = derive_needs(&model, &l, &groups, &coverage);
        let got = services(&needs);
        for gone in ["meals", "cleaning", "residential_elderly_care", "repairs"] {
            assert!(!got.contains(&gone), "{gone} should be excluded");
            assert!(excluded.iter().any(|x| x.service_code == gone), "{gone} exclusion is recorded");
        }
        let meals = excluded.iter().find(|x| x.service_code == "meals").unwrap();
        assert_eq!((meals.exclusion_id.as_str(), meals.rule_id.as_str()), ("X01", "R03"));
        assert!(got.contains(&"emergency_call"));
    }

    #[test]
    fn the_highest_priority_rule_explains_a_shared_service() {
        let model = default_model();
        // policy_outreach comes from R08 (low) and R17 (medium).
        let (needs, _) = derive_needs(&model, &levels(&[("social_security", 1), ("education", 2)]), &[], &vec![]);
        let outreach = needs.iter().find(|n| n.service_code == "policy_outreach").unwrap();
        assert_eq!((outreach.priority, outreach.because.rule_id.as_str()), (Priority::Medium, "R17"));
    }
}
