//! `RegionCode`: administrative division codes (GB/T 2260 for 6 digits, the
//! statistical codes for 9-digit townships and 12-digit villages), with the
//! parent/child relation and the subtree test that scopes every query.

use crate::error::DomainError;
use serde::{Deserialize, Serialize};
use std::fmt;

crate::coded_enum! {
    pub enum RegionLevel as "region_level" {
        Province = "province", "省", "Province";
        City = "city", "市", "City";
        County = "county", "县区", "County or district";
        Township = "township", "乡镇街道", "Township or street";
        Village = "village", "村居", "Village or community";
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct RegionCode(String);

impl RegionCode {
    pub fn parse(input: &str) -> Result<Self, String> {
        let ok_len = matches!(input.len(), 6 | 9 | 12);
        if !ok_len || !input.bytes().all(|b| b.is_ascii_digit()) {
            return Err("must be 6 (city or county), 9 (township) or 12 (village) digits".into());
        }
        if input.starts_with("00") || (input.len() == 6 && input.ends_with("0000") && input == "000000") {
            return Err("must start with a province code".into());
        }
        if input.len() > 6 && input[..6].ends_with("00") {
            return Err("a township or village must sit under a county, not a city".into());
        }
        if input.len() == 12 && input[..9].ends_with("000") {
            return Err("a village must sit under a township".into());
        }
        Ok(Self(input.to_string()))
    }

    /// The root region a deployment serves when none is configured: 石嘴山市,
    /// the pilot city of the plan.
    pub fn default_root() -> Self {
        Self("640200".into())
    }

    /// Reads a code as the National Bureau of Statistics writes it short:
    /// 2 digits for a province and 4 for a prefecture are padded to the
    /// 6-digit form; 6, 9 and 12 digits are read as they are.
    pub fn parse_statistical(input: &str) -> Result<Self, String> {
        let input = input.trim();
        match input.len() {
            2 if input.bytes().all(|b| b.is_ascii_digit()) => Self::parse(&format!("{input}0000")),
            4 if input.bytes().all(|b| b.is_ascii_digit()) => Self::parse(&format!("{input}00")),
            _ => Self::parse(input),
        }
    }

    pub fn parse_field(input: &str, field: &str) -> Result<Self, DomainError> {
        Self::parse(input).map_err(|message| DomainError::field(field, "region_code_invalid", message))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn level(&self) -> RegionLevel {
        match self.0.len() {
            12 => RegionLevel::Village,
            9 => RegionLevel::Township,
            _ if self.0.ends_with("0000") => RegionLevel::Province,
            _ if self.0.ends_with("00") => RegionLevel::City,
            _ => RegionLevel::County,
        }
    }

    /// The significant prefix: every code in this subtree starts with it.
    pub fn subtree_prefix(&self) -> &str {
        match self.level() {
            RegionLevel::Province => &self.0[..2],
            RegionLevel::City => &self.0[..4],
            _ => &self.0,
        }
    }

    pub fn parent(&self) -> Option<RegionCode> {
        let parent = match self.level() {
            RegionLevel::Province => return None,
            RegionLevel::City => format!("{}0000", &self.0[..2]),
            RegionLevel::County => format!("{}00", &self.0[..4]),
            RegionLevel::Township => self.0[..6].to_string(),
            RegionLevel::Village => self.0[..9].to_string(),
        };
        Some(Self(parent))
    }

    /// True when `self` is `ancestor` or lies anywhere below it.
    pub fn is_within(&self, ancestor: &RegionCode) -> bool {
        self.0.starts_with(ancestor.subtree_prefix()) && self.level() >= ancestor.level()
    }

    /// True when `self` is the direct parent of `child`.
    pub fn is_parent_of(&self, child: &RegionCode) -> bool {
        child.parent().as_ref() == Some(self)
    }

    /// The county (6-digit) code this region belongs to, if it is at or below county level.
    pub fn county(&self) -> Option<RegionCode> {
        (self.level() >= RegionLevel::County).then(|| Self(self.0[..6].to_string()))
    }
}

impl fmt::Display for RegionCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for RegionCode {
    type Error = String;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<RegionCode> for String {
    fn from(code: RegionCode) -> Self {
        code.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(s: &str) -> RegionCode {
        RegionCode::parse(s).unwrap()
    }

    #[test]
    fn levels_follow_the_length_and_zero_padding() {
        assert_eq!(code("640000").level(), RegionLevel::Province);
        assert_eq!(code("640200").level(), RegionLevel::City);
        assert_eq!(code("640202").level(), RegionLevel::County);
        assert_eq!(code("640202001").level(), RegionLevel::Township);
        assert_eq!(code("640202001001").level(), RegionLevel::Village);
    }

    #[test]
    fn parents_walk_up_one_level() {
        assert_eq!(code("640202001001").parent(), Some(code("640202001")));
        assert_eq!(code("640202001").parent(), Some(code("640202")));
        assert_eq!(code("640202").parent(), Some(code("640200")));
        assert_eq!(code("640200").parent(), Some(code("640000")));
        assert_eq!(code("640000").parent(), None);
        assert!(code("640202").is_parent_of(&code("640202001")));
        assert!(!code("640200").is_parent_of(&code("640202001")));
    }

    #[test]
    fn within_covers_the_whole_subtree_and_nothing_else() {
        let city = code("640200");
        assert!(code("640202001001").is_within(&city));
        assert!(code("640221").is_within(&city));
        assert!(city.is_within(&city));
        assert!(!code("640300").is_within(&city));
        assert!(!code("640302001").is_within(&city));
        assert!(!city.is_within(&code("640202")));
        let township = code("640202001");
        assert!(code("640202001002").is_within(&township));
        assert!(!code("640202002001").is_within(&township));
        assert!(!code("640205").is_within(&code("640202")));
    }

    #[test]
    fn rejects_malformed_codes() {
        for bad in ["", "64020", "6402021", "64020200100", "64020a", "000000", "001234", "640200001", "640202000001", " 640202"] {
            assert!(RegionCode::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn statistical_short_codes_are_padded() {
        assert_eq!(RegionCode::parse_statistical("64"), Ok(code("640000")));
        assert_eq!(RegionCode::parse_statistical("6403"), Ok(code("640300")));
        assert_eq!(RegionCode::parse_statistical("640302001"), Ok(code("640302001")));
        assert!(RegionCode::parse_statistical("6a").is_err());
        assert!(RegionCode::parse_statistical("640").is_err());
    }

    #[test]
    fn county_of_a_village() {
        assert_eq!(code("640221100200").county(), Some(code("640221")));
        assert_eq!(code("640200").county(), None);
    }
}
