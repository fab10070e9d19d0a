//! Appeals: the evaluated provider appeals within `appeal_days` of the
//! report's delivery; an officer at the purchaser's level outside the group
//! decides once, and an upheld appeal may revise the scores.

use super::sheets::sheets;
use super::{locked, scoped};
use crate::entity::{appeal, evaluation};
use crate::rules::{self, Member};
use crate::schemes;
use chrono::{DateTime, Duration, Utc};
use jiuzhu_core::codes::{code_of, parse_code};
use jiuzhu_core::stored_json::{from_column, to_column};
use jiuzhu_core::{Context, DomainError, Permission, Role, id::new_id};
use jiuzhu_platform::Db;
use jiuzhu_platform::record::{Change, authorize, record};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QuerySelect, Set};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use utoipa::ToSchema;
use uuid::Uuid;
use validator::Validate;

/// One appeal, for whoever may read its evaluation (the provider that filed it included).
pub async fn get_appeal(db: &Db, ctx: &Context, id: Uuid) -> Result<AppealView, DomainError> {
    authorize(db, ctx, Permission::EvaluationRead).await?;
    let found = appeal::Entity::find_by_id(id).one(db.conn()).await?.ok_or(DomainError::NotFound)?;
    scoped(ctx).filter(evaluation::Column::Id.eq(found.evaluation_id)).one(db.conn()).await?.ok_or(DomainError::NotFound)?;
    appeal_view(found)
}

#[derive(Debug, Clone, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"grounds": "满意度调查样本过少", "evidence": "回访记录128份"}))]
pub struct AppealInput {
    #[validate(length(min = 1, max = 8000))]
    #[schema(min_length = 1, max_length = 8000)]
    pub grounds: String,
    #[validate(length(max = 8000))]
    #[schema(max_length = 8000)]
    #[serde(default)]
    pub evidence: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AppealView {
    pub id: Uuid,
    pub evaluation_id: Uuid,
    pub grounds: String,
    pub evidence: String,
    pub status: AppealStatus,
    pub reasoning: Option<String>,
    pub decided_by: Option<String>,
    pub created_at: DateTime<Utc>,
    pub decided_at: Option<DateTime<Utc>>,
}

fn appeal_view(m: appeal::Model) -> Result<AppealView, DomainError> {
    Ok(AppealView {
        id: m.id,
        evaluation_id: m.evaluation_id,
        grounds: m.grounds,
        evidence: m.evidence,
        status: parse_code(&m.status)?,
        reasoning: m.reasoning,
        decided_by: m.decided_by,
        created_at: m.created_at,
        decided_at: m.decided_at,
    })
}

/// The evaluated provider appeals within `appeal_days` (15 by default) of the report's delivery.
pub async fn appeal(db: &Db, ctx: &Context, id: Uuid, input: AppealInput, appeal_days: i64) -> Result<AppealView, DomainError> {
    if ctx.actor.role != Role::Provider {
        return Err(DomainError::Forbidden { permission: "the evaluated provider's account".into() });
    }
    let txn = db.begin_write().await?;
    let current = scoped(ctx).filter(evaluation::Column::Id.eq(id)).lock_exclusive().one(&*txn).await?.ok_or(DomainError::NotFound)?;
    let delivered = current
        .approved_at
        .ok_or_else(|| DomainError::conflict("report_not_delivered", "appeals follow the delivery of an approved report"))?;
    if ctx.now > delivered + Duration::days(appeal_days) {
        return Err(DomainError::rule("appeal_too_late", format!("appeals are made within {appeal_days} days of delivery")));
    }
    let earlier = appeal::Entity::find().filter(appeal::Column::EvaluationId.eq(id)).all(&*txn).await?;
    if earlier.iter().any(|a| a.status == AppealStatus::Open.code()) {
        return Err(DomainError::conflict("appeal_open", "an appeal is already open"));
    }
    if earlier.iter().any(|a| a.status != AppealStatus::Open.code()) {
        return Err(DomainError::conflict("appeal_already_decided", "the review of an appeal is final"));
    }
    let model = appeal::ActiveModel {
        id: Set(new_id()),
        evaluation_id: Set(id),
        grounds: Set(input.grounds),
        evidence: Set(input.evidence),
        status: Set(code_of(AppealStatus::Open)),
        reasoning: Set(None),
        decided_by: Set(None),
        created_at: Set(ctx.now),
        decided_at: Set(None),
    }
    .insert(&*txn)
    .await?;
    let mut change = Change::published("appeal.filed", "appeal", model.id, &current.region_code, serde_json::json!({"evaluation_id": id}));
    if let Some(event) = change.event.as_mut() {
        event.provider_id = Some(current.provider_id);
    }
    record(&*txn, ctx, change).await?;
    txn.commit().await?;
    appeal_view(model)
}

jiuzhu_core::coded_enum! {
    pub enum AppealOutcome as "appeal_outcome" {
        Upheld = "upheld", "申诉成立", "Upheld";
        Rejected = "rejected", "申诉驳回", "Rejected";
    }
}

jiuzhu_core::coded_enum! {
    /// Where an appeal stands: open until decided, then its outcome.
    pub enum AppealStatus as "appeal_status" {
        Open = "open", "待复核", "Open";
        Upheld = "upheld", "申诉成立", "Upheld";
        Rejected = "rejected", "申诉驳回", "Rejected";
    }
}

impl From<AppealOutcome> for AppealStatus {
    fn from(outcome: AppealOutcome) -> Self {
        match outcome {
            AppealOutcome::Upheld => AppealStatus::Upheld,
            AppealOutcome::Rejected => AppealStatus::Rejected,
        }
    }
}

#[derive(Debug, Clone, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"outcome": "upheld", "revised_scores": {"satisfaction": 88}, "reasoning": "补充样本后满意度应调整"}))]
pub struct DecideInput {
    pub outcome: AppealOutcome,
    /// Leaf indicator → revised mean score (0–100), for an upheld appeal.
    #[serde(default)]
    pub revised_scores: BTreeMap<String, u32>,
    #[validate(length(min = 1, max = 8000))]
    #[schema(min_length = 1, max_length = 8000)]
    pub reasoning: String,
}

/// A civil-affairs officer at the purchaser's level who was not in the group
/// decides; the decision is final. Upheld with revised scores recomputes
/// the total and grade and keeps the old figures in the history.
pub async fn decide(db: &Db, ctx: &Context, appeal_id: Uuid, input: DecideInput) -> Result<AppealView, DomainError> {
    authorize(db, ctx, Permission::EvaluationManage).await?;
    if !matches!(ctx.actor.role, Role::CityAdmin | Role::CountyOfficer) {
        return Err(DomainError::Forbidden { permission: "evaluation:manage (a civil-affairs officer)".into() });
    }
    let txn = db.begin_write().await?;
    let found = appeal::Entity::find_by_id(appeal_id).lock_exclusive().one(&*txn).await?.ok_or(DomainError::NotFound)?;
    let current = locked(&*txn, ctx, found.evaluation_id).await?;
    if found.status != AppealStatus::Open.code() {
        return Err(DomainError::conflict("appeal_already_decided", "the review of an appeal is final"));
    }
    if current.region_code != ctx.actor.region.as_str() {
        return Err(DomainError::rule("decider_level", "the appeal is decided at the purchaser's own level"));
    }
    let members: Vec<Member> = from_column("evaluations.members", &current.members)?;
    if members.iter().any(|m| m.user_id.map(|u| u.to_string()) == Some(ctx.actor.subject.clone())) {
        return Err(DomainError::rule("decider_in_group", "a member of the evaluation group cannot decide its appeal"));
    }
    let mut evaluation_model: evaluation::ActiveModel = current.clone().into();
    if input.outcome == AppealOutcome::Upheld && !input.revised_scores.is_empty() {
        let scheme = schemes::load(&*txn, current.scheme_id).await?;
        let mut means = rules::means(&sheets(&*txn, current.id).await?.into_iter().map(|(_, s)| s).collect::<Vec<_>>());
        rules::revise_means(&mut means, &input.revised_scores)?;
        let total = rules::weighted_total(&scheme.spec, &means);
        let mut history: Vec<serde_json::Value> = from_column("evaluations.history", &current.history)?;
        history.push(serde_json::json!({"replaced_at": ctx.now, "total_hundredths": current.total_hundredths, "grade": current.grade, "appeal_id": appeal_id}));
        evaluation_model.total_hundredths = Set(Some(total as i32));
        evaluation_model.grade = Set(Some(code_of(rules::grade(&scheme.spec, total))));
        evaluation_model.history = Set(to_column(&history)?);
    }
    evaluation_model.version = Set(current.version + 1);
    evaluation_model.updated_at = Set(ctx.now);
    let updated = evaluation_model.update(&*txn).await?;
    let mut model: appeal::ActiveModel = found.into();
    model.status = Set(code_of(AppealStatus::from(input.outcome)));
    model.reasoning = Set(Some(input.reasoning));
    model.decided_by = Set(Some(ctx.actor.subject.clone()));
    model.decided_at = Set(Some(ctx.now));
    let decided = model.update(&*txn).await?;
    let mut change = Change::published(
        "appeal.decided",
        "appeal",
        decided.id,
        &updated.region_code,
        serde_json::json!({"outcome": decided.status, "grade": updated.grade}),
    );
    if let Some(event) = change.event.as_mut() {
        event.provider_id = Some(updated.provider_id);
    }
    record(&*txn, ctx, change).await?;
    txn.commit().await?;
    appeal_view(decided)
}
