//! Assessments: scoring a person on the 10 indicators, deriving explained
//! needs, and putting them on the service needs list. An assessment is
//! immutable; a newer one supersedes it and withdraws its still-open needs.

use crate::entity::{assessment, need};
use crate::models::current_spec;
use crate::needs::NeedStatus;
use crate::rules::{self, Coverage, Degree, DerivedNeed, DimensionScore, ExcludedNeed, INDICATORS, Levels};
use chrono::{DateTime, Months, NaiveDate, Utc};
use jiuzhu_core::codes::{code_of, parse_code};
use jiuzhu_core::stored_json::{from_column, to_column};
use jiuzhu_core::{Context, DomainError, FieldError, Page, PageRequest, Permission, catalogue, id::new_id};
use jiuzhu_intake::beneficiaries::{self, BeneficiaryView, Category, MaterialKind, SupportMode};
use jiuzhu_platform::Db;
use jiuzhu_platform::paging::keyset;
use jiuzhu_platform::record::{Change, authorize, record};
use jiuzhu_platform::scope::InScope;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QuerySelect, Set};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;
use validator::Validate;

#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Score {
    /// One of the ten indicator codes.
    pub indicator: String,
    /// 0 none, 1 mild, 2 moderate, 3 severe.
    #[schema(maximum = 3)]
    pub level: u8,
    /// Required from level 2.
    #[serde(default)]
    pub evidence: String,
}

#[derive(Debug, Clone, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"beneficiary_id": "0192f4a4-7d7e-7c3a-9a53-6f1f3c0b9a11", "assessed_on": "2025-03-05", "scores": [
    {"indicator": "income", "level": 1}, {"indicator": "housing", "level": 1}, {"indicator": "illness", "level": 1},
    {"indicator": "disability", "level": 2, "evidence": "残疾证二级（肢体）"}, {"indicator": "education", "level": 0},
    {"indicator": "employment", "level": 0}, {"indicator": "social_security", "level": 0}, {"indicator": "social_participation", "level": 1},
    {"indicator": "children_youth", "level": 0}, {"indicator": "family_structure", "level": 2, "evidence": "独居，子女在外地"}], "notes": "入户评估"}))]
pub struct CreateAssessment {
    pub beneficiary_id: Uuid,
    pub assessed_on: NaiveDate,
    /// All ten indicators, each once.
    pub scores: Vec<Score>,
    #[validate(length(max = 4000))]
    #[schema(max_length = 4000)]
    #[serde(default)]
    pub notes: String,
}

/// The computed part of an assessment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[schema(as = AssessmentOutcome)]
pub struct Outcome {
    pub dimension_scores: Vec<DimensionScoreView>,
    /// Indicators at level 2 or more.
    pub hardship_types: Vec<String>,
    pub needs: Vec<DerivedNeed>,
    /// Needs the rules derived but material assistance already covers.
    pub excluded: Vec<ExcludedNeed>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct DimensionScoreView {
    pub dimension: String,
    pub score: u32,
    pub max_level: u8,
}

impl From<DimensionScore> for DimensionScoreView {
    fn from(d: DimensionScore) -> Self {
        Self { dimension: d.dimension, score: d.score, max_level: d.max_level }
    }
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AssessmentView {
    pub id: Uuid,
    pub beneficiary_id: Uuid,
    pub region_code: String,
    pub model_version: i32,
    pub assessed_on: NaiveDate,
    /// Who assessed (from the token).
    pub assessor: String,
    pub scores: Vec<Score>,
    pub notes: String,
    /// The weighted mean level × 100 (0–300).
    pub weighted_score: i32,
    pub degree: Degree,
    #[serde(flatten)]
    pub outcome: Outcome,
    pub reassess_by: NaiveDate,
    pub supersedes: Option<Uuid>,
    pub superseded_by: Option<Uuid>,
    pub created_at: DateTime<Utc>,
}

fn view(m: assessment::Model) -> Result<AssessmentView, DomainError> {
    Ok(AssessmentView {
        id: m.id,
        beneficiary_id: m.beneficiary_id,
        region_code: m.region_code,
        model_version: m.model_version,
        assessed_on: m.assessed_on,
        assessor: m.assessor,
        scores: from_column("assessments.scores", &m.scores)?,
        notes: m.notes,
        weighted_score: m.weighted_score,
        degree: parse_code(&m.degree)?,
        outcome: from_column("assessments.result", &m.result)?,
        reassess_by: m.reassess_by,
        supersedes: m.supersedes,
        superseded_by: m.superseded_by,
        created_at: m.created_at,
    })
}

/// All ten indicators once each, levels 0–3, evidence from level 2.
pub fn check_scores(scores: &[Score]) -> Result<Levels, DomainError> {
    let mut errors = Vec::new();
    let mut levels = Levels::new();
    for (i, score) in scores.iter().enumerate() {
        let at = |f: &str| format!("scores[{i}].{f}");
        if !INDICATORS.contains(&score.indicator.as_str()) {
            errors.push(FieldError::new(
                at("indicator"),
                "indicator_unknown",
                format!("{} is not one of the ten indicators", score.indicator),
            ));
            continue;
        }
        if levels.contains_key(&score.indicator) {
            errors.push(FieldError::new(at("indicator"), "indicator_duplicate", format!("{} is scored twice", score.indicator)));
        }
        if score.level > 3 {
            errors.push(FieldError::new(at("level"), "range", format!("{}: level is 0 to 3", score.indicator)));
        } else if score.level >= 2 && score.evidence.trim().is_empty() {
            errors.push(FieldError::new(at("evidence"), "required", format!("{}: evidence is required from level 2", score.indicator)));
        }
        levels.insert(score.indicator.clone(), score.level);
    }
    for missing in INDICATORS.iter().filter(|i| !levels.contains_key(**i)) {
        errors.push(FieldError::new("scores", "indicator_missing", format!("the indicator {missing} is not scored")));
    }
    if errors.is_empty() { Ok(levels) } else { Err(DomainError::Validation(errors)) }
}

/// What the person already receives, in the exclusions' terms.
pub fn coverage_of(person: &BeneficiaryView, on: NaiveDate) -> Coverage {
    let mut coverage: Coverage = person
        .categories
        .iter()
        .filter(|c| c.category == Category::ExtremePoverty && c.support_mode == Some(SupportMode::Centralized))
        .filter(|c| c.valid_from <= on && c.valid_to.is_none_or(|to| on <= to))
        .map(|_| "support:centralized".to_string())
        .collect();
    coverage.extend(person.material_assistance.iter().map(|m| format!("material:{}", code_of::<MaterialKind>(m.kind))));
    coverage
}

/// An assessment and the needs it finds, computed in memory.
pub struct Assessed {
    pub assessment: assessment::Model,
    pub needs: Vec<need::Model>,
    pub excluded: usize,
}

/// Scores a person under the model in force (`model_version`, `model`):
/// the degree, hardship types, the needs with their reasons and the
/// reassessment date. Pure: `create` stores the result, and the synthetic
/// data generator uses it so generated needs follow the real rules.
pub fn assess(
    ctx: &Context,
    person: &BeneficiaryView,
    model_version: i32,
    model: &rules::ModelSpec,
    levels: &Levels,
    input: CreateAssessment,
) -> Result<Assessed, DomainError> {
    let degree = rules::degree(model, levels);
    let (needs, excluded) = rules::derive_needs(model, levels, &person.groups, &coverage_of(person, input.assessed_on));
    let outcome = Outcome {
        dimension_scores: rules::dimension_scores(model, levels).into_iter().map(DimensionScoreView::from).collect(),
        hardship_types: rules::hardship_types(model, levels),
        needs,
        excluded,
    };
    let months = if degree == Degree::Severe { model.reassess_months.severe } else { model.reassess_months.other };
    let reassess_by = input.assessed_on.checked_add_months(Months::new(months)).unwrap_or(input.assessed_on);
    let id = new_id();
    let assessment = assessment::Model {
        id,
        beneficiary_id: person.id,
        region_code: person.region_code.clone(),
        model_version,
        assessed_on: input.assessed_on,
        assessor: ctx.actor.subject.clone(),
        scores: to_column(&input.scores)?,
        notes: input.notes,
        result: to_column(&outcome)?,
        weighted_score: rules::weighted_score(model, levels) as i32,
        degree: code_of(degree),
        reassess_by,
        supersedes: None,
        superseded_by: None,
        created_at: ctx.now,
    };
    let group_codes = format!(",{},", person.groups.join(","));
    let needs = outcome
        .needs
        .iter()
        .map(|n| need::Model {
            id: new_id(),
            assessment_id: id,
            beneficiary_id: person.id,
            region_code: person.region_code.clone(),
            service_code: n.service_code.clone(),
            category: catalogue::find(&n.service_code).map(|e| e.2.to_string()).unwrap_or_default(),
            priority: code_of(n.priority),
            degree: code_of(degree),
            group_codes: group_codes.clone(),
            rule_id: n.because.rule_id.clone(),
            indicator: n.because.indicator.clone(),
            level: i16::from(n.because.level),
            status: "open".into(),
            version: 1,
            created_at: ctx.now,
            updated_at: ctx.now,
        })
        .collect();
    Ok(Assessed { assessment, needs, excluded: outcome.excluded.len() })
}

pub async fn create(db: &Db, ctx: &Context, input: CreateAssessment) -> Result<AssessmentView, DomainError> {
    authorize(db, ctx, Permission::AssessmentWrite).await?;
    let levels = check_scores(&input.scores)?;
    if input.assessed_on > ctx.now.date_naive() {
        return Err(DomainError::field("assessed_on", "in_future", "an assessment is recorded after it happened"));
    }
    let txn = db.begin_write().await?;
    let person = beneficiaries::find_in_scope(&*txn, ctx, input.beneficiary_id)
        .await
        .map_err(|_| DomainError::field("beneficiary_id", "beneficiary_unknown", "no such person in your region"))?;
    let person_view = BeneficiaryView::from_model(person, jiuzhu_core::mask::Pii::Masked, input.assessed_on)?;
    let (model_version, model) = current_spec(&*txn).await?;
    let Assessed { mut assessment, needs, excluded } = assess(ctx, &person_view, model_version, &model, &levels, input)?;
    let previous = assessment::Entity::find()
        .filter(assessment::Column::BeneficiaryId.eq(person_view.id))
        .filter(assessment::Column::SupersededBy.is_null())
        .lock_exclusive()
        .one(&*txn)
        .await?;
    assessment.supersedes = previous.as_ref().map(|p| p.id);
    let id = assessment.id;
    let stored = assessment::ActiveModel::from(assessment).reset_all().insert(&*txn).await?;
    if let Some(previous) = previous {
        let mut old: assessment::ActiveModel = previous.into();
        old.superseded_by = Set(Some(id));
        old.update(&*txn).await?;
        let open: Vec<Uuid> = need::Entity::find()
            .select_only()
            .column(need::Column::Id)
            .filter(need::Column::BeneficiaryId.eq(person_view.id))
            .filter(need::Column::Status.eq(code_of(NeedStatus::Open)))
            .into_tuple()
            .all(&*txn)
            .await?;
        for need_id in open {
            crate::needs::move_status(&*txn, ctx, need_id, NeedStatus::Withdrawn, serde_json::json!({"superseded_by_assessment_id": id}))
                .await?;
        }
    }
    let found = needs.len();
    let by_service: Vec<(String, Uuid)> = needs.iter().map(|n| (n.service_code.clone(), n.id)).collect();
    jiuzhu_platform::bulk::insert_all::<need::ActiveModel, _>(&*txn, needs).await?;
    let resolved = jiuzhu_intake::applications::resolve_items_by_assessment(&*txn, person_view.id, id, &by_service, ctx.now).await?;
    let data = serde_json::json!({"beneficiary_id": person_view.id, "degree": stored.degree, "needs": found, "excluded": excluded, "resolved_items": resolved});
    record(&*txn, ctx, Change::published("assessment.completed", "assessment", id, &stored.region_code, data)).await?;
    txn.commit().await?;
    view(stored)
}

pub async fn get(db: &Db, ctx: &Context, id: Uuid) -> Result<AssessmentView, DomainError> {
    authorize(db, ctx, Permission::AssessmentRead).await?;
    let row = assessment::Entity::find_by_id(id).in_scope(&ctx.actor).one(db.conn()).await?;
    view(row.ok_or(DomainError::NotFound)?)
}

/// A person's assessments, a page at a time in the asked order.
pub async fn for_person(db: &Db, ctx: &Context, beneficiary_id: Uuid, page: PageRequest) -> Result<Page<AssessmentView>, DomainError> {
    authorize(db, ctx, Permission::AssessmentRead).await?;
    beneficiaries::find_in_scope(db.conn(), ctx, beneficiary_id).await?;
    let query = assessment::Entity::find().filter(assessment::Column::BeneficiaryId.eq(beneficiary_id));
    let rows = jiuzhu_platform::paging::keyset::<_, Uuid>(query, assessment::Column::Id, &page)?.all(db.conn()).await?;
    let page = page.into_page(rows, |r| r.id.to_string());
    page.try_map(view)
}

/// Current assessments whose reassessment falls before `due_before`.
pub async fn due(db: &Db, ctx: &Context, due_before: NaiveDate, page: PageRequest) -> Result<Page<AssessmentView>, DomainError> {
    authorize(db, ctx, Permission::AssessmentRead).await?;
    let query = assessment::Entity::find()
        .in_scope(&ctx.actor)
        .filter(assessment::Column::SupersededBy.is_null())
        .filter(assessment::Column::ReassessBy.lt(due_before));
    let rows = keyset::<_, Uuid>(query, assessment::Column::Id, &page)?.all(db.conn()).await?;
    let page = page.into_page(rows, |r| r.id.to_string());
    page.try_map(view)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all_zero() -> Vec<Score> {
        INDICATORS.iter().map(|i| Score { indicator: i.to_string(), level: 0, evidence: String::new() }).collect()
    }

    fn codes(err: DomainError) -> Vec<(String, String)> {
        match err {
            DomainError::Validation(f) => f.into_iter().map(|f| (f.field, f.code)).collect(),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn all_ten_indicators_are_needed_and_named() {
        assert!(check_scores(&all_zero()).is_ok());
        let mut missing = all_zero();
        missing.remove(3);
        let errors = codes(check_scores(&missing).unwrap_err());
        assert_eq!(errors, [("scores".to_string(), "indicator_missing".to_string())]);
        let mut unknown = all_zero();
        unknown[0].indicator = "luck".into();
        let errors = codes(check_scores(&unknown).unwrap_err());
        assert_eq!(errors[0], ("scores[0].indicator".to_string(), "indicator_unknown".to_string()));
    }

    #[test]
    fn levels_are_bounded_and_evidence_is_required_from_two() {
        let mut scores = all_zero();
        scores[0].level = 4;
        scores[1].level = 2;
        let errors = codes(check_scores(&scores).unwrap_err());
        assert_eq!(
            errors,
            [("scores[0].level".to_string(), "range".to_string()), ("scores[1].evidence".to_string(), "required".to_string())]
        );
    }
}
