//! Envelope recipient rewriting: virtual_alias_maps expansion (recursive, bounded) and
//! duplicate recipient removal (Postfix `cleanup_map1n.c`, `cleanup_out_recipient.c`).
//!
//! Not yet here: canonical_maps, sender/recipient_canonical_maps and masquerading need
//! route's canonical address form; `settings.rs` refuses a configuration that sets
//! them, so they are never silently skipped.

use std::collections::HashSet;
use std::sync::Arc;

use mail::address::{split_at_domain, ExtensionRules};
use queue::Recipient;
use tables::search::address_mapping;
use tables::{Table, TableError};

/// What virtual alias expansion needs to know.
#[derive(Debug, Clone)]
pub struct VirtualAlias {
    pub maps: Vec<Arc<dyn Table>>,
    /// virtual_alias_expansion_limit: most addresses one recipient becomes.
    pub expansion_limit: usize,
    /// virtual_alias_recursion_limit: deepest chain of lookups.
    pub recursion_limit: usize,
    /// recipient_delimiter.
    pub delimiters: String,
    /// Whether unmatched extensions are propagated (`virtual` in
    /// propagate_unmatched_extensions).
    pub propagate_extension: bool,
    /// Domains for which the bare local part is also a key (myorigin, mydestination).
    pub local_domains: Vec<String>,
}

/// Why expansion failed: both defer the message (Postfix `4.6.0 Alias expansion
/// error`, captured), the detail goes to the log.
#[derive(Debug, thiserror::Error)]
pub enum ExpandError {
    #[error("unreasonable virtual_alias_maps map nesting for {0}")]
    Nesting(String),
    #[error("unreasonable virtual_alias_maps map expansion size for {0}")]
    Size(String),
    #[error("virtual_alias_maps lookup for {address}: {source}")]
    Table {
        address: String,
        #[source]
        source: TableError,
    },
}

impl VirtualAlias {
    fn domain_is_local(&self, address: &str) -> bool {
        match split_at_domain(address).1 {
            Some(d) => self
                .local_domains
                .iter()
                .any(|l| l.eq_ignore_ascii_case(d.trim_end_matches('.'))),
            None => true,
        }
    }

    /// One lookup: the addresses `address` maps to, or `None`.
    fn lookup(&self, address: &str) -> Result<Option<Vec<String>>, ExpandError> {
        let rules = ExtensionRules::new(&self.delimiters);
        let found = address_mapping(&self.maps, address, &rules, self.domain_is_local(address))
            .map_err(|source| ExpandError::Table {
                address: address.to_string(),
                source,
            })?;
        let Some(found) = found else {
            return Ok(None);
        };
        let ext = found.extension.filter(|_| self.propagate_extension);
        let list = found
            .value
            .split([',', ' ', '\t'])
            .filter(|s| !s.is_empty())
            .map(|a| match &ext {
                Some(e) => {
                    let (local, domain) = split_at_domain(a);
                    match domain {
                        Some(d) => format!("{local}{e}@{d}"),
                        None => format!("{local}{e}"),
                    }
                }
                None => a.to_string(),
            })
            .collect();
        Ok(Some(list))
    }

    /// Expands `address` recursively. An address that maps to a list containing itself
    /// keeps itself and is not looked up again (virtual(5)).
    pub fn expand(&self, address: &str) -> Result<Vec<String>, ExpandError> {
        let mut out = Vec::new();
        self.expand_into(address, 0, address, &mut out)?;
        Ok(out)
    }

    fn expand_into(
        &self,
        address: &str,
        depth: usize,
        top: &str,
        out: &mut Vec<String>,
    ) -> Result<(), ExpandError> {
        if depth > self.recursion_limit {
            return Err(ExpandError::Nesting(top.to_string()));
        }
        match self.lookup(address)? {
            None => push_limited(out, address, self.expansion_limit, top),
            Some(list) => {
                for a in list {
                    if a.eq_ignore_ascii_case(address) {
                        push_limited(out, &a, self.expansion_limit, top)?;
                    } else {
                        self.expand_into(&a, depth + 1, top, out)?;
                    }
                }
                Ok(())
            }
        }
    }
}

fn push_limited(
    out: &mut Vec<String>,
    a: &str,
    limit: usize,
    top: &str,
) -> Result<(), ExpandError> {
    if limit > 0 && out.len() >= limit {
        return Err(ExpandError::Size(top.to_string()));
    }
    out.push(a.to_string());
    Ok(())
}

/// Expands every recipient; each result keeps the original address and DSN
/// parameters of the recipient it came from.
pub fn expand_recipients(
    va: &VirtualAlias,
    recipients: Vec<Recipient>,
) -> Result<Vec<Recipient>, ExpandError> {
    if va.maps.is_empty() {
        return Ok(recipients);
    }
    let mut out = Vec::with_capacity(recipients.len());
    for r in recipients {
        for a in va.expand(&r.address)? {
            out.push(Recipient {
                address: a,
                ..r.clone()
            });
        }
    }
    Ok(out)
}

/// Removes duplicate recipients, keeping the first: the same address (ignoring case)
/// for the same original recipient and DSN parameters (captured: `Bob@x` and `bob@x`
/// collapse; `a@x` given directly and `a@x` from an alias both stay). At most `limit`
/// recipients are remembered (duplicate_filter_limit; 0 means no limit), beyond which
/// duplicates pass, as Postfix's been_here table does.
pub fn remove_duplicates(recipients: Vec<Recipient>, limit: usize) -> Vec<Recipient> {
    let mut seen = HashSet::new();
    let mut out = Vec::with_capacity(recipients.len());
    for r in recipients {
        let key = (
            r.address.to_lowercase(),
            r.original.to_lowercase(),
            r.notify.bits(),
            r.dsn_orcpt.clone(),
        );
        if seen.contains(&key) {
            continue;
        }
        if limit == 0 || seen.len() < limit {
            seen.insert(key);
        }
        out.push(r);
    }
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn va(spec: &str) -> VirtualAlias {
        VirtualAlias {
            maps: vec![tables::open(spec, &tables::OpenOptions::default()).unwrap()],
            expansion_limit: 1000,
            recursion_limit: 1000,
            delimiters: "+".into(),
            propagate_extension: true,
            local_domains: vec!["example.test".into()],
        }
    }

    fn rcpt(a: &str) -> Recipient {
        Recipient {
            address: a.into(),
            original: a.into(),
            ..Recipient::default()
        }
    }

    /// The table of the capture in testdata/postfix/README.md.
    const CAPTURE: &str = "inline:{ loop1@example.net=loop2@example.net, \
        loop2@example.net=loop1@example.net, \
        { self@example.net = self@example.net, other@example.net }, \
        { fan@example.net = a@example.net, b@example.net, A@example.net } }";

    #[test]
    fn expansion_as_postfix() {
        let v = va(CAPTURE);
        assert_eq!(
            v.expand("self@example.net").unwrap(),
            vec!["self@example.net", "other@example.net"]
        );
        assert!(matches!(
            v.expand("loop1@example.net"),
            Err(ExpandError::Nesting(_))
        ));
        assert_eq!(
            v.expand("nobody@example.net").unwrap(),
            vec!["nobody@example.net"]
        );
        // Captured: fan@ and a direct a@ give three recipients (a@ twice, b@).
        let out =
            expand_recipients(&v, vec![rcpt("fan@example.net"), rcpt("a@example.net")]).unwrap();
        let out = remove_duplicates(out, 1000);
        let got: Vec<_> = out.iter().map(|r| (&*r.address, &*r.original)).collect();
        assert_eq!(
            got,
            vec![
                ("a@example.net", "fan@example.net"),
                ("b@example.net", "fan@example.net"),
                ("a@example.net", "a@example.net"),
            ]
        );
    }

    #[test]
    fn extension_is_propagated() {
        let v = va("inline:{ u@example.net=v@example.org }");
        assert_eq!(
            v.expand("u+x@example.net").unwrap(),
            vec!["v+x@example.org"]
        );
    }

    #[test]
    fn expansion_limit() {
        let mut v = va("inline:{ { l@example.net = a@x, b@x, c@x } }");
        v.expansion_limit = 2;
        assert!(matches!(
            v.expand("l@example.net"),
            Err(ExpandError::Size(_))
        ));
    }

    #[test]
    fn duplicates_fold_case_and_respect_the_limit() {
        let r = remove_duplicates(vec![rcpt("bob@x"), rcpt("Bob@x"), rcpt("bob@x")], 1000);
        assert_eq!(r.len(), 1);
        let r = remove_duplicates(vec![rcpt("a@x"), rcpt("b@x"), rcpt("b@x")], 1);
        assert_eq!(r.len(), 3);
    }
}
