//! Query strings held to the contract: each operation's query parameters,
//! read from the OpenAPI document once at start, and the check that runs
//! before any handler. A parameter the operation does not declare is 400
//! `bad_query` (`unknown_parameter`), and so is a value outside an
//! enumeration (`unknown_value`); a value of the wrong form (a date, a
//! number, a UUID) is 422 naming the parameter, as a body's field would be.

use crate::openapi::RouteTable;
use crate::problem::{ApiError, HttpFailure};
use actix_web::dev::ServiceRequest;
use actix_web::web;
use chrono::{DateTime, NaiveDate, Utc};
use jiuzhu_core::{DomainError, FieldError};
use serde_json::Value;

/// What a query parameter's values must look like.
#[derive(Debug, Clone, PartialEq)]
pub enum ValueKind {
    Text,
    /// A whole number within the schema's bounds and its format's range.
    Integer {
        minimum: i64,
        maximum: i64,
    },
    Boolean,
    Uuid,
    DateTime,
    Date,
    OneOf(Vec<String>),
}

/// A declared query parameter.
#[derive(Debug, Clone, PartialEq)]
pub struct QueryParameter {
    pub name: String,
    pub kind: ValueKind,
}

/// What is wrong with a query: `unknown` errors (parameters or values
/// outside the contract, 400) and `malformed` ones (422).
#[derive(Debug, Default, PartialEq)]
pub struct QueryFindings {
    pub unknown: Vec<FieldError>,
    pub malformed: Vec<FieldError>,
}

impl QueryFindings {
    pub fn is_empty(&self) -> bool {
        self.unknown.is_empty() && self.malformed.is_empty()
    }
}

impl ValueKind {
    /// The kind a parameter's JSON schema describes; `$ref`s are resolved in `document`.
    pub fn of_schema(schema: &Value, document: &Value) -> Self {
        if let Some(pointer) = schema["$ref"].as_str() {
            let target = document.pointer(pointer.trim_start_matches('#')).unwrap_or(&Value::Null);
            return Self::of_schema(target, document);
        }
        if let Some(values) = schema["enum"].as_array() {
            return Self::OneOf(values.iter().filter_map(|v| v.as_str().map(str::to_string)).collect());
        }
        let branches = schema["oneOf"].as_array().or(schema["anyOf"].as_array()).or(schema["allOf"].as_array());
        if let Some(branches) = branches {
            let kinds: Vec<Self> = branches.iter().filter(|b| b["type"] != "null").map(|b| Self::of_schema(b, document)).collect();
            if !kinds.is_empty() && kinds.iter().all(|k| matches!(k, Self::OneOf(_))) {
                return Self::OneOf(kinds.into_iter().flat_map(|k| if let Self::OneOf(v) = k { v } else { Vec::new() }).collect());
            }
            return kinds.into_iter().next().unwrap_or(Self::Text);
        }
        let kind = match &schema["type"] {
            Value::Array(types) => types.iter().filter_map(Value::as_str).find(|t| *t != "null").unwrap_or("string").to_string(),
            other => other.as_str().unwrap_or("string").to_string(),
        };
        match (kind.as_str(), schema["format"].as_str()) {
            ("integer", format) => {
                let (low, high) = match (format, schema["minimum"].as_i64().is_some_and(|m| m >= 0)) {
                    (Some("int32"), true) => (0, i64::from(u32::MAX)),
                    (Some("int32"), false) => (i64::from(i32::MIN), i64::from(i32::MAX)),
                    (_, true) => (0, i64::MAX),
                    _ => (i64::MIN, i64::MAX),
                };
                Self::Integer {
                    minimum: schema["minimum"].as_i64().map_or(low, |m| m.max(low)),
                    maximum: schema["maximum"].as_i64().map_or(high, |m| m.min(high)),
                }
            }
            ("boolean", _) => Self::Boolean,
            ("string", Some("uuid")) => Self::Uuid,
            ("string", Some("date-time")) => Self::DateTime,
            ("string", Some("date")) => Self::Date,
            _ => Self::Text,
        }
    }

    /// Why `value` is not of this kind: `(unknown, code, message)`, where
    /// `unknown` marks a value outside an enumeration.
    fn refusal(&self, value: &str) -> Option<(bool, &'static str, String)> {
        match self {
            Self::Text => None,
            Self::Integer { minimum, maximum } => match value.parse::<i64>() {
                Err(_) => Some((false, "not_an_integer", "a whole number".to_string())),
                Ok(n) if n < *minimum || n > *maximum => Some((false, "range", format!("between {minimum} and {maximum}"))),
                Ok(_) => None,
            },
            Self::Boolean => (!matches!(value, "true" | "false")).then(|| (false, "not_a_boolean", "true or false".to_string())),
            Self::Uuid => uuid::Uuid::parse_str(value).is_err().then(|| (false, "not_a_uuid", "a UUID".to_string())),
            Self::DateTime => value
                .parse::<DateTime<Utc>>()
                .is_err()
                .then(|| (false, "not_a_date_time", "an RFC 3339 instant such as 2025-01-01T00:00:00Z (or +08:00)".to_string())),
            Self::Date => value.parse::<NaiveDate>().is_err().then(|| (false, "not_a_date", "a date such as 2025-01-01".to_string())),
            Self::OneOf(values) => {
                (!values.iter().any(|v| v == value)).then(|| (true, "unknown_value", format!("one of {}", values.join(", "))))
            }
        }
    }
}

/// The refusal of a request whose query breaks its operation's contract:
/// 400 with every unknown parameter or value (and any malformed one beside
/// them), else 422 with the malformed ones. Requests no documented
/// operation answers, and query strings that do not decode, pass on to
/// routing and the extractors.
pub fn refusal(req: &ServiceRequest) -> Option<ApiError> {
    // Most requests carry no query: nothing to hold to the contract.
    if req.query_string().is_empty() {
        return None;
    }
    let routes = req.app_data::<web::Data<RouteTable>>()?;
    let declared = routes.query_parameters(req.method().as_str(), req.path())?;
    let pairs = web::Query::<Vec<(String, String)>>::from_query(req.query_string()).ok()?.into_inner();
    let QueryFindings { mut unknown, malformed } = check(declared, &pairs);
    if !unknown.is_empty() {
        unknown.extend(malformed);
        return Some(ApiError::Http(HttpFailure::BadQuery(unknown)));
    }
    (!malformed.is_empty()).then_some(ApiError::Domain(DomainError::Validation(malformed)))
}

/// Holds the pairs of a query string to what the operation declares.
pub fn check(declared: &[QueryParameter], pairs: &[(String, String)]) -> QueryFindings {
    let mut findings = QueryFindings::default();
    for (name, value) in pairs {
        let Some(parameter) = declared.iter().find(|p| &p.name == name) else {
            let accepted = if declared.is_empty() {
                "this operation takes no query parameters".to_string()
            } else {
                format!(
                    "not a parameter of this operation, which takes {}",
                    declared.iter().map(|p| p.name.as_str()).collect::<Vec<_>>().join(", ")
                )
            };
            findings.unknown.push(FieldError::new(name.clone(), "unknown_parameter", accepted));
            continue;
        };
        if let Some((unknown, code, expected)) = parameter.kind.refusal(value) {
            let error = FieldError::new(name.clone(), code, format!("{name} must be {expected}, got {value:?}"));
            if unknown { findings.unknown.push(error) } else { findings.malformed.push(error) }
        }
    }
    findings
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn declared() -> Vec<QueryParameter> {
        let document = json!({"components": {"schemas": {"Order": {"type": "string", "enum": ["asc", "desc"]}}}});
        let parameter = |name: &str, schema: Value| QueryParameter { name: name.into(), kind: ValueKind::of_schema(&schema, &document) };
        vec![
            parameter("from", json!({"type": "string", "format": "date-time"})),
            parameter("limit", json!({"type": "integer", "format": "int32", "minimum": 1, "maximum": 500})),
            parameter("order", json!({"$ref": "#/components/schemas/Order"})),
            parameter("overdue", json!({"type": ["boolean", "null"]})),
            parameter("beneficiary_id", json!({"type": "string", "format": "uuid"})),
            parameter("name", json!({"type": "string"})),
        ]
    }

    fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    fn codes(errors: &[FieldError]) -> Vec<(&str, &str)> {
        errors.iter().map(|e| (e.field.as_str(), e.code.as_str())).collect()
    }

    #[test]
    fn declared_parameters_of_the_right_form_pass() {
        let good = pairs(&[
            ("from", "2025-01-01T00:00:00+08:00"),
            ("limit", "500"),
            ("order", "desc"),
            ("overdue", "true"),
            ("beneficiary_id", "0190a6f0-0000-7000-8000-000000000000"),
            ("name", "张"),
        ]);
        assert!(check(&declared(), &good).is_empty());
    }

    #[test]
    fn an_undeclared_parameter_or_value_is_unknown_and_a_wrong_form_is_malformed() {
        let findings = check(&declared(), &pairs(&[("beneficiary", "x"), ("order", "sideways"), ("from", "2025-01-01"), ("limit", "501")]));
        assert_eq!(codes(&findings.unknown), [("beneficiary", "unknown_parameter"), ("order", "unknown_value")]);
        assert_eq!(codes(&findings.malformed), [("from", "not_a_date_time"), ("limit", "range")]);
        assert!(findings.malformed[0].message.contains("RFC 3339"), "{}", findings.malformed[0].message);
        let findings = check(&declared(), &pairs(&[("limit", "ten"), ("overdue", "yes"), ("beneficiary_id", "7")]));
        assert_eq!(
            codes(&findings.malformed),
            [("limit", "not_an_integer"), ("overdue", "not_a_boolean"), ("beneficiary_id", "not_a_uuid")]
        );
        assert_eq!(codes(&check(&[], &pairs(&[("x", "1")])).unknown), [("x", "unknown_parameter")]);
    }

    #[test]
    fn an_unsigned_32_bit_integer_keeps_to_its_range() {
        let kind = ValueKind::of_schema(&json!({"type": "integer", "format": "int32", "minimum": 0}), &json!({}));
        assert_eq!(kind, ValueKind::Integer { minimum: 0, maximum: i64::from(u32::MAX) });
        let kind = ValueKind::of_schema(&json!({"type": "integer", "format": "int32"}), &json!({}));
        assert_eq!(kind, ValueKind::Integer { minimum: i64::from(i32::MIN), maximum: i64::from(i32::MAX) });
    }
}
