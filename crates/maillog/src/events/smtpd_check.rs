//! What the SMTP server logs about its policy decisions (Postfix `smtpd_check.c`):
//! `reject:`, `reject_warning:`, `warn:` and the access-map actions `hold:`, `discard:`,
//! `filter:`, `redirect:`, each with the stage, the client, the reply or text, and the
//! `from=<...> to=<...> proto=... helo=<...>` tail.

use std::fmt;

use super::smtpd::Stage;
use super::{queue_prefix, text, ClientInfo, Transaction};
use crate::Line;

/// An SMTP reply as sent: code, enhanced status and text.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Reply<'a> {
    pub code: u16,
    pub dsn: &'a str,
    pub text: &'a str,
}

impl fmt::Display for Reply<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {} {}", self.code, self.dsn, self.text)
    }
}

/// `NOQUEUE: reject: RCPT from host[addr]: 554 5.7.1 <x@y>: Relay access denied;
/// from=<a@b> to=<x@y> proto=ESMTP helo=<h>` (4xx rejects are `reject:` too).
pub fn reject(
    queue_id: Option<&str>,
    stage: Stage,
    client: &ClientInfo,
    reply: &Reply<'_>,
    transaction: &Transaction<'_>,
) -> Line {
    action(queue_id, "reject", stage, client, &reply, transaction)
}

/// `NOQUEUE: reject_warning: RCPT from host[addr]: 504 5.5.2 <alice>: Sender address
/// rejected: need fully-qualified address; from=<alice> ...`: a reject that
/// `warn_if_reject` (or `soft_bounce`-like testing modes) turned into a warning.
pub fn reject_warning(
    queue_id: Option<&str>,
    stage: Stage,
    client: &ClientInfo,
    reply: &Reply<'_>,
    transaction: &Transaction<'_>,
) -> Line {
    action(
        queue_id,
        "reject_warning",
        stage,
        client,
        &reply,
        transaction,
    )
}

/// `NOQUEUE: warn: RCPT from host[addr]: text; from=<...> ...` (access map `WARN text`).
pub fn warn(
    queue_id: Option<&str>,
    stage: Stage,
    client: &ClientInfo,
    warning: &str,
    transaction: &Transaction<'_>,
) -> Line {
    action(queue_id, "warn", stage, client, &warning, transaction)
}

/// An access-map action that changes what happens to the message.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Triggered<'a> {
    Hold,
    Discard,
    /// `FILTER transport:destination`
    Filter(&'a str),
    /// `REDIRECT user@domain`
    Redirect(&'a str),
}

/// `3F1A2B: hold: RCPT from host[addr]: <x@y>: Recipient address triggers HOLD action;
/// from=<...> ...`. `target` is what matched (`<x@y>`, `<host[addr]>`) and `what` names
/// it as the reject texts do (`Recipient address`, `Sender address`, `Client host`,
/// `Helo command`).
pub fn triggered(
    queue_id: Option<&str>,
    stage: Stage,
    client: &ClientInfo,
    action_taken: Triggered<'_>,
    target: &str,
    what: &str,
    transaction: &Transaction<'_>,
) -> Line {
    let (word, detail) = match action_taken {
        Triggered::Hold => (
            "hold",
            text(format_args!("{target}: {what} triggers HOLD action")),
        ),
        Triggered::Discard => (
            "discard",
            text(format_args!("{target}: {what} triggers DISCARD action")),
        ),
        Triggered::Filter(to) => (
            "filter",
            text(format_args!("{target}: {what} triggers FILTER {to}")),
        ),
        Triggered::Redirect(to) => (
            "redirect",
            text(format_args!("{target}: {what} triggers REDIRECT {to}")),
        ),
    };
    action(queue_id, word, stage, client, &detail, transaction)
}

fn action(
    queue_id: Option<&str>,
    word: &str,
    stage: Stage,
    client: &ClientInfo,
    detail: &dyn fmt::Display,
    transaction: &Transaction<'_>,
) -> Line {
    Line::info(text(format_args!(
        "{}: {word}: {stage} from {client}: {detail}; {transaction}",
        queue_prefix(queue_id)
    )))
}

#[cfg(test)]
mod tests {
    use super::super::golden::assert_postfix;
    use super::super::smtpd::Command;
    use super::super::Proto;
    use super::*;

    fn localhost() -> ClientInfo {
        ClientInfo::new("localhost", "127.0.0.1".parse().expect("addr"), 40000)
    }

    fn esmtp<'a>(from: &'a str, to: &'a str) -> Transaction<'a> {
        Transaction {
            from: Some(from),
            to: Some(to),
            proto: Some(Proto::Esmtp),
            helo: Some("client.test"),
        }
    }

    #[test]
    fn rejects_at_every_stage() {
        let c = localhost();
        let reply = |code, dsn, text| Reply { code, dsn, text };
        assert_postfix(
            &reject(
                None,
                Command::Rcpt.into(),
                &c,
                &reply(554, "5.7.1", "<x@elsewhere.test>: Relay access denied"),
                &esmtp("alice@client.test", "x@elsewhere.test"),
            ),
            "NOQUEUE: reject: RCPT from localhost[127.0.0.1]: 554 5.7.1 <x@elsewhere.test>: Relay access denied; from=<alice@client.test> to=<x@elsewhere.test> proto=ESMTP helo=<client.test>",
        );
        assert_postfix(
            &reject(
                None,
                Stage::Connect,
                &c,
                &reply(
                    554,
                    "5.7.1",
                    "<localhost[127.0.0.1]>: Client host rejected: Access denied",
                ),
                &Transaction {
                    proto: Some(Proto::Smtp),
                    ..Transaction::default()
                },
            ),
            "NOQUEUE: reject: CONNECT from localhost[127.0.0.1]: 554 5.7.1 <localhost[127.0.0.1]>: Client host rejected: Access denied; proto=SMTP",
        );
        assert_postfix(
            &reject(
                Some("80E7A9946E0"),
                Command::Data.into(),
                &c,
                &reply(554, "5.7.1", "<DATA>: Data command rejected: Access denied"),
                &esmtp("alice@client.test", "bob@relay.test"),
            ),
            "80E7A9946E0: reject: DATA from localhost[127.0.0.1]: 554 5.7.1 <DATA>: Data command rejected: Access denied; from=<alice@client.test> to=<bob@relay.test> proto=ESMTP helo=<client.test>",
        );
        assert_postfix(
            &reject(
                Some("78158994755"),
                Stage::EndOfMessage,
                &c,
                &reply(
                    554,
                    "5.7.1",
                    "<eod@client.test>: Sender address rejected: end of data says no",
                ),
                &esmtp("eod@client.test", "bob@relay.test"),
            ),
            "78158994755: reject: END-OF-MESSAGE from localhost[127.0.0.1]: 554 5.7.1 <eod@client.test>: Sender address rejected: end of data says no; from=<eod@client.test> to=<bob@relay.test> proto=ESMTP helo=<client.test>",
        );
        assert_postfix(
            &reject(
                None,
                Command::Vrfy.into(),
                &c,
                &reply(554, "5.7.1", "<bob>: Relay access denied"),
                &Transaction {
                    from: None,
                    to: Some("bob"),
                    proto: Some(Proto::Smtp),
                    helo: Some("client.test"),
                },
            ),
            "NOQUEUE: reject: VRFY from localhost[127.0.0.1]: 554 5.7.1 <bob>: Relay access denied; to=<bob> proto=SMTP helo=<client.test>",
        );
        assert_postfix(
            &reject(
                None,
                Command::Rcpt.into(),
                &c,
                &reply(
                    451,
                    "4.3.5",
                    "<bob@relay.test>: Recipient address rejected: Server configuration error",
                ),
                &esmtp("alice@client.test", "bob@relay.test"),
            ),
            "NOQUEUE: reject: RCPT from localhost[127.0.0.1]: 451 4.3.5 <bob@relay.test>: Recipient address rejected: Server configuration error; from=<alice@client.test> to=<bob@relay.test> proto=ESMTP helo=<client.test>",
        );
    }

    #[test]
    fn rejects_without_delay() {
        // smtpd_delay_reject = no: HELO and MAIL restrictions reject at their own stage. A
        // failed EHLO leaves the session at proto=SMTP.
        let c = localhost();
        assert_postfix(
            &reject(
                None,
                Command::Ehlo.into(),
                &c,
                &Reply {
                    code: 501,
                    dsn: "5.5.2",
                    text: "<bad_helo!>: Helo command rejected: Invalid name",
                },
                &Transaction {
                    proto: Some(Proto::Smtp),
                    helo: Some("bad_helo!"),
                    ..Transaction::default()
                },
            ),
            "NOQUEUE: reject: EHLO from localhost[127.0.0.1]: 501 5.5.2 <bad_helo!>: Helo command rejected: Invalid name; proto=SMTP helo=<bad_helo!>",
        );
        assert_postfix(
            &reject(
                None,
                Command::Mail.into(),
                &c,
                &Reply {
                    code: 504,
                    dsn: "5.5.2",
                    text: "<alice>: Sender address rejected: need fully-qualified address",
                },
                &Transaction {
                    from: Some("alice"),
                    to: None,
                    proto: Some(Proto::Esmtp),
                    helo: Some("client.test"),
                },
            ),
            "NOQUEUE: reject: MAIL from localhost[127.0.0.1]: 504 5.5.2 <alice>: Sender address rejected: need fully-qualified address; from=<alice> proto=ESMTP helo=<client.test>",
        );
    }

    #[test]
    fn access_actions() {
        let c = localhost();
        let rcpt = Stage::from(Command::Rcpt);
        assert_postfix(
            &warn(None, rcpt, &c, "hmm", &esmtp("alice@client.test", "warnme@relay.test")),
            "NOQUEUE: warn: RCPT from localhost[127.0.0.1]: hmm; from=<alice@client.test> to=<warnme@relay.test> proto=ESMTP helo=<client.test>",
        );
        assert_postfix(
            &triggered(
                Some("885889942A2"),
                rcpt,
                &c,
                Triggered::Hold,
                "<holdme@relay.test>",
                "Recipient address",
                &esmtp("alice@client.test", "holdme@relay.test"),
            ),
            "885889942A2: hold: RCPT from localhost[127.0.0.1]: <holdme@relay.test>: Recipient address triggers HOLD action; from=<alice@client.test> to=<holdme@relay.test> proto=ESMTP helo=<client.test>",
        );
        assert_postfix(
            &triggered(
                None,
                rcpt,
                &c,
                Triggered::Discard,
                "<discard@relay.test>",
                "Recipient address",
                &esmtp("alice@client.test", "discard@relay.test"),
            ),
            "NOQUEUE: discard: RCPT from localhost[127.0.0.1]: <discard@relay.test>: Recipient address triggers DISCARD action; from=<alice@client.test> to=<discard@relay.test> proto=ESMTP helo=<client.test>",
        );
        assert_postfix(
            &triggered(
                None,
                rcpt,
                &c,
                Triggered::Filter("smtp:[127.0.0.1]:27430"),
                "<filt@relay.test>",
                "Recipient address",
                &esmtp("alice@client.test", "filt@relay.test"),
            ),
            "NOQUEUE: filter: RCPT from localhost[127.0.0.1]: <filt@relay.test>: Recipient address triggers FILTER smtp:[127.0.0.1]:27430; from=<alice@client.test> to=<filt@relay.test> proto=ESMTP helo=<client.test>",
        );
        assert_postfix(
            &triggered(
                None,
                rcpt,
                &c,
                Triggered::Redirect("filebox@local.test"),
                "<redir@relay.test>",
                "Recipient address",
                &esmtp("alice@client.test", "redir@relay.test"),
            ),
            "NOQUEUE: redirect: RCPT from localhost[127.0.0.1]: <redir@relay.test>: Recipient address triggers REDIRECT filebox@local.test; from=<alice@client.test> to=<redir@relay.test> proto=ESMTP helo=<client.test>",
        );
    }

    #[test]
    fn reject_warning_from_warn_if_reject() {
        let t = Transaction {
            from: Some("alice"),
            to: Some("bob@relay.test"),
            proto: Some(Proto::Esmtp),
            helo: Some("client.test"),
        };
        assert_postfix(
            &reject_warning(
                None,
                Command::Rcpt.into(),
                &localhost(),
                &Reply {
                    code: 504,
                    dsn: "5.5.2",
                    text: "<alice>: Sender address rejected: need fully-qualified address",
                },
                &t,
            ),
            "NOQUEUE: reject_warning: RCPT from localhost[127.0.0.1]: 504 5.5.2 <alice>: Sender address rejected: need fully-qualified address; from=<alice> to=<bob@relay.test> proto=ESMTP helo=<client.test>",
        );
    }
}
