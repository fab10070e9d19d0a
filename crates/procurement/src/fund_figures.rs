//! Funds in figures for reports: per budget year, the purchase cap of the
//! fund accounts in a region subtree, the fiscal money their live projects
//! commit and the money paid under their contracts. Three aggregate queries,
//! whatever the number of projects or payments.

use crate::entity::{fund_account, procurement_project};
use crate::funds::{ENDED_PROJECT_STATUSES, cap_of, sources_of};
use jiuzhu_core::DomainError;
use jiuzhu_platform::stats::{Counts, Window};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, ConnectionTrait, DbBackend, EntityTrait, FromQueryResult, QueryFilter, QuerySelect, Statement};
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};
use utoipa::ToSchema;
use uuid::Uuid;

/// One budget year's money, in fen.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, ToSchema)]
#[schema(example = json!({"accounts": 2, "cap_fen": 600000, "committed_fen": 420000, "paid_fen": 150000, "sources_fen": {"fiscal_assistance": 500000, "donation": 80000}}))]
pub struct FundsFigure {
    /// Fund accounts (one per region and year).
    pub accounts: i64,
    /// The purchase caps (3% of the prior year's assistance), summed.
    pub cap_fen: i64,
    /// Fiscal money of live (not terminated or failed) projects.
    pub committed_fen: i64,
    /// Payments booked under the projects' contracts.
    pub paid_fen: i64,
    /// The accounts' money by source (`GET /enums` `fund_source`), summed.
    pub sources_fen: Counts,
}

#[derive(Debug, FromQueryResult)]
struct AccountSum {
    account: Uuid,
    total: i64,
}

/// Figures by year (as a string key, e.g. `"2025"`) for accounts in the
/// window's region subtree, whatever its period.
pub async fn by_year(conn: &impl ConnectionTrait, window: &Window) -> Result<BTreeMap<String, FundsFigure>, DomainError> {
    let region_pattern = window.region_pattern.as_str();
    let accounts = fund_account::Entity::find().filter(fund_account::Column::RegionCode.like(region_pattern)).all(conn).await?;
    let committed: HashMap<Uuid, i64> = procurement_project::Entity::find()
        .select_only()
        .column_as(procurement_project::Column::FundAccountId, "account")
        .column_as(Expr::cust("CAST(COALESCE(SUM(fiscal_fen), 0) AS BIGINT)"), "total")
        .filter(procurement_project::Column::RegionCode.like(region_pattern))
        .filter(procurement_project::Column::Status.is_not_in(ENDED_PROJECT_STATUSES))
        .group_by(procurement_project::Column::FundAccountId)
        .into_model::<AccountSum>()
        .all(conn)
        .await?
        .into_iter()
        .map(|row| (row.account, row.total))
        .collect();
    let placeholder = match conn.get_database_backend() {
        DbBackend::Postgres => "$1",
        _ => "?",
    };
    let paid_sql = format!(
        "SELECT p.fund_account_id AS account, CAST(COALESCE(SUM(e.amount_fen), 0) AS BIGINT) AS total \
         FROM contract_entries e JOIN contracts c ON c.id = e.contract_id JOIN procurement_projects p ON p.id = c.project_id \
         WHERE e.book = 'payment' AND p.region_code LIKE {placeholder} GROUP BY p.fund_account_id"
    );
    let paid: HashMap<Uuid, i64> =
        AccountSum::find_by_statement(Statement::from_sql_and_values(conn.get_database_backend(), paid_sql, [region_pattern.into()]))
            .all(conn)
            .await?
            .into_iter()
            .map(|row| (row.account, row.total))
            .collect();
    let mut years: BTreeMap<String, FundsFigure> = BTreeMap::new();
    for account in &accounts {
        let figure = years.entry(account.year.to_string()).or_default();
        figure.accounts += 1;
        figure.cap_fen += cap_of(account)?;
        figure.committed_fen += committed.get(&account.id).copied().unwrap_or(0);
        figure.paid_fen += paid.get(&account.id).copied().unwrap_or(0);
        for funding in sources_of(account)? {
            *figure.sources_fen.entry(funding.source.code().to_string()).or_default() += funding.amount_fen;
        }
    }
    Ok(years)
}
