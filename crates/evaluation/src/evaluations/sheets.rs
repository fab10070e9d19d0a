//! Score sheets and the report: each member (or the third party's signer)
//! signs a complete sheet under their own account; once all have, the
//! report is written with the total and grade computed from the means.

use super::{EvaluationStatus, EvaluationView, Report, caller_seat, locked, scorers, view};
use crate::entity::{evaluation, score_sheet};
use crate::rules::{self, Grade};
use crate::schemes;
use jiuzhu_core::codes::{code_of, parse_code};
use jiuzhu_core::stored_json::{from_column, to_column};
use jiuzhu_core::{Context, DomainError, Permission, id::new_id};
use jiuzhu_platform::Db;
use jiuzhu_platform::concurrency::expect_version;
use jiuzhu_platform::record::{Change, authorize, record};
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use utoipa::ToSchema;
use uuid::Uuid;
use validator::Validate;

#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct IndicatorScore {
    /// A leaf indicator of the scheme (`code` or `parent.sub`).
    pub indicator: String,
    pub score: u32,
    #[serde(default)]
    pub comment: String,
}

#[derive(Debug, Clone, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"scores": [{"indicator": "administration", "score": 85, "comment": "制度健全"}]}))]
pub struct ScoreInput {
    pub scores: Vec<IndicatorScore>,
}

/// Stores the caller's own complete sheet, as a member of the group (or the
/// third party's signer): every leaf indicator once, 0–100.
pub async fn score(db: &Db, ctx: &Context, id: Uuid, input: ScoreInput) -> Result<EvaluationView, DomainError> {
    authorize(db, ctx, Permission::SheetSign).await?;
    let txn = db.begin_write().await?;
    let current = locked(&*txn, ctx, id).await?;
    let member = caller_seat(ctx, &current)?;
    let status: EvaluationStatus = parse_code(&current.status)?;
    if !matches!(status, EvaluationStatus::Planned | EvaluationStatus::Scoring) {
        return Err(DomainError::invalid_transition("evaluation", &current.status, "take more score sheets"));
    }
    let scheme = schemes::load(&*txn, current.scheme_id).await?;
    let leaves: Vec<String> = rules::leaves(&scheme.spec).into_iter().map(|(leaf, _)| leaf).collect();
    rules::check_sheet(&leaves, input.scores.iter().map(|s| (s.indicator.as_str(), s.score)))?;
    if score_sheet::Entity::find()
        .filter(score_sheet::Column::EvaluationId.eq(id))
        .filter(score_sheet::Column::Member.eq(member.as_str()))
        .one(&*txn)
        .await?
        .is_some()
    {
        return Err(DomainError::conflict("score_exists", "this member has scored already"));
    }
    score_sheet::ActiveModel {
        id: Set(new_id()),
        evaluation_id: Set(id),
        member: Set(member.clone()),
        sheet: Set(to_column(&input.scores)?),
        created_at: Set(ctx.now),
    }
    .insert(&*txn)
    .await?;
    let mut model: evaluation::ActiveModel = current.clone().into();
    model.status = Set(code_of(EvaluationStatus::Scoring));
    model.version = Set(current.version + 1);
    model.updated_at = Set(ctx.now);
    let updated = model.update(&*txn).await?;
    let change =
        Change::audited("evaluation.scored", "evaluation", id, &updated.region_code).with_detail(serde_json::json!({"member": member}));
    record(&*txn, ctx, change).await?;
    txn.commit().await?;
    view(updated)
}

pub(super) async fn sheets(conn: &impl ConnectionTrait, id: Uuid) -> Result<Vec<(String, BTreeMap<String, u32>)>, DomainError> {
    let rows = score_sheet::Entity::find().filter(score_sheet::Column::EvaluationId.eq(id)).all(conn).await?;
    rows.into_iter()
        .map(|r| {
            let scores: Vec<IndicatorScore> = from_column("evaluation_scores.sheet", &r.sheet)?;
            Ok((r.member, scores.into_iter().map(|s| (s.indicator, s.score)).collect()))
        })
        .collect()
}

/// Writes the report once every member has scored; computes total and grade.
pub async fn report(db: &Db, ctx: &Context, id: Uuid, if_match: Option<i64>, mut input: Report) -> Result<EvaluationView, DomainError> {
    authorize(db, ctx, Permission::EvaluationManage).await?;
    let sections = [
        ("overview", input.overview.as_str()),
        ("organisation", input.organisation.as_str()),
        ("target_achievement", input.target_achievement.as_str()),
        ("problems_and_causes", input.problems_and_causes.as_str()),
        ("conclusion", input.conclusion.as_str()),
        ("recommendations", input.recommendations.as_str()),
    ];
    rules::check_report_sections(&sections)?;
    let txn = db.begin_write().await?;
    let current = locked(&*txn, ctx, id).await?;
    expect_version(if_match, current.version)?;
    if parse_code::<EvaluationStatus>(&current.status)? != EvaluationStatus::Scoring {
        return Err(DomainError::invalid_transition("evaluation", &current.status, "be reported"));
    }
    let all = sheets(&*txn, id).await?;
    let scored: Vec<&String> = all.iter().map(|(m, _)| m).collect();
    let waiting: Vec<String> = scorers(&current)?.into_iter().map(|(name, _)| name).filter(|name| !scored.contains(&name)).collect();
    if !waiting.is_empty() {
        return Err(DomainError::rule("scores_incomplete", format!("still to score: {}", waiting.join(", "))));
    }
    let scheme = schemes::load(&*txn, current.scheme_id).await?;
    let means = rules::means(&all.into_iter().map(|(_, s)| s).collect::<Vec<_>>());
    let total = rules::weighted_total(&scheme.spec, &means);
    let grade = rules::grade(&scheme.spec, total);
    input.indicators_and_methods = scheme
        .spec
        .groups
        .iter()
        .map(|g| {
            format!(
                "{}（{}）：{}",
                g.name_zh,
                g.weight_bp,
                g.indicators.iter().map(|i| format!("{} {}", i.name_zh, i.weight_bp)).collect::<Vec<_>>().join("、")
            )
        })
        .collect::<Vec<_>>()
        .join("；");
    let mut model: evaluation::ActiveModel = current.clone().into();
    model.status = Set(code_of(EvaluationStatus::Reported));
    model.total_hundredths = Set(Some(total as i32));
    model.grade = Set(Some(code_of(grade)));
    model.report = Set(Some(to_column(&input)?));
    model.reported_by = Set(Some(ctx.actor.subject.clone()));
    model.version = Set(current.version + 1);
    model.updated_at = Set(ctx.now);
    let updated = model.update(&*txn).await?;
    let data = serde_json::json!({"total": f64::from(total) / 100.0, "grade": code_of(grade), "stage": updated.stage, "continue_project": !(grade == Grade::Fail && updated.stage == "final")});
    record(&*txn, ctx, Change::published("evaluation.reported", "evaluation", id, &updated.region_code, data)).await?;
    txn.commit().await?;
    view(updated)
}
