//! `Actor`: the authenticated caller every use case receives: who, in which
//! role, at which region, and for which department or provider; and
//! `Context`: the actor plus the request id and the request's time.

use crate::permission::{Permission, role_has};
use crate::{DomainError, RegionCode, Role};
use chrono::{DateTime, Utc};
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

    /// True when a stored region code lies in the actor's subtree (a code
    /// that does not parse lies nowhere).
    pub fn covers_code(&self, code: &str) -> bool {
        RegionCode::parse(code).is_ok_and(|region| self.covers(&region))
    }

    pub fn can(&self, permission: Permission) -> bool {
        role_has(self.role, permission)
    }

    /// 403 unless the role holds the permission.
    pub fn require(&self, permission: Permission) -> Result<(), DomainError> {
        if self.can(permission) { Ok(()) } else { Err(DomainError::Forbidden { permission: permission.code().to_string() }) }
    }

    /// The actor's region and every region above it, for reference data
    /// (catalogue items, providers) registered higher up that also serves here.
    pub fn region_and_ancestors(&self) -> Vec<String> {
        std::iter::successors(Some(self.region.clone()), RegionCode::parent).map(|r| r.to_string()).collect()
    }

    /// The region a report or summary asks about: the actor's own, or a
    /// `region_code` inside it; one outside it is not found.
    pub fn region_within(&self, region_code: Option<&str>) -> Result<RegionCode, DomainError> {
        match region_code {
            None => Ok(self.region.clone()),
            Some(code) => {
                let region = RegionCode::parse_field(code, "region_code")?;
                if self.covers(&region) { Ok(region) } else { Err(DomainError::NotFound) }
            }
        }
    }
}

/// Everything a use case knows about the request it serves.
#[derive(Debug, Clone)]
pub struct Context {
    pub actor: Actor,
    pub request_id: String,
    /// The request's time, from the injected clock.
    pub now: DateTime<Utc>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn actor(role: Role, region: &str) -> Actor {
        Actor { subject: "u".into(), role, region: RegionCode::parse(region).unwrap(), department: None, provider_id: None }
    }

    #[test]
    fn require_answers_forbidden_with_the_permission() {
        let worker = actor(Role::VillageWorker, "640202001001");
        assert_eq!(worker.require(Permission::UserWrite), Err(DomainError::Forbidden { permission: "user:write".into() }));
        assert!(actor(Role::CityAdmin, "640200").require(Permission::UserWrite).is_ok());
    }

    #[test]
    fn ancestors_walk_up_to_the_province() {
        assert_eq!(actor(Role::TownshipOfficer, "640202001").region_and_ancestors(), ["640202001", "640202", "640200", "640000"]);
    }

    #[test]
    fn covers_the_subtree_only() {
        let township = actor(Role::TownshipOfficer, "640202001");
        assert!(township.covers(&RegionCode::parse("640202001003").unwrap()));
        assert!(!township.covers(&RegionCode::parse("640202002").unwrap()));
        assert!(actor(Role::CityAdmin, "640200").covers(&RegionCode::parse("640221").unwrap()));
        assert!(township.covers_code("640202001003") && !township.covers_code("640202002") && !township.covers_code("not a code"));
    }
}
