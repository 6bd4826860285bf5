//! aliases(5) source files as postalias reads them (Postfix `postalias.c` with the
//! RFC 822 tokenizer `global/tok822_*.c`), shared by postalias and local delivery.
//!
//! Owns: `name: value, value` lines (continuation lines, comments, `"quoted name"`,
//! `:include:`, `|command`), the name in internal (unquoted, folded) form, the value
//! re-quoted in external form exactly as postalias stores it (`x,y` becomes
//! `x, y`), Postfix's warnings with the line a logical line starts on, and splitting
//! a stored value into its members.
//! Never: duplicates and the `@` / `YP_*` entries postalias adds (the writer's
//! job), and `texthash:`, which reads every file in postmap format as Postfix does.

use crate::source::{self, Warning};

/// One alias: `name` (internal form, lower-cased when folding) and `value` (external
/// form, as postalias stores it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AliasEntry {
    pub name: String,
    pub value: String,
    /// The line the logical line starts on.
    pub line: usize,
}

/// Parses an aliases file. `path` names it in warnings; `fold_case` lower-cases
/// names (postalias's default; `postalias -f` turns it off).
pub fn parse(path: &str, text: &str, fold_case: bool) -> (Vec<AliasEntry>, Vec<Warning>) {
    let mut entries = Vec::new();
    let mut warnings = Vec::new();
    for item in source::lines_in_order(path, text) {
        let l = match item {
            Ok(l) => l,
            Err(w) => {
                warnings.push(w);
                continue;
            }
        };
        let warn = |m: &str| Warning(format!("{path}, line {}: {m}", l.first_line));
        let toks = scan(&l.text);
        let colon = toks.iter().position(|t| *t == Tok::Special(':'));
        let Some(colon) = colon.filter(|c| *c > 0 && *c + 1 < toks.len()) else {
            warnings.push(warn("need name:value pair"));
            continue;
        };
        let (name, value) = (&toks[..colon], &toks[colon + 1..]);
        if name.contains(&Tok::Special(',')) {
            warnings.push(warn("need name:value pair"));
            continue;
        }
        if name.iter().any(|t| matches!(t, Tok::Special('@' | '%'))) {
            warnings.push(warn("name must be local"));
            continue;
        }
        let name = render(name, false);
        entries.push(AliasEntry {
            name: if fold_case {
                name.to_ascii_lowercase()
            } else {
                name
            },
            value: render(value, true),
            line: l.first_line,
        });
    }
    (entries, warnings)
}

/// The members of a stored alias value, split at commas outside quotes, comments
/// and brackets, each in external form; empty members are dropped.
pub fn split_value(value: &str) -> Vec<String> {
    scan(value)
        .split(|t| *t == Tok::Special(','))
        .filter(|m| !m.is_empty())
        .map(|m| render(m, true))
        .collect()
}

/// An RFC 822 token (Postfix `tok822_scan`), text in internal form.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Tok {
    Atom(String),
    Quoted(String),
    /// The comment as written, parentheses included.
    Comment(String),
    /// The text between `[` and `]`.
    DomainLiteral(String),
    Special(char),
}

const SPECIALS: &str = "()<>@,;:\".[]%";

fn scan(text: &str) -> Vec<Tok> {
    let chars: Vec<char> = text.chars().collect();
    // `|` right before a quoted string stands alone, as a special (`|"cmd"` stays
    // `|"cmd"`, and `x |"y"` becomes `x|"y"`, as postalias writes them).
    let pipe_quote = |i: usize| chars[i] == '|' && chars.get(i + 1) == Some(&'"');
    let mut toks = Vec::new();
    let mut i = 0;
    while let Some(&c) = chars.get(i) {
        if c.is_whitespace() {
            i += 1;
            continue;
        }
        match c {
            '(' => {
                let mut raw = String::new();
                let mut depth = 0usize;
                while let Some(&ch) = chars.get(i) {
                    i += 1;
                    raw.push(ch);
                    match ch {
                        '\\' => {
                            if let Some(&n) = chars.get(i) {
                                raw.push(n);
                                i += 1;
                            }
                        }
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
                toks.push(Tok::Comment(raw));
            }
            '"' | '[' => {
                let close = if c == '"' { '"' } else { ']' };
                i += 1;
                let mut s = String::new();
                while let Some(&ch) = chars.get(i) {
                    i += 1;
                    if ch == '\\' {
                        if c == '[' {
                            s.push(ch);
                        }
                        if let Some(&n) = chars.get(i) {
                            s.push(n);
                            i += 1;
                        }
                    } else if ch == close {
                        break;
                    } else {
                        s.push(ch);
                    }
                }
                toks.push(if c == '"' {
                    Tok::Quoted(s)
                } else {
                    Tok::DomainLiteral(s)
                });
            }
            _ if pipe_quote(i) || (c != '\\' && SPECIALS.contains(c)) => {
                i += 1;
                toks.push(Tok::Special(c));
            }
            _ => {
                let mut s = String::new();
                while let Some(&ch) = chars.get(i) {
                    if ch == '\\' {
                        s.push(chars.get(i + 1).copied().unwrap_or('\\'));
                        i += 2;
                    } else if ch.is_whitespace() || SPECIALS.contains(ch) || pipe_quote(i) {
                        break;
                    } else {
                        s.push(ch);
                        i += 1;
                    }
                }
                toks.push(Tok::Atom(s));
            }
        }
    }
    toks
}

fn is_word(t: &Tok) -> bool {
    !matches!(t, Tok::Special(_))
}

/// Postfix `tok822_append_space`: a space after a comma, before `<`, and between
/// two words; never before `@`.
fn space_between(t: &Tok, next: &Tok) -> bool {
    if *next == Tok::Special('@') {
        return false;
    }
    *t == Tok::Special(',') || *next == Tok::Special('<') || (is_word(t) && is_word(next))
}

/// An atom that would not scan back as the same atom is quoted.
fn needs_quotes(atom: &str) -> bool {
    atom.is_empty()
        || atom
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || c == '\\' || SPECIALS.contains(c))
}

fn push_quoted(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        if c == '"' || c == '\\' {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('"');
}

/// Tokens back to text: external (quoted) form, or internal (unquoted) form.
fn render(toks: &[Tok], external: bool) -> String {
    let mut out = String::new();
    for (i, t) in toks.iter().enumerate() {
        match t {
            Tok::Atom(a) if external && needs_quotes(a) => push_quoted(&mut out, a),
            Tok::Quoted(q) if external => push_quoted(&mut out, q),
            Tok::Atom(s) | Tok::Quoted(s) | Tok::Comment(s) => out.push_str(s),
            Tok::DomainLiteral(d) => {
                out.push('[');
                out.push_str(d);
                out.push(']');
            }
            Tok::Special(c) => out.push(*c),
        }
        if let Some(next) = toks.get(i + 1) {
            if space_between(t, next) {
                out.push(' ');
            }
        }
    }
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn table(text: &str) -> (Vec<(String, String, usize)>, Vec<String>) {
        let (e, w) = parse("/a", text, true);
        (
            e.into_iter().map(|e| (e.name, e.value, e.line)).collect(),
            w.into_iter().map(|w| w.0).collect(),
        )
    }

    #[test]
    fn names_values_and_warnings_as_postalias() {
        let text = "root: admin, other\n\"quoted name\": x\n\"q2 x\":y\nfoo:bar\nnocolon value\n\
cont: a,\n  b\n\tc\ninc: :include:/etc/list\nUPPER: u\nempty:\n: nokey\n\"unterminated: z\n\
sp ace: s\nk\"x\": kv\nbs\\:x: y\n\"a\\\"b\": q\na@b: x\nc%d: y\ne,f: z\n";
        let (e, w) = table(text);
        let pairs: Vec<(&str, &str)> = e.iter().map(|(n, v, _)| (n.as_str(), v.as_str())).collect();
        assert_eq!(
            pairs,
            [
                ("root", "admin, other"),
                ("quoted name", "x"),
                ("q2 x", "y"),
                ("foo", "bar"),
                ("cont", "a, b c"),
                ("inc", ":include:/etc/list"),
                ("upper", "u"),
                ("sp ace", "s"),
                ("k x", "kv"),
                ("bs:x", "y"),
                ("a\"b", "q"),
            ]
        );
        assert_eq!(e[4].2, 6);
        assert_eq!(
            w,
            [
                "/a, line 5: need name:value pair",
                "/a, line 11: need name:value pair",
                "/a, line 12: need name:value pair",
                "/a, line 13: need name:value pair",
                "/a, line 18: name must be local",
                "/a, line 19: name must be local",
                "/a, line 20: need name:value pair",
            ]
        );
    }

    #[test]
    fn values_are_requoted() {
        let text = "a: x,y , z\nb: \"q s\" , (comment) c , Name <n@x>\nc:   spaced   val   \n\
d: a@b,,c\ne: \"x\nf: x y z\ng: <a@b>\nh: \\\\x , \"\\\"q\"\ni: \"|cmd arg\"\nh2: i: j\n\
l: \"\",m\nn: [1.2.3.4] , a.b@c\no: x(c)y\np:\t\"a b\"c d\ns: a\\ b\nt: x;y\nsq: a[b\n\
sc: a)b ( x\nz: \"a%b\" , c%d, a\\.b, \"x.y\"\ng2 (cm): v\nw7: x |\"y\"\nw8: |a\"b\"\nv1: k\"x\"\n";
        let (e, w) = table(text);
        assert!(w.is_empty(), "{w:?}");
        let got: Vec<String> = e.iter().map(|(n, v, _)| format!("{n}\t{v}")).collect();
        assert_eq!(
            got,
            [
                "a\tx, y, z",
                "b\t\"q s\", (comment) c, Name <n@x>",
                "c\tspaced val",
                "d\ta@b, , c",
                "e\t\"x\"",
                "f\tx y z",
                "g\t<a@b>",
                "h\t\"\\\\x\", \"\\\"q\"",
                "i\t\"|cmd arg\"",
                "h2\ti:j",
                "l\t\"\", m",
                "n\t[1.2.3.4], a.b@c",
                "o\tx (c) y",
                "p\t\"a b\" c d",
                "s\t\"a b\"",
                "t\tx;y",
                "sq\ta [b]",
                "sc\ta)b ( x",
                "z\t\"a%b\", c%d, \"a.b\", \"x.y\"",
                "g2 (cm)\tv",
                "w7\tx|\"y\"",
                "w8\t|a \"b\"",
                "v1\tk \"x\"",
            ]
        );
    }

    #[test]
    fn members() {
        assert_eq!(
            split_value("a, \"b, c\", :include:/x, |\"cmd\", , d@e"),
            ["a", "\"b, c\"", ":include:/x", "|\"cmd\"", "d@e"]
        );
    }

    mod props {
        use super::*;
        use proptest::prelude::*;

        proptest! {
            #[test]
            fn no_input_panics(text in "[a-z \\t\\n:,\"\\\\()<>@%\\[\\]|#.]{0,200}") {
                let (entries, _) = parse("/p", &text, true);
                for e in entries {
                    let _ = split_value(&e.value);
                }
            }
        }
    }
}
