//! POSIX regular expressions (regcomp(3), as glibc reads them for Postfix's
//! `regexp:` tables) rewritten into the syntax of the `regex` crate, byte-oriented
//! and ASCII-only as in the C locale.
//!
//! Owns: the ERE and BRE grammars (bracket expressions with a literal backslash,
//! `[:class:]`, `[.c.]`, `[=c=]`, intervals, `\<`, `\>`, GNU `\w` `\s` `\b`) and
//! glibc's `regerror` texts for patterns glibc rejects.
//! Never: matching semantics. The `regex` crate picks the leftmost-first match where
//! POSIX wants the leftmost-longest; back-references are refused (the crate has
//! none).

/// glibc's `regerror` texts.
pub const EPAREN: &str = "Unmatched ( or \\(";
pub const ERPAREN: &str = "Unmatched ) or \\)";
pub const EBRACK: &str = "Unmatched [, [^, [:, [., or [=";
pub const EBRACE: &str = "Unmatched \\{";
pub const BADBR: &str = "Invalid content of \\{\\}";
pub const ERANGE: &str = "Invalid range end";
pub const ECTYPE: &str = "Invalid character class name";
pub const BADRPT: &str = "Invalid preceding regular expression";
pub const EESCAPE: &str = "Trailing backslash";
pub const BADPAT: &str = "Invalid regular expression";
pub const ECOLLATE: &str = "Invalid collation character";
pub const ESIZE: &str = "Regular expression too big";
/// Not glibc's: glibc accepts `\1`, the `regex` crate cannot match it.
pub const NOBACKREF: &str = "back-references are not supported";

/// glibc's RE_DUP_MAX.
const DUP_MAX: u32 = 0x7fff;

const CLASSES: &[&str] = &[
    "alpha", "upper", "lower", "digit", "xdigit", "space", "print", "punct", "graph", "cntrl",
    "blank", "alnum",
];

/// Translates `pat` (extended syntax when `extended`, basic otherwise). `newline`
/// is REG_NEWLINE: a negated bracket expression then never matches a newline. The
/// result is for `regex::bytes` with Unicode off; the error is glibc's text.
pub fn translate(pat: &str, extended: bool, newline: bool) -> Result<String, &'static str> {
    Translator {
        src: pat.as_bytes(),
        pos: 0,
        out: String::with_capacity(pat.len() * 2),
        extended,
        newline,
    }
    .run()
}

struct Translator<'a> {
    src: &'a [u8],
    pos: usize,
    out: String,
    extended: bool,
    newline: bool,
}

/// Where the last atom began in the output, and whether a quantifier follows it.
#[derive(Clone, Copy)]
struct Atom {
    start: usize,
    quantified: bool,
}

impl Translator<'_> {
    fn peek(&self) -> Option<u8> {
        self.src.get(self.pos).copied()
    }

    fn peek_at(&self, n: usize) -> Option<u8> {
        self.src.get(self.pos + n).copied()
    }

    fn run(mut self) -> Result<String, &'static str> {
        // Each open group remembers whether its branch start allows a leading `*`.
        let mut groups: Vec<usize> = Vec::new();
        let mut atom: Option<Atom> = None;
        let mut branch_start = true;
        while let Some(c) = self.peek() {
            self.pos += 1;
            let was_branch_start = branch_start;
            branch_start = false;
            match c {
                b'\\' => {
                    let Some(e) = self.peek() else {
                        return Err(EESCAPE);
                    };
                    self.pos += 1;
                    match e {
                        b'(' if !self.extended => {
                            groups.push(self.out.len());
                            self.out.push('(');
                            atom = None;
                            branch_start = true;
                        }
                        b')' if !self.extended => {
                            let start = groups.pop().ok_or(ERPAREN)?;
                            self.out.push(')');
                            atom = Some(Atom {
                                start,
                                quantified: false,
                            });
                        }
                        b'|' if !self.extended => {
                            self.out.push('|');
                            atom = None;
                            branch_start = true;
                        }
                        b'{' if !self.extended => self.interval(&mut atom, was_branch_start)?,
                        b'+' | b'?' if !self.extended => {
                            self.quantify(&mut atom, if e == b'+' { "+" } else { "?" })?
                        }
                        b'1'..=b'9' => return Err(NOBACKREF),
                        b'w' | b'W' | b's' | b'S' | b'b' | b'B' => {
                            let start = self.out.len();
                            self.out.push('\\');
                            self.out.push(e as char);
                            atom = Some(Atom {
                                start,
                                quantified: false,
                            });
                        }
                        b'<' | b'>' | b'`' | b'\'' => {
                            self.out.push_str(match e {
                                b'<' => r"\b{start}",
                                b'>' => r"\b{end}",
                                b'`' => r"\A",
                                _ => r"\z",
                            });
                            atom = None;
                        }
                        _ => {
                            let start = self.out.len();
                            push_literal(&mut self.out, e);
                            atom = Some(Atom {
                                start,
                                quantified: false,
                            });
                        }
                    }
                }
                b'(' if self.extended => {
                    groups.push(self.out.len());
                    self.out.push('(');
                    atom = None;
                    branch_start = true;
                }
                b')' if self.extended && !groups.is_empty() => {
                    let start = groups.pop().unwrap_or(0);
                    self.out.push(')');
                    atom = Some(Atom {
                        start,
                        quantified: false,
                    });
                }
                b'|' if self.extended => {
                    self.out.push('|');
                    atom = None;
                    branch_start = true;
                }
                b'*' if !self.extended && was_branch_start => {
                    let start = self.out.len();
                    push_literal(&mut self.out, c);
                    atom = Some(Atom {
                        start,
                        quantified: false,
                    });
                }
                b'*' => self.quantify(&mut atom, "*")?,
                b'+' | b'?' if self.extended => {
                    self.quantify(&mut atom, if c == b'+' { "+" } else { "?" })?
                }
                b'{' if self.extended => self.interval(&mut atom, was_branch_start)?,
                b'^' if self.extended || was_branch_start => {
                    self.out.push('^');
                    atom = None;
                    branch_start = !self.extended;
                }
                b'$' if self.extended || self.at_bre_end() => {
                    self.out.push('$');
                    atom = None;
                }
                b'.' => {
                    atom = Some(Atom {
                        start: self.out.len(),
                        quantified: false,
                    });
                    self.out.push('.');
                }
                b'[' => {
                    let start = self.out.len();
                    self.bracket()?;
                    atom = Some(Atom {
                        start,
                        quantified: false,
                    });
                }
                _ => {
                    let start = self.out.len();
                    push_literal(&mut self.out, c);
                    atom = Some(Atom {
                        start,
                        quantified: false,
                    });
                }
            }
        }
        if !groups.is_empty() {
            return Err(EPAREN);
        }
        Ok(self.out)
    }

    /// In a BRE, `$` anchors only at the end of the pattern or of a group/branch.
    fn at_bre_end(&self) -> bool {
        match self.peek() {
            None => true,
            Some(b'\\') => matches!(self.peek_at(1), Some(b')') | Some(b'|')),
            _ => false,
        }
    }

    fn quantify(&mut self, atom: &mut Option<Atom>, q: &str) -> Result<(), &'static str> {
        let Some(a) = atom.as_mut() else {
            return Err(BADRPT);
        };
        if a.quantified {
            // `a**` and `a{1}{2}` are fine in POSIX; the regex crate wants a group.
            self.out.insert_str(a.start, "(?:");
            self.out.push(')');
        }
        self.out.push_str(q);
        a.quantified = true;
        Ok(())
    }

    /// After `{` (ERE) or `\{` (BRE): `{m}`, `{m,}`, `{m,n}`, `{,n}`.
    fn interval(
        &mut self,
        atom: &mut Option<Atom>,
        branch_start: bool,
    ) -> Result<(), &'static str> {
        if atom.is_none() || branch_start {
            return Err(BADRPT);
        }
        let mut nums: [Option<u32>; 2] = [None, None];
        let mut comma = false;
        loop {
            let Some(c) = self.peek() else {
                return Err(EBRACE);
            };
            self.pos += 1;
            match c {
                b'0'..=b'9' => {
                    let slot = &mut nums[usize::from(comma)];
                    let v = slot
                        .unwrap_or(0)
                        .saturating_mul(10)
                        .saturating_add(u32::from(c - b'0'));
                    *slot = Some(v.min(DUP_MAX + 1));
                }
                b',' if !comma => comma = true,
                b'}' if self.extended => break,
                b'\\' if !self.extended && self.peek() == Some(b'}') => {
                    self.pos += 1;
                    break;
                }
                _ => return Err(BADBR),
            }
        }
        let min = nums[0].unwrap_or(0);
        if nums[0].is_none() && !comma {
            return Err(BADBR);
        }
        if min > DUP_MAX || nums[1].is_some_and(|m| m > DUP_MAX) {
            return Err(ESIZE);
        }
        let q = match (comma, nums[1]) {
            (false, _) => format!("{{{min}}}"),
            (true, None) => format!("{{{min},}}"),
            (true, Some(max)) if max < min => return Err(BADBR),
            (true, Some(max)) => format!("{{{min},{max}}}"),
        };
        self.quantify(atom, &q)
    }

    /// After `[`: a bracket expression, where a backslash is an ordinary character.
    fn bracket(&mut self) -> Result<(), &'static str> {
        if self.peek().is_none() {
            return Err(BADPAT);
        }
        let mut set = String::from("[");
        if self.peek() == Some(b'^') {
            self.pos += 1;
            set.push('^');
            if self.newline {
                set.push_str(r"\n");
            }
        }
        let mut first = true;
        loop {
            let Some(c) = self.peek() else {
                return Err(EBRACK);
            };
            self.pos += 1;
            if c == b']' && !first {
                break;
            }
            first = false;
            let lo = if c == b'[' && matches!(self.peek(), Some(b':') | Some(b'.') | Some(b'=')) {
                let kind = self.peek().unwrap_or(b':');
                self.pos += 1;
                let name = self.until_close(kind)?;
                if kind == b':' {
                    let name = std::str::from_utf8(name).map_err(|_| ECTYPE)?;
                    if !CLASSES.contains(&name) {
                        return Err(ECTYPE);
                    }
                    set.push_str("[:");
                    set.push_str(name);
                    set.push_str(":]");
                    continue;
                }
                match name {
                    [one] => *one,
                    _ => return Err(ECOLLATE),
                }
            } else {
                c
            };
            if self.peek() == Some(b'-') && self.peek_at(1).is_some_and(|n| n != b']') {
                self.pos += 1;
                let Some(hi) = self.peek() else {
                    return Err(EBRACK);
                };
                self.pos += 1;
                let hi = if hi == b'[' && self.peek() == Some(b'.') {
                    self.pos += 1;
                    match self.until_close(b'.')? {
                        [one] => *one,
                        _ => return Err(ECOLLATE),
                    }
                } else {
                    hi
                };
                if hi < lo {
                    return Err(ERANGE);
                }
                push_class_byte(&mut set, lo);
                set.push('-');
                push_class_byte(&mut set, hi);
            } else {
                push_class_byte(&mut set, lo);
            }
        }
        set.push(']');
        self.out.push_str(&set);
        Ok(())
    }

    /// The text up to `kind` `]` (the end of `[:name:]`, `[.c.]`, `[=c=]`).
    fn until_close(&mut self, kind: u8) -> Result<&[u8], &'static str> {
        let start = self.pos;
        while self.pos + 1 < self.src.len() {
            if self.src[self.pos] == kind && self.src[self.pos + 1] == b']' {
                let name = &self.src[start..self.pos];
                self.pos += 2;
                return Ok(name);
            }
            self.pos += 1;
        }
        Err(EBRACK)
    }
}

fn push_literal(out: &mut String, b: u8) {
    if b.is_ascii_alphanumeric() || b == b' ' || b == b'_' {
        out.push(b as char);
    } else {
        out.push_str(&format!("\\x{b:02X}"));
    }
}

fn push_class_byte(out: &mut String, b: u8) {
    if b.is_ascii_alphanumeric() {
        out.push(b as char);
    } else {
        out.push_str(&format!("\\x{b:02X}"));
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn m(pat: &str, ext: bool, subject: &str) -> bool {
        let rust = translate(pat, ext, false).unwrap();
        regex::bytes::RegexBuilder::new(&rust)
            .unicode(false)
            .dot_matches_new_line(true)
            .build()
            .unwrap()
            .is_match(subject.as_bytes())
    }

    #[test]
    fn glibc_errors() {
        assert_eq!(translate("(", true, false), Err(EPAREN));
        assert_eq!(translate("[a", true, false), Err(EBRACK));
        assert_eq!(translate("a[", true, false), Err(BADPAT));
        assert_eq!(translate("a{", true, false), Err(EBRACE));
        assert_eq!(translate("a{2,1}", true, false), Err(BADBR));
        assert_eq!(translate("[b-a]", true, false), Err(ERANGE));
        assert_eq!(translate("[[:foo:]]", true, false), Err(ECTYPE));
        assert_eq!(translate("*a", true, false), Err(BADRPT));
        assert_eq!(translate("^*a", true, false), Err(BADRPT));
        assert_eq!(translate("a|*b", true, false), Err(BADRPT));
        assert_eq!(translate("{1}", true, false), Err(BADRPT));
        assert_eq!(translate("[[.ab.]]", true, false), Err(ECOLLATE));
        assert_eq!(translate("a{99999}", true, false), Err(ESIZE));
        assert_eq!(translate("a\\", true, false), Err(EESCAPE));
    }

    #[test]
    fn posix_quirks_match() {
        assert!(m("[\\.]", true, "\\"));
        assert!(m("[]a]", true, "]"));
        assert!(m("a)", true, "a)"));
        assert!(m("a**", true, "aaa"));
        assert!(m("a{1}{2}", true, "aa"));
        assert!(m("a{,2}b", true, "b"));
        assert!(m("\\d", true, "d"));
        assert!(!m("\\d", true, "1"));
        assert!(m("[[:digit:]]x", true, "1x"));
        assert!(m("\\<ab\\>", true, "x ab y"));
        assert!(m("caf\u{e9}", true, "caf\u{e9}"));
    }

    #[test]
    fn basic_syntax() {
        assert!(m("\\(a\\)+", false, "a+"));
        assert!(m("*a", false, "*a"));
        assert!(m("a\\{2\\}", false, "aa"));
        assert!(m("a|b", false, "a|b"));
        assert!(m("a\\|b", false, "b"));
        assert!(m("x^y$z", false, "x^y$z"));
        assert_eq!(translate("a\\)", false, false), Err(ERPAREN));
        assert_eq!(translate("\\(a\\)\\1", false, false), Err(NOBACKREF));
    }
}
