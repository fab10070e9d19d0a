//! Pure matching rules, without I/O: which organisations may undertake
//! purchased services, and the rules of the volunteer programmes
//! (以困助困, 60帮80).

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum OrgType {
    /// 依法登记的企业
    Enterprise,
    /// 社会组织（不含由财政拨款保障的群团组织）
    SocialOrganization,
    /// 公益二类事业单位
    PublicInstitutionClass2,
    /// 从事生产经营活动的事业单位
    PublicInstitutionBusiness,
    /// 农村集体经济组织
    RuralCollective,
    /// 基层群众性自治组织
    GrassrootsAutonomous,
    /// 公共服务机构
    PublicServiceInstitution,
    /// 由财政拨款保障的群团组织（不得承接）
    FiscallyFundedMassOrganization,
}

impl OrgType {
    /// The plan's eligibility list (mechanism 3): budget-funded mass
    /// organisations may not undertake purchased services.
    pub fn may_undertake_purchases(self) -> bool {
        self != OrgType::FiscallyFundedMassOrganization
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Program {
    /// 普通志愿者
    GeneralVolunteer,
    /// 社会工作者
    SocialWorker,
    /// 以困助困：有劳动能力的低收入对象
    MutualAidLowIncome,
    /// 60帮80：60–69岁健康老人
    SixtyHelpsEighty,
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
