//! Mail vocabulary shared by all facteur crates (Postfix `global/`): pure types, no I/O.
//!
//! This crate owns the shapes of addresses and the other nouns every service speaks
//! about. It never touches files, sockets, clocks or configuration.

pub mod address;
pub mod queue_id;
