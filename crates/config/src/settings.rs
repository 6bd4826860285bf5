//! `Config`: main.cf read once, with registry defaults under it and `-o` overrides
//! over it; typed getters that expand `$name` at use and name file, line and
//! parameter in every error. Immutable: a reload builds a new one.

/// Placeholder until the configuration engine lands (issue 3): holds nothing yet.
#[derive(Debug, Default)]
pub struct Config {}
