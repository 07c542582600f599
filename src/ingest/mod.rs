//! Getting exports into the store: find the files, read them (polars, calamine), refuse
//! identifying data, validate against the contract, then hand the canonical frames to the
//! store through Arrow in one transaction. Strict by default: one problem and nothing
//! changes; `quarantine` loads the valid rows and keeps the others with their reasons.

pub mod arrow_bridge;
pub mod examine;
pub mod identity;
#[cfg(feature = "store")]
pub mod load;
pub mod parts;
pub mod plan;
pub mod profile;
pub mod read;
pub mod screen;
pub mod validate;

pub use examine::{batch_findings, examine, examine_all, refusal, Examined, Parted};
#[cfg(feature = "store")]
pub use load::{load, load_planned, Destination, FileOutcome, LoadOptions};
pub use plan::{plan, Planned};
pub use read::{sha256_hex, sha256_of};
