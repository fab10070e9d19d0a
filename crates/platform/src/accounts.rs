//! The account behind a token, as it is now: a request acts with the
//! account's current role, region, department and provider, and only while
//! the account exists, is active and its security stamp is the one the token
//! was issued under. Changes that must end sessions raise the stamp.

use crate::entity::{api_client, user};
use jiuzhu_core::{Actor, DomainError, RegionCode, Role};
use sea_orm::{ActiveValue, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use uuid::Uuid;

jiuzhu_core::coded_enum! {
    /// Who holds an account: a person or another system.
    pub enum AccountKind as "account_kind" {
        User = "user", "工作人员账号", "Staff account";
        ApiClient = "api_client", "系统接入账号", "API client";
    }
}

/// An active account and the stamp its tokens must carry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    pub actor: Actor,
    pub security_stamp: i64,
    pub kind: AccountKind,
}

impl Session {
    pub(crate) fn of_user(user: &user::Model) -> Result<Self, DomainError> {
        let role: Role = user.role.parse().map_err(DomainError::Internal)?;
        let region = RegionCode::parse(&user.region_code).map_err(DomainError::Internal)?;
        let actor =
            Actor { subject: user.id.to_string(), role, region, department: user.department.clone(), provider_id: user.provider_id };
        Ok(Self { actor, security_stamp: user.security_stamp, kind: AccountKind::User })
    }

    pub(crate) fn of_client(client: &api_client::Model) -> Result<Self, DomainError> {
        let role: Role = client.role.parse().map_err(DomainError::Internal)?;
        let region = RegionCode::parse(&client.region_code).map_err(DomainError::Internal)?;
        let actor = Actor { subject: client.id.to_string(), role, region, department: client.department.clone(), provider_id: None };
        Ok(Self { actor, security_stamp: client.security_stamp, kind: AccountKind::ApiClient })
    }
}

/// The active account a token's subject (a user or API client id) names;
/// `None` when there is none or it is inactive.
pub async fn by_subject(conn: &impl ConnectionTrait, subject: &str) -> Result<Option<Session>, DomainError> {
    let Ok(id) = subject.parse::<Uuid>() else { return Ok(None) };
    if let Some(found) = user::Entity::find_by_id(id).one(conn).await? {
        return found.active.then(|| Session::of_user(&found)).transpose();
    }
    match api_client::Entity::find_by_id(id).one(conn).await? {
        Some(found) if found.active => Session::of_client(&found).map(Some),
        _ => Ok(None),
    }
}

/// The name people know an account by: a user's display name or a client's
/// name; `None` when the subject names neither.
pub async fn display_name(conn: &impl ConnectionTrait, subject: &str) -> Result<Option<String>, DomainError> {
    let Ok(id) = subject.parse::<Uuid>() else { return Ok(None) };
    if let Some(found) = user::Entity::find_by_id(id).one(conn).await? {
        return Ok(Some(found.display_name));
    }
    Ok(api_client::Entity::find_by_id(id).one(conn).await?.map(|client| client.name))
}

/// The active staff account an external identity provider's token names by
/// username; the provider authenticates, jiuzhu's account decides the rights.
pub async fn by_username(conn: &impl ConnectionTrait, username: &str) -> Result<Option<Session>, DomainError> {
    let found = user::Entity::find().filter(user::Column::Username.eq(username)).filter(user::Column::Active.eq(true)).one(conn).await?;
    found.as_ref().map(Session::of_user).transpose()
}

/// The stamp after a change that ends every session of the account.
pub fn raised(stamp: i64) -> ActiveValue<i64> {
    ActiveValue::Set(stamp.saturating_add(1))
}
