//! The small RFC 822 address token layer trivial-rewrite works on (Postfix
//! `global/tok822_*.c`, `quote_822_local.c`): an address in internal (unquoted) form
//! is quoted, split into tokens, rewritten as tokens, and joined back to internal form.
//!
//! Owns: which parts of an address are visible to the routing operators `@ % ! :` —
//! a local part that needs quoting (it holds `@`, white space, misplaced dots ...)
//! becomes one quoted-string token whose operators are hidden.
//! Never: decides anything about classes or transports.

/// One token of an address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Tok {
    /// A run of characters that are neither specials nor white space.
    Atom(String),
    /// A quoted string's content, unquoted.
    Quoted(String),
    /// A domain literal with its brackets, `[192.0.2.1]`.
    Literal(String),
    /// A comment with its parentheses, `(text)`: kept, as Postfix keeps it, so that
    /// a domain with a comment is no domain at all.
    Comment(String),
    /// One special character: `@ . % ! : , ; < > ( )` and the like.
    Op(char),
}

/// Characters that end an atom (RFC 822 specials, plus the routing operators `%` and
/// `!` that Postfix's scanner also treats as operators).
const SPECIALS: &str = "()<>@,;:\\\".[]%!";

/// Whether `local` may stand unquoted (an RFC 822 dot-string): non-empty atoms
/// separated by single dots.
fn is_dot_string(local: &str) -> bool {
    !local.is_empty()
        && local.split('.').all(|atom| {
            !atom.is_empty()
                && atom.chars().all(|c| {
                    !c.is_ascii_control()
                        && c != ' '
                        && (!"()<>@,;:\\\".[]".contains(c) || c == '.')
                })
        })
}

/// Postfix `quote_822_local`: the external form of an internal-form address; the
/// local part (before the last `@`) is quoted unless it is a dot-string. A source
/// route in front (`@a,@b:`) stays unquoted, so that rewriting can drop it.
pub fn quote_local(addr: &str) -> String {
    let (local, domain) = match addr.rfind('@') {
        Some(at) => (&addr[..at], Some(&addr[at..])),
        None => (addr, None),
    };
    let mut out = String::with_capacity(addr.len() + 2);
    let local = match local.find(':') {
        Some(colon) if local.starts_with('@') && colon + 1 < local.len() => {
            out.push_str(&local[..=colon]);
            &local[colon + 1..]
        }
        _ => local,
    };
    // An empty local part before a domain stays empty (`@domain`), as in Postfix.
    if is_dot_string(local) || (local.is_empty() && domain.is_some()) {
        out.push_str(local);
    } else {
        out.push('"');
        for c in local.chars() {
            if c == '"' || c == '\\' {
                out.push('\\');
            }
            out.push(c);
        }
        out.push('"');
    }
    if let Some(d) = domain {
        out.push_str(d);
    }
    out
}

/// Splits an external-form address into tokens; comments are dropped and white space
/// separates tokens.
pub fn scan(text: &str) -> Vec<Tok> {
    let mut toks = Vec::new();
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            c if c.is_whitespace() => {}
            '"' => {
                let mut s = String::new();
                while let Some(q) = chars.next() {
                    match q {
                        '\\' => {
                            if let Some(e) = chars.next() {
                                s.push(e);
                            }
                        }
                        '"' => break,
                        q => s.push(q),
                    }
                }
                toks.push(Tok::Quoted(s));
            }
            '[' => {
                // An unterminated literal is closed, as Postfix's scanner does.
                let mut s = String::from("[");
                for q in chars.by_ref() {
                    s.push(q);
                    if q == ']' {
                        break;
                    }
                }
                if !s.ends_with(']') || s.len() == 1 {
                    s.push(']');
                }
                toks.push(Tok::Literal(s));
            }
            '(' => {
                let mut s = String::from("(");
                let mut depth = 1usize;
                for q in chars.by_ref() {
                    s.push(q);
                    match q {
                        '(' => depth += 1,
                        ')' => {
                            depth -= 1;
                            if depth == 0 {
                                break;
                            }
                        }
                        _ => {}
                    }
                }
                toks.push(Tok::Comment(s));
            }
            c if c != '\\' && SPECIALS.contains(c) => toks.push(Tok::Op(c)),
            c => {
                // An atom; a backslash takes the next character literally.
                let mut s = String::new();
                let mut next = Some(c);
                while let Some(ch) = next {
                    if ch == '\\' {
                        if let Some(e) = chars.next() {
                            s.push(e);
                        }
                    } else {
                        s.push(ch);
                    }
                    next = match chars.peek() {
                        Some(&n) if n == '\\' || !(n.is_whitespace() || SPECIALS.contains(n)) => {
                            chars.next()
                        }
                        _ => None,
                    };
                }
                if !s.is_empty() {
                    toks.push(Tok::Atom(s));
                }
            }
        }
    }
    toks
}

/// The internal (unquoted) form of tokens, spaced as Postfix's unparser spaces
/// them: one space between adjacent words (`first last`), after a comma before a
/// word, and before `<`.
pub fn internalize(toks: &[Tok]) -> String {
    let mut out = String::new();
    let word = |t: &Tok| {
        matches!(
            t,
            Tok::Atom(_) | Tok::Quoted(_) | Tok::Literal(_) | Tok::Comment(_)
        )
    };
    for (i, t) in toks.iter().enumerate() {
        if i > 0
            && (*t == Tok::Op('<')
                || (word(t) && (word(&toks[i - 1]) || toks[i - 1] == Tok::Op(','))))
        {
            out.push(' ');
        }
        match t {
            Tok::Atom(s) | Tok::Quoted(s) | Tok::Literal(s) | Tok::Comment(s) => out.push_str(s),
            Tok::Op(c) => out.push(*c),
        }
    }
    out
}

/// The position of the last `op` at top level.
pub fn rfind(toks: &[Tok], op: char) -> Option<usize> {
    toks.iter().rposition(|t| *t == Tok::Op(op))
}

/// The position of the first `op` at top level.
pub fn find(toks: &[Tok], op: char) -> Option<usize> {
    toks.iter().position(|t| *t == Tok::Op(op))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn quotes_only_what_needs_it() {
        assert_eq!(quote_local("user@example.com"), "user@example.com");
        assert_eq!(quote_local("a.b%c!d"), "a.b%c!d");
        assert_eq!(quote_local("a@b@c"), "\"a@b\"@c");
        assert_eq!(quote_local("first last@x"), "\"first last\"@x");
        assert_eq!(quote_local(".a@x"), "\".a\"@x");
        assert_eq!(quote_local("@x"), "@x");
        assert_eq!(quote_local(""), "\"\"");
        assert_eq!(quote_local("a\"b@x"), "\"a\\\"b\"@x");
    }

    #[test]
    fn scans_and_joins_back() {
        for a in [
            "user@example.com",
            "a@b@c",
            "u%v@w",
            "h!u",
            "x@[192.0.2.1]",
            "@x",
        ] {
            assert_eq!(internalize(&scan(&quote_local(a))), a, "{a}");
        }
        assert_eq!(
            scan("u%v@w"),
            vec![
                Tok::Atom("u".into()),
                Tok::Op('%'),
                Tok::Atom("v".into()),
                Tok::Op('@'),
                Tok::Atom("w".into())
            ]
        );
        assert_eq!(rfind(&scan("\"a@b\"@c"), '@'), Some(1));
        assert_eq!(internalize(&scan("a (comment) @ b")), "a (comment)@b");
        assert_eq!(internalize(&scan("a\\!b")), "a!b");
        assert_eq!(scan("a\\!b"), vec![Tok::Atom("a!b".into())]);
        assert_eq!(internalize(&scan("x,y<z")), "x, y <z");
    }
}
