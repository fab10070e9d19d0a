//! The order's life and its need's status, the duplicate-of-material-
//! assistance rule, and the checks of an order against its contract and
//! the provider's declared capacity.

use jiuzhu_core::DomainError;
use jiuzhu_needs_assessment::needs::NeedStatus;

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
