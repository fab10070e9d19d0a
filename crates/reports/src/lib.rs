//! Reports across the business areas, at the top of the crate graph: the
//! pilot overview, the pilot summary (试点工作总结) and the time series. They
//! only read; every figure is counted in the caller's region scope.

pub mod overview;
pub mod pilot_summary;
pub mod timeseries;
