//! The service project list (服务项目清单) as a CSV export: exactly the
//! items `GET /services` lists for a filter, in the same order. The list is
//! bounded (the 32 guidance items and each area's local ones), so it is one
//! chunk; it holds no personal data.

use crate::catalogue::{ServiceCategory, ServiceView, list};
use jiuzhu_core::codes::code_of;
use jiuzhu_core::{Context, DomainError};
use jiuzhu_platform::Db;
use jiuzhu_platform::export::{ChunkedExport, Column, audit_export};

pub const COLUMNS: [Column; 12] = [
    Column::number("number", "序号"),
    Column::text("code", "服务项目代码"),
    Column::codes::<ServiceCategory>("category", "服务类别"),
    Column::text("name_zh", "服务项目"),
    Column::text("name_en", "英文名称"),
    Column::text("description_zh", "服务内容"),
    Column::codes::<crate::catalogue::Unit>("unit", "计量单位"),
    Column::flag("government_funded", "政府购买"),
    Column::text("covered_by_material", "已由物质救助覆盖"),
    Column::flag("guidance", "指导目录项目"),
    Column::text("region_code", "适用区划"),
    Column::flag("active", "启用"),
];

/// The export: the listed items, handed out once.
pub struct CatalogueExport {
    items: Option<Vec<ServiceView>>,
}

/// Reads the list as `GET /services` does (permission and scope included)
/// and audits the export.
pub async fn begin(
    db: &Db,
    ctx: &Context,
    category: Option<ServiceCategory>,
    active: Option<bool>,
) -> Result<CatalogueExport, DomainError> {
    let items = list(db, ctx, category, active).await?;
    let detail = serde_json::json!({"category": category.map(code_of), "active": active});
    audit_export(db, ctx, "service_projects", None, detail).await?;
    Ok(CatalogueExport { items: Some(items) })
}

fn row(s: ServiceView) -> Vec<String> {
    let yes_no = |b: bool| if b { "true" } else { "false" }.to_string();
    vec![
        s.number.map(|n| n.to_string()).unwrap_or_default(),
        s.code,
        code_of(s.category),
        s.name_zh,
        s.name_en,
        s.description_zh,
        code_of(s.unit),
        yes_no(s.government_funded),
        s.covered_by_material.join(";"),
        yes_no(s.guidance),
        s.region_code,
        yes_no(s.active),
    ]
}

impl ChunkedExport for CatalogueExport {
    fn columns(&self) -> &'static [Column] {
        &COLUMNS
    }

    async fn next_chunk(&mut self, _db: &Db) -> Result<Option<Vec<Vec<String>>>, DomainError> {
        Ok(self.items.take().filter(|items| !items.is_empty()).map(|items| items.into_iter().map(row).collect()))
    }
}
