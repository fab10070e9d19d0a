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
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, Set};
use serde_json::Value;
use uuid::Uuid;

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
        .filter(|r| !r.reference_id.is_empty())
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
    txn.commit().await?;
    Ok(())
}

/// What a status request names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Wanted {
    Transaction(String),
    Correlation(Uuid),
    References(Vec<String>),
}

impl Wanted {
    /// Reads `attribute_type` and `attribute_value` of a `txnstatus_request`.
    pub fn read(request: &Value) -> Result<Self, String> {
        let value = request.get("attribute_value").unwrap_or(&Value::Null);
        match request.get("attribute_type").and_then(Value::as_str) {
            Some("transaction_id") => match value.as_str() {
                Some(id) if !id.is_empty() && id.chars().count() <= 99 => Ok(Wanted::Transaction(id.to_string())),
                _ => Err("attribute_value: the transaction_id, 1 to 99 characters".into()),
            },
            Some("correlation_id") => value
                .as_str()
                .and_then(|id| id.parse().ok())
                .map(Wanted::Correlation)
                .ok_or_else(|| "attribute_value: a correlation_id jiuzhu answered with".into()),
            Some("reference_id_list") => {
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
            _ => Err("attribute_type: transaction_id, reference_id_list or correlation_id".into()),
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
        let read = |t: &str, v: Value| Wanted::read(&json!({"attribute_type": t, "attribute_value": v}));
        assert_eq!(read("transaction_id", json!("t1")), Ok(Wanted::Transaction("t1".into())));
        let id = Uuid::nil();
        assert_eq!(read("correlation_id", json!(id.to_string())), Ok(Wanted::Correlation(id)));
        assert_eq!(read("reference_id_list", json!(["a", "b"])), Ok(Wanted::References(vec!["a".into(), "b".into()])));
        assert!(read("reference_id_list", json!([])).is_err());
        assert!(read("reference_id_list", json!(["a", 1])).is_err());
        assert!(read("correlation_id", json!("not-a-uuid")).is_err());
        assert!(read("message_id", json!("m")).is_err());
    }
}
