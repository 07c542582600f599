//! Arbitrary bytes as an XLSX export (truncated, malformed or hostile zips).
#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "common.rs"]
mod common;

fuzz_target!(|data: &[u8]| common::examine_bytes(data, "xlsx"));
