//! Address classes (Postfix ADDRESS_CLASS_README, `trivial-rewrite/resolve.c`,
//! `global/resolve_local.c`): which of local, virtual alias, virtual mailbox, relay
//! or default a recipient domain belongs to, and the warnings Postfix logs when a
//! domain is listed in two classes.
//!
//! Owns: the order of the class tests and what "local" means (a name in
//! `mydestination`, or an `[address]` literal of `inet_interfaces` or
//! `proxy_interfaces`). Never: picks transports (`resolve`).

use std::fmt;
use std::net::IpAddr;

use crate::{RouteError, RouteSettings};

/// The class of a recipient domain.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Class {
    /// `mydestination`, `inet_interfaces`, `proxy_interfaces`: `local_transport`.
    Local,
    /// `virtual_alias_domains`: every address must be aliased; what is left bounces.
    Alias,
    /// `virtual_mailbox_domains`: `virtual_transport`.
    Virtual,
    /// `relay_domains`: `relay_transport`.
    Relay,
    /// Everything else: `default_transport`.
    Default,
}

impl Class {
    /// Postfix's name for the class, as `postconf`'s address_class docs and the
    /// resolver's flags name them.
    pub fn name(self) -> &'static str {
        match self {
            Class::Local => "local",
            Class::Alias => "alias",
            Class::Virtual => "virtual",
            Class::Relay => "relay",
            Class::Default => "default",
        }
    }

    /// Whether mail of this class is delivered on this host (Postfix
    /// `RESOLVE_CLASS_FINAL`).
    pub fn is_final(self) -> bool {
        matches!(self, Class::Local | Class::Alias | Class::Virtual)
    }
}

/// A configuration mistake the resolver noticed (logged as a `warning:` when
/// `helpful_warnings` is on).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Warning {
    /// `do not list domain example.com in BOTH mydestination and virtual_alias_domains`.
    ListedTwice {
        domain: String,
        first: &'static str,
        second: &'static str,
    },
}

impl fmt::Display for Warning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Warning::ListedTwice {
                domain,
                first,
                second,
            } => write!(
                f,
                "do not list domain {domain} in BOTH {first} and {second}"
            ),
        }
    }
}

fn lookup_error(parameter: &'static str) -> impl Fn(tables::TableError) -> RouteError {
    move |source| RouteError::Lookup { parameter, source }
}

/// Postfix `resolve_local`: whether `domain` is this host. One trailing dot is
/// ignored; `[address]` (or `[IPv6:address]`) is local when it is one of the
/// `inet_interfaces` or `proxy_interfaces` addresses.
pub fn is_local(settings: &RouteSettings, domain: &str) -> Result<bool, RouteError> {
    let domain = domain.strip_suffix('.').unwrap_or(domain);
    if domain.is_empty() || domain.ends_with('.') {
        return Ok(false);
    }
    if settings
        .mydestination
        .matches(domain)
        .map_err(lookup_error("mydestination"))?
    {
        return Ok(true);
    }
    Ok(literal_address(domain).is_some_and(|ip| {
        settings.inet_addresses.contains(&ip) || settings.proxy_addresses.contains(&ip)
    }))
}

/// The address of a domain literal: `[192.0.2.1]` or `[IPv6:2001:db8::1]` (an IPv6
/// address without its `IPv6:` tag is a syntax error, as in Postfix).
pub fn literal_address(domain: &str) -> Option<IpAddr> {
    let inner = domain.strip_prefix('[')?.strip_suffix(']')?;
    match inner.get(..5) {
        Some(p) if p.eq_ignore_ascii_case("ipv6:") => inner[5..]
            .parse::<std::net::Ipv6Addr>()
            .ok()
            .map(IpAddr::V6),
        _ => inner.parse::<std::net::Ipv4Addr>().ok().map(IpAddr::V4),
    }
}

/// The class of a domain that is not local, in Postfix's order: virtual alias,
/// virtual mailbox, relay, default. Warnings for a domain in two of these lists go
/// to `warnings` when `helpful_warnings` is on.
pub fn remote_class(
    settings: &RouteSettings,
    domain: &str,
    warnings: &mut Vec<Warning>,
) -> Result<Class, RouteError> {
    let in_alias = settings
        .virtual_alias_domains
        .matches(domain)
        .map_err(lookup_error("virtual_alias_domains"))?;
    let mut twice = |first: &'static str, second: &'static str| {
        warnings.push(Warning::ListedTwice {
            domain: domain.to_string(),
            first,
            second,
        })
    };
    if in_alias {
        if settings.helpful_warnings {
            if settings
                .virtual_mailbox_domains
                .matches(domain)
                .map_err(lookup_error("virtual_mailbox_domains"))?
            {
                twice("virtual_alias_domains", "virtual_mailbox_domains");
            }
            if settings
                .relay_domains
                .matches(domain)
                .map_err(lookup_error("relay_domains"))?
            {
                twice("virtual_alias_domains", "relay_domains");
            }
        }
        return Ok(Class::Alias);
    }
    if settings
        .virtual_mailbox_domains
        .matches(domain)
        .map_err(lookup_error("virtual_mailbox_domains"))?
    {
        if settings.helpful_warnings
            && settings
                .relay_domains
                .matches(domain)
                .map_err(lookup_error("relay_domains"))?
        {
            twice("virtual_mailbox_domains", "relay_domains");
        }
        return Ok(Class::Virtual);
    }
    if settings
        .relay_domains
        .matches(domain)
        .map_err(lookup_error("relay_domains"))?
    {
        return Ok(Class::Relay);
    }
    Ok(Class::Default)
}

/// The warnings for a local domain that is also listed as a virtual domain.
pub fn local_warnings(
    settings: &RouteSettings,
    domain: &str,
    warnings: &mut Vec<Warning>,
) -> Result<(), RouteError> {
    if !settings.helpful_warnings {
        return Ok(());
    }
    for (list, name) in [
        (&settings.virtual_alias_domains, "virtual_alias_domains"),
        (&settings.virtual_mailbox_domains, "virtual_mailbox_domains"),
    ] {
        if list.matches(domain).map_err(lookup_error(name))? {
            warnings.push(Warning::ListedTwice {
                domain: domain.to_string(),
                first: "mydestination",
                second: name,
            });
        }
    }
    Ok(())
}

/// Postfix `resolve_class`: the class of `domain` without warnings (smtpd uses it
/// for `reject_unlisted_recipient` and friends).
pub fn class_of(settings: &RouteSettings, domain: &str) -> Result<Class, RouteError> {
    if is_local(settings, domain)? {
        return Ok(Class::Local);
    }
    remote_class(settings, domain, &mut Vec::new())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use config::Config;

    fn settings(overrides: &[(&str, &str)]) -> RouteSettings {
        let mut all = vec![
            ("compatibility_level", "3.6"),
            ("myhostname", "host.example.com"),
            ("mydomain", "example.com"),
            ("inet_interfaces", "127.0.0.1, ::1"),
        ];
        all.extend_from_slice(overrides);
        RouteSettings::new(&Config::default().with_overrides(&all), &[]).unwrap()
    }

    #[test]
    fn local_names_and_literals() {
        let s = settings(&[("proxy_interfaces", "198.51.100.9")]);
        assert!(is_local(&s, "host.example.com").unwrap());
        assert!(is_local(&s, "HOST.example.com.").unwrap());
        assert!(is_local(&s, "localhost").unwrap());
        assert!(!is_local(&s, "host.example.com..").unwrap());
        assert!(!is_local(&s, "example.com").unwrap());
        assert!(is_local(&s, "[127.0.0.1]").unwrap());
        assert!(is_local(&s, "[IPv6:::1]").unwrap());
        assert!(is_local(&s, "[198.51.100.9]").unwrap());
        assert!(!is_local(&s, "[192.0.2.1]").unwrap());
        assert!(!is_local(&s, "127.0.0.1").unwrap());
    }

    #[test]
    fn classes_in_postfix_order() {
        let s = settings(&[
            ("virtual_alias_domains", "alias.example"),
            ("virtual_mailbox_domains", "mbox.example"),
            ("relay_domains", "relay.example"),
        ]);
        assert_eq!(class_of(&s, "host.example.com").unwrap(), Class::Local);
        assert_eq!(class_of(&s, "alias.example").unwrap(), Class::Alias);
        assert_eq!(class_of(&s, "mbox.example").unwrap(), Class::Virtual);
        assert_eq!(class_of(&s, "relay.example").unwrap(), Class::Relay);
        // relay_domains is in parent_domain_matches_subdomains by default.
        assert_eq!(class_of(&s, "sub.relay.example").unwrap(), Class::Relay);
        assert_eq!(class_of(&s, "sub.alias.example").unwrap(), Class::Default);
        assert_eq!(class_of(&s, "elsewhere.example").unwrap(), Class::Default);
    }

    #[test]
    fn warns_about_domains_in_two_classes() {
        let s = settings(&[
            ("mydestination", "$myhostname, both.example"),
            ("virtual_alias_domains", "both.example, twice.example"),
            ("virtual_mailbox_domains", "twice.example"),
        ]);
        let mut w = Vec::new();
        local_warnings(&s, "both.example", &mut w).unwrap();
        assert_eq!(
            w[0].to_string(),
            "do not list domain both.example in BOTH mydestination and virtual_alias_domains"
        );
        let mut w = Vec::new();
        assert_eq!(
            remote_class(&s, "twice.example", &mut w).unwrap(),
            Class::Alias
        );
        assert_eq!(
            w[0].to_string(),
            "do not list domain twice.example in BOTH virtual_alias_domains and virtual_mailbox_domains"
        );
        let s = settings(&[
            ("helpful_warnings", "no"),
            ("virtual_alias_domains", "twice.example"),
            ("virtual_mailbox_domains", "twice.example"),
        ]);
        let mut w = Vec::new();
        remote_class(&s, "twice.example", &mut w).unwrap();
        assert!(w.is_empty());
    }

    #[test]
    fn virtual_alias_domains_default_to_the_alias_maps() {
        let s = settings(&[(
            "virtual_alias_maps",
            "inline:{{@va.example=x@y}, va.example=x}",
        )]);
        assert_eq!(class_of(&s, "va.example").unwrap(), Class::Alias);
    }

    #[test]
    fn table_failures_are_lookup_errors() {
        let s = settings(&[("relay_domains", "fail:broken")]);
        let e = class_of(&s, "x.example").unwrap_err();
        assert!(
            matches!(
                e,
                RouteError::Lookup {
                    parameter: "relay_domains",
                    ..
                }
            ),
            "{e}"
        );
    }
}
