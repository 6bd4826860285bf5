//! `cidr:` tables (cidr_table(5); Postfix `util/dict_cidr.c`, `util/cidr_match.c`).
//!
//! Owns: `network/mask result`, bare addresses, `[...]` around an address, `!` in
//! front of a pattern, `if`/`endif` nesting, first match wins, and Postfix's warnings
//! for bad lines. An address only ever matches a pattern of its own family: an
//! IPv4-mapped IPv6 key such as `::ffff:1.2.3.4` is an IPv6 address here, as in
//! Postfix, and a negated pattern never matches a key of the other family or a key
//! that is not an address.
//! Never: reads the file again after open.

use std::net::IpAddr;
use std::sync::Arc;

use crate::source::{self, Warning};
use crate::{OpenOptions, Table, TableError};

/// Opens `cidr:name` (a file, or `{ {rule}, {rule} }`).
pub fn open(name: &str, _opts: &OpenOptions) -> Result<Arc<dyn Table>, TableError> {
    let text = source::pattern_source(name, "cidr map")?;
    Ok(Arc::new(CidrTable::parse(name, &text)))
}

/// One network: an address with its host bits clear, and a prefix length.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Network {
    pub addr: IpAddr,
    pub prefix: u8,
}

impl Network {
    /// Whether `addr` is inside this network (never across address families).
    pub fn contains(&self, addr: &IpAddr) -> bool {
        match (self.addr, addr) {
            (IpAddr::V4(net), IpAddr::V4(a)) => {
                mask_bits(u128::from(u32::from(*a)), 32, self.prefix) == u128::from(u32::from(net))
            }
            (IpAddr::V6(net), IpAddr::V6(a)) => {
                mask_bits(u128::from(*a), 128, self.prefix) == u128::from(net)
            }
            _ => false,
        }
    }
}

fn mask_bits(v: u128, width: u8, prefix: u8) -> u128 {
    let host = width.saturating_sub(prefix);
    if host >= 128 {
        0
    } else {
        (v >> host) << host
    }
}

fn addr_bits(a: IpAddr) -> (u128, u8) {
    match a {
        IpAddr::V4(v) => (u128::from(u32::from(v)), 32),
        IpAddr::V6(v) => (u128::from(v), 128),
    }
}

fn from_bits(bits: u128, like: IpAddr) -> IpAddr {
    match like {
        IpAddr::V4(_) => IpAddr::V4(std::net::Ipv4Addr::from(bits as u32)),
        IpAddr::V6(_) => IpAddr::V6(std::net::Ipv6Addr::from(bits)),
    }
}

/// Parses a cidr table pattern (`1.2.3.0/24`, `[::1]`, `[10.0.0.0]/8`), with
/// Postfix's complaint when it is bad.
pub fn parse_network(pattern: &str) -> Result<Network, String> {
    let mut p = pattern;
    if p.len() >= 2 && p.starts_with('[') && p.ends_with(']') {
        p = &p[1..p.len() - 1];
    }
    let (addr_text, mask) = match p.split_once('/') {
        Some((a, m)) => (a, Some(m)),
        None => (p, None),
    };
    let addr_text = addr_text
        .strip_prefix('[')
        .and_then(|a| a.strip_suffix(']'))
        .unwrap_or(addr_text);
    let Some(mask) = mask else {
        let addr: IpAddr = addr_text
            .parse()
            .map_err(|_| format!("bad address pattern: \"{pattern}\""))?;
        let prefix = if addr.is_ipv4() { 32 } else { 128 };
        return Ok(Network { addr, prefix });
    };
    if mask.is_empty() || !mask.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!("bad mask value in \"{pattern}\""));
    }
    let addr: IpAddr = addr_text
        .parse()
        .map_err(|_| format!("bad network value in \"{pattern}\""))?;
    let (bits, width) = addr_bits(addr);
    let prefix = match mask.parse::<u8>() {
        Ok(n) if n <= width => n,
        _ => return Err(format!("bad mask length in \"{pattern}\"")),
    };
    let net = mask_bits(bits, width, prefix);
    if net != bits {
        return Err(format!(
            "non-null host address bits in \"{pattern}\", perhaps you should use \"{}/{prefix}\" instead",
            from_bits(net, addr)
        ));
    }
    Ok(Network { addr, prefix })
}

#[derive(Debug)]
enum Rule {
    Match {
        net: Network,
        negated: bool,
        result: String,
    },
    /// When the test fails, go on at rule `end` (the one after the `endif`).
    If {
        net: Network,
        negated: bool,
        end: usize,
    },
}

fn test(net: &Network, negated: bool, key: Option<&IpAddr>) -> bool {
    match key {
        Some(k) if net.addr.is_ipv4() == k.is_ipv4() => net.contains(k) != negated,
        _ => false,
    }
}

/// An open `cidr:` table.
#[derive(Debug)]
pub struct CidrTable {
    spec: String,
    rules: Vec<Rule>,
    warnings: Vec<Warning>,
}

impl CidrTable {
    /// Compiles the table source `text`; `name` is what warnings call the table.
    pub fn parse(name: &str, text: &str) -> CidrTable {
        let prefix = format!("cidr map {name}");
        let mut warnings = Vec::new();
        let mut rules = Vec::new();
        let mut open_ifs: Vec<(usize, usize)> = Vec::new();
        for item in source::lines_in_order(name, text) {
            let l = match item {
                Ok(l) => l,
                Err(w) => {
                    warnings.push(w);
                    continue;
                }
            };
            let mut warn =
                |m: String| warnings.push(Warning(format!("{prefix}, line {}: {m}", l.first_line)));
            let text = l.text.trim_end();
            let word_len = text
                .find(|c: char| !c.is_ascii_alphabetic())
                .unwrap_or(text.len());
            let (word, rest) = text.split_at(word_len);
            let is_if = word.eq_ignore_ascii_case("if")
                && rest
                    .chars()
                    .next()
                    .is_none_or(|c| c.is_whitespace() || c == '!');
            if word.eq_ignore_ascii_case("endif")
                && rest.chars().next().is_none_or(char::is_whitespace)
            {
                if !rest.trim().is_empty() {
                    warn("garbage after ENDIF: skipping this rule".into());
                    continue;
                }
                match open_ifs.pop() {
                    Some((at, _)) => {
                        let end = rules.len();
                        if let Some(Rule::If { end: e, .. }) = rules.get_mut(at) {
                            *e = end;
                        }
                    }
                    None => warn("ENDIF without IF: skipping this rule".into()),
                }
                continue;
            }
            let body = if is_if { rest.trim() } else { text };
            let (negated, body) = match body.strip_prefix('!') {
                Some(b) => (true, b.trim_start()),
                None => (false, body),
            };
            let (pattern, result) = if is_if {
                (body, "")
            } else {
                match body.find(char::is_whitespace) {
                    Some(i) => (&body[..i], body[i..].trim()),
                    None => (body, ""),
                }
            };
            if pattern.is_empty() {
                warn("no address pattern: skipping this rule".into());
                continue;
            }
            if !is_if && result.is_empty() {
                warn("no lookup result: skipping this rule".into());
                continue;
            }
            let net = match parse_network(pattern) {
                Ok(n) => n,
                Err(m) => {
                    warn(format!("{m}: skipping this rule"));
                    continue;
                }
            };
            if is_if {
                open_ifs.push((rules.len(), l.first_line));
                rules.push(Rule::If {
                    net,
                    negated,
                    end: usize::MAX,
                });
            } else {
                rules.push(Rule::Match {
                    net,
                    negated,
                    result: result.to_string(),
                });
            }
        }
        while let Some((at, line)) = open_ifs.pop() {
            warnings.push(Warning(format!(
                "{prefix}, line {line}: IF has no matching ENDIF"
            )));
            let end = rules.len();
            if let Some(Rule::If { end: e, .. }) = rules.get_mut(at) {
                *e = end;
            }
        }
        CidrTable {
            spec: format!("cidr:{name}"),
            rules,
            warnings,
        }
    }
}

impl Table for CidrTable {
    fn lookup(&self, key: &str) -> Result<Option<String>, TableError> {
        let addr: Option<IpAddr> = key.parse().ok();
        let mut i = 0;
        while let Some(rule) = self.rules.get(i) {
            match rule {
                Rule::If { net, negated, end } => {
                    if !test(net, *negated, addr.as_ref()) {
                        i = *end;
                        continue;
                    }
                }
                Rule::Match {
                    net,
                    negated,
                    result,
                } => {
                    if test(net, *negated, addr.as_ref()) {
                        return Ok(Some(result.clone()));
                    }
                }
            }
            i += 1;
        }
        Ok(None)
    }

    fn spec(&self) -> &str {
        &self.spec
    }

    fn warnings(&self) -> &[Warning] {
        &self.warnings
    }

    fn is_pattern(&self) -> bool {
        true
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn q(t: &CidrTable, k: &str) -> Option<String> {
        t.lookup(k).unwrap()
    }

    const C1: &str =
        "192.168.1.0/24 net\n10.0.0.1 host\n10.0.0.1/8 nonnull\n::ffff:1.2.3.4 mapped\n\
2001:db8::/32 v6\n!172.16.0.0/12 notpriv\nif 127.0.0.0/8\n127.0.0.1 lo\nendif\n1.2.3.4/33 bad\n\
300.1.1.1 bad2\n[fe80::1] brack\n1.2.3.0/24\n  continued\nfoo bar\n0.0.0.0/0 any\n";

    #[test]
    fn answers_as_postfix() {
        let t = CidrTable::parse("/c", C1);
        for (k, v) in [
            ("192.168.1.5", Some("net")),
            ("10.0.0.1", Some("host")),
            ("10.1.1.1", Some("notpriv")),
            ("::ffff:1.2.3.4", Some("mapped")),
            ("2001:DB8::1", Some("v6")),
            ("172.16.0.1", Some("any")),
            ("fe80::1", Some("brack")),
            ("junk", None),
            ("::ffff:192.168.1.5", None),
            ("[fe80::1]", None),
            ("01.2.3.4", None),
        ] {
            assert_eq!(q(&t, k).as_deref(), v, "key {k}");
        }
        let w: Vec<_> = t.warnings().iter().map(|w| w.0.as_str()).collect();
        assert_eq!(w, [
            "cidr map /c, line 3: non-null host address bits in \"10.0.0.1/8\", perhaps you should use \"10.0.0.0/8\" instead: skipping this rule",
            "cidr map /c, line 10: bad mask length in \"1.2.3.4/33\": skipping this rule",
            "cidr map /c, line 11: bad address pattern: \"300.1.1.1\": skipping this rule",
            "cidr map /c, line 15: bad address pattern: \"foo\": skipping this rule",
        ]);
    }

    #[test]
    fn if_endif_and_bad_lines() {
        let text = "1.2.3.4\nif 10.0.0.0/8 extra\n10.1.0.0/16 ten\nendif junk\nendif\nif !192.168.0.0/16\n\
1.0.0.0/8 one\nendif\nif\n2.0.0.0/8 two\nendif\n1.2.3.4/ slash\n/8 x\nfe80::1/64 g\nIF 5.0.0.0/8\n";
        let t = CidrTable::parse("/c", text);
        assert_eq!(q(&t, "10.1.1.1").as_deref(), Some("ten"));
        assert_eq!(q(&t, "1.1.1.1").as_deref(), Some("one"));
        assert_eq!(q(&t, "2.1.1.1").as_deref(), Some("two"));
        let w: Vec<_> = t.warnings().iter().map(|w| w.0.as_str()).collect();
        assert_eq!(w, [
            "cidr map /c, line 1: no lookup result: skipping this rule",
            "cidr map /c, line 2: bad mask value in \"10.0.0.0/8 extra\": skipping this rule",
            "cidr map /c, line 4: garbage after ENDIF: skipping this rule",
            "cidr map /c, line 5: ENDIF without IF: skipping this rule",
            "cidr map /c, line 9: no address pattern: skipping this rule",
            "cidr map /c, line 11: ENDIF without IF: skipping this rule",
            "cidr map /c, line 12: bad mask value in \"1.2.3.4/\": skipping this rule",
            "cidr map /c, line 13: bad network value in \"/8\": skipping this rule",
            "cidr map /c, line 14: non-null host address bits in \"fe80::1/64\", perhaps you should use \"fe80::/64\" instead: skipping this rule",
            "cidr map /c, line 15: IF has no matching ENDIF",
        ]);
    }

    mod props {
        use super::*;
        use proptest::prelude::*;

        proptest! {
            #[test]
            fn no_input_panics(text in "[0-9a-f:./\\[\\]! ifend\\n]{0,200}", key in "[0-9a-f:.]{0,40}") {
                let t = CidrTable::parse("/p", &text);
                let _ = t.lookup(&key);
            }
        }
    }
}
