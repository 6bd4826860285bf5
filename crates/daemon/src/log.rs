//! The daemon's own log lines (start, reload, stop, warnings, fatal) through the
//! `maillog` crate: `syslog_name/master[pid]` to syslog or `maillog_file`, opened before
//! the privilege drop. Fatal lines also go to stderr while the starting command listens
//! (Postfix's master logs them only; facteur shows the administrator why start failed).
//!
//! Owns: which maillog events the master emits. Never: formats a line itself.

use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};

use maillog::events::admin;
use maillog::{Logger, Sink, SinkSettings};

/// Where the daemon's lines go.
#[derive(Debug)]
pub struct MasterLog {
    logger: Option<Logger>,
    /// `syslog_name/master`, for the stderr copy.
    tag: String,
    /// Copy fatal lines to stderr (until a detaching daemon is ready).
    stderr: AtomicBool,
}

impl MasterLog {
    /// Opens the sink the settings describe (syslog, or `maillog_file`).
    pub fn new(settings: &SinkSettings) -> Result<Self, maillog::SinkError> {
        let sink = Sink::open(settings)?;
        Ok(MasterLog {
            logger: Some(Logger::new(&sink, "master")),
            tag: format!("{}/master", settings.syslog_name),
            stderr: AtomicBool::new(true),
        })
    }

    /// Before any configuration is read: stderr only.
    pub fn stderr_only(syslog_name: &str) -> Self {
        MasterLog {
            logger: None,
            tag: format!("{syslog_name}/master"),
            stderr: AtomicBool::new(true),
        }
    }

    /// Stops copying to stderr (a detached daemon has no terminal).
    pub fn detach_stderr(&self) {
        self.stderr.store(false, Ordering::Relaxed);
    }

    /// `daemon started -- version V, configuration DIR`
    pub fn started(&self, config_dir: &Path) {
        self.emit(admin::daemon_started(
            crate::VERSION,
            &config_dir.display().to_string(),
        ));
    }

    /// `reload -- version V, configuration DIR`
    pub fn reloaded(&self, config_dir: &Path) {
        self.emit(admin::daemon_reloaded(
            crate::VERSION,
            &config_dir.display().to_string(),
        ));
    }

    /// `terminating on signal 15`
    pub fn terminating(&self, signo: i32) {
        self.emit(admin::terminating(signo));
    }

    pub fn info(&self, text: &str) {
        self.emit(maillog::Line::info(text));
    }

    pub fn warning(&self, text: &str) {
        self.emit(maillog::Line::warning(text));
    }

    pub fn fatal(&self, text: &str) {
        if self.stderr.load(Ordering::Relaxed) {
            // Postfix's stderr form: no time stamp, host or pid.
            use std::io::Write;
            let _ = writeln!(std::io::stderr(), "{}: fatal: {text}", self.tag);
        }
        self.emit(maillog::Line::fatal(text));
    }

    fn emit(&self, line: maillog::Line) {
        if let Some(logger) = &self.logger {
            logger.emit(line);
        }
    }
}
