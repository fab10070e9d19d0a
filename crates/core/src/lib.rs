//! Shared vocabulary of jiuzhu: validated identifiers (region codes, citizen
//! IDs, credit codes, phones), money in fen, the clock, keyset pagination and
//! the `DomainError` every use case returns.

pub mod actor;
pub mod catalogue;
pub mod citizen_id;
pub mod clock;
pub mod codes;
pub mod credit_code;
pub mod error;
pub mod forwarded;
pub mod id;
pub mod mask;
pub mod money;
pub mod page;
pub mod patch;
pub mod permission;
pub mod phone;
pub mod region;
pub mod role;
pub mod stored_json;
pub mod target;
pub mod text;

pub use actor::{Actor, Context};
pub use citizen_id::{CitizenId, Sex};
pub use clock::{Clock, FixedClock, SystemClock};
pub use credit_code::CreditCode;
pub use error::{DomainError, FieldError};
pub use money::Money;
pub use page::{Cursor, Page, PageRequest, SortOrder};
pub use permission::Permission;
pub use phone::Phone;
pub use region::{RegionCode, RegionLevel};
pub use role::Role;
