//! Use cases of `/users`: create, list, count, get (with reveal), patch and
//! deactivate staff accounts. An account is created or managed only at a
//! role whose every permission the manager holds (`permission::can_grant`),
//! in a region of the manager's subtree, linked to a department or provider
//! that exists and (for a provider) is registered in that subtree.

use crate::audit::{Entry, Outcome, Who};
use crate::concurrency::expect_version;
use crate::db::Db;
use crate::entity::user;
use crate::paging::keyset;
use crate::record::{Change, audit_alone, authorize, record};
use crate::scope::{InScope, under};
use crate::{accounts, password, regions};
use chrono::{DateTime, Utc};
use jiuzhu_core::mask::Pii;
use jiuzhu_core::patch::nullable;
use jiuzhu_core::permission::{can_grant, permissions_of};
use jiuzhu_core::{Context, DomainError, Page, PageRequest, Permission, Phone, RegionCode, Role, id::new_id};
use sea_orm::sea_query::LikeExpr;
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QuerySelect, Select, Set};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;
use validator::Validate;

pub const MIN_PASSWORD_LEN: u64 = 10;

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"username": "wang.li", "display_name": "王丽", "role": "village_worker", "region_code": "640202001001", "phone": "13912345678", "password": "change-me-2024"}))]
pub struct CreateUser {
    /// Letters, digits, `.`, `_` and `-`; unique.
    #[validate(length(min = 3, max = 64), custom(function = "plain_username"))]
    #[schema(min_length = 3, max_length = 64, pattern = "^[A-Za-z0-9._-]{3,64}$")]
    pub username: String,
    #[validate(length(min = 1, max = 100))]
    #[schema(min_length = 1, max_length = 100)]
    pub display_name: String,
    pub role: Role,
    /// Where the account works; must exist and lie in the caller's region.
    pub region_code: String,
    /// Required for the `department` role: a code from `GET /departments`.
    pub department: Option<String>,
    /// Required for the `provider` role.
    pub provider_id: Option<Uuid>,
    pub phone: Option<String>,
    #[validate(length(min = 10, max = 256))]
    #[schema(min_length = 10, max_length = 256)]
    pub password: String,
}

fn plain_username(value: &str) -> Result<(), validator::ValidationError> {
    if value.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-')) {
        Ok(())
    } else {
        Err(validator::ValidationError::new("username_characters").with_message("use letters, digits, '.', '_' and '-' only".into()))
    }
}

/// A merge patch (RFC 7396) of an account; absent fields stay as they are.
/// `username`, `region_code`, `active` and `version` cannot be patched.
#[derive(Debug, Default, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"display_name": "王丽（社区）", "phone": null}))]
pub struct PatchUser {
    #[validate(length(min = 1, max = 100))]
    #[schema(min_length = 1, max_length = 100)]
    pub display_name: Option<String>,
    pub role: Option<Role>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub department: Option<Option<String>>,
    /// `null` removes the phone.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub phone: Option<Option<String>>,
    #[validate(length(min = 10, max = 256))]
    #[schema(min_length = 10, max_length = 256)]
    pub password: Option<String>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(example = json!({"id": "0192f4a4-7d7e-7c3a-9a53-6f1f3c0b9a11", "username": "wang.li", "display_name": "王丽", "role": "village_worker", "region_code": "640202001001", "department": null, "provider_id": null, "phone": "139****5678", "active": true, "version": 1, "created_at": "2025-03-01T08:00:00Z", "updated_at": "2025-03-01T08:00:00Z"}))]
pub struct UserView {
    pub id: Uuid,
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub region_code: String,
    pub department: Option<String>,
    pub provider_id: Option<Uuid>,
    /// Masked (`139****5678`) unless revealed with `pii:reveal`.
    pub phone: Option<String>,
    pub active: bool,
    /// Send it back as `If-Match` to update.
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl UserView {
    pub fn from_model(m: user::Model, pii: Pii) -> Result<Self, DomainError> {
        Ok(Self {
            id: m.id,
            username: m.username,
            display_name: m.display_name,
            role: jiuzhu_core::codes::parse_code(&m.role)?,
            region_code: m.region_code,
            department: m.department,
            provider_id: m.provider_id,
            phone: m.phone.as_deref().map(|p| pii.stored_phone(p)),
            active: m.active,
            version: m.version,
            created_at: m.created_at,
            updated_at: m.updated_at,
        })
    }
}

/// Filters of the list and the count.
#[derive(Debug, Default, Clone)]
pub struct UserFilter {
    pub region_code: Option<String>,
    pub role: Option<Role>,
    pub active: Option<bool>,
    pub username_prefix: Option<String>,
    pub updated_since: Option<DateTime<Utc>>,
}

/// Escapes `%`, `_` and `\` for a LIKE prefix.
fn like_prefix(prefix: &str) -> String {
    let escaped: String = prefix.chars().flat_map(|c| if matches!(c, '%' | '_' | '\\') { vec!['\\', c] } else { vec![c] }).collect();
    format!("{escaped}%")
}

/// A provider an account is to be linked to, as the provider registry found it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProviderLink {
    pub id: Uuid,
    /// Where the provider is registered.
    pub region_code: String,
}

/// The actor may hand out this role at this region.
fn check_grant(ctx: &Context, role: Role, region: &RegionCode) -> Result<(), DomainError> {
    let actor = &ctx.actor;
    if !actor.covers(region) {
        return Err(DomainError::field("region_code", "region_outside_scope", format!("{region} is outside your region {}", actor.region)));
    }
    if !can_grant(actor.role, role) {
        let lacking: Vec<&str> = permissions_of(role).into_iter().filter(|p| !actor.can(*p)).map(Permission::code).collect();
        let why = if lacking.is_empty() { "it is your own role".to_string() } else { format!("you lack {}", lacking.join(", ")) };
        return Err(DomainError::field(
            "role",
            "role_above_grantor",
            format!("the role {} cannot grant the role {}: {why}", actor.role.code(), role.code()),
        ));
    }
    Ok(())
}

/// The actor may manage this existing account (else it is out of scope: 404).
fn manageable(ctx: &Context, target: &user::Model) -> Result<(), DomainError> {
    let region = RegionCode::parse(&target.region_code).map_err(DomainError::Internal)?;
    if !ctx.actor.covers(&region) {
        return Err(DomainError::NotFound);
    }
    let role: Role = target.role.parse().map_err(DomainError::Internal)?;
    if !can_grant(ctx.actor.role, role) {
        return Err(DomainError::rule(
            "role_above_grantor",
            format!("the role {} cannot manage accounts of the role {}", ctx.actor.role.code(), role.code()),
        ));
    }
    Ok(())
}

async fn existing_region(conn: &impl ConnectionTrait, code: &str, field: &str) -> Result<RegionCode, DomainError> {
    let region = RegionCode::parse_field(code, field)?;
    regions::require_active(conn, &region, field).await?;
    Ok(region)
}

async fn check_role_links(
    conn: &impl ConnectionTrait,
    ctx: &Context,
    role: Role,
    department: Option<&str>,
    provider: LinkedProvider<'_>,
) -> Result<(), DomainError> {
    match (role, department) {
        (Role::Department, None) => {
            return Err(DomainError::field("department", "required", "the department role needs a department code"));
        }
        (Role::Department, Some(code)) => crate::departments::ensure_exists(conn, code, "department").await?,
        (_, Some(_)) => return Err(DomainError::field("department", "not_applicable", "only the department role has a department")),
        _ => {}
    }
    match (role, provider) {
        (Role::Provider, LinkedProvider::Absent) => {
            Err(DomainError::field("provider_id", "required", "the provider role needs a provider_id"))
        }
        (Role::Provider, LinkedProvider::Unknown(id)) => {
            Err(DomainError::field("provider_id", "provider_unknown", format!("no provider {id} is registered")))
        }
        (Role::Provider, LinkedProvider::Registered(link)) => {
            if ctx.actor.covers_code(&link.region_code) {
                Ok(())
            } else {
                Err(DomainError::field("provider_id", "provider_outside_scope", "the provider is registered outside your region"))
            }
        }
        (Role::Provider, LinkedProvider::Kept) | (_, LinkedProvider::Absent) => Ok(()),
        (_, _) => Err(DomainError::field("provider_id", "not_applicable", "only the provider role has a provider_id")),
    }
}

/// The provider an account is linked to.
#[derive(Clone, Copy)]
enum LinkedProvider<'a> {
    /// None is named.
    Absent,
    /// The named provider is not registered.
    Unknown(Uuid),
    /// The named provider, as the registry found it.
    Registered(&'a ProviderLink),
    /// The account's provider, checked when it was linked.
    Kept,
}

impl<'a> LinkedProvider<'a> {
    /// What `named` is, given what the registry found of it.
    fn of(named: Option<Uuid>, found: Option<&'a ProviderLink>) -> Self {
        match (named, found) {
            (None, _) => Self::Absent,
            (Some(id), Some(link)) if link.id == id => Self::Registered(link),
            (Some(id), _) => Self::Unknown(id),
        }
    }
}

fn event_data(m: &user::Model) -> serde_json::Value {
    serde_json::json!({"username": m.username, "role": m.role, "active": m.active, "version": m.version})
}

/// Creates an account; `provider` is what the provider registry found of
/// `input.provider_id` (`None` when it found nothing or none was named).
pub async fn create(db: &Db, ctx: &Context, input: CreateUser, provider: Option<ProviderLink>) -> Result<UserView, DomainError> {
    authorize(db, ctx, Permission::UserWrite).await?;
    let phone = input.phone.as_deref().map(|p| Phone::parse_field(p, "phone")).transpose()?;
    let txn = db.begin_write().await?;
    let region = existing_region(&*txn, &input.region_code, "region_code").await?;
    check_grant(ctx, input.role, &region)?;
    let linked = LinkedProvider::of(input.provider_id, provider.as_ref());
    check_role_links(&*txn, ctx, input.role, input.department.as_deref(), linked).await?;
    if let Some(existing) = crate::users::find_by_username(&*txn, &input.username).await? {
        let visible = ctx.actor.covers_code(&existing.region_code);
        return Err(DomainError::Conflict {
            code: "username_taken",
            message: format!("username {} is taken", input.username),
            existing_id: visible.then(|| existing.id.to_string()),
        });
    }
    let model = user::ActiveModel {
        id: Set(new_id()),
        username: Set(input.username),
        display_name: Set(input.display_name),
        role: Set(input.role.code().to_string()),
        region_code: Set(region.to_string()),
        department: Set(input.department),
        provider_id: Set(input.provider_id),
        phone: Set(phone.map(String::from)),
        password_hash: Set(password::hash_off_workers(&input.password).await?),
        active: Set(true),
        security_stamp: Set(0),
        version: Set(1),
        created_at: Set(ctx.now),
        updated_at: Set(ctx.now),
    }
    .insert(&*txn)
    .await?;
    let change = Change::published("user.created", "user", model.id, &model.region_code, event_data(&model))
        .with_detail(serde_json::json!({"role": model.role}));
    record(&*txn, ctx, change).await?;
    txn.commit().await?;
    UserView::from_model(model, Pii::Masked)
}

fn filtered(ctx: &Context, filter: &UserFilter) -> Select<user::Entity> {
    let mut query = user::Entity::find().in_scope(&ctx.actor);
    if let Some(region) = &filter.region_code {
        // validate_filter has refused a bad code; one here matches nothing.
        query = match RegionCode::parse(region) {
            Ok(region) => query.filter(under::<user::Entity>(&region)),
            Err(_) => query.filter(user::Column::Id.is_null()),
        };
    }
    if let Some(role) = filter.role {
        query = query.filter(user::Column::Role.eq(role.code()));
    }
    if let Some(active) = filter.active {
        query = query.filter(user::Column::Active.eq(active));
    }
    if let Some(prefix) = &filter.username_prefix {
        query = query.filter(user::Column::Username.like(LikeExpr::new(like_prefix(prefix)).escape('\\')));
    }
    if let Some(since) = filter.updated_since {
        query = query.filter(user::Column::UpdatedAt.gte(since));
    }
    query
}

pub fn validate_filter(filter: &UserFilter) -> Result<(), DomainError> {
    if let Some(region) = &filter.region_code {
        RegionCode::parse_field(region, "region_code")?;
    }
    Ok(())
}

pub async fn list(db: &Db, ctx: &Context, filter: UserFilter, page: PageRequest) -> Result<Page<UserView>, DomainError> {
    authorize(db, ctx, Permission::UserRead).await?;
    validate_filter(&filter)?;
    let query = filtered(ctx, &filter);
    let rows = keyset::<_, Uuid>(query, user::Column::Id, &page)?.all(db.conn()).await?;
    page.into_page(rows, |r| r.id.to_string()).try_map(|m| UserView::from_model(m, Pii::Masked))
}

pub async fn count(db: &Db, ctx: &Context, filter: UserFilter) -> Result<u64, DomainError> {
    authorize(db, ctx, Permission::UserRead).await?;
    validate_filter(&filter)?;
    Ok(filtered(ctx, &filter).count(db.conn()).await?)
}

/// One account in scope; `reveal` needs `pii:reveal` and is audited.
pub async fn get(db: &Db, ctx: &Context, id: Uuid, reveal: bool) -> Result<UserView, DomainError> {
    authorize(db, ctx, Permission::UserRead).await?;
    let found = user::Entity::find_by_id(id).in_scope(&ctx.actor).one(db.conn()).await?;
    let model = found.ok_or(DomainError::NotFound)?;
    if !reveal {
        return UserView::from_model(model, Pii::Masked);
    }
    authorize(db, ctx, Permission::PiiReveal).await?;
    let entry = Entry {
        action: "pii.revealed".into(),
        entity_type: "user".into(),
        entity_id: Some(model.id.to_string()),
        region_code: model.region_code.clone(),
        outcome: Outcome::Success,
        detail: serde_json::json!({"fields": ["phone"]}),
    };
    audit_alone(db, &Who::from(ctx), entry).await?;
    UserView::from_model(model, Pii::Revealed)
}

async fn locked_in_scope(conn: &impl ConnectionTrait, ctx: &Context, id: Uuid) -> Result<user::Model, DomainError> {
    let found = user::Entity::find_by_id(id).in_scope(&ctx.actor).lock_exclusive().one(conn).await?;
    let model = found.ok_or(DomainError::NotFound)?;
    manageable(ctx, &model)?;
    Ok(model)
}

pub async fn patch(db: &Db, ctx: &Context, id: Uuid, if_match: Option<i64>, input: PatchUser) -> Result<UserView, DomainError> {
    authorize(db, ctx, Permission::UserWrite).await?;
    let phone = match &input.phone {
        Some(Some(p)) => Some(Some(String::from(Phone::parse_field(p, "phone")?))),
        Some(None) => Some(None),
        None => None,
    };
    let txn = db.begin_write().await?;
    let current = locked_in_scope(&*txn, ctx, id).await?;
    let role = match input.role {
        Some(role) => role,
        None => current.role.parse().map_err(DomainError::Internal)?,
    };
    let region = RegionCode::parse(&current.region_code).map_err(DomainError::Internal)?;
    check_grant(ctx, role, &region)?;
    let department = input.department.clone().unwrap_or(current.department.clone());
    let kept = if current.provider_id.is_some() { LinkedProvider::Kept } else { LinkedProvider::Absent };
    check_role_links(&*txn, ctx, role, department.as_deref(), kept).await?;
    let mut changed: Vec<&str> = Vec::new();
    let mut model: user::ActiveModel = current.clone().into();
    if let Some(name) = input.display_name {
        model.display_name = Set(name);
        changed.push("display_name");
    }
    if input.role.is_some() {
        model.role = Set(role.code().to_string());
        changed.push("role");
    }
    if input.department.is_some() {
        model.department = Set(department);
        changed.push("department");
    }
    if let Some(phone) = phone {
        model.phone = Set(phone);
        changed.push("phone");
    }
    if let Some(new_password) = input.password {
        model.password_hash = Set(password::hash_off_workers(&new_password).await?);
        changed.push("password");
    }
    // A new role, department or password ends the account's sessions.
    if changed.iter().any(|field| matches!(*field, "role" | "department" | "password")) {
        model.security_stamp = accounts::raised(current.security_stamp);
    }
    // The version is judged once the request is otherwise valid (RFC 9110 13.2.1).
    expect_version(if_match, current.version)?;
    model.version = Set(current.version + 1);
    model.updated_at = Set(ctx.now);
    let updated = model.update(&*txn).await?;
    let change = Change::published("user.updated", "user", updated.id, &updated.region_code, event_data(&updated))
        .with_detail(serde_json::json!({"fields": changed}));
    record(&*txn, ctx, change).await?;
    txn.commit().await?;
    UserView::from_model(updated, Pii::Masked)
}

pub async fn deactivate(db: &Db, ctx: &Context, id: Uuid, if_match: Option<i64>) -> Result<UserView, DomainError> {
    authorize(db, ctx, Permission::UserWrite).await?;
    let txn = db.begin_write().await?;
    let current = locked_in_scope(&*txn, ctx, id).await?;
    expect_version(if_match, current.version)?;
    if current.id.to_string() == ctx.actor.subject {
        return Err(DomainError::rule("cannot_deactivate_self", "you cannot deactivate your own account"));
    }
    if !current.active {
        return Err(DomainError::conflict("already_inactive", "the account is already inactive"));
    }
    let mut model: user::ActiveModel = current.clone().into();
    model.active = Set(false);
    model.security_stamp = accounts::raised(current.security_stamp);
    model.version = Set(current.version + 1);
    model.updated_at = Set(ctx.now);
    let updated = model.update(&*txn).await?;
    let change = Change::published("user.deactivated", "user", updated.id, &updated.region_code, event_data(&updated));
    record(&*txn, ctx, change).await?;
    txn.commit().await?;
    UserView::from_model(updated, Pii::Masked)
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiuzhu_core::Actor;

    fn ctx(role: Role, region: &str) -> Context {
        Context {
            actor: Actor { subject: "me".into(), role, region: RegionCode::parse(region).unwrap(), department: None, provider_id: None },
            request_id: "r".into(),
            now: chrono::DateTime::from_timestamp(0, 0).unwrap(),
        }
    }

    #[test]
    fn county_officers_grant_lower_roles_in_their_county_only() {
        let county = ctx(Role::CountyOfficer, "640202");
        let village = RegionCode::parse("640202001001").unwrap();
        assert!(check_grant(&county, Role::VillageWorker, &village).is_ok());
        assert!(check_grant(&county, Role::CountyOfficer, &village).is_err(), "not their own rank");
        assert!(check_grant(&county, Role::CityAdmin, &village).is_err());
        assert!(check_grant(&county, Role::VillageWorker, &RegionCode::parse("640205100").unwrap()).is_err(), "another county");
    }

    #[test]
    fn city_admins_grant_anything_in_the_city() {
        let city = ctx(Role::CityAdmin, "640200");
        assert!(check_grant(&city, Role::CityAdmin, &RegionCode::parse("640200").unwrap()).is_ok());
        assert!(check_grant(&city, Role::Auditor, &RegionCode::parse("640300").unwrap()).is_err());
    }

    #[test]
    fn like_prefix_escapes_wildcards() {
        assert_eq!(like_prefix("a_b%"), "a\\_b\\%%");
    }
}
