//! `RouteSettings`: the parameters trivial-rewrite reads, parsed once from a
//! `Config`, with every table and domain list opened once. Immutable: a reload
//! builds a new snapshot.
//!
//! Owns: reading and checking the rewrite/resolve parameters, opening their tables,
//! turning `inet_interfaces` / `proxy_interfaces` into addresses.
//! Never: enumerates the host's network interfaces itself (`inet_interfaces = all`
//! needs them; the caller passes them in), or looks anything up per address.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, ToSocketAddrs};
use std::sync::Arc;

use config::Config;
use mail::address::ExtensionRules;
use tables::{OpenOptions, Table};

use crate::domains::{DomainList, Style};
use crate::surrogate;
use crate::RouteError;

/// The trivial-rewrite parameters in force.
#[derive(Debug)]
pub struct RouteSettings {
    pub myhostname: String,
    pub mydomain: String,
    pub myorigin: String,
    pub append_at_myorigin: bool,
    pub append_dot_mydomain: bool,
    pub swap_bangpath: bool,
    pub allow_percent_hack: bool,
    pub resolve_dequoted_address: bool,
    pub resolve_null_domain: bool,
    pub resolve_numeric_domain: bool,
    pub smtputf8_enable: bool,
    pub helpful_warnings: bool,
    pub show_user_unknown_table_name: bool,
    pub remote_header_rewrite_domain: String,
    pub mydestination: DomainList,
    pub relay_domains: DomainList,
    pub virtual_alias_domains: DomainList,
    pub virtual_mailbox_domains: DomainList,
    /// The addresses of `inet_interfaces` (resolved; `all` is the host's addresses).
    pub inet_addresses: Vec<IpAddr>,
    /// The addresses of `proxy_interfaces`.
    pub proxy_addresses: Vec<IpAddr>,
    /// Transports, relay host and maps for delivery.
    pub routing: Routing,
    /// The same for address verification probes (`address_verify_*`, which default
    /// to the delivery settings).
    pub verify: Routing,
    /// `transport_maps` is in `parent_domain_matches_subdomains`.
    pub transport_maps_parent: bool,
    pub empty_address_relayhost_maps_lookup_key: String,
    pub empty_address_default_transport_maps_lookup_key: String,
    pub recipient_delimiter: String,
    pub owner_request_special: bool,
    pub double_bounce_sender: String,
    /// Problems found while opening tables (`hash:/x is unavailable. ...`): the
    /// caller logs them as warnings; lookups that reach such a table fail.
    pub warnings: Vec<String>,
}

impl RouteSettings {
    /// Reads the parameters from `cfg`. `host_addresses` are the host's interface
    /// addresses, used when `inet_interfaces = all` (Postfix asks the kernel; facteur's
    /// caller does, so that this crate stays free of system calls).
    pub fn new(cfg: &Config, host_addresses: &[IpAddr]) -> Result<RouteSettings, RouteError> {
        let opts = OpenOptions::default();
        let parents = list(cfg, "parent_domain_matches_subdomains")?;
        let parent = |name: &str| parents.iter().any(|p| p == name);
        let mut warnings = Vec::new();
        let mut domains = |name: &'static str, style: Style| -> Result<DomainList, RouteError> {
            // Postfix asks a list's tables with the name in lower case and does not
            // fold the tables' own keys (an `inline:{Mixed.Example=x}` never matches).
            let list_opts = OpenOptions { fold_case: false };
            DomainList::new(name, &list(cfg, name)?, style, &list_opts, &mut warnings)
        };
        let (v4, v6) = protocols(&text(cfg, "inet_protocols")?)?;
        let mydestination = domains("mydestination", Style::String)?;
        let relay_domains = domains(
            "relay_domains",
            Style::Domain {
                parent: parent("relay_domains"),
            },
        )?;
        let virtual_alias_domains = domains("virtual_alias_domains", Style::String)?;
        let virtual_mailbox_domains = domains("virtual_mailbox_domains", Style::String)?;
        let routing = Routing::new(cfg, &REGULAR, &opts, &mut warnings)?;
        let verify = Routing::new(cfg, &VERIFY, &opts, &mut warnings)?;
        // The verify maps default to the delivery maps: one warning per table.
        let mut seen = std::collections::HashSet::new();
        warnings.retain(|w| seen.insert(w.clone()));
        Ok(RouteSettings {
            myhostname: text(cfg, "myhostname")?,
            mydomain: text(cfg, "mydomain")?,
            myorigin: text(cfg, "myorigin")?,
            append_at_myorigin: boolean(cfg, "append_at_myorigin")?,
            append_dot_mydomain: boolean(cfg, "append_dot_mydomain")?,
            swap_bangpath: boolean(cfg, "swap_bangpath")?,
            allow_percent_hack: boolean(cfg, "allow_percent_hack")?,
            resolve_dequoted_address: boolean(cfg, "resolve_dequoted_address")?,
            resolve_null_domain: boolean(cfg, "resolve_null_domain")?,
            resolve_numeric_domain: boolean(cfg, "resolve_numeric_domain")?,
            smtputf8_enable: boolean(cfg, "smtputf8_enable")?,
            helpful_warnings: boolean(cfg, "helpful_warnings")?,
            show_user_unknown_table_name: boolean(cfg, "show_user_unknown_table_name")?,
            remote_header_rewrite_domain: text(cfg, "remote_header_rewrite_domain")?,
            // Postfix matches mydestination and the virtual domain lists as strings
            // (exact names or table keys), relay_domains as a domain list.
            mydestination,
            relay_domains,
            virtual_alias_domains,
            virtual_mailbox_domains,
            inet_addresses: interfaces(cfg, "inet_interfaces", host_addresses, v4, v6)?,
            proxy_addresses: interfaces(cfg, "proxy_interfaces", &[], v4, v6)?,
            routing,
            verify,
            transport_maps_parent: parent("transport_maps"),
            empty_address_relayhost_maps_lookup_key: text(
                cfg,
                "empty_address_relayhost_maps_lookup_key",
            )?,
            empty_address_default_transport_maps_lookup_key: text(
                cfg,
                "empty_address_default_transport_maps_lookup_key",
            )?,
            recipient_delimiter: text(cfg, "recipient_delimiter")?,
            owner_request_special: boolean(cfg, "owner_request_special")?,
            double_bounce_sender: text(cfg, "double_bounce_sender")?,
            warnings,
        })
    }

    /// How address extensions are split for table searches.
    pub fn extension_rules(&self) -> ExtensionRules<'_> {
        ExtensionRules {
            delimiters: &self.recipient_delimiter,
            owner_request_special: self.owner_request_special,
            double_bounce_sender: &self.double_bounce_sender,
        }
    }
}

/// The parameters that choose transports and next hops, for delivery or for
/// address verification.
#[derive(Debug)]
pub struct Routing {
    /// Which parameters these values came from (for errors and warnings).
    pub names: &'static RoutingNames,
    pub local_transport: String,
    pub virtual_transport: String,
    pub relay_transport: String,
    pub default_transport: String,
    pub relayhost: String,
    pub transport_maps: Vec<Arc<dyn Table>>,
    pub sender_dependent_relayhost_maps: Vec<Arc<dyn Table>>,
    pub sender_dependent_default_transport_maps: Vec<Arc<dyn Table>>,
}

/// The parameter names of one `Routing`.
#[derive(Debug)]
pub struct RoutingNames {
    pub local_transport: &'static str,
    pub virtual_transport: &'static str,
    pub relay_transport: &'static str,
    pub default_transport: &'static str,
    pub relayhost: &'static str,
    pub transport_maps: &'static str,
    pub sender_dependent_relayhost_maps: &'static str,
    pub sender_dependent_default_transport_maps: &'static str,
}

/// Delivery (trivial-rewrite's `resolve` request).
pub static REGULAR: RoutingNames = RoutingNames {
    local_transport: "local_transport",
    virtual_transport: "virtual_transport",
    relay_transport: "relay_transport",
    default_transport: "default_transport",
    relayhost: "relayhost",
    transport_maps: "transport_maps",
    sender_dependent_relayhost_maps: "sender_dependent_relayhost_maps",
    sender_dependent_default_transport_maps: "sender_dependent_default_transport_maps",
};

/// Address verification probes (trivial-rewrite's `verify` request).
pub static VERIFY: RoutingNames = RoutingNames {
    local_transport: "address_verify_local_transport",
    virtual_transport: "address_verify_virtual_transport",
    relay_transport: "address_verify_relay_transport",
    default_transport: "address_verify_default_transport",
    relayhost: "address_verify_relayhost",
    transport_maps: "address_verify_transport_maps",
    sender_dependent_relayhost_maps: "address_verify_sender_dependent_relayhost_maps",
    sender_dependent_default_transport_maps:
        "address_verify_sender_dependent_default_transport_maps",
};

impl Routing {
    fn new(
        cfg: &Config,
        names: &'static RoutingNames,
        opts: &OpenOptions,
        warnings: &mut Vec<String>,
    ) -> Result<Routing, RouteError> {
        Ok(Routing {
            names,
            local_transport: transport(cfg, names.local_transport)?,
            virtual_transport: transport(cfg, names.virtual_transport)?,
            relay_transport: transport(cfg, names.relay_transport)?,
            default_transport: transport(cfg, names.default_transport)?,
            relayhost: text(cfg, names.relayhost)?,
            transport_maps: maps(cfg, names.transport_maps, opts, warnings)?,
            sender_dependent_relayhost_maps: maps(
                cfg,
                names.sender_dependent_relayhost_maps,
                opts,
                warnings,
            )?,
            sender_dependent_default_transport_maps: maps(
                cfg,
                names.sender_dependent_default_transport_maps,
                opts,
                warnings,
            )?,
        })
    }
}

fn text(cfg: &Config, parameter: &'static str) -> Result<String, RouteError> {
    cfg.get(parameter)
        .map(|v| v.trim().to_string())
        .map_err(|source| RouteError::Config {
            parameter,
            source: Box::new(source),
        })
}

/// A `transport[:nexthop]` parameter; empty is refused at start, as Postfix does
/// (`fatal: bad string length 0 < 1: default_transport = `).
fn transport(cfg: &Config, parameter: &'static str) -> Result<String, RouteError> {
    let value = text(cfg, parameter)?;
    if value.is_empty() {
        return Err(RouteError::Setting {
            parameter,
            message: format!("bad string length 0 < 1: {parameter} = "),
        });
    }
    Ok(value)
}

fn boolean(cfg: &Config, parameter: &'static str) -> Result<bool, RouteError> {
    cfg.get_bool(parameter)
        .map_err(|source| RouteError::Config {
            parameter,
            source: Box::new(source),
        })
}

fn list(cfg: &Config, parameter: &'static str) -> Result<Vec<String>, RouteError> {
    cfg.get(parameter)
        .map(|v| split_list(&v))
        .map_err(|source| RouteError::Config {
            parameter,
            source: Box::new(source),
        })
}

/// Splits a list value as Postfix does for table and domain lists (`mystrtokq` with
/// `{}`, then `extpar`); the one implementation lives in `config::value`.
pub use config::value::split_list;

/// The tables of a table-list parameter; one that cannot be opened is replaced by
/// a stand-in that fails every lookup (see `surrogate`).
fn maps(
    cfg: &Config,
    parameter: &'static str,
    opts: &OpenOptions,
    warnings: &mut Vec<String>,
) -> Result<Vec<Arc<dyn Table>>, RouteError> {
    Ok(list(cfg, parameter)?
        .iter()
        .map(|spec| surrogate::open(spec, opts, warnings))
        .collect())
}

/// `inet_protocols`: which of IPv4 and IPv6 are in use.
fn protocols(value: &str) -> Result<(bool, bool), RouteError> {
    let (mut v4, mut v6) = (false, false);
    for p in split_list(value) {
        match p.to_ascii_lowercase().as_str() {
            "all" => (v4, v6) = (true, true),
            "ipv4" => v4 = true,
            "ipv6" => v6 = true,
            _ => {
                return Err(RouteError::Setting {
                    parameter: "inet_protocols",
                    message: format!("unknown protocol: \"{p}\""),
                })
            }
        }
    }
    Ok((v4, v6))
}

/// The addresses named by `inet_interfaces` or `proxy_interfaces`: `all`,
/// `loopback-only`, address literals (`[::1]` too) and host names (resolved now, as
/// Postfix does at start).
fn interfaces(
    cfg: &Config,
    parameter: &'static str,
    host_addresses: &[IpAddr],
    v4: bool,
    v6: bool,
) -> Result<Vec<IpAddr>, RouteError> {
    let mut out: Vec<IpAddr> = Vec::new();
    for item in list(cfg, parameter)? {
        let lower = item.to_ascii_lowercase();
        let found: Vec<IpAddr> = match lower.as_str() {
            "all" if parameter == "inet_interfaces" => host_addresses.to_vec(),
            "loopback-only" if parameter == "inet_interfaces" => {
                vec![Ipv4Addr::LOCALHOST.into(), Ipv6Addr::LOCALHOST.into()]
            }
            _ => {
                let bare = lower
                    .strip_prefix('[')
                    .and_then(|s| s.strip_suffix(']'))
                    .unwrap_or(&lower);
                match bare.parse::<IpAddr>() {
                    Ok(ip) => vec![ip],
                    Err(_) => (bare, 0)
                        .to_socket_addrs()
                        .map_err(|e| RouteError::Setting {
                            parameter,
                            message: format!("host not found: {item}: {e}"),
                        })?
                        .map(|sa| sa.ip())
                        .collect(),
                }
            }
        };
        for ip in found {
            if ((ip.is_ipv4() && v4) || (ip.is_ipv6() && v6)) && !out.contains(&ip) {
                out.push(ip);
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn defaults_build() {
        let cfg = Config::default().with_overrides(&[
            ("compatibility_level", "3.6"),
            ("myhostname", "mx.example.com"),
        ]);
        let s = RouteSettings::new(&cfg, &["192.0.2.1".parse().unwrap()]).unwrap();
        assert_eq!(s.myorigin, "mx.example.com");
        assert_eq!(s.routing.local_transport, "local:mx.example.com");
        assert_eq!(s.routing.default_transport, "smtp");
        assert_eq!(s.verify.local_transport, "local:mx.example.com");
        assert!(!s.append_dot_mydomain);
        assert!(s.routing.transport_maps.is_empty());
        assert_eq!(
            s.inet_addresses,
            vec!["192.0.2.1".parse::<IpAddr>().unwrap()]
        );
    }

    #[test]
    fn bad_values_name_the_parameter() {
        let cfg = Config::default().with_overrides(&[("swap_bangpath", "maybe")]);
        let e = RouteSettings::new(&cfg, &[]).unwrap_err();
        assert!(
            matches!(
                e,
                RouteError::Config {
                    parameter: "swap_bangpath",
                    ..
                }
            ),
            "{e:?}"
        );
        // As Postfix: a table that cannot be opened is a warning, and lookups in it fail.
        let cfg = Config::default().with_overrides(&[("transport_maps", "nosuch:/x")]);
        let s = RouteSettings::new(&cfg, &[]).unwrap();
        assert_eq!(
            s.warnings,
            ["nosuch:/x is unavailable. unsupported dictionary type: nosuch"]
        );
        assert!(s.routing.transport_maps[0].lookup("x").is_err());
        let cfg = Config::default().with_overrides(&[("default_transport", "")]);
        let e = RouteSettings::new(&cfg, &[]).unwrap_err();
        assert_eq!(
            e.to_string(),
            "parameter default_transport: bad string length 0 < 1: default_transport = "
        );
        let cfg = Config::default().with_overrides(&[("inet_protocols", "ipv5")]);
        let e = RouteSettings::new(&cfg, &[]).unwrap_err();
        assert_eq!(
            e.to_string(),
            "parameter inet_protocols: unknown protocol: \"ipv5\""
        );
    }

    #[test]
    fn lists_group_braces_anywhere() {
        assert_eq!(
            split_list("hash:/a, inline:{a=b, c=d} { inline:{x=y} },b"),
            ["hash:/a", "inline:{a=b, c=d}", "inline:{x=y}", "b"]
        );
        assert_eq!(split_list(" , "), Vec::<String>::new());
    }

    #[test]
    fn interfaces_follow_protocols() {
        let cfg = Config::default().with_overrides(&[
            ("inet_interfaces", "loopback-only, [2001:db8::1]"),
            ("inet_protocols", "ipv4"),
            ("proxy_interfaces", "198.51.100.7"),
        ]);
        let s = RouteSettings::new(&cfg, &[]).unwrap();
        assert_eq!(s.inet_addresses, vec![IpAddr::from(Ipv4Addr::LOCALHOST)]);
        assert_eq!(
            s.proxy_addresses,
            vec!["198.51.100.7".parse::<IpAddr>().unwrap()]
        );
    }
}
