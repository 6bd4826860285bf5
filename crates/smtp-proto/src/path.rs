//! RFC 5321 §4.1.2 paths as smtpd accepts them: reverse-path (`<>` or a mailbox) and
//! forward-path, with Postfix's tolerances (`strict_rfc821_envelopes = no`): a missing
//! `<>`, a space after the colon, doubled brackets `<<a@b>>`, RFC 822 comments, and
//! source routes `@a,@b:` (stripped, RFC 5321 §4.1.1.3 says they must be accepted).
//!
//! Owns: where the address ends and whether it is well-formed enough to look up.
//! Never: domain policy (non-FQDN, unknown domain: those are restrictions in smtpd), the
//! internal (unquoted) form (that is `mail::address`).

use std::borrow::Cow;

/// An address as the client wrote it (external form), without brackets, comments or
/// source route. Never empty: the null sender is `ReversePath::Null`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Address(String);

impl Address {
    /// Builds an address for the client side (no validation beyond non-empty).
    pub fn new(text: impl Into<String>) -> Option<Self> {
        let text = text.into();
        (!text.is_empty()).then_some(Self(text))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The domain: text after the last `@` outside quotes (`None` for `postmaster`).
    pub fn domain(&self) -> Option<&str> {
        self.split().map(|(_, d)| d)
    }

    /// The local part as written (quotes kept).
    pub fn local_part(&self) -> &str {
        self.split().map_or(&self.0, |(l, _)| l)
    }

    fn split(&self) -> Option<(&str, &str)> {
        let mut quoted = false;
        let mut escaped = false;
        let mut at = None;
        for (i, c) in self.0.char_indices() {
            match c {
                _ if escaped => escaped = false,
                '\\' if quoted => escaped = true,
                '"' => quoted = !quoted,
                '@' if !quoted => at = Some(i),
                _ => {}
            }
        }
        at.map(|i| (&self.0[..i], &self.0[i + 1..]))
    }

    /// Whether any byte is outside ASCII (needs SMTPUTF8 downstream).
    pub fn is_utf8(&self) -> bool {
        !self.0.is_ascii()
    }
}

impl std::fmt::Display for Address {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// MAIL FROM's path.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ReversePath {
    /// `<>`: bounces and other notifications.
    Null,
    Address(Address),
}

impl ReversePath {
    /// Postfix's internal representation: the null sender is the empty string.
    pub fn as_str(&self) -> &str {
        match self {
            Self::Null => "",
            Self::Address(a) => a.as_str(),
        }
    }
}

/// Why a path did not parse.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PathError {
    /// Nothing after `FROM:` / `TO:` (Postfix answers with the command's usage line).
    Missing,
    /// Unbalanced brackets, quotes or comments, white space or a control character in the
    /// address, text glued after `>`, a list of addresses.
    Syntax,
}

/// Splits a MAIL/RCPT argument (the text after `FROM:` or `TO:`) into the path and the
/// ESMTP parameter text that follows it. `Ok(None)` is `<>`.
pub fn parse_path(arg: &str) -> Result<(Option<Address>, &str), PathError> {
    let s = arg.trim_start_matches([' ', '\t']);
    if s.is_empty() {
        return Err(PathError::Missing);
    }
    let (inner, rest) = if s.starts_with('<') {
        let end = matching_bracket(s).ok_or(PathError::Syntax)?;
        let rest = &s[end + 1..];
        if !rest.is_empty() && !rest.starts_with([' ', '\t']) {
            return Err(PathError::Syntax);
        }
        let mut inner = &s[1..end];
        while inner.len() >= 2 && inner.starts_with('<') && inner.ends_with('>') {
            inner = &inner[1..inner.len() - 1];
        }
        (inner, rest)
    } else {
        // strict_rfc821_envelopes = no: the address is the first word.
        let end = word_end(s).ok_or(PathError::Syntax)?;
        (&s[..end], &s[end..])
    };
    let params = rest.trim_start_matches([' ', '\t']);
    let cleaned = clean(inner)?;
    let address = strip_source_route(&cleaned)?;
    Ok((Address::new(address.to_string()), params))
}

/// Index of the `>` closing the `<` at 0, outside quoted strings, with nesting.
fn matching_bracket(s: &str) -> Option<usize> {
    let mut depth = 0usize;
    let mut quoted = false;
    let mut escaped = false;
    for (i, b) in s.bytes().enumerate() {
        match b {
            _ if escaped => escaped = false,
            b'\\' if quoted => escaped = true,
            b'"' => quoted = !quoted,
            b'<' if !quoted => depth += 1,
            b'>' if !quoted => {
                depth = depth.checked_sub(1)?;
                if depth == 0 {
                    return Some(i);
                }
            }
            _ => {}
        }
    }
    None
}

/// End of a bare (bracket-less) address: the first space or tab outside quotes.
fn word_end(s: &str) -> Option<usize> {
    let mut quoted = false;
    let mut escaped = false;
    for (i, b) in s.bytes().enumerate() {
        match b {
            _ if escaped => escaped = false,
            b'\\' if quoted => escaped = true,
            b'"' => quoted = !quoted,
            b' ' | b'\t' if !quoted => return Some(i),
            _ => {}
        }
    }
    (!quoted).then_some(s.len())
}

/// Drops RFC 822 comments and rejects what cannot be one address: unquoted white space,
/// brackets, commas outside a source route, control characters anywhere.
fn clean(inner: &str) -> Result<Cow<'_, str>, PathError> {
    // Bytes, not chars: every delimiter is ASCII and UTF-8 continuation bytes are >= 0x80.
    let bytes = inner.as_bytes();
    let mut kept: Option<Vec<u8>> = None;
    let mut quoted = false;
    let mut escaped = false;
    let mut comment = 0usize;
    for (i, &b) in bytes.iter().enumerate() {
        if b.is_ascii_control() {
            return Err(PathError::Syntax);
        }
        if comment > 0 {
            match b {
                _ if escaped => escaped = false,
                b'\\' => escaped = true,
                b'(' => comment += 1,
                b')' => comment -= 1,
                _ => {}
            }
            continue;
        }
        match b {
            _ if escaped => escaped = false,
            b'\\' if quoted => escaped = true,
            b'"' => quoted = !quoted,
            b'(' if !quoted => {
                comment = 1;
                kept.get_or_insert_with(|| bytes[..i].to_vec());
                continue;
            }
            b' ' | b'<' | b'>' | b')' | b';' if !quoted => return Err(PathError::Syntax),
            _ => {}
        }
        if let Some(k) = kept.as_mut() {
            k.push(b);
        }
    }
    if quoted || comment > 0 || escaped {
        return Err(PathError::Syntax);
    }
    match kept {
        // Only whole ASCII-delimited comments were removed, so this stays UTF-8.
        Some(k) => String::from_utf8(k)
            .map(Cow::Owned)
            .map_err(|_| PathError::Syntax),
        None => Ok(Cow::Borrowed(inner)),
    }
}

/// `@a,@b:user@c` → `user@c` (RFC 5321 §4.1.1.3, Appendix C). A comma anywhere else
/// means a list of addresses.
fn strip_source_route(addr: &str) -> Result<&str, PathError> {
    let mailbox = if addr.starts_with('@') {
        let colon = addr.find(':').ok_or(PathError::Syntax)?;
        let route = &addr[..colon];
        if !route
            .split(',')
            .all(|hop| hop.len() > 1 && hop.starts_with('@') && !hop[1..].contains('@'))
        {
            return Err(PathError::Syntax);
        }
        &addr[colon + 1..]
    } else {
        addr
    };
    if has_unquoted(mailbox, ',') {
        return Err(PathError::Syntax);
    }
    Ok(mailbox)
}

fn has_unquoted(s: &str, needle: char) -> bool {
    let mut quoted = false;
    let mut escaped = false;
    for c in s.chars() {
        match c {
            _ if escaped => escaped = false,
            '\\' if quoted => escaped = true,
            '"' => quoted = !quoted,
            c if c == needle && !quoted => return true,
            _ => {}
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn ok(arg: &str) -> (Option<String>, &str) {
        let (a, rest) = parse_path(arg).unwrap_or_else(|e| panic!("{arg}: {e:?}"));
        (a.map(|a| a.as_str().to_string()), rest)
    }

    #[test]
    fn accepts_what_postfix_accepts() {
        // Each accepted by Postfix 3.7.11 smtpd with 250 (checked).
        assert_eq!(ok("<a@b>"), (Some("a@b".into()), ""));
        assert_eq!(ok("<>"), (None, ""));
        assert_eq!(ok("a@b"), (Some("a@b".into()), ""));
        assert_eq!(ok(" <a@b>"), (Some("a@b".into()), ""));
        assert_eq!(ok("<\"a b\"@c>"), (Some("\"a b\"@c".into()), ""));
        assert_eq!(ok("<@x,@y:a@b>"), (Some("a@b".into()), ""));
        assert_eq!(ok("<<a@b>>"), (Some("a@b".into()), ""));
        assert_eq!(ok("<a@[1.2.3.4]>"), (Some("a@[1.2.3.4]".into()), ""));
        assert_eq!(ok("<x@y@z>"), (Some("x@y@z".into()), ""));
        assert_eq!(ok("<a(c)@b>"), (Some("a@b".into()), ""));
        assert_eq!(ok("<é@b> SMTPUTF8"), (Some("é@b".into()), "SMTPUTF8"));
        assert_eq!(
            ok("<a@b>  SIZE=1 BODY=8BITMIME"),
            (Some("a@b".into()), "SIZE=1 BODY=8BITMIME")
        );
        assert_eq!(ok("<postmaster>"), (Some("postmaster".into()), ""));
    }

    #[test]
    fn rejects_what_postfix_rejects() {
        // Each answered with "Bad sender address syntax" by Postfix 3.7.11 (checked).
        for arg in [
            "<",
            "<a b@c>",
            "<a@b>x",
            "<a@b",
            "<a\0@b>",
            "<a@b c>",
            "<a@b>,<c@d>",
        ] {
            assert_eq!(parse_path(arg), Err(PathError::Syntax), "{arg:?}");
        }
        assert_eq!(parse_path(""), Err(PathError::Missing));
        assert_eq!(parse_path("  "), Err(PathError::Missing));
    }

    #[test]
    fn splits_local_part_and_domain() {
        let a = Address::new("\"x@y\"@example.com").unwrap_or_else(|| unreachable!());
        assert_eq!(
            (a.local_part(), a.domain()),
            ("\"x@y\"", Some("example.com"))
        );
        let a = Address::new("postmaster").unwrap_or_else(|| unreachable!());
        assert_eq!(a.domain(), None);
    }

    proptest! {
        #[test]
        fn never_panics(arg in "[<>@\"\\\\(), :a-z\\x00é]{0,40}") {
            let _ = parse_path(&arg);
        }
    }
}
