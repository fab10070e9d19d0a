//! sea-orm entities of the platform tables, one file per table.

pub mod department;
pub mod region;
pub mod user;
