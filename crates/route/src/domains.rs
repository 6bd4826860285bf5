//! Domain lists as Postfix matches them (Postfix `util/match_list.c`,
//! `match_ops.c`, `global/domain_list.c`, `string_list.c`): the value of
//! `mydestination`, `relay_domains`, `virtual_alias_domains` ... parsed once into
//! patterns — names, `!negations`, `/file/name` contents, `type:table` lookups.
//!
//! Owns: the pattern syntax and the two match styles (host names with parent-domain
//! rules, and plain strings). Never: decides what a match means.

use std::sync::Arc;

use tables::{OpenOptions, Table, TableError};

use crate::surrogate::{self, Unavailable};
use crate::RouteError;

/// How a list compares a name with its patterns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Style {
    /// `domain_list`: a pattern matches the name itself; `.example.com` matches any
    /// subdomain; with `parent` (the parameter is in
    /// `parent_domain_matches_subdomains`) `example.com` also matches subdomains. A
    /// fixed-string table is asked the name, then each parent (`.parent` or, with
    /// `parent`, `parent`).
    Domain { parent: bool },
    /// `string_list`: exact, case-insensitive comparison; tables are asked the name.
    String,
}

#[derive(Debug)]
enum Pattern {
    Name(String),
    Table(Arc<dyn Table>),
}

/// A parsed list; matching never touches a file again.
#[derive(Debug)]
pub struct DomainList {
    parameter: &'static str,
    style: Style,
    /// Each pattern with the result it gives when it matches (false for `!pattern`).
    patterns: Vec<(bool, Pattern)>,
}

impl DomainList {
    /// Parses the elements of `parameter`'s value (already split as a list). A table
    /// or `/file/name` that cannot be opened becomes a pattern whose every match
    /// fails, as in Postfix; its warning is appended to `warnings`.
    pub fn new(
        parameter: &'static str,
        items: &[String],
        style: Style,
        opts: &OpenOptions,
        warnings: &mut Vec<String>,
    ) -> Result<DomainList, RouteError> {
        let mut list = DomainList {
            parameter,
            style,
            patterns: Vec::new(),
        };
        list.parse(items, true, opts, 0, warnings)?;
        Ok(list)
    }

    /// The parameter this list came from.
    pub fn parameter(&self) -> &'static str {
        self.parameter
    }

    /// Whether the list is empty (Postfix skips the class test for an empty list).
    pub fn is_empty(&self) -> bool {
        self.patterns.is_empty()
    }

    fn parse(
        &mut self,
        items: &[String],
        result: bool,
        opts: &OpenOptions,
        depth: usize,
        warnings: &mut Vec<String>,
    ) -> Result<(), RouteError> {
        for item in items {
            let mut on_match = result;
            let mut text = item.as_str();
            while let Some(rest) = text.strip_prefix('!') {
                on_match = !on_match;
                text = rest;
            }
            if text.is_empty() {
                return Err(RouteError::Setting {
                    parameter: self.parameter,
                    message: format!("no pattern after '!' in \"{item}\""),
                });
            }
            if text.starts_with('/') {
                if depth > 10 {
                    return Err(RouteError::Setting {
                        parameter: self.parameter,
                        message: format!("{text}: files nested too deeply"),
                    });
                }
                let body = match std::fs::read_to_string(text) {
                    Ok(body) => body,
                    Err(e) => {
                        let spec = format!("non-existent:{text}");
                        let reason = format!("open file {text}: {}", strerror(&e));
                        warnings.push(Unavailable::warning(&spec, &reason));
                        let table = Unavailable::table(&spec, reason);
                        self.patterns.push((on_match, Pattern::Table(table)));
                        continue;
                    }
                };
                let inner: Vec<String> = body
                    .lines()
                    .map(|l| l.split('#').next().unwrap_or(""))
                    .flat_map(crate::settings::split_list)
                    .collect();
                self.parse(&inner, on_match, opts, depth + 1, warnings)?;
            } else if is_table_spec(text) {
                let table = surrogate::open(text, opts, warnings);
                self.patterns.push((on_match, Pattern::Table(table)));
            } else {
                self.patterns
                    .push((on_match, Pattern::Name(text.to_ascii_lowercase())));
            }
        }
        Ok(())
    }

    /// Whether `name` is in the list: the first matching pattern decides. A table
    /// error stops the search (Postfix then defers).
    pub fn matches(&self, name: &str) -> Result<bool, TableError> {
        let name = name.to_ascii_lowercase();
        for (on_match, pattern) in &self.patterns {
            let hit = match pattern {
                Pattern::Name(p) => self.name_matches(&name, p),
                Pattern::Table(t) => self.table_matches(&name, t.as_ref())?,
            };
            if hit {
                return Ok(*on_match);
            }
        }
        Ok(false)
    }

    fn name_matches(&self, name: &str, pattern: &str) -> bool {
        if name == pattern {
            return true;
        }
        let Style::Domain { parent } = self.style else {
            return false;
        };
        let Some(start) = name.len().checked_sub(pattern.len()) else {
            return false;
        };
        if start == 0 || !name.is_char_boundary(start) || &name[start..] != pattern {
            return false;
        }
        if parent {
            name.as_bytes()[start - 1] == b'.'
        } else {
            pattern.starts_with('.')
        }
    }

    fn table_matches(&self, name: &str, table: &dyn Table) -> Result<bool, TableError> {
        if table.lookup(name)?.is_some() {
            return Ok(true);
        }
        let Style::Domain { parent } = self.style else {
            return Ok(false);
        };
        if table.is_pattern() {
            return Ok(false);
        }
        let mut rest = name;
        while let Some(dot) = rest.get(1..).and_then(|r| r.find('.')) {
            let next = &rest[dot + 1..];
            let key = if parent { &next[1..] } else { next };
            if !key.is_empty() && table.lookup(key)?.is_some() {
                return Ok(true);
            }
            rest = next;
        }
        Ok(false)
    }
}

/// An I/O error as `strerror` words it.
fn strerror(e: &std::io::Error) -> String {
    let s = e.to_string();
    match s.rfind(" (os error ") {
        Some(i) => s[..i].to_string(),
        None => s,
    }
}

/// Whether a list element is a `type:name` table rather than a name (a name never
/// holds a colon, except an IPv6 literal, which starts with `[` or a hex digit run
/// followed by `::`... those are not domains).
fn is_table_spec(text: &str) -> bool {
    match text.split_once(':') {
        Some((kind, _)) => !kind.is_empty() && kind.chars().all(|c| c.is_ascii_alphanumeric()),
        None => false,
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn list(items: &[&str], style: Style) -> DomainList {
        let items: Vec<String> = items.iter().map(|s| s.to_string()).collect();
        DomainList::new(
            "test",
            &items,
            style,
            &OpenOptions::default(),
            &mut Vec::new(),
        )
        .unwrap()
    }

    #[test]
    fn domain_style_without_parent_matching() {
        let l = list(
            &["example.com", ".sub.example.org"],
            Style::Domain { parent: false },
        );
        assert!(l.matches("Example.COM").unwrap());
        assert!(!l.matches("a.example.com").unwrap());
        assert!(l.matches("a.sub.example.org").unwrap());
        assert!(!l.matches("sub.example.org").unwrap());
    }

    #[test]
    fn domain_style_with_parent_matching() {
        let l = list(&["example.com"], Style::Domain { parent: true });
        assert!(l.matches("example.com").unwrap());
        assert!(l.matches("a.b.example.com").unwrap());
        assert!(!l.matches("badexample.com").unwrap());
    }

    #[test]
    fn negation_and_first_match() {
        let l = list(
            &["!a.example.com", "example.com"],
            Style::Domain { parent: true },
        );
        assert!(!l.matches("a.example.com").unwrap());
        assert!(l.matches("b.example.com").unwrap());
    }

    #[test]
    fn tables_are_asked_name_then_parents() {
        let l = list(
            &["inline:{.example.com=x, exact.org=y}"],
            Style::Domain { parent: false },
        );
        assert!(l.matches("a.example.com").unwrap());
        assert!(!l.matches("example.com").unwrap());
        assert!(l.matches("exact.org").unwrap());
        let s = list(&["inline:{.example.com=x, exact.org=y}"], Style::String);
        assert!(!s.matches("a.example.com").unwrap());
        assert!(s.matches("EXACT.org").unwrap());
    }

    #[test]
    fn string_style_is_exact() {
        let l = list(&["example.com", ".example.org"], Style::String);
        assert!(l.matches("EXAMPLE.com").unwrap());
        assert!(!l.matches("a.example.com").unwrap());
        assert!(!l.matches("a.example.org").unwrap());
    }

    #[test]
    fn file_patterns() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("doms");
        std::fs::write(
            &path,
            "# comment\none.example, two.example\n!three.example\n",
        )
        .unwrap();
        let p = path.display().to_string();
        let l = list(&["!/nonexistent-never"][..0], Style::String);
        assert!(l.is_empty());
        let l = list(&[p.as_str(), "three.example"], Style::String);
        assert!(l.matches("two.example").unwrap());
        assert!(!l.matches("three.example").unwrap());
        let mut warnings = Vec::new();
        let l = DomainList::new(
            "mydestination",
            &["a.example".to_string(), "/nonexistent/file".to_string()],
            Style::String,
            &OpenOptions::default(),
            &mut warnings,
        )
        .unwrap();
        assert_eq!(
            warnings,
            ["non-existent:/nonexistent/file is unavailable. open file /nonexistent/file: No such file or directory"]
        );
        assert!(l.matches("a.example").unwrap());
        assert!(l.matches("b.example").is_err());
    }
}
