//! Departments (成员单位): the member units that take over transferred needs.

use crate::entity::department;
use jiuzhu_core::{Context, DomainError, Permission};
use sea_orm::{EntityTrait, QueryOrder};
use serde::Serialize;
use utoipa::ToSchema;

#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(example = json!({"code": "education", "name_zh": "教育局", "name_en": "Education Bureau", "duties_zh": "教育救助，学费减免"}))]
pub struct DepartmentView {
    pub code: String,
    pub name_zh: String,
    pub name_en: String,
    pub duties_zh: String,
}

pub async fn list(db: &crate::Db, ctx: &Context) -> Result<Vec<DepartmentView>, DomainError> {
    crate::record::authorize(db, ctx, Permission::DepartmentRead).await?;
    let rows = department::Entity::find().order_by_asc(department::Column::Code).all(db.conn()).await?;
    Ok(rows.into_iter().map(|d| DepartmentView { code: d.code, name_zh: d.name_zh, name_en: d.name_en, duties_zh: d.duties_zh }).collect())
}

/// Each department's Chinese name by its code, for reports that have
/// already authorized their reader.
pub async fn names_zh(conn: &impl sea_orm::ConnectionTrait) -> Result<std::collections::BTreeMap<String, String>, DomainError> {
    let rows = department::Entity::find().all(conn).await?;
    Ok(rows.into_iter().map(|d| (d.code, d.name_zh)).collect())
}

/// 422 on `field` unless the department code exists.
pub async fn ensure_exists(conn: &impl sea_orm::ConnectionTrait, code: &str, field: &str) -> Result<(), DomainError> {
    if department::Entity::find_by_id(code).one(conn).await?.is_none() {
        return Err(DomainError::field(field, "department_unknown", format!("department {code} does not exist")));
    }
    Ok(())
}
