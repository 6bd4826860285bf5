//! The MIME structure walk (RFC 2045 §5, RFC 2046 §5.1, §5.2.1), one line at a time
//! with bounded state, so header checks know which class a header belongs to and body
//! checks know where a part starts.
//!
//! Our own small boundary tracker rather than mail-parser: cleanup streams the body to
//! the queue file and never holds the whole message, which a tree parser needs.
//! Bounds: `mime_nesting_limit` frames, boundaries of at most
//! `mime_boundary_length_limit` bytes; beyond them the walk stops descending (the rest
//! is body) instead of failing, as Postfix does by default.

/// Where the next line belongs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Position {
    /// The message's own header section.
    PrimaryHeaders,
    /// Headers of a multipart body part.
    PartHeaders,
    /// Headers of an attached message (message/rfc822 body).
    NestedHeaders,
    Body,
}

/// What a body line turned out to be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BodyLine {
    /// Ordinary content.
    Text,
    /// `--boundary`: a new part (its headers follow).
    PartStart,
    /// `--boundary--`: the end of a multipart.
    MultipartEnd,
}

/// The content type of the header section being read, reduced to what the walk needs.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
enum Kind {
    /// text/plain and everything else that is a leaf.
    #[default]
    Leaf,
    Multipart {
        boundary: Vec<u8>,
        digest: bool,
    },
    Message,
}

#[derive(Debug)]
pub struct Walker {
    position: Position,
    /// Open multiparts, innermost last: (boundary, digest).
    stack: Vec<(Vec<u8>, bool)>,
    /// Type declared by the header section being read.
    current: Kind,
    /// Default type of the part being read (message/rfc822 inside multipart/digest).
    default_message: bool,
    nesting_limit: usize,
    boundary_limit: usize,
    /// Attached messages entered, for the nesting bound.
    nested: usize,
}

impl Walker {
    pub fn new(nesting_limit: usize, boundary_limit: usize) -> Walker {
        Walker {
            position: Position::PrimaryHeaders,
            stack: Vec::new(),
            current: Kind::Leaf,
            default_message: false,
            nesting_limit,
            boundary_limit,
            nested: 0,
        }
    }

    pub fn position(&self) -> Position {
        self.position
    }

    /// A complete header of the current header section (`value` unfolded or not).
    pub fn content_type(&mut self, value: &[u8]) {
        self.current = parse_content_type(value, self.boundary_limit);
    }

    /// The blank line (or first non-header line) that ends a header section.
    pub fn end_of_headers(&mut self) {
        let kind = std::mem::take(&mut self.current);
        let kind = match kind {
            Kind::Leaf if self.default_message && self.position == Position::PartHeaders => {
                Kind::Message
            }
            k => k,
        };
        self.default_message = false;
        let depth = self.stack.len() + self.nested;
        self.position = Position::Body;
        if depth >= self.nesting_limit {
            return;
        }
        match kind {
            Kind::Leaf => {}
            Kind::Multipart { boundary, digest } => self.stack.push((boundary, digest)),
            Kind::Message => {
                self.nested += 1;
                self.position = Position::NestedHeaders;
            }
        }
    }

    /// Classifies a body line (without its line ending) and moves the walk on.
    pub fn body_line(&mut self, line: &[u8]) -> BodyLine {
        if self.stack.is_empty() || !line.starts_with(b"--") {
            return BodyLine::Text;
        }
        let rest = &line[2..];
        // Innermost first: an outer boundary also closes the parts inside it.
        for i in (0..self.stack.len()).rev() {
            let b = &self.stack[i].0;
            if !rest.starts_with(b) {
                continue;
            }
            let after = &rest[b.len()..];
            let closing = after.starts_with(b"--");
            let tail = if closing { &after[2..] } else { after };
            // RFC 2046 §5.1.1: only linear white space may follow the boundary.
            if !tail.iter().all(|&c| c == b' ' || c == b'\t') {
                continue;
            }
            let digest = self.stack[i].1;
            self.stack.truncate(if closing { i } else { i + 1 });
            if closing {
                self.position = Position::Body;
                return BodyLine::MultipartEnd;
            }
            self.position = Position::PartHeaders;
            self.current = Kind::Leaf;
            self.default_message = digest;
            return BodyLine::PartStart;
        }
        BodyLine::Text
    }
}

/// `type/subtype; boundary="..."` → what the walk needs (RFC 2045 §5.1).
fn parse_content_type(value: &[u8], boundary_limit: usize) -> Kind {
    let text = String::from_utf8_lossy(value);
    let mut params = text.split(';');
    let ty = params.next().unwrap_or("").trim().to_ascii_lowercase();
    let ty: String = ty.chars().filter(|c| !c.is_whitespace()).collect();
    if let Some(sub) = ty.strip_prefix("multipart/") {
        for p in params {
            let Some((name, v)) = p.split_once('=') else {
                continue;
            };
            if !name.trim().eq_ignore_ascii_case("boundary") {
                continue;
            }
            let v = v.trim();
            let v = v
                .strip_prefix('"')
                .and_then(|v| v.split('"').next())
                .unwrap_or(v);
            if v.is_empty() || v.len() > boundary_limit {
                return Kind::Leaf;
            }
            return Kind::Multipart {
                boundary: v.as_bytes().to_vec(),
                digest: sub == "digest",
            };
        }
        return Kind::Leaf;
    }
    if ty == "message/rfc822" || ty == "message/global" {
        return Kind::Message;
    }
    Kind::Leaf
}

#[cfg(test)]
mod tests {
    use super::*;

    fn walk(lines: &[&str]) -> Vec<(Position, Option<BodyLine>)> {
        let mut w = Walker::new(100, 2048);
        let mut out = Vec::new();
        for l in lines {
            let pos = w.position();
            match pos {
                Position::Body => out.push((pos, Some(w.body_line(l.as_bytes())))),
                _ => {
                    out.push((pos, None));
                    if l.is_empty() {
                        w.end_of_headers();
                    } else if let Some(v) = l.strip_prefix("Content-Type:") {
                        w.content_type(v.as_bytes());
                    }
                }
            }
        }
        out
    }

    #[test]
    fn multipart_with_attached_message() {
        use BodyLine::*;
        use Position::*;
        let got = walk(&[
            "Content-Type: multipart/mixed; boundary=\"BB\"",
            "",
            "pre",
            "--BB",
            "Content-Type: text/plain",
            "",
            "part1",
            "--BB",
            "Content-Type: message/rfc822",
            "",
            "Subject: nested",
            "",
            "nested body",
            "--BB--",
            "post",
        ]);
        let want = vec![
            (PrimaryHeaders, None),
            (PrimaryHeaders, None),
            (Body, Some(Text)),
            (Body, Some(PartStart)),
            (PartHeaders, None),
            (PartHeaders, None),
            (Body, Some(Text)),
            (Body, Some(PartStart)),
            (PartHeaders, None),
            (PartHeaders, None),
            (NestedHeaders, None),
            (NestedHeaders, None),
            (Body, Some(Text)),
            (Body, Some(MultipartEnd)),
            (Body, Some(Text)),
        ];
        assert_eq!(got, want);
    }

    #[test]
    fn boundary_needs_only_blanks_after_it() {
        let mut w = Walker::new(100, 2048);
        w.content_type(b" multipart/alternative; boundary=abc");
        w.end_of_headers();
        assert_eq!(w.body_line(b"--abcd"), BodyLine::Text);
        assert_eq!(w.body_line(b"--abc  "), BodyLine::PartStart);
    }

    #[test]
    fn digest_parts_default_to_messages() {
        let mut w = Walker::new(100, 2048);
        w.content_type(b" multipart/digest; boundary=d");
        w.end_of_headers();
        assert_eq!(w.body_line(b"--d"), BodyLine::PartStart);
        w.end_of_headers();
        assert_eq!(w.position(), Position::NestedHeaders);
    }

    #[test]
    fn nesting_is_bounded() {
        let mut w = Walker::new(2, 2048);
        for _ in 0..5 {
            w.content_type(b" message/rfc822");
            w.end_of_headers();
        }
        assert_eq!(w.position(), Position::Body);
    }
}
