//! Addresses in Postfix's internal (unquoted) form, and the splitting rules the lookup
//! tables' search orders need: local part, domain, address extension.

/// Splits `user@domain` at the last `@`. An address without `@` has no domain.
pub fn split_at_domain(addr: &str) -> (&str, Option<&str>) {
    match addr.rfind('@') {
        Some(at) => (&addr[..at], Some(&addr[at + 1..])),
        None => (addr, None),
    }
}

/// Splits an address extension off a local part with `recipient_delimiter`, whose
/// characters are each a delimiter (Postfix 2.11+): the local part ends at the first
/// delimiter. Returns `(base, Some(extension))`, the extension without its delimiter.
/// Nothing is split when the first delimiter is the first character (`+foo` is not
/// an extension of the empty name).
pub fn split_extension<'a>(local: &'a str, delimiters: &str) -> (&'a str, Option<&'a str>) {
    if delimiters.is_empty() {
        return (local, None);
    }
    match local.char_indices().find(|(_, c)| delimiters.contains(*c)) {
        Some((i, c)) if i > 0 => (&local[..i], Some(&local[i + c.len_utf8()..])),
        _ => (local, None),
    }
}

/// How Postfix splits extensions off local parts (`split_addr`): the delimiter set
/// and the names it never splits.
#[derive(Debug, Clone, Copy)]
pub struct ExtensionRules<'a> {
    /// `recipient_delimiter`; empty means no extensions.
    pub delimiters: &'a str,
    /// `owner_request_special` (default yes): with `-` among the delimiters,
    /// `owner-foo` and `foo-request` are not split.
    pub owner_request_special: bool,
    /// `double_bounce_sender` (default `double-bounce`), never split, like
    /// `postmaster` and `mailer-daemon`.
    pub double_bounce_sender: &'a str,
}

impl<'a> ExtensionRules<'a> {
    /// Postfix's defaults with the delimiter set `delimiters`.
    pub fn new(delimiters: &'a str) -> Self {
        ExtensionRules {
            delimiters,
            owner_request_special: true,
            double_bounce_sender: "double-bounce",
        }
    }

    /// `split_addr`: the base and the extension of `local`, or `None` when Postfix
    /// leaves it whole. The extension excludes its delimiter; `delimiter` is it.
    pub fn split<'l>(&self, local: &'l str) -> Option<Split<'l>> {
        for reserved in ["postmaster", "mailer-daemon", self.double_bounce_sender] {
            if local.eq_ignore_ascii_case(reserved) {
                return None;
            }
        }
        if self.owner_request_special && self.delimiters.contains('-') {
            let lower = local.to_ascii_lowercase();
            if lower.starts_with("owner-") || (lower.len() > 8 && lower.ends_with("-request")) {
                return None;
            }
        }
        match split_extension(local, self.delimiters) {
            (base, Some(ext)) => {
                let delimiter = local[base.len()..].chars().next().unwrap_or('+');
                Some(Split {
                    base,
                    delimiter,
                    extension: ext,
                })
            }
            _ => None,
        }
    }
}

/// A local part split at its address extension.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Split<'a> {
    pub base: &'a str,
    pub delimiter: char,
    pub extension: &'a str,
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn splits_at_last_at() {
        assert_eq!(split_at_domain("a@b@c"), ("a@b", Some("c")));
        assert_eq!(split_at_domain("postmaster"), ("postmaster", None));
    }

    #[test]
    fn extension_needs_a_base() {
        assert_eq!(split_extension("user+ext", "+"), ("user", Some("ext")));
        assert_eq!(split_extension("+ext", "+"), ("+ext", None));
        assert_eq!(split_extension("+a+b", "+"), ("+a+b", None));
        assert_eq!(split_extension("user+", "+"), ("user", Some("")));
        assert_eq!(split_extension("user-a+b", "+-"), ("user", Some("a+b")));
        assert_eq!(split_extension("user", ""), ("user", None));
    }

    #[test]
    fn reserved_names_are_not_split() {
        let r = ExtensionRules::new("+-");
        assert_eq!(r.split("owner-list"), None);
        assert_eq!(r.split("list-request"), None);
        assert_eq!(r.split("Postmaster"), None);
        assert_eq!(r.split("double-bounce"), None);
        let s = r.split("user-ext").unwrap();
        assert_eq!((s.base, s.delimiter, s.extension), ("user", '-', "ext"));
        assert!(ExtensionRules::new("+").split("owner+x").is_some());
    }
}
