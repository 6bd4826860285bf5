//! Configuration errors: every one names the file, the line and the parameter it is about.

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// A file could not be read.
    #[error("open {path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// A syntax error in main.cf or master.cf.
    #[error("{path}, line {line}: {message}")]
    Syntax {
        path: PathBuf,
        line: usize,
        message: String,
    },
    /// A parameter value of the wrong type, worded as Postfix words it
    /// (`bad numerical configuration: name = value`).
    #[error("{path}, line {line}: {message}")]
    BadValue {
        path: PathBuf,
        line: usize,
        name: String,
        message: String,
    },
    /// An expansion loop (`a = $b`, `b = $a`) or a similar problem with no file position.
    #[error("{message}")]
    Other { message: String },
}
