//! Versions of the assessment model. Version 1 is the default model; the
//! city publishes new versions, and every assessment keeps the version it
//! was made with.

use crate::entity::assessment_model;
use crate::rules::{ModelSpec, default_model, validate_model};
use chrono::{DateTime, Utc};
use jiuzhu_core::{Context, DomainError, Permission};
use jiuzhu_platform::Db;
use jiuzhu_platform::record::{Change, authorize, record};
use sea_orm::{ActiveModelTrait, ConnectionTrait, EntityTrait, QueryOrder, QuerySelect, Set};
use serde::Serialize;
use utoipa::ToSchema;

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ModelView {
    pub version: i32,
    #[serde(flatten)]
    #[schema(inline)]
    pub spec: ModelSpec,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
}

fn view(m: assessment_model::Model) -> Result<ModelView, DomainError> {
    let spec = serde_json::from_str(&m.spec).map_err(|e| DomainError::Internal(format!("stored model: {e}")))?;
    Ok(ModelView { version: m.version, spec, created_by: m.created_by, created_at: m.created_at })
}

/// Stores the default model as version 1 when no model exists (at start-up).
pub async fn ensure_default(db: &Db, now: DateTime<Utc>) -> Result<(), DomainError> {
    let txn = db.begin_write().await?;
    if assessment_model::Entity::find().one(&*txn).await?.is_none() {
        let spec = jiuzhu_core::stored_json::to_column(&default_model())?;
        assessment_model::ActiveModel { version: Set(1), spec: Set(spec), created_by: Set("system".into()), created_at: Set(now) }
            .insert(&*txn)
            .await?;
    }
    txn.commit().await?;
    Ok(())
}

/// The newest version and its model.
pub async fn current_spec(conn: &impl ConnectionTrait) -> Result<(i32, ModelSpec), DomainError> {
    let latest = assessment_model::Entity::find().order_by_desc(assessment_model::Column::Version).limit(1).one(conn).await?;
    let latest = latest.ok_or_else(|| DomainError::Internal("no assessment model is stored".into()))?;
    let view = view(latest)?;
    Ok((view.version, view.spec))
}

pub async fn current(db: &Db, ctx: &Context) -> Result<ModelView, DomainError> {
    authorize(db, ctx, Permission::AssessmentRead).await?;
    let latest = assessment_model::Entity::find().order_by_desc(assessment_model::Column::Version).limit(1).one(db.conn()).await?;
    view(latest.ok_or(DomainError::NotFound)?)
}

pub async fn get(db: &Db, ctx: &Context, version: i32) -> Result<ModelView, DomainError> {
    authorize(db, ctx, Permission::AssessmentRead).await?;
    view(assessment_model::Entity::find_by_id(version).one(db.conn()).await?.ok_or(DomainError::NotFound)?)
}

/// Publishes the next version after validating it whole.
pub async fn publish(db: &Db, ctx: &Context, spec: ModelSpec) -> Result<ModelView, DomainError> {
    authorize(db, ctx, Permission::AssessmentModelWrite).await?;
    validate_model(&spec)?;
    let txn = db.begin_write().await?;
    let latest =
        assessment_model::Entity::find().order_by_desc(assessment_model::Column::Version).limit(1).lock_exclusive().one(&*txn).await?;
    let version = latest.map(|m| m.version + 1).unwrap_or(1);
    let stored = assessment_model::ActiveModel {
        version: Set(version),
        spec: Set(jiuzhu_core::stored_json::to_column(&spec)?),
        created_by: Set(ctx.actor.subject.clone()),
        created_at: Set(ctx.now),
    }
    .insert(&*txn)
    .await?;
    let change = Change::published(
        "assessment_model.published",
        "assessment_model",
        version,
        ctx.actor.region.as_str(),
        serde_json::json!({"version": version}),
    );
    record(&*txn, ctx, change).await?;
    txn.commit().await?;
    view(stored)
}
