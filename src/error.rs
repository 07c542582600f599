//! The library's error type. The exit code a user sees follows from the variant:
//! refused data is 1, everything else (usage, I/O, a broken or locked store) is 2.

use crate::findings::Findings;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The data broke the contract; nothing was changed.
    #[error("{0}")]
    Refused(Box<Findings>),
    #[error("{path}: {source}")]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("store {path}: {message}")]
    Store { path: String, message: String },
    /// What the user asked for cannot be done as asked (a flag, a path, a period).
    #[error("{0}")]
    Usage(String),
    /// The embedded catalog (an indicator header, a deadline rule, a template) is broken.
    #[error("{0}")]
    Catalog(String),
    /// Writing an output's bytes failed (a workbook, a chart).
    #[error("writing {what}: {message}")]
    Write { what: &'static str, message: String },
    /// The engine broke one of its own invariants: a bug, never the data's fault.
    #[error("internal error: {0}")]
    Internal(String),
    /// Disclosure control found two rows disagreeing on a count: nothing is published
    /// (its conflict's message; `disclosure` converts its conflicts into this).
    #[error("{0}")]
    Disclosure(String),
    #[error("{context}: {}", first_line(source))]
    Polars {
        context: String,
        #[source]
        source: polars::error::PolarsError,
    },
    #[cfg(feature = "store")]
    #[error("{context}: {source}")]
    Duckdb {
        context: String,
        #[source]
        source: duckdb::Error,
    },
}

impl Error {
    pub fn exit_code(&self) -> u8 {
        match self {
            Error::Refused(_) => 1,
            _ => 2,
        }
    }

    pub fn io(path: impl std::fmt::Display, source: std::io::Error) -> Error {
        Error::Io {
            path: path.to_string(),
            source,
        }
    }

    pub fn polars(context: impl Into<String>) -> impl FnOnce(polars::error::PolarsError) -> Error {
        let context = context.into();
        move |source| Error::Polars { context, source }
    }

    #[cfg(feature = "store")]
    pub fn duckdb(context: impl Into<String>) -> impl FnOnce(duckdb::Error) -> Error {
        let context = context.into();
        move |source| Error::Duckdb { context, source }
    }
}

/// Polars errors carry the whole query plan after the first line: noise for a user.
fn first_line(e: &impl std::fmt::Display) -> String {
    e.to_string().lines().next().unwrap_or_default().to_string()
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
