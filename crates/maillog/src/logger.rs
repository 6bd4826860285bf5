//! The handle a service logs through: a sink plus the tag (`postfix/smtpd`) and pid.

use std::fmt;
use std::sync::Arc;

use crate::line::{Line, Severity};
use crate::sink::Sink;

/// What one program (`smtpd`, `qmgr`, `cleanup`, `smtp`, `local`, ...) logs through.
/// Cloning is cheap; events come from [`crate::events`] as [`Line`]s and go out by
/// [`Logger::emit`].
#[derive(Clone, Debug)]
pub struct Logger {
    sink: Sink,
    tag: Arc<str>,
    pid: u32,
}

impl Logger {
    /// A logger for `program`, tagged `syslog_name/program` with the sink's `syslog_name`,
    /// and this process's id.
    pub fn new(sink: &Sink, program: &str) -> Logger {
        Logger::with_syslog_name(sink, sink.syslog_name(), program)
    }

    /// As [`Logger::new`] with a per-service `syslog_name` (master.cf
    /// `-o syslog_name=postfix/submission`).
    pub fn with_syslog_name(sink: &Sink, syslog_name: &str, program: &str) -> Logger {
        Logger::with_tag(sink, format!("{syslog_name}/{program}"))
    }

    /// A logger with a tag used as given (`postlog -t tag`).
    pub fn with_tag(sink: &Sink, tag: impl Into<String>) -> Logger {
        Logger {
            sink: sink.clone(),
            tag: Arc::from(tag.into()),
            pid: std::process::id(),
        }
    }

    /// The same logger reporting another process id.
    pub fn with_pid(mut self, pid: u32) -> Logger {
        self.pid = pid;
        self
    }

    pub fn tag(&self) -> &str {
        &self.tag
    }

    pub fn pid(&self) -> u32 {
        self.pid
    }

    /// Writes one event.
    pub fn emit(&self, line: Line) {
        self.sink.write(&self.tag, self.pid, &line);
    }

    /// Free text at a severity, as Postfix's `msg_info()` ... `msg_panic()`; prefer an
    /// event function of [`crate::events`] when one fits.
    pub fn log(&self, severity: Severity, text: impl fmt::Display) {
        self.emit(Line::new(severity, text.to_string()));
    }

    pub fn info(&self, text: impl fmt::Display) {
        self.log(Severity::Info, text);
    }

    pub fn warning(&self, text: impl fmt::Display) {
        self.log(Severity::Warning, text);
    }

    pub fn error(&self, text: impl fmt::Display) {
        self.log(Severity::Error, text);
    }

    /// Logs at `fatal:`; stopping the program is the caller's business.
    pub fn fatal(&self, text: impl fmt::Display) {
        self.log(Severity::Fatal, text);
    }

    /// Logs at `panic:`; stopping the program is the caller's business.
    pub fn panic(&self, text: impl fmt::Display) {
        self.log(Severity::Panic, text);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::SinkSettings;

    #[test]
    fn tags() -> Result<(), crate::SinkError> {
        let sink = Sink::open(&SinkSettings::new("postfix", "mx"))?;
        assert_eq!(Logger::new(&sink, "smtpd").tag(), "postfix/smtpd");
        assert_eq!(
            Logger::with_syslog_name(&sink, "postfix/submission", "smtpd").tag(),
            "postfix/submission/smtpd"
        );
        let postlog = Logger::with_tag(&sink, "mytag").with_pid(7);
        assert_eq!((postlog.tag(), postlog.pid()), ("mytag", 7));
        assert_eq!(Logger::new(&sink, "qmgr").pid(), std::process::id());
        Ok(())
    }
}
