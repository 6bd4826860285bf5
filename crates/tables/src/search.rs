//! The key search orders Postfix uses over a list of tables (Postfix `global/maps.c`
//! `maps_find`, `mail_addr_find.c`, smtpd `check_*_access`, trivial-rewrite
//! `transport.c`, local(8) alias lookups), as plain functions: callers pass the
//! tables and the few parameters an order depends on, never the configuration.
//!
//! Owns: which keys are asked in which order, which of them are partial (pattern
//! tables — regexp, pcre, cidr — see only full keys, as in Postfix), and the address
//! extension that had to be dropped for a match.
//! Never: case folding (each table folds its own fixed-string keys), what a result
//! means (OK, REJECT, a transport), or `$name` expansion.

use std::sync::Arc;

use mail::address::{split_at_domain, ExtensionRules};

use crate::{Table, TableError};

/// A search result: the key that matched, its value, and the address extension
/// (with its delimiter, as `+foo`) that had to be dropped for the key to match.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found {
    pub key: String,
    pub value: String,
    pub extension: Option<String>,
}

/// Postfix `maps_find`: asks each table in turn for `key`, the first value wins. A
/// `partial` key skips pattern tables. An error stops the search, as Postfix then
/// defers rather than trying the next table.
pub fn find(
    maps: &[Arc<dyn Table>],
    key: &str,
    partial: bool,
) -> Result<Option<Found>, TableError> {
    for t in maps {
        if partial && t.is_pattern() {
            continue;
        }
        if let Some(value) = t.lookup(key)? {
            return Ok(Some(Found {
                key: key.to_string(),
                value,
                extension: None,
            }));
        }
    }
    Ok(None)
}

/// Tries `keys` in order (`(key, partial, dropped extension)`), first match wins.
fn first(
    maps: &[Arc<dyn Table>],
    keys: impl IntoIterator<Item = (String, bool, Option<String>)>,
) -> Result<Option<Found>, TableError> {
    for (key, partial, ext) in keys {
        if let Some(mut f) = find(maps, &key, partial)? {
            f.extension = ext;
            return Ok(Some(f));
        }
    }
    Ok(None)
}

/// `address` without its extension, and the extension with its delimiter; `None`
/// when the address has none by Postfix's rules.
fn strip(address: &str, rules: &ExtensionRules) -> Option<(String, String)> {
    let (local, domain) = split_at_domain(address);
    let s = rules.split(local)?;
    let bare = match domain {
        Some(d) => format!("{}@{d}", s.base),
        None => s.base.to_string(),
    };
    Some((bare, format!("{}{}", s.delimiter, s.extension)))
}

/// The domain keys of a domain search (smtpd `check_domain_access`, trivial-rewrite
/// transport): the name, then each parent as `example.com` when
/// `parent_matches_subdomains` (the table's name is in
/// `parent_domain_matches_subdomains`), else as `.example.com`. A trailing dot is
/// dropped first.
pub fn domain_keys(domain: &str, parent_matches_subdomains: bool) -> Vec<String> {
    let d = domain.strip_suffix('.').unwrap_or(domain);
    let mut keys = Vec::new();
    let mut name = d;
    while !name.is_empty() {
        keys.push(name.to_string());
        let Some(dot) = name.get(1..).and_then(|r| r.find('.')) else {
            break;
        };
        let next = &name[dot + 1..];
        name = if parent_matches_subdomains {
            &next[1..]
        } else {
            next
        };
    }
    keys
}

/// access(5) for an e-mail address (smtpd `check_mail_access`): `user+ext@domain`,
/// `user@domain`, the domain and its parents (see `domain_keys`), `user+ext@`,
/// `user@`. Only the first key is full.
pub fn access_address(
    maps: &[Arc<dyn Table>],
    address: &str,
    rules: &ExtensionRules,
    parent_matches_subdomains: bool,
) -> Result<Option<Found>, TableError> {
    let (local, domain) = split_at_domain(address);
    let stripped = strip(address, rules);
    let ext = stripped.as_ref().map(|(_, e)| e.clone());
    let mut keys = vec![(address.to_string(), false, None)];
    if let Some((bare, e)) = &stripped {
        keys.push((bare.clone(), true, Some(e.clone())));
    }
    if let Some(d) = domain {
        keys.extend(
            domain_keys(d, parent_matches_subdomains)
                .into_iter()
                .map(|k| (k, true, None)),
        );
    }
    keys.push((format!("{local}@"), true, None));
    if let Some(s) = rules.split(local) {
        keys.push((format!("{}@", s.base), true, ext));
    }
    first(maps, keys)
}

/// access(5) for a host name (smtpd `check_domain_access` on a client or HELO name):
/// the name (a full key), then its parent domains (see `domain_keys`).
pub fn access_hostname(
    maps: &[Arc<dyn Table>],
    hostname: &str,
    parent_matches_subdomains: bool,
) -> Result<Option<Found>, TableError> {
    let keys = domain_keys(hostname, parent_matches_subdomains);
    first(
        maps,
        keys.into_iter().enumerate().map(|(i, k)| (k, i > 0, None)),
    )
}

/// access(5) for an IP address (smtpd `check_addr_access`): the whole address (a
/// full key), then with the last octet dropped, and so on (`1.2.3.4`, `1.2.3`,
/// `1.2`, `1`); an IPv6 address drops `:`-separated parts as written
/// (`2001:db8::1`, `2001:db8:`, `2001:db8`, `2001`).
pub fn access_ip(maps: &[Arc<dyn Table>], addr: &str) -> Result<Option<Found>, TableError> {
    let delim = if addr.contains(':') { ':' } else { '.' };
    let mut keys = Vec::new();
    let mut name = addr;
    loop {
        keys.push((name.to_string(), !keys.is_empty(), None));
        match name.rfind(delim) {
            Some(i) if i > 0 => name = &name[..i],
            _ => break,
        }
    }
    first(maps, keys)
}

/// virtual(5) and canonical(5) (Postfix `mail_addr_find`): `user+ext@domain`,
/// `user@domain`, then when `domain_is_local` (the domain is `$myorigin`, in
/// `$mydestination`, `$inet_interfaces` or `$proxy_interfaces`: the caller decides)
/// `user+ext` and `user`, then `@domain`. Only the first key is full. An address
/// without a domain is tried as itself and without its extension.
pub fn address_mapping(
    maps: &[Arc<dyn Table>],
    address: &str,
    rules: &ExtensionRules,
    domain_is_local: bool,
) -> Result<Option<Found>, TableError> {
    let (local, domain) = split_at_domain(address);
    let stripped = strip(address, rules);
    let mut keys = vec![(address.to_string(), false, None)];
    if let Some((bare, e)) = &stripped {
        keys.push((bare.clone(), true, Some(e.clone())));
    }
    if let Some(d) = domain {
        if domain_is_local {
            keys.push((local.to_string(), true, None));
            if let Some(s) = rules.split(local) {
                let ext = format!("{}{}", s.delimiter, s.extension);
                keys.push((s.base.to_string(), true, Some(ext)));
            }
        }
        keys.push((format!("@{d}"), true, None));
    }
    first(maps, keys)
}

/// aliases(5) as local(8) asks: the local part with its extension, then without.
/// Both are full keys (pattern tables see them).
pub fn aliases(
    maps: &[Arc<dyn Table>],
    local_part: &str,
    rules: &ExtensionRules,
) -> Result<Option<Found>, TableError> {
    let mut keys = vec![(local_part.to_string(), false, None)];
    if let Some(s) = rules.split(local_part) {
        let ext = format!("{}{}", s.delimiter, s.extension);
        keys.push((s.base.to_string(), false, Some(ext)));
    }
    first(maps, keys)
}

/// transport(5): `user+ext@domain` (full), `user@domain`, the domain and its parents
/// (`.domain` unless `parent_matches_subdomains`: `transport_maps` is in
/// `parent_domain_matches_subdomains`), then `*`.
pub fn transport(
    maps: &[Arc<dyn Table>],
    address: &str,
    rules: &ExtensionRules,
    parent_matches_subdomains: bool,
) -> Result<Option<Found>, TableError> {
    let (_, domain) = split_at_domain(address);
    let mut keys = vec![(address.to_string(), false, None)];
    if let Some((bare, e)) = strip(address, rules) {
        keys.push((bare, true, Some(e)));
    }
    if let Some(d) = domain {
        keys.extend(
            domain_keys(d, parent_matches_subdomains)
                .into_iter()
                .map(|k| (k, true, None)),
        );
    }
    keys.push(("*".to_string(), false, None));
    first(maps, keys)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests;
