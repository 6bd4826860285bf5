//! Message headers as cleanup sees them (RFC 5322 §2.2, §3.6): recognising a header
//! line and its continuation lines, classifying names, and building the headers
//! cleanup adds: `Received:`, `Message-Id:`, `Date:`, `From:` and their `Resent-`
//! forms. Formats are Postfix 3.7's, checked against captures in `testdata/postfix/`.
//!
//! Pure functions: the time and the queue ID are arguments; nothing here reads a clock.

use mail::queue_id::QueueId;

/// The field name of a header line, if `line` starts one: printable ASCII other than
/// `:` (RFC 5322 §2.2), optionally followed by blanks (as Postfix accepts), then `:`.
pub fn header_name(line: &[u8]) -> Option<&str> {
    let end = line
        .iter()
        .position(|&b| !(33..=126).contains(&b) || b == b':')?;
    if end == 0 {
        return None;
    }
    let rest = &line[end..];
    let colon = rest.iter().position(|&b| b != b' ' && b != b'\t')?;
    if rest[colon] != b':' {
        return None;
    }
    std::str::from_utf8(&line[..end]).ok()
}

/// Whether `line` continues the header before it (RFC 5322 §2.2.3 folding).
pub fn is_continuation(line: &[u8]) -> bool {
    matches!(line.first(), Some(b' ' | b'\t'))
}

/// What cleanup needs to know about a header name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Known {
    Received,
    DeliveredTo,
    MessageId,
    Date,
    From,
    Sender,
    ResentMessageId,
    ResentDate,
    ResentFrom,
    /// Any other `Resent-*` header: its presence turns on the Resent- forms.
    ResentOther,
    To,
    Cc,
    ContentType,
    /// Another MIME header (`Content-*`, `MIME-Version`): mime_header_checks sees it.
    Mime,
    Other,
}

/// Classifies a header name, case-insensitively.
pub fn classify(name: &str) -> Known {
    let lower = name.to_ascii_lowercase();
    match lower.as_str() {
        "received" => Known::Received,
        "delivered-to" => Known::DeliveredTo,
        "message-id" => Known::MessageId,
        "date" => Known::Date,
        "from" => Known::From,
        "sender" => Known::Sender,
        "resent-message-id" => Known::ResentMessageId,
        "resent-date" => Known::ResentDate,
        "resent-from" => Known::ResentFrom,
        "to" => Known::To,
        "cc" => Known::Cc,
        "content-type" => Known::ContentType,
        "mime-version" => Known::Mime,
        _ if lower.starts_with("resent-") => Known::ResentOther,
        _ if lower.starts_with("content-") => Known::Mime,
        _ => Known::Other,
    }
}

/// Whether headers of this kind are MIME headers (mime_header_checks, Postfix's
/// `HDR_OPT_MIME`).
pub fn is_mime(kind: Known) -> bool {
    matches!(kind, Known::ContentType | Known::Mime)
}

/// Which of the headers cleanup may add a message already has.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Present {
    pub message_id: bool,
    pub date: bool,
    pub from: bool,
    pub resent_message_id: bool,
    pub resent_date: bool,
    pub resent_from: bool,
    /// Some `Resent-` header exists: the Resent- forms are the ones added.
    pub resent: bool,
    pub to_or_cc: bool,
}

impl Present {
    /// Notes one primary header.
    pub fn note(&mut self, kind: Known) {
        match kind {
            Known::MessageId => self.message_id = true,
            Known::Date => self.date = true,
            Known::From => self.from = true,
            Known::ResentMessageId => {
                self.resent_message_id = true;
                self.resent = true
            }
            Known::ResentDate => {
                self.resent_date = true;
                self.resent = true
            }
            Known::ResentFrom => {
                self.resent_from = true;
                self.resent = true
            }
            Known::ResentOther => self.resent = true,
            Known::To | Known::Cc => self.to_or_cc = true,
            _ => {}
        }
    }
}

/// A moment as the host's clock and time zone see it. The caller reads the clock.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LocalTime {
    /// Seconds since the Unix epoch.
    pub unix: i64,
    /// Offset from UTC in seconds (east positive).
    pub utc_offset: i32,
    /// Zone abbreviation, as Postfix shows it in parentheses (`UTC`, `CET`).
    pub zone: String,
}

impl LocalTime {
    pub fn utc(unix: i64) -> LocalTime {
        LocalTime {
            unix,
            utc_offset: 0,
            zone: "UTC".to_string(),
        }
    }
}

/// Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
fn civil(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

/// Broken-down time: (year, month, day, hour, minute, second, weekday 0 = Sunday).
fn broken_down(unix: i64) -> (i64, u32, u32, u32, u32, u32, usize) {
    let days = unix.div_euclid(86_400);
    let secs = unix.rem_euclid(86_400);
    let (y, m, d) = civil(days);
    let wday = (days + 4).rem_euclid(7) as usize;
    (
        y,
        m,
        d,
        (secs / 3600) as u32,
        (secs / 60 % 60) as u32,
        (secs % 60) as u32,
        wday,
    )
}

const DAYS: [&str; 7] = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// RFC 5322 §3.3 date as Postfix writes it (`mail_date`):
/// `Mon, 23 Nov 2026 17:19:57 +0000 (UTC)`.
pub fn date(t: &LocalTime) -> String {
    let (y, mo, d, h, mi, s, wd) = broken_down(t.unix + i64::from(t.utc_offset));
    let off = t.utc_offset;
    let sign = if off < 0 { '-' } else { '+' };
    let a = off.unsigned_abs();
    let mut out = format!(
        "{}, {} {} {} {:02}:{:02}:{:02} {}{:02}{:02}",
        DAYS[wd],
        d,
        MONTHS[(mo - 1) as usize],
        y,
        h,
        mi,
        s,
        sign,
        a / 3600,
        a / 60 % 60
    );
    if !t.zone.is_empty() {
        out.push_str(&format!(" ({})", t.zone));
    }
    out
}

/// The Message-Id value cleanup adds: `<YYYYMMDDhhmmss.QUEUEID@myhostname>`, the time
/// in UTC.
pub fn message_id(unix: i64, id: &QueueId, myhostname: &str) -> String {
    let (y, mo, d, h, mi, s, _) = broken_down(unix);
    format!(
        "<{y:04}{mo:02}{d:02}{h:02}{mi:02}{s:02}.{}@{myhostname}>",
        id.as_str()
    )
}

/// Who handed the message over, for the `Received:` header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReceivedFrom {
    /// An SMTP/LMTP client: HELO name (if any), verified name, address, protocol.
    Network {
        helo: Option<String>,
        client_name: String,
        client_addr: String,
        protocol: String,
    },
    /// Local submission through the maildrop (pickup): the submitting user's uid.
    Local { uid: u32 },
}

/// The `Received:` header (with its name, folded with tabs, lines joined by `\n`, no
/// final newline), as Postfix's smtpd and pickup write it. `single_rcpt` is the
/// recipient when the message has exactly one (`for <rcpt>`).
pub fn received(
    from: &ReceivedFrom,
    myhostname: &str,
    mail_name: &str,
    id: &QueueId,
    single_rcpt: Option<&str>,
    when: &LocalTime,
) -> String {
    let date = date(when);
    let mut out = match from {
        ReceivedFrom::Network {
            helo,
            client_name,
            client_addr,
            protocol,
        } => {
            let from = match helo {
                Some(h) => format!("from {h} ({client_name} [{client_addr}])"),
                None => format!("from {client_name} [{client_addr}]"),
            };
            format!(
                "Received: {from}\n\tby {myhostname} ({mail_name}) with {protocol} id {}",
                id.as_str()
            )
        }
        // Captured from pickup: no `for` clause, the date on the id line.
        ReceivedFrom::Local { uid } => {
            return format!(
                "Received: by {myhostname} ({mail_name}, from userid {uid})\n\tid {}; {date}",
                id.as_str()
            )
        }
    };
    match single_rcpt {
        Some(r) => out.push_str(&format!("\n\tfor <{r}>; {date}")),
        None => out.push_str(&format!(";\n\t{date}")),
    }
    out
}

/// A display name as RFC 5322 §3.2.5 allows it: as it is when it is atoms and
/// spaces, else quoted.
fn display_name(name: &str) -> String {
    let plain = name
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == ' ' || "!#$%&'*+-/=?^_`{|}~".contains(c));
    if plain {
        return name.to_string();
    }
    let mut out = String::from("\"");
    for c in name.chars() {
        if c == '"' || c == '\\' {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('"');
    out
}

/// The headers cleanup adds at the end of the primary header section, in Postfix's
/// order (Message-Id, Date, From), each without its newline. `sender` is the envelope
/// sender (empty for `<>`, which becomes `MAILER-DAEMON`).
pub fn missing(
    present: &Present,
    message_id: &str,
    when: &LocalTime,
    sender: &str,
    full_name: Option<&str>,
) -> Vec<String> {
    let mut out = Vec::new();
    let address = if sender.is_empty() {
        "MAILER-DAEMON"
    } else {
        sender
    };
    // header_from_format = standard: `Name <addr>` with a name, else the bare address.
    let from = match full_name.filter(|n| !n.is_empty()) {
        Some(n) => format!("{} <{address}>", display_name(n)),
        None => address.to_string(),
    };
    if present.resent {
        if !present.resent_message_id {
            out.push(format!("Resent-Message-Id: {message_id}"));
        }
        if !present.resent_date {
            out.push(format!("Resent-Date: {}", date(when)));
        }
        if !present.resent_from {
            out.push(format!("Resent-From: {from}"));
        }
    } else {
        if !present.message_id {
            out.push(format!("Message-Id: {message_id}"));
        }
        if !present.date {
            out.push(format!("Date: {}", date(when)));
        }
        if !present.from {
            out.push(format!("From: {from}"));
        }
    }
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    /// 2026-11-23 17:19:57 UTC, the time of the capture in testdata/postfix.
    const T: i64 = 1_795_454_397;

    #[test]
    fn names() {
        assert_eq!(header_name(b"Subject: x"), Some("Subject"));
        assert_eq!(header_name(b"X-Empty:"), Some("X-Empty"));
        assert_eq!(header_name(b"Subject :x"), Some("Subject"));
        assert_eq!(header_name(b"this is not a header"), None);
        assert_eq!(header_name(b": x"), None);
        assert_eq!(header_name(b" folded: x"), None);
        assert_eq!(header_name(b"From"), None);
    }

    #[test]
    fn classes() {
        assert_eq!(classify("MESSAGE-ID"), Known::MessageId);
        assert_eq!(classify("Resent-To"), Known::ResentOther);
        assert_eq!(classify("Content-Transfer-Encoding"), Known::Mime);
        assert!(is_mime(classify("content-type")));
        assert!(!is_mime(classify("Subject")));
    }

    #[test]
    fn date_as_postfix() {
        assert_eq!(
            date(&LocalTime::utc(T)),
            "Mon, 23 Nov 2026 17:19:57 +0000 (UTC)"
        );
        let cet = LocalTime {
            unix: 0,
            utc_offset: -5 * 3600 - 1800,
            zone: "X".into(),
        };
        assert_eq!(date(&cet), "Wed, 31 Dec 1969 18:30:00 -0530 (X)");
        assert_eq!(
            date(&LocalTime::utc(951_782_400)),
            "Tue, 29 Feb 2000 00:00:00 +0000 (UTC)"
        );
    }

    #[test]
    fn message_id_as_postfix() {
        let id = QueueId::parse("4Dm9sW6Wdlz9sWR").unwrap();
        assert_eq!(
            message_id(T, &id, "mx.example.test"),
            "<20261123171957.4Dm9sW6Wdlz9sWR@mx.example.test>"
        );
    }

    #[test]
    fn received_forms() {
        let id = QueueId::parse("4Dm9sW6Wdlz9sWR").unwrap();
        let net = ReceivedFrom::Network {
            helo: Some("client.example.org".into()),
            client_name: "localhost".into(),
            client_addr: "127.0.0.1".into(),
            protocol: "ESMTP".into(),
        };
        let t = LocalTime::utc(T);
        assert_eq!(
            received(
                &net,
                "mx.example.test",
                "Postfix",
                &id,
                Some("bob@example.net"),
                &t
            ),
            "Received: from client.example.org (localhost [127.0.0.1])\n\
             \tby mx.example.test (Postfix) with ESMTP id 4Dm9sW6Wdlz9sWR\n\
             \tfor <bob@example.net>; Mon, 23 Nov 2026 17:19:57 +0000 (UTC)"
        );
        assert_eq!(
            received(&net, "mx.example.test", "Postfix", &id, None, &t),
            "Received: from client.example.org (localhost [127.0.0.1])\n\
             \tby mx.example.test (Postfix) with ESMTP id 4Dm9sW6Wdlz9sWR;\n\
             \tMon, 23 Nov 2026 17:19:57 +0000 (UTC)"
        );
    }

    #[test]
    fn local_submission_as_pickup() {
        // testdata/postfix/pickup.eml: `sendmail -f alice` as root.
        let id = QueueId::parse("4Dm9sW6Wdlz9sWR").unwrap();
        let t = LocalTime::utc(T);
        let local = ReceivedFrom::Local { uid: 0 };
        let got = received(&local, "mx.example.test", "Postfix", &id, Some("b@x"), &t);
        let want = "Received: by mx.example.test (Postfix, from userid 0)\n\
             \tid 4Dm9sW6Wdlz9sWR; Mon, 23 Nov 2026 17:19:57 +0000 (UTC)";
        assert_eq!(got, want);
        let p = Present::default();
        let from = missing(&p, "<m@h>", &t, "alice@example.test", Some("root"));
        assert_eq!(from[2], "From: root <alice@example.test>");
        let from = missing(&p, "<m@h>", &t, "a@b", Some("Doe, J."));
        assert_eq!(from[2], "From: \"Doe, J.\" <a@b>");
    }

    #[test]
    fn missing_headers_in_postfix_order() {
        let t = LocalTime::utc(T);
        let none = Present::default();
        assert_eq!(
            missing(&none, "<m@h>", &t, "", None),
            vec![
                "Message-Id: <m@h>".to_string(),
                "Date: Mon, 23 Nov 2026 17:19:57 +0000 (UTC)".to_string(),
                "From: MAILER-DAEMON".to_string()
            ]
        );
        let mut p = Present::default();
        for k in ["From", "Date", "Message-Id", "Resent-To"] {
            p.note(classify(k));
        }
        assert_eq!(
            missing(&p, "<m@h>", &t, "a@b", None),
            vec![
                "Resent-Message-Id: <m@h>".to_string(),
                "Resent-Date: Mon, 23 Nov 2026 17:19:57 +0000 (UTC)".to_string(),
                "Resent-From: a@b".to_string()
            ]
        );
    }
}
