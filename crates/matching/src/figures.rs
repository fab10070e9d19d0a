//! The figures reports take from matching's tables, counted here so that
//! no report reads them: rows created per period in a region subtree.

use crate::entity::{delivery, follow_up, service_order};

jiuzhu_platform::counted_tables! {
    /// Service orders
    Orders => service_order,
    /// Delivery records
    Deliveries => delivery,
    /// Follow-up visits
    FollowUps => follow_up,
}
