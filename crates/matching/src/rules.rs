//! Pure matching rules, without I/O: which organisations may undertake
//! purchased services, and the rules of the volunteer programmes
//! (以困助困, 60帮80).

use jiuzhu_core::DomainError;
use jiuzhu_needs_assessment::needs::NeedStatus;
use serde::Serialize;
use utoipa::ToSchema;

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

jiuzhu_core::coded_enum! {
    pub enum OrderStatus as "order_status" {
        Assigned = "assigned", "已派单", "Assigned";
        Accepted = "accepted", "已接单", "Accepted";
        InProgress = "in_progress", "服务中", "In progress";
        Completed = "completed", "已完成", "Completed";
        Declined = "declined", "已拒单", "Declined";
        Cancelled = "cancelled", "已取消", "Cancelled";
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OrderAction {
    Accept,
    Decline,
    Start,
    Complete,
    Cancel,
}

impl OrderStatus {
    pub fn after(self, action: OrderAction) -> Option<OrderStatus> {
        use OrderAction as A;
        use OrderStatus as S;
        match (self, action) {
            (S::Assigned, A::Accept) => Some(S::Accepted),
            (S::Assigned, A::Decline) => Some(S::Declined),
            (S::Accepted, A::Start) => Some(S::InProgress),
            (S::Accepted | S::InProgress, A::Complete) => Some(S::Completed),
            (S::Assigned | S::Accepted | S::InProgress, A::Cancel) => Some(S::Cancelled),
            _ => None,
        }
    }

    /// Where the order's need stands while the order is in this status:
    /// matched from assignment until the service starts, in service, met
    /// once completed, and open again (for another match) when declined or
    /// cancelled. Orders change their need's status only through this.
    pub fn need_status(self) -> NeedStatus {
        match self {
            OrderStatus::Assigned | OrderStatus::Accepted => NeedStatus::Matched,
            OrderStatus::InProgress => NeedStatus::InService,
            OrderStatus::Completed => NeedStatus::Met,
            OrderStatus::Declined | OrderStatus::Cancelled => NeedStatus::Open,
        }
    }

    /// Deliveries are recorded once the order is accepted and until it ends.
    pub fn takes_deliveries(self) -> bool {
        matches!(self, OrderStatus::Accepted | OrderStatus::InProgress)
    }
}

/// A service that the person's material assistance already meets is not
/// given again (不重复提供已通过物质救助满足基本生活需要的相关服务): neither
/// ranked nor ordered. `covered_by` is the service's list of covering
/// assistance, `coverage` what the person has.
pub fn check_not_covered_by_material(service_code: &str, covered_by: &[String], coverage: &[String]) -> Result<(), DomainError> {
    match covered_by.iter().find(|c| coverage.contains(c)) {
        Some(covering) => Err(DomainError::RuleWithDetails {
            code: "duplicate_of_material_assistance",
            message: format!("{service_code} is already covered by the person's material assistance ({covering})"),
            details: serde_json::json!({"covered_by": covering}),
        }),
        None => Ok(()),
    }
}

/// What an order needs to know about the contract it claims (read from procurement).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContractTerms {
    pub provider_id: uuid::Uuid,
    pub active: bool,
    /// Each service the contract buys, with the quantity bought.
    pub services: Vec<(String, i64)>,
    pub region_code: String,
}

impl ContractTerms {
    /// The quantity of `service_code` the contract buys (0 when it buys none).
    pub fn quantity_of(&self, service_code: &str) -> i64 {
        self.services.iter().filter(|(code, _)| code == service_code).map(|(_, quantity)| quantity).sum()
    }
}

/// An order to a provider stays within the monthly capacity it declared
/// for the service: `ordered` is what its orders of that month already hold.
pub fn check_provider_capacity(service_code: &str, declared: Option<u32>, ordered: i64, requested: i64) -> Result<(), DomainError> {
    let Some(capacity) = declared else {
        return Err(DomainError::RuleWithDetails {
            code: "provider_capacity_undeclared",
            message: format!("the provider declares no monthly capacity for {service_code}; it takes no orders for it"),
            details: serde_json::json!({"service_code": service_code}),
        });
    };
    let capacity = i64::from(capacity);
    if ordered + requested <= capacity {
        return Ok(());
    }
    Err(DomainError::RuleWithDetails {
        code: "provider_capacity_exceeded",
        message: format!(
            "the provider serves {capacity} of {service_code} a month; {ordered} are ordered for that month, so {requested} more would exceed it"
        ),
        details: serde_json::json!({"service_code": service_code, "monthly_capacity": capacity, "ordered": ordered,
            "requested": requested, "remaining": (capacity - ordered).max(0)}),
    })
}

#[cfg(test)]
mod capacity_tests {
    use super::*;

    #[test]
    fn orders_stay_within_the_declared_monthly_capacity() {
        assert!(check_provider_capacity("meals", Some(100), 70, 30).is_ok());
        let Err(DomainError::RuleWithDetails { code, details, .. }) = check_provider_capacity("meals", Some(100), 70, 31) else { panic!() };
        assert_eq!((code, details["remaining"].as_i64()), ("provider_capacity_exceeded", Some(30)));
        let Err(DomainError::RuleWithDetails { code, .. }) = check_provider_capacity("bathing", None, 0, 1) else { panic!() };
        assert_eq!(code, "provider_capacity_undeclared");
    }
}

/// Orders under a contract stay within the quantity it bought of their
/// service: `ordered` is what open and finished orders already hold.
pub fn check_contract_quantity(service_code: &str, contracted: i64, ordered: i64, requested: i64) -> Result<(), DomainError> {
    if ordered + requested <= contracted {
        return Ok(());
    }
    Err(DomainError::RuleWithDetails {
        code: "contract_quantity_exceeded",
        message: format!(
            "the contract buys {contracted} of {service_code}; {ordered} are ordered already, so {requested} more would exceed it ({} remain)",
            (contracted - ordered).max(0)
        ),
        details: serde_json::json!({"service_code": service_code, "contracted": contracted, "ordered": ordered,
            "requested": requested, "remaining": (contracted - ordered).max(0)}),
    })
}

/// A delivery has happened (it does not end after `now`) and stays within
/// its order: what was delivered before plus this one is at most the
/// order's quantity.
pub fn check_delivery(
    ended_at: chrono::DateTime<chrono::Utc>,
    now: chrono::DateTime<chrono::Utc>,
    ordered: i64,
    delivered: i64,
    quantity: i64,
) -> Result<(), DomainError> {
    if ended_at > now {
        return Err(DomainError::field("ended_at", "in_future", "a delivery is recorded once it has happened"));
    }
    if delivered + quantity > ordered {
        return Err(DomainError::RuleWithDetails {
            code: "delivery_exceeds_order",
            message: format!("the order is for {ordered}; {delivered} are delivered already, so {quantity} more would exceed it"),
            details: serde_json::json!({"ordered": ordered, "delivered": delivered, "quantity": quantity, "remaining": (ordered - delivered).max(0)}),
        });
    }
    Ok(())
}

/// The contract rules of an order for a purchased service.
pub fn check_contract(
    terms: &ContractTerms,
    provider_id: uuid::Uuid,
    service_code: &str,
    person_region: &jiuzhu_core::RegionCode,
) -> Result<(), (&'static str, String)> {
    if !terms.active {
        return Err(("contract_not_active", "the contract is not active".into()));
    }
    if terms.provider_id != provider_id {
        return Err(("subcontracting_prohibited", "orders under a contract go only to its provider (不得转包)".into()));
    }
    if !terms.services.iter().any(|(s, _)| s == service_code) {
        return Err(("contract_scope", format!("the contract does not cover {service_code}")));
    }
    let covered = jiuzhu_core::RegionCode::parse(&terms.region_code).is_ok_and(|r| person_region.is_within(&r));
    if !covered {
        return Err(("contract_scope", "the contract does not cover the person's region".into()));
    }
    Ok(())
}

#[cfg(test)]
mod order_tests {
    use super::*;

    #[test]
    fn order_lifecycle() {
        use OrderAction as A;
        use OrderStatus as S;
        assert_eq!(S::Assigned.after(A::Accept), Some(S::Accepted));
        assert_eq!(S::Accepted.after(A::Start), Some(S::InProgress));
        assert_eq!(S::InProgress.after(A::Complete), Some(S::Completed));
        assert_eq!(S::Assigned.after(A::Complete), None);
        assert_eq!(S::Completed.after(A::Cancel), None);
        assert!(!S::Assigned.takes_deliveries() && S::InProgress.takes_deliveries());
    }

    #[test]
    fn a_need_follows_its_order_and_reopens_when_the_order_fails() {
        use OrderStatus as S;
        assert_eq!([S::Assigned, S::Accepted].map(S::need_status), [NeedStatus::Matched; 2]);
        assert_eq!((S::InProgress.need_status(), S::Completed.need_status()), (NeedStatus::InService, NeedStatus::Met));
        assert_eq!([S::Declined, S::Cancelled].map(S::need_status), [NeedStatus::Open; 2]);
    }

    #[test]
    fn contracts_bind_provider_service_and_region() {
        let provider = uuid::Uuid::from_u128(1);
        let terms =
            ContractTerms { provider_id: provider, active: true, services: vec![("meals".into(), 200)], region_code: "640202".into() };
        let village = jiuzhu_core::RegionCode::parse("640202001001").unwrap();
        assert!(check_contract(&terms, provider, "meals", &village).is_ok());
        assert_eq!(check_contract(&terms, uuid::Uuid::from_u128(2), "meals", &village).unwrap_err().0, "subcontracting_prohibited");
        assert_eq!(check_contract(&terms, provider, "bathing", &village).unwrap_err().0, "contract_scope");
        let elsewhere = jiuzhu_core::RegionCode::parse("640205100").unwrap();
        assert_eq!(check_contract(&terms, provider, "meals", &elsewhere).unwrap_err().0, "contract_scope");
        assert_eq!((terms.quantity_of("meals"), terms.quantity_of("bathing")), (200, 0));
        let ended = ContractTerms { active: false, ..terms };
        assert_eq!(check_contract(&ended, provider, "meals", &village).unwrap_err().0, "contract_not_active");
    }

    fn code_of(error: DomainError) -> String {
        match error {
            DomainError::RuleWithDetails { code, .. } | DomainError::Rule { code, .. } => code.to_string(),
            DomainError::Validation(fields) => fields[0].code.clone(),
            other => format!("{other:?}"),
        }
    }

    #[test]
    fn material_assistance_already_given_is_not_given_again() {
        let covered_by = vec!["support:centralized".to_string(), "material:meals".to_string()];
        assert!(check_not_covered_by_material("meals", &covered_by, &["material:fuel".into()]).is_ok());
        assert!(check_not_covered_by_material("meals", &[], &["support:centralized".into()]).is_ok());
        assert_eq!(
            code_of(check_not_covered_by_material("meals", &covered_by, &["support:centralized".into()]).unwrap_err()),
            "duplicate_of_material_assistance"
        );
    }

    #[test]
    fn orders_stay_within_the_contracted_quantity() {
        assert!(check_contract_quantity("bathing", 200, 170, 30).is_ok());
        assert_eq!(code_of(check_contract_quantity("bathing", 200, 170, 31).unwrap_err()), "contract_quantity_exceeded");
        assert_eq!(code_of(check_contract_quantity("bathing", 200, 0, 5000).unwrap_err()), "contract_quantity_exceeded");
        match check_contract_quantity("bathing", 200, 190, 20).unwrap_err() {
            DomainError::RuleWithDetails { details, .. } => assert_eq!(details["remaining"], 10),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_delivery_has_happened_and_stays_within_its_order() {
        let now = chrono::DateTime::parse_from_rfc3339("2025-04-02T12:00:00Z").unwrap().with_timezone(&chrono::Utc);
        assert!(check_delivery(now, now, 30, 29, 1).is_ok());
        assert_eq!(code_of(check_delivery(now + chrono::Duration::days(3), now, 30, 0, 1).unwrap_err()), "in_future");
        assert_eq!(code_of(check_delivery(now, now, 30, 0, 100).unwrap_err()), "delivery_exceeds_order");
        assert_eq!(code_of(check_delivery(now, now, 30, 30, 1).unwrap_err()), "delivery_exceeds_order");
    }
}

/// SplitMix64: a tiny, well-known generator, so a seed always draws the same sample.
fn splitmix64(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// `size` distinct positions of a frame of `frame_len`, drawn by a partial
/// Fisher–Yates shuffle from `seed`: the same seed and frame give the same sample.
pub fn sample_positions(frame_len: usize, size: usize, seed: u64) -> Vec<usize> {
    let mut positions: Vec<usize> = (0..frame_len).collect();
    let mut state = seed;
    let take = size.min(frame_len);
    for i in 0..take {
        let span = (frame_len - i) as u64;
        let j = i + (splitmix64(&mut state) % span) as usize;
        positions.swap(i, j);
    }
    positions.truncate(take);
    positions
}

#[cfg(test)]
mod sample_tests {
    use super::*;

    #[test]
    fn samples_are_reproducible_distinct_and_bounded() {
        let a = sample_positions(100, 10, 42);
        assert_eq!(a, sample_positions(100, 10, 42));
        assert_ne!(a, sample_positions(100, 10, 43));
        let mut unique = a.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), 10);
        assert!(a.iter().all(|p| *p < 100));
        assert_eq!(sample_positions(3, 10, 1).len(), 3, "never more than the frame");
        assert!(sample_positions(0, 5, 1).is_empty());
    }
}

/// One open need for batch matching.
#[derive(Debug, Clone)]
pub struct BatchNeed {
    pub id: uuid::Uuid,
    pub service_code: String,
    pub region: jiuzhu_core::RegionCode,
    /// Higher first.
    pub priority: u8,
}

/// One provider for batch matching, with its capacity by service.
#[derive(Debug, Clone)]
pub struct BatchProvider {
    pub id: uuid::Uuid,
    pub eligible: bool,
    pub services: Vec<String>,
    pub regions: Vec<jiuzhu_core::RegionCode>,
    pub capacity: std::collections::BTreeMap<String, u32>,
    pub valid_qualification: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct Proposal {
    pub need_id: uuid::Uuid,
    pub provider_id: uuid::Uuid,
    pub score: u32,
    /// The contract the order would go under, when the provider holds one.
    pub contract_id: Option<uuid::Uuid>,
}

/// Assigns open needs to providers within capacity: needs go in order of
/// priority then id; each takes the holder of the area's contract for the
/// service, else the best-scoring provider, that serves its region, offers
/// the service and has a unit left. Deterministic for the same data.
/// Providers are scored once per (service, region), so the cost is about
/// needs × log + groups × providers.
pub fn batch_assign(
    needs: &[BatchNeed],
    providers: &[BatchProvider],
    holdings: &[crate::ranking::Holding],
) -> (Vec<Proposal>, Vec<uuid::Uuid>) {
    use std::collections::{BTreeMap, HashMap};
    let mut order: Vec<&BatchNeed> = needs.iter().collect();
    order.sort_by(|a, b| b.priority.cmp(&a.priority).then(a.id.cmp(&b.id)));
    let mut left: HashMap<(usize, &str), u32> = HashMap::new();
    for (i, p) in providers.iter().enumerate() {
        for (service, units) in &p.capacity {
            left.insert((i, service.as_str()), *units);
        }
    }
    type Candidate = (usize, u32, Option<uuid::Uuid>);
    let mut ranked_for: BTreeMap<(String, String), Vec<Candidate>> = BTreeMap::new();
    let mut proposals = Vec::with_capacity(needs.len());
    let mut unassigned = Vec::new();
    for need in order {
        let key = (need.service_code.clone(), need.region.to_string());
        let candidates = ranked_for.entry(key).or_insert_with(|| {
            let mut list: Vec<Candidate> = providers
                .iter()
                .enumerate()
                .filter(|(_, p)| p.eligible && p.services.iter().any(|s| s == &need.service_code))
                .filter_map(|(i, p)| {
                    let level = p.regions.iter().filter(|r| need.region.is_within(r)).map(|r| r.level()).max()?;
                    let coverage = match level {
                        jiuzhu_core::RegionLevel::Village => 40,
                        jiuzhu_core::RegionLevel::Township => 30,
                        jiuzhu_core::RegionLevel::County => 20,
                        _ => 10,
                    };
                    let contract = crate::ranking::holding_contract(holdings, p.id, &need.service_code, &need.region);
                    Some((i, coverage + if p.valid_qualification { 15 } else { 0 }, contract))
                })
                .collect();
            list.sort_by(|a, b| b.2.is_some().cmp(&a.2.is_some()).then(b.1.cmp(&a.1)).then(providers[a.0].id.cmp(&providers[b.0].id)));
            list
        });
        let chosen = candidates.iter().find(|(i, ..)| left.get(&(*i, need.service_code.as_str())).is_some_and(|units| *units > 0)).copied();
        match chosen {
            Some((i, score, contract_id)) => {
                if let Some(units) = left.get_mut(&(i, need.service_code.as_str())) {
                    *units -= 1;
                }
                proposals.push(Proposal { need_id: need.id, provider_id: providers[i].id, score, contract_id });
            }
            None => unassigned.push(need.id),
        }
    }
    (proposals, unassigned)
}

#[cfg(test)]
mod batch_tests {
    use super::*;
    use jiuzhu_core::RegionCode;

    fn need(n: u128, priority: u8) -> BatchNeed {
        BatchNeed {
            id: uuid::Uuid::from_u128(n),
            service_code: "meals".into(),
            region: RegionCode::parse("640202001001").unwrap(),
            priority,
        }
    }

    fn provider(n: u128, region: &str, units: u32) -> BatchProvider {
        BatchProvider {
            id: uuid::Uuid::from_u128(n),
            eligible: true,
            services: vec!["meals".into()],
            regions: vec![RegionCode::parse(region).unwrap()],
            capacity: [("meals".to_string(), units)].into_iter().collect(),
            valid_qualification: true,
        }
    }

    #[test]
    fn capacity_is_respected_and_high_priority_goes_first() {
        let needs = [need(1, 1), need(2, 3), need(3, 2)];
        let providers = [provider(10, "640202001", 1), provider(11, "640202", 1)];
        let (proposals, unassigned) = batch_assign(&needs, &providers, &[]);
        let first = Proposal { need_id: uuid::Uuid::from_u128(2), provider_id: uuid::Uuid::from_u128(10), score: 45, contract_id: None };
        assert_eq!(proposals[0], first);
        assert_eq!(proposals[1].provider_id, uuid::Uuid::from_u128(11));
        assert_eq!(unassigned, [uuid::Uuid::from_u128(1)], "the lowest priority waits when capacity runs out");
    }

    #[test]
    fn batch_assignment_is_deterministic() {
        let needs: Vec<BatchNeed> = (0..50).map(|n| need(n, (n % 3) as u8)).collect();
        let providers = [provider(10, "640202", 20), provider(11, "640202001", 10)];
        let mut shuffled = needs.clone();
        shuffled.reverse();
        assert_eq!(batch_assign(&needs, &providers, &[]), batch_assign(&shuffled, &providers, &[]));
    }

    #[test]
    fn the_contract_holder_takes_the_needs_of_its_area_first() {
        let needs = [need(1, 3), need(2, 2)];
        let providers = [provider(10, "640202001", 5), provider(11, "640202", 1)];
        let holding = crate::ranking::Holding {
            contract_id: uuid::Uuid::from_u128(99),
            provider_id: uuid::Uuid::from_u128(11),
            region: RegionCode::parse("640202").unwrap(),
            service_codes: vec!["meals".into()],
        };
        let (proposals, _) = batch_assign(&needs, &providers, &[holding]);
        assert_eq!((proposals[0].provider_id, proposals[0].contract_id), (uuid::Uuid::from_u128(11), Some(uuid::Uuid::from_u128(99))));
        assert_eq!(
            (proposals[1].provider_id, proposals[1].contract_id),
            (uuid::Uuid::from_u128(10), None),
            "the holder's capacity is used up"
        );
    }
}
