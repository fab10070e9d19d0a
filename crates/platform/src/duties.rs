//! Separation of duties (购买主体审核确认): rules a use case states about
//! who may do a step given who did another, e.g. "the approver is not the
//! author" (`separation_of_duties`), and "a sheet is signed by its member":
//! a panel or group seats named accounts (`seat_accounts`), and only the
//! account holding a seat signs that seat's sheet (`seat_of`, `not_a_member`).

use crate::entity::user;
use jiuzhu_core::{Actor, DomainError, FieldError, Permission, RegionCode, Role, permission::role_has};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use uuid::Uuid;

/// Who holds a seat, as the accounts table says: the name its sheets show.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeatHolder {
    pub user_id: Uuid,
    pub display_name: String,
}

/// Checks the accounts named for the seats of a panel or group working on a
/// record in `region`, each given with the request field that names it:
/// each is a distinct active user account whose role signs sheets
/// (`sheet:sign`) and whose region contains `region`. Answers the holders
/// in the order given.
pub async fn seat_accounts(
    conn: &impl ConnectionTrait,
    seats: &[(String, Uuid)],
    region: &RegionCode,
) -> Result<Vec<SeatHolder>, DomainError> {
    let user_ids: Vec<Uuid> = seats.iter().map(|(_, id)| *id).collect();
    let found = user::Entity::find().filter(user::Column::Id.is_in(user_ids.clone())).all(conn).await?;
    let mut errors = Vec::new();
    let mut holders = Vec::new();
    for (i, (at, id)) in seats.iter().enumerate() {
        let at = at.clone();
        let account = found.iter().find(|u| u.id == *id && u.active);
        let role = account.and_then(|u| u.role.parse::<Role>().ok());
        let works_at = account.and_then(|u| RegionCode::parse(&u.region_code).ok());
        match (account, role, works_at) {
            _ if user_ids[..i].contains(id) => errors.push(FieldError::new(at, "seat_duplicate", "one seat per account")),
            (Some(account), Some(role), Some(works_at)) => {
                if !role_has(role, Permission::SheetSign) {
                    errors.push(FieldError::new(at, "cannot_sign", format!("the role {} does not sign score sheets", role.code())));
                } else if !region.is_within(&works_at) {
                    errors.push(FieldError::new(at, "outside_region", "the account works outside the record's region"));
                } else {
                    holders.push(SeatHolder { user_id: account.id, display_name: account.display_name.clone() });
                }
            }
            _ => errors.push(FieldError::new(at, "account_unknown", "no active user account has this id")),
        }
    }
    if errors.is_empty() { Ok(holders) } else { Err(DomainError::Validation(errors)) }
}

/// A sheet is signed by its member: the index of the seat the caller's own
/// account holds among `seats` (each the account seated, if any).
pub fn seat_of(actor: &Actor, seats: impl IntoIterator<Item = Option<Uuid>>) -> Result<usize, DomainError> {
    let caller = actor.subject.parse::<Uuid>().ok();
    seats.into_iter().position(|seat| seat.is_some() && seat == caller).ok_or_else(|| {
        DomainError::rule("not_a_member", "only a seated member signs a sheet, under their own account; yours holds no seat here")
    })
}

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

    fn actor(subject: &str) -> Actor {
        Actor {
            subject: subject.into(),
            role: Role::ReviewMember,
            region: RegionCode::parse("640202").unwrap(),
            department: None,
            provider_id: None,
        }
    }

    #[test]
    fn a_sheet_is_signed_by_its_member() {
        let (a, b) = (Uuid::from_u128(1), Uuid::from_u128(2));
        assert_eq!(seat_of(&actor(&b.to_string()), [Some(a), None, Some(b)]).unwrap(), 2);
        match seat_of(&actor(&Uuid::from_u128(3).to_string()), [Some(a), Some(b)]).unwrap_err() {
            DomainError::Rule { code, .. } => assert_eq!(code, "not_a_member"),
            other => panic!("{other:?}"),
        }
        assert!(seat_of(&actor("not-a-uuid"), [None]).is_err(), "an unseated name is nobody's seat");
    }

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
