//! Host-dependent defaults: what Postfix computes at run time instead of a fixed text
//! (Postfix `global/mail_params.c` check_myhostname / check_mydomainname,
//! `global/mynetworks.c`, `util/inet_addr_local.c`).
//!
//! Reads the host (hostname, interface addresses) but never the process environment or
//! main.cf: a value set in main.cf (myhostname, mydomain ...) changes what depends on
//! it, so the settings layer uses the pure `*_from` functions with its own values.

use std::fmt::Write as _;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// Postfix's fallback domain (`DEF_MYDOMAIN`).
const LOCALDOMAIN: &str = "localdomain";

/// Parameters whose registered default deliberately differs from the text Postfix's
/// `postconf -d` prints (the reason beside each). The registry holds facteur's text;
/// differential tests against Postfix skip these names.
pub const DIFFERS_FROM_POSTFIX: &[&str] = &[
    // facteur reads /etc/facteur, so it can be installed beside Postfix; an existing
    // Postfix configuration is used with `facteur -c /etc/postfix` (DESIGN.md).
    "config_directory",
    // Postfix's build-time /etc/postfix (where postfix-files lives): facteur's own.
    "meta_directory",
    // facteur's queue files are its own format (DESIGN.md "The queue"): never share
    // Postfix's queue.
    "queue_directory",
    // facteur's caches, locks and TLS session state, apart from Postfix's.
    "data_directory",
    // DESIGN.md: log lines read `facteur/smtpd[pid]` unless syslog_name = postfix.
    "syslog_name",
    // facteur's version (Cargo's), not Postfix's.
    "mail_version",
];

/// The names registered as `Default::Host`, whose default `host_default` computes.
pub const HOST_DEPENDENT: &[&str] = &[
    "mydomain",
    "myhostname",
    "mynetworks",
    "process_id",
    "process_name",
];

/// The default of a parameter registered as `Default::Host`, computed from this host and
/// process with every other parameter at its default (the settings layer uses the
/// `*_from` / `mynetworks_for` functions when main.cf sets mydomain, myhostname or
/// mynetworks_style). `None` for any other name: its default is `Default::Text`.
pub fn host_default(name: &str) -> Option<String> {
    let value = match name {
        "myhostname" => myhostname_from(&hostname(), None),
        "mydomain" => mydomain_from(&myhostname_from(&hostname(), None)),
        "mynetworks" => mynetworks_subnet(&interface_addresses()),
        "process_id" => std::process::id().to_string(),
        "process_name" => process_name(),
        _ => return None,
    };
    Some(value)
}

/// myhostname: the host name when it is fully qualified, else the host name plus
/// `.$mydomain` (main.cf's mydomain if given, else "localdomain").
pub fn myhostname_from(hostname: &str, mydomain: Option<&str>) -> String {
    if hostname.contains('.') {
        hostname.to_owned()
    } else {
        format!("{hostname}.{}", mydomain.unwrap_or(LOCALDOMAIN))
    }
}

/// mydomain: myhostname minus its first label (`mail.example.com` → `example.com`;
/// Postfix too makes `example.com` → `com`), or "localdomain" when it has no dot.
pub fn mydomain_from(myhostname: &str) -> String {
    match myhostname.split_once('.') {
        Some((_, rest)) if !rest.is_empty() => rest.to_owned(),
        _ => LOCALDOMAIN.to_owned(),
    }
}

/// How mynetworks is derived from the interface addresses (`mynetworks_style`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NetworksStyle {
    /// Each address alone (/32, /128).
    Host,
    /// Each address's subnet, from its prefix length.
    Subnet,
    /// IPv4: the address's class A, B or C network; IPv6: as Subnet.
    Class,
}

impl NetworksStyle {
    /// `host`, `subnet` or `class` (any case), as main.cf spells them.
    pub fn parse(s: &str) -> Option<Self> {
        match s.to_ascii_lowercase().as_str() {
            "host" => Some(Self::Host),
            "subnet" => Some(Self::Subnet),
            "class" => Some(Self::Class),
            _ => None,
        }
    }
}

/// mynetworks for `mynetworks_style = subnet` (the default at compatibility_level 0).
pub fn mynetworks_subnet(addrs: &[(IpAddr, u8)]) -> String {
    mynetworks_for(NetworksStyle::Subnet, addrs)
}

/// mynetworks as Postfix derives it: each interface address reduced per `style`, IPv4
/// before IPv6, ascending, without duplicates, IPv6 in brackets.
pub fn mynetworks_for(style: NetworksStyle, addrs: &[(IpAddr, u8)]) -> String {
    let mut nets: Vec<(IpAddr, u8)> = addrs
        .iter()
        .map(|&(a, len)| {
            let len = match (style, a) {
                (NetworksStyle::Host, IpAddr::V4(_)) => 32,
                (NetworksStyle::Host, IpAddr::V6(_)) => 128,
                (NetworksStyle::Class, IpAddr::V4(v4)) => match v4.octets()[0] {
                    0..=127 => 8,
                    128..=191 => 16,
                    192..=223 => 24,
                    // Class D and E: the address alone.
                    _ => 32,
                },
                _ => len,
            };
            (mask(a, len), len)
        })
        .collect();
    // IpAddr orders V4 before V6, then by address: Postfix's inet_addr_list_uniq order.
    nets.sort();
    nets.dedup();
    let mut out = String::new();
    for (net, len) in nets {
        if !out.is_empty() {
            out.push(' ');
        }
        let _ = match net {
            IpAddr::V4(a) => write!(out, "{a}/{len}"),
            IpAddr::V6(a) => write!(out, "[{a}]/{len}"),
        };
    }
    out
}

fn mask(addr: IpAddr, len: u8) -> IpAddr {
    match addr {
        IpAddr::V4(a) => {
            let m = u32::MAX
                .checked_shl(32 - u32::from(len.min(32)))
                .unwrap_or(0);
            IpAddr::V4(Ipv4Addr::from(u32::from(a) & m))
        }
        IpAddr::V6(a) => {
            let m = u128::MAX
                .checked_shl(128 - u32::from(len.min(128)))
                .unwrap_or(0);
            IpAddr::V6(Ipv6Addr::from(u128::from(a) & m))
        }
    }
}

/// The kernel's host name (what gethostname(2) returns).
fn hostname() -> String {
    rustix::system::uname()
        .nodename()
        .to_string_lossy()
        .into_owned()
}

fn process_name() -> String {
    std::env::args_os()
        .next()
        .and_then(|a| {
            std::path::Path::new(&a)
                .file_name()
                .map(|f| f.to_string_lossy().into_owned())
        })
        .unwrap_or_else(|| "facteur".into())
}

/// Every address configured on an interface, with its prefix length. IPv4 from the
/// kernel over rtnetlink, IPv6 from /proc/net/if_inet6 (as Postfix reads it on Linux).
pub fn interface_addresses() -> Vec<(IpAddr, u8)> {
    let mut out = netlink::ipv4_addresses().unwrap_or_default();
    if let Ok(text) = std::fs::read_to_string("/proc/net/if_inet6") {
        out.extend(parse_if_inet6(&text));
    }
    out
}

/// Lines of `/proc/net/if_inet6`: 32 hex digits of address, index, prefix length (hex),
/// scope, flags, name.
fn parse_if_inet6(text: &str) -> impl Iterator<Item = (IpAddr, u8)> + '_ {
    text.lines().filter_map(|line| {
        let mut f = line.split_whitespace();
        let addr = u128::from_str_radix(f.next()?, 16).ok()?;
        let len = u8::from_str_radix(f.nth(1)?, 16).ok()?;
        Some((IpAddr::V6(Ipv6Addr::from(addr)), len))
    })
}

/// A minimal rtnetlink client: one RTM_GETADDR dump for AF_INET. Safe code only: the
/// messages are built and parsed as bytes (rtnetlink(7), netlink(7)).
mod netlink {
    use rustix::net::{recv, send, socket, AddressFamily, RecvFlags, SendFlags, SocketType};
    use std::net::{IpAddr, Ipv4Addr};

    const RTM_NEWADDR: u16 = 20;
    const RTM_GETADDR: u16 = 22;
    const NLMSG_ERROR: u16 = 2;
    const NLMSG_DONE: u16 = 3;
    const NLM_F_REQUEST: u16 = 1;
    const NLM_F_DUMP: u16 = 0x300;
    const AF_INET: u8 = 2;
    const IFA_ADDRESS: u16 = 1;
    const IFA_LOCAL: u16 = 2;
    const NLMSG_HDRLEN: usize = 16;
    const IFADDRMSG_LEN: usize = 8;

    pub(super) fn ipv4_addresses() -> std::io::Result<Vec<(IpAddr, u8)>> {
        // For NETLINK sockets, protocol None is NETLINK_ROUTE.
        let fd = socket(AddressFamily::NETLINK, SocketType::RAW, None)?;
        let mut req = Vec::with_capacity(NLMSG_HDRLEN + IFADDRMSG_LEN);
        let len = (NLMSG_HDRLEN + IFADDRMSG_LEN) as u32;
        req.extend_from_slice(&len.to_ne_bytes());
        req.extend_from_slice(&RTM_GETADDR.to_ne_bytes());
        req.extend_from_slice(&(NLM_F_REQUEST | NLM_F_DUMP).to_ne_bytes());
        req.extend_from_slice(&1u32.to_ne_bytes()); // sequence
        req.extend_from_slice(&0u32.to_ne_bytes()); // port id: the kernel fills it in
        req.extend_from_slice(&[AF_INET, 0, 0, 0, 0, 0, 0, 0]); // ifaddrmsg
        send(&fd, &req, SendFlags::empty())?;

        let mut out = Vec::new();
        let mut buf = vec![0u8; 32 * 1024];
        loop {
            let (n, _) = recv(&fd, &mut buf[..], RecvFlags::empty())?;
            if n == 0 {
                return Ok(out);
            }
            let mut msgs = &buf[..n];
            while msgs.len() >= NLMSG_HDRLEN {
                let mlen = u32_at(msgs, 0) as usize;
                let mtype = u16_at(msgs, 4);
                if mlen < NLMSG_HDRLEN || mlen > msgs.len() {
                    return Ok(out);
                }
                match mtype {
                    NLMSG_DONE => return Ok(out),
                    NLMSG_ERROR => return Err(std::io::Error::other("rtnetlink error")),
                    RTM_NEWADDR => out.extend(parse_addr(&msgs[NLMSG_HDRLEN..mlen])),
                    _ => {}
                }
                msgs = &msgs[align(mlen).min(msgs.len())..];
            }
        }
    }

    /// One ifaddrmsg and its attributes: the local address (IFA_LOCAL, else IFA_ADDRESS).
    fn parse_addr(body: &[u8]) -> Option<(IpAddr, u8)> {
        if body.len() < IFADDRMSG_LEN || body[0] != AF_INET {
            return None;
        }
        let prefix = body[1];
        let (mut local, mut address) = (None, None);
        let mut attrs = &body[IFADDRMSG_LEN..];
        while attrs.len() >= 4 {
            let alen = usize::from(u16_at(attrs, 0));
            let atype = u16_at(attrs, 2);
            if alen < 4 || alen > attrs.len() {
                break;
            }
            if alen == 8 {
                let a = Ipv4Addr::new(attrs[4], attrs[5], attrs[6], attrs[7]);
                match atype {
                    IFA_LOCAL => local = Some(a),
                    IFA_ADDRESS => address = Some(a),
                    _ => {}
                }
            }
            attrs = &attrs[align(alen).min(attrs.len())..];
        }
        local.or(address).map(|a| (IpAddr::V4(a), prefix))
    }

    fn align(n: usize) -> usize {
        (n + 3) & !3
    }
    fn u16_at(b: &[u8], i: usize) -> u16 {
        u16::from_ne_bytes([b[i], b[i + 1]])
    }
    fn u32_at(b: &[u8], i: usize) -> u32 {
        u32::from_ne_bytes([b[i], b[i + 1], b[i + 2], b[i + 3]])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hostname_qualification() {
        assert_eq!(myhostname_from("vm", None), "vm.localdomain");
        assert_eq!(myhostname_from("vm", Some("example.org")), "vm.example.org");
        assert_eq!(myhostname_from("mx.example.org", None), "mx.example.org");
        assert_eq!(mydomain_from("mx.example.org"), "example.org");
        assert_eq!(mydomain_from("vm.localdomain"), "localdomain");
        // What postconf prints for myhostname = example.com.
        assert_eq!(mydomain_from("example.org"), "org");
        assert_eq!(mydomain_from("host"), "localdomain");
    }

    #[test]
    fn subnet_style() {
        let addrs = [
            (
                "fd00::2"
                    .parse()
                    .unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED)),
                64,
            ),
            (
                "fe80::fc:ff:fe00:1"
                    .parse()
                    .unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED)),
                64,
            ),
            (
                "::1".parse().unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED)),
                128,
            ),
            (
                "192.0.2.2"
                    .parse()
                    .unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED)),
                24,
            ),
            (
                "127.0.0.1"
                    .parse()
                    .unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED)),
                8,
            ),
        ];
        assert_eq!(
            mynetworks_subnet(&addrs),
            "127.0.0.0/8 192.0.2.0/24 [::1]/128 [fd00::]/64 [fe80::]/64"
        );
    }

    #[test]
    fn host_and_class_styles() {
        let addrs = [
            (IpAddr::V4(Ipv4Addr::new(127, 0, 0, 1)), 8),
            (IpAddr::V4(Ipv4Addr::new(172, 16, 5, 9)), 24),
            (IpAddr::V6(Ipv6Addr::LOCALHOST), 128),
        ];
        assert_eq!(
            mynetworks_for(NetworksStyle::Host, &addrs),
            "127.0.0.1/32 172.16.5.9/32 [::1]/128"
        );
        assert_eq!(
            mynetworks_for(NetworksStyle::Class, &addrs),
            "127.0.0.0/8 172.16.0.0/16 [::1]/128"
        );
        assert_eq!(NetworksStyle::parse("Subnet"), Some(NetworksStyle::Subnet));
    }

    #[test]
    fn if_inet6_lines() {
        let text = "fd000000000000000000000000000002 04 40 00 82     eth0\n\
                    00000000000000000000000000000001 01 80 10 80       lo\n";
        let v: Vec<_> = parse_if_inet6(text).collect();
        assert_eq!(v.len(), 2);
        assert_eq!(v[0].1, 64);
        assert_eq!(v[1], (IpAddr::V6(Ipv6Addr::LOCALHOST), 128));
    }

    #[test]
    fn every_host_parameter_is_computed() {
        for name in HOST_DEPENDENT {
            assert!(host_default(name).is_some(), "{name}");
        }
        assert_eq!(host_default("config_directory"), None);
    }
}
