//! What a command needs from the process environment, read once by the binary.

use std::path::PathBuf;

/// The process environment a command may consult, captured by `main`.
#[derive(Debug, Clone, Default)]
pub struct Env {
    /// `MAIL_CONFIG`: the configuration directory when `-c` is not given.
    pub mail_config: Option<PathBuf>,
    /// This program's own executable, which `postfix start` runs as the daemon
    /// (`facteur master`).
    pub exe: Option<PathBuf>,
}

/// facteur's compiled-in configuration directory (Postfix's is /etc/postfix).
pub const DEFAULT_CONFIG_DIRECTORY: &str = "/etc/facteur";

impl Env {
    /// The configuration directory: `-c DIR` first, then `MAIL_CONFIG`, then the
    /// compiled-in default.
    pub fn config_dir(&self, dash_c: Option<PathBuf>) -> PathBuf {
        dash_c
            .or_else(|| self.mail_config.clone())
            .unwrap_or_else(|| PathBuf::from(DEFAULT_CONFIG_DIRECTORY))
    }
}
