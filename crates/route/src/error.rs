//! `RouteError`: why settings could not be built, or why an address could not be
//! resolved now. Every variant names the parameter it is about.

use config::ConfigError;
use tables::TableError;

#[derive(Debug, thiserror::Error)]
pub enum RouteError {
    /// A parameter could not be read or has a bad value (`bad boolean ...`).
    #[error("{source}")]
    Config {
        parameter: &'static str,
        #[source]
        source: Box<ConfigError>,
    },
    /// A parameter's value is understood by Postfix but not usable here, with why.
    #[error("parameter {parameter}: {message}")]
    Setting {
        parameter: &'static str,
        message: String,
    },
    /// A lookup failed while resolving (Postfix's `RESOLVE_FLAG_FAIL`, logged as
    /// `warning: transport_maps lookup failure`): temporary, the caller defers.
    #[error("{parameter} lookup failure: {source}")]
    Lookup {
        parameter: &'static str,
        #[source]
        source: TableError,
    },
    /// A transport parameter is empty (`parameter default_transport: null transport
    /// is not allowed`): the configuration is broken, the caller defers.
    #[error("parameter {parameter}: null transport is not allowed")]
    NullTransport { parameter: &'static str },
}

impl RouteError {
    /// Whether the caller should defer (try again later) rather than bounce: always,
    /// as Postfix treats every resolver failure as temporary.
    pub fn is_temporary(&self) -> bool {
        true
    }
}
