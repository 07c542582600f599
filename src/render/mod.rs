//! Output renderers: pure functions from results to bytes, and the one place where
//! files are written (atomically). Nothing here reads the store.

pub mod findings;
pub mod output;
pub mod tidy;
