//! API clients: machine accounts for department systems and data-exchange
//! jobs. The secret is shown once at creation and stored as an argon2 hash.

use crate::concurrency::expect_version;
use crate::db::Db;
use crate::entity::api_client;
use crate::paging::keyset;
use crate::record::{Change, authorize, record};
use crate::scope::InScope;
use crate::{password, regions};
use chrono::{DateTime, Utc};
use jiuzhu_core::{Context, DomainError, Page, PageRequest, Permission, RegionCode, Role, id::new_id};
use rand::Rng;
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect, Set};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;
use validator::Validate;

jiuzhu_core::coded_enum! {
    /// The roles a client may hold.
    pub enum ClientRole as "client_role" {
        Department = "department", "成员单位系统", "Department system";
        DataExchange = "data_exchange", "数据交换作业", "Data-exchange job";
    }
}

impl From<ClientRole> for Role {
    fn from(role: ClientRole) -> Self {
        match role {
            ClientRole::Department => Role::Department,
            ClientRole::DataExchange => Role::DataExchange,
        }
    }
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"name": "市教育局学生资助系统", "role": "department", "department": "education", "region_code": "640200"}))]
pub struct CreateClient {
    #[validate(length(min = 1, max = 100))]
    #[schema(min_length = 1, max_length = 100)]
    pub name: String,
    pub role: ClientRole,
    /// Required for `department` clients.
    pub department: Option<String>,
    /// The region whose records the client may see.
    pub region_code: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(example = json!({"id": "0192f4a4-7d7e-7c3a-9a53-6f1f3c0b9a11", "client_id": "jz-4f1c2a9be0d3c871", "name": "市教育局学生资助系统", "role": "department", "department": "education", "region_code": "640200", "active": true, "version": 1, "created_at": "2025-03-01T08:00:00Z"}))]
pub struct ClientView {
    pub id: Uuid,
    /// Use with `client_secret` in the `client_credentials` grant.
    pub client_id: String,
    pub name: String,
    pub role: ClientRole,
    pub department: Option<String>,
    pub region_code: String,
    pub active: bool,
    pub version: i64,
    pub created_at: DateTime<Utc>,
}

/// The creation answer: the only time the secret is shown.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(example = json!({"client": {"id": "0192f4a4-7d7e-7c3a-9a53-6f1f3c0b9a11", "client_id": "jz-4f1c2a9be0d3c871", "name": "市教育局学生资助系统", "role": "department", "department": "education", "region_code": "640200", "active": true, "version": 1, "created_at": "2025-03-01T08:00:00Z"}, "client_secret": "k2V9…"}))]
pub struct ClientCreated {
    pub client: ClientView,
    /// Shown once; only its hash is stored.
    pub client_secret: String,
}

impl TryFrom<api_client::Model> for ClientView {
    type Error = DomainError;

    fn try_from(m: api_client::Model) -> Result<Self, DomainError> {
        Ok(Self {
            id: m.id,
            client_id: m.client_id,
            name: m.name,
            role: jiuzhu_core::codes::parse_code(&m.role)?,
            department: m.department,
            region_code: m.region_code,
            active: m.active,
            version: m.version,
            created_at: m.created_at,
        })
    }
}

pub async fn create(db: &Db, ctx: &Context, input: CreateClient) -> Result<ClientCreated, DomainError> {
    authorize(db, ctx, Permission::ClientManage).await?;
    let region = RegionCode::parse_field(&input.region_code, "region_code")?;
    if !ctx.actor.covers(&region) {
        return Err(DomainError::field("region_code", "region_outside_scope", format!("{region} is outside your region")));
    }
    let txn = db.begin_write().await?;
    regions::require_active(&*txn, &region, "region_code").await?;
    match (input.role, input.department.as_deref()) {
        (ClientRole::Department, None) => {
            return Err(DomainError::field("department", "required", "a department client needs a department code"));
        }
        (ClientRole::Department, Some(code)) => crate::departments::ensure_exists(&*txn, code, "department").await?,
        (ClientRole::DataExchange, Some(_)) => {
            return Err(DomainError::field("department", "not_applicable", "only department clients have a department"));
        }
        (ClientRole::DataExchange, None) => {}
    }
    let mut rng = rand::rng();
    let client_id = format!("jz-{:016x}", rng.random::<u64>());
    let secret = password::generate(40);
    let model = api_client::ActiveModel {
        id: Set(new_id()),
        client_id: Set(client_id),
        name: Set(input.name),
        role: Set(Role::from(input.role).code().to_string()),
        region_code: Set(region.to_string()),
        department: Set(input.department),
        secret_hash: Set(password::hash_off_workers(&secret).await?),
        active: Set(true),
        security_stamp: Set(0),
        version: Set(1),
        created_at: Set(ctx.now),
        updated_at: Set(ctx.now),
    }
    .insert(&*txn)
    .await?;
    let data = serde_json::json!({"client_id": model.client_id, "role": model.role});
    let change = Change::published("client.created", "api_client", model.id, &model.region_code, data);
    record(&*txn, ctx, change).await?;
    txn.commit().await?;
    Ok(ClientCreated { client: model.try_into()?, client_secret: secret })
}

pub async fn list(db: &Db, ctx: &Context, page: PageRequest) -> Result<Page<ClientView>, DomainError> {
    authorize(db, ctx, Permission::ClientManage).await?;
    let query = api_client::Entity::find().in_scope(&ctx.actor);
    let rows = keyset::<_, Uuid>(query, api_client::Column::Id, &page)?.all(db.conn()).await?;
    page.into_page(rows, |r| r.id.to_string()).try_map(ClientView::try_from)
}

async fn in_scope(conn: &impl ConnectionTrait, ctx: &Context, id: Uuid) -> Result<api_client::Model, DomainError> {
    api_client::Entity::find_by_id(id).in_scope(&ctx.actor).lock_exclusive().one(conn).await?.ok_or(DomainError::NotFound)
}

pub async fn get(db: &Db, ctx: &Context, id: Uuid) -> Result<ClientView, DomainError> {
    authorize(db, ctx, Permission::ClientManage).await?;
    in_scope(db.conn(), ctx, id).await?.try_into()
}

pub async fn deactivate(db: &Db, ctx: &Context, id: Uuid, if_match: Option<i64>) -> Result<ClientView, DomainError> {
    authorize(db, ctx, Permission::ClientManage).await?;
    let txn = db.begin_write().await?;
    let current = in_scope(&*txn, ctx, id).await?;
    expect_version(if_match, current.version)?;
    if !current.active {
        return Err(DomainError::conflict("already_inactive", "the client is already inactive"));
    }
    let mut model: api_client::ActiveModel = current.clone().into();
    model.active = Set(false);
    model.security_stamp = crate::accounts::raised(current.security_stamp);
    model.version = Set(current.version + 1);
    model.updated_at = Set(ctx.now);
    let updated = model.update(&*txn).await?;
    let data = serde_json::json!({"client_id": updated.client_id});
    let change = Change::published("client.deactivated", "api_client", updated.id, &updated.region_code, data);
    record(&*txn, ctx, change).await?;
    txn.commit().await?;
    updated.try_into()
}

/// Checks client credentials; inactive clients never match.
pub async fn authenticate(conn: &impl ConnectionTrait, client_id: &str, secret: &str) -> Result<Option<api_client::Model>, DomainError> {
    let found = api_client::Entity::find().filter(api_client::Column::ClientId.eq(client_id)).one(conn).await?;
    let right = password::check_off_workers(secret, found.as_ref().map(|c| c.secret_hash.as_str())).await?;
    Ok(found.filter(|c| c.active && right))
}
