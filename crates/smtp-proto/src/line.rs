//! Command-line framing: finds CRLF-terminated lines in the caller's buffer, with a length
//! bound, and reports how each line ended so the caller can apply Postfix 3.7.11's
//! `smtpd_forbid_bare_newline` (no | normalize | yes | reject).
//!
//! Owns: where a line ends and how long it may be. Never: buffering (the caller owns the
//! buffer and never needs more than `limit + 2` bytes of it), I/O, the exclusion list
//! (`smtpd_forbid_bare_newline_exclusions` is decided by the caller per client).
//!
//! Like Postfix's command reader (`line_length_limit`, default 2048), an over-long line is
//! cut at the limit and the rest of it, up to its LF, is thrown away: the client gets one
//! reply for it. A bare CR is ordinary content (Postfix passes it through to the parser).

/// `smtpd_forbid_bare_newline` in Postfix 3.7.11.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum BareNewline {
    /// Accept a bare LF as a line end anywhere (Postfix's default before 3.9). For DATA,
    /// facteur still requires `<CR><LF>.<CR><LF>` to end a message (see `data.rs`).
    #[default]
    No,
    /// `normalize` (and its alias `yes`): treat a bare LF as CRLF, but require the standard
    /// end-of-data sequence.
    Normalize,
    /// `reject`: a command ending in bare LF gets `smtpd_forbid_bare_newline_reject_code`
    /// and the session ends; a message containing one is rejected at its end.
    Reject,
}

impl BareNewline {
    /// Parses the parameter value as Postfix does (case does not matter).
    pub fn from_param(value: &str) -> Option<Self> {
        match value.to_ascii_lowercase().as_str() {
            "no" => Some(Self::No),
            "normalize" | "yes" => Some(Self::Normalize),
            "reject" => Some(Self::Reject),
            _ => None,
        }
    }
}

/// How a line ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ending {
    CrLf,
    /// An LF without CR before it.
    BareLf,
}

/// One framing step over the caller's buffer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Frame {
    /// A complete line: `buf[..len]` is its text (without the ending); drop `consumed`
    /// bytes from the buffer afterwards. `truncated` when the line was longer than the
    /// limit and was cut (the tail is discarded by later calls, reported as `Discard`).
    Line {
        len: usize,
        consumed: usize,
        ending: Ending,
        truncated: bool,
    },
    /// The line was over the limit: `buf[..len]` is its first `limit` bytes, delivered now
    /// so the buffer stays bounded; the rest of the line is discarded by later calls.
    Overlong { len: usize, consumed: usize },
    /// Bytes of an over-long line's tail, to be dropped.
    Discard { consumed: usize },
    /// No complete line yet: read more bytes (the buffer is still below the bound).
    NeedMore,
}

/// The framer's only state is whether it is skipping the tail of an over-long line.
#[derive(Clone, Debug)]
pub struct LineFramer {
    limit: usize,
    discarding: bool,
}

impl LineFramer {
    /// `limit`: the longest line text delivered (Postfix `line_length_limit`, 2048).
    pub fn new(limit: usize) -> Self {
        Self {
            limit: limit.max(1),
            discarding: false,
        }
    }

    pub fn limit(&self) -> usize {
        self.limit
    }

    /// Looks at the start of `buf` (bytes not yet consumed).
    pub fn next(&mut self, buf: &[u8]) -> Frame {
        if self.discarding {
            if buf.is_empty() {
                return Frame::NeedMore;
            }
            return match memchr::memchr(b'\n', buf) {
                Some(i) => {
                    self.discarding = false;
                    Frame::Discard { consumed: i + 1 }
                }
                None => Frame::Discard {
                    consumed: buf.len(),
                },
            };
        }
        // Search one byte past the limit (+ CR) so a line of exactly `limit` bytes fits.
        let window = &buf[..buf.len().min(self.limit + 2)];
        match memchr::memchr(b'\n', window) {
            Some(i) => {
                let (len, ending) = if i > 0 && buf[i - 1] == b'\r' {
                    (i - 1, Ending::CrLf)
                } else {
                    (i, Ending::BareLf)
                };
                let truncated = len > self.limit;
                Frame::Line {
                    len: len.min(self.limit),
                    consumed: i + 1,
                    ending,
                    truncated,
                }
            }
            None if buf.len() > self.limit + 1 => {
                self.discarding = true;
                Frame::Overlong {
                    len: self.limit,
                    consumed: self.limit,
                }
            }
            None => Frame::NeedMore,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn frames_crlf_and_bare_lf() {
        let mut f = LineFramer::new(2048);
        assert_eq!(
            f.next(b"NOOP\r\nQUIT"),
            Frame::Line {
                len: 4,
                consumed: 6,
                ending: Ending::CrLf,
                truncated: false
            }
        );
        assert_eq!(
            f.next(b"NOOP\nQUIT"),
            Frame::Line {
                len: 4,
                consumed: 5,
                ending: Ending::BareLf,
                truncated: false
            }
        );
        assert_eq!(
            f.next(b"NO\rOP\r\n"),
            Frame::Line {
                len: 5,
                consumed: 7,
                ending: Ending::CrLf,
                truncated: false
            }
        );
        assert_eq!(f.next(b"NOOP\r"), Frame::NeedMore);
        assert_eq!(f.next(b""), Frame::NeedMore);
    }

    #[test]
    fn exact_limit_fits_and_longer_is_cut() {
        let mut f = LineFramer::new(4);
        assert_eq!(
            f.next(b"abcd\r\n"),
            Frame::Line {
                len: 4,
                consumed: 6,
                ending: Ending::CrLf,
                truncated: false
            }
        );
        assert_eq!(
            f.next(b"abcde\n"),
            Frame::Line {
                len: 4,
                consumed: 6,
                ending: Ending::BareLf,
                truncated: true
            }
        );
        assert_eq!(
            f.next(b"abcdef"),
            Frame::Overlong {
                len: 4,
                consumed: 4
            }
        );
        assert_eq!(f.next(b"efghi"), Frame::Discard { consumed: 5 });
        assert_eq!(f.next(b"jk\r\nNOOP\r\n"), Frame::Discard { consumed: 4 });
        assert_eq!(
            f.next(b"NOOP\r\n"),
            Frame::Line {
                len: 4,
                consumed: 6,
                ending: Ending::CrLf,
                truncated: false
            }
        );
    }

    #[test]
    fn parameter_values() {
        assert_eq!(BareNewline::from_param("YES"), Some(BareNewline::Normalize));
        assert_eq!(BareNewline::from_param("reject"), Some(BareNewline::Reject));
        assert_eq!(BareNewline::from_param("maybe"), None);
    }

    /// Splits `input` into lines with a framer fed in pieces of `step` bytes, the way a
    /// server's read loop would, and returns the delivered lines.
    fn lines(input: &[u8], limit: usize, step: usize) -> Vec<Vec<u8>> {
        let mut f = LineFramer::new(limit);
        let mut buf: Vec<u8> = Vec::new();
        let mut out = Vec::new();
        let mut fed = 0;
        loop {
            match f.next(&buf) {
                Frame::Line { len, consumed, .. } | Frame::Overlong { len, consumed } => {
                    out.push(buf[..len].to_vec());
                    buf.drain(..consumed);
                }
                Frame::Discard { consumed } => {
                    buf.drain(..consumed);
                }
                Frame::NeedMore => {
                    if fed >= input.len() {
                        return out;
                    }
                    let end = (fed + step).min(input.len());
                    buf.extend_from_slice(&input[fed..end]);
                    fed = end;
                }
            }
            assert!(buf.len() <= limit + 2 + step, "buffer stays bounded");
        }
    }

    proptest! {
        #[test]
        fn never_panics_and_chunking_does_not_matter(
            input in proptest::collection::vec(prop_oneof![Just(b'\r'), Just(b'\n'), Just(b'a'), any::<u8>()], 0..300),
            limit in 1usize..20,
            step in 1usize..40,
        ) {
            let whole = lines(&input, limit, input.len().max(1));
            let pieces = lines(&input, limit, step);
            for l in &pieces {
                prop_assert!(l.len() <= limit);
            }
            // An over-long line may be delivered as Overlong or as a truncated Line
            // depending on where reads stop; both give the same first `limit` bytes.
            prop_assert_eq!(whole, pieces);
        }
    }
}
