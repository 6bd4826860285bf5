//! `ClientDialogue`: the smtp/lmtp delivery agent's side of a session, sans-IO. Replies
//! go in; bytes to send and per-recipient outcomes come out.
//!
//! Owns: greeting → EHLO/LHLO (→ HELO fallback for SMTP) → MAIL/RCPT/DATA, pipelined when
//! the server offers PIPELINING (RFC 2920), ESMTP parameters sent only when offered, and
//! LMTP's one end-of-data reply per accepted recipient (RFC 2033 §4.2).
//! Never: sockets, TLS, timeouts, DNS, or what a reply means for the queue (the agent maps
//! each recipient's final `Reply` to sent / deferred / bounced).

use std::collections::VecDeque;

use crate::command::{Command, MailParams, RcptParams};
use crate::extensions::ServerExtensions;
use crate::path::{Address, ReversePath};
use crate::reply::Reply;

#[derive(Clone, Debug)]
pub struct ClientConfig {
    pub lmtp: bool,
    /// `smtp_helo_name` / `lmtp_lhlo_name`.
    pub helo_name: String,
}

/// One message's envelope for this session.
#[derive(Clone, Debug)]
pub struct Envelope {
    pub from: ReversePath,
    pub params: MailParams,
    pub recipients: Vec<(Address, RcptParams)>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ClientEvent {
    /// Write these bytes.
    Send(Vec<u8>),
    /// The session is ready for `start_transaction`.
    Ready,
    /// The server said 354: write the content (`data::DataEncoder`, end marker included),
    /// then call `content_sent`.
    SendContent,
    /// A recipient's final reply (by index in `Envelope::recipients`).
    Recipient { index: usize, reply: Reply },
    /// Every recipient of the transaction has its outcome; the session is ready again.
    TransactionDone,
    /// The greeting or HELO failed: every later transaction would fail with this reply.
    SessionFailed(Reply),
    /// The QUIT reply arrived (or the session failed): close the connection.
    Close,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Expect {
    Greeting,
    Ehlo,
    Helo,
    Mail,
    Rcpt(usize),
    Data,
    /// The 354 came although no recipient was accepted: we sent a lone `.`; swallow its reply.
    Abandoned,
    EndOfData,
    Rset,
    Quit,
}

#[derive(Debug)]
pub struct ClientDialogue {
    config: ClientConfig,
    ext: ServerExtensions,
    expect: VecDeque<Expect>,
    envelope: Option<Envelope>,
    pipelined: bool,
    mail_failed: Option<Reply>,
    accepted: Vec<usize>,
    end_replies: usize,
    next_rcpt: usize,
}

impl ClientDialogue {
    pub fn new(config: ClientConfig) -> Self {
        Self {
            config,
            ext: ServerExtensions::default(),
            expect: VecDeque::from([Expect::Greeting]),
            envelope: None,
            pipelined: false,
            mail_failed: None,
            accepted: Vec::new(),
            end_replies: 0,
            next_rcpt: 0,
        }
    }

    /// What the server offered in its EHLO/LHLO reply.
    pub fn extensions(&self) -> &ServerExtensions {
        &self.ext
    }

    /// Starts a transaction; only valid after `Ready` or `TransactionDone`.
    pub fn start_transaction(&mut self, envelope: Envelope) -> Vec<ClientEvent> {
        if !self.expect.is_empty() || self.envelope.is_some() || envelope.recipients.is_empty() {
            return Vec::new();
        }
        self.pipelined = self.ext.pipelining();
        self.mail_failed = None;
        self.accepted.clear();
        self.next_rcpt = 0;
        let mail = self.mail_command(&envelope);
        let mut out = mail.into_bytes();
        self.expect.push_back(Expect::Mail);
        if self.pipelined {
            for (i, _) in envelope.recipients.iter().enumerate() {
                out.extend_from_slice(self.rcpt_command(&envelope, i).as_bytes());
                self.expect.push_back(Expect::Rcpt(i));
            }
            self.next_rcpt = envelope.recipients.len();
            out.extend_from_slice(b"DATA\r\n");
            self.expect.push_back(Expect::Data);
        }
        self.envelope = Some(envelope);
        vec![ClientEvent::Send(out)]
    }

    /// The content and its end marker were written.
    pub fn content_sent(&mut self) {
        self.end_replies = if self.config.lmtp {
            self.accepted.len()
        } else {
            1
        };
        self.expect.push_back(Expect::EndOfData);
    }

    /// Ends the session politely.
    pub fn quit(&mut self) -> Vec<ClientEvent> {
        self.expect.push_back(Expect::Quit);
        vec![ClientEvent::Send(b"QUIT\r\n".to_vec())]
    }

    /// One complete reply from the server.
    pub fn on_reply(&mut self, reply: Reply) -> Vec<ClientEvent> {
        let Some(expect) = self.expect.pop_front() else {
            // Unsolicited (e.g. 421 on idle): treat as the end of the session.
            return vec![ClientEvent::SessionFailed(reply), ClientEvent::Close];
        };
        match expect {
            Expect::Greeting if reply.code / 100 == 2 => {
                let verb = if self.config.lmtp { "LHLO" } else { "EHLO" };
                self.expect.push_back(Expect::Ehlo);
                vec![ClientEvent::Send(
                    format!("{verb} {}\r\n", self.config.helo_name).into_bytes(),
                )]
            }
            Expect::Ehlo if reply.code / 100 == 2 => {
                self.ext = ServerExtensions::parse(&reply);
                vec![ClientEvent::Ready]
            }
            Expect::Ehlo if !self.config.lmtp && reply.is_permanent() => {
                self.expect.push_back(Expect::Helo);
                vec![ClientEvent::Send(
                    format!("HELO {}\r\n", self.config.helo_name).into_bytes(),
                )]
            }
            Expect::Helo if reply.code / 100 == 2 => {
                self.ext = ServerExtensions::default();
                vec![ClientEvent::Ready]
            }
            Expect::Greeting | Expect::Ehlo | Expect::Helo => {
                self.expect.clear();
                self.expect.push_back(Expect::Quit);
                vec![
                    ClientEvent::SessionFailed(reply),
                    ClientEvent::Send(b"QUIT\r\n".to_vec()),
                ]
            }
            Expect::Mail => self.on_mail(reply),
            Expect::Rcpt(i) => self.on_rcpt(i, reply),
            Expect::Data => self.on_data(reply),
            Expect::Abandoned => vec![ClientEvent::Send(b"RSET\r\n".to_vec())]
                .into_iter()
                .chain(self.expect_rset())
                .collect(),
            Expect::EndOfData => self.on_end_of_data(reply),
            Expect::Rset => self.finish_transaction(None),
            Expect::Quit => vec![ClientEvent::Close],
        }
    }

    fn expect_rset(&mut self) -> Vec<ClientEvent> {
        self.expect.push_back(Expect::Rset);
        Vec::new()
    }

    fn on_mail(&mut self, reply: Reply) -> Vec<ClientEvent> {
        if reply.is_positive() {
            return self.send_next_rcpt();
        }
        self.mail_failed = Some(reply);
        if self.pipelined {
            // The RCPT and DATA replies are still on their way.
            return Vec::new();
        }
        let mut out = self.finish_transaction_pending_rset();
        out.insert(0, ClientEvent::Send(b"RSET\r\n".to_vec()));
        out
    }

    fn on_rcpt(&mut self, index: usize, reply: Reply) -> Vec<ClientEvent> {
        let mut out = Vec::new();
        if let Some(mail_reply) = &self.mail_failed {
            out.push(ClientEvent::Recipient {
                index,
                reply: mail_reply.clone(),
            });
        } else if reply.is_positive() {
            self.accepted.push(index);
        } else {
            out.push(ClientEvent::Recipient { index, reply });
        }
        if !self.pipelined {
            out.extend(self.send_next_rcpt());
        }
        out
    }

    fn send_next_rcpt(&mut self) -> Vec<ClientEvent> {
        let Some(env) = &self.envelope else {
            return Vec::new();
        };
        if self.next_rcpt < env.recipients.len() {
            let i = self.next_rcpt;
            self.next_rcpt += 1;
            self.expect.push_back(Expect::Rcpt(i));
            return vec![ClientEvent::Send(self.rcpt_command(env, i).into_bytes())];
        }
        if self.pipelined {
            return Vec::new();
        }
        if self.accepted.is_empty() {
            let mut out = vec![ClientEvent::Send(b"RSET\r\n".to_vec())];
            out.extend(self.expect_rset());
            return out;
        }
        self.expect.push_back(Expect::Data);
        vec![ClientEvent::Send(b"DATA\r\n".to_vec())]
    }

    fn on_data(&mut self, reply: Reply) -> Vec<ClientEvent> {
        if reply.code == 354 {
            if self.accepted.is_empty() || self.mail_failed.is_some() {
                // RFC 2920 §3.1: a server may say 354 although every RCPT failed.
                self.expect.push_back(Expect::Abandoned);
                return vec![ClientEvent::Send(b".\r\n".to_vec())];
            }
            return vec![ClientEvent::SendContent];
        }
        if self.accepted.is_empty() || self.mail_failed.is_some() {
            // Every recipient already has its outcome; DATA's refusal is expected.
            let mut out = vec![ClientEvent::Send(b"RSET\r\n".to_vec())];
            out.extend(self.expect_rset());
            return out;
        }
        let out = self.accepted_outcomes(&reply);
        self.accepted.clear();
        let mut events = vec![ClientEvent::Send(b"RSET\r\n".to_vec())];
        events.extend(out);
        self.expect.push_back(Expect::Rset);
        events
    }

    fn on_end_of_data(&mut self, reply: Reply) -> Vec<ClientEvent> {
        if !self.config.lmtp {
            let out = self.accepted_outcomes(&reply);
            self.accepted.clear();
            return self.finish_transaction(Some(out));
        }
        let mut out = Vec::new();
        if !self.accepted.is_empty() {
            let index = self.accepted.remove(0);
            out.push(ClientEvent::Recipient { index, reply });
        }
        self.end_replies = self.end_replies.saturating_sub(1);
        if self.end_replies > 0 {
            self.expect.push_front(Expect::EndOfData);
            return out;
        }
        self.finish_transaction(Some(out))
    }

    fn accepted_outcomes(&self, reply: &Reply) -> Vec<ClientEvent> {
        self.accepted
            .iter()
            .map(|&index| ClientEvent::Recipient {
                index,
                reply: reply.clone(),
            })
            .collect()
    }

    /// Non-pipelined MAIL failure: every recipient gets the MAIL reply; RSET is in flight.
    fn finish_transaction_pending_rset(&mut self) -> Vec<ClientEvent> {
        let Some(reply) = self.mail_failed.clone() else {
            return Vec::new();
        };
        let n = self.envelope.as_ref().map_or(0, |e| e.recipients.len());
        self.expect.push_back(Expect::Rset);
        self.next_rcpt = n;
        (0..n)
            .map(|index| ClientEvent::Recipient {
                index,
                reply: reply.clone(),
            })
            .collect()
    }

    fn finish_transaction(&mut self, events: Option<Vec<ClientEvent>>) -> Vec<ClientEvent> {
        let mut out = events.unwrap_or_default();
        self.envelope = None;
        self.accepted.clear();
        out.push(ClientEvent::TransactionDone);
        out
    }

    fn mail_command(&self, env: &Envelope) -> String {
        let mut params = env.params.clone();
        if !self.ext.has("SIZE") {
            params.size = None;
        }
        if !self.ext.has("8BITMIME") && params.body != Some(crate::command::Body::BinaryMime) {
            params.body = None;
        }
        if !self.ext.has("SMTPUTF8") {
            params.smtputf8 = false;
        }
        if !self.ext.has("DSN") {
            params.ret = None;
            params.envid = None;
        }
        if !self.ext.has("AUTH") {
            params.auth = None;
        }
        Command::Mail {
            from: env.from.clone(),
            params,
        }
        .to_line()
    }

    fn rcpt_command(&self, env: &Envelope, index: usize) -> String {
        let Some((to, params)) = env.recipients.get(index) else {
            return String::new();
        };
        let params = if self.ext.has("DSN") {
            params.clone()
        } else {
            RcptParams::default()
        };
        Command::Rcpt {
            to: to.clone(),
            params,
        }
        .to_line()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::reply::parse_replies;

    fn reply(text: &str) -> Reply {
        let (mut r, _) = parse_replies(text.as_bytes());
        r.remove(0).unwrap_or_else(|e| panic!("{e:?}"))
    }

    fn sent(events: &[ClientEvent]) -> String {
        events
            .iter()
            .filter_map(|e| match e {
                ClientEvent::Send(b) => Some(String::from_utf8_lossy(b).into_owned()),
                _ => None,
            })
            .collect()
    }

    fn addr(s: &str) -> Address {
        Address::new(s).unwrap_or_else(|| unreachable!())
    }

    fn envelope(n: usize) -> Envelope {
        Envelope {
            from: ReversePath::Address(addr("a@b")),
            params: MailParams {
                size: Some(100),
                ..MailParams::default()
            },
            recipients: (0..n)
                .map(|i| (addr(&format!("r{i}@x")), RcptParams::default()))
                .collect(),
        }
    }

    fn ready(lmtp: bool, ehlo: &str) -> ClientDialogue {
        let mut c = ClientDialogue::new(ClientConfig {
            lmtp,
            helo_name: "me.example".into(),
        });
        let ev = c.on_reply(reply("220 mx ESMTP\r\n"));
        assert_eq!(
            sent(&ev),
            if lmtp {
                "LHLO me.example\r\n"
            } else {
                "EHLO me.example\r\n"
            }
        );
        let ev = c.on_reply(reply(ehlo));
        assert_eq!(ev, [ClientEvent::Ready]);
        c
    }

    #[test]
    fn pipelined_transaction_with_one_rejected_recipient() {
        let mut c = ready(false, "250-mx\r\n250-PIPELINING\r\n250 SIZE 1000\r\n");
        let ev = c.start_transaction(envelope(2));
        assert_eq!(
            sent(&ev),
            "MAIL FROM:<a@b> SIZE=100\r\nRCPT TO:<r0@x>\r\nRCPT TO:<r1@x>\r\nDATA\r\n"
        );
        assert!(c.on_reply(reply("250 2.1.0 Ok\r\n")).is_empty());
        let ev = c.on_reply(reply("550 5.1.1 no such user\r\n"));
        assert!(
            matches!(&ev[..], [ClientEvent::Recipient { index: 0, reply }] if reply.code == 550)
        );
        assert!(c.on_reply(reply("250 2.1.5 Ok\r\n")).is_empty());
        assert_eq!(c.on_reply(reply("354 go\r\n")), [ClientEvent::SendContent]);
        c.content_sent();
        let ev = c.on_reply(reply("250 2.0.0 Ok: queued as X\r\n"));
        assert!(
            matches!(&ev[..], [ClientEvent::Recipient { index: 1, reply }, ClientEvent::TransactionDone] if reply.code == 250)
        );
        assert_eq!(sent(&c.quit()), "QUIT\r\n");
        assert_eq!(c.on_reply(reply("221 bye\r\n")), [ClientEvent::Close]);
    }

    #[test]
    fn unpipelined_and_helo_fallback() {
        let mut c = ClientDialogue::new(ClientConfig {
            lmtp: false,
            helo_name: "me".into(),
        });
        c.on_reply(reply("220 old\r\n"));
        assert_eq!(sent(&c.on_reply(reply("502 what\r\n"))), "HELO me\r\n");
        assert_eq!(c.on_reply(reply("250 old\r\n")), [ClientEvent::Ready]);
        let ev = c.start_transaction(envelope(1));
        assert_eq!(
            sent(&ev),
            "MAIL FROM:<a@b>\r\n",
            "no SIZE without the extension"
        );
        assert_eq!(sent(&c.on_reply(reply("250 ok\r\n"))), "RCPT TO:<r0@x>\r\n");
        assert_eq!(sent(&c.on_reply(reply("250 ok\r\n"))), "DATA\r\n");
        assert_eq!(c.on_reply(reply("354 go\r\n")), [ClientEvent::SendContent]);
    }

    #[test]
    fn mail_rejected_fails_every_recipient() {
        let mut c = ready(false, "250-mx\r\n250 PIPELINING\r\n");
        c.start_transaction(envelope(2));
        assert!(c.on_reply(reply("451 4.3.0 try later\r\n")).is_empty());
        let ev = c.on_reply(reply("503 5.5.1 need MAIL\r\n"));
        assert!(
            matches!(&ev[..], [ClientEvent::Recipient { index: 0, reply }] if reply.code == 451)
        );
        c.on_reply(reply("503 5.5.1 need MAIL\r\n"));
        let ev = c.on_reply(reply("554 5.5.1 no valid recipients\r\n"));
        assert_eq!(sent(&ev), "RSET\r\n");
        assert_eq!(
            c.on_reply(reply("250 ok\r\n")),
            [ClientEvent::TransactionDone]
        );
    }

    #[test]
    fn lmtp_gets_one_reply_per_accepted_recipient() {
        let mut c = ready(true, "250-lmtp\r\n250 PIPELINING\r\n");
        c.start_transaction(envelope(3));
        c.on_reply(reply("250 ok\r\n"));
        c.on_reply(reply("250 ok\r\n"));
        c.on_reply(reply("550 5.1.1 unknown\r\n"));
        c.on_reply(reply("250 ok\r\n"));
        assert_eq!(c.on_reply(reply("354 go\r\n")), [ClientEvent::SendContent]);
        c.content_sent();
        let ev = c.on_reply(reply("250 2.0.0 delivered\r\n"));
        assert!(matches!(&ev[..], [ClientEvent::Recipient { index: 0, .. }]));
        let ev = c.on_reply(reply("452 4.2.2 mailbox full\r\n"));
        assert!(
            matches!(&ev[..], [ClientEvent::Recipient { index: 2, reply }, ClientEvent::TransactionDone] if reply.code == 452)
        );
    }

    #[test]
    fn abandoned_data_after_all_recipients_fail() {
        let mut c = ready(false, "250-mx\r\n250 PIPELINING\r\n");
        c.start_transaction(envelope(1));
        c.on_reply(reply("250 ok\r\n"));
        c.on_reply(reply("550 no\r\n"));
        assert_eq!(sent(&c.on_reply(reply("354 go\r\n"))), ".\r\n");
        assert_eq!(
            sent(&c.on_reply(reply("554 no valid recipients\r\n"))),
            "RSET\r\n"
        );
        assert_eq!(
            c.on_reply(reply("250 ok\r\n")),
            [ClientEvent::TransactionDone]
        );
    }

    #[test]
    fn unexpected_reply_closes() {
        let mut c = ready(false, "250 mx\r\n");
        let ev = c.on_reply(reply("421 4.4.2 idle\r\n"));
        assert_eq!(ev.last(), Some(&ClientEvent::Close));
    }
}
