//! Merge-patch helpers (RFC 7396): telling "absent" from "null".

use serde::{Deserialize, Deserializer};

/// For `Option<Option<T>>` fields: absent → `None`, `null` → `Some(None)`,
/// a value → `Some(Some(v))`. Use with `#[serde(default, deserialize_with = "...")]`.
pub fn nullable<'de, T, D>(deserializer: D) -> Result<Option<Option<T>>, D::Error>
where
    T: Deserialize<'de>,
    D: Deserializer<'de>,
{
    Option::<T>::deserialize(deserializer).map(Some)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Deserialize)]
    struct Patch {
        #[serde(default, deserialize_with = "nullable")]
        phone: Option<Option<String>>,
    }

    #[test]
    fn absent_null_and_value_differ() {
        assert_eq!(serde_json::from_str::<Patch>("{}").unwrap().phone, None);
        assert_eq!(serde_json::from_str::<Patch>("{\"phone\":null}").unwrap().phone, Some(None));
        assert_eq!(serde_json::from_str::<Patch>("{\"phone\":\"1\"}").unwrap().phone, Some(Some("1".into())));
    }
}
