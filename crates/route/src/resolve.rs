//! Recipient resolution: trivial-rewrite's "resolve" request (Postfix
//! `trivial-rewrite/resolve.c`, `transport.c`): a recipient in internal form (and
//! its sender) → delivery transport, next hop, the recipient as the agent sees it,
//! its address class and flags.
//!
//! Owns: stripping local domains and the routing operators they uncover
//! (`user%remote@local`, `"user@remote"@local`, `site!user@local`), the address
//! syntax checks, each class's transport and next hop, `relayhost` and the
//! sender-dependent maps, and the `transport_maps` override.
//! Never: canonicalizes the input first (callers pass canonical addresses, as
//! cleanup and smtpd do in Postfix), or logs (warnings come back in `Resolved`).

use std::sync::Arc;

use mail::address::split_at_domain;
use tables::{search, Table};

use crate::class::{self, Class, Warning};
use crate::rewrite::{self, Context};
use crate::settings::Routing;
use crate::tokens::{self, Tok};
use crate::{RouteError, RouteSettings};

/// What the resolver says about one recipient.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resolved {
    /// The master.cf service that delivers (`local`, `smtp`, `error` ...).
    pub transport: String,
    /// Where that transport sends it (`example.com`, `[relay]:587`, an error text).
    pub nexthop: String,
    /// The recipient with local domains and routing operators resolved, always
    /// `user@domain`.
    pub recipient: String,
    pub class: Class,
    pub flags: Flags,
    /// Configuration mistakes noticed on the way (`helpful_warnings`).
    pub warnings: Vec<Warning>,
}

/// Postfix's resolver flags other than the class.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Flags {
    /// The resolved recipient's local part still holds a routing operator (`%`, `!`
    /// or `@`), whether or not this host would act on it (Postfix
    /// `RESOLVE_FLAG_ROUTED`): smtpd refuses to relay such addresses for untrusted
    /// clients (`allow_untrusted_routing = no`), since a host further on may.
    pub routed: bool,
    /// The recipient's domain is malformed (`user@`, `user@1.2.3.4` without
    /// `resolve_numeric_domain`, a bad literal) (Postfix `RESOLVE_FLAG_ERROR`):
    /// smtpd rejects it, qmgr bounces it with "bad address syntax". The class is
    /// then `Default` and transport and next hop are empty, as Postfix answers.
    pub error: bool,
}

/// The value Postfix treats as "no answer" in the sender-dependent maps.
const DUNNO: &str = "DUNNO";

/// Gives up on pathological addresses; each round removes a local domain or a
/// routing operator, so real addresses need a handful.
const MAX_ROUNDS: usize = 100;

/// Resolves `recipient` (internal form) for mail from `sender` (internal form, empty
/// for the null sender). A table failure is an `Err`: the caller defers.
pub fn resolve(
    settings: &RouteSettings,
    sender: &str,
    recipient: &str,
) -> Result<Resolved, RouteError> {
    resolve_with(settings, &settings.routing, sender, recipient)
}

/// As `resolve`, for an address verification probe: the `address_verify_*`
/// transports, relay host and maps apply (Postfix's `verify` request).
pub fn resolve_verify(
    settings: &RouteSettings,
    sender: &str,
    recipient: &str,
) -> Result<Resolved, RouteError> {
    resolve_with(settings, &settings.verify, sender, recipient)
}

fn resolve_with(
    settings: &RouteSettings,
    r: &Routing,
    sender: &str,
    recipient: &str,
) -> Result<Resolved, RouteError> {
    let mut flags = Flags::default();
    let mut warnings = Vec::new();
    let (mut toks, mut remote) = strip_local_domains(settings, recipient)?;

    let mut rcpt = tokens::internalize(&toks);
    let at = rcpt.rfind('@').unwrap_or(rcpt.len());
    let mut domain = rcpt[at + 1..].to_string();
    if domain.starts_with('[') {
        flags.error |= class::literal_address(&domain).is_none();
    } else if !valid_hostname(&domain, settings.smtputf8_enable) {
        if settings.resolve_numeric_domain && domain.parse::<std::net::IpAddr>().is_ok() {
            domain = format!("[{domain}]");
            rcpt = format!("{}@{domain}", &rcpt[..at]);
            if class::is_local(settings, &domain)? {
                remote = false;
            }
        } else {
            flags.error = true;
        }
    }
    toks.clear();
    if flags.error {
        // Postfix answers a malformed domain without a transport.
        return Ok(Resolved {
            transport: String::new(),
            nexthop: String::new(),
            recipient: rcpt,
            class: Class::Default,
            flags,
            warnings,
        });
    }

    let class;
    let mut nexthop = domain.clone();
    let (mut transport, blame) = if remote {
        class = class::remote_class(settings, &domain, &mut warnings)?;
        match class {
            Class::Alias => {
                nexthop = if settings.show_user_unknown_table_name {
                    "5.1.1 User unknown in virtual alias table".to_string()
                } else {
                    "5.1.1 User unknown".to_string()
                };
                ("error".to_string(), "virtual_alias_domains")
            }
            Class::Virtual => (r.virtual_transport.clone(), r.names.virtual_transport),
            Class::Relay | Class::Default => {
                let chosen = if class == Class::Relay {
                    (r.relay_transport.clone(), r.names.relay_transport)
                } else {
                    default_transport(settings, r, sender)?
                };
                nexthop = relayhost(settings, r, sender)?.unwrap_or(domain.clone());
                chosen
            }
            // remote_class never answers Local; treat it as the local class would be.
            Class::Local => (r.local_transport.clone(), r.names.local_transport),
        }
    } else {
        class = Class::Local;
        class::local_warnings(settings, &domain, &mut warnings)?;
        (r.local_transport.clone(), r.names.local_transport)
    };

    // `transport:nexthop` in main.cf: an explicit next hop wins (this is how
    // `local_transport = local:$myhostname` makes all local domains share a queue).
    if let Some((t, h)) = transport.split_once(':') {
        if !h.is_empty() {
            nexthop = h.to_string();
        }
        transport = t.to_string();
    }
    if transport.is_empty() {
        return Err(RouteError::NullTransport { parameter: blame });
    }

    flags.routed = rcpt[..at].contains(['@', '%', '!']);
    // A recipient that could be taken for a command-line option is refused, with
    // its class and transport still reported, as Postfix does.
    flags.error |= rcpt.starts_with('-');

    // transport(5) overrides everything above, except the virtual alias class's
    // bounce.
    if class != Class::Alias && !r.transport_maps.is_empty() {
        let found = search::transport(
            &r.transport_maps,
            &rcpt,
            &settings.extension_rules(),
            settings.transport_maps_parent,
        )
        .and_then(|found| not_empty(found, r.names.transport_maps))
        .map_err(|source| RouteError::Lookup {
            parameter: r.names.transport_maps,
            source,
        })?;
        if let Some(found) = found {
            apply_transport_entry(found.value.trim(), &domain, &mut transport, &mut nexthop);
        }
    }

    Ok(Resolved {
        transport,
        nexthop,
        recipient: rcpt,
        class,
        flags,
        warnings,
    })
}

/// The preliminary resolver: strips every local domain, undoing the routing
/// operators each one uncovers. Returns the tokens of `user@domain` and whether the
/// domain left is remote.
fn strip_local_domains(
    settings: &RouteSettings,
    recipient: &str,
) -> Result<(Vec<Tok>, bool), RouteError> {
    let mut toks = tokens::scan(&tokens::quote_local(recipient));
    let mut saved_domain: Option<Vec<Tok>> = None;
    let mut remote = false;
    for _ in 0..MAX_ROUNDS {
        if tokens::rfind(&toks, '@').is_some() {
            rewrite::strip_trailing_dot(&mut toks);
        }
        if settings.resolve_null_domain && toks.last() == Some(&Tok::Op('@')) {
            toks.pop();
        }
        if let Some(at) = tokens::rfind(&toks, '@') {
            let domain = tokens::internalize(&toks[at + 1..]);
            // An empty domain (`user@`) is stripped like a local one; the bare `@`
            // it leaves as the domain makes the result a syntax error.
            if !domain.is_empty() && !class::is_local(settings, &domain)? {
                remote = true;
                break;
            }
            saved_domain = Some(toks.split_off(at));
        }
        if tokens::rfind(&toks, '@').is_some()
            || (settings.swap_bangpath && tokens::find(&toks, '!').is_some())
            || (settings.allow_percent_hack && tokens::rfind(&toks, '%').is_some())
        {
            rewrite::rewrite_tokens(settings, Context::Local, &mut toks);
            continue;
        }
        // `"user@remote"@local`: look inside the quotes for routing operators
        // (resolve_dequoted_address), so that a quoted local part cannot smuggle a
        // relay past the checks of a host that dequotes.
        if let [Tok::Quoted(q)] = toks.as_slice() {
            if settings.resolve_dequoted_address {
                let oper = q
                    .rfind('@')
                    .or_else(|| q.rfind('%').filter(|_| settings.allow_percent_hack))
                    .or_else(|| q.rfind('!').filter(|_| settings.swap_bangpath));
                if let Some(i) = oper {
                    toks = if q.as_bytes()[i] == b'!' {
                        // `"site!user"`: parsed whole, the next round swaps it.
                        tokens::scan(q)
                    } else {
                        // `"user@domain"`, `"user%domain"`: the part before the
                        // operator stays one quoted word, the rest is a domain.
                        let mut next = Vec::new();
                        if i > 0 {
                            next.push(Tok::Quoted(q[..i].to_string()));
                        }
                        next.push(Tok::Op('@'));
                        next.extend(tokens::scan(&q[i + 1..]));
                        next
                    };
                    continue;
                }
            }
        }
        // An empty local part becomes the local MAILER-DAEMON, as in Postfix's own
        // From: headers.
        if matches!(toks.as_slice(), [] | [Tok::Quoted(_)] if tokens::internalize(&toks).is_empty())
        {
            toks = vec![Tok::Atom("MAILER-DAEMON".to_string())];
        }
        break;
    }
    if !remote {
        match saved_domain {
            Some(d) => toks.extend(d),
            None => {
                toks.push(Tok::Op('@'));
                toks.extend(tokens::scan(&settings.myhostname));
            }
        }
    }
    Ok((toks, remote))
}

/// `default_transport`, or what `sender_dependent_default_transport_maps` says for
/// this sender (`DUNNO` and an empty result keep `default_transport`).
fn default_transport(
    settings: &RouteSettings,
    r: &Routing,
    sender: &str,
) -> Result<(String, &'static str), RouteError> {
    let fallback = (r.default_transport.clone(), r.names.default_transport);
    let parameter = r.names.sender_dependent_default_transport_maps;
    let key = if sender.is_empty() {
        settings
            .empty_address_default_transport_maps_lookup_key
            .as_str()
    } else {
        sender
    };
    match sender_lookup(
        settings,
        &r.sender_dependent_default_transport_maps,
        key,
        parameter,
    )
    .map_err(|source| RouteError::Lookup { parameter, source })?
    {
        Some(v) if !v.eq_ignore_ascii_case(DUNNO) => Ok((v, parameter)),
        _ => Ok(fallback),
    }
}

/// The relay host for the relay and default classes: the sender's entry in
/// `sender_dependent_relayhost_maps`, else `relayhost`; `None` means the recipient
/// domain.
fn relayhost(
    settings: &RouteSettings,
    r: &Routing,
    sender: &str,
) -> Result<Option<String>, RouteError> {
    let key = if sender.is_empty() {
        settings.empty_address_relayhost_maps_lookup_key.as_str()
    } else {
        sender
    };
    let parameter = r.names.sender_dependent_relayhost_maps;
    let found = sender_lookup(settings, &r.sender_dependent_relayhost_maps, key, parameter)
        .map_err(|source| RouteError::Lookup { parameter, source })?;
    Ok(match found {
        Some(v) if !v.eq_ignore_ascii_case(DUNNO) => Some(v),
        _ if !r.relayhost.is_empty() => Some(r.relayhost.clone()),
        _ => None,
    })
}

/// A sender-keyed lookup in the virtual(5) search order (Postfix `mail_addr_find`).
fn sender_lookup(
    settings: &RouteSettings,
    maps: &[Arc<dyn Table>],
    key: &str,
    parameter: &'static str,
) -> Result<Option<String>, tables::TableError> {
    if maps.is_empty() {
        return Ok(None);
    }
    // The bare local part is asked only for a local domain; if that cannot be
    // told, the lookup fails as the domain list did.
    let local = match split_at_domain(key).1 {
        Some(d) => match class::is_local(settings, d) {
            Ok(local) => local,
            Err(RouteError::Lookup { source, .. }) => return Err(source),
            Err(_) => false,
        },
        None => true,
    };
    let found = search::address_mapping(maps, key, &settings.extension_rules(), local)?;
    Ok(not_empty(found, parameter)?.map(|f| f.value.trim().to_string()))
}

/// Postfix `maps_find` refuses an empty result ("lookup of KEY returns an empty
/// string result ... should return NO RESULT in case of NOT FOUND") and fails the
/// lookup, so the mail is deferred.
fn not_empty(
    found: Option<search::Found>,
    parameter: &'static str,
) -> Result<Option<search::Found>, tables::TableError> {
    match found {
        Some(f) if f.value.is_empty() => Err(tables::TableError::Query {
            spec: parameter.to_string(),
            operation: "query",
            reason: format!(
                "lookup of {} returns an empty string result; a table should return no result when a key is not found",
                f.key
            ),
        }),
        other => Ok(other),
    }
}

/// Applies a transport(5) result: `transport:nexthop`, `transport` or
/// `transport:` (next hop reset to the recipient domain, or "Address is
/// undeliverable" for `error` and `retry`), `:nexthop` (transport kept), `:` (both
/// kept).
fn apply_transport_entry(value: &str, domain: &str, transport: &mut String, nexthop: &mut String) {
    let (t, h) = value.split_once(':').unwrap_or((value, ""));
    if t.is_empty() {
        if !h.is_empty() {
            *nexthop = h.to_string();
        }
        return;
    }
    *transport = t.to_string();
    *nexthop = if !h.is_empty() {
        h.to_string()
    } else if t == "error" || t == "retry" {
        "Address is undeliverable".to_string()
    } else {
        domain.to_string()
    };
}

/// Postfix `valid_hostname` (and, with SMTPUTF8, its UTF-8 form): dot-separated
/// labels of letters, digits, `-` and `_`, no label longer than 63 or starting or
/// ending with `-`, at most 255 characters, and not all-numeric.
fn valid_hostname(name: &str, utf8: bool) -> bool {
    if name.is_empty() || name.len() > 255 {
        return false;
    }
    let mut numeric = true;
    for label in name.split('.') {
        if label.is_empty()
            || label.len() > 63
            || label.starts_with('-')
            || label.ends_with('-')
            || !label.chars().all(|c| {
                c.is_ascii_alphanumeric()
                    || c == '-'
                    || c == '_'
                    || (utf8 && !c.is_ascii() && c.is_alphanumeric())
            })
        {
            return false;
        }
        numeric &= label.chars().all(|c| c.is_ascii_digit());
    }
    !numeric
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests;
