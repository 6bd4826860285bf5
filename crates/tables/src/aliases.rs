//! aliases(5) source files as postalias reads them (Postfix `postalias.c` with the
//! RFC 822 tokenizer `global/tok822_*.c`), shared by postalias and local delivery.
//!
//! Owns: one logical `name: value, value` line at a time (`parse_line`), the name in
//! internal (unquoted) form, the value re-quoted in external form exactly as
//! postalias stores it (`x,y` becomes `x, y`), Postfix's per-line warnings, a whole
//! file in file order (`parse_in_order`, orphan and non-UTF-8 warnings from
//! `source::lines` at their places), and splitting a stored value into its members.
//! Never: duplicates and the `@` / `YP_*` entries postalias adds (the writer's job),
//! case folding beyond `parse`'s convenience (the writer folds), and `texthash:`,
//! which reads every file in postmap format as Postfix does.

use crate::source::{self, Item, Warning};

/// One alias: `name` (internal form, lower-cased when folding) and `value` (external
/// form, as postalias stores it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AliasEntry {
    pub name: String,
    pub value: String,
    /// The line the logical line starts on.
    pub line: usize,
}

/// Why a logical aliases(5) line gave no entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LineError {
    /// No `:`, nothing before or after it, or a `,` before it.
    NeedPair,
    /// `@` or `%` in the name.
    NotLocal,
}

impl LineError {
    /// Postfix's warning for this line of `path`, which starts on line `line`.
    pub fn warning(self, path: &str, line: usize) -> Warning {
        let what = match self {
            LineError::NeedPair => "need name:value pair",
            LineError::NotLocal => "name must be local",
        };
        Warning(format!("{path}, line {line}: {what}"))
    }
}

/// Splits one logical aliases(5) line into the name (internal form, not folded) and
/// the value (external form); `Ok(None)` for a line without a token.
pub fn parse_line(text: &str) -> Result<Option<(String, String)>, LineError> {
    let toks = scan(text);
    if toks.is_empty() {
        return Ok(None);
    }
    let colon = toks
        .iter()
        .position(|t| *t == Tok::Op(':'))
        .ok_or(LineError::NeedPair)?;
    let (name, value) = (&toks[..colon], &toks[colon + 1..]);
    if name.is_empty() || value.is_empty() || name.contains(&Tok::Op(',')) {
        return Err(LineError::NeedPair);
    }
    if name.iter().any(|t| matches!(t, Tok::Op('@' | '%'))) {
        return Err(LineError::NotLocal);
    }
    Ok(Some((render(name, false), render(value, true))))
}

/// An aliases file as entries and warnings in file order, as postalias reports them
/// while it reads. `path` names the file in warnings; `utf8_checks` is postalias's
/// smtputf8_enable (and no `-u`): lines that are not UTF-8 are then dropped with
/// Postfix's warning. Names are not folded.
pub fn parse_in_order(
    path: &str,
    bytes: &[u8],
    utf8_checks: bool,
) -> Vec<Result<AliasEntry, Warning>> {
    let mut out = Vec::new();
    for item in source::lines(path, bytes, utf8_checks) {
        let line = match item {
            Item::Line(line) => line,
            Item::Dropped(w) => {
                out.push(Err(w));
                continue;
            }
        };
        match parse_line(&line.text) {
            Ok(None) => {}
            Ok(Some((name, value))) => out.push(Ok(AliasEntry {
                name,
                value,
                line: line.first_line,
            })),
            Err(e) => out.push(Err(e.warning(path, line.first_line))),
        }
    }
    out
}

/// Parses an aliases file. `path` names it in warnings; `fold_case` lower-cases
/// names as postalias's writer does (`postalias -f` turns it off), Unicode letters
/// included (smtputf8_enable = yes).
pub fn parse(path: &str, text: &str, fold_case: bool) -> (Vec<AliasEntry>, Vec<Warning>) {
    let mut entries = Vec::new();
    let mut warnings = Vec::new();
    for item in parse_in_order(path, text.as_bytes(), true) {
        match item {
            Ok(mut e) => {
                if fold_case {
                    e.name = crate::writer::fold(&e.name, true).into_owned();
                }
                entries.push(e);
            }
            Err(w) => warnings.push(w),
        }
    }
    (entries, warnings)
}

/// The members of a stored alias value, split at commas outside quotes, comments
/// and brackets, each in external form; empty members are dropped.
pub fn split_value(value: &str) -> Vec<String> {
    scan(value)
        .split(|t| *t == Tok::Op(','))
        .filter(|m| !m.is_empty())
        .map(|m| render(m, true))
        .collect()
}

/// An RFC 822 token (Postfix `tok822_scan`), text in internal form.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Tok {
    Atom(String),
    /// A quoted string, or an atom whose text would not scan back as one atom (an
    /// escaped operator or space): both are written back in quotes.
    Quoted(String),
    /// The comment as written, parentheses included (an unterminated one has no `)`).
    Comment(String),
    /// The text between `[` and `]`.
    DomainLiteral(String),
    Op(char),
}

/// The single-character operators of Postfix's tokenizer: RFC 822's specials plus
/// `%`, `!` and `|` (so `x |"cmd"` is stored as `x|"cmd"`). A backslash is listed so
/// an atom stops before it, but it escapes the next character rather than standing
/// alone.
const OPERATORS: &str = "|%!()<>@,;:\\\".[]";

/// White space to the tokenizer: space, tab, carriage return and newline only (a
/// form feed or vertical tab is an ordinary character, as in Postfix 3.7).
fn is_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\r' | '\n')
}

/// Collects characters until `stop` (consumed when `skip_last`), undoing backslash
/// escapes and turning white space into plain spaces; a backslash at the very end
/// is dropped.
fn collect(chars: &[char], i: &mut usize, stop: impl Fn(char) -> bool, skip_last: bool) -> String {
    let mut out = String::new();
    while let Some(&ch) = chars.get(*i) {
        let mut c = ch;
        if c == '\\' {
            *i += 1;
            match chars.get(*i) {
                Some(&next) => c = next,
                None => break,
            }
        } else if stop(c) {
            break;
        }
        out.push(if is_space(c) { ' ' } else { c });
        *i += 1;
    }
    if skip_last && *i < chars.len() {
        *i += 1;
    }
    out
}

fn scan(text: &str) -> Vec<Tok> {
    let chars: Vec<char> = text.chars().collect();
    let mut toks = Vec::new();
    let mut i = 0;
    while let Some(&c) = chars.get(i) {
        if is_space(c) {
            i += 1;
            continue;
        }
        i += 1;
        let tok = match c {
            '(' => Tok::Comment(comment(&chars, &mut i)),
            '[' => Tok::DomainLiteral(collect(&chars, &mut i, |c| c == ']', true)),
            '"' => Tok::Quoted(collect(&chars, &mut i, |c| c == '"', true)),
            c if c != '\\' && OPERATORS.contains(c) => Tok::Op(c),
            _ => {
                i -= 1;
                let atom = collect(
                    &chars,
                    &mut i,
                    |c| is_space(c) || OPERATORS.contains(c),
                    false,
                );
                if atom
                    .chars()
                    .any(|c| c == ' ' || c.is_control() || OPERATORS.contains(c))
                {
                    Tok::Quoted(atom)
                } else {
                    Tok::Atom(atom)
                }
            }
        };
        toks.push(tok);
    }
    toks
}

/// A comment from just after its `(` to its matching `)`, kept as written.
fn comment(chars: &[char], i: &mut usize) -> String {
    let mut out = String::from("(");
    let mut level = 1usize;
    while let Some(&c) = chars.get(*i) {
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

fn is_word(t: &Tok) -> bool {
    !matches!(t, Tok::Op(_))
}

/// Postfix `tok822_externalize` spacing: a space before `<` and between two words
/// (a comma's own space is written with it).
fn space_after(t: &Tok, next: Option<&Tok>) -> bool {
    match next {
        None => false,
        Some(next) => *next == Tok::Op('<') || (is_word(t) && is_word(next)),
    }
}

fn push_escaped(out: &mut String, s: &str, set: &str) {
    for c in s.chars() {
        if set.contains(c) {
            out.push('\\');
        }
        out.push(c);
    }
}

/// Tokens back to text: external (quoted) form, or internal (unquoted) form.
fn render(toks: &[Tok], external: bool) -> String {
    let mut out = String::new();
    for (n, t) in toks.iter().enumerate() {
        match t {
            Tok::Atom(s) | Tok::Comment(s) => out.push_str(s),
            Tok::Quoted(s) if external => {
                out.push('"');
                push_escaped(&mut out, s, "\"\\\r\n");
                out.push('"');
            }
            Tok::Quoted(s) => out.push_str(s),
            Tok::DomainLiteral(s) => {
                out.push('[');
                if external {
                    push_escaped(&mut out, s, "\\\r\n");
                } else {
                    out.push_str(s);
                }
                out.push(']');
            }
            // Postfix 3.7 writes a space after every comma, even a last one.
            Tok::Op(',') => {
                out.push_str(", ");
                continue;
            }
            Tok::Op(c) => out.push(*c),
        }
        if space_after(t, toks.get(n + 1)) {
            out.push(' ');
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

    fn ext(value: &str) -> String {
        match parse_line(&format!("k: {value}")) {
            Ok(Some((_, v))) => v,
            other => panic!("{value:?}: {other:?}"),
        }
    }

    /// Values where an earlier facteur parser and Postfix disagreed, each checked
    /// against Postfix 3.7's postalias.
    #[test]
    fn odd_values_as_postfix_stores_them() {
        assert_eq!(ext("x, "), "x, ");
        assert_eq!(ext("x,y,,z"), "x, y, , z");
        assert_eq!(ext("\"unterminated"), "\"unterminated\"");
        assert_eq!(ext("(unterminated"), "(unterminated");
        assert_eq!(ext("a\\,b"), "\"a,b\"");
        assert_eq!(ext("[a\\b]"), "[ab]");
        assert_eq!(ext(".]::[<x\\x."), ".]::[<xx.]");
        assert_eq!(ext(";:!]!(:.@"), ";:!]!(:.@");
        assert_eq!(ext("; é\\> |)x<: . \\"), ";\"é>\"|)x <:.");
        assert_eq!(ext("[)| (|]:,%!;@;\\"), "[)| (|]:, %!;@;");
        assert_eq!(ext(".:!|<>\t\ta,"), ".:!| <>a, ");
        assert_eq!(ext("!x (c)"), "!x (c)");
        // A form feed or vertical tab is no white space to the tokenizer; a carriage
        // return is, except that an unterminated comment keeps it.
        assert_eq!(ext("a\x0cb"), "\"a\x0cb\"");
        assert_eq!(ext("\"x\r"), "\"x \"");
        assert_eq!(ext("(x\r"), "(x\r");
    }

    #[test]
    fn form_feed_names() {
        assert_eq!(parse_line("\x0c: v"), Ok(Some(("\x0c".into(), "v".into()))));
        assert_eq!(parse_line("a,b: v"), Err(LineError::NeedPair));
        assert_eq!(parse_line("u%d: v"), Err(LineError::NotLocal));
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
