//! Households (家庭): members and their relationship to the head. A person
//! belongs to at most one household.

use crate::entity::{beneficiary, household};
use chrono::{DateTime, Utc};
use jiuzhu_core::codes::{code_of, parse_code};
use jiuzhu_core::{Context, DomainError, FieldError, Page, PageRequest, Permission, RegionCode, id::new_id};
use jiuzhu_platform::Db;
use jiuzhu_platform::concurrency::expect_version;
use jiuzhu_platform::paging::keyset;
use jiuzhu_platform::record::{Change, authorize, record};
use jiuzhu_platform::scope::{InScope, under};
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;
use validator::Validate;

jiuzhu_core::coded_enum! {
    pub enum Relationship as "relationship" {
        Head = "head", "户主", "Head";
        Spouse = "spouse", "配偶", "Spouse";
        Child = "child", "子女", "Child";
        Parent = "parent", "父母", "Parent";
        Grandchild = "grandchild", "孙子女", "Grandchild";
        Grandparent = "grandparent", "祖父母", "Grandparent";
        Sibling = "sibling", "兄弟姐妹", "Sibling";
        Other = "other", "其他", "Other";
    }
}

#[derive(Debug, Clone, Deserialize, Serialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"beneficiary_id": "0192f4a4-7d7e-7c3a-9a53-6f1f3c0b9a12", "relationship": "grandchild"}))]
pub struct MemberInput {
    pub beneficiary_id: Uuid,
    pub relationship: Relationship,
}

#[derive(Debug, Clone, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"address": "甲社区3号楼2单元101", "head_beneficiary_id": "0192f4a4-7d7e-7c3a-9a53-6f1f3c0b9a11", "members": [{"beneficiary_id": "0192f4a4-7d7e-7c3a-9a53-6f1f3c0b9a12", "relationship": "grandchild"}]}))]
pub struct CreateHousehold {
    #[validate(length(max = 200))]
    #[schema(max_length = 200)]
    #[serde(default)]
    pub address: String,
    /// The head; the household sits at the head's region.
    pub head_beneficiary_id: Uuid,
    /// Everyone else, with their relationship to the head.
    #[validate(length(max = 30))]
    #[schema(max_items = 30)]
    #[serde(default)]
    pub members: Vec<MemberInput>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MemberView {
    pub beneficiary_id: Uuid,
    pub name: String,
    pub relationship: Relationship,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct HouseholdView {
    pub id: Uuid,
    pub region_code: String,
    pub address: String,
    pub head_beneficiary_id: Uuid,
    pub members: Vec<MemberView>,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

async fn view(conn: &impl ConnectionTrait, m: household::Model) -> Result<HouseholdView, DomainError> {
    let people = beneficiary::Entity::find()
        .filter(beneficiary::Column::HouseholdId.eq(m.id))
        .order_by_asc(beneficiary::Column::Id)
        .all(conn)
        .await?;
    let mut members = Vec::new();
    for p in people {
        let relationship = relationship_of(&p)?;
        members.push(MemberView { beneficiary_id: p.id, name: p.name, relationship });
    }
    members.sort_by_key(|m| m.relationship != Relationship::Head);
    Ok(HouseholdView {
        id: m.id,
        region_code: m.region_code,
        address: m.address,
        head_beneficiary_id: m.head_beneficiary_id,
        members,
        version: m.version,
        created_at: m.created_at,
        updated_at: m.updated_at,
    })
}

/// A member's relationship to the head as stored (`other` when none is).
fn relationship_of(person: &beneficiary::Model) -> Result<Relationship, DomainError> {
    parse_code(person.household_relationship.as_deref().unwrap_or("other"))
}

/// A household as another system sees it: the row and the members in the
/// caller's region (head first), shown with `pii`.
#[derive(Debug, Clone)]
pub struct HouseholdMembers {
    pub household: household::Model,
    pub members: Vec<(crate::beneficiaries::BeneficiaryView, Relationship)>,
}

/// The households with these ids in the caller's region, each with its
/// members in that region; two queries in all. The caller has authorized.
pub async fn with_members(
    conn: &impl ConnectionTrait,
    ctx: &Context,
    ids: &[Uuid],
    pii: jiuzhu_core::mask::Pii,
) -> Result<Vec<HouseholdMembers>, DomainError> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let households = household::Entity::find().in_scope(&ctx.actor).filter(household::Column::Id.is_in(ids.to_vec())).all(conn).await?;
    let people = beneficiary::Entity::find()
        .in_scope(&ctx.actor)
        .filter(beneficiary::Column::HouseholdId.is_in(households.iter().map(|h| h.id).collect::<Vec<_>>()))
        .order_by_asc(beneficiary::Column::Id)
        .all(conn)
        .await?;
    let today = ctx.now.date_naive();
    let mut found: Vec<HouseholdMembers> =
        households.into_iter().map(|household| HouseholdMembers { household, members: Vec::new() }).collect();
    for person in people {
        let relationship = relationship_of(&person)?;
        if let Some(entry) = found.iter_mut().find(|h| Some(h.household.id) == person.household_id) {
            entry.members.push((crate::beneficiaries::BeneficiaryView::from_model(person, pii, today)?, relationship));
        }
    }
    for entry in &mut found {
        entry.members.sort_by_key(|(_, relationship)| *relationship != Relationship::Head);
    }
    Ok(found)
}

/// Puts a person in a household, or refuses when they are in one already.
async fn join(
    conn: &impl ConnectionTrait,
    ctx: &Context,
    household: Uuid,
    person: Uuid,
    relationship: Relationship,
    field: &str,
) -> Result<(), DomainError> {
    let found = beneficiary::Entity::find_by_id(person)
        .in_scope(&ctx.actor)
        .lock_exclusive()
        .one(conn)
        .await?
        .ok_or_else(|| DomainError::field(field, "beneficiary_unknown", "no such person in your region"))?;
    if let Some(existing) = found.household_id {
        return Err(DomainError::Conflict {
            code: "already_in_household",
            message: format!("{} already belongs to a household", found.name),
            existing_id: Some(existing.to_string()),
        });
    }
    let mut model: beneficiary::ActiveModel = found.clone().into();
    model.household_id = Set(Some(household));
    model.household_relationship = Set(Some(code_of(relationship)));
    model.version = Set(found.version + 1);
    model.updated_at = Set(ctx.now);
    model.update(conn).await?;
    Ok(())
}

pub async fn create(db: &Db, ctx: &Context, input: CreateHousehold) -> Result<HouseholdView, DomainError> {
    authorize(db, ctx, Permission::BeneficiaryWrite).await?;
    let mut errors = Vec::new();
    for (i, member) in input.members.iter().enumerate() {
        if member.relationship == Relationship::Head {
            errors.push(FieldError::new(format!("members[{i}].relationship"), "head_is_separate", "the head is head_beneficiary_id"));
        }
        if member.beneficiary_id == input.head_beneficiary_id
            || input.members[..i].iter().any(|m| m.beneficiary_id == member.beneficiary_id)
        {
            errors.push(FieldError::new(format!("members[{i}].beneficiary_id"), "member_duplicate", "each person appears once"));
        }
    }
    if !errors.is_empty() {
        return Err(DomainError::Validation(errors));
    }
    let txn = db.begin_write().await?;
    let head = beneficiary::Entity::find_by_id(input.head_beneficiary_id)
        .in_scope(&ctx.actor)
        .one(&*txn)
        .await?
        .ok_or_else(|| DomainError::field("head_beneficiary_id", "beneficiary_unknown", "no such person in your region"))?;
    let model = household::ActiveModel {
        id: Set(new_id()),
        region_code: Set(head.region_code.clone()),
        address: Set(if input.address.is_empty() { head.address.clone() } else { input.address }),
        head_beneficiary_id: Set(head.id),
        version: Set(1),
        created_at: Set(ctx.now),
        updated_at: Set(ctx.now),
    }
    .insert(&*txn)
    .await?;
    join(&*txn, ctx, model.id, head.id, Relationship::Head, "head_beneficiary_id").await?;
    for (i, member) in input.members.iter().enumerate() {
        join(&*txn, ctx, model.id, member.beneficiary_id, member.relationship, &format!("members[{i}].beneficiary_id")).await?;
    }
    let data = serde_json::json!({"head_beneficiary_id": head.id, "members": input.members.len() + 1});
    record(&*txn, ctx, Change::published("household.created", "household", model.id, &model.region_code, data)).await?;
    let result = view(&*txn, model).await?;
    txn.commit().await?;
    Ok(result)
}

pub async fn list(db: &Db, ctx: &Context, region_code: Option<String>, page: PageRequest) -> Result<Page<HouseholdView>, DomainError> {
    authorize(db, ctx, Permission::BeneficiaryRead).await?;
    let mut query = household::Entity::find().in_scope(&ctx.actor);
    if let Some(code) = region_code {
        let region = RegionCode::parse_field(&code, "region_code")?;
        query = query.filter(under::<household::Entity>(&region));
    }
    let rows = keyset::<_, Uuid>(query, household::Column::Id, &page)?.all(db.conn()).await?;
    let page = page.into_page(rows, |r| r.id.to_string());
    let mut items = Vec::new();
    for row in page.items {
        items.push(view(db.conn(), row).await?);
    }
    Ok(Page { items, next_cursor: page.next_cursor })
}

async fn in_scope(conn: &impl ConnectionTrait, ctx: &Context, id: Uuid, lock: bool) -> Result<household::Model, DomainError> {
    let query = household::Entity::find_by_id(id).in_scope(&ctx.actor);
    let query = if lock { query.lock_exclusive() } else { query };
    query.one(conn).await?.ok_or(DomainError::NotFound)
}

pub async fn get(db: &Db, ctx: &Context, id: Uuid) -> Result<HouseholdView, DomainError> {
    authorize(db, ctx, Permission::BeneficiaryRead).await?;
    let model = in_scope(db.conn(), ctx, id, false).await?;
    view(db.conn(), model).await
}

pub enum MembershipChange {
    Add(MemberInput),
    Remove(Uuid),
}

/// Adds or removes a member (not the head). Needs the household's version.
pub async fn change_members(
    db: &Db,
    ctx: &Context,
    id: Uuid,
    if_match: Option<i64>,
    change: MembershipChange,
) -> Result<HouseholdView, DomainError> {
    authorize(db, ctx, Permission::BeneficiaryWrite).await?;
    let txn = db.begin_write().await?;
    let current = in_scope(&*txn, ctx, id, true).await?;
    expect_version(if_match, current.version)?;
    let event_type = match change {
        MembershipChange::Add(member) => {
            if member.relationship == Relationship::Head {
                return Err(DomainError::field("relationship", "head_is_separate", "a household has one head"));
            }
            join(&*txn, ctx, id, member.beneficiary_id, member.relationship, "beneficiary_id").await?;
            "household.member_added"
        }
        MembershipChange::Remove(person) => {
            if person == current.head_beneficiary_id {
                return Err(DomainError::rule("head_cannot_leave", "the head cannot leave the household"));
            }
            let member = beneficiary::Entity::find_by_id(person)
                .filter(beneficiary::Column::HouseholdId.eq(id))
                .lock_exclusive()
                .one(&*txn)
                .await?
                .ok_or(DomainError::NotFound)?;
            let mut model: beneficiary::ActiveModel = member.clone().into();
            model.household_id = Set(None);
            model.household_relationship = Set(None);
            model.version = Set(member.version + 1);
            model.updated_at = Set(ctx.now);
            model.update(&*txn).await?;
            "household.member_removed"
        }
    };
    let mut model: household::ActiveModel = current.clone().into();
    model.version = Set(current.version + 1);
    model.updated_at = Set(ctx.now);
    let updated = model.update(&*txn).await?;
    record(
        &*txn,
        ctx,
        Change::published(event_type, "household", updated.id, &updated.region_code, serde_json::json!({"version": updated.version})),
    )
    .await?;
    let result = view(&*txn, updated).await?;
    txn.commit().await?;
    Ok(result)
}
