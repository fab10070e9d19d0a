//! The DCI message envelope (`signature`, `header`, `message`): the request
//! and answer headers, the spec's statuses and reason codes, and the checks
//! a request header must pass before its message is read.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;

/// The messaging protocol version served.
pub const VERSION: &str = "1.0.0";
/// The most requests one search message may carry.
pub const MAX_REQUESTS: usize = 100;

jiuzhu_core::coded_enum! {
    /// A request's or a message's status (DCI `status`).
    pub enum DciStatus as "dci_status" {
        Received = "rcvd", "已接收", "Received";
        Pending = "pdng", "处理中", "Pending";
        Succeeded = "succ", "成功", "Succeeded";
        Rejected = "rjct", "已拒绝", "Rejected";
    }
}

jiuzhu_core::coded_enum! {
    /// Why a whole message was rejected (DCI `MsgHeaderStatusReasonCode`).
    #[schema(as = DciHeaderReason)]
    pub enum HeaderReason as "dci_header_reason" {
        VersionInvalid = "rjct.version.invalid", "版本无效", "Version invalid";
        MessageIdDuplicate = "rjct.message_id.duplicate", "消息编号重复", "Message id duplicate";
        MessageTsInvalid = "rjct.message_ts.invalid", "消息时间无效", "Message timestamp invalid";
        ActionInvalid = "rjct.action.invalid", "动作无效", "Action invalid";
        ActionNotSupported = "rjct.action.not_supported", "动作不支持", "Action not supported";
        TotalCountInvalid = "rjct.total_count.invalid", "请求数不符", "Total count invalid";
        TotalCountLimitExceeded = "rjct.total_count.limit_exceeded", "请求数超限", "Total count over the limit";
        ErrorsTooMany = "rjct.errors.too_many", "错误过多", "Too many errors";
    }
}

jiuzhu_core::coded_enum! {
    /// Why one search request was rejected (DCI `SearchStatusReasonCode`).
    #[schema(as = DciSearchReason)]
    pub enum SearchReason as "dci_search_reason" {
        ReferenceIdInvalid = "rjct.reference_id.invalid", "请求编号无效", "Reference id invalid";
        ReferenceIdDuplicate = "rjct.reference_id.duplicate", "请求编号重复", "Reference id duplicate";
        TimestampInvalid = "rjct.timestamp.invalid", "请求时间无效", "Timestamp invalid";
        SearchCriteriaInvalid = "rjct.search_criteria.invalid", "查询条件无效", "Search criteria invalid";
        FilterInvalid = "rjct.filter.invalid", "筛选条件无效", "Filter invalid";
        SortInvalid = "rjct.sort.invalid", "排序无效", "Sort invalid";
        PaginationInvalid = "rjct.pagination.invalid", "分页无效", "Pagination invalid";
        TooManyRecordsFound = "rjct.search.too_many_records_found", "结果过多", "Too many records found";
    }
}

/// The header of a request message (DCI `MsgHeader`). Its examples are
/// the envelopes': an example here would have schemathesis generate the
/// rest of the envelope around it, which trips a CPython 3.11 fault in
/// hypothesis.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[schema(as = DciRequestHeader)]
pub struct RequestHeader {
    /// `1.0.0` when given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(pattern = r"^1\.0\.0$")]
    pub version: Option<String>,
    /// Unique per sender; a repeated one is refused (`rjct.message_id.duplicate`).
    #[schema(min_length = 1, max_length = 200)]
    pub message_id: String,
    /// ISO 8601 with a zone.
    #[schema(format = DateTime)]
    pub message_ts: String,
    /// `search` or `txn-status`, as the path says.
    #[schema(pattern = "^(search|txn-status)$")]
    pub action: String,
    #[schema(min_length = 1, max_length = 200)]
    pub sender_id: String,
    /// Where the answer of an asynchronous request is sent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sender_uri: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub receiver_id: Option<String>,
    /// How many requests the message carries.
    pub total_count: i64,
    /// Encrypted messages are not served: `true` is refused.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_msg_encrypted: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub meta: Option<Value>,
}

/// The header of an answer (DCI `MsgCallbackHeader`).
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(as = DciCallbackHeader)]
pub struct CallbackHeader {
    pub version: &'static str,
    /// jiuzhu's own id of this answer.
    pub message_id: String,
    pub message_ts: DateTime<Utc>,
    /// `on-search` or `txn-on-status`.
    pub action: &'static str,
    pub status: DciStatus,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status_reason_code: Option<HeaderReason>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status_reason_message: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub total_count: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub completed_count: Option<i64>,
    pub sender_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub receiver_id: Option<String>,
    pub is_msg_encrypted: bool,
}

/// Why a message as a whole is refused: the answer header's status reason,
/// and whether the message breaks the schema (answered HTTP 400) or only a
/// rule the schema cannot state, such as a count that does not add up (200).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    pub code: Option<HeaderReason>,
    pub message: String,
    pub malformed: bool,
}

impl Refusal {
    /// A well-formed message refused by a rule.
    pub fn new(code: Option<HeaderReason>, message: impl Into<String>) -> Self {
        Self { code, message: message.into(), malformed: false }
    }

    /// A message that breaks the schema.
    pub fn malformed(code: Option<HeaderReason>, message: impl Into<String>) -> Self {
        Self { code, message: message.into(), malformed: true }
    }
}

/// A timestamp as DCI writes them: RFC 3339 with a zone.
pub fn timestamp(raw: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(raw).ok().map(|t| t.with_timezone(&Utc))
}

/// The request header of `body` for `action`, or why the message is refused.
pub fn request_header(body: &Value, action: &str) -> Result<RequestHeader, Refusal> {
    let raw = body.get("header").ok_or_else(|| Refusal::malformed(None, "header is required"))?;
    let header: RequestHeader = serde_json::from_value(raw.clone()).map_err(|e| Refusal::malformed(None, format!("header: {e}")))?;
    check_header(&header, action)?;
    Ok(header)
}

/// The checks of a parsed header: version, action, timestamp, identifiers
/// and encryption. The request count is checked against the message later.
pub fn check_header(header: &RequestHeader, action: &str) -> Result<(), Refusal> {
    if header.version.as_deref().is_some_and(|v| v != VERSION) {
        return Err(Refusal::malformed(Some(HeaderReason::VersionInvalid), format!("header.version: only {VERSION} is served")));
    }
    if header.action != action {
        let message = format!("header.action: this endpoint takes `{action}`");
        let known = ["search", "txn-status"].contains(&header.action.as_str());
        let refusal = if known { Refusal::new } else { Refusal::malformed };
        return Err(refusal(Some(HeaderReason::ActionInvalid), message));
    }
    if timestamp(&header.message_ts).is_none() {
        return Err(Refusal::malformed(
            Some(HeaderReason::MessageTsInvalid),
            "header.message_ts: an ISO 8601 date-time with a zone is required",
        ));
    }
    for (field, value) in [("message_id", &header.message_id), ("sender_id", &header.sender_id)] {
        if !(1..=200).contains(&value.chars().count()) {
            return Err(Refusal::malformed(None, format!("header.{field}: 1 to 200 characters are required")));
        }
    }
    if header.is_msg_encrypted == Some(true) {
        return Err(Refusal::new(None, "header.is_msg_encrypted: encrypted messages are not served; send the message in clear over TLS"));
    }
    Ok(())
}

/// The request count the header announces against the requests sent.
pub fn check_count(header: &RequestHeader, sent: usize) -> Result<(), Refusal> {
    if sent > MAX_REQUESTS {
        return Err(Refusal::malformed(
            Some(HeaderReason::TotalCountLimitExceeded),
            format!("a message carries at most {MAX_REQUESTS} requests; this one has {sent}"),
        ));
    }
    if header.total_count != sent as i64 {
        return Err(Refusal::new(
            Some(HeaderReason::TotalCountInvalid),
            format!("header.total_count is {} but the message carries {sent} requests", header.total_count),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn body(header: Value) -> Value {
        json!({"header": header, "message": {}})
    }

    fn valid() -> Value {
        json!({"version": "1.0.0", "message_id": "m1", "message_ts": "2025-03-01T09:30:00+08:00", "action": "search", "sender_id": "ybj", "total_count": 1})
    }

    fn code_of(result: Result<RequestHeader, Refusal>) -> Option<HeaderReason> {
        result.expect_err("refused").code
    }

    #[test]
    fn a_well_formed_header_passes() {
        let header = request_header(&body(valid()), "search").expect("accepted");
        assert_eq!(header.sender_id, "ybj");
        assert!(check_count(&header, 1).is_ok());
    }

    #[test]
    fn each_header_fault_has_its_reason() {
        let mut h = valid();
        h["version"] = json!("2.0.0");
        assert_eq!(code_of(request_header(&body(h), "search")), Some(HeaderReason::VersionInvalid));
        assert_eq!(code_of(request_header(&body(valid()), "txn-status")), Some(HeaderReason::ActionInvalid));
        let mut h = valid();
        h["message_ts"] = json!("yesterday");
        assert_eq!(code_of(request_header(&body(h), "search")), Some(HeaderReason::MessageTsInvalid));
        let mut h = valid();
        h.as_object_mut().unwrap().remove("message_id");
        let refusal = request_header(&body(h), "search").expect_err("refused");
        assert!(refusal.message.contains("message_id"), "{}", refusal.message);
        let mut h = valid();
        h["is_msg_encrypted"] = json!(true);
        assert!(request_header(&body(h), "search").is_err());
        assert!(request_header(&json!({"message": {}}), "search").is_err());
    }

    #[test]
    fn the_count_must_match_and_stay_under_the_limit() {
        let header = request_header(&body(valid()), "search").expect("accepted");
        assert_eq!(check_count(&header, 2).expect_err("refused").code, Some(HeaderReason::TotalCountInvalid));
        assert_eq!(check_count(&header, MAX_REQUESTS + 1).expect_err("refused").code, Some(HeaderReason::TotalCountLimitExceeded));
    }
}
