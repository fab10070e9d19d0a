//! Pure intake rules, without I/O: the application and referral state
//! machines, which department owns each transfer matter, working-day due
//! dates, and the groups that derive from a citizen ID.

use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc, Weekday};
use jiuzhu_core::{CitizenId, Sex};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// Matters another department owns (分类转办), each mapped to that department.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Matter {
    /// 教育救助、学费减免 → 教育局
    EducationFeeWaiver,
    /// 医疗救助 → 医保局
    MedicalAssistance,
    /// 残疾认定 → 残联
    DisabilityCertification,
    /// 就业帮扶 → 人社局
    EmploymentSupport,
    /// 住房保障 → 住建局
    HousingSecurity,
    /// 法律援助 → 司法局
    LegalAid,
    /// 受灾救助 → 应急局
    DisasterRelief,
    /// 困难职工帮扶 → 总工会
    WorkerHardship,
    /// 妇女儿童关爱 → 妇联
    WomenChildren,
    /// 青少年关爱 → 团市委
    Youth,
    /// 重特大疾病和慢性病照护 → 卫健委
    ChronicIllnessCare,
}

impl Matter {
    pub const ALL: [Matter; 11] = [
        Matter::EducationFeeWaiver,
        Matter::MedicalAssistance,
        Matter::DisabilityCertification,
        Matter::EmploymentSupport,
        Matter::HousingSecurity,
        Matter::LegalAid,
        Matter::DisasterRelief,
        Matter::WorkerHardship,
        Matter::WomenChildren,
        Matter::Youth,
        Matter::ChronicIllnessCare,
    ];

    /// The one table from matter to the department that owns it (DOMAIN.md §Departments).
    pub fn department(self) -> &'static str {
        match self {
            Matter::EducationFeeWaiver => "education",
            Matter::MedicalAssistance => "medical_insurance",
            Matter::DisabilityCertification => "disabled_persons_federation",
            Matter::EmploymentSupport => "hrss",
            Matter::HousingSecurity => "housing",
            Matter::LegalAid => "justice",
            Matter::DisasterRelief => "emergency",
            Matter::WorkerHardship => "trade_union",
            Matter::WomenChildren => "womens_federation",
            Matter::Youth => "youth_league",
            Matter::ChronicIllnessCare => "health",
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            Matter::EducationFeeWaiver => "education_fee_waiver",
            Matter::MedicalAssistance => "medical_assistance",
            Matter::DisabilityCertification => "disability_certification",
            Matter::EmploymentSupport => "employment_support",
            Matter::HousingSecurity => "housing_security",
            Matter::LegalAid => "legal_aid",
            Matter::DisasterRelief => "disaster_relief",
            Matter::WorkerHardship => "worker_hardship",
            Matter::WomenChildren => "women_children",
            Matter::Youth => "youth",
            Matter::ChronicIllnessCare => "chronic_illness_care",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ApplicationStatus {
    /// 已提交
    Submitted,
    /// 已受理
    Accepted,
    /// 服务中: entered when the first service order for a service the
    /// application asked for starts (`application.service_started`).
    InService,
    /// 已办结
    Closed,
    /// 不予受理
    Rejected,
    /// 已撤回
    Withdrawn,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ApplicationAction {
    Accept,
    Reject,
    StartService,
    Close,
    Withdraw,
}

impl ApplicationStatus {
    pub fn code(self) -> &'static str {
        match self {
            Self::Submitted => "submitted",
            Self::Accepted => "accepted",
            Self::InService => "in_service",
            Self::Closed => "closed",
            Self::Rejected => "rejected",
            Self::Withdrawn => "withdrawn",
        }
    }

    pub fn parse(code: &str) -> Option<Self> {
        [Self::Submitted, Self::Accepted, Self::InService, Self::Closed, Self::Rejected, Self::Withdrawn]
            .into_iter()
            .find(|s| s.code() == code)
    }

    /// The state after `action`, or `None` when the action is not allowed now.
    pub fn after(self, action: ApplicationAction) -> Option<Self> {
        use ApplicationAction as A;
        use ApplicationStatus as S;
        match (self, action) {
            (S::Submitted, A::Accept) => Some(S::Accepted),
            (S::Submitted, A::Reject) => Some(S::Rejected),
            (S::Submitted | S::Accepted, A::Withdraw) => Some(S::Withdrawn),
            (S::Accepted, A::StartService) => Some(S::InService),
            (S::Accepted | S::InService, A::Close) => Some(S::Closed),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ReferralStatus {
    /// 待接收
    Pending,
    /// 已接收
    Accepted,
    /// 已办结
    Completed,
    /// 不予办理
    Rejected,
    /// 退回补充材料
    Returned,
    /// 已撤销
    Cancelled,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReferralAction {
    Accept,
    Reject,
    Return,
    Complete,
    Cancel,
    Resubmit,
}

impl ReferralStatus {
    /// Whether the department's handling has ended: completed, refused or
    /// cancelled. Pending, accepted and returned referrals are still open.
    pub fn has_ended(self) -> bool {
        matches!(self, Self::Completed | Self::Rejected | Self::Cancelled)
    }

    pub fn code(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Accepted => "accepted",
            Self::Completed => "completed",
            Self::Rejected => "rejected",
            Self::Returned => "returned",
            Self::Cancelled => "cancelled",
        }
    }

    pub fn parse(code: &str) -> Option<Self> {
        [Self::Pending, Self::Accepted, Self::Completed, Self::Rejected, Self::Returned, Self::Cancelled]
            .into_iter()
            .find(|s| s.code() == code)
    }

    /// Still the department's to act on (counts toward overdue).
    pub fn is_open(self) -> bool {
        matches!(self, Self::Pending | Self::Accepted)
    }

    pub fn after(self, action: ReferralAction) -> Option<Self> {
        use ReferralAction as A;
        use ReferralStatus as S;
        match (self, action) {
            (S::Pending, A::Accept) => Some(S::Accepted),
            (S::Pending | S::Accepted, A::Reject) => Some(S::Rejected),
            (S::Pending | S::Accepted, A::Return) => Some(S::Returned),
            (S::Accepted, A::Complete) => Some(S::Completed),
            (S::Returned, A::Resubmit) => Some(S::Pending),
            (S::Pending | S::Accepted | S::Returned, A::Cancel) => Some(S::Cancelled),
            _ => None,
        }
    }
}

/// How an application item was resolved, so the applicant can be told.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ItemResolution {
    /// 已形成服务需求
    Need,
    /// 已派发服务订单
    Order,
    /// 已转办成员单位
    Referral,
    /// 已由评估转为需求（自由描述）
    Assessment,
    /// 评估未认定该项需求
    NoNeedFound,
    /// 经办人员决定（附理由）
    Decision,
}

/// What an assessment resolves of an open service item: a free-text item
/// becomes the assessment's needs; a coded item becomes the need of its
/// service, or, when the assessment found none, is resolved as no need
/// found. `needs` are the assessment's needs by service code.
pub fn resolved_by_assessment(
    service_code: Option<&str>,
    needs: &[(String, uuid::Uuid)],
    assessment_id: uuid::Uuid,
) -> (ItemResolution, uuid::Uuid, Option<String>) {
    match service_code {
        None => (ItemResolution::Assessment, assessment_id, None),
        Some(code) => match needs.iter().find(|(service, _)| service == code) {
            Some((_, need_id)) => (ItemResolution::Need, *need_id, None),
            None => (ItemResolution::NoNeedFound, assessment_id, Some(format!("the assessment found no need for {code}"))),
        },
    }
}

/// An application closes when each of its items has been resolved; the
/// answer lists the positions of those that have not.
pub fn check_items_resolved(items: &[(i32, Option<&str>)]) -> Result<(), jiuzhu_core::DomainError> {
    let unresolved: Vec<i32> = items.iter().filter(|(_, resolution)| resolution.is_none()).map(|(position, _)| *position).collect();
    if unresolved.is_empty() {
        return Ok(());
    }
    Err(jiuzhu_core::DomainError::RuleWithDetails {
        code: "items_unresolved",
        message: format!(
            "{} item(s) have no resolution yet; record a decision with its reason for each, so the applicant can be told",
            unresolved.len()
        ),
        details: serde_json::json!({"unresolved_positions": unresolved}),
    })
}

/// A department reads the identifiers of a referral's person only to act
/// on it (the referral is open) and only under the consent the application
/// recorded: given, and dated no later than today.
pub fn check_identifier_read(
    referral_open: bool,
    consent_given: bool,
    consent_date: NaiveDate,
    today: NaiveDate,
) -> Result<(), jiuzhu_core::DomainError> {
    use jiuzhu_core::DomainError;
    if !referral_open {
        return Err(DomainError::conflict("referral_closed", "identifiers are read to act on an open referral; this one has ended"));
    }
    if !consent_given || consent_date > today {
        return Err(DomainError::rule("consent_missing", "the person has not consented to sharing their data with departments"));
    }
    Ok(())
}

/// An item may concern a member of the applicant's household rather than
/// the applicant (the grandchild's school-fee waiver on the grandparent's
/// application): that person lives in the applicant's household.
pub fn check_household_member(
    field: String,
    applicant_household: Option<uuid::Uuid>,
    member_household: Option<uuid::Uuid>,
) -> Result<(), jiuzhu_core::FieldError> {
    match (applicant_household, member_household) {
        (Some(applicant), Some(member)) if applicant == member => Ok(()),
        _ => Err(jiuzhu_core::FieldError::new(field, "not_a_household_member", "the person named is not in the applicant's household")),
    }
}

/// `start` plus `days` working days (Monday to Friday), at the same time of day.
pub fn add_working_days(start: DateTime<Utc>, days: u32) -> DateTime<Utc> {
    let mut at = start;
    let mut left = days;
    while left > 0 {
        at += Duration::days(1);
        if !matches!(at.weekday(), Weekday::Sat | Weekday::Sun) {
            left -= 1;
        }
    }
    at
}

/// Groups that follow from the ID and the date: `elderly` (60+), `minor`
/// (under 18) and `woman` (female, 18+).
pub fn derived_groups(id: &CitizenId, on: NaiveDate) -> Vec<&'static str> {
    let age = id.age_on(on);
    let mut groups = Vec::new();
    if age >= 60 {
        groups.push("elderly");
    }
    if age < 18 {
        groups.push("minor");
    }
    if id.sex() == Sex::Female && age >= 18 {
        groups.push("woman");
    }
    groups
}

#[cfg(test)]
mod tests {

    #[test]
    fn only_completed_refused_or_cancelled_referrals_have_ended() {
        use ReferralStatus as R;
        let ended: Vec<R> =
            [R::Pending, R::Accepted, R::Completed, R::Rejected, R::Returned, R::Cancelled].into_iter().filter(|s| s.has_ended()).collect();
        assert_eq!(ended, [R::Completed, R::Rejected, R::Cancelled]);
    }
    use super::*;

    #[test]
    fn every_matter_maps_to_a_seeded_department() {
        let seeded = [
            "education",
            "medical_insurance",
            "disabled_persons_federation",
            "hrss",
            "housing",
            "justice",
            "emergency",
            "trade_union",
            "womens_federation",
            "youth_league",
            "health",
        ];
        for matter in Matter::ALL {
            assert!(seeded.contains(&matter.department()), "{matter:?}");
            assert_eq!(serde_json::to_string(&matter).unwrap(), format!("\"{}\"", matter.code()));
        }
    }

    #[test]
    fn application_transitions() {
        use ApplicationAction as A;
        use ApplicationStatus as S;
        assert_eq!(S::Submitted.after(A::Accept), Some(S::Accepted));
        assert_eq!(S::Accepted.after(A::Close), Some(S::Closed));
        assert_eq!(S::Submitted.after(A::Close), None, "close needs an accepted application");
        assert_eq!(S::Closed.after(A::Withdraw), None);
        assert_eq!(S::Rejected.after(A::Accept), None);
        assert_eq!(S::Accepted.after(A::Accept), None);
        assert_eq!(S::InService.after(A::Withdraw), None);
        for s in [S::Submitted, S::Accepted, S::InService, S::Closed, S::Rejected, S::Withdrawn] {
            assert_eq!(S::parse(s.code()), Some(s));
        }
    }

    #[test]
    fn referral_transitions() {
        use ReferralAction as A;
        use ReferralStatus as S;
        assert_eq!(S::Pending.after(A::Accept), Some(S::Accepted));
        assert_eq!(S::Accepted.after(A::Complete), Some(S::Completed));
        assert_eq!(S::Pending.after(A::Complete), None, "accept before completing");
        assert_eq!(S::Completed.after(A::Cancel), None);
        assert_eq!(S::Returned.after(A::Resubmit), Some(S::Pending));
        assert!(S::Accepted.is_open() && !S::Returned.is_open());
    }

    #[test]
    fn an_assessment_resolves_each_service_item_one_way_or_another() {
        let (assessment, need) = (uuid::Uuid::from_u128(1), uuid::Uuid::from_u128(2));
        let needs = [("health_services".to_string(), need)];
        assert_eq!(resolved_by_assessment(None, &needs, assessment), (ItemResolution::Assessment, assessment, None));
        assert_eq!(resolved_by_assessment(Some("health_services"), &needs, assessment).0, ItemResolution::Need);
        let (how, reference, reason) = resolved_by_assessment(Some("meals"), &needs, assessment);
        assert_eq!((how, reference), (ItemResolution::NoNeedFound, assessment), "asked for meals, assessed for health services");
        assert!(reason.unwrap().contains("meals"));
    }

    #[test]
    fn an_application_closes_with_every_item_resolved() {
        assert!(check_items_resolved(&[(0, Some("need")), (1, Some("decision"))]).is_ok());
        let Err(jiuzhu_core::DomainError::RuleWithDetails { code, details, .. }) = check_items_resolved(&[(0, Some("need")), (1, None)])
        else {
            panic!()
        };
        assert_eq!((code, details["unresolved_positions"].clone()), ("items_unresolved", serde_json::json!([1])));
    }

    #[test]
    fn identifiers_are_read_only_for_an_open_referral_under_consent() {
        let day = NaiveDate::from_ymd_opt(2025, 3, 1).unwrap();
        let code = |r: Result<(), jiuzhu_core::DomainError>| match r {
            Ok(()) => "ok",
            Err(jiuzhu_core::DomainError::Rule { code, .. } | jiuzhu_core::DomainError::Conflict { code, .. }) => code,
            Err(other) => panic!("{other:?}"),
        };
        assert_eq!(code(check_identifier_read(true, true, day, day)), "ok");
        assert_eq!(code(check_identifier_read(false, true, day, day)), "referral_closed");
        assert_eq!(code(check_identifier_read(true, false, day, day)), "consent_missing");
        assert_eq!(
            code(check_identifier_read(true, true, day.succ_opt().unwrap(), day)),
            "consent_missing",
            "a consent from tomorrow is none"
        );
    }

    #[test]
    fn an_item_names_only_a_member_of_the_applicants_household() {
        let (home, elsewhere) = (Some(uuid::Uuid::from_u128(1)), Some(uuid::Uuid::from_u128(2)));
        assert!(check_household_member("items[0].member_id".into(), home, home).is_ok());
        assert_eq!(check_household_member("items[0].member_id".into(), home, elsewhere).unwrap_err().code, "not_a_household_member");
        assert!(check_household_member("m".into(), None, None).is_err(), "no household, no member");
    }

    #[test]
    fn working_days_skip_weekends() {
        let friday = DateTime::parse_from_rfc3339("2025-03-07T09:00:00Z").unwrap().to_utc();
        assert_eq!(add_working_days(friday, 1), DateTime::parse_from_rfc3339("2025-03-10T09:00:00Z").unwrap().to_utc());
        assert_eq!(add_working_days(friday, 5), DateTime::parse_from_rfc3339("2025-03-14T09:00:00Z").unwrap().to_utc());
        let saturday = DateTime::parse_from_rfc3339("2025-03-08T09:00:00Z").unwrap().to_utc();
        assert_eq!(add_working_days(saturday, 1), DateTime::parse_from_rfc3339("2025-03-10T09:00:00Z").unwrap().to_utc());
        assert_eq!(add_working_days(friday, 0), friday);
    }

    #[test]
    fn groups_follow_age_and_sex() {
        let woman_1949 = CitizenId::parse("11010519491231002X").unwrap();
        let on = NaiveDate::from_ymd_opt(2025, 1, 1).unwrap();
        assert_eq!(derived_groups(&woman_1949, on), ["elderly", "woman"]);
        let before_sixty = NaiveDate::from_ymd_opt(2009, 12, 30).unwrap();
        assert_eq!(derived_groups(&woman_1949, before_sixty), ["woman"]);
        let child_on = NaiveDate::from_ymd_opt(1960, 1, 1).unwrap();
        assert_eq!(derived_groups(&woman_1949, child_on), ["minor"]);
    }
}
