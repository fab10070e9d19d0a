//! Pure supply rules, without I/O: which organisations may undertake
//! purchased services, the rules of the volunteer programmes (以困助困,
//! 60帮80), and the city's approval of a government-funded local item.

use jiuzhu_core::DomainError;

jiuzhu_core::coded_enum! {
    pub enum OrgType as "org_type" {
        Enterprise = "enterprise", "依法登记的企业", "Enterprise";
        /// 社会组织（不含由财政拨款保障的群团组织）
        SocialOrganization = "social_organization", "社会组织", "Social organisation";
        PublicInstitutionClass2 = "public_institution_class2", "公益二类事业单位", "Class II public institution";
        PublicInstitutionBusiness = "public_institution_business", "从事生产经营活动的事业单位", "Public institution in business";
        RuralCollective = "rural_collective", "农村集体经济组织", "Rural collective economic organisation";
        GrassrootsAutonomous = "grassroots_autonomous", "基层群众性自治组织", "Grassroots self-governing organisation";
        PublicServiceInstitution = "public_service_institution", "公共服务机构", "Public service institution";
        /// 由财政拨款保障的群团组织（不得承接）
        FiscallyFundedMassOrganization = "fiscally_funded_mass_organization", "由财政拨款保障的群团组织", "Fiscally funded mass organisation";
    }
}

impl OrgType {
    /// The plan's eligibility list (mechanism 3): budget-funded mass
    /// organisations may not undertake purchased services.
    pub fn may_undertake_purchases(self) -> bool {
        self != OrgType::FiscallyFundedMassOrganization
    }
}

jiuzhu_core::coded_enum! {
    pub enum Program as "program" {
        GeneralVolunteer = "general_volunteer", "普通志愿者", "General volunteer";
        SocialWorker = "social_worker", "社会工作者", "Social worker";
        /// 以困助困：有劳动能力的低收入对象
        MutualAidLowIncome = "mutual_aid_low_income", "以困助困", "Low-income mutual aid";
        /// 60帮80：60–69岁健康老人
        SixtyHelpsEighty = "sixty_helps_eighty", "60帮80", "60 helps 80";
    }
}

/// What the programme rules need to know about a would-be volunteer.
#[derive(Debug, Clone, Default)]
pub struct Candidate {
    pub age: u32,
    pub healthy_declared: bool,
    /// Registered and active on the service target list.
    pub registered_beneficiary: bool,
    /// Groups that make someone not able-bodied: `disabled`, `seriously_ill`.
    pub limiting_groups: Vec<String>,
}

/// Why someone cannot join a programme: `(code, message)`.
pub fn check_program(program: Program, candidate: &Candidate) -> Result<(), (&'static str, String)> {
    match program {
        Program::GeneralVolunteer | Program::SocialWorker => {
            if candidate.age < 16 {
                return Err(("volunteer_too_young", "volunteers are at least 16".into()));
            }
            Ok(())
        }
        Program::MutualAidLowIncome => {
            if !candidate.registered_beneficiary {
                return Err(("mutual_aid_requires_beneficiary", "以困助困 helpers must be registered, active beneficiaries".into()));
            }
            if !(16..70).contains(&candidate.age) || !candidate.limiting_groups.is_empty() {
                return Err(("mutual_aid_requires_able_body", "以困助困 helpers must be able-bodied and 16 to 69".into()));
            }
            Ok(())
        }
        Program::SixtyHelpsEighty => {
            if !(60..70).contains(&candidate.age) {
                return Err(("sixty_helps_eighty_age", format!("60帮80 helpers are 60 to 69; this person is {}", candidate.age)));
            }
            if !candidate.healthy_declared {
                return Err(("sixty_helps_eighty_health", "60帮80 helpers must declare themselves healthy".into()));
            }
            Ok(())
        }
    }
}

/// Who a 60帮80 helper may serve: people aged 80+ or who cannot look after themselves.
pub fn sixty_helps_eighty_may_serve(age: u32, groups: &[String]) -> bool {
    age >= 80 || groups.iter().any(|g| g == "disabled" || g == "seriously_ill")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_budget_funded_mass_organisations_are_ineligible() {
        assert!(!OrgType::FiscallyFundedMassOrganization.may_undertake_purchases());
        assert!(OrgType::SocialOrganization.may_undertake_purchases());
        assert!(OrgType::RuralCollective.may_undertake_purchases());
    }

    #[test]
    fn sixty_helps_eighty_needs_60_to_69_and_health() {
        let mut c = Candidate { age: 65, healthy_declared: true, ..Candidate::default() };
        assert!(check_program(Program::SixtyHelpsEighty, &c).is_ok());
        c.age = 70;
        assert_eq!(check_program(Program::SixtyHelpsEighty, &c).unwrap_err().0, "sixty_helps_eighty_age");
        c.age = 59;
        assert_eq!(check_program(Program::SixtyHelpsEighty, &c).unwrap_err().0, "sixty_helps_eighty_age");
        c.age = 60;
        c.healthy_declared = false;
        assert_eq!(check_program(Program::SixtyHelpsEighty, &c).unwrap_err().0, "sixty_helps_eighty_health");
    }

    #[test]
    fn mutual_aid_needs_an_able_bodied_registered_beneficiary() {
        let mut c = Candidate { age: 45, registered_beneficiary: true, ..Candidate::default() };
        assert!(check_program(Program::MutualAidLowIncome, &c).is_ok());
        c.limiting_groups = vec!["disabled".into()];
        assert_eq!(check_program(Program::MutualAidLowIncome, &c).unwrap_err().0, "mutual_aid_requires_able_body");
        c.limiting_groups.clear();
        c.registered_beneficiary = false;
        assert_eq!(check_program(Program::MutualAidLowIncome, &c).unwrap_err().0, "mutual_aid_requires_beneficiary");
    }

    #[test]
    fn who_sixty_helps_eighty_serves() {
        assert!(sixty_helps_eighty_may_serve(82, &[]));
        assert!(sixty_helps_eighty_may_serve(70, &["disabled".into()]));
        assert!(!sixty_helps_eighty_may_serve(75, &["living_alone".into()]));
    }
}

jiuzhu_core::coded_enum! {
    /// Where a local catalogue item stands with the city (市级审核): the plan
    /// sets no government-funded item beyond basic living needs
    /// (不设置超出维持救助对象基本生活需要的服务项目), so such an item waits for
    /// a city-level decision before it can be ordered.
    pub enum Approval as "approval" {
        /// 无需审核（非政府购买或指导目录）
        NotRequired = "not_required", "无需审核", "Not required";
        Pending = "pending", "待市级审核", "Awaiting city approval";
        Approved = "approved", "市级已批准", "Approved by the city";
        Rejected = "rejected", "市级未批准", "Rejected";
    }
}

/// A new local item's standing: a government-funded one states the basic
/// living need it meets and waits, inactive, for the city; any other is
/// active at once. Answers the approval and whether the item is active.
pub fn local_item_start(government_funded: bool, basic_need_basis: Option<&str>) -> Result<(Approval, bool), DomainError> {
    if !government_funded {
        return Ok((Approval::NotRequired, true));
    }
    if basic_need_basis.is_none_or(|basis| basis.trim().is_empty()) {
        return Err(DomainError::field(
            "basic_need_basis",
            "required",
            "a government-funded item states the basic living need it meets, for the city to approve",
        ));
    }
    Ok((Approval::Pending, false))
}

/// The city decides a pending item: an account at city level (or above),
/// not the one that proposed it.
pub fn check_item_decision(
    approval: Approval,
    decider_level: jiuzhu_core::RegionLevel,
    decider: &str,
    proposed_by: Option<&str>,
) -> Result<(), DomainError> {
    if approval != Approval::Pending {
        return Err(DomainError::conflict("not_pending", "only an item waiting for the city's approval is decided"));
    }
    if decider_level > jiuzhu_core::RegionLevel::City {
        return Err(DomainError::rule("city_approval_required", "a government-funded local item is approved at city level"));
    }
    jiuzhu_platform::duties::not_the_same_hand(decider, proposed_by, "approve the item", "propose the item")
}

#[cfg(test)]
mod approval_tests {
    use super::*;
    use jiuzhu_core::RegionLevel;

    #[test]
    fn a_government_funded_local_item_waits_for_the_city_with_its_basis() {
        assert_eq!(local_item_start(false, None).unwrap(), (Approval::NotRequired, true));
        assert!(matches!(local_item_start(true, Some("  ")), Err(DomainError::Validation(_))));
        assert_eq!(local_item_start(true, Some("独居老人冬季取暖安全")).unwrap(), (Approval::Pending, false));
    }

    #[test]
    fn only_another_city_account_decides_a_pending_item() {
        let code = |result: Result<(), DomainError>| match result {
            Ok(()) => "ok",
            Err(DomainError::Rule { code, .. } | DomainError::RuleWithDetails { code, .. } | DomainError::Conflict { code, .. }) => code,
            Err(other) => panic!("{other:?}"),
        };
        assert_eq!(code(check_item_decision(Approval::Pending, RegionLevel::County, "c", Some("p"))), "city_approval_required");
        assert_eq!(code(check_item_decision(Approval::Pending, RegionLevel::City, "p", Some("p"))), "separation_of_duties");
        assert_eq!(code(check_item_decision(Approval::Approved, RegionLevel::City, "c", Some("p"))), "not_pending");
        assert_eq!(code(check_item_decision(Approval::Pending, RegionLevel::City, "c", Some("p"))), "ok");
    }
}
