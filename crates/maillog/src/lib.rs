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

pub mod events;
mod line;
mod logger;
pub mod sink;
mod stamp;

pub use line::{Line, Severity};
pub use logger::Logger;
pub use sink::{Destination, Facility, Sink, SinkError, SinkSettings};
