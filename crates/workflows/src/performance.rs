//! A provider's performance record: matching's figures (orders, deliveries,
//! satisfaction, inspections) with the grades of its approved evaluations.

use jiuzhu_core::{Context, DomainError};
use jiuzhu_matching::inspections::{self, Performance};
use jiuzhu_platform::Db;
use uuid::Uuid;

/// The record of `provider_id`, scoped as a read of the provider.
pub async fn of_provider(db: &Db, ctx: &Context, provider_id: Uuid) -> Result<Performance, DomainError> {
    let mut record = inspections::performance(db, ctx, provider_id).await?;
    record.evaluation_grades = jiuzhu_evaluation::evaluations::grades_of_provider(db.conn(), provider_id).await?;
    Ok(record)
}
