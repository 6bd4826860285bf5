//! One function per Postfix log event, each returning the [`Line`] Postfix 3.7 writes for
//! it, text for text: the queue-ID prefix (`3F1A2B: ` or `NOQUEUE: `), the `key=value`
//! fields in Postfix's order and punctuation, and the severity word where Postfix uses one.
//! Grouped by the Postfix program that logs them. Pure functions: no clock, no I/O.
//!
//! The golden strings in the tests are lines of `testdata/postfix-3.7.11.maillog`, captured
//! from a real Postfix 3.7.11; tests check that each one is in that file.

use std::fmt::{self, Write as _};
use std::net::IpAddr;

#[allow(unused_imports)] // for doc links
use crate::Line;

pub mod admin;
pub mod cleanup;
pub mod delivery;
pub mod qmgr;
pub mod smtpd;
pub mod smtpd_check;

/// The prefix Postfix logs when a line concerns no queue file (yet).
pub const NOQUEUE: &str = "NOQUEUE";

/// A remote SMTP client as logs show it: `name[addr]` (`unknown[192.0.2.1]` when the
/// name did not verify; IPv6 addresses without the `IPv6:` tag), or `name[addr]:port`
/// with `smtpd_client_port_logging = yes`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ClientInfo {
    /// The verified host name, or `unknown`.
    pub name: String,
    pub addr: IpAddr,
    pub port: u16,
    /// `smtpd_client_port_logging`: show `:port` after `[addr]`.
    pub port_logging: bool,
}

impl ClientInfo {
    pub fn new(name: impl Into<String>, addr: IpAddr, port: u16) -> ClientInfo {
        ClientInfo {
            name: name.into(),
            addr,
            port,
            port_logging: false,
        }
    }

    /// The same client, shown with its port (`smtpd_client_port_logging = yes`).
    pub fn with_port_logging(mut self, port_logging: bool) -> ClientInfo {
        self.port_logging = port_logging;
        self
    }
}

impl fmt::Display for ClientInfo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}[{}]", self.name, self.addr)?;
        if self.port_logging {
            write!(f, ":{}", self.port)?;
        }
        Ok(())
    }
}

/// The SMTP dialect a client speaks, as `proto=` shows it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Proto {
    Smtp,
    Esmtp,
}

impl fmt::Display for Proto {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Proto::Smtp => "SMTP",
            Proto::Esmtp => "ESMTP",
        })
    }
}

/// What is known of the mail transaction when smtpd or cleanup logs a policy decision:
/// the `from=<...> to=<...> proto=ESMTP helo=<...>` tail. Absent fields are left out;
/// `from: Some("")` is the null sender (`from=<>`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Transaction<'a> {
    pub from: Option<&'a str>,
    pub to: Option<&'a str>,
    pub proto: Option<Proto>,
    pub helo: Option<&'a str>,
}

impl fmt::Display for Transaction<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut sep = "";
        if let Some(from) = self.from {
            write!(f, "{sep}from=<{from}>")?;
            sep = " ";
        }
        if let Some(to) = self.to {
            write!(f, "{sep}to=<{to}>")?;
            sep = " ";
        }
        if let Some(proto) = self.proto {
            write!(f, "{sep}proto={proto}")?;
            sep = " ";
        }
        if let Some(helo) = self.helo {
            write!(f, "{sep}helo=<{helo}>")?;
        }
        Ok(())
    }
}

/// `id` or `NOQUEUE`.
fn queue_prefix(queue_id: Option<&str>) -> &str {
    queue_id.unwrap_or(NOQUEUE)
}

/// Formats into a fresh String (writing to a String cannot fail).
fn text(args: fmt::Arguments<'_>) -> String {
    let mut s = String::new();
    let _ = s.write_fmt(args);
    s
}

#[cfg(test)]
pub(crate) mod golden {
    //! Checks that a golden string really is a line Postfix wrote.

    use crate::Line;

    const REAL_LOG: &str = include_str!("../../testdata/postfix-3.7.11.maillog");

    /// The message parts (after `tag[pid]: `) of the captured Postfix log.
    fn messages() -> impl Iterator<Item = &'static str> {
        REAL_LOG
            .lines()
            .filter_map(|l| l.split_once("]: ").map(|(_, msg)| msg))
    }

    /// Asserts that `line` renders as `expected` and that `expected` is a message of the
    /// real Postfix log.
    #[track_caller]
    pub fn assert_postfix(line: &Line, expected: &str) {
        assert_eq!(line.to_string(), expected);
        assert!(
            messages().any(|m| m == expected),
            "golden string not found in testdata/postfix-3.7.11.maillog: {expected}"
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn transaction_tail() {
        let t = Transaction {
            from: Some(""),
            to: Some("a@b"),
            proto: Some(Proto::Esmtp),
            helo: Some("h"),
        };
        assert_eq!(t.to_string(), "from=<> to=<a@b> proto=ESMTP helo=<h>");
        let t = Transaction {
            proto: Some(Proto::Smtp),
            ..Transaction::default()
        };
        assert_eq!(t.to_string(), "proto=SMTP");
    }

    #[test]
    fn client_shows_name_and_address() {
        let c = ClientInfo::new("unknown", "2001:db8::1".parse().expect("addr"), 25);
        assert_eq!(c.to_string(), "unknown[2001:db8::1]");
    }
}
