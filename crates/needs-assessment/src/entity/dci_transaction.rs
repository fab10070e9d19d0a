//! `dci_transactions`: each DCI search message a department system sent,
//! under the correlation id jiuzhu gave it, with the answer it was given.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "dci_transactions")]
pub struct Model {
    /// The correlation id jiuzhu answered with.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The token subject that sent it: only it may ask for its status.
    pub owner: String,
    pub sender_id: String,
    pub message_id: String,
    pub transaction_id: String,
    /// `search` (the only transaction type served).
    pub txn_type: String,
    /// `rcvd`, `pdng`, `succ` or `rjct`.
    pub status: String,
    /// The `message` of the on-search answer (records masked), once there is one.
    pub response: Option<String>,
    pub created_at: ChronoDateTimeUtc,
    pub completed_at: Option<ChronoDateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
