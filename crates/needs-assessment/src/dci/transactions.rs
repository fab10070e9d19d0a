//! DCI transactions as stored: each search message under its correlation
//! id with the answer it got (records masked) and its requests' reference
//! ids, readable only by the token subject that sent it.

use super::SearchResponseMessage;
use super::envelope::{DciStatus, RequestHeader};
use crate::entity::{dci_reference, dci_transaction};
use jiuzhu_core::stored_json::{from_column, to_column};
use jiuzhu_core::{Context, DomainError};
use jiuzhu_platform::Db;
use jiuzhu_platform::record::{Change, record_all};
use jiuzhu_platform::webhook_dispatch::Message;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, Set};
use serde_json::Value;
use uuid::Uuid;

/// The longest reference id kept (and accepted in a request).
pub const MAX_REFERENCE_CHARS: usize = 200;
/// The most reference ids one status request may name.
const MAX_REFERENCES: usize = 100;

pub async fn message_seen(db: &Db, ctx: &Context, message_id: &str) -> Result<bool, DomainError> {
    Ok(dci_transaction::Entity::find()
        .filter(dci_transaction::Column::Owner.eq(ctx.actor.subject.as_str()))
        .filter(dci_transaction::Column::MessageId.eq(message_id))
        .one(db.conn())
        .await?
        .is_some())
}

/// Stores an answered message with its references and audit rows, in one
/// transaction. A message id stored meanwhile by a concurrent request
/// answers `Conflict` (the unique key), and nothing is written.
pub async fn store(
    db: &Db,
    ctx: &Context,
    correlation_id: Uuid,
    header: &RequestHeader,
    answer: &SearchResponseMessage,
    changes: Vec<Change>,
    callback: Option<(&super::Callback, Message)>,
) -> Result<(), DomainError> {
    let txn = db.begin_write().await?;
    dci_transaction::ActiveModel {
        id: Set(correlation_id),
        owner: Set(ctx.actor.subject.clone()),
        sender_id: Set(header.sender_id.clone()),
        message_id: Set(header.message_id.clone()),
        transaction_id: Set(answer.transaction_id.clone()),
        txn_type: Set("search".into()),
        status: Set(DciStatus::Succeeded.code().into()),
        response: Set(Some(to_column(answer)?)),
        created_at: Set(ctx.now),
        completed_at: Set(Some(ctx.now)),
    }
    .insert(&*txn)
    .await?;
    let references: Vec<dci_reference::ActiveModel> = answer
        .search_response
        .iter()
        // A rejected request may echo a reference no status request could name.
        .filter(|r| (1..=MAX_REFERENCE_CHARS).contains(&r.reference_id.chars().count()))
        .map(|r| r.reference_id.clone())
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .map(|reference_id| dci_reference::ActiveModel {
            owner: Set(ctx.actor.subject.clone()),
            reference_id: Set(reference_id),
            transaction: Set(correlation_id),
        })
        .collect();
    if !references.is_empty() {
        dci_reference::Entity::insert_many(references).exec_without_returning(&*txn).await?;
    }
    record_all(&*txn, ctx, changes).await?;
    if let Some((callback, delivery)) = callback {
        callback.receiver.queue(&*txn, delivery, ctx.now, callback.attempt_limit).await?;
    }
    txn.commit().await?;
    Ok(())
}

jiuzhu_core::coded_enum! {
    /// The transaction types of a status request (DCI `txn_type`, spelled as the spec does).
    #[schema(as = DciTxnType)]
    pub enum TxnType as "dci_txn_type" {
        Search = "search", "查询", "Search";
        /// Not served.
        Subscribe = "subscibe", "订阅", "Subscribe";
        /// Not served.
        Receipt = "receipt", "回执", "Receipt";
    }
}

jiuzhu_core::coded_enum! {
    /// What a status request names (DCI `attribute_type`).
    #[schema(as = DciAttributeType)]
    pub enum AttributeType as "dci_attribute_type" {
        TransactionId = "transaction_id", "事务编号", "Transaction id";
        /// The reference ids of requests, as a list.
        ReferenceIdList = "reference_id_list", "请求编号列表", "Reference id list";
        CorrelationId = "correlation_id", "关联编号", "Correlation id";
    }
}

/// What a status request names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Wanted {
    Transaction(String),
    Correlation(Uuid),
    References(Vec<String>),
}

impl Wanted {
    /// Reads the `attribute_value` of a `txnstatus_request` as its `attribute_type` says.
    pub fn read(attribute_type: AttributeType, value: &Value) -> Result<Self, String> {
        match attribute_type {
            AttributeType::TransactionId => match value.as_str() {
                Some(id) if !id.is_empty() && id.chars().count() <= 99 => Ok(Wanted::Transaction(id.to_string())),
                _ => Err("attribute_value: the transaction_id, 1 to 99 characters".into()),
            },
            AttributeType::CorrelationId => value
                .as_str()
                .and_then(|id| id.parse().ok())
                .map(Wanted::Correlation)
                .ok_or_else(|| "attribute_value: a correlation_id jiuzhu answered with".into()),
            AttributeType::ReferenceIdList => {
                let list: Option<Vec<String>> = value.as_array().map(|l| l.iter().filter_map(|r| r.as_str().map(str::to_string)).collect());
                match list {
                    Some(list)
                        if !list.is_empty() && list.len() <= MAX_REFERENCES && Some(list.len()) == value.as_array().map(Vec::len) =>
                    {
                        Ok(Wanted::References(list))
                    }
                    _ => Err(format!("attribute_value: a list of 1 to {MAX_REFERENCES} reference ids")),
                }
            }
        }
    }
}

/// The stored answer of the caller's transaction `wanted` names (the newest
/// when several match); for references, only the requests named.
pub async fn find(db: &Db, ctx: &Context, wanted: &Wanted) -> Result<Option<SearchResponseMessage>, DomainError> {
    let mine = dci_transaction::Entity::find().filter(dci_transaction::Column::Owner.eq(ctx.actor.subject.as_str()));
    let newest = |q: sea_orm::Select<dci_transaction::Entity>| {
        q.order_by_desc(dci_transaction::Column::CreatedAt).order_by_desc(dci_transaction::Column::Id)
    };
    let row = match wanted {
        Wanted::Transaction(id) => newest(mine.filter(dci_transaction::Column::TransactionId.eq(id.as_str()))).one(db.conn()).await?,
        Wanted::Correlation(id) => mine.filter(dci_transaction::Column::Id.eq(*id)).one(db.conn()).await?,
        Wanted::References(list) => {
            let holding: Vec<Uuid> = dci_reference::Entity::find()
                .filter(dci_reference::Column::Owner.eq(ctx.actor.subject.as_str()))
                .filter(dci_reference::Column::ReferenceId.is_in(list.clone()))
                .all(db.conn())
                .await?
                .into_iter()
                .map(|r| r.transaction)
                .collect();
            if holding.is_empty() { None } else { newest(mine.filter(dci_transaction::Column::Id.is_in(holding))).one(db.conn()).await? }
        }
    };
    let Some(row) = row else { return Ok(None) };
    let Some(stored) = row.response.as_deref() else { return Ok(None) };
    let mut answer: SearchResponseMessage = from_column("dci_transactions.response", stored)?;
    if let Wanted::References(list) = wanted {
        answer.search_response.retain(|r| list.contains(&r.reference_id));
    }
    Ok(Some(answer))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_status_request_names_a_transaction_a_correlation_or_references() {
        let read = |t: AttributeType, v: Value| Wanted::read(t, &v);
        assert_eq!(read(AttributeType::TransactionId, json!("t1")), Ok(Wanted::Transaction("t1".into())));
        assert!(read(AttributeType::TransactionId, json!(["t1"])).is_err());
        let id = Uuid::nil();
        assert_eq!(read(AttributeType::CorrelationId, json!(id.to_string())), Ok(Wanted::Correlation(id)));
        let list = read(AttributeType::ReferenceIdList, json!(["a", "b"]));
        assert_eq!(list, Ok(Wanted::References(vec!["a".into(), "b".into()])));
        assert!(read(AttributeType::ReferenceIdList, json!([])).is_err());
        assert!(read(AttributeType::ReferenceIdList, json!(["a", 1])).is_err());
        assert!(read(AttributeType::CorrelationId, json!("not-a-uuid")).is_err());
    }
}
