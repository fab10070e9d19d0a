//! Separation of duties (购买主体审核确认): rules a use case states about
//! who may do a step given who did another, e.g. "the approver is not the
//! author". One rule, one refusal code (`separation_of_duties`), with the
//! duty and the step it conflicts with.

use jiuzhu_core::DomainError;

/// Refuses `duty` to `actor` when the same account already did `earlier`
/// on the same record (e.g. approving a report it wrote).
pub fn not_the_same_hand(actor: &str, earlier_by: Option<&str>, duty: &'static str, earlier: &'static str) -> Result<(), DomainError> {
    if earlier_by != Some(actor) {
        return Ok(());
    }
    Err(DomainError::RuleWithDetails {
        code: "separation_of_duties",
        message: format!("the account that did '{earlier}' may not also '{duty}'; another account must"),
        details: serde_json::json!({"duty": duty, "conflicts_with": earlier}),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_approver_is_not_the_author() {
        assert!(not_the_same_hand("b", Some("a"), "approve the report", "write the report").is_ok());
        assert!(
            not_the_same_hand("b", None, "approve the report", "write the report").is_ok(),
            "nothing recorded, nothing to conflict with"
        );
        match not_the_same_hand("a", Some("a"), "approve the report", "write the report").unwrap_err() {
            DomainError::RuleWithDetails { code, details, .. } => {
                assert_eq!((code, details["duty"].as_str()), ("separation_of_duties", Some("approve the report")));
            }
            other => panic!("{other:?}"),
        }
    }
}
