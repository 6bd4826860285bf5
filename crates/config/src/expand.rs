//! `$name` expansion (Postfix `util/mac_expand.c`, `util/mac_parse.c`): `$name`,
//! `${name}`, `$(name)`, `${name?value}`, `${name:value}`,
//! `${name?{value}:{value}}` (Postfix 3.0+) and `$$`.
//!
//! Owns: the expansion grammar, recursion into the values it substitutes, and loop
//! detection (a nesting depth limit, as Postfix). Never: knows where values come from;
//! the caller passes a lookup, so the same code serves main.cf, `-o` overrides and
//! per-service settings.

use std::borrow::Cow;
use std::fmt;

/// How deep `$a` → `$b` → ... may go before it is called a loop (Postfix: 100).
pub const MAX_NESTING: usize = 100;

/// A value that cannot be expanded. `Display` is Postfix's warning text; Postfix then
/// stops with `fatal: macro processing error`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ExpandError {
    /// `a = $b`, `b = $a`: the name being expanded when the limit was hit.
    Nesting { name: String },
    /// `$` followed by neither a name, `{`, `(` nor `$`.
    EmptyName { text: String },
    /// `${name` without its closing brace.
    Truncated { text: String },
    /// `${name!x}` and other text after the name that is not `?` or `:`.
    Syntax { text: String },
}

impl fmt::Display for ExpandError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ExpandError::Nesting { name } => {
                write!(f, "unreasonable macro call nesting: \"{name}\"")
            }
            ExpandError::EmptyName { text } => write!(f, "empty macro name: \"{text}\""),
            ExpandError::Truncated { text } => {
                write!(f, "truncated macro reference: \"{text}\"")
            }
            ExpandError::Syntax { text } => {
                write!(f, "attribute name syntax error at: \"{text}\"")
            }
        }
    }
}

impl std::error::Error for ExpandError {}

/// Where expansion finds a parameter's raw (unexpanded) value.
pub trait Lookup {
    /// The raw value of `name`, or `None` when it is not defined anywhere.
    fn raw(&self, name: &str) -> Option<Cow<'_, str>>;
}

impl<F> Lookup for F
where
    F: Fn(&str) -> Option<String>,
{
    fn raw(&self, name: &str) -> Option<Cow<'_, str>> {
        self(name).map(Cow::Owned)
    }
}

/// Expands `text`. Undefined names expand to nothing; each is passed to `undefined`
/// (postconf warns about them, the daemons do not).
pub fn expand(
    text: &str,
    lookup: &dyn Lookup,
    undefined: &mut dyn FnMut(&str),
) -> Result<String, ExpandError> {
    let mut out = String::with_capacity(text.len());
    Expander { lookup, undefined }.expand_into(text, 0, &mut out)?;
    Ok(out)
}

/// Whether `c` may appear in a parameter name.
pub fn is_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

/// The names `text` refers to (`$a ${b?$c}` → a, b, c), without expanding them.
/// Malformed references are skipped.
pub fn references(text: &str) -> Vec<String> {
    let mut names = Vec::new();
    let mut rest = text;
    while let Some(i) = rest.find('$') {
        rest = &rest[i + 1..];
        if let Some(r) = rest.strip_prefix('$') {
            rest = r;
            continue;
        }
        let inner = match (rest.chars().next(), closing(rest)) {
            (Some('{' | '('), Some(end)) => &rest[1..end],
            _ => rest,
        };
        let len = inner.find(|c| !is_name_char(c)).unwrap_or(inner.len());
        if len > 0 {
            names.push(inner[..len].to_owned());
        }
        // Nested references inside `${a?$b}` are found as the scan goes on.
        if rest.starts_with(['{', '(']) {
            rest = &rest[1..];
        }
    }
    names
}

/// For text starting with `{` or `(`: the byte index of the matching close.
fn closing(text: &str) -> Option<usize> {
    let open = text.chars().next()?;
    let close = match open {
        '{' => '}',
        '(' => ')',
        _ => return None,
    };
    let mut depth = 0usize;
    for (i, c) in text.char_indices() {
        if c == open {
            depth += 1;
        } else if c == close {
            depth -= 1;
            if depth == 0 {
                return Some(i);
            }
        }
    }
    None
}

struct Expander<'a, 'u> {
    lookup: &'a dyn Lookup,
    undefined: &'u mut dyn FnMut(&str),
}

impl Expander<'_, '_> {
    fn expand_into(
        &mut self,
        text: &str,
        depth: usize,
        out: &mut String,
    ) -> Result<(), ExpandError> {
        let mut rest = text;
        while let Some(i) = rest.find('$') {
            out.push_str(&rest[..i]);
            rest = &rest[i + 1..];
            if let Some(r) = rest.strip_prefix('$') {
                out.push('$');
                rest = r;
                continue;
            }
            match rest.chars().next() {
                Some('{' | '(') => {
                    let end = closing(rest).ok_or_else(|| ExpandError::Truncated {
                        text: text.to_owned(),
                    })?;
                    self.reference(&rest[1..end], text, depth, out)?;
                    rest = &rest[end + 1..];
                }
                _ => {
                    let len = rest.find(|c| !is_name_char(c)).unwrap_or(rest.len());
                    if len == 0 {
                        return Err(ExpandError::EmptyName {
                            text: text.to_owned(),
                        });
                    }
                    self.substitute(&rest[..len], depth, out)?;
                    rest = &rest[len..];
                }
            }
        }
        out.push_str(rest);
        Ok(())
    }

    /// The inside of `${...}` / `$(...)`.
    fn reference(
        &mut self,
        inner: &str,
        text: &str,
        depth: usize,
        out: &mut String,
    ) -> Result<(), ExpandError> {
        if inner.starts_with('{') {
            return self.comparison(inner, depth, out);
        }
        let len = inner.find(|c| !is_name_char(c)).unwrap_or(inner.len());
        let (name, tail) = inner.split_at(len);
        if name.is_empty() {
            return Err(ExpandError::EmptyName {
                text: text.to_owned(),
            });
        }
        let syntax = || ExpandError::Syntax {
            text: format!("...{name}>>>{tail}"),
        };
        let Some(op) = tail.chars().next() else {
            return self.substitute(name, depth, out);
        };
        if op != '?' && op != ':' {
            return Err(syntax());
        }
        let arg = &tail[1..];
        let value = self.lookup.raw(name);
        if value.is_none() {
            (self.undefined)(name);
        }
        let non_empty = value.is_some_and(|v| !v.is_empty());
        // Postfix 3.0: `${name?{then}:{else}}`; otherwise the whole rest is the text.
        let (when_set, when_unset) = match braced_pair(arg) {
            Some((a, b)) if op == '?' => (Some(a), b),
            Some((a, b)) => (b, Some(a)),
            None if op == '?' => (Some(arg), None),
            None => (None, Some(arg)),
        };
        let chosen = if non_empty { when_set } else { when_unset };
        if let Some(chosen) = chosen {
            self.expand_into(chosen, depth, out)?;
        }
        Ok(())
    }

    /// Postfix 3.6+: `${{left} op {right} ? {then} : {else}}` with `op` one of `==`,
    /// `!=` (text) or `<level`, `<=level`, `>level`, `>=level` (compatibility levels).
    fn comparison(
        &mut self,
        inner: &str,
        depth: usize,
        out: &mut String,
    ) -> Result<(), ExpandError> {
        let syntax = || ExpandError::Syntax {
            text: format!("...>>>{inner}"),
        };
        let end = closing(inner).ok_or_else(syntax)?;
        let left = &inner[1..end];
        let rest = inner[end + 1..].trim_start();
        let op_len = rest
            .find(|c: char| c == '{' || c.is_ascii_whitespace())
            .unwrap_or(rest.len());
        let (op, rest) = rest.split_at(op_len);
        let rest = rest.trim_start();
        let end = closing(rest).ok_or_else(syntax)?;
        let right = &rest[1..end];
        let rest = rest[end + 1..].trim_start();
        let (when_true, when_false) = match rest.chars().next() {
            Some('?') => braced_pair(&rest[1..]).map(|(a, b)| (Some(a), b)),
            Some(':') => braced_pair(&rest[1..]).map(|(a, b)| (b, Some(a))),
            _ => None,
        }
        .ok_or_else(syntax)?;
        let mut l = String::new();
        self.expand_into(left, depth, &mut l)?;
        let mut r = String::new();
        self.expand_into(right, depth, &mut r)?;
        let (l, r) = (l.trim(), r.trim());
        let truth = match op {
            "==" => l == r,
            "!=" => l != r,
            "<level" => level(l) < level(r),
            "<=level" => level(l) <= level(r),
            ">level" => level(l) > level(r),
            ">=level" => level(l) >= level(r),
            _ => return Err(syntax()),
        };
        match if truth { when_true } else { when_false } {
            Some(chosen) => self.expand_into(chosen, depth, out),
            None => Ok(()),
        }
    }

    fn substitute(
        &mut self,
        name: &str,
        depth: usize,
        out: &mut String,
    ) -> Result<(), ExpandError> {
        if depth > MAX_NESTING {
            return Err(ExpandError::Nesting {
                name: name.to_owned(),
            });
        }
        match self.lookup.raw(name) {
            Some(value) => {
                let value = value.into_owned();
                self.expand_into(&value, depth + 1, out)
            }
            None => {
                (self.undefined)(name);
                Ok(())
            }
        }
    }
}

/// A compatibility level `3.6.1` as comparable numbers (missing parts are 0).
fn level(text: &str) -> Vec<u64> {
    let mut parts: Vec<u64> = text.split('.').map(|p| p.parse().unwrap_or(0)).collect();
    while parts.len() < 3 {
        parts.push(0);
    }
    parts
}

/// `{a}` or `{a}:{b}` (white space allowed around the pieces) → the insides.
fn braced_pair(arg: &str) -> Option<(&str, Option<&str>)> {
    let arg = arg.trim();
    if !arg.starts_with('{') {
        return None;
    }
    let end = closing(arg)?;
    let first = &arg[1..end];
    let rest = arg[end + 1..].trim_start();
    if rest.is_empty() {
        return Some((first, None));
    }
    let second = rest.strip_prefix(':')?.trim();
    let end2 = closing(second)?;
    if !second[end2 + 1..].trim().is_empty() {
        return None;
    }
    Some((first, Some(&second[1..end2])))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::collections::HashMap;

    fn table(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    fn run(
        text: &str,
        vars: &HashMap<String, String>,
    ) -> Result<(String, Vec<String>), ExpandError> {
        let lookup = |n: &str| vars.get(n).cloned();
        let mut undefined = Vec::new();
        let out = expand(text, &lookup, &mut |n| undefined.push(n.to_owned()))?;
        Ok((out, undefined))
    }

    #[test]
    fn plain_forms() {
        let v = table(&[("foo", "bar")]);
        let (out, undef) = run("$foo ${foo} $(foo) $$ $$foo x$undefinedz", &v).unwrap();
        assert_eq!(out, "bar bar bar $ $foo x");
        assert_eq!(undef, ["undefinedz"]);
        assert_eq!(run("$foo.bar $foo-x", &v).unwrap().0, "bar.bar bar-x");
    }

    #[test]
    fn conditionals() {
        let v = table(&[("foo", "bar"), ("e", "")]);
        let (out, _) = run(
            "${foo?yes}|${e?yes}|${nope?yes}|${foo:no}|${e:no}|${nope:no}",
            &v,
        )
        .unwrap();
        assert_eq!(out, "yes||||no|no");
        let (out, _) = run("${foo?{ T }:{ F }}|${e?{T}:{F}}|${nope?{T}:{F}}", &v).unwrap();
        assert_eq!(out, " T |F|F");
        assert_eq!(run("${e?{T}}x${e:{ F  a }}y", &v).unwrap().0, "x F  a y");
        assert_eq!(run("${foo?$foo-$foo}", &v).unwrap().0, "bar-bar");
    }

    #[test]
    fn recursion_and_loops() {
        let v = table(&[("a", "$b"), ("b", "${c}!"), ("c", "end")]);
        assert_eq!(run("<$a>", &v).unwrap().0, "<end!>");
        let v = table(&[("a", "$b"), ("b", "$a")]);
        assert_eq!(
            run("$a", &v).unwrap_err().to_string(),
            "unreasonable macro call nesting: \"b\""
        );
        let v = table(&[("a", "x $a")]);
        assert!(matches!(run("$a", &v), Err(ExpandError::Nesting { .. })));
    }

    #[test]
    fn errors() {
        let v = table(&[("foo", "bar")]);
        assert_eq!(
            run("$ x", &v).unwrap_err().to_string(),
            "empty macro name: \"$ x\""
        );
        assert_eq!(
            run("a ${foo", &v).unwrap_err().to_string(),
            "truncated macro reference: \"a ${foo\""
        );
        assert_eq!(
            run("${foo == bar?{T}:{F}}", &v).unwrap_err().to_string(),
            "attribute name syntax error at: \"...foo>>> == bar?{T}:{F}\""
        );
        assert!(run("trailing $", &v).is_err());
    }

    #[test]
    fn comparisons() {
        let v = table(&[
            ("compatibility_level", "0"),
            ("mydestination", "d"),
            ("x", "3.6"),
        ]);
        let t = "${{$compatibility_level} <level {2} ? {$mydestination} : {}}";
        assert_eq!(run(t, &v).unwrap().0, "d");
        assert_eq!(run("${{$x} >=level {3.6} ? {y} : {n}}", &v).unwrap().0, "y");
        assert_eq!(run("${{$x} == {3.7} ? {y} : {n}}", &v).unwrap().0, "n");
        assert_eq!(run("${{$x} != {3.7} ? {y}}", &v).unwrap().0, "y");
    }

    #[test]
    fn finds_references() {
        assert_eq!(
            references("$a ${b?$c} $(d) $$e ${f:{x}:{$g}}"),
            ["a", "b", "c", "d", "f", "g"]
        );
    }

    proptest! {
        #[test]
        fn text_without_dollar_is_unchanged(s in "[^$]{0,60}") {
            let v = table(&[]);
            prop_assert_eq!(run(&s, &v).unwrap().0, s);
        }

        #[test]
        fn never_panics(s in "[a-z${}():? ]{0,40}") {
            let v = table(&[("a", "$b"), ("b", "x"), ("s", "$s")]);
            let _ = run(&s, &v);
        }

        #[test]
        fn doubled_dollars_escape(s in "[a-z ]{0,20}") {
            let v = table(&[]);
            prop_assert_eq!(run(&format!("$${s}"), &v).unwrap().0, format!("${s}"));
        }
    }
}
