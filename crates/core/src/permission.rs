//! `Permission` and the one table that maps each role to the permissions it
//! holds. Anything not in the table is denied.

use crate::Role;
use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, utoipa::ToSchema)]
pub enum Permission {
    #[serde(rename = "user:read")]
    UserRead,
    #[serde(rename = "user:write")]
    UserWrite,
    #[serde(rename = "client:manage")]
    ClientManage,
    #[serde(rename = "region:read")]
    RegionRead,
    #[serde(rename = "region:write")]
    RegionWrite,
    #[serde(rename = "department:read")]
    DepartmentRead,
    #[serde(rename = "audit:read")]
    AuditRead,
    #[serde(rename = "event:read")]
    EventRead,
    #[serde(rename = "pii:reveal")]
    PiiReveal,
    #[serde(rename = "beneficiary:read")]
    BeneficiaryRead,
    #[serde(rename = "beneficiary:write")]
    BeneficiaryWrite,
    #[serde(rename = "application:read")]
    ApplicationRead,
    #[serde(rename = "application:write")]
    ApplicationWrite,
    /// Accept (受理), reject or close an application: the township's and
    /// above; a village worker files and withdraws on a person's behalf.
    #[serde(rename = "application:decide")]
    ApplicationDecide,
    #[serde(rename = "referral:respond")]
    ReferralRespond,
    #[serde(rename = "assessment:read")]
    AssessmentRead,
    #[serde(rename = "assessment:write")]
    AssessmentWrite,
    #[serde(rename = "service:read")]
    ServiceRead,
    #[serde(rename = "service:write")]
    ServiceWrite,
    #[serde(rename = "provider:read")]
    ProviderRead,
    #[serde(rename = "provider:write")]
    ProviderWrite,
    #[serde(rename = "order:read")]
    OrderRead,
    #[serde(rename = "order:write")]
    OrderWrite,
    #[serde(rename = "procurement:read")]
    ProcurementRead,
    #[serde(rename = "procurement:manage")]
    ProcurementManage,
    #[serde(rename = "evaluation:read")]
    EvaluationRead,
    #[serde(rename = "evaluation:manage")]
    EvaluationManage,
    #[serde(rename = "registry:search")]
    RegistrySearch,
    #[serde(rename = "import:write")]
    ImportWrite,
    #[serde(rename = "webhook:manage")]
    WebhookManage,
    #[serde(rename = "signal:write")]
    SignalWrite,
    #[serde(rename = "assessment_model:write")]
    AssessmentModelWrite,
    #[serde(rename = "bid:submit")]
    BidSubmit,
    /// Set and change a fund account's base, last year's assistance total
    /// (the finance side's figure, not the buyer's).
    #[serde(rename = "fund_base:write")]
    FundBaseWrite,
    /// Sign one's own score sheet as a member of a bid panel or an
    /// evaluation group (the seat, not the role, decides which).
    #[serde(rename = "sheet:sign")]
    SheetSign,
}

use Permission as P;

impl Permission {
    pub const ALL: [Permission; 35] = [
        P::UserRead,
        P::UserWrite,
        P::ClientManage,
        P::RegionRead,
        P::RegionWrite,
        P::DepartmentRead,
        P::AuditRead,
        P::EventRead,
        P::PiiReveal,
        P::BeneficiaryRead,
        P::BeneficiaryWrite,
        P::ApplicationRead,
        P::ApplicationWrite,
        P::ApplicationDecide,
        P::ReferralRespond,
        P::AssessmentRead,
        P::AssessmentWrite,
        P::ServiceRead,
        P::ServiceWrite,
        P::ProviderRead,
        P::ProviderWrite,
        P::OrderRead,
        P::OrderWrite,
        P::ProcurementRead,
        P::ProcurementManage,
        P::EvaluationRead,
        P::EvaluationManage,
        P::RegistrySearch,
        P::ImportWrite,
        P::WebhookManage,
        P::SignalWrite,
        P::AssessmentModelWrite,
        P::BidSubmit,
        P::FundBaseWrite,
        P::SheetSign,
    ];

    /// The code used in tokens, the spec and `GET /roles`, e.g. `user:read`.
    pub fn code(self) -> &'static str {
        match self {
            P::UserRead => "user:read",
            P::UserWrite => "user:write",
            P::ClientManage => "client:manage",
            P::RegionRead => "region:read",
            P::RegionWrite => "region:write",
            P::DepartmentRead => "department:read",
            P::AuditRead => "audit:read",
            P::EventRead => "event:read",
            P::PiiReveal => "pii:reveal",
            P::BeneficiaryRead => "beneficiary:read",
            P::BeneficiaryWrite => "beneficiary:write",
            P::ApplicationRead => "application:read",
            P::ApplicationWrite => "application:write",
            P::ApplicationDecide => "application:decide",
            P::ReferralRespond => "referral:respond",
            P::AssessmentRead => "assessment:read",
            P::AssessmentWrite => "assessment:write",
            P::ServiceRead => "service:read",
            P::ServiceWrite => "service:write",
            P::ProviderRead => "provider:read",
            P::ProviderWrite => "provider:write",
            P::OrderRead => "order:read",
            P::OrderWrite => "order:write",
            P::ProcurementRead => "procurement:read",
            P::ProcurementManage => "procurement:manage",
            P::EvaluationRead => "evaluation:read",
            P::EvaluationManage => "evaluation:manage",
            P::RegistrySearch => "registry:search",
            P::ImportWrite => "import:write",
            P::WebhookManage => "webhook:manage",
            P::SignalWrite => "signal:write",
            P::AssessmentModelWrite => "assessment_model:write",
            P::BidSubmit => "bid:submit",
            P::FundBaseWrite => "fund_base:write",
            P::SheetSign => "sheet:sign",
        }
    }
}

/// What every staff member at a level can read.
const STAFF_READ: &[Permission] = &[P::RegionRead, P::DepartmentRead, P::EventRead, P::ServiceRead, P::ProviderRead];

/// The permission table. Deny by default: a pair not listed here is refused.
pub fn permissions_of(role: Role) -> Vec<Permission> {
    let mut granted: Vec<Permission> = match role {
        Role::CityAdmin => Permission::ALL.to_vec(),
        Role::CountyOfficer => [
            STAFF_READ,
            &[
                P::UserRead,
                P::UserWrite,
                P::PiiReveal,
                P::BeneficiaryRead,
                P::BeneficiaryWrite,
                P::ApplicationRead,
                P::ApplicationWrite,
                P::ApplicationDecide,
                P::AssessmentRead,
                P::AssessmentWrite,
                P::ServiceWrite,
                P::ProviderWrite,
                P::OrderRead,
                P::OrderWrite,
                P::ProcurementRead,
                P::ProcurementManage,
                P::BidSubmit,
                P::EvaluationRead,
                P::EvaluationManage,
                P::ImportWrite,
                P::SheetSign,
            ],
        ]
        .concat(),
        Role::TownshipOfficer => [
            STAFF_READ,
            &[
                P::UserRead,
                P::PiiReveal,
                P::BeneficiaryRead,
                P::BeneficiaryWrite,
                P::ApplicationRead,
                P::ApplicationWrite,
                P::ApplicationDecide,
                P::AssessmentRead,
                P::AssessmentWrite,
                P::OrderRead,
                P::OrderWrite,
            ],
        ]
        .concat(),
        Role::VillageWorker => {
            [STAFF_READ, &[P::BeneficiaryRead, P::BeneficiaryWrite, P::ApplicationRead, P::ApplicationWrite, P::OrderRead]].concat()
        }
        Role::Department => {
            vec![
                P::RegionRead,
                P::DepartmentRead,
                P::ServiceRead,
                P::EventRead,
                P::WebhookManage,
                P::ReferralRespond,
                P::RegistrySearch,
                P::SignalWrite,
            ]
        }
        Role::Provider => {
            vec![
                P::RegionRead,
                P::ServiceRead,
                P::ProviderRead,
                P::OrderRead,
                P::OrderWrite,
                P::ProcurementRead,
                P::BidSubmit,
                P::EventRead,
                P::WebhookManage,
                P::EvaluationRead,
            ]
        }
        Role::Evaluator => [STAFF_READ, &[P::ProcurementRead, P::EvaluationRead, P::EvaluationManage, P::SheetSign]].concat(),
        // An outside expert or representative seated on a panel or group:
        // signs its own sheets and reads only what its seats show it.
        Role::ReviewMember => vec![P::SheetSign],
        // The finance side sets the base of the 3% cap and buys nothing.
        Role::FinanceOfficer => [STAFF_READ, &[P::ProcurementRead, P::FundBaseWrite]].concat(),
        Role::Auditor => [
            STAFF_READ,
            &[
                P::AuditRead,
                P::UserRead,
                P::BeneficiaryRead,
                P::ApplicationRead,
                P::AssessmentRead,
                P::OrderRead,
                P::ProcurementRead,
                P::EvaluationRead,
            ],
        ]
        .concat(),
        Role::DataExchange => {
            vec![
                P::RegionRead,
                P::ServiceRead,
                P::EventRead,
                P::WebhookManage,
                P::BeneficiaryRead,
                P::BeneficiaryWrite,
                P::ImportWrite,
                P::RegistrySearch,
                P::SignalWrite,
            ]
        }
    };
    granted.sort();
    granted.dedup();
    granted
}

pub fn role_has(role: Role, permission: Permission) -> bool {
    permissions_of(role).contains(&permission)
}

/// The grant rule: a role may be handed out (or its accounts managed) only
/// by a role holding every one of its permissions and more, so nobody gives
/// away a right they lack or makes their own peer; the role that holds every
/// permission (the city administrator) may grant any role.
pub fn can_grant(granter: Role, granted: Role) -> bool {
    let mine = permissions_of(granter);
    let theirs = permissions_of(granted);
    let subset = theirs.iter().all(|p| mine.contains(p));
    subset && (theirs.len() < mine.len() || mine.len() == Permission::ALL.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_match_serde_and_are_unique() {
        let mut codes: Vec<&str> = Permission::ALL.iter().map(|p| p.code()).collect();
        for p in Permission::ALL {
            assert_eq!(serde_json::to_string(&p).unwrap(), format!("\"{}\"", p.code()));
        }
        codes.sort();
        codes.dedup();
        assert_eq!(codes.len(), Permission::ALL.len());
    }

    #[test]
    fn deny_by_default_for_sensitive_pairs() {
        assert!(!role_has(Role::VillageWorker, P::UserWrite));
        assert!(!role_has(Role::VillageWorker, P::PiiReveal));
        assert!(!role_has(Role::VillageWorker, P::ApplicationDecide), "a village files; the township accepts (乡镇街道受理)");
        assert!(role_has(Role::TownshipOfficer, P::ApplicationDecide));
        assert!(!role_has(Role::Auditor, P::UserWrite), "auditors are read-only");
        assert!(!role_has(Role::Department, P::BeneficiaryRead));
        assert!(!role_has(Role::CountyOfficer, P::AuditRead));
        assert!(role_has(Role::Auditor, P::AuditRead));
        assert!(role_has(Role::CountyOfficer, P::UserWrite));
        assert_eq!(permissions_of(Role::CityAdmin).len(), Permission::ALL.len());
        assert_eq!(permissions_of(Role::ReviewMember), vec![P::SheetSign], "a seat's holder reads nothing beyond its seats");
    }

    #[test]
    fn grants_need_every_granted_permission() {
        assert!(can_grant(Role::CountyOfficer, Role::TownshipOfficer));
        assert!(can_grant(Role::CountyOfficer, Role::VillageWorker));
        assert!(can_grant(Role::CountyOfficer, Role::Evaluator));
        assert!(can_grant(Role::TownshipOfficer, Role::VillageWorker));
        for lacking in [Role::Provider, Role::Department, Role::DataExchange, Role::Auditor, Role::CountyOfficer, Role::CityAdmin] {
            assert!(!can_grant(Role::CountyOfficer, lacking), "a county officer cannot grant {lacking:?}");
        }
        assert!(!can_grant(Role::VillageWorker, Role::VillageWorker), "no peers");
        assert!(Role::ALL.iter().all(|role| can_grant(Role::CityAdmin, *role)));
        for granter in Role::ALL {
            for granted in Role::ALL {
                if can_grant(granter, granted) {
                    assert!(permissions_of(granted).iter().all(|p| role_has(granter, *p)), "{granter:?} gave away a right of {granted:?}");
                }
            }
        }
    }

    #[test]
    fn auditors_hold_no_write_permission() {
        let writes = [
            P::UserWrite,
            P::ClientManage,
            P::RegionWrite,
            P::BeneficiaryWrite,
            P::ApplicationWrite,
            P::ProcurementManage,
            P::WebhookManage,
        ];
        assert!(permissions_of(Role::Auditor).iter().all(|p| !writes.contains(p)));
    }
}
