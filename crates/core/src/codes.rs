//! Enumeration codes: every API enum serialises as a snake_case string, and
//! is stored as that same code. These two functions convert both ways.

use crate::DomainError;
use serde::Serialize;
use serde::de::DeserializeOwned;

/// The stored code of an enum value, e.g. `Channel::WalkIn` → `walk_in`.
pub fn code_of<T: Serialize>(value: T) -> String {
    serde_json::to_value(value).ok().and_then(|v| v.as_str().map(str::to_string)).unwrap_or_default()
}

/// The enum value of a stored code; an unknown code is a bug (500).
pub fn parse_code<T: DeserializeOwned>(code: &str) -> Result<T, DomainError> {
    serde_json::from_value(serde_json::Value::String(code.to_string()))
        .map_err(|e| DomainError::Internal(format!("stored code {code:?}: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Role;

    #[test]
    fn codes_round_trip() {
        assert_eq!(code_of(Role::VillageWorker), "village_worker");
        assert_eq!(parse_code::<Role>("village_worker").unwrap(), Role::VillageWorker);
        assert!(parse_code::<Role>("king").is_err());
    }
}
