//! Postfix trivial-rewrite: where an address goes (Postfix `trivial-rewrite/`,
//! ADDRESS_CLASS_README, ADDRESS_REWRITING_README, transport(5)).
//!
//! Layout:
//! - `settings`: `RouteSettings`, the parameters parsed and the tables opened once.
//! - `rewrite`: canonical address form (the "rewrite" request, `local` and `remote`
//!   contexts).
//! - `class`: address classes — local, virtual alias, virtual mailbox, relay, default.
//! - `resolve`: recipient → transport, next hop, recipient, class, flags (the
//!   "resolve" request), with `relayhost`, the sender-dependent maps and
//!   `transport_maps`.
//! - `domains`, `tokens`: the domain-list matcher and the address token layer
//!   beneath them.
//!
//! Use: build `RouteSettings::new(&config, &host_addresses)` once per configuration
//! (log its `warnings`), then `resolve(&settings, sender, recipient)` per recipient
//! (`resolve_verify` for address verification probes) and `rewrite(&settings, Context::Local, address)` per address to canonicalize.
//! Both take and give Postfix's internal (unquoted) address form.
//!
//! Verified against Postfix 3.7.11's own trivial-rewrite: see
//! `tests/postfix_capture.rs` and `testdata/README.md`.
//!
//! Invariants: no globals and no I/O per address (tables and files are opened when
//! the settings are built); a table failure is a `RouteError`, which the caller
//! treats as temporary, as Postfix defers on a resolver failure.

pub mod class;
pub mod domains;
pub mod error;
pub mod resolve;
pub mod rewrite;
pub mod settings;
pub mod surrogate;
pub mod tokens;

pub use class::{Class, Warning};
pub use error::RouteError;
pub use resolve::{resolve, resolve_verify, Flags, Resolved};
pub use rewrite::{rewrite, Context};
pub use settings::RouteSettings;
