//! `Actor`: the authenticated caller every use case receives: who, in which
//! role, at which region, and for which department or provider.

use crate::{RegionCode, Role};
use uuid::Uuid;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    /// The token's `sub`: a user id or an API client id.
    pub subject: String,
    pub role: Role,
    pub region: RegionCode,
    pub department: Option<String>,
    pub provider_id: Option<Uuid>,
}

impl Actor {
    /// True when `region` lies in the actor's subtree.
    pub fn covers(&self, region: &RegionCode) -> bool {
        region.is_within(&self.region)
    }
}
