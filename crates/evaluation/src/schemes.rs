//! Indicator schemes: the default of Annex 3 (seeded at start-up) and
//! custom schemes, validated whole.

use crate::entity::scheme;
use crate::rules::{SchemeSpec, default_scheme, validate_scheme};
use chrono::{DateTime, Utc};
use jiuzhu_core::{Context, DomainError, Permission, id::new_id};
use jiuzhu_platform::Db;
use jiuzhu_platform::record::{Change, authorize, record};
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;
use validator::Validate;

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SchemeView {
    pub id: Uuid,
    pub name: String,
    pub is_default: bool,
    #[serde(flatten)]
    #[schema(inline)]
    pub spec: SchemeSpec,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = create_scheme_example)]
pub struct CreateScheme {
    #[validate(length(min = 1, max = 200))]
    #[schema(min_length = 1, max_length = 200)]
    pub name: String,
    pub groups: Vec<crate::rules::SchemeGroup>,
    pub grades: crate::rules::GradeThresholds,
}

/// Annex 3's default scheme under a new name, as the spec's example.
fn create_scheme_example() -> serde_json::Value {
    let mut example = serde_json::to_value(crate::rules::default_scheme()).unwrap_or_default();
    example["name"] = serde_json::json!("2025年助餐项目评估方案");
    example
}

pub(crate) fn view(m: scheme::Model) -> Result<SchemeView, DomainError> {
    let spec = jiuzhu_core::stored_json::from_column("evaluation_schemes.spec", &m.spec)?;
    Ok(SchemeView { id: m.id, name: m.name, is_default: m.is_default, spec, created_at: m.created_at })
}

/// Stores the default scheme once (at start-up).
pub async fn ensure_default(db: &Db, now: DateTime<Utc>) -> Result<(), DomainError> {
    let txn = db.begin_write().await?;
    if scheme::Entity::find().filter(scheme::Column::IsDefault.eq(true)).one(&*txn).await?.is_none() {
        scheme::ActiveModel {
            id: Set(new_id()),
            name: Set("项目评估默认指标体系".into()),
            is_default: Set(true),
            spec: Set(jiuzhu_core::stored_json::to_column(&default_scheme())?),
            created_at: Set(now),
        }
        .insert(&*txn)
        .await?;
    }
    txn.commit().await?;
    Ok(())
}

pub async fn default(db: &Db, ctx: &Context) -> Result<SchemeView, DomainError> {
    authorize(db, ctx, Permission::EvaluationRead).await?;
    view(scheme::Entity::find().filter(scheme::Column::IsDefault.eq(true)).one(db.conn()).await?.ok_or(DomainError::NotFound)?)
}

pub async fn load(conn: &impl ConnectionTrait, id: Uuid) -> Result<SchemeView, DomainError> {
    view(scheme::Entity::find_by_id(id).one(conn).await?.ok_or(DomainError::NotFound)?)
}

pub async fn get(db: &Db, ctx: &Context, id: Uuid) -> Result<SchemeView, DomainError> {
    authorize(db, ctx, Permission::EvaluationRead).await?;
    load(db.conn(), id).await
}

pub async fn create(db: &Db, ctx: &Context, input: CreateScheme) -> Result<SchemeView, DomainError> {
    authorize(db, ctx, Permission::EvaluationManage).await?;
    let spec = SchemeSpec { groups: input.groups, grades: input.grades };
    validate_scheme(&spec)?;
    let txn = db.begin_write().await?;
    let model = scheme::ActiveModel {
        id: Set(new_id()),
        name: Set(input.name),
        is_default: Set(false),
        spec: Set(jiuzhu_core::stored_json::to_column(&spec)?),
        created_at: Set(ctx.now),
    }
    .insert(&*txn)
    .await?;
    let change = Change::audited("evaluation_scheme.created", "evaluation_scheme", model.id, ctx.actor.region.as_str());
    record(&*txn, ctx, change).await?;
    txn.commit().await?;
    view(model)
}
