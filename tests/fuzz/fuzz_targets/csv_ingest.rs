//! Arbitrary bytes as a CSV export of any kind: read, validate, identity scan.
#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "common.rs"]
mod common;

fuzz_target!(|data: &[u8]| common::examine_bytes(data, "csv"));
