//! THE REGISTRY: every main.cf parameter facteur knows, each defined once with its type
//! and its Postfix 3.7 default as `postconf -d` prints it (Postfix `mail_params.h`
//! VAR_/DEF_ pairs). `postconf -d`, validation and docs all derive from this table.
//!
//! Parameters are grouped by the part of the system that uses them (one file each);
//! `all()` returns them sorted by name, the order `postconf` prints.

/// The type of a parameter's value, which decides its validation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Free text, after `$name` expansion.
    Str,
    /// `yes` or `no` (Postfix accepts any case).
    Bool,
    /// A decimal integer with a lower (and optional upper) bound.
    Int { min: i64, max: i64 },
    /// A time: a number with an optional unit s, m, h, d or w; `unit` applies when
    /// none is given. Bounds in seconds.
    Time { unit: char, min: i64, max: i64 },
    /// A byte count (Postfix's "long" sizes: message_size_limit ...).
    Size { min: i64 },
    /// A list separated by commas and/or white space, with `{ ... }` grouping.
    List,
    /// A list of lookup tables `type:name`.
    TableList,
}

/// Where a default comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Default {
    /// The exact text `postconf -d` prints.
    Text(&'static str),
    /// Depends on the host (myhostname, mydomain, mynetworks ...): computed by
    /// `host_default` at use, never stored.
    Host,
}

/// One parameter: defined once, here.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ParamDef {
    pub name: &'static str,
    pub kind: Kind,
    pub default: Default,
    /// False for parameters Postfix 3.7 has that facteur accepts but does not act on
    /// yet: the daemon warns once at start when main.cf sets one.
    pub implemented: bool,
}

/// Every known parameter, sorted by name.
pub fn all() -> &'static [ParamDef] {
    &[]
}

/// The definition of `name`, if facteur knows it.
pub fn lookup(name: &str) -> Option<&'static ParamDef> {
    let all = all();
    all.binary_search_by(|p| p.name.cmp(name))
        .ok()
        .map(|i| &all[i])
}
