//! Sans-IO SMTP and LMTP for facteur: bytes in, typed commands, replies and actions out.
//!
//! Invariants: this crate does no I/O, reads no clock, keeps bounded buffers and never
//! panics on input (every parser here is property-tested and fuzzed with arbitrary bytes).
//! The socket, TLS and timers live in smtpd and the smtp/lmtp agents.
//!
//! Layout:
//! - `line`: CRLF command-line framing, length limit, bare LF policy.
//! - `command`: one command line → `Command` (typed ESMTP parameters) or a `SyntaxError`
//!   carrying the Postfix reply it maps to.
//! - `path`: RFC 5321 reverse-path / forward-path syntax with Postfix's tolerances.
//! - `reply`: `Reply` {code, enhanced status, lines}: wire writer and client-side parser.
//! - `replies`: every protocol-level reply text, worded as Postfix 3.7 words it.
//! - `data`: DATA decoder (dot-unstuffing, smuggling-safe end marker) and encoder.
//! - `bdat`: BDAT (CHUNKING) chunk accounting.
//! - `extensions`: EHLO keywords; the server's EHLO reply and the client's view of it.
//! - `server`: `ServerDialogue`, the smtpd command-order state machine.
//! - `client`: `ClientDialogue`, the smtp/lmtp client transaction with PIPELINING.

pub mod bdat;
pub mod client;
pub mod command;
pub mod data;
pub mod extensions;
pub mod line;
pub mod path;
pub mod replies;
pub mod reply;
pub mod server;

pub use client::{ClientConfig, ClientDialogue, ClientEvent, Envelope};
pub use command::{Command, SyntaxError, Verb};
pub use data::{DataDecoder, DataEncoder, Progress};
pub use extensions::{Extensions, ServerExtensions};
pub use line::{BareNewline, Ending, Frame, LineFramer};
pub use path::{Address, ReversePath};
pub use reply::{EnhancedStatus, Reply, ReplyError, ReplyParser};
pub use server::{Action, Decision, Next, ServerConfig, ServerDialogue, Verdict};
