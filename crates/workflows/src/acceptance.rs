//! Acceptance of a purchased project (项目验收), gated on its approved final
//! evaluation: evaluation is asked and the project accepted in one
//! transaction, so the answer cannot change between the two.

use jiuzhu_core::{Context, DomainError, Permission};
use jiuzhu_platform::Db;
use jiuzhu_platform::record::authorize;
use jiuzhu_procurement::projects::{self, AcceptanceInput, ProjectView};
use uuid::Uuid;

/// Accepts (or fails) project `id` at the end of its term.
pub async fn accept_project(
    db: &Db,
    ctx: &Context,
    id: Uuid,
    if_match: Option<i64>,
    input: AcceptanceInput,
) -> Result<ProjectView, DomainError> {
    authorize(db, ctx, Permission::ProcurementManage).await?;
    let txn = db.begin_write().await?;
    let approved = jiuzhu_evaluation::evaluations::final_approved(&*txn, id).await?;
    let project = projects::accept_in(&*txn, ctx, id, if_match, input, approved).await?;
    txn.commit().await?;
    Ok(project)
}
