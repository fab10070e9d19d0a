//! The DCI messages as the contract states them: the request envelopes of
//! search and transaction status, their answers, and the acknowledgement
//! of an asynchronous message. Requests are read by `envelope` and
//! `query`, not by serde, so that a message breaking the spec is answered
//! as the spec says; these types describe them to clients.

use super::envelope::{CallbackHeader, DciStatus, RequestHeader, SearchReason};
use super::{query, transactions};
use chrono::{DateTime, Utc};
use query::Entity;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;

/// A search message (the request body of `sync/search`).
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[schema(as = DciSearchEnvelope, example = json!({
    "header": {"version": "1.0.0", "message_id": "msg-20250301-0001", "message_ts": "2025-03-01T09:30:00+08:00", "action": "search", "sender_id": "ybj.shizuishan.gov.cn", "total_count": 1},
    "message": {"transaction_id": "txn-20250301-0001", "search_request": [{"reference_id": "ref-1", "timestamp": "2025-03-01T09:30:00+08:00",
        "search_criteria": {"version": "1.0.0", "reg_event_type": "REGISTER", "query_type": "idtype-value", "response_entity": "Member",
            "query": {"type": "NationalID", "value": "11010519491231002X"},
            "authorize": {"purpose": {"text": "医疗救助资助参保核对 2025-03"}}}, "locale": "zho"}]}}))]
pub struct SearchEnvelope {
    /// Not verified: the bearer token authenticates the sender.
    #[serde(default)]
    pub signature: Option<String>,
    pub header: RequestHeader,
    pub message: SearchMessage,
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[schema(as = DciSearchMessage)]
pub struct SearchMessage {
    #[schema(min_length = 1, max_length = 99)]
    pub transaction_id: String,
    /// 1 to 100 requests, each answered on its own.
    #[schema(min_items = 1, max_items = 100)]
    pub search_request: Vec<SearchRequestEntry>,
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[schema(as = DciSearchRequest)]
pub struct SearchRequestEntry {
    /// Unique in the message (1 to 200 characters); answers carry it.
    pub reference_id: String,
    #[schema(format = DateTime)]
    pub timestamp: String,
    pub search_criteria: SearchCriteria,
    /// ISO 639-3: `zho` gives Chinese labels, anything else English.
    #[serde(default)]
    #[schema(pattern = "^[a-z]{3}$")]
    pub locale: Option<String>,
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[schema(as = DciSearchCriteria)]
pub struct SearchCriteria {
    #[serde(default)]
    pub version: Option<String>,
    /// `REGISTER` (the list as it is); `NewHouseHoldMember` is not served.
    #[serde(default)]
    pub reg_event_type: Option<query::RegEventType>,
    pub query_type: query::QueryType,
    #[serde(default)]
    pub response_entity: Option<Entity>,
    /// `idtype-value`: `{type: NationalID|UIN, value}`; `predicate`: a list of
    /// `{expression1: {attribute_name, operator: eq, attribute_value}, condition: and, expression2}`;
    /// `expression`: `{type, value: {expression: {collection, query: {"$and": [{attr: {"$eq": v}}]}}}}`.
    /// Attributes: `region_code`, `category`, `group`, `status`.
    pub query: Value,
    /// At most one key.
    #[serde(default)]
    pub sort: Option<Vec<SortKey>>,
    #[serde(default)]
    pub pagination: Option<Pagination>,
    /// `purpose.text` is recorded; one of `authorize` and `consent` must carry it.
    #[serde(default)]
    pub consent: Option<serde_json::Map<String, Value>>,
    #[serde(default)]
    pub authorize: Option<serde_json::Map<String, Value>>,
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[schema(as = DciSortKey)]
pub struct SortKey {
    /// `registration_date` or `region_code`.
    #[serde(default)]
    pub attribute_name: Option<String>,
    #[serde(default)]
    pub sort_order: Option<jiuzhu_core::SortOrder>,
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[schema(as = DciPagination)]
pub struct Pagination {
    /// 1 to 500; a request without pagination gets 50.
    pub page_size: i64,
    /// From 1 (the default).
    #[serde(default)]
    pub page_number: Option<i64>,
}

/// A transaction status message (the request body of `sync/txn/status`).
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[schema(as = DciTxnStatusEnvelope, example = json!({
    "header": {"version": "1.0.0", "message_id": "msg-20250301-0002", "message_ts": "2025-03-01T09:31:00+08:00", "action": "txn-status", "sender_id": "ybj.shizuishan.gov.cn", "total_count": 1},
    "message": {"transaction_id": "txn-20250301-0001", "txnstatus_request": {"reference_id": "status-1", "txn_type": "search", "attribute_type": "transaction_id", "attribute_value": "txn-20250301-0001"}}}))]
pub struct TxnStatusEnvelope {
    #[serde(default)]
    pub signature: Option<String>,
    pub header: RequestHeader,
    pub message: TxnStatusMessage,
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[schema(as = DciTxnStatusMessage)]
pub struct TxnStatusMessage {
    #[schema(min_length = 1, max_length = 99)]
    pub transaction_id: String,
    pub txnstatus_request: TxnStatusRequest,
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[schema(as = DciTxnStatusRequest)]
pub struct TxnStatusRequest {
    pub reference_id: String,
    /// Only `search` is served.
    pub txn_type: transactions::TxnType,
    pub attribute_type: transactions::AttributeType,
    /// A transaction or correlation id, or a list of reference ids.
    pub attribute_value: Value,
}

/// The records found for one request.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[schema(as = DciSearchData)]
pub struct SearchData {
    pub version: String,
    /// `spdci:Member` or `spdci:Group` records (see `docs/registry-search.md`).
    pub reg_records: Vec<Value>,
}

/// DCI's page counts: pages count people, from 1.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[schema(as = DciPageCounts)]
pub struct PageCounts {
    pub page_size: u64,
    pub page_number: u64,
    pub total_count: u64,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[schema(as = DciSearchResponse)]
pub struct SearchResponseEntry {
    pub reference_id: String,
    pub timestamp: DateTime<Utc>,
    /// `succ` or `rjct`.
    pub status: DciStatus,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status_reason_code: Option<SearchReason>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status_reason_message: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data: Option<SearchData>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pagination: Option<PageCounts>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub locale: Option<String>,
}

/// The `message` of an on-search answer.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[schema(as = DciSearchResponseMessage)]
pub struct SearchResponseMessage {
    pub transaction_id: String,
    /// jiuzhu's id of the transaction; ask for its status by it.
    pub correlation_id: String,
    pub search_response: Vec<SearchResponseEntry>,
}

/// The answer to a search message; a refused message has no `message`.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(as = DciSearchAnswer)]
pub struct SearchAnswer {
    pub header: CallbackHeader,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<SearchResponseMessage>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(as = DciTxnStatus)]
pub struct TxnStatus {
    pub txn_type: &'static str,
    /// The search answer as it was given (only the requests named, for `reference_id_list`).
    pub txn_status: SearchResponseMessage,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(as = DciTxnStatusResponseMessage)]
pub struct TxnStatusResponseMessage {
    pub transaction_id: String,
    pub correlation_id: String,
    pub txnstatus_response: TxnStatus,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(as = DciTxnStatusAnswer)]
pub struct TxnStatusAnswer {
    pub header: CallbackHeader,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<TxnStatusResponseMessage>,
}

/// The acknowledgement of an asynchronous message (DCI `Response`).
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(as = DciAck)]
pub struct Ack {
    pub message: AckMessage,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(as = DciAckMessage)]
pub struct AckMessage {
    /// `ACK`: the answer follows at `sender_uri`; `ERR`: it will not (see `error`).
    pub ack_status: AckStatus,
    pub timestamp: DateTime<Utc>,
    /// The transaction's id, in the answer that follows and for `txn/status`.
    pub correlation_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<AckError>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(as = DciAckError)]
pub struct AckError {
    pub code: ErrorCode,
    pub message: String,
}

jiuzhu_core::coded_enum! {
    /// Whether an asynchronous message was taken (DCI `ack_status`).
    #[schema(as = DciAckStatus)]
    pub enum AckStatus as "dci_ack_status" {
        Ack = "ACK", "已受理", "Acknowledged";
        Nack = "NACK", "不回调", "Not acknowledged";
        Err = "ERR", "无法处理", "Error";
    }
}

jiuzhu_core::coded_enum! {
    /// Why an asynchronous message was not taken (DCI `Error.code`).
    #[schema(as = DciErrorCode)]
    pub enum ErrorCode as "dci_error_code" {
        RequestBad = "err.request.bad", "请求无效", "Bad request";
        VersionNotSupported = "err.version.not_supported", "版本不支持", "Version not supported";
        SenderUriInvalid = "err.sender_uri.invalid", "回调地址无效", "Sender URI invalid";
    }
}
