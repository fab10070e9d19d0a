//! The service target list (服务对象清单) as a CSV export: the same people
//! `GET /beneficiaries` lists for a filter, masked, a chunk at a time.

use crate::beneficiaries::{BeneficiaryFilter, BeneficiaryView, filtered};
use crate::entity::beneficiary;
use jiuzhu_core::codes::code_of;
use jiuzhu_core::mask::Pii;
use jiuzhu_core::{Context, DomainError, Permission};
use jiuzhu_platform::Db;
use jiuzhu_platform::export::{ChunkedExport, Column, Keyset, audit_export};
use jiuzhu_platform::record::authorize;

pub const COLUMNS: [Column; 11] = [
    Column::text("beneficiary_id", "对象编号"),
    Column::text("name", "姓名"),
    Column::text("id_number", "身份证号"),
    Column::codes::<jiuzhu_core::Sex>("gender", "性别"),
    Column::number("age", "年龄"),
    Column::text("phone", "联系电话"),
    Column::text("region_code", "行政区划代码"),
    Column::codes::<crate::beneficiaries::Category>("categories", "救助类别及有效期"),
    Column::codes::<crate::beneficiaries::Group>("groups", "服务群体"),
    Column::codes::<crate::beneficiaries::BeneficiaryStatus>("status", "状态"),
    Column::time("created_at", "登记时间"),
];

/// An export under way: the filter and where the last chunk ended.
pub struct BeneficiaryExport {
    ctx: Context,
    filter: BeneficiaryFilter,
    position: Keyset,
}

/// Checks the permission and the filter, and audits the export before the first row.
pub async fn begin(db: &Db, ctx: &Context, filter: BeneficiaryFilter) -> Result<BeneficiaryExport, DomainError> {
    authorize(db, ctx, Permission::BeneficiaryRead).await?;
    filtered(ctx, &filter)?;
    let detail = serde_json::json!({"category": filter.category, "group": filter.group, "status": filter.status});
    audit_export(db, ctx, "service_targets", filter.region_code.as_deref(), detail).await?;
    Ok(BeneficiaryExport { ctx: ctx.clone(), filter, position: Keyset::default() })
}

impl ChunkedExport for BeneficiaryExport {
    fn columns(&self) -> &'static [Column] {
        &COLUMNS
    }

    async fn next_chunk(&mut self, db: &Db) -> Result<Option<Vec<Vec<String>>>, DomainError> {
        let query = filtered(&self.ctx, &self.filter)?;
        let people = self.position.next(db, query, beneficiary::Column::Id, |p| p.id).await?;
        if people.is_empty() {
            return Ok(None);
        }
        let today = self.ctx.now.date_naive();
        let rows = people.into_iter().map(|p| BeneficiaryView::from_model(p, Pii::Masked, today).map(row)).collect::<Result<_, _>>()?;
        Ok(Some(rows))
    }
}

fn row(v: BeneficiaryView) -> Vec<String> {
    let categories: Vec<String> = v
        .categories
        .iter()
        .map(|c| format!("{}:{}~{}", code_of(c.category), c.valid_from, c.valid_to.map(|d| d.to_string()).unwrap_or_default()))
        .collect();
    vec![
        v.id.to_string(),
        Pii::Masked.name(&v.name),
        v.id_number,
        code_of(v.gender),
        v.age.to_string(),
        v.phone.unwrap_or_default(),
        v.region_code,
        categories.join(";"),
        v.groups.join(";"),
        code_of(v.status),
        v.created_at.to_rfc3339(),
    ]
}
