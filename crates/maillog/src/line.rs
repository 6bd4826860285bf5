//! One log record before it meets a sink: its severity and its text.
//!
//! Postfix's `msg_warn()` / `msg_error()` / `msg_fatal()` / `msg_panic()` put a severity word
//! in front of the text (`warning: `, `error: `, `fatal: `, `panic: `) and choose the syslog
//! level; `msg_info()` adds nothing. This module owns those words and levels and never does
//! I/O.

use std::fmt;

/// How bad a record is: the word in front of its text and its syslog level.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    Info,
    Warning,
    Error,
    Fatal,
    Panic,
}

impl Severity {
    /// The word Postfix puts in front of the text ("" for info).
    pub fn word(self) -> &'static str {
        match self {
            Severity::Info => "",
            Severity::Warning => "warning: ",
            Severity::Error => "error: ",
            Severity::Fatal => "fatal: ",
            Severity::Panic => "panic: ",
        }
    }

    /// The syslog level (RFC 5424 §6.2.1 numbering) Postfix uses for this severity:
    /// fatal and panic are both `crit`.
    pub fn syslog_level(self) -> u8 {
        match self {
            Severity::Info => 6,
            Severity::Warning => 4,
            Severity::Error => 3,
            Severity::Fatal | Severity::Panic => 2,
        }
    }

    /// The severity named by a `postlog -p` priority (`info`, `warn`/`warning`, `error`/`err`,
    /// `fatal`/`crit`, `panic`), as Postfix accepts them.
    pub fn from_priority(name: &str) -> Option<Severity> {
        match name {
            "info" => Some(Severity::Info),
            "warn" | "warning" => Some(Severity::Warning),
            "err" | "error" => Some(Severity::Error),
            "crit" | "fatal" => Some(Severity::Fatal),
            "panic" => Some(Severity::Panic),
            _ => None,
        }
    }
}

/// One log record: what `Logger::emit` writes after `host tag[pid]: `.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Line {
    pub severity: Severity,
    /// The text after the severity word, exactly as Postfix writes it.
    pub text: String,
}

impl Line {
    pub fn new(severity: Severity, text: impl Into<String>) -> Line {
        Line {
            severity,
            text: text.into(),
        }
    }

    pub fn info(text: impl Into<String>) -> Line {
        Line::new(Severity::Info, text)
    }

    pub fn warning(text: impl Into<String>) -> Line {
        Line::new(Severity::Warning, text)
    }

    pub fn error(text: impl Into<String>) -> Line {
        Line::new(Severity::Error, text)
    }

    pub fn fatal(text: impl Into<String>) -> Line {
        Line::new(Severity::Fatal, text)
    }

    pub fn panic(text: impl Into<String>) -> Line {
        Line::new(Severity::Panic, text)
    }
}

/// The message part of the record: severity word and text, with control characters
/// replaced by `?` as Postfix does (a log record is one line; UTF-8 stays as it is).
impl fmt::Display for Line {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.severity.word())?;
        write_printable(f, &self.text)
    }
}

/// Writes `text` with every ASCII control character (tab, CR and LF included) and DEL
/// replaced by `?`.
fn write_printable(f: &mut impl fmt::Write, text: &str) -> fmt::Result {
    let mut rest = text;
    while let Some(pos) = rest.find(|c: char| c.is_ascii_control()) {
        f.write_str(&rest[..pos])?;
        f.write_char('?')?;
        rest = &rest[pos + 1..];
    }
    f.write_str(rest)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn severity_words_come_first() {
        assert_eq!(Line::info("x: removed").to_string(), "x: removed");
        assert_eq!(Line::warning("w").to_string(), "warning: w");
        assert_eq!(Line::error("e").to_string(), "error: e");
        assert_eq!(Line::fatal("f").to_string(), "fatal: f");
        assert_eq!(Line::panic("p").to_string(), "panic: p");
    }

    #[test]
    fn control_characters_become_question_marks() {
        // From `printf 'ctl\001char \xc3\xa9 utf8 tab\there\n' | postlog`:
        // "ctl?char é utf8 tab?here".
        assert_eq!(
            Line::info("ctl\u{1}char é utf8 tab\there").to_string(),
            "ctl?char é utf8 tab?here"
        );
        assert_eq!(Line::info("a\r\nb\u{7f}").to_string(), "a??b?");
    }

    #[test]
    fn postlog_priorities() {
        assert_eq!(Severity::from_priority("crit"), Some(Severity::Fatal));
        assert_eq!(Severity::from_priority("err"), Some(Severity::Error));
        assert_eq!(Severity::from_priority("notice"), None);
        assert_eq!(Severity::Fatal.syslog_level(), 2);
        assert_eq!(Severity::Warning.syslog_level(), 4);
    }
}
