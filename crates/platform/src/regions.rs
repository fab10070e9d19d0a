//! Regions: reading the administrative tree and adding nodes to it.

use crate::entity::region;
use jiuzhu_core::{Clock, DomainError, RegionCode, RegionLevel};
use sea_orm::{ActiveModelTrait, ConnectionTrait, EntityTrait, Set};

pub async fn find(conn: &impl ConnectionTrait, code: &RegionCode) -> Result<Option<region::Model>, DomainError> {
    Ok(region::Entity::find_by_id(code.as_str()).one(conn).await?)
}

pub fn level_code(level: RegionLevel) -> &'static str {
    match level {
        RegionLevel::Province => "province",
        RegionLevel::City => "city",
        RegionLevel::County => "county",
        RegionLevel::Township => "township",
        RegionLevel::Village => "village",
    }
}

/// Adds a region under an existing parent, unless it exists already.
pub async fn ensure(
    conn: &impl ConnectionTrait,
    clock: &dyn Clock,
    code: &RegionCode,
    name_zh: &str,
    is_demo: bool,
) -> Result<region::Model, DomainError> {
    if let Some(existing) = find(conn, code).await? {
        return Ok(existing);
    }
    let parent = code.parent();
    if let Some(parent) = &parent
        && find(conn, parent).await?.is_none()
    {
        return Err(DomainError::field("region_code", "region_parent_missing", format!("parent region {parent} does not exist")));
    }
    let model = region::ActiveModel {
        code: Set(code.to_string()),
        name_zh: Set(name_zh.to_string()),
        level: Set(level_code(code.level()).to_string()),
        parent_code: Set(parent.map(|p| p.to_string())),
        is_demo: Set(is_demo),
        created_at: Set(clock.now()),
    };
    Ok(model.insert(conn).await?)
}
