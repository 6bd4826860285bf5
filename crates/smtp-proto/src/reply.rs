//! SMTP replies (RFC 5321 §4.2): the `Reply` value, its wire form (`250-` continuation
//! lines, `250 ` last line) and a tolerant parser for the client side.
//!
//! Owns: reply syntax. Never: reply wording (that is `replies.rs`), I/O.

use std::fmt;

/// An RFC 3463 enhanced status code `class.subject.detail`, e.g. `5.5.1`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct EnhancedStatus {
    pub class: u8,
    pub subject: u16,
    pub detail: u16,
}

impl EnhancedStatus {
    pub const fn new(class: u8, subject: u16, detail: u16) -> Self {
        Self {
            class,
            subject,
            detail,
        }
    }

    /// Parses `2.1.0` (class 2, 4 or 5; subject and detail 1–3 digits, RFC 3463 §2).
    pub fn parse(text: &[u8]) -> Option<Self> {
        let mut parts = text.split(|&b| b == b'.');
        let class = parts.next()?;
        let subject = parts.next()?;
        let detail = parts.next()?;
        if parts.next().is_some() || class.len() != 1 {
            return None;
        }
        let class = class[0];
        if !matches!(class, b'2' | b'4' | b'5') {
            return None;
        }
        Some(Self {
            class: class - b'0',
            subject: digits(subject)?,
            detail: digits(detail)?,
        })
    }
}

fn digits(text: &[u8]) -> Option<u16> {
    if text.is_empty() || text.len() > 3 || !text.iter().all(u8::is_ascii_digit) {
        return None;
    }
    Some(text.iter().fold(0u16, |n, &d| n * 10 + u16::from(d - b'0')))
}

impl fmt::Display for EnhancedStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}.{}", self.class, self.subject, self.detail)
    }
}

/// One reply: a three-digit code, an optional enhanced status (repeated on every line when
/// written, as Postfix does) and one or more text lines.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Reply {
    pub code: u16,
    pub status: Option<EnhancedStatus>,
    pub lines: Vec<String>,
}

impl Reply {
    pub fn new(code: u16, status: Option<EnhancedStatus>, text: impl Into<String>) -> Self {
        Self {
            code,
            status,
            lines: vec![text.into()],
        }
    }

    /// 2xx and 3xx.
    pub fn is_positive(&self) -> bool {
        (200..400).contains(&self.code)
    }

    /// 4xx: try again later.
    pub fn is_transient(&self) -> bool {
        (400..500).contains(&self.code)
    }

    /// 5xx and anything outside 2xx–4xx (a broken code is not worth retrying).
    pub fn is_permanent(&self) -> bool {
        !self.is_positive() && !self.is_transient()
    }

    /// The first line's text, for logs.
    pub fn text(&self) -> &str {
        self.lines.first().map(String::as_str).unwrap_or("")
    }

    /// Appends the wire form (`code-[status ]text\r\n` … `code [status ]text\r\n`).
    /// CR and LF inside a text line are replaced by spaces so a reply can never split.
    pub fn write_to(&self, out: &mut Vec<u8>) {
        let code = self.code.min(999);
        let last = self.lines.len().saturating_sub(1);
        let empty = [String::new()];
        let lines: &[String] = if self.lines.is_empty() {
            &empty
        } else {
            &self.lines
        };
        for (i, line) in lines.iter().enumerate() {
            out.extend_from_slice(format!("{code:03}").as_bytes());
            out.push(if i == last { b' ' } else { b'-' });
            if let Some(status) = self.status {
                out.extend_from_slice(status.to_string().as_bytes());
                if !line.is_empty() {
                    out.push(b' ');
                }
            }
            out.extend(
                line.bytes()
                    .map(|b| if b == b'\r' || b == b'\n' { b' ' } else { b }),
            );
            out.extend_from_slice(b"\r\n");
        }
    }

    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::new();
        self.write_to(&mut out);
        out
    }
}

impl fmt::Display for Reply {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let wire = self.to_bytes();
        let text = String::from_utf8_lossy(&wire);
        f.write_str(text.trim_end_matches("\r\n"))
    }
}

/// Why a server's reply could not be read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ReplyError {
    /// A line does not start with three digits.
    BadCode,
    /// The continuation lines of one reply carry different codes.
    MixedCodes,
    /// More lines or bytes than the parser's bound.
    TooLong,
}

/// Client-side reply reader: feed it lines (without CRLF) until it yields a `Reply`.
/// Tolerant as a client must be: a missing text, a bare `250`, and lowercase or junk after the
/// code are accepted; the enhanced status is taken only when every line carries it.
#[derive(Debug)]
pub struct ReplyParser {
    max_lines: usize,
    code: Option<u16>,
    lines: Vec<Vec<u8>>,
}

impl Default for ReplyParser {
    fn default() -> Self {
        Self::new(1000)
    }
}

impl ReplyParser {
    /// `max_lines` bounds one reply (Postfix's client stops reading at a similar bound).
    pub fn new(max_lines: usize) -> Self {
        Self {
            max_lines: max_lines.max(1),
            code: None,
            lines: Vec::new(),
        }
    }

    /// One line of input, CRLF (or LF) already removed. Returns `Ok(Some(reply))` at the
    /// last line, `Ok(None)` when more lines follow; after an error the parser is reset.
    pub fn feed_line(&mut self, line: &[u8]) -> Result<Option<Reply>, ReplyError> {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        let Some(code) = line
            .get(..3)
            .and_then(digits)
            .filter(|_| line[..3].iter().all(u8::is_ascii_digit))
        else {
            self.reset();
            return Err(ReplyError::BadCode);
        };
        if self.code.is_some_and(|c| c != code) {
            self.reset();
            return Err(ReplyError::MixedCodes);
        }
        if self.lines.len() >= self.max_lines {
            self.reset();
            return Err(ReplyError::TooLong);
        }
        self.code = Some(code);
        let more = line.get(3) == Some(&b'-');
        let text = line.get(4..).unwrap_or(&[]);
        self.lines.push(text.to_vec());
        if more {
            return Ok(None);
        }
        let lines = std::mem::take(&mut self.lines);
        self.code = None;
        Ok(Some(assemble(code, lines)))
    }

    fn reset(&mut self) {
        self.code = None;
        self.lines.clear();
    }
}

/// Splits off a common enhanced status when the code's class matches it (RFC 3463 §3: the
/// class must agree with the reply code's first digit).
fn assemble(code: u16, lines: Vec<Vec<u8>>) -> Reply {
    let first_status = lines
        .first()
        .and_then(|l| leading_status(l))
        .filter(|s| u16::from(s.class) == code / 100);
    let status = first_status.filter(|s| lines.iter().all(|l| leading_status(l) == Some(*s)));
    let lines = lines
        .into_iter()
        .map(|l| {
            let text: &[u8] = match status {
                Some(_) => {
                    let rest = l
                        .iter()
                        .position(|&b| b == b' ')
                        .map_or(&l[l.len()..], |i| &l[i + 1..]);
                    rest
                }
                None => &l,
            };
            String::from_utf8_lossy(text).into_owned()
        })
        .collect();
    Reply {
        code,
        status,
        lines,
    }
}

fn leading_status(text: &[u8]) -> Option<EnhancedStatus> {
    let word = text.split(|&b| b == b' ').next()?;
    EnhancedStatus::parse(word)
}

/// Parses all complete replies at the start of `input` (lines ending in LF): returns them
/// and the bytes consumed. Convenience for tests and simple clients.
pub fn parse_replies(input: &[u8]) -> (Vec<Result<Reply, ReplyError>>, usize) {
    let mut parser = ReplyParser::default();
    let mut out = Vec::new();
    let mut consumed = 0;
    let mut pos = 0;
    while let Some(nl) = memchr::memchr(b'\n', &input[pos..]) {
        let line = &input[pos..pos + nl];
        pos += nl + 1;
        match parser.feed_line(line) {
            Ok(None) => {}
            Ok(Some(reply)) => {
                out.push(Ok(reply));
                consumed = pos;
            }
            Err(e) => {
                out.push(Err(e));
                consumed = pos;
            }
        }
    }
    (out, consumed)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn writes_single_and_multi_line() {
        let r = Reply::new(250, Some(EnhancedStatus::new(2, 1, 0)), "Ok");
        assert_eq!(r.to_bytes(), b"250 2.1.0 Ok\r\n");
        let r = Reply {
            code: 250,
            status: None,
            lines: vec!["mx".into(), "PIPELINING".into(), "CHUNKING".into()],
        };
        assert_eq!(
            r.to_bytes(),
            b"250-mx\r\n250-PIPELINING\r\n250 CHUNKING\r\n"
        );
        let r = Reply::new(501, None, "Syntax: HELO hostname");
        assert_eq!(r.to_string(), "501 Syntax: HELO hostname");
    }

    #[test]
    fn never_splits_on_embedded_newline() {
        let r = Reply::new(550, None, "a\r\n250 b");
        assert_eq!(r.to_bytes(), b"550 a  250 b\r\n");
    }

    #[test]
    fn parses_multi_line_with_status() {
        let (replies, used) = parse_replies(b"250-2.1.0 a\r\n250 2.1.0 b\r\n354 go ahead\r\n25");
        assert_eq!(used, 40);
        let r = replies[0].clone().expect("a reply");
        assert_eq!(r.code, 250);
        assert_eq!(r.status, Some(EnhancedStatus::new(2, 1, 0)));
        assert_eq!(r.lines, vec!["a", "b"]);
        let r = replies[1].clone().expect("a reply");
        assert_eq!((r.code, r.status, r.text()), (354, None, "go ahead"));
    }

    #[test]
    fn tolerant_of_odd_servers() {
        let (replies, _) = parse_replies(b"250\n220 mx ESMTP\r\n550 4.1.1 class mismatch\r\n");
        assert_eq!(replies[0].clone().expect("a reply").text(), "");
        assert_eq!(replies[1].clone().expect("a reply").text(), "mx ESMTP");
        let r = replies[2].clone().expect("a reply");
        assert_eq!((r.status, r.text()), (None, "4.1.1 class mismatch"));
        let (replies, _) = parse_replies(b"25x ok\r\n250-a\r\n251 b\r\n");
        assert_eq!(replies[0], Err(ReplyError::BadCode));
        assert_eq!(replies[1], Err(ReplyError::MixedCodes));
    }

    #[test]
    fn bounded_line_count() {
        let mut p = ReplyParser::new(2);
        assert_eq!(p.feed_line(b"250-a"), Ok(None));
        assert_eq!(p.feed_line(b"250-b"), Ok(None));
        assert_eq!(p.feed_line(b"250 c"), Err(ReplyError::TooLong));
    }

    proptest! {
        #[test]
        fn parser_never_panics(input in proptest::collection::vec(any::<u8>(), 0..512)) {
            let _ = parse_replies(&input);
        }

        #[test]
        fn write_then_parse_round_trips(
            code in 200u16..600,
            lines in proptest::collection::vec("[ -~]{0,40}", 1..5),
        ) {
            let status = Some(EnhancedStatus::new((code / 100) as u8, 1, 0)).filter(|s| matches!(s.class, 2 | 4 | 5));
            let lines: Vec<String> = lines.into_iter().map(|l| l.trim_start().to_string()).collect();
            let reply = Reply { code, status, lines };
            let (parsed, used) = parse_replies(&reply.to_bytes());
            prop_assert_eq!(used, reply.to_bytes().len());
            let got = parsed[0].clone().expect("a reply");
            prop_assert_eq!(got.code, reply.code);
            if status.is_some() {
                prop_assert_eq!(got, reply);
            }
        }
    }
}
