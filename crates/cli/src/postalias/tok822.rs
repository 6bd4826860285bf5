//! RFC 822 tokens of an aliases(5) line as postalias reads them (Postfix
//! `global/tok822_*.c`): atoms, quoted strings, comments, domain literals and the
//! single-character operators `|%!()<>@,;:\".[]`, with the two ways back to text
//! (internal form for keys, external form for values).
//!
//! TEMPORARY home (issue 3): `tables::aliases` is being written as the shared
//! aliases(5) parser; move this there (or use its equivalent) when it lands.

/// One token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Token {
    Atom(String),
    Quoted(String),
    /// Kept in external form, parentheses included (an unterminated comment has no `)`).
    Comment(String),
    DomainLiteral(String),
    Op(char),
}

const OPERATORS: &str = "|%!()<>@,;:\\\".[]";

fn is_blank(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\r' | '\n')
}

/// Collects characters until `stop` (not consumed unless `skip_last`), undoing
/// backslash escapes and turning white space into plain spaces.
fn collect(chars: &[char], i: &mut usize, stop: impl Fn(char) -> bool, skip_last: bool) -> String {
    let mut out = String::new();
    while *i < chars.len() {
        let mut c = chars[*i];
        if c == '\\' {
            *i += 1;
            match chars.get(*i) {
                Some(&next) => c = next,
                None => break,
            }
        } else if stop(c) {
            break;
        }
        out.push(if is_blank(c) { ' ' } else { c });
        *i += 1;
    }
    if skip_last && *i < chars.len() {
        *i += 1;
    }
    out
}

/// Splits `text` into tokens.
pub fn scan(text: &str) -> Vec<Token> {
    let chars: Vec<char> = text.chars().collect();
    let mut tokens = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if is_blank(c) {
            i += 1;
            continue;
        }
        i += 1;
        let token = match c {
            '(' => Token::Comment(comment(&chars, &mut i)),
            '[' => Token::DomainLiteral(collect(&chars, &mut i, |c| c == ']', true)),
            '"' => Token::Quoted(collect(&chars, &mut i, |c| c == '"', true)),
            c if c != '\\' && OPERATORS.contains(c) => Token::Op(c),
            _ => {
                i -= 1;
                let atom = collect(
                    &chars,
                    &mut i,
                    |c| is_blank(c) || OPERATORS.contains(c),
                    false,
                );
                if atom
                    .chars()
                    .any(|c| c == ' ' || c.is_control() || OPERATORS.contains(c))
                {
                    Token::Quoted(atom)
                } else {
                    Token::Atom(atom)
                }
            }
        };
        tokens.push(token);
    }
    tokens
}

fn comment(chars: &[char], i: &mut usize) -> String {
    let mut out = String::from("(");
    let mut level = 1;
    while *i < chars.len() {
        let c = chars[*i];
        out.push(c);
        *i += 1;
        match c {
            '(' => level += 1,
            ')' => {
                level -= 1;
                if level == 0 {
                    break;
                }
            }
            '\\' => match chars.get(*i) {
                Some(&next) => {
                    out.push(next);
                    *i += 1;
                }
                None => break,
            },
            _ => {}
        }
    }
    out
}

fn is_word(t: &Token) -> bool {
    !matches!(t, Token::Op(_))
}

fn space_after(t: &Token, next: Option<&Token>) -> bool {
    match next {
        None => false,
        Some(next) => matches!(next, Token::Op('<')) || (is_word(t) && is_word(next)),
    }
}

fn join(tokens: &[Token], external: bool) -> String {
    let mut out = String::new();
    for (n, t) in tokens.iter().enumerate() {
        match t {
            Token::Atom(s) | Token::Comment(s) => out.push_str(s),
            Token::Quoted(s) if external => {
                out.push('"');
                push_escaped(&mut out, s, "\"\\\r\n");
                out.push('"');
            }
            Token::Quoted(s) => out.push_str(s),
            Token::DomainLiteral(s) => {
                out.push('[');
                if external {
                    push_escaped(&mut out, s, "\\\r\n");
                } else {
                    out.push_str(s);
                }
                out.push(']');
            }
            // Postfix 3.7 writes a space after every comma, even a trailing one.
            Token::Op(',') => {
                out.push_str(", ");
                continue;
            }
            Token::Op(c) => out.push(*c),
        }
        if space_after(t, tokens.get(n + 1)) {
            out.push(' ');
        }
    }
    out
}

fn push_escaped(out: &mut String, s: &str, set: &str) {
    for c in s.chars() {
        if set.contains(c) {
            out.push('\\');
        }
        out.push(c);
    }
}

/// Internal (unquoted) form, as an alias name is stored.
pub fn internalize(tokens: &[Token]) -> String {
    join(tokens, false)
}

/// External (quoted) form, as an alias value is stored.
pub fn externalize(tokens: &[Token]) -> String {
    join(tokens, true)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ext(s: &str) -> String {
        externalize(&scan(s))
    }

    #[test]
    fn values_as_postalias_stores_them() {
        assert_eq!(ext("x ,y"), "x, y");
        assert_eq!(ext("x  y"), "x y");
        assert_eq!(ext("x,y,,z"), "x, y, , z");
        assert_eq!(ext("x, "), "x, ");
        assert_eq!(ext("\"|/usr/bin/prog arg\""), "\"|/usr/bin/prog arg\"");
        assert_eq!(ext("user (comment), other"), "user (comment), other");
        assert_eq!(ext("Name <n@example.com>"), "Name <n@example.com>");
        assert_eq!(ext(": v"), ":v");
        assert_eq!(ext("\\user"), "user");
        assert_eq!(ext(":include: /etc/inc"), ":include:/etc/inc");
        assert_eq!(ext("\"unterminated"), "\"unterminated\"");
        assert_eq!(ext("(unterminated"), "(unterminated");
        assert_eq!(ext("[1.2.3.4]"), "[1.2.3.4]");
        assert_eq!(ext("x;y"), "x;y");
        assert_eq!(ext("a\\,b"), "\"a,b\"");
    }

    /// Odd values, each checked against Postfix 3.7's postalias.
    #[test]
    fn odd_values_as_postfix_stores_them() {
        assert_eq!(ext(".]::[<x\\x."), ".]::[<xx.]");
        assert_eq!(ext(";:!]!(:.@"), ";:!]!(:.@");
        assert_eq!(ext("; é\\> |)x<: . \\"), ";\"é>\"|)x <:.");
        assert_eq!(ext("[)| (|]:,%!;@;\\"), "[)| (|]:, %!;@;");
        assert_eq!(ext(".:!|<>\t\ta,"), ".:!| <>a, ");
    }

    #[test]
    fn names_lose_their_quotes() {
        assert_eq!(internalize(&scan("\"quoted name\"")), "quoted name");
        assert_eq!(internalize(&scan("a16 x")), "a16 x");
    }
}
