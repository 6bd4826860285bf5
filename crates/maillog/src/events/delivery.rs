//! What delivery agents (smtp, lmtp, local, virtual, pipe, discard, error) and bounce log:
//! the per-recipient `to=<...>, relay=..., delay=..., delays=a/b/c/d, dsn=..., status=...`
//! line with Postfix's delay formatting, connection failures, and notifications.

use std::fmt;
use std::net::IpAddr;
use std::time::{Duration, SystemTime};

use super::text;
use crate::Line;

/// Postfix's default `delay_logging_resolution_limit`.
pub const DEFAULT_DELAY_RESOLUTION: u8 = 2;

/// Formats a delay as Postfix does (`delay_logging_resolution_limit` = `max_decimals`):
/// two significant digits, at most `max_decimals` digits after the point, rounded half
/// up, trailing zeros dropped: 0.004 → `0`, 0.0451 → `0.05`, 0.1 → `0.1`, 1.27 → `1.3`,
/// 10.6 → `11`, 221.4 → `221`.
pub fn format_delay(delay: Duration, max_decimals: u8) -> String {
    const MICROS: u64 = 1_000_000;
    const SIGNIFICANT: u32 = 2;
    let max_decimals = u32::from(max_decimals.min(6));
    let mut sec = delay.as_secs();
    let mut usec = u64::from(delay.subsec_micros());

    // The resolution in microseconds: the last digit shown.
    let mut unit = MICROS / 10u64.pow(max_decimals);
    if unit < MICROS {
        let width = 10u64.pow(SIGNIFICANT);
        if sec > 0 {
            // Integer digits count as significant: 1..9 s keep one decimal, 10 s and
            // more none.
            let mut n = 1;
            while sec >= n && n <= width / 10 {
                n *= 10;
            }
            unit = (MICROS / width) * n;
        } else {
            while usec >= width * unit {
                unit *= 10;
            }
        }
    }
    if unit > 1 {
        usec += unit / 2;
        if usec >= MICROS {
            sec += 1;
            usec -= MICROS;
        }
    }

    let mut s = sec.to_string();
    if usec >= unit {
        s.push('.');
        let mut rest = usec;
        let mut place = MICROS / 10;
        while rest >= unit && place > 0 {
            s.push(char::from(b'0' + (rest / place) as u8));
            rest %= place;
            place /= 10;
        }
    }
    s
}

/// The moments of one delivery attempt that `delay=` and `delays=a/b/c/d` measure.
/// Missing moments are filled from the next one known, as Postfix does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DeliveryTimes {
    /// The message arrived in the incoming queue.
    pub arrival: SystemTime,
    /// It (last) entered the active queue (`None`: it never did, e.g. cleanup bounced it).
    pub active: Option<SystemTime>,
    /// qmgr handed it to the delivery agent (`None`: qmgr itself deferred or bounced it).
    pub handoff: Option<SystemTime>,
    /// The agent finished connection setup (`None`: no network connection).
    pub connected: Option<SystemTime>,
}

/// The five delays of a delivery line.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Delays {
    /// `delay=`: arrival to the end of the attempt.
    pub total: Duration,
    /// `a`: arrival to the last active-queue entry.
    pub before_active: Duration,
    /// `b`: active queue to delivery agent.
    pub in_active: Duration,
    /// `c`: connection setup, including DNS, EHLO and STARTTLS.
    pub connection: Duration,
    /// `d`: message transmission.
    pub transmission: Duration,
}

impl Delays {
    /// The delays of an attempt that ended at `done`. A clock that went backwards gives 0.
    pub fn measure(times: &DeliveryTimes, done: SystemTime) -> Delays {
        let between = |later: SystemTime, earlier: SystemTime| {
            later.duration_since(earlier).unwrap_or(Duration::ZERO)
        };
        let mut d = Delays {
            total: between(done, times.arrival),
            ..Delays::default()
        };
        match (times.active, times.handoff, times.connected) {
            (None, _, _) => d.before_active = between(done, times.arrival),
            (Some(active), None, _) => {
                d.before_active = between(active, times.arrival);
                d.in_active = between(done, active);
            }
            (Some(active), Some(handoff), None) => {
                d.before_active = between(active, times.arrival);
                d.in_active = between(handoff, active);
                d.transmission = between(done, handoff);
            }
            (Some(active), Some(handoff), Some(connected)) => {
                d.before_active = between(active, times.arrival);
                d.in_active = between(handoff, active);
                d.connection = between(connected, handoff);
                d.transmission = between(done, connected);
            }
        }
        d
    }
}

/// Where a delivery went, as `relay=` shows it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Relay<'a> {
    /// No host was reached (`relay=none`).
    None,
    /// A transport name without a host (`relay=local`, `relay=virtual`).
    Transport(&'a str),
    /// A network peer: `relay=mx.example.com[192.0.2.1]:25`.
    Host {
        name: &'a str,
        addr: IpAddr,
        port: u16,
    },
    /// An LMTP peer over a UNIX socket: `relay=myhostname[/path/to/socket]`.
    Socket { name: &'a str, path: &'a str },
}

impl fmt::Display for Relay<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Relay::None => f.write_str("none"),
            Relay::Transport(t) => f.write_str(t),
            Relay::Host { name, addr, port } => write!(f, "{name}[{addr}]:{port}"),
            Relay::Socket { name, path } => write!(f, "{name}[{path}]"),
        }
    }
}

/// The outcome word of a delivery line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DeliveryStatus {
    Sent,
    Deferred,
    Bounced,
    /// Address verification: the address would be deliverable.
    Deliverable,
    /// Address verification: the address would bounce.
    Undeliverable,
}

impl fmt::Display for DeliveryStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            DeliveryStatus::Sent => "sent",
            DeliveryStatus::Deferred => "deferred",
            DeliveryStatus::Bounced => "bounced",
            DeliveryStatus::Deliverable => "deliverable",
            DeliveryStatus::Undeliverable => "undeliverable",
        })
    }
}

/// One recipient's delivery attempt.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Delivery<'a> {
    pub queue_id: &'a str,
    pub recipient: &'a str,
    /// The address as first received; logged when it differs (ignoring case).
    pub original_recipient: Option<&'a str>,
    pub relay: Relay<'a>,
    /// How many deliveries the connection has carried, this one included; logged as
    /// `conn_use=` when the connection was reused (more than 1).
    pub connection_use: u32,
    pub delays: Delays,
    /// `delay_logging_resolution_limit`.
    pub delay_resolution: u8,
    /// The enhanced status code, `2.0.0`.
    pub dsn: &'a str,
    pub status: DeliveryStatus,
    /// The text in parentheses: the remote reply or what the agent did.
    pub reason: &'a str,
}

/// `3F1A2B: to=<b@example.com>, orig_to=<a@example.com>, relay=mx[192.0.2.1]:25,
/// conn_use=2, delay=0.12, delays=0.01/0.01/0.05/0.05, dsn=2.0.0, status=sent (250 ...)`
pub fn delivery(d: &Delivery<'_>) -> Line {
    let mut s = text(format_args!("{}: to=<{}>", d.queue_id, d.recipient));
    if let Some(orig) = d.original_recipient {
        if !orig.is_empty() && !orig.eq_ignore_ascii_case(d.recipient) {
            s.push_str(&text(format_args!(", orig_to=<{orig}>")));
        }
    }
    s.push_str(&text(format_args!(", relay={}", d.relay)));
    if d.connection_use > 1 {
        s.push_str(&text(format_args!(", conn_use={}", d.connection_use)));
    }
    let f = |x: Duration| format_delay(x, d.delay_resolution);
    let delays = &d.delays;
    s.push_str(&text(format_args!(
        ", delay={}, delays={}/{}/{}/{}, dsn={}, status={} ({})",
        f(delays.total),
        f(delays.before_active),
        f(delays.in_active),
        f(delays.connection),
        f(delays.transmission),
        d.dsn,
        d.status,
        d.reason
    )));
    Line::info(s)
}

/// The reason text for a reply from a remote server:
/// `host mx[192.0.2.1] said: 550 5.1.1 <x>: user unknown (in reply to RCPT TO command)`.
pub fn remote_said(host: &str, addr: IpAddr, reply: &str, in_reply_to: &str) -> String {
    text(format_args!(
        "host {host}[{addr}] said: {reply} (in reply to {in_reply_to} command)"
    ))
}

/// `connect to mx[192.0.2.1]:25: Connection refused` (an smtp client's failed attempt;
/// also the reason text of the deferral that follows).
pub fn connect_failed(host: &str, addr: IpAddr, port: u16, reason: &str) -> Line {
    Line::info(connect_failed_text(host, addr, port, reason))
}

/// The text of [`connect_failed`], for use as a delivery reason.
pub fn connect_failed_text(host: &str, addr: IpAddr, port: u16, reason: &str) -> String {
    text(format_args!("connect to {host}[{addr}]:{port}: {reason}"))
}

/// A notification the bounce service sent about a message.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Notification {
    /// A bounce to the sender.
    SenderNonDelivery,
    /// A success / relay DSN the sender asked for.
    SenderDeliveryStatus,
    /// A delay warning to the sender.
    SenderDelay,
    /// A bounce copy to the postmaster.
    PostmasterNonDelivery,
}

/// `3F1A2B: sender non-delivery notification: 4C5D6E`
pub fn notification(queue_id: &str, kind: Notification, new_queue_id: &str) -> Line {
    let what = match kind {
        Notification::SenderNonDelivery => "sender non-delivery notification",
        Notification::SenderDeliveryStatus => "sender delivery status notification",
        Notification::SenderDelay => "sender delay notification",
        Notification::PostmasterNonDelivery => "postmaster non-delivery notification",
    };
    Line::info(text(format_args!("{queue_id}: {what}: {new_queue_id}")))
}

#[cfg(test)]
mod tests {
    use super::super::golden::assert_postfix;
    use super::*;

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    fn us(n: u64) -> Duration {
        Duration::from_micros(n)
    }

    #[test]
    fn delay_formatting() {
        let f = |d| format_delay(d, DEFAULT_DELAY_RESOLUTION);
        assert_eq!(f(Duration::ZERO), "0");
        assert_eq!(f(us(4_999)), "0");
        assert_eq!(f(us(5_000)), "0.01");
        assert_eq!(f(ms(45)), "0.05");
        assert_eq!(f(ms(100)), "0.1");
        assert_eq!(f(ms(104)), "0.1");
        assert_eq!(f(ms(105)), "0.11");
        assert_eq!(f(ms(970)), "0.97");
        assert_eq!(f(us(995_000)), "1");
        assert_eq!(f(ms(1_000)), "1");
        assert_eq!(f(ms(1_249)), "1.2");
        assert_eq!(f(ms(1_250)), "1.3");
        assert_eq!(f(ms(9_040)), "9");
        assert_eq!(f(ms(9_960)), "10");
        assert_eq!(f(ms(10_499)), "10");
        assert_eq!(f(ms(10_500)), "11");
        assert_eq!(f(ms(193_400)), "193");
        assert_eq!(f(ms(221_500)), "222");
        // Other resolution limits.
        assert_eq!(format_delay(ms(123), 0), "0");
        assert_eq!(format_delay(ms(500), 0), "1");
        assert_eq!(format_delay(ms(2_500), 0), "3");
        assert_eq!(format_delay(us(12_345), 3), "0.012");
        assert_eq!(format_delay(us(1_234), 3), "0.001");
        assert_eq!(format_delay(us(123_456), 6), "0.12");
        assert_eq!(format_delay(us(1_234), 6), "0.0012");
    }

    #[test]
    fn delays_from_times() {
        let t0 = SystemTime::UNIX_EPOCH + Duration::from_secs(1_800_000_000);
        let times = DeliveryTimes {
            arrival: t0,
            active: Some(t0 + ms(40)),
            handoff: Some(t0 + ms(80)),
            connected: Some(t0 + ms(120)),
        };
        let d = Delays::measure(&times, t0 + ms(170));
        assert_eq!(
            d,
            Delays {
                total: ms(170),
                before_active: ms(40),
                in_active: ms(40),
                connection: ms(40),
                transmission: ms(50),
            }
        );
        // Local delivery: no connection; transmission counts from the handoff.
        let local = DeliveryTimes {
            connected: None,
            ..times
        };
        let d = Delays::measure(&local, t0 + ms(170));
        assert_eq!((d.connection, d.transmission), (Duration::ZERO, ms(90)));
        // Deferred by qmgr itself: the rest of the time is spent in the active queue.
        let qmgr = DeliveryTimes {
            handoff: None,
            connected: None,
            ..times
        };
        let d = Delays::measure(&qmgr, t0 + ms(170));
        assert_eq!((d.in_active, d.transmission), (ms(130), Duration::ZERO));
        // A clock that went backwards.
        let d = Delays::measure(&times, t0 - ms(1));
        assert_eq!(d.total, Duration::ZERO);
    }

    fn delays(total: u64, a: u64, b: u64, c: u64, d: u64) -> Delays {
        Delays {
            total: ms(total),
            before_active: ms(a),
            in_active: ms(b),
            connection: ms(c),
            transmission: ms(d),
        }
    }

    fn relay() -> Relay<'static> {
        Relay::Host {
            name: "127.0.0.1",
            addr: "127.0.0.1".parse().expect("addr"),
            port: 27430,
        }
    }

    fn sent<'a>(queue_id: &'a str, recipient: &'a str, d: Delays) -> Delivery<'a> {
        Delivery {
            queue_id,
            recipient,
            original_recipient: None,
            relay: relay(),
            connection_use: 1,
            delays: d,
            delay_resolution: DEFAULT_DELAY_RESOLUTION,
            dsn: "2.0.0",
            status: DeliveryStatus::Sent,
            reason: "250 2.0.0 Ok: queued as ABC123",
        }
    }

    #[test]
    fn sent_lines() {
        assert_postfix(
            &delivery(&sent("79C80994273", "bob@relay.test", delays(170, 40, 40, 40, 50))),
            "79C80994273: to=<bob@relay.test>, relay=127.0.0.1[127.0.0.1]:27430, delay=0.17, delays=0.04/0.04/0.04/0.05, dsn=2.0.0, status=sent (250 2.0.0 Ok: queued as ABC123)",
        );
        assert_postfix(
            &delivery(&sent("72BEB994346", "sleep1280@relay.test", delays(1_800, 310, 20, 80, 1_300))),
            "72BEB994346: to=<sleep1280@relay.test>, relay=127.0.0.1[127.0.0.1]:27430, delay=1.8, delays=0.31/0.02/0.08/1.3, dsn=2.0.0, status=sent (250 2.0.0 Ok: queued as ABC123)",
        );
        assert_postfix(
            &delivery(&sent("CF90E994306", "sleep10600@relay.test", delays(10_900, 0, 200, 50, 10_650))),
            "CF90E994306: to=<sleep10600@relay.test>, relay=127.0.0.1[127.0.0.1]:27430, delay=11, delays=0/0.2/0.05/11, dsn=2.0.0, status=sent (250 2.0.0 Ok: queued as ABC123)",
        );
        let local = Delivery {
            original_recipient: Some("bob@relay.test"),
            relay: Relay::Transport("local"),
            reason: "delivered to file: /tmp/maillog-pfx/mbox/filebox",
            ..sent("A2590994273", "filebox@local.test", delays(10, 0, 0, 0, 0))
        };
        assert_postfix(
            &delivery(&local),
            "A2590994273: to=<filebox@local.test>, orig_to=<bob@relay.test>, relay=local, delay=0.01, delays=0/0/0/0, dsn=2.0.0, status=sent (delivered to file: /tmp/maillog-pfx/mbox/filebox)",
        );
        let discard = Delivery {
            relay: Relay::None,
            reason: "disc.test",
            ..sent("B17EE9942E6", "u@disc.test", delays(20, 0, 10, 0, 0))
        };
        assert_postfix(
            &delivery(&discard),
            "B17EE9942E6: to=<u@disc.test>, relay=none, delay=0.02, delays=0/0.01/0/0, dsn=2.0.0, status=sent (disc.test)",
        );
    }

    #[test]
    fn lmtp_over_a_unix_socket() {
        let lmtp = Delivery {
            relay: Relay::Socket {
                name: "mx.example.test",
                path: "/tmp/maillog-pfx/lmtp.sock",
            },
            reason: "250 2.0.0 <x> Saved",
            ..sent("A776C9942D8", "u1@lmtp.test", delays(110, 60, 30, 10, 10))
        };
        assert_postfix(
            &delivery(&lmtp),
            "A776C9942D8: to=<u1@lmtp.test>, relay=mx.example.test[/tmp/maillog-pfx/lmtp.sock], delay=0.11, delays=0.06/0.03/0.01/0.01, dsn=2.0.0, status=sent (250 2.0.0 <x> Saved)",
        );
    }

    #[test]
    fn orig_to_only_when_different() {
        let same = Delivery {
            original_recipient: Some("BOB@relay.test"),
            ..sent("ID", "bob@relay.test", Delays::default())
        };
        assert!(!delivery(&same).to_string().contains("orig_to"));
    }

    #[test]
    fn reused_connection() {
        let reused = Delivery {
            connection_use: 2,
            ..sent(
                "7B46A994220",
                "reuse2sleep300@relay.test",
                delays(1_200, 10, 890, 0, 340),
            )
        };
        assert_postfix(
            &delivery(&reused),
            "7B46A994220: to=<reuse2sleep300@relay.test>, relay=127.0.0.1[127.0.0.1]:27430, conn_use=2, delay=1.2, delays=0.01/0.89/0/0.34, dsn=2.0.0, status=sent (250 2.0.0 Ok: queued as ABC123)",
        );
        let third = Delivery {
            connection_use: 3,
            ..sent(
                "7D055994228",
                "reuse3sleep300@relay.test",
                delays(1_600, 30, 1_200, 10, 350),
            )
        };
        assert_postfix(
            &delivery(&third),
            "7D055994228: to=<reuse3sleep300@relay.test>, relay=127.0.0.1[127.0.0.1]:27430, conn_use=3, delay=1.6, delays=0.03/1.2/0.01/0.35, dsn=2.0.0, status=sent (250 2.0.0 Ok: queued as ABC123)",
        );
    }

    #[test]
    fn deferred_and_bounced() {
        let addr: IpAddr = "127.0.0.1".parse().expect("addr");
        let said = remote_said("127.0.0.1", addr, "550 5.1.1 <x>: user unknown", "RCPT TO");
        let bounced = Delivery {
            dsn: "5.1.1",
            status: DeliveryStatus::Bounced,
            reason: &said,
            ..sent(
                "8477A994284",
                "bounce1@relay.test",
                delays(160, 10, 50, 50, 60),
            )
        };
        assert_postfix(
            &delivery(&bounced),
            "8477A994284: to=<bounce1@relay.test>, relay=127.0.0.1[127.0.0.1]:27430, delay=0.16, delays=0.01/0.05/0.05/0.06, dsn=5.1.1, status=bounced (host 127.0.0.1[127.0.0.1] said: 550 5.1.1 <x>: user unknown (in reply to RCPT TO command))",
        );
        let refused = connect_failed_text("127.0.0.1", addr, 27439, "Connection refused");
        let deferred = Delivery {
            relay: Relay::None,
            dsn: "4.4.1",
            status: DeliveryStatus::Deferred,
            reason: &refused,
            ..sent("D108C994316", "u@dead.test", delays(150, 0, 150, 0, 0))
        };
        assert_postfix(
            &delivery(&deferred),
            "D108C994316: to=<u@dead.test>, relay=none, delay=0.15, delays=0/0.15/0/0, dsn=4.4.1, status=deferred (connect to 127.0.0.1[127.0.0.1]:27439: Connection refused)",
        );
        assert_postfix(
            &connect_failed("127.0.0.1", addr, 27439, "Connection refused"),
            "connect to 127.0.0.1[127.0.0.1]:27439: Connection refused",
        );
    }

    #[test]
    fn notifications() {
        assert_postfix(
            &notification(
                "8477A994284",
                Notification::SenderNonDelivery,
                "BB6F0994306",
            ),
            "8477A994284: sender non-delivery notification: BB6F0994306",
        );
        assert_postfix(
            &notification(
                "7251199431E",
                Notification::SenderDeliveryStatus,
                "F02C099420B",
            ),
            "7251199431E: sender delivery status notification: F02C099420B",
        );
        assert_postfix(
            &notification("BAF089942FF", Notification::SenderDelay, "11884994320"),
            "BAF089942FF: sender delay notification: 11884994320",
        );
        assert_postfix(
            &notification(
                "E59649942B4",
                Notification::PostmasterNonDelivery,
                "26D919942DA",
            ),
            "E59649942B4: postmaster non-delivery notification: 26D919942DA",
        );
    }
}
