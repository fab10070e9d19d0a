//! The figures reports take from procurement's tables, counted here so that
//! no report reads them: rows created per period in a region subtree.

use crate::entity::procurement_project;

jiuzhu_platform::counted_tables! {
    /// Procurement projects
    Projects => procurement_project,
}
