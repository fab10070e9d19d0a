//! The DCI social registry API (Digital Convergence Initiative, social
//! registry 1.0.0) over the service target list: search and transaction
//! status, synchronous or acknowledged and answered to the caller's
//! webhook, in the spec's envelope, with region scope, masking and an
//! audit row per search exactly as jiuzhu's own registry search.
//! See `docs/registry-search.md` for the mapping and what is not served.

pub mod envelope;
mod messages;
pub mod query;
pub mod records;
pub mod transactions;

pub use messages::*;

use crate::registry::{LatestAssessment, facts};
use envelope::{CallbackHeader, DciStatus, HeaderReason, Refusal, RequestHeader, SearchReason};
use jiuzhu_core::mask::Pii;
use jiuzhu_core::{Context, DomainError, Permission, id::new_id};
use jiuzhu_intake::beneficiaries::{self, BeneficiaryView};
use jiuzhu_intake::households;
use jiuzhu_platform::Db;
use jiuzhu_platform::record::{Change, authorize};
use jiuzhu_platform::webhook_dispatch::{self, Message, Receiver};
use query::{Entity, Lookup, Rejection, Request};
use records::{Facts, Labels};
use serde::Serialize;
use serde_json::Value;
use std::collections::{HashMap, HashSet};
use uuid::Uuid;

/// How a message was taken, which the HTTP status tells.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Disposition {
    /// Answered (200), refusals inside.
    Answered,
    /// Acknowledged; the answer follows at `sender_uri` (202).
    Acknowledged,
    /// The message breaks the schema (400).
    Malformed,
    /// Not taken: no webhook of the caller's at `sender_uri` to answer to (409).
    NoReceiver,
}

/// An answer and how its message was taken.
#[derive(Debug, Clone)]
pub struct Reply<T> {
    pub disposition: Disposition,
    pub answer: T,
}

impl<T> Reply<T> {
    fn new(malformed: bool, answer: T) -> Self {
        Self { disposition: if malformed { Disposition::Malformed } else { Disposition::Answered }, answer }
    }
}

/// Who answers: the registry id this deployment goes by, and the caller.
struct Replier<'a> {
    registry_id: &'a str,
    ctx: &'a Context,
    action: &'static str,
    receiver_id: Option<String>,
}

impl Replier<'_> {
    fn header(&self, status: DciStatus, refusal: Option<&Refusal>, counts: Option<(i64, i64)>) -> CallbackHeader {
        CallbackHeader {
            version: envelope::VERSION,
            message_id: new_id().to_string(),
            message_ts: self.ctx.now,
            action: self.action,
            status,
            status_reason_code: refusal.and_then(|r| r.code),
            status_reason_message: refusal.map(|r| r.message.clone()),
            total_count: counts.map(|c| c.0),
            completed_count: counts.map(|c| c.1),
            sender_id: self.registry_id.to_string(),
            receiver_id: self.receiver_id.clone(),
            is_msg_encrypted: false,
        }
    }
}

fn sender_of(body: &Value) -> Option<String> {
    body.get("header")?.get("sender_id")?.as_str().map(str::to_string)
}

/// The message part of `body`, refusing encrypted ones (and a signature
/// that is not a string: it is not checked, but it is what the schema says).
fn message_of(body: &Value) -> Result<&serde_json::Map<String, Value>, Refusal> {
    if body.get("signature").is_some_and(|s| !s.is_null() && !s.is_string()) {
        return Err(Refusal::malformed(None, "signature is a string"));
    }
    let message = body.get("message").and_then(Value::as_object).ok_or_else(|| Refusal::malformed(None, "message is required"))?;
    if message.contains_key("ciphertext") {
        return Err(Refusal::malformed(None, "message: encrypted messages are not served; send the message in clear over TLS"));
    }
    Ok(message)
}

fn transaction_id_of(message: &serde_json::Map<String, Value>) -> Result<String, Refusal> {
    match message.get("transaction_id").and_then(Value::as_str) {
        Some(id) if !id.trim().is_empty() && id.chars().count() <= 99 => Ok(id.to_string()),
        _ => Err(Refusal::malformed(None, "message.transaction_id: 1 to 99 characters are required")),
    }
}

/// The event types a caller's webhook takes, by name, to receive the
/// answers of its asynchronous messages.
pub const ON_SEARCH: &str = "dci.on_search";
pub const TXN_ON_STATUS: &str = "dci.txn_on_status";

/// Where the answer of an asynchronous message goes: the caller's webhook
/// at its `sender_uri`.
#[derive(Debug, Clone)]
pub struct Callback {
    pub receiver: Receiver,
    pub event_type: &'static str,
    pub attempt_limit: u32,
}

impl Callback {
    /// The delivery of `header` and `message` as a signed DCI envelope: the
    /// `signature` is the webhook signature (`t=…,v1=…`, HMAC-SHA256 with
    /// the webhook's secret) of the header's JSON followed by the message's.
    fn delivery(&self, ctx: &Context, id: Uuid, header: &impl Serialize, message: Option<&impl Serialize>) -> Result<Message, DomainError> {
        let header = serde_json::to_value(header).map_err(|e| DomainError::Internal(format!("DCI header: {e}")))?;
        let message = serde_json::to_value(message).map_err(|e| DomainError::Internal(format!("DCI message: {e}")))?;
        let signed = format!("{header}{}", if message.is_null() { String::new() } else { message.to_string() });
        let mut body = serde_json::json!({
            "signature": webhook_dispatch::signature(self.receiver.secret(), ctx.now.timestamp(), &signed),
            "header": header,
        });
        if !message.is_null() {
            body["message"] = message;
        }
        Ok(Message {
            id,
            event_type: self.event_type.to_string(),
            subject_id: id.to_string(),
            body: body.to_string(),
            position: jiuzhu_platform::webhooks::TEST_POSITION,
        })
    }
}

/// A search message as read: its header, transaction id and requests.
type SearchRead<'a> = (RequestHeader, String, &'a Vec<Value>);

/// Reads a search message, or says why it is refused whole.
fn read_search(body: &Value) -> Result<SearchRead<'_>, Refusal> {
    let header = envelope::request_header(body, "search")?;
    let message = message_of(body)?;
    let transaction_id = transaction_id_of(message)?;
    let requests = message
        .get("search_request")
        .and_then(Value::as_array)
        .filter(|r| !r.is_empty())
        .ok_or_else(|| Refusal::malformed(None, "message.search_request: 1 to 100 requests are required"))?;
    envelope::check_count(&header, requests.len())?;
    for (index, request) in requests.iter().enumerate() {
        query::conforms(request, index).map_err(|message| Refusal::malformed(None, message))?;
    }
    Ok((header, transaction_id, requests))
}

/// `POST /dci/registry/sync/search`: answers every request of the message
/// at once, records the transaction and audits each search with its purpose.
pub async fn sync_search(db: &Db, ctx: &Context, registry_id: &str, body: &Value) -> Result<Reply<SearchAnswer>, DomainError> {
    authorize(db, ctx, Permission::RegistrySearch).await?;
    let replier = Replier { registry_id, ctx, action: "on-search", receiver_id: sender_of(body) };
    Ok(answer_search(db, ctx, &replier, read_search(body), None).await?.0)
}

/// Answers a search message as `read_search` read it, and queues the
/// answer to `callback` in the same transaction when there is one. Returns
/// the answer and the transaction's correlation id (a fresh one for a
/// refused message).
async fn answer_search(
    db: &Db,
    ctx: &Context,
    replier: &Replier<'_>,
    read: Result<SearchRead<'_>, Refusal>,
    callback: Option<&Callback>,
) -> Result<(Reply<SearchAnswer>, Uuid), DomainError> {
    let correlation_id = new_id();
    let refused = |refusal: Refusal| async move {
        let answer = SearchAnswer { header: replier.header(DciStatus::Rejected, Some(&refusal), None), message: None };
        if let Some(callback) = callback {
            let txn = db.begin_write().await?;
            let delivery = callback.delivery(ctx, correlation_id, &answer.header, answer.message.as_ref())?;
            callback.receiver.queue(&*txn, delivery, ctx.now, callback.attempt_limit).await?;
            txn.commit().await?;
        }
        Ok::<_, DomainError>((Reply::new(refusal.malformed, answer), correlation_id))
    };
    let (header, transaction_id, requests) = match read {
        Ok(read) => read,
        Err(refusal) => return refused(refusal).await,
    };
    let duplicate = || Refusal::new(Some(HeaderReason::MessageIdDuplicate), format!("message_id {} was sent before", header.message_id));
    if transactions::message_seen(db, ctx, &header.message_id).await? {
        return refused(duplicate()).await;
    }
    let mut answers = Vec::with_capacity(requests.len());
    let mut changes = Vec::new();
    let mut references = HashSet::new();
    for item in requests {
        let request = query::read(item).and_then(|request| {
            if references.insert(request.reference_id.clone()) {
                Ok(request)
            } else {
                Err(Rejection {
                    reference_id: request.reference_id.clone(),
                    code: SearchReason::ReferenceIdDuplicate,
                    message: "reference_id is used twice in this message".into(),
                })
            }
        });
        let answer = match request {
            Err(rejection) => rejected(ctx, rejection),
            Ok(request) => {
                let (answer, found) = run(db, ctx, &request).await?;
                changes.push(searched(ctx, correlation_id, &transaction_id, &request, &found));
                answer
            }
        };
        answers.push(answer);
    }
    let message = SearchResponseMessage { transaction_id, correlation_id: correlation_id.to_string(), search_response: answers };
    let count = message.search_response.len() as i64;
    let answer = SearchAnswer { header: replier.header(DciStatus::Succeeded, None, Some((count, count))), message: Some(message) };
    let delivery = match callback {
        Some(callback) => Some((callback, callback.delivery(ctx, correlation_id, &answer.header, answer.message.as_ref())?)),
        None => None,
    };
    let stored = answer.message.as_ref().ok_or_else(|| DomainError::Internal("an answered message has a message".into()))?;
    match transactions::store(db, ctx, correlation_id, &header, stored, changes, delivery).await {
        Ok(()) => Ok((Reply::new(false, answer), correlation_id)),
        Err(DomainError::Conflict { .. }) => refused(duplicate()).await,
        Err(other) => Err(other),
    }
}

fn ack(ctx: &Context, correlation_id: Uuid) -> Reply<Ack> {
    let message = AckMessage { ack_status: AckStatus::Ack, timestamp: ctx.now, correlation_id: correlation_id.to_string(), error: None };
    Reply { disposition: Disposition::Acknowledged, answer: Ack { message } }
}

fn not_taken(ctx: &Context, disposition: Disposition, code: ErrorCode, message: String) -> Reply<Ack> {
    let error = Some(AckError { code, message });
    let message = AckMessage { ack_status: AckStatus::Err, timestamp: ctx.now, correlation_id: new_id().to_string(), error };
    Reply { disposition, answer: Ack { message } }
}

/// The callback of an asynchronous message: the caller's webhook at
/// `header.sender_uri` taking `event_type`, or the `ERR` to answer instead.
async fn callback_of(
    db: &Db,
    ctx: &Context,
    body: &Value,
    event_type: &'static str,
    attempt_limit: u32,
) -> Result<Result<Callback, Reply<Ack>>, DomainError> {
    let Some(uri) = body.get("header").and_then(|h| h.get("sender_uri")).and_then(Value::as_str) else {
        let refusal = "header.sender_uri is required: an asynchronous answer is sent there".to_string();
        return Ok(Err(not_taken(ctx, Disposition::NoReceiver, ErrorCode::SenderUriInvalid, refusal)));
    };
    match webhook_dispatch::named_receiver(db.conn(), &ctx.actor.subject, uri, event_type).await? {
        Some(receiver) => Ok(Ok(Callback { receiver, event_type, attempt_limit })),
        None => {
            let refusal = format!(
                "header.sender_uri: register a webhook at this URL taking `{event_type}` first; answers go only to your own webhooks"
            );
            Ok(Err(not_taken(ctx, Disposition::NoReceiver, ErrorCode::SenderUriInvalid, refusal)))
        }
    }
}

/// An `ERR` for a message that breaks the schema.
fn malformed_ack(ctx: &Context, refusal: &Refusal) -> Reply<Ack> {
    let code = if refusal.code == Some(HeaderReason::VersionInvalid) { ErrorCode::VersionNotSupported } else { ErrorCode::RequestBad };
    not_taken(ctx, Disposition::Malformed, code, refusal.message.clone())
}

/// `POST /dci/registry/search`: the asynchronous search. A message that
/// breaks the schema, or names no webhook of the caller's as `sender_uri`,
/// is not taken (`ERR`); any other is acknowledged (`ACK`) with its
/// correlation id, answered as the synchronous search answers it, and the
/// answer is queued to the webhook in the same transaction, to be sent as
/// an on-search message, retried and logged like every delivery.
pub async fn search(db: &Db, ctx: &Context, registry_id: &str, attempt_limit: u32, body: &Value) -> Result<Reply<Ack>, DomainError> {
    authorize(db, ctx, Permission::RegistrySearch).await?;
    let read = read_search(body);
    if let Err(refusal) = &read
        && refusal.malformed
    {
        return Ok(malformed_ack(ctx, refusal));
    }
    let callback = match callback_of(db, ctx, body, ON_SEARCH, attempt_limit).await? {
        Ok(callback) => callback,
        Err(not_taken) => return Ok(not_taken),
    };
    let replier = Replier { registry_id, ctx, action: "on-search", receiver_id: sender_of(body) };
    let (_, correlation_id) = answer_search(db, ctx, &replier, read, Some(&callback)).await?;
    Ok(ack(ctx, correlation_id))
}

fn rejected(ctx: &Context, rejection: Rejection) -> SearchResponseEntry {
    SearchResponseEntry {
        reference_id: rejection.reference_id,
        timestamp: ctx.now,
        status: DciStatus::Rejected,
        status_reason_code: Some(rejection.code),
        status_reason_message: Some(rejection.message),
        data: None,
        pagination: None,
        locale: None,
    }
}

/// The audit row of one search: who asked, why, and whom it found (by internal id).
fn searched(ctx: &Context, correlation_id: Uuid, transaction_id: &str, request: &Request, found: &[Uuid]) -> Change {
    Change::audited("registry.searched", "registry", correlation_id, ctx.actor.region.as_str()).with_detail(serde_json::json!({
        "via": "dci",
        "purpose": request.purpose,
        "transaction_id": transaction_id,
        "reference_id": request.reference_id,
        "query_type": request.query_type,
        "response_entity": request.entity,
        "found": found.len(),
        "revealed": false,
        "beneficiary_ids": found,
    }))
}

/// Runs one request: the people it finds, shaped as members or households.
async fn run(db: &Db, ctx: &Context, request: &Request) -> Result<(SearchResponseEntry, Vec<Uuid>), DomainError> {
    let (people, counts) = match &request.lookup {
        Lookup::Id(id) => {
            let people: Vec<BeneficiaryView> = beneficiaries::by_id_numbers(db.conn(), ctx, &[id.as_str().to_string()], Pii::Masked)
                .await?
                .into_iter()
                .map(|(_, p)| p)
                .collect();
            let total = people.len() as u64;
            (people, PageCounts { page_size: 1, page_number: 1, total_count: total })
        }
        Lookup::People { filter, order, descending, size, number } => {
            let (people, total) =
                beneficiaries::numbered_page(db.conn(), ctx, filter, *order, *descending, (*size, *number), Pii::Masked).await?;
            (people, PageCounts { page_size: *size, page_number: *number, total_count: total })
        }
    };
    let labels = Labels::for_locale(request.locale.as_deref());
    let found: Vec<Uuid> = people.iter().map(|p| p.id).collect();
    let reg_records = match request.entity {
        Entity::Member => {
            let known = facts(db, &found).await?;
            people.iter().map(|p| records::member(p, &fact(&known, p.id), None, labels)).collect()
        }
        Entity::Group => households_of(db, ctx, &people, labels).await?,
    };
    let entry = SearchResponseEntry {
        reference_id: request.reference_id.clone(),
        timestamp: ctx.now,
        status: DciStatus::Succeeded,
        status_reason_code: None,
        status_reason_message: None,
        data: Some(SearchData { version: envelope::VERSION.into(), reg_records }),
        pagination: Some(counts),
        locale: request.locale.clone(),
    };
    Ok((entry, found))
}

type Known = (HashMap<Uuid, LatestAssessment>, HashMap<Uuid, u64>);

fn fact(known: &Known, id: Uuid) -> Facts {
    Facts { assessment: known.0.get(&id).cloned(), open_needs: known.1.get(&id).copied().unwrap_or(0) }
}

/// The households of `people` (each once, in the order first met), and a
/// group of one for each person in none.
async fn households_of(db: &Db, ctx: &Context, people: &[BeneficiaryView], labels: Labels) -> Result<Vec<Value>, DomainError> {
    let mut household_ids = Vec::new();
    for id in people.iter().filter_map(|p| p.household_id) {
        if !household_ids.contains(&id) {
            household_ids.push(id);
        }
    }
    let found = households::with_members(db.conn(), ctx, &household_ids, Pii::Masked).await?;
    let everyone: Vec<Uuid> = people.iter().map(|p| p.id).chain(found.iter().flat_map(|h| h.members.iter().map(|(m, _)| m.id))).collect();
    let known = facts(db, &everyone).await?;
    let mut groups = Vec::new();
    let mut shown = HashSet::new();
    for person in people {
        match person.household_id.and_then(|id| found.iter().find(|h| h.household.id == id)) {
            Some(household) => {
                if shown.insert(household.household.id) {
                    groups.push(records::group(household, |m| fact(&known, m.id), labels));
                }
            }
            None => groups.push(records::group_of_one(person, &fact(&known, person.id), labels)),
        }
    }
    Ok(groups)
}

/// `POST /dci/registry/sync/txn/status`: the answer a transaction of the
/// caller's was given, found by transaction id, correlation id or the
/// reference ids of its requests. Another caller's transaction is unknown.
pub async fn sync_txn_status(db: &Db, ctx: &Context, registry_id: &str, body: &Value) -> Result<Reply<TxnStatusAnswer>, DomainError> {
    authorize(db, ctx, Permission::RegistrySearch).await?;
    let replier = Replier { registry_id, ctx, action: "txn-on-status", receiver_id: sender_of(body) };
    answer_txn_status(db, ctx, &replier, read_txn_status(body)).await
}

/// Reads a status message: its transaction id and what it names.
fn read_txn_status(body: &Value) -> Result<(String, transactions::Wanted), Refusal> {
    let header = envelope::request_header(body, "txn-status")?;
    envelope::check_count(&header, 1)?;
    let message = message_of(body)?;
    let transaction_id = transaction_id_of(message)?;
    let request = message.get("txnstatus_request").ok_or_else(|| Refusal::malformed(None, "message.txnstatus_request is required"))?;
    let request: TxnStatusRequest =
        serde_json::from_value(request.clone()).map_err(|e| Refusal::malformed(None, format!("message.txnstatus_request: {e}")))?;
    if request.txn_type != transactions::TxnType::Search {
        let refusal = format!("txn_type `{}` is not served", request.txn_type.code());
        return Err(Refusal::new(Some(HeaderReason::ActionNotSupported), refusal));
    }
    let wanted =
        transactions::Wanted::read(request.attribute_type, &request.attribute_value).map_err(|message| Refusal::new(None, message))?;
    Ok((transaction_id, wanted))
}

/// Answers a status message as `read_txn_status` read it.
async fn answer_txn_status(
    db: &Db,
    ctx: &Context,
    replier: &Replier<'_>,
    read: Result<(String, transactions::Wanted), Refusal>,
) -> Result<Reply<TxnStatusAnswer>, DomainError> {
    let refused = |refusal: Refusal| {
        Reply::new(refusal.malformed, TxnStatusAnswer { header: replier.header(DciStatus::Rejected, Some(&refusal), None), message: None })
    };
    let (transaction_id, wanted) = match read {
        Ok(read) => read,
        Err(refusal) => return Ok(refused(refusal)),
    };
    let Some(found) = transactions::find(db, ctx, &wanted).await? else {
        return Ok(refused(Refusal::new(None, "no transaction of yours matches")));
    };
    let count = found.search_response.len() as i64;
    let message = TxnStatusResponseMessage {
        transaction_id,
        correlation_id: found.correlation_id.clone(),
        txnstatus_response: TxnStatus { txn_type: "search", txn_status: found },
    };
    let answer = TxnStatusAnswer { header: replier.header(DciStatus::Succeeded, None, Some((count, count))), message: Some(message) };
    Ok(Reply::new(false, answer))
}

/// `POST /dci/registry/txn/status`: the asynchronous status request,
/// acknowledged and answered at `sender_uri` as a txn-on-status message
/// (to the caller's webhook taking `dci.txn_on_status`).
pub async fn txn_status(db: &Db, ctx: &Context, registry_id: &str, attempt_limit: u32, body: &Value) -> Result<Reply<Ack>, DomainError> {
    authorize(db, ctx, Permission::RegistrySearch).await?;
    let read = read_txn_status(body);
    if let Err(refusal) = &read
        && refusal.malformed
    {
        return Ok(malformed_ack(ctx, refusal));
    }
    let callback = match callback_of(db, ctx, body, TXN_ON_STATUS, attempt_limit).await? {
        Ok(callback) => callback,
        Err(not_taken) => return Ok(not_taken),
    };
    let replier = Replier { registry_id, ctx, action: "txn-on-status", receiver_id: sender_of(body) };
    let reply = answer_txn_status(db, ctx, &replier, read).await?;
    let id = new_id();
    let delivery = callback.delivery(ctx, id, &reply.answer.header, reply.answer.message.as_ref())?;
    let txn = db.begin_write().await?;
    callback.receiver.queue(&*txn, delivery, ctx.now, callback.attempt_limit).await?;
    txn.commit().await?;
    Ok(ack(ctx, id))
}
