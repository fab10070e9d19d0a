//! Pure matching rules, without I/O: the order's life and its need's
//! status, the duplicate-of-material-assistance rule, contract and
//! capacity checks (`orders`), random inspection samples (`sampling`) and
//! batch assignment (`batch`).

mod batch;
mod orders;
mod sampling;

pub use batch::*;
pub use orders::*;
pub use sampling::*;
