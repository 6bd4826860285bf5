//! main.cf + master.cf → typed, immutable settings (Postfix `global/mail_conf*`,
//! `global/mail_params.h`, `postconf/`).
//!
//! Owns: the main.cf lexer/parser (which keeps comments and order for in-place edits),
//! `$name` expansion, typed value parsing, THE parameter registry, master.cf parsing.
//! Never: reads process environment (the binary passes the config directory in), or
//! opens lookup tables (that is `tables`).

pub mod error;
pub mod expand;
pub mod main_cf;
pub mod master_cf;
pub mod params;
pub mod settings;
pub mod value;

pub use error::ConfigError;
pub use expand::ExpandError;
pub use settings::Config;
pub use value::ValueError;
