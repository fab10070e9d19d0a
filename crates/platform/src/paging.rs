//! Keyset paging of a sea-orm query: one place that turns a `PageRequest`
//! (limit, cursor, order) into the filter, ORDER BY and LIMIT every list
//! uses, so all lists page and sort the same way and none uses OFFSET.

use jiuzhu_core::{DomainError, PageRequest, SortOrder};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, QueryTrait, Select};

/// `query` after the cursor, ordered by `key` in the asked order, limited to
/// one row more than the page (which tells whether a next page exists).
/// `K` is the key's type, as the cursor is parsed back into it.
pub fn keyset<E, K>(query: Select<E>, key: E::Column, page: &PageRequest) -> Result<Select<E>, DomainError>
where
    E: EntityTrait,
    K: std::str::FromStr + Into<sea_orm::Value>,
{
    let query = match (page.after_key::<K>()?, page.order) {
        (None, _) => query,
        (Some(after), SortOrder::Asc) => query.filter(key.gt(after)),
        (Some(after), SortOrder::Desc) => query.filter(key.lt(after)),
    };
    let query = match page.order {
        SortOrder::Asc => query.order_by_asc(key),
        SortOrder::Desc => query.order_by_desc(key),
    };
    Ok(query.limit(page.fetch_limit()))
}

/// `keyset`, in two steps: the page's keys first, from the filter alone,
/// then the rows of those keys. A database that keeps the filter's columns
/// beside the key in one index (SQLite's `ix_beneficiaries_paging`) finds
/// the keys in that index without reading every row it tests; the rows it
/// then reads are only the page's.
pub fn keyset_by_key_first<E, K>(query: Select<E>, key: E::Column, page: &PageRequest) -> Result<Select<E>, DomainError>
where
    E: EntityTrait,
    K: std::str::FromStr + Into<sea_orm::Value>,
{
    let keys = keyset::<E, K>(query.select_only().column(key), key, page)?.into_query();
    let rows = E::find().filter(key.in_subquery(keys));
    Ok(match page.order {
        SortOrder::Asc => rows.order_by_asc(key),
        SortOrder::Desc => rows.order_by_desc(key),
    })
}
