//! Flows that span business areas, each owning its one transaction and
//! calling each area's own steps inside it, so that no area writes
//! another's tables and handlers only translate HTTP: an order under a
//! contract and matching by the contracts held (`ordering`), a sanction and
//! its effects (`sanctions`), acceptance gated on the final evaluation
//! (`acceptance`), a contract's supervision record with its inspections
//! (`supervision`) and a provider's performance with its grades
//! (`performance`), and a division change that retires a region into its
//! successor with every area's records (`division_changes`).

pub mod acceptance;
pub mod division_changes;
pub mod ordering;
pub mod performance;
pub mod sanctions;
pub mod supervision;
