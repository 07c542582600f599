//! Arbitrary text as a mapping profile and as a report template: parsed and checked
//! against the catalog, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(profile) = baove::ingest::profile::Profile::parse(text) {
        for kind in baove::model::Kind::ALL {
            for column in kind.columns() {
                let _ = profile.resolve_header(kind, column.name);
                let _ = profile.recodings(column.name);
            }
        }
    }
    if let Ok(template) = baove::template::parse("fuzz", text) {
        if let Ok(indicators) = baove::catalog::indicators() {
            let _ = baove::template::check("fuzz", &template, &indicators);
        }
    }
});
