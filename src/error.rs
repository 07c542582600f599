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
    #[error("{0}")]
    Usage(String),
    /// Disclosure control found two rows disagreeing on a count: nothing is published.
    #[error(transparent)]
    Disclosure(#[from] crate::disclosure::Conflict),
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
