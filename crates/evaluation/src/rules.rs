//! Pure evaluation rules, without I/O: evaluation group composition, the
//! indicator scheme (hierarchical weights in basis points), weighted totals
//! in hundredths of a point, and grades.

use jiuzhu_core::{DomainError, FieldError};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use utoipa::ToSchema;

jiuzhu_core::coded_enum! {
    pub enum MemberRole as "member_role" {
        AssistanceStaff = "assistance_staff", "救助工作人员", "Assistance staff";
        FinanceStaff = "finance_staff", "财务人员", "Finance staff";
        BeneficiaryRep = "beneficiary_rep", "服务对象代表", "Beneficiary representative";
        Expert = "expert", "专家", "Expert";
    }
}

jiuzhu_core::coded_enum! {
    pub enum Title as "title" {
        None = "none", "无职称", "No title";
        Junior = "junior", "初级", "Junior";
        Intermediate = "intermediate", "中级", "Intermediate";
        Senior = "senior", "高级", "Senior";
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Member {
    pub name: String,
    pub role: MemberRole,
    pub professional_title: Title,
    pub accountant: bool,
    /// The account that signs the member's sheet; required when planning (a
    /// member may then not decide an appeal of the evaluation).
    pub user_id: Option<uuid::Uuid>,
}

/// Each member of a purchaser's group signs their own sheet, so each names
/// their account: answers the accounts with the fields that name them.
pub fn member_accounts(members: &[Member]) -> Result<Vec<(String, uuid::Uuid)>, DomainError> {
    let mut accounts = Vec::new();
    let mut errors = Vec::new();
    for (i, member) in members.iter().enumerate() {
        let field = format!("members[{i}].user_id");
        match member.user_id {
            Some(id) => accounts.push((field, id)),
            None => errors.push(FieldError::new(field, "required", "each member signs their own sheet: name their account")),
        }
    }
    if errors.is_empty() { Ok(accounts) } else { Err(DomainError::Validation(errors)) }
}

/// An odd number of at least three, with an accountant of intermediate or
/// senior title; answers the warnings (no beneficiary representative).
pub fn check_group(members: &[Member]) -> Result<Vec<String>, DomainError> {
    if members.len() < 3 || members.len().is_multiple_of(2) {
        return Err(DomainError::rule(
            "group_size_invalid",
            format!("an evaluation group has an odd number of members, at least 3; got {}", members.len()),
        ));
    }
    if !members.iter().any(|m| m.accountant && m.professional_title >= Title::Intermediate) {
        return Err(DomainError::rule("group_lacks_accountant", "the group needs an accountant with an intermediate or senior title"));
    }
    let mut warnings = Vec::new();
    if !members.iter().any(|m| m.role == MemberRole::BeneficiaryRep) {
        warnings.push("no beneficiary representative: one is recommended".to_string());
    }
    Ok(warnings)
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SubIndicator {
    pub code: String,
    pub name_zh: String,
    /// Weight inside the parent; a parent's sub-indicators sum to 10000.
    #[schema(maximum = 10000)]
    pub weight_bp: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SchemeIndicator {
    pub code: String,
    pub name_zh: String,
    pub guidance: String,
    /// Weight in the whole scheme.
    #[schema(maximum = 10000)]
    pub weight_bp: u32,
    #[serde(default)]
    pub sub_indicators: Vec<SubIndicator>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SchemeGroup {
    pub code: String,
    pub name_zh: String,
    /// Its indicators' weights add up to it; the groups add up to 10000.
    #[schema(maximum = 10000)]
    pub weight_bp: u32,
    pub indicators: Vec<SchemeIndicator>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct GradeThresholds {
    #[schema(maximum = 100)]
    pub excellent: u32,
    #[schema(maximum = 100)]
    pub good: u32,
    #[schema(maximum = 100)]
    pub pass: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SchemeSpec {
    pub groups: Vec<SchemeGroup>,
    pub grades: GradeThresholds,
}

fn indicator(code: &str, name_zh: &str, guidance: &str, weight_bp: u32) -> SchemeIndicator {
    SchemeIndicator { code: code.into(), name_zh: name_zh.into(), guidance: guidance.into(), weight_bp, sub_indicators: vec![] }
}

/// Annex 3's indicators with the city's default weights.
pub fn default_scheme() -> SchemeSpec {
    SchemeSpec {
        groups: vec![
            SchemeGroup {
                code: "management".into(),
                name_zh: "管理效益".into(),
                weight_bp: 4000,
                indicators: vec![
                    indicator("administration", "行政管理", "人员、财务、物资和保密管理是否规范", 500),
                    indicator("standardisation", "规范性管理", "服务档案完整，服务对象权益得到保障", 800),
                    indicator("progress", "进度管理", "是否按计划推进", 700),
                    indicator("quality_supervision", "服务质量体系与督导", "质量指标、督导培训、反馈与投诉处理", 800),
                    indicator("risk_contingency", "风险管理与应急预案", "风险识别与应急预案是否健全", 600),
                    indicator("implementation", "项目实施", "人员、场地、设备是否到位", 600),
                ],
            },
            SchemeGroup {
                code: "outcomes".into(),
                name_zh: "服务成果".into(),
                weight_bp: 6000,
                indicators: vec![
                    indicator("effectiveness", "项目成效", "目标达成、服务量完成、服务对象改善情况", 3000),
                    indicator("satisfaction", "满意度", "服务对象和购买方满意度", 2000),
                    indicator("social_benefit", "社会效益", "影响力、可持续性、可复制性", 1000),
                ],
            },
        ],
        grades: GradeThresholds { excellent: 90, good: 80, pass: 60 },
    }
}

/// Every leaf indicator with its weight in the whole scheme (basis points of 10000).
pub fn leaves(scheme: &SchemeSpec) -> Vec<(String, u64)> {
    let mut out = Vec::new();
    for group in &scheme.groups {
        for ind in &group.indicators {
            if ind.sub_indicators.is_empty() {
                out.push((ind.code.clone(), u64::from(ind.weight_bp) * 10_000));
            } else {
                for sub in &ind.sub_indicators {
                    out.push((format!("{}.{}", ind.code, sub.code), u64::from(ind.weight_bp) * u64::from(sub.weight_bp)));
                }
            }
        }
    }
    out
}

/// Groups sum to 10000, indicators to their group, sub-indicators to 10000 inside their parent.
pub fn validate_scheme(scheme: &SchemeSpec) -> Result<(), DomainError> {
    let mut errors = Vec::new();
    let total: u64 = scheme.groups.iter().map(|g| u64::from(g.weight_bp)).sum();
    if total != 10_000 {
        errors.push(FieldError::new("groups", "weights_sum", format!("group weights must sum to 10000 basis points, got {total}")));
    }
    for (gi, group) in scheme.groups.iter().enumerate() {
        let sum: u64 = group.indicators.iter().map(|i| u64::from(i.weight_bp)).sum();
        if sum != u64::from(group.weight_bp) {
            errors.push(FieldError::new(
                format!("groups[{gi}].indicators"),
                "weights_sum",
                format!("indicators sum to {sum}, the group weighs {}", group.weight_bp),
            ));
        }
        for (ii, ind) in group.indicators.iter().enumerate() {
            if !ind.sub_indicators.is_empty() {
                let sub: u64 = ind.sub_indicators.iter().map(|s| u64::from(s.weight_bp)).sum();
                if sub != 10_000 {
                    errors.push(FieldError::new(
                        format!("groups[{gi}].indicators[{ii}].sub_indicators"),
                        "weights_sum",
                        format!("sub-indicators sum to {sub}, not 10000"),
                    ));
                }
            }
        }
    }
    let g = scheme.grades;
    if !(g.pass < g.good && g.good < g.excellent && g.excellent <= 100) {
        errors.push(FieldError::new("grades", "grades_order", "need pass < good < excellent <= 100"));
    }
    let mut codes: Vec<String> = leaves(scheme).into_iter().map(|(c, _)| c).collect();
    let count = codes.len();
    codes.sort();
    codes.dedup();
    if codes.len() != count {
        errors.push(FieldError::new("groups", "indicator_duplicate", "indicator codes must be unique"));
    }
    if errors.is_empty() { Ok(()) } else { Err(DomainError::Validation(errors)) }
}

jiuzhu_core::coded_enum! {
    pub enum Grade as "grade" {
        Excellent = "excellent", "优秀", "Excellent";
        Good = "good", "良好", "Good";
        Pass = "pass", "合格", "Pass";
        Fail = "fail", "不合格", "Fail";
    }
}

/// Mean per leaf across members, in hundredths of a point (0–10000).
pub fn means(sheets: &[BTreeMap<String, u32>]) -> BTreeMap<String, u32> {
    let mut sums: BTreeMap<String, (u64, u64)> = BTreeMap::new();
    for sheet in sheets {
        for (leaf, score) in sheet {
            let entry = sums.entry(leaf.clone()).or_insert((0, 0));
            entry.0 += u64::from(*score) * 100;
            entry.1 += 1;
        }
    }
    sums.into_iter().map(|(leaf, (sum, n))| (leaf, u32::try_from(sum / n.max(1)).unwrap_or(0))).collect()
}

/// The weighted total in hundredths (0–10000, i.e. 0.00–100.00).
pub fn weighted_total(scheme: &SchemeSpec, means: &BTreeMap<String, u32>) -> u32 {
    let sum: u64 = leaves(scheme).iter().map(|(leaf, weight)| u64::from(means.get(leaf).copied().unwrap_or(0)) * weight).sum();
    u32::try_from(sum / 100_000_000).unwrap_or(0)
}

pub fn grade(scheme: &SchemeSpec, total_hundredths: u32) -> Grade {
    let g = scheme.grades;
    if total_hundredths >= g.excellent * 100 {
        Grade::Excellent
    } else if total_hundredths >= g.good * 100 {
        Grade::Good
    } else if total_hundredths >= g.pass * 100 {
        Grade::Pass
    } else {
        Grade::Fail
    }
}

/// A member's sheet against the scheme's leaf indicators: every leaf once,
/// each score 0–100. Answers the sheet by indicator, or every problem, each
/// naming its entry (`indicator_unknown`, `range`, `indicator_duplicate`,
/// `indicator_missing`).
pub fn check_sheet<'a>(leaves: &[String], scores: impl IntoIterator<Item = (&'a str, u32)>) -> Result<BTreeMap<String, u32>, DomainError> {
    let mut sheet = BTreeMap::new();
    let mut errors = Vec::new();
    for (i, (indicator, score)) in scores.into_iter().enumerate() {
        if !leaves.iter().any(|leaf| leaf == indicator) {
            errors.push(FieldError::new(
                format!("scores[{i}].indicator"),
                "indicator_unknown",
                format!("{indicator} is not a leaf of the scheme"),
            ));
        } else if score > 100 {
            errors.push(FieldError::new(format!("scores[{i}].score"), "range", "scores are 0 to 100"));
        } else if sheet.insert(indicator.to_string(), score).is_some() {
            errors.push(FieldError::new(format!("scores[{i}].indicator"), "indicator_duplicate", "each indicator once"));
        }
    }
    for leaf in leaves.iter().filter(|leaf| !sheet.contains_key(*leaf)) {
        errors.push(FieldError::new("scores", "indicator_missing", format!("{leaf} is not scored")));
    }
    if errors.is_empty() { Ok(sheet) } else { Err(DomainError::Validation(errors)) }
}

/// Every section of a report is written: an empty one is `required`, named by its field.
pub fn check_report_sections(sections: &[(&str, &str)]) -> Result<(), DomainError> {
    let missing: Vec<FieldError> = sections
        .iter()
        .filter(|(_, text)| text.trim().is_empty())
        .map(|(field, _)| FieldError::new(*field, "required", "every section of the report is required"))
        .collect();
    if missing.is_empty() { Ok(()) } else { Err(DomainError::Validation(missing)) }
}

/// An upheld appeal's revised scores (0–100) replace the means of leaves
/// that were scored; any other leaf, or a score over 100, is refused.
pub fn revise_means(means: &mut BTreeMap<String, u32>, revised: &BTreeMap<String, u32>) -> Result<(), DomainError> {
    for (leaf, score) in revised {
        if !means.contains_key(leaf) || *score > 100 {
            return Err(DomainError::field(
                format!("revised_scores.{leaf}"),
                "indicator_unknown",
                "revise scored leaf indicators, 0 to 100",
            ));
        }
        means.insert(leaf.clone(), score * 100);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn member(role: MemberRole, title: Title, accountant: bool) -> Member {
        Member { name: "m".into(), role, professional_title: title, accountant, user_id: None }
    }

    #[test]
    fn every_member_names_the_account_that_signs_their_sheet() {
        let mut group = vec![member(MemberRole::FinanceStaff, Title::Senior, true); 3];
        let DomainError::Validation(errors) = member_accounts(&group).unwrap_err() else { panic!() };
        assert_eq!(errors.len(), 3);
        assert_eq!((errors[1].field.as_str(), errors[1].code.as_str()), ("members[1].user_id", "required"));
        for (i, m) in group.iter_mut().enumerate() {
            m.user_id = Some(uuid::Uuid::from_u128(i as u128 + 1));
        }
        assert_eq!(member_accounts(&group).unwrap()[2], ("members[2].user_id".to_string(), uuid::Uuid::from_u128(3)));
    }

    #[test]
    fn a_group_of_four_is_refused() {
        let four = vec![member(MemberRole::FinanceStaff, Title::Senior, true); 4];
        let DomainError::Rule { code, .. } = check_group(&four).unwrap_err() else { panic!() };
        assert_eq!(code, "group_size_invalid");
        assert!(check_group(&four[..1]).is_err());
    }

    #[test]
    fn a_group_of_three_needs_an_intermediate_accountant() {
        let three = vec![
            member(MemberRole::AssistanceStaff, Title::None, false),
            member(MemberRole::FinanceStaff, Title::Junior, true),
            member(MemberRole::BeneficiaryRep, Title::None, false),
        ];
        let DomainError::Rule { code, .. } = check_group(&three).unwrap_err() else { panic!() };
        assert_eq!(code, "group_lacks_accountant");
        let mut fixed = three.clone();
        fixed[1].professional_title = Title::Intermediate;
        assert_eq!(check_group(&fixed).unwrap(), Vec::<String>::new());
        fixed[2].role = MemberRole::Expert;
        assert_eq!(check_group(&fixed).unwrap().len(), 1, "no beneficiary representative warns");
    }

    #[test]
    fn the_default_scheme_is_valid_and_weights_are_checked() {
        let scheme = default_scheme();
        validate_scheme(&scheme).unwrap();
        let mut broken = scheme.clone();
        broken.groups[0].indicators[0].weight_bp = 600;
        let DomainError::Validation(errors) = validate_scheme(&broken).unwrap_err() else { panic!() };
        assert_eq!(errors[0].code, "weights_sum");
    }

    #[test]
    fn weights_near_the_integer_limit_are_refused_not_overflowed() {
        let mut huge = default_scheme();
        for group in &mut huge.groups {
            group.weight_bp = u32::MAX;
            for indicator in &mut group.indicators {
                indicator.weight_bp = u32::MAX;
                indicator.sub_indicators.iter_mut().for_each(|sub| sub.weight_bp = u32::MAX);
            }
        }
        let DomainError::Validation(errors) = validate_scheme(&huge).unwrap_err() else { panic!() };
        assert!(errors.iter().all(|e| e.code == "weights_sum"), "{errors:?}");
    }

    #[test]
    fn weighted_totals_and_grade_boundaries() {
        let scheme = default_scheme();
        let all = |score: u32| -> BTreeMap<String, u32> { leaves(&scheme).into_iter().map(|(l, _)| (l, score * 100)).collect() };
        assert_eq!(weighted_total(&scheme, &all(90)), 9000);
        assert_eq!(grade(&scheme, 9000), Grade::Excellent);
        assert_eq!(grade(&scheme, 8999), Grade::Good);
        assert_eq!(grade(&scheme, 8000), Grade::Good);
        assert_eq!(grade(&scheme, 7999), Grade::Pass);
        assert_eq!(grade(&scheme, 6000), Grade::Pass);
        assert_eq!(grade(&scheme, 5999), Grade::Fail);
        // Effectiveness (30%) at 100, everything else 50: 50 + 0.3 × 50 = 65.
        let mut mixed = all(50);
        mixed.insert("effectiveness".into(), 10_000);
        assert_eq!(weighted_total(&scheme, &mixed), 6500);
    }

    #[test]
    fn sub_indicator_weights_live_inside_their_parent() {
        let mut scheme = default_scheme();
        scheme.groups[1].indicators[1].sub_indicators = vec![
            SubIndicator { code: "beneficiaries".into(), name_zh: "服务对象满意度".into(), weight_bp: 7000 },
            SubIndicator { code: "purchaser".into(), name_zh: "购买方满意度".into(), weight_bp: 3000 },
        ];
        validate_scheme(&scheme).unwrap();
        let weights: BTreeMap<String, u64> = leaves(&scheme).into_iter().collect();
        assert_eq!(weights["satisfaction.beneficiaries"], 2000 * 7000);
        let mut scores: BTreeMap<String, u32> = weights.keys().map(|k| (k.clone(), 0)).collect();
        scores.insert("satisfaction.beneficiaries".into(), 10_000);
        assert_eq!(weighted_total(&scheme, &scores), 1400, "70% of the 20% satisfaction weight");
        scheme.groups[1].indicators[1].sub_indicators[1].weight_bp = 2000;
        assert!(validate_scheme(&scheme).is_err());
    }

    #[test]
    fn means_average_members() {
        let a: BTreeMap<String, u32> = [("x".to_string(), 80)].into_iter().collect();
        let b: BTreeMap<String, u32> = [("x".to_string(), 91)].into_iter().collect();
        assert_eq!(means(&[a, b])["x"], 8550);
    }

    fn codes(error: DomainError) -> Vec<(String, String)> {
        let DomainError::Validation(errors) = error else { panic!("a validation error") };
        errors.into_iter().map(|e| (e.field, e.code)).collect()
    }

    #[test]
    fn a_sheet_scores_every_leaf_once_from_0_to_100() {
        let leaves = vec!["administration".to_string(), "satisfaction".to_string()];
        let sheet = check_sheet(&leaves, [("administration", 85), ("satisfaction", 100)]).unwrap();
        assert_eq!(sheet["satisfaction"], 100);
        let found = codes(
            check_sheet(&leaves, [("administration", 101), ("nonsense", 50), ("satisfaction", 70), ("satisfaction", 71)]).unwrap_err(),
        );
        assert_eq!(
            found,
            [
                ("scores[0].score".to_string(), "range".to_string()),
                ("scores[1].indicator".to_string(), "indicator_unknown".to_string()),
                ("scores[3].indicator".to_string(), "indicator_duplicate".to_string()),
                ("scores".to_string(), "indicator_missing".to_string()),
            ]
        );
    }

    #[test]
    fn a_report_needs_every_section_and_revisions_touch_only_scored_leaves() {
        let found = codes(check_report_sections(&[("overview", "情况"), ("conclusion", "  ")]).unwrap_err());
        assert_eq!(found, [("conclusion".to_string(), "required".to_string())]);
        assert!(check_report_sections(&[("overview", "情况")]).is_ok());
        let mut means = BTreeMap::from([("satisfaction".to_string(), 7000)]);
        revise_means(&mut means, &BTreeMap::from([("satisfaction".to_string(), 88)])).unwrap();
        assert_eq!(means["satisfaction"], 8800);
        let DomainError::Validation(errors) = revise_means(&mut means, &BTreeMap::from([("other".to_string(), 50)])).unwrap_err() else {
            panic!()
        };
        assert_eq!((errors[0].field.as_str(), errors[0].code.as_str()), ("revised_scores.other", "indicator_unknown"));
        assert!(revise_means(&mut means, &BTreeMap::from([("satisfaction".to_string(), 101)])).is_err());
    }
}
