//! Registry search for other departments (社会救助对象信息共享): "is this
//! person on the service target list, in which category, since when, how
//! hard is their situation?", answered per ID without opening the registry.
//! Systems built to the DCI social registry API use `dci` instead; see
//! `docs/registry-search.md`.

use crate::entity::{assessment, need};
use jiuzhu_core::mask::Pii;
use jiuzhu_core::{CitizenId, Context, DomainError, FieldError, PageRequest, Permission};
use jiuzhu_intake::beneficiaries::{self, BeneficiaryFilter, BeneficiaryStatus, BeneficiaryView, Category, CategoryRecord, Group};
use jiuzhu_platform::Db;
use jiuzhu_platform::audit::{Entry, Outcome, Who};
use jiuzhu_platform::record::{audit_alone, authorize};
use sea_orm::{ColumnTrait, EntityTrait, FromQueryResult, QueryFilter, QueryOrder, QuerySelect};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use utoipa::ToSchema;
use uuid::Uuid;
use validator::Validate;

/// The most IDs one search may ask about.
pub const MAX_IDS: usize = 1000;

jiuzhu_core::coded_enum! {
    pub enum QueryType as "query_type" {
        /// Look up listed citizen ID numbers (DCI `idtype-value`).
        IdNumbers = "id_numbers", "按身份证号", "By ID numbers";
        /// Everyone in scope matching the expression, a page at a time.
        Expression = "expression", "按条件", "By expression";
    }
}

jiuzhu_core::coded_enum! {
    /// What each found record carries; all of them when `fields` is empty.
    pub enum Field as "field" {
        Name = "name", "姓名", "Name";
        RegionCode = "region_code", "所在区域", "Region";
        Categories = "categories", "救助类别", "Categories";
        Groups = "groups", "服务对象群体", "Groups";
        Assessment = "assessment", "最近评估", "Latest assessment";
        OpenNeeds = "open_needs", "待满足需求", "Open needs";
    }
}

#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Expression {
    /// A region in the caller's scope; its whole subtree matches.
    pub region_code: Option<String>,
    pub category: Option<Category>,
    pub group: Option<Group>,
}

#[derive(Debug, Clone, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"purpose": "医疗救助资助参保核对 2025-03", "query_type": "id_numbers", "ids": ["11010519491231002X", "110105194912310011"], "fields": ["categories", "assessment", "open_needs"]}))]
pub struct SearchRequest {
    /// Why the department asks; kept in the audit trail.
    #[validate(length(min = 2, max = 500))]
    #[schema(min_length = 2, max_length = 500)]
    pub purpose: String,
    pub query_type: QueryType,
    /// For `id_numbers`: 1 to 1000 citizen ID numbers.
    #[serde(default)]
    #[schema(max_items = 1000)]
    pub ids: Vec<String>,
    /// For `expression`.
    pub expression: Option<Expression>,
    #[serde(default)]
    pub fields: Vec<Field>,
    /// Full ID numbers and names; needs `pii:reveal`.
    #[serde(default)]
    pub reveal: bool,
    /// For `expression`: page size, 1 to 500 (default 50).
    pub limit: Option<u32>,
    /// For `expression`: the `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

jiuzhu_core::coded_enum! {
    pub enum ItemStatus as "item_status" {
        Found = "found", "已找到", "Found";
        /// Not listed, or listed outside the caller's area.
        NotFound = "not_found", "未找到", "Not found";
        /// Not a valid citizen ID number; `reason` says why.
        Invalid = "invalid", "号码无效", "Invalid number";
    }
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct LatestAssessment {
    pub degree: crate::rules::Degree,
    pub assessed_on: chrono::NaiveDate,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RegistryRecord {
    /// Masked unless revealed.
    pub id_number: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub region_code: Option<String>,
    /// Categories with their validity (`valid_from`, `valid_to`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub categories: Option<Vec<CategoryRecord>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub groups: Option<Vec<String>>,
    /// The current assessment; `null` when never assessed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub assessment: Option<Option<LatestAssessment>>,
    /// Needs on the list not yet matched to a service.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub open_needs: Option<u64>,
    pub status: BeneficiaryStatus,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SearchItem {
    /// The ID number as asked (for `id_numbers`), in the same order.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reference: Option<String>,
    pub status: ItemStatus,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub record: Option<RegistryRecord>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(example = json!({"query_type": "id_numbers", "asked": 2, "found": 1, "items": [
    {"reference": "11010519491231002X", "status": "found", "record": {"id_number": "110105********002X", "categories": [{"category": "extreme_poverty", "support_mode": "dispersed", "valid_from": "2024-01-01", "valid_to": null}], "assessment": {"degree": "severe", "assessed_on": "2025-03-05"}, "open_needs": 2, "status": "active"}},
    {"reference": "110105194912310011", "status": "not_found"}], "next_cursor": null}))]
pub struct SearchResponse {
    pub query_type: QueryType,
    /// Items answered in this response.
    pub asked: usize,
    pub found: usize,
    pub items: Vec<SearchItem>,
    /// For `expression`: the next page, if any.
    pub next_cursor: Option<String>,
}

/// Checks the request's shape; every problem is reported at once.
pub fn check(request: &SearchRequest) -> Result<(), DomainError> {
    let mut errors = match request.validate().map_err(DomainError::from) {
        Err(DomainError::Validation(fields)) => fields,
        _ => Vec::new(),
    };
    let mut problem = |field: &str, code: &'static str, message: &str| errors.push(FieldError::new(field, code, message));
    match request.query_type {
        QueryType::IdNumbers => {
            if request.ids.is_empty() {
                problem("ids", "required", "id_numbers searches ask about 1 to 1000 ids");
            } else if request.ids.len() > MAX_IDS {
                problem("ids", "length", "id_numbers searches ask about 1 to 1000 ids");
            }
            if request.expression.is_some() {
                problem("expression", "not_allowed", "id_numbers searches take ids, not an expression");
            }
            if request.limit.is_some() || request.cursor.is_some() {
                problem("cursor", "not_allowed", "id_numbers searches answer every id at once; paging is for expressions");
            }
        }
        QueryType::Expression => {
            if request.expression.is_none() {
                problem("expression", "required", "expression searches need an expression");
            }
            if !request.ids.is_empty() {
                problem("ids", "not_allowed", "expression searches take an expression, not ids");
            }
        }
    }
    if errors.is_empty() { Ok(()) } else { Err(DomainError::Validation(errors)) }
}

#[derive(FromQueryResult)]
struct OpenCount {
    beneficiary_id: Uuid,
    open: i64,
}

/// Latest assessment and open-needs count of each person, two queries in all.
pub(crate) async fn facts(db: &Db, people: &[Uuid]) -> Result<(HashMap<Uuid, LatestAssessment>, HashMap<Uuid, u64>), DomainError> {
    let mut latest = HashMap::new();
    let mut open = HashMap::new();
    if people.is_empty() {
        return Ok((latest, open));
    }
    let current = assessment::Entity::find()
        .filter(assessment::Column::BeneficiaryId.is_in(people.to_vec()))
        .filter(assessment::Column::SupersededBy.is_null())
        .order_by_asc(assessment::Column::AssessedOn)
        .order_by_asc(assessment::Column::CreatedAt)
        .all(db.conn())
        .await?;
    for row in current {
        latest.insert(
            row.beneficiary_id,
            LatestAssessment { degree: jiuzhu_core::codes::parse_code(&row.degree)?, assessed_on: row.assessed_on },
        );
    }
    let counts = need::Entity::find()
        .select_only()
        .column(need::Column::BeneficiaryId)
        .column_as(need::Column::Id.count(), "open")
        .filter(need::Column::BeneficiaryId.is_in(people.to_vec()))
        .filter(need::Column::Status.eq("open"))
        .group_by(need::Column::BeneficiaryId)
        .into_model::<OpenCount>()
        .all(db.conn())
        .await?;
    for row in counts {
        open.insert(row.beneficiary_id, u64::try_from(row.open).unwrap_or(0));
    }
    Ok((latest, open))
}

struct Shaper<'a> {
    fields: &'a [Field],
    pii: Pii,
    latest: HashMap<Uuid, LatestAssessment>,
    open: HashMap<Uuid, u64>,
}

impl Shaper<'_> {
    fn wants(&self, field: Field) -> bool {
        self.fields.is_empty() || self.fields.contains(&field)
    }

    fn record(&self, view: BeneficiaryView) -> RegistryRecord {
        let id = view.id;
        RegistryRecord {
            id_number: view.id_number,
            name: self.wants(Field::Name).then(|| self.pii.name(&view.name)),
            region_code: self.wants(Field::RegionCode).then_some(view.region_code),
            categories: self.wants(Field::Categories).then_some(view.categories),
            groups: self.wants(Field::Groups).then_some(view.groups),
            assessment: self.wants(Field::Assessment).then(|| self.latest.get(&id).cloned()),
            open_needs: self.wants(Field::OpenNeeds).then(|| self.open.get(&id).copied().unwrap_or(0)),
            status: view.status,
        }
    }
}

pub async fn search(db: &Db, ctx: &Context, request: SearchRequest) -> Result<SearchResponse, DomainError> {
    authorize(db, ctx, Permission::RegistrySearch).await?;
    check(&request)?;
    let pii = if request.reveal {
        authorize(db, ctx, Permission::PiiReveal).await?;
        Pii::Revealed
    } else {
        Pii::Masked
    };
    let asked: Vec<_> = request.ids.iter().map(|raw| (raw, CitizenId::parse(raw.trim()))).collect();
    let (people, next_cursor) = match request.query_type {
        QueryType::IdNumbers => {
            let valid: Vec<String> = asked.iter().filter_map(|(_, id)| id.as_ref().ok()).map(|id| id.as_str().to_string()).collect();
            (beneficiaries::by_id_numbers(db.conn(), ctx, &valid, pii).await?, None)
        }
        QueryType::Expression => {
            let expression = request.expression.clone().unwrap_or_default();
            let filter = BeneficiaryFilter {
                region_code: expression.region_code,
                category: expression.category,
                group: expression.group,
                ..BeneficiaryFilter::default()
            };
            let page = PageRequest::new(request.limit, request.cursor.as_deref())?;
            let page = beneficiaries::page_of(db.conn(), ctx, &filter, page, pii).await?;
            (page.items.into_iter().map(|view| (String::new(), view)).collect(), page.next_cursor)
        }
    };
    let person_ids: Vec<Uuid> = people.iter().map(|(_, view)| view.id).collect();
    let (latest, open) = facts(db, &person_ids).await?;
    let shaper = Shaper { fields: &request.fields, pii, latest, open };
    let items = match request.query_type {
        QueryType::IdNumbers => {
            let by_id: HashMap<String, BeneficiaryView> = people.into_iter().collect();
            let mut items = Vec::with_capacity(asked.len());
            for (raw, parsed) in asked {
                let item = match parsed {
                    Err(e) => SearchItem {
                        reference: Some(raw.to_string()),
                        status: ItemStatus::Invalid,
                        reason: Some(e.to_string()),
                        record: None,
                    },
                    Ok(id) => match by_id.get(id.as_str()).cloned() {
                        None => SearchItem { reference: Some(raw.to_string()), status: ItemStatus::NotFound, reason: None, record: None },
                        Some(person) => SearchItem {
                            reference: Some(raw.to_string()),
                            status: ItemStatus::Found,
                            reason: None,
                            record: Some(shaper.record(person)),
                        },
                    },
                };
                items.push(item);
            }
            items
        }
        QueryType::Expression => people
            .into_iter()
            .map(|(_, view)| SearchItem { reference: None, status: ItemStatus::Found, reason: None, record: Some(shaper.record(view)) })
            .collect(),
    };
    let found = items.iter().filter(|i| i.status == ItemStatus::Found).count();
    let entry = Entry {
        action: "registry.searched".into(),
        entity_type: "registry".into(),
        entity_id: None,
        region_code: ctx.actor.region.as_str().to_string(),
        outcome: Outcome::Success,
        detail: serde_json::json!({
            "purpose": request.purpose,
            "query_type": request.query_type,
            "asked": items.len(),
            "found": found,
            "fields": request.fields,
            "revealed": request.reveal,
            "beneficiary_ids": person_ids,
        }),
    };
    audit_alone(db, &Who::from(ctx), entry).await?;
    Ok(SearchResponse { query_type: request.query_type, asked: items.len(), found, items, next_cursor })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(query_type: QueryType, ids: usize) -> SearchRequest {
        SearchRequest {
            purpose: "核对".into(),
            query_type,
            ids: vec!["11010519491231002X".into(); ids],
            expression: None,
            fields: vec![],
            reveal: false,
            limit: None,
            cursor: None,
        }
    }

    fn fields_of(result: Result<(), DomainError>) -> Vec<String> {
        match result {
            Err(DomainError::Validation(errors)) => errors.into_iter().map(|e| e.field).collect(),
            other => panic!("expected a validation error, got {other:?}"),
        }
    }

    #[test]
    fn id_searches_take_one_to_a_thousand_ids() {
        assert!(check(&request(QueryType::IdNumbers, 1)).is_ok());
        assert!(check(&request(QueryType::IdNumbers, MAX_IDS)).is_ok());
        assert_eq!(fields_of(check(&request(QueryType::IdNumbers, MAX_IDS + 1))), ["ids"]);
        assert_eq!(fields_of(check(&request(QueryType::IdNumbers, 0))), ["ids"]);
    }

    #[test]
    fn expressions_need_an_expression_and_no_ids() {
        let mut asked = request(QueryType::Expression, 1);
        asked.purpose = String::new();
        let mut fields = fields_of(check(&asked));
        fields.sort();
        assert_eq!(fields, ["expression", "ids", "purpose"]);
        asked = request(QueryType::Expression, 0);
        asked.expression = Some(Expression::default());
        assert!(check(&asked).is_ok());
    }
}
