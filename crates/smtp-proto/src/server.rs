//! `ServerDialogue`: smtpd's SMTP state machine, sans-IO. Command lines and outcomes go in;
//! an `Action` comes out: replies to send, then what the shell does next (read the next
//! command, ask policy, receive DATA or a BDAT chunk, start TLS, hang up).
//!
//! Owns: command order (Postfix's 503 replies), recipient and error limits
//! (`smtpd_recipient_limit`, `smtpd_{soft,hard}_error_limit`, `smtpd_junk_command_limit`),
//! PIPELINING group tracking for `reject_unauth_pipelining`, and the bare-LF policy.
//! Never: policy (HELO/MAIL/RCPT/DATA restrictions, VRFY/ETRN answers, SASL, XCLIENT) —
//! those come back as `Next::Decide` for the caller to answer with `decided` — nor I/O,
//! timers or the error sleep itself (`Action::tarpit` says when to sleep).
//!
//! Each command has one rule function (is it allowed now?) and one proceed step (what it
//! does), in `check` and `proceed`, matched exhaustively on `Command`.

use crate::command::{self, Command, MailParams, RcptParams, SyntaxError, Verb};
use crate::extensions::Extensions;
use crate::line::{BareNewline, Ending};
use crate::path::{Address, ReversePath};
use crate::replies;
use crate::reply::Reply;

/// Per-session settings, a snapshot taken when the session starts.
#[derive(Clone, Debug)]
pub struct ServerConfig {
    /// `smtpd_banner` (`$myhostname ESMTP $mail_name`), sent at connect and after XCLIENT.
    pub banner: String,
    /// `myhostname`: in the HELO reply, the EHLO reply, 421 and bare-LF replies.
    pub hostname: String,
    /// `message_size_limit` (0: none).
    pub message_size_limit: u64,
    /// `smtpd_recipient_limit`.
    pub recipient_limit: usize,
    pub soft_error_limit: u32,
    pub hard_error_limit: u32,
    pub junk_command_limit: u32,
    /// `smtpd_forbid_bare_newline` after the caller applied the exclusions for this client.
    pub bare_newline: BareNewline,
    /// `smtpd_forbid_bare_newline_reject_code`.
    pub bare_newline_reject_code: u16,
    /// What EHLO advertises; STARTTLS and AUTH also gate the commands.
    pub extensions: Extensions,
    /// TLS is configured (and not yet active) so STARTTLS is offered.
    pub tls_available: bool,
    /// `smtpd_helo_required`.
    pub helo_required: bool,
    /// `disable_vrfy_command`.
    pub vrfy_disabled: bool,
    /// The client may use XCLIENT / XFORWARD (`smtpd_authorized_x*_hosts`).
    pub xclient_authorized: bool,
    pub xforward_authorized: bool,
}

impl Default for ServerConfig {
    /// Postfix 3.7 defaults.
    fn default() -> Self {
        Self {
            hostname: "localhost".into(),
            banner: "localhost ESMTP facteur".into(),
            message_size_limit: 10_240_000,
            recipient_limit: 1000,
            soft_error_limit: 10,
            hard_error_limit: 20,
            junk_command_limit: 100,
            bare_newline: BareNewline::No,
            bare_newline_reject_code: 550,
            extensions: Extensions::default(),
            tls_available: false,
            helo_required: false,
            vrfy_disabled: false,
            xclient_authorized: false,
            xforward_authorized: false,
        }
    }
}

/// A question for the caller's policy; answer with `ServerDialogue::decided`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Decision {
    /// `smtpd_helo_restrictions`. Accept → HELO/EHLO reply.
    Helo {
        host: String,
        esmtp: bool,
    },
    /// `smtpd_sender_restrictions` (and queue space). Accept → `250 2.1.0 Ok`.
    Mail {
        from: ReversePath,
        params: MailParams,
    },
    /// `smtpd_recipient_restrictions` / relay. Accept → `250 2.1.5 Ok`.
    Rcpt {
        to: Address,
        params: RcptParams,
    },
    /// `smtpd_data_restrictions`, for DATA and for the first BDAT chunk.
    Data,
    /// `smtpd_end_of_data_restrictions` and queueing: answer with
    /// `Verdict::Reply(replies::queued(id))` (BDAT: `replies::bdat_queued`) or a rejection.
    EndOfData {
        bytes: u64,
    },
    /// Accept → `252 2.0.0 <arg>`.
    Vrfy {
        address: Address,
        arg: String,
    },
    /// The caller answers with its own reply (Postfix: `250 Queuing started`, `459 ...`).
    Etrn {
        arg: String,
    },
    /// The caller runs the SASL exchange (`replies::auth_challenge`, `auth_aborted`,
    /// `auth_failed`) and answers with its final reply; Accept → `235 2.7.0`.
    Auth {
        mechanism: String,
        initial: Option<String>,
    },
    XClient {
        attrs: Vec<(String, String)>,
    },
    XForward {
        attrs: Vec<(String, String)>,
    },
}

/// The caller's answer to a `Decision`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// Proceed with the standard positive reply.
    Accept,
    /// Send this reply instead; a 2xx/3xx reply counts as accepted.
    Reply(Reply),
}

/// What the shell does after sending `Action::replies`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Next {
    ReadCommand,
    Decide(Decision),
    /// Decode DATA content (`data::DataDecoder`) up to the end marker, then call
    /// `data_done`. Past `message_size_limit` keep decoding but stop keeping the content:
    /// Postfix reads to the end marker before it answers 552.
    ReceiveData,
    /// Read `size` bytes (`bdat::BdatReader`), then call `chunk_done`. With `discard` the
    /// bytes are thrown away.
    ReceiveChunk {
        size: u64,
        last: bool,
        discard: bool,
    },
    /// Handshake TLS, then call `tls_started`.
    StartTls,
    Close,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Action {
    pub replies: Vec<Reply>,
    /// `smtpd_soft_error_limit` reached: sleep `smtpd_error_sleep_time` before replying.
    pub tarpit: bool,
    pub next: Next,
}

#[derive(Clone, Debug)]
struct Transaction {
    from: ReversePath,
    params: MailParams,
    rcpts: usize,
    /// BDAT seen in this transaction, with the bytes received so far.
    bdat: Option<BdatState>,
}

#[derive(Clone, Copy, Debug)]
struct BdatState {
    total: u64,
}

#[derive(Clone, Debug)]
enum Pending {
    None,
    Decision(Decision),
    Data,
    Chunk {
        size: u64,
        last: bool,
        discard_reply: Option<Reply>,
    },
}

/// One SMTP session's protocol state.
#[derive(Debug)]
pub struct ServerDialogue {
    config: ServerConfig,
    helo: Option<(String, bool)>,
    tx: Option<Transaction>,
    pending: Pending,
    errors: u32,
    junk: u32,
    tls_active: bool,
    authenticated: bool,
    improper_pipelining: bool,
    /// A BDAT sequence failed: its chunks are read and discarded up to LAST.
    bdat_discarding: bool,
    closed: bool,
}

impl ServerDialogue {
    pub fn new(config: ServerConfig) -> Self {
        Self {
            config,
            helo: None,
            tx: None,
            pending: Pending::None,
            errors: 0,
            junk: 0,
            tls_active: false,
            authenticated: false,
            improper_pipelining: false,
            bdat_discarding: false,
            closed: false,
        }
    }

    /// The `220` greeting to send when the connection opens.
    pub fn greeting(&self) -> Reply {
        replies::greeting(&self.config.banner)
    }

    pub fn config(&self) -> &ServerConfig {
        &self.config
    }

    /// The HELO/EHLO name, and whether it was EHLO.
    pub fn helo(&self) -> Option<(&str, bool)> {
        self.helo.as_ref().map(|(h, e)| (h.as_str(), *e))
    }

    pub fn sender(&self) -> Option<&ReversePath> {
        self.tx.as_ref().map(|t| &t.from)
    }

    pub fn mail_params(&self) -> Option<&MailParams> {
        self.tx.as_ref().map(|t| &t.params)
    }

    pub fn recipient_count(&self) -> usize {
        self.tx.as_ref().map_or(0, |t| t.rcpts)
    }

    /// AUTH succeeded in this session.
    pub fn is_authenticated(&self) -> bool {
        self.authenticated
    }

    pub fn error_count(&self) -> u32 {
        self.errors
    }

    /// The client sent commands before a reply it had to wait for (RFC 2920 §3.1), or
    /// pipelined without EHLO: what `reject_unauth_pipelining` tests.
    pub fn improper_pipelining(&self) -> bool {
        self.improper_pipelining
    }

    pub fn is_closed(&self) -> bool {
        self.closed
    }

    /// One command line. `more_input`: bytes after this line are already buffered (the
    /// client did not wait for this reply).
    pub fn command(&mut self, line: &[u8], ending: Ending, more_input: bool) -> Action {
        if self.closed || !matches!(self.pending, Pending::None) {
            // The shell broke the protocol (a command while a decision or DATA is
            // pending); end the session rather than guess.
            return self.close_with(Vec::new());
        }
        if ending == Ending::BareLf && self.config.bare_newline == BareNewline::Reject {
            let reply = replies::bare_lf_received(
                self.config.bare_newline_reject_code,
                &self.config.hostname,
            );
            return self.close_with(vec![reply]);
        }
        let cmd = command::parse(line);
        if more_input
            && (must_end_group(&cmd) || !self.helo.as_ref().is_some_and(|(_, esmtp)| *esmtp))
        {
            self.improper_pipelining = true;
        }
        if is_junk(&cmd) {
            if self.junk > self.config.junk_command_limit {
                self.errors += 1;
            }
            self.junk = self.junk.saturating_add(1);
        }
        match self.check(&cmd) {
            Err(reply) => self.finish(vec![reply], Next::ReadCommand),
            Ok(()) => self.proceed(cmd),
        }
    }

    /// Rules: may this command run now? Postfix checks these before argument syntax.
    fn check(&self, cmd: &Command) -> Result<(), Reply> {
        let in_tx = self.tx.is_some();
        let in_bdat = self.tx.as_ref().is_some_and(|t| t.bdat.is_some());
        let (verb, empty_x) = match cmd {
            Command::Invalid { verb, error } => (
                Some(*verb),
                matches!(
                    error,
                    SyntaxError::XClientSyntax | SyntaxError::XForwardSyntax
                ),
            ),
            _ => (None, false),
        };
        match cmd {
            Command::Mail { .. } if in_tx => Err(replies::nested_mail()),
            Command::Mail { .. } if self.config.helo_required && self.helo.is_none() => {
                Err(replies::helo_first())
            }
            Command::Vrfy { .. } if self.config.vrfy_disabled => Err(replies::vrfy_disabled()),
            Command::Rcpt { .. } if !in_tx => Err(replies::need_mail()),
            Command::Rcpt { .. } if in_bdat => Err(replies::rcpt_after_bdat()),
            Command::Data if in_bdat => Err(replies::data_after_bdat()),
            Command::Data if !in_tx => Err(replies::need_rcpt()),
            Command::Data if self.recipient_count() == 0 => Err(replies::no_valid_recipients()),
            Command::Etrn { .. } if in_tx => Err(replies::etrn_in_transaction()),
            Command::StartTls if self.tls_active => Err(replies::tls_already_active()),
            Command::StartTls if !self.config.tls_available => {
                Err(replies::command_not_implemented())
            }
            Command::Auth { .. } if self.config.extensions.auth.is_empty() => {
                Err(replies::auth_not_enabled())
            }
            Command::Auth { .. } if in_tx => Err(replies::mail_transaction_in_progress()),
            Command::Auth { .. } if self.authenticated => Err(replies::already_authenticated()),
            Command::XClient { .. } | Command::XForward { .. } if in_tx => {
                Err(replies::mail_transaction_in_progress())
            }
            Command::XClient { .. } if !self.config.xclient_authorized => {
                Err(replies::insufficient_authorization())
            }
            Command::XForward { .. } if !self.config.xforward_authorized => {
                Err(replies::insufficient_authorization())
            }
            Command::Invalid { .. } => match verb {
                Some(Verb::Mail) if in_tx => Err(replies::nested_mail()),
                Some(Verb::Rcpt) if !in_tx => Err(replies::need_mail()),
                Some(Verb::Rcpt) if in_bdat => Err(replies::rcpt_after_bdat()),
                Some(Verb::Data) if in_bdat => Err(replies::data_after_bdat()),
                Some(Verb::Data) if !in_tx => Err(replies::need_rcpt()),
                Some(Verb::Data) if self.recipient_count() == 0 => {
                    Err(replies::no_valid_recipients())
                }
                Some(Verb::Mail) if self.config.helo_required && self.helo.is_none() => {
                    Err(replies::helo_first())
                }
                Some(Verb::Vrfy) if self.config.vrfy_disabled => Err(replies::vrfy_disabled()),
                Some(Verb::Etrn) if in_tx => Err(replies::etrn_in_transaction()),
                Some(Verb::XClient | Verb::XForward) if in_tx => {
                    Err(replies::mail_transaction_in_progress())
                }
                Some(Verb::Auth) if self.config.extensions.auth.is_empty() => {
                    Err(replies::auth_not_enabled())
                }
                // An empty XCLIENT/XFORWARD gets its usage line even when unauthorized;
                // other argument errors are only shown to authorized clients.
                Some(Verb::XClient) if !self.config.xclient_authorized && !empty_x => {
                    Err(replies::insufficient_authorization())
                }
                Some(Verb::XForward) if !self.config.xforward_authorized && !empty_x => {
                    Err(replies::insufficient_authorization())
                }
                _ => Ok(()),
            },
            Command::Helo { .. }
            | Command::Ehlo { .. }
            | Command::Lhlo { .. }
            | Command::Mail { .. }
            | Command::Rcpt { .. }
            | Command::Data
            | Command::Bdat { .. }
            | Command::Rset
            | Command::Noop
            | Command::Quit
            | Command::Vrfy { .. }
            | Command::Etrn { .. }
            | Command::Expn { .. }
            | Command::Help { .. }
            | Command::StartTls
            | Command::Auth { .. }
            | Command::XClient { .. }
            | Command::XForward { .. }
            | Command::Unknown { .. }
            | Command::BadUtf8
            | Command::Forbidden { .. } => Ok(()),
        }
    }

    /// Actions: what an allowed command does.
    fn proceed(&mut self, cmd: Command) -> Action {
        match cmd {
            Command::Helo { host } => self.decide(Decision::Helo { host, esmtp: false }),
            Command::Ehlo { host } => self.decide(Decision::Helo { host, esmtp: true }),
            Command::Mail { from, params } => {
                let limit = self.config.message_size_limit;
                if limit > 0 && params.size.is_some_and(|s| s > limit) {
                    return self.finish(vec![replies::message_too_big()], Next::ReadCommand);
                }
                self.decide(Decision::Mail { from, params })
            }
            Command::Rcpt { to, params } => {
                if self.recipient_count() >= self.config.recipient_limit {
                    return self.finish(vec![replies::too_many_recipients()], Next::ReadCommand);
                }
                self.decide(Decision::Rcpt { to, params })
            }
            Command::Data => self.decide(Decision::Data),
            Command::Bdat { size, last } => self.bdat(size, last),
            Command::Rset => {
                self.tx = None;
                self.bdat_discarding = false;
                self.finish(vec![replies::ok()], Next::ReadCommand)
            }
            Command::Noop => self.finish(vec![replies::ok()], Next::ReadCommand),
            Command::Quit => self.close_with(vec![replies::bye()]),
            Command::Vrfy { arg, address } => self.decide(Decision::Vrfy { address, arg }),
            Command::Etrn { arg } => self.decide(Decision::Etrn { arg }),
            Command::StartTls => self.finish(vec![replies::starttls_ready()], Next::StartTls),
            Command::Auth { mechanism, initial } => {
                self.decide(Decision::Auth { mechanism, initial })
            }
            Command::XClient { attrs } => self.decide(Decision::XClient { attrs }),
            Command::XForward { attrs } => self.decide(Decision::XForward { attrs }),
            Command::Lhlo { .. }
            | Command::Expn { .. }
            | Command::Help { .. }
            | Command::Unknown { .. } => {
                self.finish(vec![replies::command_not_recognized()], Next::ReadCommand)
            }
            Command::BadUtf8 => self.finish(vec![replies::bad_utf8()], Next::ReadCommand),
            Command::Invalid { error, .. } => self.syntax_error(error),
            Command::Forbidden { .. } => self.close_with(vec![replies::forbidden_command()]),
        }
    }

    fn syntax_error(&mut self, error: SyntaxError) -> Action {
        if error.disconnects() {
            return self.close_with(vec![error.reply()]);
        }
        self.finish(vec![error.reply()], Next::ReadCommand)
    }

    fn bdat(&mut self, size: u64, last: bool) -> Action {
        if size == 0 && !last {
            return self.finish(vec![replies::null_bdat()], Next::ReadCommand);
        }
        if self.bdat_discarding {
            return self.chunk_then(size, last, Some(replies::bdat_discarded(size)));
        }
        let Some(tx) = self.tx.as_mut() else {
            return self.chunk_then(size, last, Some(replies::need_rcpt()));
        };
        if tx.bdat.is_none() && tx.rcpts == 0 {
            tx.bdat = Some(BdatState { total: 0 });
            return self.chunk_then(size, last, Some(replies::no_valid_recipients()));
        }
        // Known too big before reading: the shell discards the chunk instead of keeping it.
        let so_far = tx.bdat.map_or(0, |b| b.total);
        let limit = self.config.message_size_limit;
        if limit > 0 && so_far.saturating_add(size) > limit {
            tx.bdat.get_or_insert(BdatState { total: so_far });
            return self.chunk_then(size, last, Some(replies::chunk_too_big()));
        }
        if tx.bdat.is_none() {
            tx.bdat = Some(BdatState { total: 0 });
            self.pending = Pending::Chunk {
                size,
                last,
                discard_reply: None,
            };
            return Action {
                replies: Vec::new(),
                tarpit: false,
                next: Next::Decide(Decision::Data),
            };
        }
        self.pending = Pending::Chunk {
            size,
            last,
            discard_reply: None,
        };
        Action {
            replies: Vec::new(),
            tarpit: false,
            next: Next::ReceiveChunk {
                size,
                last,
                discard: false,
            },
        }
    }

    /// Read (and drop) a chunk, then send `reply`.
    fn chunk_then(&mut self, size: u64, last: bool, reply: Option<Reply>) -> Action {
        self.bdat_discarding = !last;
        if last {
            self.tx = None;
        }
        self.pending = Pending::Chunk {
            size,
            last,
            discard_reply: reply,
        };
        Action {
            replies: Vec::new(),
            tarpit: false,
            next: Next::ReceiveChunk {
                size,
                last,
                discard: true,
            },
        }
    }

    /// The shell finished reading a BDAT chunk.
    pub fn chunk_done(&mut self, bare_lf: u64) -> Action {
        let Pending::Chunk {
            size,
            last,
            discard_reply,
        } = std::mem::replace(&mut self.pending, Pending::None)
        else {
            return self.close_with(Vec::new());
        };
        if let Some(reply) = discard_reply {
            return self.finish(vec![reply], Next::ReadCommand);
        }
        let total = match self.tx.as_mut().and_then(|t| t.bdat.as_mut()) {
            Some(b) => {
                b.total = b.total.saturating_add(size);
                b.total
            }
            None => size,
        };
        let limit = self.config.message_size_limit;
        let rejection = if limit > 0 && total > limit {
            Some(replies::chunk_too_big())
        } else if bare_lf > 0 && self.config.bare_newline == BareNewline::Reject {
            Some(replies::bare_lf_received(
                self.config.bare_newline_reject_code,
                &self.config.hostname,
            ))
        } else {
            None
        };
        if let Some(reply) = rejection {
            self.bdat_discarding = !last;
            if last {
                self.tx = None;
            }
            return self.finish(vec![reply], Next::ReadCommand);
        }
        if last {
            return self.decide(Decision::EndOfData { bytes: total });
        }
        self.finish(vec![replies::bdat_chunk_ok(total)], Next::ReadCommand)
    }

    /// The shell finished decoding DATA: content size and bare LFs seen.
    pub fn data_done(&mut self, bytes: u64, bare_lf: u64) -> Action {
        if !matches!(self.pending, Pending::Data) {
            return self.close_with(Vec::new());
        }
        self.pending = Pending::None;
        let limit = self.config.message_size_limit;
        let rejection = if limit > 0 && bytes > limit {
            Some(replies::message_file_too_big())
        } else if bare_lf > 0 && self.config.bare_newline == BareNewline::Reject {
            Some(replies::bare_lf_received(
                self.config.bare_newline_reject_code,
                &self.config.hostname,
            ))
        } else {
            None
        };
        if let Some(reply) = rejection {
            self.tx = None;
            return self.finish(vec![reply], Next::ReadCommand);
        }
        self.decide(Decision::EndOfData { bytes })
    }

    /// TLS is up: forget everything learnt before it (RFC 3207 §4.2).
    pub fn tls_started(&mut self) {
        self.bdat_discarding = false;
        self.tls_active = true;
        self.helo = None;
        self.tx = None;
        self.config.extensions.starttls = false;
    }

    /// The caller's answer to the pending `Decision`.
    pub fn decided(&mut self, verdict: Verdict) -> Action {
        // A BDAT chunk's data restrictions are asked while the chunk is pending.
        if let Pending::Chunk {
            size,
            last,
            discard_reply: None,
        } = self.pending
        {
            return self.first_chunk_verdict(size, last, verdict);
        }
        let Pending::Decision(decision) = std::mem::replace(&mut self.pending, Pending::None)
        else {
            return self.close_with(Vec::new());
        };
        let custom = match verdict {
            Verdict::Reply(reply) if !reply.is_positive() => {
                // Rejected: a rejected DATA or end of data ends the transaction.
                if matches!(decision, Decision::EndOfData { .. }) {
                    self.tx = None;
                }
                return self.finish(vec![reply], Next::ReadCommand);
            }
            Verdict::Reply(reply) => Some(reply),
            Verdict::Accept => None,
        };
        let (default, next) = match decision {
            Decision::Helo { host, esmtp } => {
                self.tx = None;
                self.helo = Some((host, esmtp));
                let reply = if esmtp {
                    let mut ext = self.config.extensions.clone();
                    ext.starttls = ext.starttls && self.config.tls_available && !self.tls_active;
                    ext.ehlo_reply(&self.config.hostname)
                } else {
                    replies::helo_ok(&self.config.hostname)
                };
                (reply, Next::ReadCommand)
            }
            Decision::Mail { from, params } => {
                self.tx = Some(Transaction {
                    from,
                    params,
                    rcpts: 0,
                    bdat: None,
                });
                (replies::mail_ok(), Next::ReadCommand)
            }
            Decision::Rcpt { .. } => {
                if let Some(tx) = self.tx.as_mut() {
                    tx.rcpts += 1;
                }
                (replies::rcpt_ok(), Next::ReadCommand)
            }
            Decision::Data => {
                self.pending = Pending::Data;
                (replies::start_data(), Next::ReceiveData)
            }
            Decision::EndOfData { .. } => {
                self.tx = None;
                self.junk = 0;
                (replies::ok(), Next::ReadCommand)
            }
            Decision::Vrfy { arg, .. } => (replies::vrfy_cannot_verify(&arg), Next::ReadCommand),
            Decision::XClient { .. } => {
                // XCLIENT_README: the session starts over as if the client had just
                // connected, with the new attributes.
                self.helo = None;
                self.tx = None;
                (replies::greeting(&self.config.banner), Next::ReadCommand)
            }
            Decision::Auth { .. } => {
                self.authenticated = true;
                (replies::auth_successful(), Next::ReadCommand)
            }
            Decision::Etrn { .. } | Decision::XForward { .. } => (replies::ok(), Next::ReadCommand),
        };
        self.finish(vec![custom.unwrap_or(default)], next)
    }

    fn first_chunk_verdict(&mut self, size: u64, last: bool, verdict: Verdict) -> Action {
        match verdict {
            Verdict::Accept => Action {
                replies: Vec::new(),
                tarpit: false,
                next: Next::ReceiveChunk {
                    size,
                    last,
                    discard: false,
                },
            },
            Verdict::Reply(reply) if reply.is_positive() => Action {
                replies: Vec::new(),
                tarpit: false,
                next: Next::ReceiveChunk {
                    size,
                    last,
                    discard: false,
                },
            },
            Verdict::Reply(reply) => self.chunk_then(size, last, Some(reply)),
        }
    }

    fn decide(&mut self, decision: Decision) -> Action {
        self.pending = Pending::Decision(decision.clone());
        Action {
            replies: Vec::new(),
            tarpit: false,
            next: Next::Decide(decision),
        }
    }

    /// Counts errors, applies the soft and hard limits.
    fn finish(&mut self, mut replies: Vec<Reply>, next: Next) -> Action {
        let failures = replies.iter().filter(|r| r.code >= 400).count() as u32;
        self.errors = self.errors.saturating_add(failures);
        let tarpit = failures > 0 && self.errors >= self.config.soft_error_limit;
        if self.errors >= self.config.hard_error_limit {
            replies.push(replies::too_many_errors(&self.config.hostname));
            self.closed = true;
            self.pending = Pending::None;
            return Action {
                replies,
                tarpit,
                next: Next::Close,
            };
        }
        Action {
            replies,
            tarpit,
            next,
        }
    }

    fn close_with(&mut self, replies: Vec<Reply>) -> Action {
        self.closed = true;
        self.pending = Pending::None;
        Action {
            replies,
            tarpit: false,
            next: Next::Close,
        }
    }
}

/// RFC 2920 §3.1: commands after which the client must wait for the reply.
fn must_end_group(cmd: &Command) -> bool {
    let verb = match cmd {
        Command::Invalid {
            error: SyntaxError::Empty,
            ..
        } => return false,
        Command::Invalid { verb, .. } => *verb,
        Command::Helo { .. } => Verb::Helo,
        Command::Ehlo { .. } => Verb::Ehlo,
        Command::Data => Verb::Data,
        Command::Vrfy { .. } => Verb::Vrfy,
        Command::Expn { .. } => Verb::Expn,
        Command::Noop => Verb::Noop,
        Command::Quit => Verb::Quit,
        Command::StartTls => Verb::StartTls,
        Command::Auth { .. } => Verb::Auth,
        Command::Lhlo { .. }
        | Command::Mail { .. }
        | Command::Rcpt { .. }
        | Command::Bdat { .. }
        | Command::Rset
        | Command::Etrn { .. }
        | Command::Help { .. }
        | Command::XClient { .. }
        | Command::XForward { .. }
        | Command::Unknown { .. }
        | Command::BadUtf8
        | Command::Forbidden { .. } => return false,
    };
    matches!(
        verb,
        Verb::Helo
            | Verb::Ehlo
            | Verb::Data
            | Verb::Vrfy
            | Verb::Expn
            | Verb::Noop
            | Verb::Quit
            | Verb::StartTls
            | Verb::Auth
    )
}

/// `smtpd_junk_command_limit` counts NOOP, VRFY, ETRN and RSET.
fn is_junk(cmd: &Command) -> bool {
    match cmd {
        Command::Invalid {
            error: SyntaxError::Empty,
            ..
        } => false,
        Command::Noop | Command::Vrfy { .. } | Command::Etrn { .. } | Command::Rset => true,
        Command::Invalid { verb, .. } => {
            matches!(verb, Verb::Noop | Verb::Vrfy | Verb::Etrn | Verb::Rset)
        }
        Command::Helo { .. }
        | Command::Ehlo { .. }
        | Command::Lhlo { .. }
        | Command::Mail { .. }
        | Command::Rcpt { .. }
        | Command::Data
        | Command::Bdat { .. }
        | Command::Quit
        | Command::Expn { .. }
        | Command::Help { .. }
        | Command::StartTls
        | Command::Auth { .. }
        | Command::XClient { .. }
        | Command::XForward { .. }
        | Command::Unknown { .. }
        | Command::BadUtf8
        | Command::Forbidden { .. } => false,
    }
}

#[cfg(test)]
#[path = "server_tests.rs"]
mod tests;
