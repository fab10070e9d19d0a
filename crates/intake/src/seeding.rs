//! Generated people and households written straight into intake's tables,
//! for the synthetic seeder: each person is built by the registration rules
//! (`beneficiaries::registration`), rows go in set-wise in the caller's
//! transaction, and the seeder audits the dataset once instead of each row.

use crate::entity::{beneficiary, household};
use crate::households::Relationship;
use jiuzhu_core::DomainError;
use jiuzhu_platform::bulk::insert_all;
use sea_orm::ConnectionTrait;
use uuid::Uuid;

/// A person as registered, before it is written.
pub type Person = beneficiary::Model;

/// A household as founded, before it is written.
pub type Household = household::Model;

/// Makes `head` and `partner` one household (with id `id`) at the head's
/// address: the head as its head, the partner as spouse.
pub fn pair_into_household(head: &mut Person, partner: &mut Person, id: Uuid) -> Household {
    let home = Household {
        id,
        region_code: head.region_code.clone(),
        address: head.address.clone(),
        head_beneficiary_id: head.id,
        version: 1,
        created_at: head.created_at,
        updated_at: head.created_at,
    };
    head.household_id = Some(id);
    head.household_relationship = Some(Relationship::Head.code().into());
    partner.household_id = Some(id);
    partner.household_relationship = Some(Relationship::Spouse.code().into());
    partner.address = head.address.clone();
    home
}

/// Writes the people, then the households they belong to.
pub async fn load(conn: &impl ConnectionTrait, people: Vec<Person>, households: Vec<Household>) -> Result<(), DomainError> {
    insert_all::<beneficiary::ActiveModel, _>(conn, people).await?;
    insert_all::<household::ActiveModel, _>(conn, households).await
}
