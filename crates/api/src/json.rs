//! `ValidJson<T>`: the JSON body extractor. It checks the content type,
//! enforces the body limit, reports the exact path of a field that does not
//! fit (unknown, missing, wrong type) and runs `validator` rules, so every
//! handler receives a body that is already valid.

use crate::problem::{ApiError, HttpFailure};
use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{FromRequest, HttpRequest, web};
use futures_util::StreamExt;
use jiuzhu_core::{DomainError, FieldError};
use serde::de::DeserializeOwned;
use std::future::Future;
use std::pin::Pin;
use validator::Validate;

/// The body limit for ordinary JSON endpoints, set as app data.
#[derive(Debug, Clone, Copy)]
pub struct BodyLimit(pub usize);

impl BodyLimit {
    /// The limit the app was given (`body_limit_bytes`), or 1 MiB.
    pub fn of(app_data: Option<&web::Data<BodyLimit>>) -> usize {
        app_data.map_or(1024 * 1024, |limit| limit.0)
    }
}

pub struct ValidJson<T>(pub T);

/// `application/json`, `application/merge-patch+json` and any other `+json` type.
fn is_json(content_type: &str) -> bool {
    let essence = content_type.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
    essence == "application/json" || (essence.starts_with("application/") && essence.ends_with("+json"))
}

/// Turns a deserialisation failure into a 400 (not JSON) or 422 (JSON of the wrong shape).
pub fn body_error(err: serde_path_to_error::Error<serde_json::Error>) -> ApiError {
    let path = err.path().to_string();
    let inner = err.into_inner();
    match inner.classify() {
        serde_json::error::Category::Syntax | serde_json::error::Category::Eof | serde_json::error::Category::Io => {
            HttpFailure::MalformedBody(format!("body is not valid JSON: {inner}")).into()
        }
        serde_json::error::Category::Data => {
            let message = inner.to_string();
            let message = message.split(" at line ").next().unwrap_or(&message).to_string();
            let (field, code) = if let Some(name) = between_backticks(&message).filter(|_| message.starts_with("unknown field")) {
                (join_path(&path, name), "unknown_field")
            } else if let Some(name) = between_backticks(&message).filter(|_| message.starts_with(DUPLICATE_KEY)) {
                (join_path(&path, name), "duplicate_key")
            } else if let Some(name) = between_backticks(&message).filter(|_| message.starts_with("missing field")) {
                (join_path(&path, name), "required")
            } else {
                (if path == "." || path.is_empty() { "body".to_string() } else { path }, "invalid_value")
            };
            DomainError::Validation(vec![FieldError::new(field, code, message)]).into()
        }
    }
}

fn between_backticks(message: &str) -> Option<&str> {
    let start = message.find('`')? + 1;
    let len = message[start..].find('`')?;
    Some(&message[start..start + len])
}

/// The field's full path. serde_path_to_error already ends an unknown
/// field's path with its name, but stops at the parent for a missing one.
fn join_path(path: &str, name: &str) -> String {
    if path == "." || path.is_empty() {
        name.to_string()
    } else if path == name || path.ends_with(&format!(".{name}")) {
        path.to_string()
    } else {
        format!("{path}.{name}")
    }
}

const DUPLICATE_KEY: &str = "duplicate key";

/// A JSON value read with every object's keys unique: `{"a":1,"a":2}` is
/// refused (RFC 8259 leaves it to the reader; taking the last silently
/// lets two readers of one body see different requests).
struct UniqueKeys(serde_json::Value);

impl<'de> serde::Deserialize<'de> for UniqueKeys {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(UniqueKeysVisitor).map(UniqueKeys)
    }
}

struct UniqueKeysVisitor;

impl<'de> serde::de::Visitor<'de> for UniqueKeysVisitor {
    type Value = serde_json::Value;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a JSON value")
    }
    fn visit_bool<E>(self, v: bool) -> Result<Self::Value, E> {
        Ok(v.into())
    }
    fn visit_i64<E>(self, v: i64) -> Result<Self::Value, E> {
        Ok(v.into())
    }
    fn visit_u64<E>(self, v: u64) -> Result<Self::Value, E> {
        Ok(v.into())
    }
    fn visit_f64<E>(self, v: f64) -> Result<Self::Value, E> {
        Ok(serde_json::Number::from_f64(v).map_or(serde_json::Value::Null, serde_json::Value::Number))
    }
    fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
        Ok(v.into())
    }
    fn visit_string<E>(self, v: String) -> Result<Self::Value, E> {
        Ok(v.into())
    }
    fn visit_unit<E>(self) -> Result<Self::Value, E> {
        Ok(serde_json::Value::Null)
    }
    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut items = Vec::new();
        while let Some(UniqueKeys(item)) = seq.next_element()? {
            items.push(item);
        }
        Ok(serde_json::Value::Array(items))
    }
    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut fields = serde_json::Map::new();
        while let Some(key) = map.next_key::<String>()? {
            if fields.contains_key(&key) {
                return Err(serde::de::Error::custom(format!("{DUPLICATE_KEY} `{key}`: each member may appear once")));
            }
            let UniqueKeys(value) = map.next_value()?;
            fields.insert(key, value);
        }
        Ok(serde_json::Value::Object(fields))
    }
}

/// Writes every number with no fractional part (`4.0`, `-2e3`) as an
/// integer. JSON Schema counts `4.0` as an integer, and so does the
/// contract; serde's integer types would refuse it.
fn integral_numbers_as_integers(value: &mut serde_json::Value) {
    use serde_json::Value;
    match value {
        Value::Number(number) if number.is_f64() => {
            let float = number.as_f64().unwrap_or(f64::NAN);
            // Within ±2^53 every integral float is exact as an i64.
            if float.fract() == 0.0 && float.abs() <= 9_007_199_254_740_992.0 {
                *value = Value::from(float as i64);
            }
        }
        Value::Array(items) => items.iter_mut().for_each(integral_numbers_as_integers),
        Value::Object(fields) => fields.values_mut().for_each(integral_numbers_as_integers),
        _ => {}
    }
}

/// Parses and validates a complete body.
pub fn parse_body<T: DeserializeOwned + Validate>(bytes: &[u8]) -> Result<T, ApiError> {
    let mut deserializer = serde_json::Deserializer::from_slice(bytes);
    let UniqueKeys(mut json) = serde_path_to_error::deserialize(&mut deserializer).map_err(body_error)?;
    deserializer.end().map_err(|e| ApiError::from(HttpFailure::MalformedBody(format!("trailing characters after the JSON value: {e}"))))?;
    if let Some(field) = jiuzhu_core::text::nul_in(&json) {
        return Err(DomainError::Validation(vec![field]).into());
    }
    integral_numbers_as_integers(&mut json);
    let value: T = serde_path_to_error::deserialize(json).map_err(body_error)?;
    value.validate().map_err(DomainError::from)?;
    Ok(value)
}

impl<T: DeserializeOwned + Validate + 'static> FromRequest for ValidJson<T> {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let content_type = req.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
        let limit = BodyLimit::of(req.app_data());
        let declared = req.headers().get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|v| v.parse::<usize>().ok());
        let mut payload = payload.take();
        Box::pin(async move {
            if !is_json(&content_type) {
                let shown = if content_type.is_empty() { "no content type".to_string() } else { content_type };
                return Err(HttpFailure::UnsupportedMediaType(shown).into());
            }
            if declared.is_some_and(|n| n > limit) {
                return Err(HttpFailure::PayloadTooLarge(limit).into());
            }
            let mut body = web::BytesMut::new();
            while let Some(chunk) = payload.next().await {
                let chunk = chunk.map_err(|e| ApiError::from(HttpFailure::MalformedBody(format!("body could not be read: {e}"))))?;
                if body.len() + chunk.len() > limit {
                    return Err(HttpFailure::PayloadTooLarge(limit).into());
                }
                body.extend_from_slice(&chunk);
            }
            parse_body(&body).map(ValidJson)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, Deserialize, Validate)]
    #[serde(deny_unknown_fields)]
    struct Login {
        #[validate(length(min = 1, max = 8))]
        username: String,
        #[allow(dead_code)]
        age: u8,
    }

    fn fields(err: ApiError) -> Vec<(String, String)> {
        match err {
            ApiError::Domain(DomainError::Validation(f)) => f.into_iter().map(|f| (f.field, f.code)).collect(),
            other => panic!("not a validation error: {other:?}"),
        }
    }

    #[test]
    fn recognises_json_media_types() {
        assert!(is_json("application/json; charset=utf-8"));
        assert!(is_json("application/merge-patch+json"));
        assert!(!is_json("text/plain"));
        assert!(!is_json(""));
    }

    #[test]
    fn duplicate_keys_are_refused_naming_the_member() {
        let twice = parse_body::<Login>(b"{\"username\":\"a\",\"age\":1,\"username\":\"b\"}").unwrap_err();
        assert_eq!(fields(twice), [("username".into(), "duplicate_key".into())]);
        let nested: Result<serde_json::Value, _> = serde_json::from_str::<UniqueKeys>(r#"{"x":[{"a":1,"a":2}]}"#).map(|u| u.0);
        assert!(nested.is_err());
        let fine = serde_json::from_str::<UniqueKeys>(r#"{"a":{"a":1},"b":[1,2.5,"x",null,true,18446744073709551615]}"#).unwrap().0;
        assert_eq!(fine, serde_json::json!({"a":{"a":1},"b":[1,2.5,"x",null,true,18446744073709551615u64]}));
    }

    #[test]
    fn syntax_errors_are_malformed_bodies() {
        assert!(matches!(parse_body::<Login>(b"{\"username\":"), Err(ApiError::Http(HttpFailure::MalformedBody(_)))));
        assert!(matches!(parse_body::<Login>(b"{\"username\":\"a\",\"age\":1} {}"), Err(ApiError::Http(HttpFailure::MalformedBody(_)))));
    }

    #[test]
    fn shape_errors_name_the_field() {
        assert_eq!(fields(parse_body::<Login>(b"{\"username\":\"a\"}").unwrap_err()), [("age".into(), "required".into())]);
        assert_eq!(
            fields(parse_body::<Login>(b"{\"username\":\"a\",\"age\":1,\"role\":1}").unwrap_err()),
            [("role".into(), "unknown_field".into())]
        );
        assert_eq!(fields(parse_body::<Login>(b"{\"username\":\"a\",\"age\":300}").unwrap_err()), [("age".into(), "invalid_value".into())]);
        let whole: Login = parse_body(b"{\"username\":\"a\",\"age\":42.0}").unwrap();
        assert_eq!(whole.age, 42, "a number with no fraction is an integer, as in JSON Schema");
        assert_eq!(
            fields(parse_body::<Login>(b"{\"username\":\"a\",\"age\":42.5}").unwrap_err()),
            [("age".into(), "invalid_value".into())]
        );
        assert_eq!(fields(parse_body::<Login>(b"{\"username\":\"\",\"age\":3}").unwrap_err()), [("username".into(), "length".into())]);
    }
}
