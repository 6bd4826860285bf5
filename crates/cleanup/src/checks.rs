//! header_checks(5) and body_checks: asking the tables and turning their answer into an
//! action, with Postfix's semantics.
//!
//! Owns: the table lists (`header_checks`, `mime_header_checks`,
//! `nested_header_checks`, `body_checks`), the parsing of a result (`REJECT text`,
//! `PREPEND text`, ...), and which action wins when several fire (first match per
//! header or line; REJECT and DISCARD end checking; the last FILTER and REDIRECT win;
//! the first HOLD reason is kept; BCC adds). Never: where in the message a line sits
//! (that is `mime.rs` and the stream in `lib.rs`), or log formatting (maillog).

use std::sync::Arc;

use tables::{Table, TableError};

/// Which table list applies to a header (Postfix's header classes).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HeaderClass {
    /// A non-MIME header of the message itself: header_checks.
    Primary,
    /// A MIME header anywhere, or any header of a multipart body part:
    /// mime_header_checks.
    Mime,
    /// A non-MIME header of an attached message (message/rfc822):
    /// nested_header_checks.
    Nested,
}

/// The tables, opened once per settings snapshot.
#[derive(Debug, Clone, Default)]
pub struct CheckTables {
    pub header: Vec<Arc<dyn Table>>,
    pub mime_header: Vec<Arc<dyn Table>>,
    pub nested_header: Vec<Arc<dyn Table>>,
    pub body: Vec<Arc<dyn Table>>,
}

impl CheckTables {
    pub fn for_header(&self, class: HeaderClass) -> &[Arc<dyn Table>] {
        match class {
            HeaderClass::Primary => &self.header,
            HeaderClass::Mime => &self.mime_header,
            HeaderClass::Nested => &self.nested_header,
        }
    }
}

/// One header_checks(5) action.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// `REJECT [text]`: enhanced status and text (default `5.7.1 message content
    /// rejected`).
    Reject {
        status: String,
        text: String,
    },
    Discard(String),
    Hold(String),
    Warn(String),
    Info(String),
    /// Remove the header or body line.
    Ignore,
    /// Replace the header or line with this text.
    Replace(String),
    /// Insert this text (a header, or a body line) before the header or line.
    Prepend(String),
    Redirect(String),
    /// `transport:destination`.
    Filter(String),
    Bcc(String),
    /// DUNNO and OK: no further check of this header or line.
    Dunno,
    /// A result that is not an action: Postfix warns and goes on as with DUNNO.
    Unknown(String),
}

/// Text of REJECT without one.
pub const DEFAULT_REJECT_TEXT: &str = "message content rejected";

/// Splits `d.d.d text` into the status and the rest when the text starts with one.
fn split_status(text: &str) -> Option<(&str, &str)> {
    let (first, rest) = text.split_once(' ').unwrap_or((text, ""));
    let parts: Vec<&str> = first.split('.').collect();
    let ok = parts.len() == 3
        && parts[0].len() == 1
        && matches!(parts[0], "4" | "5")
        && parts[1..]
            .iter()
            .all(|p| (1..=3).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_digit()));
    ok.then(|| (first, rest.trim_start()))
}

/// Parses a table result into an action.
pub fn parse_action(value: &str) -> Action {
    let value = value.trim();
    let (word, rest) = match value.find([' ', '\t']) {
        Some(i) => (&value[..i], value[i..].trim_start()),
        None => (value, ""),
    };
    match word.to_ascii_uppercase().as_str() {
        "REJECT" => {
            let text = if rest.is_empty() {
                DEFAULT_REJECT_TEXT
            } else {
                rest
            };
            match split_status(text) {
                // A 4.x.x status is kept: Postfix then answers 451 (captured).
                Some((st, t)) => Action::Reject {
                    status: st.to_string(),
                    text: if t.is_empty() {
                        DEFAULT_REJECT_TEXT.to_string()
                    } else {
                        t.to_string()
                    },
                },
                None => Action::Reject {
                    status: "5.7.1".to_string(),
                    text: text.to_string(),
                },
            }
        }
        "DISCARD" => Action::Discard(rest.to_string()),
        "HOLD" => Action::Hold(rest.to_string()),
        "WARN" => Action::Warn(rest.to_string()),
        "INFO" => Action::Info(rest.to_string()),
        "IGNORE" => Action::Ignore,
        "REPLACE" if !rest.is_empty() => Action::Replace(rest.to_string()),
        "PREPEND" if !rest.is_empty() => Action::Prepend(rest.to_string()),
        "REDIRECT" if !rest.is_empty() => Action::Redirect(rest.to_string()),
        "FILTER" if rest.contains(':') => Action::Filter(rest.to_string()),
        "BCC" if !rest.is_empty() => Action::Bcc(rest.to_string()),
        "DUNNO" | "OK" => Action::Dunno,
        _ => Action::Unknown(value.to_string()),
    }
}

/// Asks `maps` about `text` (a header with its folded lines joined by `\n`, or one body
/// line), first table with an answer wins. Lines that are not UTF-8 are asked in a
/// lossy form, so a pattern still sees their ASCII.
pub fn check(maps: &[Arc<dyn Table>], text: &[u8]) -> Result<Option<Action>, TableError> {
    if maps.is_empty() {
        return Ok(None);
    }
    let key = String::from_utf8_lossy(text);
    for t in maps {
        if let Some(v) = t.lookup(&key)? {
            return Ok(Some(parse_action(&v)));
        }
    }
    Ok(None)
}

/// The envelope-changing decisions the checks made for one message.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Decisions {
    pub reject: Option<(String, String)>,
    pub discard: Option<String>,
    pub hold: Option<String>,
    pub redirect: Option<String>,
    pub filter: Option<String>,
    pub bcc: Vec<String>,
}

impl Decisions {
    /// True once REJECT or DISCARD fired: Postfix stops checking then.
    pub fn final_verdict(&self) -> bool {
        self.reject.is_some() || self.discard.is_some()
    }

    /// Records an envelope action; returns false for the content actions (IGNORE,
    /// REPLACE, PREPEND), which the caller applies, and for the log-only ones.
    pub fn record(&mut self, action: &Action) -> bool {
        match action {
            Action::Reject { status, text } => {
                self.reject = Some((status.clone(), text.clone()));
            }
            Action::Discard(t) => self.discard = Some(t.clone()),
            Action::Hold(t) => {
                self.hold.get_or_insert_with(|| t.clone());
            }
            Action::Redirect(a) => self.redirect = Some(a.clone()),
            Action::Filter(f) => self.filter = Some(f.clone()),
            Action::Bcc(a) => self.bcc.push(a.clone()),
            _ => return false,
        }
        true
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn actions() {
        assert_eq!(
            parse_action("REJECT"),
            Action::Reject {
                status: "5.7.1".into(),
                text: "message content rejected".into()
            }
        );
        assert_eq!(
            parse_action("reject custom words here"),
            Action::Reject {
                status: "5.7.1".into(),
                text: "custom words here".into()
            }
        );
        assert_eq!(
            parse_action("REJECT 5.7.0 go away"),
            Action::Reject {
                status: "5.7.0".into(),
                text: "go away".into()
            }
        );
        assert_eq!(
            parse_action("REJECT 4.7.0 later"),
            Action::Reject {
                status: "4.7.0".into(),
                text: "later".into()
            }
        );
        assert_eq!(parse_action("IGNORE"), Action::Ignore);
        assert_eq!(
            parse_action("REPLACE X-Replaced: was old"),
            Action::Replace("X-Replaced: was old".into())
        );
        assert_eq!(
            parse_action("FILTER smtp:[127.0.0.1]:10026"),
            Action::Filter("smtp:[127.0.0.1]:10026".into())
        );
        assert_eq!(parse_action("OK"), Action::Dunno);
        // Captured: Postfix warns "unknown command in header_checks map" and accepts.
        assert_eq!(
            parse_action("450 4.7.1 try later please"),
            Action::Unknown("450 4.7.1 try later please".into())
        );
        assert_eq!(parse_action("DEFER"), Action::Unknown("DEFER".into()));
        assert_eq!(parse_action("PREPEND"), Action::Unknown("PREPEND".into()));
    }

    #[test]
    fn decisions() {
        let mut d = Decisions::default();
        assert!(d.record(&Action::Hold("a".into())));
        d.record(&Action::Hold("b".into()));
        d.record(&Action::Filter("x:1".into()));
        d.record(&Action::Filter("y:2".into()));
        d.record(&Action::Bcc("a@b".into()));
        d.record(&Action::Bcc("c@d".into()));
        assert!(!d.record(&Action::Ignore));
        assert_eq!(d.hold.as_deref(), Some("a"));
        assert_eq!(d.filter.as_deref(), Some("y:2"));
        assert_eq!(d.bcc.len(), 2);
        assert!(!d.final_verdict());
        d.record(&Action::Discard(String::new()));
        assert!(d.final_verdict());
    }
}
