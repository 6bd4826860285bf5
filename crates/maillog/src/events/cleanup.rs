//! What cleanup and pickup log: the message-id, header/body check actions, and the pickup
//! of locally submitted mail.

use std::fmt;

use super::{text, ClientInfo, Transaction};
use crate::Line;

/// `3F1A2B: message-id=<x@y>` (`id` as it appears in the header, angle brackets included).
pub fn message_id(queue_id: &str, id: &str) -> Line {
    Line::info(text(format_args!("{queue_id}: message-id={id}")))
}

/// `3F1A2B: resent-message-id=<x@y>`
pub fn resent_message_id(queue_id: &str, id: &str) -> Line {
    Line::info(text(format_args!("{queue_id}: resent-message-id={id}")))
}

/// `3F1A2B: uid=0 from=<root>` (with ` orig_id=ID` for mail requeued by `postsuper -r`).
pub fn pickup(queue_id: &str, uid: u32, sender: &str, orig_id: Option<&str>) -> Line {
    Line::info(match orig_id {
        Some(orig) => text(format_args!(
            "{queue_id}: uid={uid} from=<{sender}> orig_id={orig}"
        )),
        None => text(format_args!("{queue_id}: uid={uid} from=<{sender}>")),
    })
}

/// A header_checks / body_checks action that Postfix logs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CheckAction {
    /// `REJECT`: the text is `5.7.1 rejected by header` (enhanced status and text).
    Reject,
    /// `WARN` (logged as `warning:`).
    Warning,
    /// `INFO`
    Info,
    Hold,
    Discard,
    /// `FILTER transport:destination` (the text is the destination).
    Filter,
    /// `REDIRECT user@domain` (the text is the address).
    Redirect,
}

impl CheckAction {
    fn word(self) -> &'static str {
        match self {
            CheckAction::Reject => "reject",
            CheckAction::Warning => "warning",
            CheckAction::Info => "info",
            CheckAction::Hold => "hold",
            CheckAction::Discard => "discard",
            CheckAction::Filter => "filter",
            CheckAction::Redirect => "redirect",
        }
    }
}

/// What a check matched.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Checked<'a> {
    /// A header, unfolded (`Subject: hello`).
    Header(&'a str),
    /// A body line.
    Body(&'a str),
}

/// Postfix logs at most this many bytes of the matched header or body line.
const MATCHED_MAX: usize = 200;

impl fmt::Display for Checked<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (kind, matched) = match self {
            Checked::Header(h) => ("header", h),
            Checked::Body(b) => ("body", b),
        };
        write!(f, "{kind} {}", truncate(matched, MATCHED_MAX))
    }
}

fn truncate(s: &str, max: usize) -> &str {
    if s.len() <= max {
        return s;
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}

/// Where the checked message came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Origin<'a> {
    Client(&'a ClientInfo),
    /// Submitted with sendmail / picked up from maildrop.
    Local,
}

impl fmt::Display for Origin<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Origin::Client(c) => c.fmt(f),
            Origin::Local => f.write_str("local"),
        }
    }
}

/// `3F1A2B: hold: header Subject: x from host[addr]; from=<a> to=<b> proto=ESMTP
/// helo=<h>: text` (`: text` left out when the action has none).
pub fn check(
    queue_id: &str,
    action: CheckAction,
    matched: Checked<'_>,
    origin: Origin<'_>,
    transaction: &Transaction<'_>,
    detail: &str,
) -> Line {
    let mut s = text(format_args!(
        "{queue_id}: {}: {matched} from {origin}; {transaction}",
        action.word()
    ));
    if !detail.is_empty() {
        s.push_str(": ");
        s.push_str(detail);
    }
    Line::info(s)
}

#[cfg(test)]
mod tests {
    use super::super::golden::assert_postfix;
    use super::super::Proto;
    use super::*;

    fn localhost() -> ClientInfo {
        ClientInfo::new("localhost", "127.0.0.1".parse().expect("addr"), 40000)
    }

    const T: Transaction<'static> = Transaction {
        from: Some("alice@client.test"),
        to: Some("bob@relay.test"),
        proto: Some(Proto::Esmtp),
        helo: Some("client.test"),
    };

    #[test]
    fn message_ids() {
        assert_postfix(
            &message_id("79C80994273", "<plain@client.test>"),
            "79C80994273: message-id=<plain@client.test>",
        );
        assert_postfix(
            &message_id(
                "BB6F0994306",
                "<20261123170400.BB6F0994306@mx.example.test>",
            ),
            "BB6F0994306: message-id=<20261123170400.BB6F0994306@mx.example.test>",
        );
    }

    #[test]
    fn pickup_lines() {
        assert_postfix(
            &pickup("DE5D2994394", 0, "alice@client.test", None),
            "DE5D2994394: uid=0 from=<alice@client.test>",
        );
        assert_postfix(
            &pickup("B9DC599436A", 102, "alice@client.test", Some("885889942A2")),
            "B9DC599436A: uid=102 from=<alice@client.test> orig_id=885889942A2",
        );
    }

    #[test]
    fn header_check_actions() {
        let c = localhost();
        let from = Origin::Client(&c);
        let cases = [
            (
                "93EF19942B5",
                CheckAction::Warning,
                "Subject: warnhdr x",
                "header warn text",
                "93EF19942B5: warning: header Subject: warnhdr x from localhost[127.0.0.1]; from=<alice@client.test> to=<bob@relay.test> proto=ESMTP helo=<client.test>: header warn text",
            ),
            (
                "96ABB9942B6",
                CheckAction::Hold,
                "Subject: holdhdr x",
                "held by header",
                "96ABB9942B6: hold: header Subject: holdhdr x from localhost[127.0.0.1]; from=<alice@client.test> to=<bob@relay.test> proto=ESMTP helo=<client.test>: held by header",
            ),
            (
                "A052E9942B8",
                CheckAction::Reject,
                "Subject: rejhdr x",
                "5.7.1 rejected by header",
                "A052E9942B8: reject: header Subject: rejhdr x from localhost[127.0.0.1]; from=<alice@client.test> to=<bob@relay.test> proto=ESMTP helo=<client.test>: 5.7.1 rejected by header",
            ),
            (
                "A1896994273",
                CheckAction::Discard,
                "Subject: dischdr x",
                "discarded by header",
                "A1896994273: discard: header Subject: dischdr x from localhost[127.0.0.1]; from=<alice@client.test> to=<bob@relay.test> proto=ESMTP helo=<client.test>: discarded by header",
            ),
            (
                "A2590994273",
                CheckAction::Redirect,
                "Subject: redirhdr x",
                "filebox@local.test",
                "A2590994273: redirect: header Subject: redirhdr x from localhost[127.0.0.1]; from=<alice@client.test> to=<bob@relay.test> proto=ESMTP helo=<client.test>: filebox@local.test",
            ),
            (
                "A3BA19942A5",
                CheckAction::Filter,
                "Subject: filthdr x",
                "smtp:[127.0.0.1]:27430",
                "A3BA19942A5: filter: header Subject: filthdr x from localhost[127.0.0.1]; from=<alice@client.test> to=<bob@relay.test> proto=ESMTP helo=<client.test>: smtp:[127.0.0.1]:27430",
            ),
            (
                "A5247994273",
                CheckAction::Info,
                "Subject: infohdr x",
                "info text",
                "A5247994273: info: header Subject: infohdr x from localhost[127.0.0.1]; from=<alice@client.test> to=<bob@relay.test> proto=ESMTP helo=<client.test>: info text",
            ),
        ];
        for (qid, action, header, detail, expected) in cases {
            assert_postfix(
                &check(qid, action, Checked::Header(header), from, &T, detail),
                expected,
            );
        }
    }

    #[test]
    fn body_check() {
        let c = localhost();
        assert_postfix(
            &check(
                "6A4C799431D",
                CheckAction::Warning,
                Checked::Body("bodywarn here"),
                Origin::Client(&c),
                &T,
                "body warn text",
            ),
            "6A4C799431D: warning: body bodywarn here from localhost[127.0.0.1]; from=<alice@client.test> to=<bob@relay.test> proto=ESMTP helo=<client.test>: body warn text",
        );
    }

    #[test]
    fn header_check_on_local_submission() {
        let local = Transaction {
            from: Some("alice@client.test"),
            to: Some("bob@relay.test"),
            proto: None,
            helo: None,
        };
        assert_postfix(
            &check(
                "ACDB099420E",
                CheckAction::Warning,
                Checked::Header("Subject: warnhdr local"),
                Origin::Local,
                &local,
                "header warn text",
            ),
            "ACDB099420E: warning: header Subject: warnhdr local from local; from=<alice@client.test> to=<bob@relay.test>: header warn text",
        );
    }

    #[test]
    fn body_and_local_and_long_lines() {
        let local = Transaction {
            from: Some("root"),
            to: Some("bob@relay.test"),
            proto: None,
            helo: None,
        };
        assert_eq!(
            check(
                "ID",
                CheckAction::Warning,
                Checked::Body("buy now"),
                Origin::Local,
                &local,
                ""
            )
            .to_string(),
            "ID: warning: body buy now from local; from=<root> to=<bob@relay.test>"
        );
        let long = format!("Subject: {}", "é".repeat(150));
        let line = check(
            "ID",
            CheckAction::Info,
            Checked::Header(&long),
            Origin::Local,
            &local,
            "",
        )
        .to_string();
        assert!(line.starts_with("ID: info: header Subject: é"));
        assert_eq!(
            line.len(),
            "ID: info: header ".len() + 199 + " from local; from=<root> to=<bob@relay.test>".len()
        );
    }
}
