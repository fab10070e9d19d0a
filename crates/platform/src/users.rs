//! Staff users: creating accounts and the bootstrap administrator that the
//! first start creates when the users table is empty.

use crate::entity::user;
use crate::password;
use jiuzhu_core::{Clock, DomainError, RegionCode, Role, id::new_id};
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, Set};

pub const ADMIN_USERNAME: &str = "admin";

/// What a new account needs; the caller has already checked permission.
pub struct NewUser<'a> {
    pub username: &'a str,
    pub display_name: &'a str,
    pub role: Role,
    pub region_code: &'a RegionCode,
    pub department: Option<&'a str>,
    pub password: &'a str,
}

pub async fn insert(conn: &impl ConnectionTrait, clock: &dyn Clock, new: NewUser<'_>) -> Result<user::Model, DomainError> {
    let now = clock.now();
    let model = user::ActiveModel {
        id: Set(new_id()),
        username: Set(new.username.to_string()),
        display_name: Set(new.display_name.to_string()),
        role: Set(new.role.code().to_string()),
        region_code: Set(new.region_code.to_string()),
        department: Set(new.department.map(str::to_string)),
        provider_id: Set(None),
        phone: Set(None),
        password_hash: Set(password::hash(new.password)?),
        active: Set(true),
        security_stamp: Set(0),
        version: Set(1),
        created_at: Set(now),
        updated_at: Set(now),
    };
    Ok(model.insert(conn).await?)
}

pub async fn find_by_username(conn: &impl ConnectionTrait, username: &str) -> Result<Option<user::Model>, DomainError> {
    Ok(user::Entity::find().filter(user::Column::Username.eq(username)).one(conn).await?)
}

/// What the bootstrap did, so the caller can print a generated password once.
#[derive(Debug, PartialEq, Eq)]
pub enum Bootstrap {
    /// Users already existed; nothing was created.
    AlreadyInitialised,
    /// `admin` was created with the configured password.
    CreatedWithConfiguredPassword,
    /// `admin` was created with this generated password, to be shown once.
    CreatedWithGeneratedPassword(String),
}

/// Creates `admin` (role `city_admin`, at the deployment's root region)
/// when no user exists.
pub async fn bootstrap_admin(
    conn: &impl ConnectionTrait,
    clock: &dyn Clock,
    root: &RegionCode,
    configured_password: Option<&str>,
) -> Result<Bootstrap, DomainError> {
    if user::Entity::find().count(conn).await? > 0 {
        return Ok(Bootstrap::AlreadyInitialised);
    }
    let generated = configured_password.is_none().then(|| password::generate(20));
    let password = configured_password.or(generated.as_deref()).unwrap_or_default();
    insert(
        conn,
        clock,
        NewUser {
            username: ADMIN_USERNAME,
            display_name: "系统管理员",
            role: Role::CityAdmin,
            region_code: root,
            department: None,
            password,
        },
    )
    .await?;
    Ok(match generated {
        Some(password) => Bootstrap::CreatedWithGeneratedPassword(password),
        None => Bootstrap::CreatedWithConfiguredPassword,
    })
}

/// Checks a username and password; inactive accounts never match.
pub async fn authenticate(conn: &impl ConnectionTrait, username: &str, candidate: &str) -> Result<Option<user::Model>, DomainError> {
    let found = find_by_username(conn, username).await?;
    let right = password::check_off_workers(candidate, found.as_ref().map(|u| u.password_hash.as_str())).await?;
    Ok(found.filter(|u| u.active && right))
}
