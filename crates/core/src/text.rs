//! Text the database cannot hold: PostgreSQL's `text` refuses U+0000, so
//! input carrying it is refused at the edge with the field it came in.

use crate::FieldError;

/// The code of a field refused for carrying U+0000.
pub const NUL_CODE: &str = "nul_character";

/// The first string (or object key) in `value` that holds U+0000, as a
/// field error named by its path (`items[1].description`).
pub fn nul_in(value: &serde_json::Value) -> Option<FieldError> {
    fn walk(value: &serde_json::Value, path: &str) -> Option<String> {
        let join = |key: &str| if path.is_empty() { key.to_string() } else { format!("{path}.{key}") };
        match value {
            serde_json::Value::String(text) if text.contains('\0') => {
                Some(if path.is_empty() { "body".to_string() } else { path.to_string() })
            }
            serde_json::Value::Array(items) => items.iter().enumerate().find_map(|(i, item)| walk(item, &format!("{path}[{i}]"))),
            serde_json::Value::Object(fields) => {
                fields.iter().find_map(
                    |(key, item)| {
                        if key.contains('\0') { Some(join(&key.replace('\0', "\\u0000"))) } else { walk(item, &join(key)) }
                    },
                )
            }
            _ => None,
        }
    }
    walk(value, "").map(|field| FieldError::new(field, NUL_CODE, "text may not contain the character U+0000"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn finds_the_first_nul_by_its_path() {
        assert!(nul_in(&json!({"name": "张秀兰", "items": [{"n": 1}]})).is_none());
        assert_eq!(nul_in(&json!({"items": [{"a": "ok"}, {"description": "x\u{0}y"}]})).unwrap().field, "items[1].description");
        assert_eq!(nul_in(&json!("\u{0}")).unwrap().field, "body");
        let key = nul_in(&json!({"a\u{0}": 1})).unwrap();
        assert_eq!((key.field.as_str(), key.code.as_str()), ("a\\u0000", NUL_CODE));
    }
}
