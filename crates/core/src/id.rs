//! Record identifiers: UUIDv7, so ids sort by creation time and keyset
//! pagination by id is cheap.

pub use uuid::Uuid;

/// A fresh UUIDv7.
pub fn new_id() -> Uuid {
    Uuid::now_v7()
}
