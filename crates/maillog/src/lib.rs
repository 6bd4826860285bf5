//! Log lines in Postfix's format: log lines are an interface (pflogsumm, fail2ban filters
//! and administrators' scripts read them), so every line facteur writes is built here.
//!
//! - [`events`]: one function per Postfix log event, returning a [`Line`] with Postfix's
//!   exact text (queue-ID prefix, `key=value` fields, severity word).
//! - [`sink`]: where records go (syslog socket, `maillog_file`, stdout/stderr), with the
//!   timestamp, host and `syslog_name/program[pid]` tag.
//! - [`Logger`]: the cheap handle a program logs through (`Logger::emit(events::...)`).
//!
//! This crate reads no configuration (its settings arrive as a plain struct) and keeps no
//! global state.
//!
//! ```
//! use facteur_maillog::events::{smtpd, ClientInfo};
//! use facteur_maillog::{Logger, Sink, SinkSettings};
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! // main.cf: syslog_name = postfix, maillog_file = /dev/stderr (a container).
//! let sink = Sink::open(&SinkSettings {
//!     maillog_file: "/dev/stderr".into(),
//!     maillog_file_prefixes: vec!["/var".into(), "/dev/stderr".into()],
//!     ..SinkSettings::new("postfix", "mx.example.com")
//! })?;
//! let log = Logger::new(&sink, "smtpd");
//! let client = ClientInfo::new("mail.example.net", "192.0.2.7".parse()?, 41234);
//! // "Nov 23 17:01:39 mx postfix/smtpd[4242]: connect from mail.example.net[192.0.2.7]"
//! log.emit(smtpd::connect(&client));
//! # Ok(())
//! # }
//! ```

pub mod events;
mod line;
mod logger;
pub mod sink;
mod stamp;

pub use line::{Line, Severity};
pub use logger::Logger;
pub use sink::{Destination, Facility, Sink, SinkError, SinkSettings};
