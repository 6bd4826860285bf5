//! Why cleanup did not queue a message, each with the SMTP reply smtpd gives for it
//! (Postfix 3.7's wording, captured: see `testdata/postfix/README.md`), and the detail
//! that belongs in the log only.

use crate::canonical::CanonicalError;
use crate::rewrite::ExpandError;

/// An SMTP reply: code, enhanced status (RFC 3463), client-safe text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reply {
    pub code: u16,
    pub status: String,
    pub text: String,
}

impl std::fmt::Display for Reply {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {} {}", self.code, self.status, self.text)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum CleanupError {
    /// header_checks / body_checks REJECT: `550 5.7.1 message content rejected`, or
    /// the table's status and text (a 4.x.x status answers 451).
    #[error("{status} {text}")]
    Rejected { status: String, text: String },
    /// hopcount_limit Received:/Delivered-To: headers: `554 5.4.0 Error: too many hops`.
    #[error("hopcount exceeded")]
    TooManyHops,
    /// message_size_limit: `552 5.3.4 Error: message file too big`.
    #[error("message file too big")]
    TooBig,
    /// virtual alias loop or fan-out past its limits: `451 4.6.0 Alias expansion error`.
    #[error(transparent)]
    AliasExpansion(ExpandError),
    /// A canonical map or the address rewriting failed: try again later.
    #[error(transparent)]
    Canonical(CanonicalError),
    /// A check table could not answer: try again later.
    #[error("{table} map lookup problem: {source}")]
    Table {
        table: &'static str,
        #[source]
        source: tables::TableError,
    },
    /// The queue file could not be written or made durable.
    #[error(transparent)]
    Queue(#[from] queue::QueueError),
    /// Something cleanup cannot do yet (named), so the message is deferred rather than
    /// handled wrongly.
    #[error("not supported yet: {0}")]
    NotYet(&'static str),
}

impl CleanupError {
    /// What the client is told.
    pub fn reply(&self) -> Reply {
        let r = |code: u16, status: &str, text: &str| Reply {
            code,
            status: status.to_string(),
            text: text.to_string(),
        };
        match self {
            CleanupError::Rejected { status, text } => Reply {
                code: if status.starts_with('4') { 451 } else { 550 },
                status: status.clone(),
                text: text.clone(),
            },
            CleanupError::TooManyHops => r(554, "5.4.0", "Error: too many hops"),
            CleanupError::TooBig => r(552, "5.3.4", "Error: message file too big"),
            CleanupError::AliasExpansion(_) => r(451, "4.6.0", "Alias expansion error"),
            CleanupError::Table { .. }
            | CleanupError::Canonical(_)
            | CleanupError::Queue(_)
            | CleanupError::NotYet(_) => r(451, "4.3.0", "Error: queue file write error"),
        }
    }

    /// Whether the client may try again later.
    pub fn is_transient(&self) -> bool {
        self.reply().code < 500
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replies_as_postfix() {
        let rej = CleanupError::Rejected {
            status: "5.7.1".into(),
            text: "message content rejected".into(),
        };
        assert_eq!(
            rej.reply().to_string(),
            "550 5.7.1 message content rejected"
        );
        let rej4 = CleanupError::Rejected {
            status: "4.7.0".into(),
            text: "later".into(),
        };
        assert_eq!(rej4.reply().to_string(), "451 4.7.0 later");
        assert!(rej4.is_transient());
        assert_eq!(
            CleanupError::TooManyHops.reply().to_string(),
            "554 5.4.0 Error: too many hops"
        );
        assert_eq!(
            CleanupError::TooBig.reply().to_string(),
            "552 5.3.4 Error: message file too big"
        );
        assert_eq!(
            CleanupError::AliasExpansion(ExpandError::Nesting("a@b".into()))
                .reply()
                .to_string(),
            "451 4.6.0 Alias expansion error"
        );
    }
}
