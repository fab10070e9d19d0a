//! The HTTP face of jiuzhu: actix-web routing, extractors, bearer-token
//! authentication, problem responses, OpenAPI assembly and Swagger UI, and
//! the `jiuzhu` command line. Handlers stay thin: extract, call one service
//! function, map the result.

pub mod audit_trail;
pub mod auth;
pub mod cli;
pub mod config;
pub mod cors;
pub mod demo;
pub mod extract;
pub mod idempotency;
pub mod jobs;
pub mod json;
pub mod logging;
pub mod maintenance;
pub mod middleware;
pub mod openapi;
pub mod pilot_page;
pub mod problem;
pub mod problem_zh;
pub mod query_contract;
pub mod rate_limit;
pub mod relay;
pub mod routes;
pub mod server;
pub mod sessions;
pub mod state;
pub mod synthetic;
pub mod webhook_worker;
