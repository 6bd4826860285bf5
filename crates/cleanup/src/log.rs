//! cleanup's [`Event`]s and refusals as Postfix's log lines, through maillog (the one
//! place log formats live). The caller supplies what cleanup does not know: where the
//! message came from and the transaction summary.

use maillog::events::cleanup::{self as ev, CheckAction, Checked, Origin};
use maillog::events::Transaction;
use maillog::Line;

use crate::{CleanupError, Event};

/// The log line of one event of message `queue_id`.
pub fn event_line(
    queue_id: &str,
    event: &Event,
    origin: Origin<'_>,
    transaction: &Transaction<'_>,
) -> Line {
    match event {
        Event::MessageId(m) => ev::message_id(queue_id, m),
        Event::Check {
            action,
            part,
            line,
            detail,
        } => {
            let action = match *action {
                "reject" => CheckAction::Reject,
                "discard" => CheckAction::Discard,
                "hold" => CheckAction::Hold,
                "warning" => CheckAction::Warning,
                "replace" => CheckAction::Replace,
                "prepend" => CheckAction::Prepend,
                "redirect" => CheckAction::Redirect,
                "filter" => CheckAction::Filter,
                "bcc" => CheckAction::Bcc,
                _ => CheckAction::Info,
            };
            // Postfix logs a folded header unfolded: the line breaks go, the
            // white space stays.
            let unfolded = line.replace('\n', "");
            let matched = if *part == "body" {
                Checked::Body(&unfolded)
            } else {
                Checked::Header(&unfolded)
            };
            ev::check(queue_id, action, matched, origin, transaction, detail)
        }
        Event::UnknownAction { map, value } => {
            Line::warning(format!("unknown command in {map} map: {value}"))
        }
    }
}

/// The warning Postfix logs when cleanup refuses a message for a reason that is not a
/// check action (those are logged as events), if it logs one.
pub fn refusal_line(queue_id: &str, error: &CleanupError) -> Option<Line> {
    let text = match error {
        CleanupError::TooManyHops => format!("{queue_id}: message rejected: hopcount exceeded"),
        CleanupError::AliasExpansion(e) => {
            format!("{queue_id}: {e} -- message not accepted, try again later")
        }
        CleanupError::Canonical(e) => {
            format!("{queue_id}: {e} -- message not accepted, try again later")
        }
        CleanupError::Table { table, source } => format!(
            "{queue_id}: {table} map lookup problem -- message not accepted, try again later ({source})"
        ),
        CleanupError::Queue(e) => format!("{queue_id}: {e}"),
        CleanupError::NotYet(what) => format!("{queue_id}: not supported yet: {what}"),
        CleanupError::Rejected { .. } | CleanupError::TooBig => return None,
    };
    Some(Line::warning(text))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use maillog::events::{ClientInfo, Proto};

    /// Lines from testdata/postfix/maillog.txt (the capture), after the program name.
    #[test]
    fn lines_as_captured() {
        let c = ClientInfo::new("localhost", "127.0.0.1".parse().unwrap(), 50000);
        let t = Transaction {
            from: Some("alice@example.org"),
            to: Some("bob@example.net"),
            proto: Some(Proto::Esmtp),
            helo: Some("client.example.org"),
        };
        let capture = std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/testdata/postfix/maillog.txt"
        ))
        .unwrap();
        let has = |line: &Line| {
            let text = match line.severity {
                maillog::Severity::Warning => format!("warning: {}", line.text),
                _ => line.text.clone(),
            };
            assert!(
                capture.lines().any(|l| l.ends_with(&format!("]: {text}"))),
                "not in the capture: {text}"
            );
        };
        let check = |id: &str, action: &'static str, part: &'static str, l: &str, d: &str| {
            event_line(
                id,
                &Event::Check {
                    action,
                    part,
                    line: l.into(),
                    detail: d.into(),
                },
                Origin::Client(&c),
                &t,
            )
        };
        has(&check(
            "C02CA99C261",
            "hold",
            "header",
            "Subject: hold-me",
            "held for review",
        ));
        has(&check(
            "2675C99C1D9",
            "replace",
            "body",
            "body-replace xyz",
            "replaced body xyz",
        ));
        has(&check(
            "CCAA899C267",
            "bcc",
            "header",
            "Subject: bcc-me",
            "audit@example.net",
        ));
        has(&check(
            "1D15899C1CD",
            "reject",
            "header",
            "Subject: reject-text",
            "5.7.1 custom words here",
        ));
        has(&event_line(
            "x",
            &Event::UnknownAction {
                map: "header_checks",
                value: "DEFER".into(),
            },
            Origin::Local,
            &t,
        ));
        has(&refusal_line("2895199C1DC", &CleanupError::TooManyHops).unwrap());
        has(&refusal_line(
            "C7E6799C1AC",
            &CleanupError::AliasExpansion(crate::rewrite::ExpandError::Nesting(
                "loop1@example.net".into(),
            )),
        )
        .unwrap());
    }
}
