//! Where an `inet` service of master.cf listens, and binding it (Postfix
//! `master/master_ent.c` endpoint parsing, `util/inet_listen.c`).
//!
//! A master.cf `inet` service name is `port` (on every `inet_interfaces` address) or
//! `host:port` (`host` an address, a name, `[v6addr]`, or `*` for every address), where
//! `port` is a number or a name from /etc/services. Owns: that parsing and the bind.
//! Never: accepts connections (the daemon's accept loops do), or reads main.cf.

use std::io;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, TcpListener, ToSocketAddrs};

use socket2::{Domain, Protocol, Socket, Type};

/// The system's service name database.
pub const SERVICES_FILE: &str = "/etc/services";

/// Postfix's listen backlog for inet services (`inet_listen(..., backlog)`).
pub const BACKLOG: i32 = 100;

#[derive(Debug, thiserror::Error)]
pub enum ListenError {
    /// `inet_protocols` names something other than ipv4, ipv6, all.
    #[error("parameter inet_protocols: unknown value: {0}")]
    Protocol(String),
    /// A port that is neither a number nor in /etc/services.
    #[error("unknown service: {0}/tcp")]
    UnknownService(String),
    /// A host name that does not resolve to an address of an enabled protocol.
    #[error("host not found: {0}")]
    UnknownHost(String),
    /// `inet_interfaces` is empty, or lists only disabled protocols.
    #[error("parameter inet_interfaces: no local interface found for {0}")]
    NoInterface(String),
    /// socket/bind/listen failed, worded as Postfix words it.
    #[error("bind {} port {}: {source}", .addr.ip(), .addr.port())]
    Bind {
        addr: SocketAddr,
        #[source]
        source: io::Error,
    },
}

/// The address families `inet_protocols` enables.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Protocols {
    pub ipv4: bool,
    pub ipv6: bool,
}

impl Protocols {
    /// From the `inet_protocols` list. `all` enables IPv6 only when this host can open
    /// an IPv6 socket, as Postfix probes at start.
    pub fn from_list(list: &[String]) -> Result<Protocols, ListenError> {
        let mut p = Protocols {
            ipv4: false,
            ipv6: false,
        };
        for word in list {
            match word.to_ascii_lowercase().as_str() {
                "ipv4" => p.ipv4 = true,
                "ipv6" => p.ipv6 = true,
                "all" => {
                    p.ipv4 = true;
                    p.ipv6 = ipv6_available();
                }
                _ => return Err(ListenError::Protocol(word.clone())),
            }
        }
        Ok(p)
    }

    fn allows(&self, ip: &IpAddr) -> bool {
        match ip {
            IpAddr::V4(_) => self.ipv4,
            IpAddr::V6(_) => self.ipv6,
        }
    }
}

fn ipv6_available() -> bool {
    Socket::new(Domain::IPV6, Type::STREAM, Some(Protocol::TCP))
        .and_then(|s| s.bind(&SocketAddr::from((Ipv6Addr::LOCALHOST, 0)).into()))
        .is_ok()
}

/// Every address an `inet` service named `name` listens on.
/// `interfaces` is `inet_interfaces`; `services` the text of /etc/services.
pub fn endpoints(
    name: &str,
    interfaces: &[String],
    protocols: Protocols,
    services: &str,
) -> Result<Vec<SocketAddr>, ListenError> {
    let (host, port) = match name.rsplit_once(':') {
        Some((host, port)) => (Some(host), port),
        None => (None, name),
    };
    let port = port_number(port, services)?;
    let hosts: Vec<IpAddr> = match host {
        None => interface_addresses(interfaces, protocols)?,
        Some("*") | Some("") => wildcard(protocols),
        Some(host) => resolve(
            host.trim_start_matches('[').trim_end_matches(']'),
            protocols,
        )?,
    };
    Ok(hosts
        .into_iter()
        .map(|ip| SocketAddr::new(ip, port))
        .collect())
}

/// A port number, or a tcp service name looked up in `services` (services(5) text).
pub fn port_number(port: &str, services: &str) -> Result<u16, ListenError> {
    if let Ok(n) = port.parse::<u16>() {
        return Ok(n);
    }
    for line in services.lines() {
        let line = line.split('#').next().unwrap_or("");
        let mut words = line.split_whitespace();
        let (Some(service), Some(port_proto)) = (words.next(), words.next()) else {
            continue;
        };
        let Some((number, "tcp")) = port_proto.split_once('/') else {
            continue;
        };
        if service == port || words.any(|alias| alias == port) {
            if let Ok(n) = number.parse() {
                return Ok(n);
            }
        }
    }
    Err(ListenError::UnknownService(port.to_string()))
}

/// `inet_interfaces`: `all`, `loopback-only`, or addresses and host names.
pub fn interface_addresses(
    interfaces: &[String],
    protocols: Protocols,
) -> Result<Vec<IpAddr>, ListenError> {
    let mut out = Vec::new();
    for word in interfaces {
        match word.to_ascii_lowercase().as_str() {
            "all" => out.extend(wildcard(protocols)),
            "loopback-only" => {
                if protocols.ipv4 {
                    out.push(IpAddr::V4(Ipv4Addr::LOCALHOST));
                }
                if protocols.ipv6 {
                    out.push(IpAddr::V6(Ipv6Addr::LOCALHOST));
                }
            }
            _ => {
                let host = word.trim_start_matches('[').trim_end_matches(']');
                match host.parse::<IpAddr>() {
                    // An address of a disabled family is not an interface to listen on.
                    Ok(ip) if !protocols.allows(&ip) => {}
                    _ => out.extend(resolve(host, protocols)?),
                }
            }
        }
    }
    out.dedup();
    if out.is_empty() {
        return Err(ListenError::NoInterface(interfaces.join(", ")));
    }
    Ok(out)
}

fn wildcard(protocols: Protocols) -> Vec<IpAddr> {
    let mut out = Vec::new();
    if protocols.ipv4 {
        out.push(IpAddr::V4(Ipv4Addr::UNSPECIFIED));
    }
    if protocols.ipv6 {
        out.push(IpAddr::V6(Ipv6Addr::UNSPECIFIED));
    }
    out
}

fn resolve(host: &str, protocols: Protocols) -> Result<Vec<IpAddr>, ListenError> {
    let found: Vec<IpAddr> = match host.parse::<IpAddr>() {
        Ok(ip) => vec![ip],
        Err(_) => (host, 0)
            .to_socket_addrs()
            .map_err(|_| ListenError::UnknownHost(host.to_string()))?
            .map(|a| a.ip())
            .collect(),
    };
    let mut out: Vec<IpAddr> = found
        .into_iter()
        .filter(|ip| protocols.allows(ip))
        .collect();
    out.dedup();
    if out.is_empty() {
        return Err(ListenError::UnknownHost(host.to_string()));
    }
    Ok(out)
}

/// Binds and listens on `addr` with SO_REUSEADDR, and IPV6_V6ONLY for IPv6 so that
/// `0.0.0.0` and `::` can share a port. Blocking std listener: the daemon binds before
/// it drops privileges and before its runtime starts.
pub fn bind_tcp(addr: SocketAddr) -> Result<TcpListener, ListenError> {
    let err = |source| ListenError::Bind { addr, source };
    let socket =
        Socket::new(Domain::for_address(addr), Type::STREAM, Some(Protocol::TCP)).map_err(err)?;
    socket.set_reuse_address(true).map_err(err)?;
    if addr.is_ipv6() {
        socket.set_only_v6(true).map_err(err)?;
    }
    socket.bind(&addr.into()).map_err(err)?;
    socket.listen(BACKLOG).map_err(err)?;
    socket.set_nonblocking(true).map_err(err)?;
    Ok(socket.into())
}

#[cfg(test)]
mod tests {
    use super::*;

    const SERVICES: &str =
        "smtp\t\t25/tcp\t\tmail\nsubmission\t587/tcp\nsubmissions\t465/tcp\t\tssmtp smtps # x\n";
    const V4: Protocols = Protocols {
        ipv4: true,
        ipv6: false,
    };
    const BOTH: Protocols = Protocols {
        ipv4: true,
        ipv6: true,
    };

    fn sa(text: &str) -> SocketAddr {
        text.parse().expect("socket address")
    }

    fn list(words: &[&str]) -> Vec<String> {
        words.iter().map(|w| w.to_string()).collect()
    }

    #[test]
    fn ports_by_number_and_name() {
        assert_eq!(port_number("2525", SERVICES).ok(), Some(2525));
        assert_eq!(port_number("smtp", SERVICES).ok(), Some(25));
        assert_eq!(port_number("smtps", SERVICES).ok(), Some(465));
        assert_eq!(
            port_number("nosuch", SERVICES).map_err(|e| e.to_string()),
            Err("unknown service: nosuch/tcp".to_string())
        );
    }

    #[test]
    fn service_names_take_interfaces_unless_they_name_a_host() {
        let v = endpoints("smtp", &list(&["loopback-only"]), BOTH, SERVICES).ok();
        assert_eq!(v, Some(vec![sa("127.0.0.1:25"), sa("[::1]:25")]));
        let v = endpoints("127.0.0.1:10025", &list(&["all"]), V4, SERVICES).ok();
        assert_eq!(v, Some(vec![sa("127.0.0.1:10025")]));
        let v = endpoints("[::1]:submission", &list(&["all"]), BOTH, SERVICES).ok();
        assert_eq!(v, Some(vec![sa("[::1]:587")]));
        let v = endpoints("*:25", &list(&["127.0.0.1"]), BOTH, SERVICES).ok();
        assert_eq!(v, Some(vec![sa("0.0.0.0:25"), sa("[::]:25")]));
        let v = endpoints("2525", &list(&["127.0.0.1", "::1"]), V4, SERVICES).ok();
        assert_eq!(v, Some(vec![sa("127.0.0.1:2525")]));
    }

    #[test]
    fn protocols_parse() {
        assert!(Protocols::from_list(&list(&["ipv4"])).is_ok_and(|p| p == V4));
        assert!(Protocols::from_list(&list(&["ipv5"])).is_err());
    }

    #[test]
    fn bind_then_connect() {
        let l = bind_tcp(sa("127.0.0.1:0")).expect("bind");
        let addr = l.local_addr().expect("addr");
        std::net::TcpStream::connect(addr).expect("connect");
    }
}
