//! Pure intake rules, without I/O: the application and referral state
//! machines, which department owns each transfer matter, working-day due
//! dates, and the groups that derive from a citizen ID.

use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc, Weekday};
use jiuzhu_core::{CitizenId, Sex};

jiuzhu_core::coded_enum! {
    /// Matters another department owns (分类转办), each mapped to that department.
    pub enum Matter as "matter" {
        /// 教育救助、学费减免 → 教育局
        EducationFeeWaiver = "education_fee_waiver", "教育救助、学费减免", "Education assistance and fee waiver";
        /// 医疗救助 → 医保局
        MedicalAssistance = "medical_assistance", "医疗救助", "Medical assistance";
        /// 残疾认定 → 残联
        DisabilityCertification = "disability_certification", "残疾认定", "Disability certification";
        /// 就业帮扶 → 人社局
        EmploymentSupport = "employment_support", "就业帮扶", "Employment support";
        /// 住房保障 → 住建局
        HousingSecurity = "housing_security", "住房保障", "Housing security";
        /// 法律援助 → 司法局
        LegalAid = "legal_aid", "法律援助", "Legal aid";
        /// 受灾救助 → 应急局
        DisasterRelief = "disaster_relief", "受灾救助", "Disaster relief";
        /// 困难职工帮扶 → 总工会
        WorkerHardship = "worker_hardship", "困难职工帮扶", "Worker hardship support";
        /// 妇女儿童关爱 → 妇联
        WomenChildren = "women_children", "妇女儿童关爱", "Women and children";
        /// 青少年关爱 → 团市委
        Youth = "youth", "青少年关爱", "Young people";
        /// 重特大疾病和慢性病照护 → 卫健委
        ChronicIllnessCare = "chronic_illness_care", "重特大疾病和慢性病照护", "Major and chronic illness care";
    }
}

impl Matter {
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
}

jiuzhu_core::coded_enum! {
    pub enum ApplicationStatus as "application_status" {
        Submitted = "submitted", "已提交", "Submitted";
        Accepted = "accepted", "已受理", "Accepted";
        /// 服务中: entered when the first service order for a service the
        /// application asked for starts (`application.service_started`).
        InService = "in_service", "服务中", "In service";
        Closed = "closed", "已办结", "Closed";
        Rejected = "rejected", "不予受理", "Rejected";
        Withdrawn = "withdrawn", "已撤回", "Withdrawn";
    }
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

jiuzhu_core::coded_enum! {
    pub enum ReferralStatus as "referral_status" {
        Pending = "pending", "待接收", "Awaiting city approval";
        Accepted = "accepted", "已接收", "Accepted";
        Completed = "completed", "已办结", "Completed";
        Rejected = "rejected", "不予办理", "Rejected";
        Returned = "returned", "退回补充材料", "Returned for information";
        Cancelled = "cancelled", "已撤销", "Cancelled";
    }
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

jiuzhu_core::coded_enum! {
    /// How an application item was resolved, so the applicant can be told.
    pub enum ItemResolution as "item_resolution" {
        Need = "need", "已形成服务需求", "Need";
        Order = "order", "已派发服务订单", "Order";
        Referral = "referral", "已转办成员单位", "Referral";
        /// 已由评估转为需求（自由描述）
        Assessment = "assessment", "已由评估转为需求", "Assessment";
        NoNeedFound = "no_need_found", "评估未认定该项需求", "No need found";
        /// 经办人员决定（附理由）
        Decision = "decision", "经办人员决定", "Decision";
    }
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
