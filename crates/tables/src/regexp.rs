//! `regexp:` and `pcre:` tables (regexp_table(5), pcre_table(5); Postfix
//! `util/dict_regexp.c`, `util/dict_pcre.c`).
//!
//! Owns: the shared rule syntax (`/pattern/flags result`, `!/pattern/`, `if` ...
//! `endif` nesting, any non-alphanumeric delimiter, continuation lines), the flags
//! each type has, `$1` substitution, first match wins, and Postfix's warnings for bad
//! lines with the line a logical line starts on. Keys are matched as given: matching
//! is case-insensitive by default through the `i` flag, never by folding the key.
//! Never: reads the file again after open.

mod posix;
mod subst;

use std::sync::Arc;

use crate::source::{self, Warning};
use crate::{OpenOptions, Table, TableError};
use subst::{Replacement, SubstError};

/// Which engine and flag set a table uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flavor {
    /// `regexp:`: POSIX regular expressions, flags `i`, `m`, `x`.
    Regexp,
    /// `pcre:`: Perl-compatible, flags `i`, `m`, `s`, `x`, `A`, `E`, `U`, `X`.
    Pcre,
}

impl Flavor {
    fn type_name(self) -> &'static str {
        match self {
            Flavor::Regexp => "regexp",
            Flavor::Pcre => "pcre",
        }
    }
}

/// Opens `regexp:name` (a file, or `{ {rule}, {rule} }`).
pub fn open_regexp(name: &str, opts: &OpenOptions) -> Result<Arc<dyn Table>, TableError> {
    open_flavor(Flavor::Regexp, name, opts)
}

/// Opens `pcre:name` (a file, or `{ {rule}, {rule} }`).
pub fn open_pcre(name: &str, opts: &OpenOptions) -> Result<Arc<dyn Table>, TableError> {
    open_flavor(Flavor::Pcre, name, opts)
}

fn open_flavor(
    flavor: Flavor,
    name: &str,
    _opts: &OpenOptions,
) -> Result<Arc<dyn Table>, TableError> {
    let what = format!("{} map", flavor.type_name());
    let text = source::pattern_source(name, &what)?;
    Ok(Arc::new(PatternTable::parse(flavor, name, &text)))
}

/// A compiled pattern.
#[derive(Debug)]
enum Matcher {
    Posix(regex::bytes::Regex),
    Pcre(pcre2::bytes::Regex),
}

impl Matcher {
    fn groups(&self) -> usize {
        match self {
            Matcher::Posix(re) => re.captures_len() - 1,
            Matcher::Pcre(re) => re.captures_len() - 1,
        }
    }

    fn is_match(&self, key: &[u8]) -> bool {
        match self {
            Matcher::Posix(re) => re.is_match(key),
            // A matching error (resource limits) is no match, as Postfix goes on.
            Matcher::Pcre(re) => re.is_match(key).unwrap_or(false),
        }
    }

    /// The result of a positive match, with groups substituted.
    fn expand(&self, key: &[u8], result: &Replacement) -> Option<String> {
        let text = |m: Option<(usize, usize)>| {
            m.map(|(s, e)| String::from_utf8_lossy(&key[s..e]).into_owned())
        };
        if result.max_group == 0 {
            return self.is_match(key).then(|| result.expand(|_| None));
        }
        match self {
            Matcher::Posix(re) => {
                let caps = re.captures(key)?;
                Some(result.expand(|n| text(caps.get(n).map(|m| (m.start(), m.end())))))
            }
            Matcher::Pcre(re) => {
                let caps = re.captures(key).ok()??;
                Some(result.expand(|n| text(caps.get(n).map(|m| (m.start(), m.end())))))
            }
        }
    }
}

#[derive(Debug)]
enum Rule {
    Match {
        re: Matcher,
        negated: bool,
        result: Replacement,
    },
    /// `if`: when the test fails, go on at rule `end` (the one after its `endif`).
    If {
        re: Matcher,
        negated: bool,
        end: usize,
    },
}

/// An open `regexp:` or `pcre:` table.
#[derive(Debug)]
pub struct PatternTable {
    spec: String,
    rules: Vec<Rule>,
    warnings: Vec<Warning>,
}

/// Pattern, flags and what follows them on a line.
struct Parsed<'a> {
    negated: bool,
    pattern: &'a str,
    flags: &'a str,
    rest: &'a str,
}

impl PatternTable {
    /// Compiles the table source `text`; `name` is what warnings call the table (a
    /// path or the braced text). Bad lines are skipped with Postfix's warnings.
    pub fn parse(flavor: Flavor, name: &str, text: &str) -> PatternTable {
        let mut b = Builder {
            flavor,
            prefix: format!("{} map {name}", flavor.type_name()),
            rules: Vec::new(),
            open_ifs: Vec::new(),
            warnings: Vec::new(),
            line: 0,
        };
        for item in source::lines_in_order(name, text) {
            match item {
                Ok(l) => {
                    b.line = l.first_line;
                    b.parse_line(l.text.trim_end());
                }
                Err(w) => b.warnings.push(w),
            }
        }
        while let Some((at, line)) = b.open_ifs.pop() {
            b.line = line;
            b.warn("IF has no matching ENDIF");
            let end = b.rules.len();
            if let Some(Rule::If { end: e, .. }) = b.rules.get_mut(at) {
                *e = end;
            }
        }
        PatternTable {
            spec: format!("{}:{name}", flavor.type_name()),
            rules: b.rules,
            warnings: b.warnings,
        }
    }
}

struct Builder {
    flavor: Flavor,
    prefix: String,
    rules: Vec<Rule>,
    /// Rule index and line of each `if` not yet closed.
    open_ifs: Vec<(usize, usize)>,
    warnings: Vec<Warning>,
    line: usize,
}

impl Builder {
    fn warn(&mut self, msg: impl std::fmt::Display) {
        self.warnings.push(Warning(format!(
            "{}, line {}: {msg}",
            self.prefix, self.line
        )));
    }

    fn parse_line(&mut self, text: &str) {
        let word_len = text
            .find(|c: char| !c.is_ascii_alphanumeric())
            .unwrap_or(text.len());
        if word_len == 0 {
            self.parse_match(text);
            return;
        }
        let (word, rest) = text.split_at(word_len);
        if word.eq_ignore_ascii_case("if") {
            self.parse_if(rest);
        } else if word.eq_ignore_ascii_case("endif") {
            if !rest.trim().is_empty() {
                self.warn("ignoring extra text after ENDIF");
            }
            match self.open_ifs.pop() {
                Some((at, _)) => {
                    let end = self.rules.len();
                    if let Some(Rule::If { end: e, .. }) = self.rules.get_mut(at) {
                        *e = end;
                    }
                }
                None => self.warn("ignoring ENDIF without matching IF"),
            }
        } else {
            self.warn("ignoring unrecognized request");
        }
    }

    fn parse_if(&mut self, rest: &str) {
        let Some(p) = self.split_pattern(rest) else {
            return;
        };
        if !self.flags_ok(p.flags) {
            return;
        }
        let Some((re, _)) = self.compile(p.pattern, p.flags) else {
            return;
        };
        if !p.rest.is_empty() {
            self.warn(format_args!(
                "ignoring extra text after IF statement: \"{}\"",
                p.rest
            ));
            self.warn("do not prepend whitespace to statements between IF and ENDIF");
        }
        self.open_ifs.push((self.rules.len(), self.line));
        self.rules.push(Rule::If {
            re,
            negated: p.negated,
            end: usize::MAX,
        });
    }

    fn parse_match(&mut self, text: &str) {
        let Some(p) = self.split_pattern(text) else {
            return;
        };
        if !self.flags_ok(p.flags) {
            return;
        }
        if p.rest.is_empty() {
            self.warn("no replacement text: using empty string");
        }
        let result = match subst::parse(p.rest) {
            Ok(r) => r,
            Err(e) => {
                match e {
                    SubstError::EmptyName => self
                        .warnings
                        .push(Warning(format!("empty macro name: \"{}\"", p.rest))),
                    SubstError::Truncated => self.warnings.push(Warning(format!(
                        "truncated macro reference: \"{}\"",
                        p.rest
                    ))),
                    SubstError::NonNumeric(n) => {
                        self.warn(format_args!("non-numeric replacement index \"{n}\""))
                    }
                    SubstError::Zero => self.warn(match self.flavor {
                        Flavor::Regexp => "out-of-range replacement index \"0\"",
                        Flavor::Pcre => "out of range replacement index \"0\"",
                    }),
                }
                self.warn("bad replacement syntax: skipping this rule");
                return;
            }
        };
        if p.negated && result.max_group > 0 {
            self.warn("$number found in negative match replacement text: skipping this rule");
            return;
        }
        let Some((re, groups)) = self.compile(p.pattern, p.flags) else {
            return;
        };
        if result.max_group > groups {
            self.warn(format_args!(
                "out of range replacement index \"{}\": skipping this rule",
                result.max_group
            ));
            return;
        }
        self.rules.push(Rule::Match {
            re,
            negated: p.negated,
            result,
        });
    }

    /// `[!]DELIM pattern DELIM flags rest`, after optional white space.
    fn split_pattern<'t>(&mut self, text: &'t str) -> Option<Parsed<'t>> {
        let mut s = text.trim_start();
        let negated = s.starts_with('!');
        if negated {
            s = s[1..].trim_start();
        }
        let Some(delim) = s.chars().next() else {
            self.warn("no regexp: skipping this rule");
            return None;
        };
        let body = &s[delim.len_utf8()..];
        let mut end = None;
        let mut chars = body.char_indices();
        while let Some((i, c)) = chars.next() {
            if c == '\\' {
                chars.next();
            } else if c == delim {
                end = Some(i);
                break;
            }
        }
        let Some(end) = end else {
            let tail = match self.flavor {
                Flavor::Regexp => "skipping",
                Flavor::Pcre => "ignoring",
            };
            self.warn(format_args!(
                "no closing regexp delimiter \"{delim}\": {tail} this rule"
            ));
            return None;
        };
        let pattern = &body[..end];
        let after = &body[end + delim.len_utf8()..];
        let flags_len = after.find(char::is_whitespace).unwrap_or(after.len());
        Some(Parsed {
            negated,
            pattern,
            flags: &after[..flags_len],
            rest: after[flags_len..].trim(),
        })
    }

    /// Checks the flags in order: the first one this type does not have skips the
    /// rule; pcre's `X` (PCRE_EXTRA, gone from PCRE2) is ignored with a warning.
    fn flags_ok(&mut self, flags: &str) -> bool {
        let known = match self.flavor {
            Flavor::Regexp => "imx",
            Flavor::Pcre => "imsxAEU",
        };
        for c in flags.chars() {
            if self.flavor == Flavor::Pcre && c == 'X' {
                self.warn("ignoring obsolete regexp option \"X\"");
            } else if !known.contains(c) {
                self.warn(format_args!(
                    "unknown regexp option \"{c}\": skipping this rule"
                ));
                return false;
            }
        }
        true
    }

    /// Compiles with the flags toggled from the type's defaults; warns and returns
    /// `None` when the pattern or a flag is bad.
    fn compile(&mut self, pattern: &str, flags: &str) -> Option<(Matcher, usize)> {
        let on = |c: char, default: bool| {
            (flags.chars().filter(|f| *f == c).count() % 2 == 1) != default
        };
        let matcher = match self.flavor {
            Flavor::Regexp => {
                let newline = on('m', false);
                let translated = match posix::translate(pattern, on('x', true), newline) {
                    Ok(t) => t,
                    Err(msg) => {
                        self.warn(msg);
                        return None;
                    }
                };
                let built = regex::bytes::RegexBuilder::new(&translated)
                    .unicode(false)
                    .case_insensitive(on('i', true))
                    .multi_line(newline)
                    .dot_matches_new_line(!newline)
                    .size_limit(64 << 20)
                    .build();
                match built {
                    Ok(re) => Matcher::Posix(re),
                    Err(_) => {
                        self.warn(posix::ESIZE);
                        return None;
                    }
                }
            }
            Flavor::Pcre => {
                let mut b = pcre2::bytes::RegexBuilder::new();
                b.caseless(on('i', true))
                    .multi_line(on('m', false))
                    .dotall(on('s', true))
                    .extended(on('x', false))
                    .jit_if_available(true);
                let re = match b.build(pattern) {
                    Ok(re) => re,
                    Err(e) => {
                        self.warn(pcre_error(&e));
                        return None;
                    }
                };
                // ANCHORED, UNGREEDY and DOLLAR_ENDONLY have no builder switch:
                // rewrite the pattern once it is known to be good (error offsets
                // then still fit the administrator's text).
                let (anchored, ungreedy) = (on('A', false), on('U', false));
                let endonly = on('E', false) && !on('m', false);
                if anchored || ungreedy || endonly {
                    let body = if endonly {
                        dollar_end_only(pattern)
                    } else {
                        pattern.to_string()
                    };
                    let mut p = String::new();
                    if ungreedy {
                        p.push_str("(?U)");
                    }
                    if anchored {
                        // A newline ends a trailing `#` comment under the x flag.
                        let nl = if on('x', false) { "\n" } else { "" };
                        p.push_str(&format!("\\A(?:{body}{nl})"));
                    } else {
                        p.push_str(&body);
                    }
                    match b.build(&p) {
                        Ok(re) => Matcher::Pcre(re),
                        Err(e) => {
                            self.warn(pcre_error(&e));
                            return None;
                        }
                    }
                } else {
                    Matcher::Pcre(re)
                }
            }
        };
        let groups = matcher.groups();
        Some((matcher, groups))
    }
}

/// PCRE_DOLLAR_ENDONLY by rewriting: each `$` that is an anchor (outside a
/// character class, `\Q...\E` and escapes) becomes `\z`, the very end.
fn dollar_end_only(pattern: &str) -> String {
    let mut out = String::with_capacity(pattern.len() + 4);
    let mut chars = pattern.chars().peekable();
    let mut class = false;
    let mut class_start = false;
    let mut quoted = false;
    while let Some(c) = chars.next() {
        if quoted {
            out.push(c);
            if c == '\\' && chars.peek() == Some(&'E') {
                out.push('E');
                chars.next();
                quoted = false;
            }
            continue;
        }
        match c {
            '\\' => {
                out.push(c);
                if let Some(n) = chars.next() {
                    out.push(n);
                    quoted = n == 'Q';
                }
                class_start = false;
                continue;
            }
            '[' if !class => {
                class = true;
                class_start = true;
                out.push(c);
                if chars.peek() == Some(&'^') {
                    out.push('^');
                    chars.next();
                }
                continue;
            }
            '[' if class && chars.peek() == Some(&':') => {
                out.push(c);
                for n in chars.by_ref() {
                    out.push(n);
                    if n == ']' {
                        break;
                    }
                }
            }
            ']' if class && !class_start => {
                class = false;
                out.push(c);
            }
            '$' if !class => out.push_str("\\z"),
            _ => out.push(c),
        }
        class_start = false;
    }
    out
}

/// Postfix's text for a PCRE2 compile error: `error in regex at offset N: message`.
fn pcre_error(e: &pcre2::Error) -> String {
    let full = e.to_string();
    let offset = e.offset().unwrap_or(0);
    let marker = format!("offset {offset}: ");
    let msg = match full.find(&marker) {
        Some(i) => &full[i + marker.len()..],
        None => full.rsplit(": ").next().unwrap_or(&full),
    };
    format!("error in regex at offset {offset}: {msg}")
}

impl Table for PatternTable {
    fn lookup(&self, key: &str) -> Result<Option<String>, TableError> {
        let key = key.as_bytes();
        let mut i = 0;
        while let Some(rule) = self.rules.get(i) {
            match rule {
                Rule::If { re, negated, end } => {
                    if re.is_match(key) == *negated {
                        i = *end;
                        continue;
                    }
                }
                Rule::Match {
                    re,
                    negated: true,
                    result,
                } => {
                    if !re.is_match(key) {
                        return Ok(Some(result.expand(|_| None)));
                    }
                }
                Rule::Match {
                    re,
                    negated: false,
                    result,
                } => {
                    if let Some(v) = re.expand(key, result) {
                        return Ok(Some(v));
                    }
                }
            }
            i += 1;
        }
        Ok(None)
    }

    fn spec(&self) -> &str {
        &self.spec
    }

    fn warnings(&self) -> &[Warning] {
        &self.warnings
    }

    fn is_pattern(&self) -> bool {
        true
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests;
