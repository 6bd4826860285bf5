//! Envelope address rewriting before virtual aliasing (Postfix `cleanup_envelope.c`,
//! `cleanup_map11.c`, `cleanup_masq.c`): canonical form through route (append
//! `@$myorigin`, `.$mydomain`, bang paths, percent hack), then sender_/recipient_
//! canonical_maps and canonical_maps for their envelope classes, then masquerading.
//!
//! Header addresses are not rewritten yet: `settings.rs` refuses a configuration that
//! asks for the header classes of these maps or of masquerading, so that nothing
//! configured is silently skipped.

use std::sync::Arc;

use mail::address::split_at_domain;
use route::{Context, RouteSettings};
use tables::search::address_mapping;
use tables::{Table, TableError};

/// Most rewrites of one address by the canonical maps before giving up (a loop
/// between entries): Postfix's limit in cleanup_map11.
const MAP11_LIMIT: usize = 100;

#[derive(Debug, Clone, Default)]
pub struct Canonical {
    /// sender_canonical_maps then canonical_maps, each a pass of its own, for
    /// envelope senders (only the maps whose classes include `envelope_sender`).
    pub sender_passes: Vec<Vec<Arc<dyn Table>>>,
    /// recipient_canonical_maps then canonical_maps, for envelope recipients.
    pub recipient_passes: Vec<Vec<Arc<dyn Table>>>,
    /// `canonical` in propagate_unmatched_extensions.
    pub propagate_extension: bool,
    /// masquerade_domains (in order; `!domain` excludes).
    pub masquerade_domains: Vec<String>,
    /// masquerade_exceptions: local parts never masqueraded.
    pub masquerade_exceptions: Vec<String>,
    pub masquerade_sender: bool,
    pub masquerade_recipient: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum CanonicalError {
    #[error("canonical map lookup for {address}: {source}")]
    Table {
        address: String,
        #[source]
        source: TableError,
    },
    #[error("{0}")]
    Route(#[from] route::RouteError),
    #[error("unreasonable canonical mapping loop for {0}")]
    Loop(String),
}

impl Canonical {
    /// The sender as cleanup records it.
    pub fn sender(&self, route: &RouteSettings, address: &str) -> Result<String, CanonicalError> {
        if address.is_empty() {
            return Ok(String::new());
        }
        let mut a = route::rewrite(route, Context::Local, address);
        for maps in &self.sender_passes {
            a = self.map(route, maps, &a)?;
        }
        Ok(if self.masquerade_sender {
            self.masquerade(&a)
        } else {
            a
        })
    }

    /// A recipient as cleanup records it (before virtual alias expansion).
    pub fn recipient(
        &self,
        route: &RouteSettings,
        address: &str,
    ) -> Result<String, CanonicalError> {
        let mut a = route::rewrite(route, Context::Local, address);
        for maps in &self.recipient_passes {
            a = self.map(route, maps, &a)?;
        }
        Ok(if self.masquerade_recipient {
            self.masquerade(&a)
        } else {
            a
        })
    }

    /// One-to-one mapping, repeated until the result stops changing; each result is
    /// brought to canonical form again.
    fn map(
        &self,
        route: &RouteSettings,
        maps: &[Arc<dyn Table>],
        address: &str,
    ) -> Result<String, CanonicalError> {
        if maps.is_empty() {
            return Ok(address.to_string());
        }
        let rules = route.extension_rules();
        let mut current = address.to_string();
        for _ in 0..MAP11_LIMIT {
            let local = match split_at_domain(&current).1 {
                Some(d) => route::class::is_local(route, d)?,
                None => true,
            };
            let found = address_mapping(maps, &current, &rules, local).map_err(|source| {
                CanonicalError::Table {
                    address: current.clone(),
                    source,
                }
            })?;
            let Some(found) = found else {
                return Ok(current);
            };
            let mut next = found.value.trim().to_string();
            if let (Some(ext), true) = (&found.extension, self.propagate_extension) {
                let (l, d) = split_at_domain(&next);
                next = match d {
                    Some(d) => format!("{l}{ext}@{d}"),
                    None => format!("{l}{ext}"),
                };
            }
            let next = route::rewrite(route, Context::Local, &next);
            if next.eq_ignore_ascii_case(&current) {
                return Ok(next);
            }
            current = next;
        }
        Err(CanonicalError::Loop(address.to_string()))
    }

    /// masquerade_domains: `user@host.example.com` → `user@example.com` for the first
    /// listed domain the address's domain is a proper subdomain of; a `!domain` listed
    /// first stops it.
    pub fn masquerade(&self, address: &str) -> String {
        let (local, Some(domain)) = split_at_domain(address) else {
            return address.to_string();
        };
        if self.masquerade_domains.is_empty()
            || self
                .masquerade_exceptions
                .iter()
                .any(|e| e.eq_ignore_ascii_case(local))
        {
            return address.to_string();
        }
        let d = domain.to_ascii_lowercase();
        for m in &self.masquerade_domains {
            let (exclude, m) = match m.strip_prefix('!') {
                Some(m) => (true, m.to_ascii_lowercase()),
                None => (false, m.to_ascii_lowercase()),
            };
            let m = m.trim_start_matches('.');
            let sub = d.len() > m.len() && d.ends_with(m) && d[..d.len() - m.len()].ends_with('.');
            if exclude && (sub || d == m) {
                return address.to_string();
            }
            if !exclude && sub {
                return format!("{local}@{m}");
            }
        }
        address.to_string()
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn route(main_cf: &str) -> RouteSettings {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("main.cf"), main_cf).unwrap();
        let config = config::Config::load(dir.path()).unwrap();
        RouteSettings::new(&config, &[]).unwrap()
    }

    const BASE: &str = "myhostname = mx.example.test\nmydomain = example.test\n\
                        myorigin = $mydomain\nmydestination =\n";

    #[test]
    fn unqualified_sender_gets_myorigin() {
        // Captured: MAIL FROM:<alice> arrived as alice@example.test.
        let r = route(BASE);
        let c = Canonical::default();
        assert_eq!(c.sender(&r, "alice").unwrap(), "alice@example.test");
        assert_eq!(c.sender(&r, "").unwrap(), "");
        assert_eq!(
            c.recipient(&r, "bob@example.net").unwrap(),
            "bob@example.net"
        );
    }

    #[test]
    fn canonical_maps_apply_until_stable() {
        let r = route(BASE);
        let t = tables::open(
            "inline:{a@example.net=b@example.net, b@example.net=c, u@example.org=v@example.org}",
            &tables::OpenOptions::default(),
        )
        .unwrap();
        let c = Canonical {
            recipient_passes: vec![vec![t]],
            propagate_extension: true,
            ..Canonical::default()
        };
        assert_eq!(c.recipient(&r, "a@example.net").unwrap(), "c@example.test");
        let loops = tables::open(
            "inline:{x@example.net=y@example.net, y@example.net=x@example.net}",
            &tables::OpenOptions::default(),
        )
        .unwrap();
        let c = Canonical {
            recipient_passes: vec![vec![loops]],
            ..Canonical::default()
        };
        assert!(matches!(
            c.recipient(&r, "x@example.net"),
            Err(CanonicalError::Loop(_))
        ));
    }

    #[test]
    fn masquerading() {
        let c = Canonical {
            masquerade_domains: vec!["!sub.example.com".into(), "example.com".into()],
            masquerade_exceptions: vec!["root".into()],
            ..Canonical::default()
        };
        assert_eq!(c.masquerade("u@host.example.com"), "u@example.com");
        assert_eq!(c.masquerade("u@example.com"), "u@example.com");
        assert_eq!(c.masquerade("u@a.sub.example.com"), "u@a.sub.example.com");
        assert_eq!(
            c.masquerade("root@host.example.com"),
            "root@host.example.com"
        );
        assert_eq!(c.masquerade("u@notexample.com"), "u@notexample.com");
    }
}
