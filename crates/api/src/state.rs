//! `AppState`: what every handler shares: the database and the clock.

use jiuzhu_core::Clock;
use jiuzhu_platform::Db;
use std::sync::Arc;

#[derive(Debug, Clone)]
pub struct AppState {
    pub db: Db,
    pub clock: Arc<dyn Clock>,
}
