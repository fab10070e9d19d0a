//! The one integration-test binary: black-box HTTP tests against a real
//! server on port 0 and a fresh database per test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod assessment;
mod auth;
mod authorization;
mod cluster;
mod contract;
mod dci;
mod errors;
mod evaluation;
mod feed;
mod field;
mod imports;
mod intake;
mod matching;
mod orders;
mod persistence;
mod procurement;
mod regions;
mod scope;
mod security;
mod sessions;
mod system;
mod webhooks;
