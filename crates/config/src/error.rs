//! Configuration errors: every one names the file, the line and the parameter it is
//! about, when there is one (a default or a `-o` override has no line).

use std::path::PathBuf;

use crate::expand::ExpandError;
use crate::value::ValueError;

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// A file could not be read or written.
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
    /// (`bad numerical configuration: name = value`), with the main.cf position of the
    /// setting when it came from main.cf.
    #[error("{}{source}", position(.path, *.line))]
    BadValue {
        path: Option<PathBuf>,
        line: usize,
        name: String,
        #[source]
        source: ValueError,
    },
    /// `$name` expansion failed (a loop, or a malformed reference) in parameter `name`.
    #[error("{source}")]
    Expand {
        name: String,
        #[source]
        source: ExpandError,
    },
    /// Anything else with no file position.
    #[error("{message}")]
    Other { message: String },
}

fn position(path: &Option<PathBuf>, line: usize) -> String {
    match path {
        Some(path) => format!("{}, line {line}: ", path.display()),
        None => String::new(),
    }
}
