//! baove: analytics and statutory reporting for a provincial programme against online
//! child abuse. Layers, each using only those before it:
//! model (model, period, findings, results) ← catalog (catalog, template, draft) ← store ← ingest ← indicators,
//! stats, funnel, compare, report, revisions (the use cases) ← render (bytes) ← publish (a
//! command's artefacts). The command line lives in the binary: it maps its arguments to
//! what a publication is asked, writes the artefacts and prints what it wrote.

pub mod catalog;
pub mod compare;
pub mod disclosure;
pub mod draft;
pub mod error;
pub mod findings;
pub mod funnel;
#[cfg(feature = "store")]
pub mod indicators;
pub mod ingest;
pub mod model;
pub mod period;
#[cfg(feature = "store")]
pub mod publish;
#[cfg(feature = "store")]
pub mod release;
pub mod render;
pub mod report;
pub mod results;
#[cfg(feature = "store")]
pub mod revisions;
pub mod smoothing;
pub mod stats;
#[cfg(feature = "store")]
pub mod store;
pub mod synth;
pub mod synth_parts;
pub mod template;
pub mod trend;

pub use error::{Error, Result};

/// Lower-case hexadecimal of bytes (checksums).
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The local (Vietnam, UTC+7, no daylight saving) moment of "now". `BAOVE_NOW`
/// (`YYYY-MM-DD HH:MM:SS`) pins it, for reproducible runs and tests.
pub fn local_now() -> Result<chrono::NaiveDateTime> {
    if let Ok(text) = std::env::var("BAOVE_NOW") {
        return chrono::NaiveDateTime::parse_from_str(text.trim(), "%Y-%m-%d %H:%M:%S")
            .map_err(|e| Error::Usage(format!("BAOVE_NOW={text:?} is not YYYY-MM-DD HH:MM:SS ({e})")));
    }
    let local = chrono::Utc::now().naive_utc() + chrono::Duration::hours(7);
    // Whole seconds: the store keeps seconds, and the log should read back as written.
    Ok(local.with_nanosecond(0).unwrap_or(local))
}

use chrono::Timelike as _;

/// Step timings for profiling, printed to stderr only when `BAOVE_TIMINGS` is set.
pub struct Stopwatch {
    enabled: bool,
    since: std::time::Instant,
}

impl Stopwatch {
    pub fn start() -> Stopwatch {
        Stopwatch {
            enabled: std::env::var_os("BAOVE_TIMINGS").is_some(),
            since: std::time::Instant::now(),
        }
    }

    /// Prints the time since the last lap (or the start) under `step`, and restarts.
    pub fn lap(&mut self, step: &str) {
        if self.enabled {
            eprintln!("timing: {step} {:.3} s", self.since.elapsed().as_secs_f64());
        }
        self.since = std::time::Instant::now();
    }
}
