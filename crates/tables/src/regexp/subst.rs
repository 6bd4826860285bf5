//! The result text of a pattern rule: `$1`, `${1}`, `$(1)` and `$$` (Postfix
//! `mac_parse` as the regexp and pcre tables use it), parsed once at open and
//! expanded per match.
//!
//! Never: `$name` parameter expansion (that happens in main.cf before a table sees
//! its name); a macro here is always a group number.

/// One piece of a parsed result text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Piece {
    Text(String),
    /// A capture group, 1-based.
    Group(usize),
}

/// Why a result text was refused; the caller words Postfix's warnings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SubstError {
    /// `$` not followed by a name: `empty macro name: "TEXT"` (no map prefix).
    EmptyName,
    /// `${1` without its `}`: `truncated macro reference: "TEXT"` (no map prefix).
    Truncated,
    /// `$x`: `non-numeric replacement index "x"`.
    NonNumeric(String),
    /// `$0`.
    Zero,
}

/// A parsed result text.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Replacement {
    pub pieces: Vec<Piece>,
    /// The largest group number used, 0 when none.
    pub max_group: usize,
}

/// Parses `text`; stops at the first bad macro, as Postfix does.
pub fn parse(text: &str) -> Result<Replacement, SubstError> {
    let mut out = Replacement::default();
    let mut lit = String::new();
    let mut rest = text;
    while let Some(at) = rest.find('$') {
        lit.push_str(&rest[..at]);
        let after = &rest[at + 1..];
        let (name, next) = match after.chars().next() {
            Some('$') => {
                lit.push('$');
                rest = &after[1..];
                continue;
            }
            Some(open @ ('{' | '(')) => {
                let close = if open == '{' { '}' } else { ')' };
                let Some(end) = after[1..].find(close) else {
                    return Err(SubstError::Truncated);
                };
                (&after[1..1 + end], &after[end + 2..])
            }
            _ => {
                let end = after
                    .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                    .unwrap_or(after.len());
                (&after[..end], &after[end..])
            }
        };
        if name.is_empty() {
            return Err(SubstError::EmptyName);
        }
        if !name.bytes().all(|b| b.is_ascii_digit()) {
            return Err(SubstError::NonNumeric(name.to_string()));
        }
        let n: usize = name.parse().unwrap_or(usize::MAX);
        if n == 0 {
            return Err(SubstError::Zero);
        }
        if !lit.is_empty() {
            out.pieces.push(Piece::Text(std::mem::take(&mut lit)));
        }
        out.pieces.push(Piece::Group(n));
        out.max_group = out.max_group.max(n);
        rest = next;
    }
    lit.push_str(rest);
    if !lit.is_empty() {
        out.pieces.push(Piece::Text(lit));
    }
    Ok(out)
}

impl Replacement {
    /// The text with each group replaced by what it matched (empty when the group
    /// took no part in the match).
    pub fn expand(&self, group: impl Fn(usize) -> Option<String>) -> String {
        let mut s = String::new();
        for p in &self.pieces {
            match p {
                Piece::Text(t) => s.push_str(t),
                Piece::Group(n) => s.push_str(&group(*n).unwrap_or_default()),
            }
        }
        s
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn macros() {
        let r = parse("got $1 ${2} $(1)$$x").unwrap();
        assert_eq!(r.max_group, 2);
        let s = r.expand(|n| Some(format!("<{n}>")));
        assert_eq!(s, "got <1> <2> <1>$x");
        assert_eq!(parse("a $ b"), Err(SubstError::EmptyName));
        assert_eq!(parse("${}"), Err(SubstError::EmptyName));
        assert_eq!(parse("x ${1 b"), Err(SubstError::Truncated));
        assert_eq!(parse("$(1} z"), Err(SubstError::Truncated));
        assert_eq!(parse("c$2end"), Err(SubstError::NonNumeric("2end".into())));
        assert_eq!(parse("$1_x"), Err(SubstError::NonNumeric("1_x".into())));
        assert_eq!(parse("$0"), Err(SubstError::Zero));
    }
}
