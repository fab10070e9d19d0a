//! The service needs list (服务需求清单) as a CSV export: the same rows
//! `GET /needs` lists for a filter, with the person's masked name and ID,
//! fetched a chunk at a time by id so memory stays flat.

use crate::entity::need;
use crate::needs::{NeedFilter, filtered};
use jiuzhu_core::{Context, DomainError, Permission, catalogue};
use jiuzhu_intake::beneficiaries;
use jiuzhu_platform::Db;
use jiuzhu_platform::export::{ChunkedExport, Column, Keyset, audit_export};
use jiuzhu_platform::record::authorize;
use std::collections::HashMap;
use uuid::Uuid;

pub const COLUMNS: [Column; 11] = [
    Column::text("need_id", "需求编号"),
    Column::text("name", "姓名"),
    Column::text("id_number", "身份证号"),
    Column::text("region_code", "行政区划代码"),
    Column::text("service_code", "服务项目代码"),
    Column::text("service_name", "服务项目"),
    Column::codes::<jiuzhu_core::catalogue::ServiceCategory>("category", "服务类别"),
    Column::codes::<crate::rules::Priority>("priority", "优先级"),
    Column::codes::<crate::rules::Degree>("degree", "困难程度"),
    Column::codes::<crate::needs::NeedStatus>("status", "状态"),
    Column::time("created_at", "登记时间"),
];

/// An export under way: the filter and where the last chunk ended.
pub struct NeedExport {
    ctx: Context,
    filter: NeedFilter,
    position: Keyset,
}

/// Checks the permission and the filter, and audits the export before the first row.
pub async fn begin(db: &Db, ctx: &Context, filter: NeedFilter) -> Result<NeedExport, DomainError> {
    authorize(db, ctx, Permission::AssessmentRead).await?;
    filtered(ctx, filter.clone())?;
    let detail = serde_json::json!({"service_code": filter.service_code, "category": filter.category});
    audit_export(db, ctx, "service_needs", filter.region_code.as_deref(), detail).await?;
    Ok(NeedExport { ctx: ctx.clone(), filter, position: Keyset::default() })
}

impl ChunkedExport for NeedExport {
    fn columns(&self) -> &'static [Column] {
        &COLUMNS
    }

    async fn next_chunk(&mut self, db: &Db) -> Result<Option<Vec<Vec<String>>>, DomainError> {
        let query = filtered(&self.ctx, self.filter.clone())?;
        let needs = self.position.next(db, query, need::Column::Id, |n| n.id).await?;
        if needs.is_empty() {
            return Ok(None);
        }
        let people: Vec<Uuid> = needs.iter().map(|n| n.beneficiary_id).collect();
        let people = beneficiaries::masked_identities(db.reports(), &people).await?;
        Ok(Some(needs.into_iter().map(|n| row(n, &people)).collect()))
    }
}

fn row(n: need::Model, people: &HashMap<Uuid, (String, String)>) -> Vec<String> {
    let (name, id_number) = people.get(&n.beneficiary_id).cloned().unwrap_or_default();
    let service_name = catalogue::find(&n.service_code).map(|e| e.3.to_string()).unwrap_or_default();
    vec![
        n.id.to_string(),
        name,
        id_number,
        n.region_code,
        n.service_code,
        service_name,
        n.category,
        n.priority,
        n.degree,
        n.status,
        n.created_at.to_rfc3339(),
    ]
}
