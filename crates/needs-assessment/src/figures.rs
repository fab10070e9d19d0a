//! The figures reports take from needs assessment's tables, counted here so that
//! no report reads them: rows created per period in a region subtree.

use crate::entity::{assessment, need};

jiuzhu_platform::counted_tables! {
    /// Needs assessments
    Assessments => assessment,
    /// Service needs
    Needs => need,
}
