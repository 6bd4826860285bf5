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
/// characters are each a delimiter (Postfix 2.11+). Returns `(base, Some(extension))`
/// when a delimiter occurs after the first character, as Postfix does: `+foo` alone
/// is not an extension of the empty name.
pub fn split_extension<'a>(local: &'a str, delimiters: &str) -> (&'a str, Option<&'a str>) {
    if delimiters.is_empty() {
        return (local, None);
    }
    match local
        .char_indices()
        .skip(1)
        .find(|(_, c)| delimiters.contains(*c))
    {
        Some((i, c)) => (&local[..i], Some(&local[i + c.len_utf8()..])),
        None => (local, None),
    }
}

#[cfg(test)]
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
        assert_eq!(split_extension("user-a+b", "+-"), ("user", Some("a+b")));
        assert_eq!(split_extension("user", ""), ("user", None));
    }
}
