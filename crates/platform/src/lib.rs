//! Cross-cutting persisted things every domain shares: the database handle
//! (with SQLite's single-writer gate), staff users and the bootstrap
//! administrator, regions, departments, and demo data.

pub mod db;
pub mod demo;
pub mod entity;
pub mod password;
pub mod regions;
pub mod users;

pub use db::{Backend, Db, WriteTxn};
