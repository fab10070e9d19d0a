//! The service project list in Open Referral HSDS 3 shapes, for directory
//! integrators: the list as an HSDS page of `service_list` entries, and one
//! service fully nested, with its category and its code as attributes
//! whose taxonomy terms form a two-level taxonomy (category, then service).
//! Ids are stable UUIDs derived from the codes, the same on every node.

use crate::catalogue::{ServiceView, stable_id, stable_uuid};
use jiuzhu_core::catalogue::ServiceCategory;
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

/// The taxonomy jiuzhu's terms belong to.
pub const TAXONOMY: &str = "jiuzhu 服务项目清单（服务类别、服务项目）";

/// A service's one-to-one fields: an entry of the HSDS `service_list`.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(example = json!({"id": "5b6b2c58-2d07-8b7c-9a3e-1f0c9d6a4e21", "name": "助餐服务", "alternate_name": "Meals", "description": "送餐、协助就餐、上门做饭", "status": "active", "fees_description": "政府购买，服务对象免费"}))]
pub struct HsdsServiceEntry {
    pub id: Uuid,
    pub name: String,
    pub alternate_name: String,
    pub description: String,
    /// `active` or `inactive`.
    pub status: &'static str,
    pub fees_description: &'static str,
}

/// A term of jiuzhu's taxonomy: a service category, or a service whose
/// parent is its category.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct HsdsTaxonomyTerm {
    pub id: Uuid,
    pub code: String,
    pub name: String,
    pub description: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parent_id: Option<Uuid>,
    pub taxonomy: &'static str,
    /// `zh`.
    pub language: &'static str,
}

/// A link between a service and one term.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct HsdsAttribute {
    pub id: Uuid,
    pub link_id: Uuid,
    /// `service`.
    pub link_entity: &'static str,
    pub taxonomy_term_id: Uuid,
    pub taxonomy_term: HsdsTaxonomyTerm,
}

/// One service fully nested (HSDS `service`).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct HsdsService {
    #[serde(flatten)]
    pub entry: HsdsServiceEntry,
    pub attributes: Vec<HsdsAttribute>,
}

/// The HSDS page of services: the whole catalogue on one page.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct HsdsServicePage {
    pub total_items: usize,
    pub total_pages: usize,
    pub page_number: usize,
    pub size: usize,
    pub first_page: bool,
    pub last_page: bool,
    pub empty: bool,
    pub contents: Vec<HsdsServiceEntry>,
}

fn entry(s: &ServiceView) -> HsdsServiceEntry {
    HsdsServiceEntry {
        id: stable_id(&s.code),
        name: s.name_zh.clone(),
        alternate_name: s.name_en.clone(),
        description: s.description_zh.clone(),
        status: if s.active { "active" } else { "inactive" },
        fees_description: if s.government_funded { "政府购买，服务对象免费" } else { "按项目收费" },
    }
}

/// The term of a service category.
fn category_term(category: ServiceCategory) -> HsdsTaxonomyTerm {
    HsdsTaxonomyTerm {
        id: stable_uuid(&format!("jiuzhu-service-category:{}", category.code())),
        code: category.code().to_string(),
        name: category.label_zh().to_string(),
        description: format!("{}（{}）", category.label_zh(), category.label_en()),
        parent_id: None,
        taxonomy: TAXONOMY,
        language: "zh",
    }
}

/// The catalogue as one HSDS page.
pub fn page(items: &[ServiceView]) -> HsdsServicePage {
    let contents: Vec<HsdsServiceEntry> = items.iter().map(entry).collect();
    HsdsServicePage {
        total_items: contents.len(),
        total_pages: 1,
        page_number: 1,
        size: contents.len(),
        first_page: true,
        last_page: true,
        empty: contents.is_empty(),
        contents,
    }
}

/// One service with its category and its own code as attributes.
pub fn service(s: &ServiceView) -> HsdsService {
    let entry = entry(s);
    let category = category_term(s.category);
    let own = HsdsTaxonomyTerm {
        id: stable_uuid(&format!("jiuzhu-service-term:{}", s.code)),
        code: s.code.clone(),
        name: s.name_zh.clone(),
        description: if s.description_zh.is_empty() { s.name_zh.clone() } else { s.description_zh.clone() },
        parent_id: Some(category.id),
        taxonomy: TAXONOMY,
        language: "zh",
    };
    let attribute = |term: HsdsTaxonomyTerm| HsdsAttribute {
        id: stable_uuid(&format!("jiuzhu-service-attribute:{}:{}", s.code, term.id)),
        link_id: entry.id,
        link_entity: "service",
        taxonomy_term_id: term.id,
        taxonomy_term: term,
    };
    let attributes = vec![attribute(category), attribute(own)];
    HsdsService { entry, attributes }
}
