//! DATA content (RFC 5321 §4.1.1.4, §4.5.2): the server-side decoder (dot-unstuffing, end
//! marker) and the client-side encoder (dot-stuffing, line-end normalisation).
//!
//! Owns: the byte-level DATA transparency rules. Never: size limits or header parsing
//! (the caller counts `bytes_out`), I/O.
//!
//! Smuggling-safe by construction (CVE-2023-51764 class): only `<CR><LF>.<CR><LF>` ends a
//! message, whatever `smtpd_forbid_bare_newline` says. Postfix 3.7.11 with its default `no`
//! also ends at `<LF>.<LF>`; facteur deliberately does not. A lone-dot line that is not the
//! end marker (`<LF>.<LF>`, `<LF>.<CR><LF>`, `<CR><LF>.<LF>`) is dropped from the content,
//! as Postfix's `normalize` mode does, so it cannot reappear downstream as an end marker.
//! A bare LF in content is written out as CRLF and counted so that `reject` mode can refuse
//! the message at its end. A bare CR is content.
//!
//! Speed: the common case copies whole runs of lines with one `memmem` search for `\n.`
//! and one branch-free check for bare LF per run; per-line work happens only at dot-lines
//! and bare LFs.

use memchr::memmem;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum State {
    /// Inside a line; `prev_cr` when the last byte written was a CR.
    Text {
        prev_cr: bool,
    },
    /// At the start of a line; `after_crlf` when the previous line ended in CRLF.
    LineStart {
        after_crlf: bool,
    },
    /// Read a `.` at the start of a line.
    Dot {
        after_crlf: bool,
    },
    /// Read `.` CR at the start of a line.
    DotCr {
        after_crlf: bool,
    },
    Done,
}

/// Result of one `decode` call.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Progress {
    /// Input bytes used. When `done`, the bytes after them are the client's next commands
    /// (pipelined after the end of DATA) and must be kept.
    pub consumed: usize,
    /// The end marker was read.
    pub done: bool,
}

/// Server-side DATA decoder. Feed it the bytes that follow the `354` reply.
#[derive(Debug)]
pub struct DataDecoder {
    state: State,
    finder: memmem::Finder<'static>,
    bare_lf: u64,
    bytes_out: u64,
    /// Progress through `\r\n\r\n` while the header end is unknown (starts at 2: the
    /// message begins at a line start, so a first empty line means no headers).
    header_match: u8,
    header_end: Option<u64>,
}

impl Default for DataDecoder {
    fn default() -> Self {
        Self::new()
    }
}

impl DataDecoder {
    pub fn new() -> Self {
        Self {
            state: State::LineStart { after_crlf: true },
            finder: memmem::Finder::new(b"\n."),
            bare_lf: 0,
            bytes_out: 0,
            header_match: 2,
            header_end: None,
        }
    }

    /// Decodes `input`, appending message content (CRLF line ends, dots unstuffed) to `out`.
    /// `out` grows by at most `2 * consumed` bytes (a bare LF becomes CRLF), so the caller
    /// bounds memory by the size of the slices it passes in.
    pub fn decode(&mut self, input: &[u8], out: &mut Vec<u8>) -> Progress {
        let start_len = out.len();
        let mut pos = 0;
        while pos < input.len() {
            match self.state {
                State::Done => break,
                State::Text { prev_cr } => pos += self.text(prev_cr, &input[pos..], out),
                State::LineStart { after_crlf } => {
                    if input[pos] == b'.' {
                        pos += 1;
                        self.state = State::Dot { after_crlf };
                    } else {
                        self.state = State::Text { prev_cr: false };
                    }
                }
                State::Dot { after_crlf } => match input[pos] {
                    b'\r' => {
                        pos += 1;
                        self.state = State::DotCr { after_crlf };
                    }
                    b'\n' => {
                        // `.<LF>`: never an end marker; the line is dropped.
                        pos += 1;
                        self.bare_lf += 1;
                        self.state = State::LineStart { after_crlf: false };
                    }
                    // A stuffed dot: drop it, the rest of the line is content.
                    _ => self.state = State::Text { prev_cr: false },
                },
                State::DotCr { after_crlf } => {
                    if input[pos] == b'\n' {
                        pos += 1;
                        self.state = if after_crlf {
                            State::Done
                        } else {
                            State::LineStart { after_crlf: true }
                        };
                    } else {
                        out.push(b'\r');
                        self.state = State::Text { prev_cr: true };
                    }
                }
            }
        }
        if self.header_end.is_none() {
            self.scan_header_end(&out[start_len..]);
        }
        self.bytes_out += (out.len() - start_len) as u64;
        Progress {
            consumed: pos,
            done: self.state == State::Done,
        }
    }

    /// Copies text up to and including the next line end that is followed by a dot (or to
    /// the end of `rest`); returns the bytes used.
    fn text(&mut self, prev_cr: bool, rest: &[u8], out: &mut Vec<u8>) -> usize {
        let span_len = self.finder.find(rest).map_or(rest.len(), |i| i + 1);
        let span = &rest[..span_len];
        if !has_bare_lf(prev_cr, span) {
            out.extend_from_slice(span);
            self.state = match span.last() {
                Some(b'\n') => State::LineStart { after_crlf: true },
                last => State::Text {
                    prev_cr: last == Some(&b'\r'),
                },
            };
            return span_len;
        }
        // Slow path: one line at a time up to the first bare LF.
        let Some(nl) = memchr::memchr(b'\n', span) else {
            out.extend_from_slice(span);
            self.state = State::Text {
                prev_cr: span.last() == Some(&b'\r'),
            };
            return span_len;
        };
        let crlf = if nl == 0 {
            prev_cr
        } else {
            span[nl - 1] == b'\r'
        };
        out.extend_from_slice(&span[..nl]);
        if crlf {
            out.push(b'\n');
        } else {
            self.bare_lf += 1;
            out.extend_from_slice(b"\r\n");
        }
        self.state = State::LineStart { after_crlf: crlf };
        nl + 1
    }

    /// Looks for the empty line after the headers in freshly decoded output (CRLF only:
    /// the output is normalised). A carried partial match covers reads that split it.
    fn scan_header_end(&mut self, new: &[u8]) {
        let base = self.bytes_out;
        let mut m = self.header_match;
        for (i, &b) in new.iter().enumerate().take(3) {
            m = crlfcrlf_step(m, b);
            if m == 4 {
                self.header_end = Some(base + i as u64 + 1);
                return;
            }
        }
        if let Some(i) = memmem::find(new, b"\r\n\r\n") {
            self.header_end = Some(base + i as u64 + 4);
            return;
        }
        if new.len() > 3 {
            m = new[new.len() - 3..]
                .iter()
                .fold(0, |m, &b| crlfcrlf_step(m, b));
        }
        self.header_match = m;
    }

    /// Offset in the decoded content where the body starts (after the first empty line),
    /// once seen. Postfix's cleanup also ends headers at the first non-header line; that
    /// finer rule belongs to the header parser, this is the cheap boundary.
    pub fn header_end(&self) -> Option<u64> {
        self.header_end
    }

    /// Whether the end marker has been read.
    pub fn is_done(&self) -> bool {
        self.state == State::Done
    }

    /// Bare LFs seen so far (for `smtpd_forbid_bare_newline = reject`).
    pub fn bare_lf_count(&self) -> u64 {
        self.bare_lf
    }

    /// Content bytes produced so far (for `message_size_limit`).
    pub fn bytes_out(&self) -> u64 {
        self.bytes_out
    }
}

/// One step of matching `\r\n\r\n` (state: bytes matched so far).
fn crlfcrlf_step(m: u8, b: u8) -> u8 {
    match (m, b) {
        (1, b'\n') => 2,
        (2, b'\r') => 3,
        (3, b'\n') => 4,
        (_, b'\r') => 1,
        _ => 0,
    }
}

/// Whether `span` has an LF not preceded by CR (`prev_cr`: the byte before `span`).
/// Branch-free over blocks so the compiler can vectorise it.
fn has_bare_lf(prev_cr: bool, span: &[u8]) -> bool {
    let Some(&first) = span.first() else {
        return false;
    };
    if first == b'\n' && !prev_cr {
        return true;
    }
    const BLOCK: usize = 4096;
    let mut start = 1;
    while start < span.len() {
        let end = (start + BLOCK).min(span.len());
        let cur = &span[start..end];
        let prev = &span[start - 1..end - 1];
        let bad = cur.iter().zip(prev).fold(0u8, |acc, (&c, &p)| {
            acc | (u8::from(c == b'\n') & u8::from(p != b'\r'))
        });
        if bad != 0 {
            return true;
        }
        start = end;
    }
    false
}

/// Client-side DATA encoder: dot-stuffs lines that start with `.`, turns bare LF into CRLF,
/// and `finish` appends the end marker (adding a final CRLF when the content lacks one).
#[derive(Debug, Clone)]
pub struct DataEncoder {
    at_line_start: bool,
    prev_cr: bool,
}

impl Default for DataEncoder {
    fn default() -> Self {
        Self::new()
    }
}

impl DataEncoder {
    pub fn new() -> Self {
        Self {
            at_line_start: true,
            prev_cr: false,
        }
    }

    /// Appends the wire form of `input` to `out`.
    pub fn encode(&mut self, input: &[u8], out: &mut Vec<u8>) {
        let mut rest = input;
        while !rest.is_empty() {
            if self.at_line_start && rest[0] == b'.' {
                out.push(b'.');
            }
            self.at_line_start = false;
            match memchr::memchr(b'\n', rest) {
                Some(nl) => {
                    let crlf = if nl == 0 {
                        self.prev_cr
                    } else {
                        rest[nl - 1] == b'\r'
                    };
                    out.extend_from_slice(&rest[..nl]);
                    out.extend_from_slice(if crlf { b"\n" } else { b"\r\n" });
                    self.at_line_start = true;
                    self.prev_cr = false;
                    rest = &rest[nl + 1..];
                }
                None => {
                    out.extend_from_slice(rest);
                    self.prev_cr = rest.last() == Some(&b'\r');
                    rest = &[];
                }
            }
        }
    }

    /// Appends `[CRLF] . CRLF`.
    pub fn finish(&mut self, out: &mut Vec<u8>) {
        if !self.at_line_start {
            out.extend_from_slice(b"\r\n");
        }
        out.extend_from_slice(b".\r\n");
        self.at_line_start = true;
        self.prev_cr = false;
    }
}

/// Encodes a whole message in one call.
pub fn encode_message(content: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(content.len() + content.len() / 64 + 8);
    let mut enc = DataEncoder::new();
    enc.encode(content, &mut out);
    enc.finish(&mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn decode_all(input: &[u8]) -> (Vec<u8>, Progress, u64) {
        let mut d = DataDecoder::new();
        let mut out = Vec::new();
        let p = d.decode(input, &mut out);
        (out, p, d.bare_lf_count())
    }

    #[test]
    fn unstuffs_and_stops_at_marker() {
        let (out, p, bare) =
            decode_all(b"Subject: x\r\n\r\n..dot\r\n.x\r\n.\r\nMAIL FROM:<a@b>\r\n");
        assert_eq!(out, b"Subject: x\r\n\r\n.dot\r\nx\r\n");
        assert_eq!(
            p,
            Progress {
                consumed: 28,
                done: true
            }
        );
        assert_eq!(bare, 0);
    }

    #[test]
    fn empty_message() {
        let (out, p, _) = decode_all(b".\r\n");
        assert_eq!((out.as_slice(), p.done, p.consumed), (&b""[..], true, 3));
    }

    #[test]
    fn smuggling_markers_never_end_the_message() {
        // What Postfix 3.7.11 `normalize` stores for the same input (checked): the lone-dot
        // lines vanish, bare LFs become CRLF, `..C` is unstuffed.
        let input = b"A\n.\r\nB\n..C\r\n..D\r\nE\n.\nF\r\n.\nG\r\n.\r\n";
        let (out, p, bare) = decode_all(input);
        assert!(p.done);
        assert_eq!(p.consumed, input.len());
        assert_eq!(out, b"A\r\nB\r\n.C\r\n.D\r\nE\r\nF\r\nG\r\n");
        assert_eq!(bare, 5);
    }

    #[test]
    fn finds_the_header_end_across_reads() {
        let input = b"Subject: x\r\nFrom: y\r\n\r\nbody\r\n.\r\n";
        for split in 0..input.len() {
            let mut d = DataDecoder::new();
            let mut out = Vec::new();
            d.decode(&input[..split], &mut out);
            d.decode(&input[split..], &mut out);
            assert_eq!(d.header_end(), Some(23), "split at {split}");
        }
        let mut d = DataDecoder::new();
        d.decode(b"\r\nbody\r\n.\r\n", &mut Vec::new());
        assert_eq!(d.header_end(), Some(2), "no headers");
        let mut d = DataDecoder::new();
        d.decode(b"Subject: x\n\nbody\r\n.\r\n", &mut Vec::new());
        assert_eq!(d.header_end(), Some(14), "bare LFs count once normalised");
    }

    #[test]
    fn bare_cr_is_content() {
        let (out, p, bare) = decode_all(b"a\rb\r\n.\rc\r\n.\r\n");
        assert!(p.done);
        assert_eq!(out, b"a\rb\r\n\rc\r\n");
        assert_eq!(bare, 0);
    }

    #[test]
    fn marker_split_across_reads() {
        let input = b"line\r\n.\r\nNOOP\r\n";
        for split in 0..input.len() {
            let mut d = DataDecoder::new();
            let mut out = Vec::new();
            let p1 = d.decode(&input[..split], &mut out);
            assert!(!p1.done || split >= 9);
            let p2 = if p1.done {
                p1
            } else {
                d.decode(&input[split..], &mut out)
            };
            assert!(p2.done);
            assert_eq!(out, b"line\r\n", "split at {split}");
        }
    }

    #[test]
    fn encoder_stuffs_and_normalises() {
        assert_eq!(
            encode_message(b".a\n..b\r\nc"),
            b"..a\r\n...b\r\nc\r\n.\r\n"
        );
        assert_eq!(encode_message(b""), b".\r\n");
        assert_eq!(encode_message(b".\r\n"), b"..\r\n.\r\n");
    }

    /// Reference normalisation: bare LF → CRLF; a final CRLF added if missing.
    fn normalise(content: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        for (i, &b) in content.iter().enumerate() {
            if b == b'\n' && (i == 0 || content[i - 1] != b'\r') {
                out.push(b'\r');
            }
            out.push(b);
        }
        if !out.is_empty() && !out.ends_with(b"\r\n") {
            out.extend_from_slice(b"\r\n");
        }
        out
    }

    fn alphabet() -> impl Strategy<Value = Vec<u8>> {
        proptest::collection::vec(
            prop_oneof![
                Just(b'\r'),
                Just(b'\n'),
                Just(b'.'),
                Just(b'a'),
                any::<u8>()
            ],
            0..400,
        )
    }

    proptest! {
        #[test]
        fn decoder_never_panics_and_output_is_bounded(input in alphabet()) {
            let (out, p, _) = decode_all(&input);
            prop_assert!(p.consumed <= input.len());
            prop_assert!(out.len() <= 2 * p.consumed);
            if p.done {
                prop_assert!(input[..p.consumed].ends_with(b"\r\n.\r\n") || p.consumed == 3);
            }
        }

        #[test]
        fn chunked_equals_whole(input in alphabet(), step in 1usize..17) {
            let (whole, pw, bare_w) = decode_all(&input);
            let mut d = DataDecoder::new();
            let mut out = Vec::new();
            let mut pos = 0;
            let mut done = false;
            while pos < input.len() && !done {
                let end = (pos + step).min(input.len());
                let p = d.decode(&input[pos..end], &mut out);
                pos += p.consumed;
                done = p.done;
                if !done { prop_assert_eq!(pos, end); }
            }
            prop_assert_eq!(out, whole);
            prop_assert_eq!(done, pw.done);
            prop_assert_eq!(pos, pw.consumed);
            prop_assert_eq!(d.bare_lf_count(), bare_w);
        }

        #[test]
        fn encode_then_decode_round_trips(content in alphabet(), step in 1usize..50) {
            let mut enc = DataEncoder::new();
            let mut wire = Vec::new();
            for piece in content.chunks(step) {
                enc.encode(piece, &mut wire);
            }
            enc.finish(&mut wire);
            wire.extend_from_slice(b"QUIT\r\n");
            let (out, p, bare) = decode_all(&wire);
            prop_assert!(p.done);
            prop_assert_eq!(p.consumed, wire.len() - 6);
            prop_assert_eq!(bare, 0);
            prop_assert_eq!(out, normalise(&content));
        }
    }
}
