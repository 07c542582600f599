//! Output renderers: pure functions from results to bytes, and the one place where
//! files are written (atomically). Nothing here reads the store.

pub mod chart;
pub mod csv_out;
pub mod dashboard;
pub mod document;
pub mod drafting;
pub mod findings;
#[cfg(test)]
mod golden;
pub mod labels;
pub mod output;
pub mod privacy_record;
pub mod tidy;
pub mod view;
pub mod workbook;
