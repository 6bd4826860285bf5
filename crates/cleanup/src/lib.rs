//! Message intake (Postfix cleanup(8)), used by smtpd, pickup and bounce:
//! [`begin`] with the envelope → [`Cleanup::write`] the content in chunks →
//! [`Cleanup::finish`], which returns only once the queue file is durable.
//!
//! - [`headers`]: header lines, the headers cleanup adds (Received, Message-Id, Date,
//!   From and Resent- forms), dates.
//! - [`checks`]: header_checks / mime_header_checks / nested_header_checks /
//!   body_checks actions.
//! - [`mime`]: the MIME walk that tells the checks where each line sits.
//! - [`canonical`]: canonical form (through route), canonical maps and masquerading
//!   of envelope addresses.
//! - [`rewrite`]: virtual alias expansion and duplicate recipient removal.
//! - [`settings`]: the parameters, read once per configuration snapshot.
//! - [`error`]: every refusal with its SMTP reply.
//! - [`log`]: events and refusals as Postfix log lines (through maillog).
//!
//! Memory is bounded: one header at a time (header_size_limit), one line, and the
//! content not yet written, which goes to the queue file once it passes
//! [`SPOOL_THRESHOLD`]. The queue file is created when the envelope is final: at the
//! end of the message, or when the threshold is passed, whichever comes first. A check
//! that would change the envelope (HOLD, REDIRECT, FILTER, BCC) after the file exists
//! defers the message ([`CleanupError::NotYet`]) instead of being lost.
//!
//! Content is stored with CRLF line endings, whatever the input used; a bare CR is
//! kept as it came (the smtpd layer decides about bare CR/LF before cleanup).
//!
//! Log lines are maillog's: cleanup reports what happened as [`Event`]s.

pub mod canonical;
pub mod checks;
pub mod error;
pub mod headers;
pub mod log;
pub mod mime;
pub mod rewrite;
pub mod settings;

use std::sync::Arc;

use queue::{Envelope, QueueFileWriter, QueueId, QueueName, QueueStore};

use checks::{Action, Decisions, HeaderClass};
pub use error::{CleanupError, Reply};
use headers::{Known, Present};
pub use headers::{LocalTime, ReceivedFrom};
use mime::{BodyLine, Position, Walker};
pub use settings::{CleanupSettings, SettingsError};

/// Content held in memory before the queue file is created.
pub const SPOOL_THRESHOLD: usize = 256 * 1024;

/// Longest body line handled as one line; longer ones pass in pieces, and only the
/// first piece is seen by body_checks and the MIME walk.
pub const BODY_LINE_LIMIT: usize = 64 * 1024;

/// How this message came in, beyond its envelope.
#[derive(Debug, Clone)]
pub struct MessageOptions {
    /// Add a `Received:` header for this origin (smtpd, pickup); `None` when the
    /// caller has none to add (bounce, a re-injected message).
    pub received: Option<ReceivedFrom>,
    /// The client is in local_header_rewrite_clients (smtpd decides; pickup: always):
    /// missing headers are added as for local mail.
    pub local_header_rewrite: bool,
    /// The arrival time in the host's zone: Received, Date, Message-Id.
    pub now: LocalTime,
    /// The sender's full name (sendmail -F, or the password file for local
    /// submission), shown in a From: header cleanup adds.
    pub full_name: Option<String>,
}

/// What cleanup did that belongs in the log (maillog formats the lines).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// `ID: message-id=<...>` (the message's own or the one added).
    MessageId(String),
    /// A check fired: `ID: reject: header Subject: x from ...: 5.7.1 text`.
    /// `action` is Postfix's word (reject, discard, hold, warning, info, replace,
    /// prepend, redirect, filter, bcc); `part` is `header` or `body`.
    Check {
        action: &'static str,
        part: &'static str,
        line: String,
        detail: String,
    },
    /// `warning: unknown command in header_checks map: TEXT`.
    UnknownAction { map: &'static str, value: String },
}

/// Whether the message was queued or discarded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Disposition {
    Queued,
    /// DISCARD: reported to the client as queued, nothing is delivered.
    Discarded(String),
}

/// The answer to [`Cleanup::finish`]: `250 2.0.0 Ok: queued as ID`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finished {
    pub id: QueueId,
    pub disposition: Disposition,
}

/// One message going through cleanup.
#[derive(Debug)]
pub struct Cleanup {
    settings: Arc<CleanupSettings>,
    store: Arc<QueueStore>,
    id: QueueId,
    envelope: Envelope,
    opts: MessageOptions,
    line: Vec<u8>,
    /// The current line passed BODY_LINE_LIMIT and is being passed on in pieces.
    line_overflow: bool,
    walker: Walker,
    /// The header being assembled: its lines joined by `\n`, no line ending.
    header: Option<Vec<u8>>,
    present: Present,
    hops: usize,
    message_id: Option<String>,
    /// Whether the primary header section has ended.
    in_body: bool,
    /// Output not yet written to the queue file.
    out: Vec<u8>,
    writer: Option<QueueFileWriter>,
    decisions: Decisions,
    events: Vec<Event>,
    error: Option<CleanupError>,
    size: u64,
    /// Bytes of the current body segment seen by body_checks.
    body_checked: usize,
}

/// Starts a message: allocates its queue ID (usable in log lines at once) and, when
/// asked, builds its `Received:` header.
pub fn begin(
    store: Arc<QueueStore>,
    settings: Arc<CleanupSettings>,
    mut envelope: Envelope,
    opts: MessageOptions,
) -> Cleanup {
    let id = store.new_id();
    if let Some(f) = &settings.content_filter {
        envelope.content_filter = Some(f.clone());
    }
    // Envelope addresses in canonical form before anything uses them (the From:
    // cleanup adds shows the rewritten sender, captured); the original recipient
    // stays as the client gave it.
    let rewritten = canonicalize(&settings, &mut envelope);
    let walker = Walker::new(
        settings.mime_nesting_limit,
        settings.mime_boundary_length_limit,
    );
    let mut c = Cleanup {
        settings,
        store,
        id,
        envelope,
        opts,
        line: Vec::new(),
        line_overflow: false,
        walker,
        header: None,
        present: Present::default(),
        hops: 0,
        message_id: None,
        in_body: false,
        out: Vec::new(),
        writer: None,
        decisions: Decisions::default(),
        events: Vec::new(),
        error: None,
        size: 0,
        body_checked: 0,
    };
    if let Err(e) = rewritten {
        c.fail(e);
    }
    if let Some(from) = c.opts.received.clone() {
        let single = match c.envelope.recipients.as_slice() {
            [one] => Some(one.address.clone()),
            _ => None,
        };
        let text = headers::received(
            &from,
            &c.settings.myhostname,
            &c.settings.mail_name,
            &c.id,
            single.as_deref(),
            &c.opts.now,
        );
        // A primary header like any other: checked, and counted as a hop.
        c.header = Some(text.into_bytes());
        c.header_done();
    }
    c
}

fn canonicalize(settings: &CleanupSettings, envelope: &mut Envelope) -> Result<(), CleanupError> {
    let (c, route) = (&settings.canonical, &*settings.route);
    envelope.sender = c
        .sender(route, &envelope.sender)
        .map_err(CleanupError::Canonical)?;
    for r in &mut envelope.recipients {
        r.address = c
            .recipient(route, &r.address)
            .map_err(CleanupError::Canonical)?;
    }
    Ok(())
}

impl Cleanup {
    pub fn id(&self) -> QueueId {
        self.id
    }

    /// Log events so far, taken out.
    pub fn take_events(&mut self) -> Vec<Event> {
        std::mem::take(&mut self.events)
    }

    /// The first reason the message will not be queued, if one is already known (a
    /// caller may stop sending content early, as smtpd still reads to the end).
    pub fn error(&self) -> Option<&CleanupError> {
        self.error.as_ref()
    }

    /// Content, in chunks of any size (the message as received, dot-unstuffed).
    pub fn write(&mut self, mut data: &[u8]) {
        self.size += data.len() as u64;
        let limit = self.settings.message_size_limit;
        if limit > 0 && self.size > limit && self.error.is_none() {
            self.fail(CleanupError::TooBig);
        }
        while !data.is_empty() && !self.stopped() {
            match data.iter().position(|&b| b == b'\n') {
                Some(i) => {
                    self.line.extend_from_slice(&data[..i]);
                    data = &data[i + 1..];
                    let mut line = std::mem::take(&mut self.line);
                    if line.last() == Some(&b'\r') {
                        line.pop();
                    }
                    self.line_done(&line, true);
                    self.line = line;
                    self.line.clear();
                }
                None => {
                    self.line.extend_from_slice(data);
                    data = &[];
                    self.bound_line();
                }
            }
        }
    }

    /// Keeps the partial line within bounds: a header line is cut at
    /// header_size_limit (as Postfix truncates headers), a body line is passed on in
    /// pieces.
    fn bound_line(&mut self) {
        if !self.in_headers() {
            if self.line.len() > BODY_LINE_LIMIT {
                let line = std::mem::take(&mut self.line);
                self.line_done(&line, false);
            }
        } else if self.line.len() > self.settings.header_size_limit + 1 {
            let line = &self.line;
            let header_like = headers::header_name(line).is_some()
                || (headers::is_continuation(line) && self.header.is_some());
            if header_like {
                self.line.truncate(self.settings.header_size_limit + 1);
            } else {
                // Not a header: the header section ends here and this long line is
                // body, passed on whole.
                self.header_done();
                self.headers_end(false);
                if !self.in_headers() {
                    let line = std::mem::take(&mut self.line);
                    self.line_done(&line, false);
                }
            }
        }
    }

    fn in_headers(&self) -> bool {
        self.walker.position() != Position::Body
    }

    /// No more content matters: refused, discarded.
    fn stopped(&self) -> bool {
        self.error.is_some() || self.decisions.discard.is_some()
    }

    fn fail(&mut self, e: CleanupError) {
        if self.error.is_none() {
            self.error = Some(e);
        }
        self.out = Vec::new();
        self.writer = None;
    }

    /// One line without its line ending; `ended` is false for a piece of a long line.
    fn line_done(&mut self, line: &[u8], ended: bool) {
        // Captured: with cleanup_replace_stray_cr_lf a CR inside a line is a space
        // (a bare LF already ended the line), so no stray CR reaches a next hop.
        let replaced;
        let line = if self.settings.replace_stray_cr && line.contains(&b'\r') {
            replaced = line
                .iter()
                .map(|&b| if b == b'\r' { b' ' } else { b })
                .collect::<Vec<u8>>();
            &replaced[..]
        } else {
            line
        };
        if self.line_overflow {
            // The rest of a long body line: passed on as it is.
            self.line_overflow = !ended;
            self.emit_raw(line, ended);
            return;
        }
        if !self.in_headers() {
            self.body_line(line, ended);
            return;
        }
        if headers::is_continuation(line) && self.header.is_some() {
            self.continue_header(line);
        } else if headers::header_name(line).is_some() {
            self.header_done();
            self.header = Some(self.clip(line).to_vec());
        } else {
            self.header_done();
            self.headers_end(line.is_empty());
            if !line.is_empty() && !self.stopped() {
                // A line that is not a header starts the body (or the next section).
                self.line_done(line, ended);
            }
        }
    }

    fn clip<'a>(&self, line: &'a [u8]) -> &'a [u8] {
        &line[..line.len().min(self.settings.header_size_limit)]
    }

    fn continue_header(&mut self, line: &[u8]) {
        let limit = self.settings.header_size_limit;
        if let Some(h) = &mut self.header {
            // Captured: continuation lines past header_size_limit are dropped whole.
            if h.len() + 1 + line.len() <= limit {
                h.push(b'\n');
                h.extend_from_slice(line);
            }
        }
    }

    /// The end of a header section (`blank`: at an empty line, which it consumes).
    fn headers_end(&mut self, blank: bool) {
        let position = self.walker.position();
        if self.settings.disable_mime && position == Position::PrimaryHeaders {
            // Every later line is body: no MIME walk.
            self.walker = Walker::new(0, 0);
        }
        self.walker.end_of_headers();
        self.body_checked = 0;
        if position == Position::PrimaryHeaders {
            self.primary_headers_end();
            self.in_body = true;
        } else if blank {
            self.emit(b"");
        }
    }

    /// Adds the missing headers and the blank line that always separates the body
    /// (captured: Postfix inserts one when the body starts with a non-header line).
    fn primary_headers_end(&mut self) {
        if self.hops >= self.settings.hopcount_limit {
            self.fail(CleanupError::TooManyHops);
            return;
        }
        let message_id =
            headers::message_id(self.opts.now.unix, &self.id, &self.settings.myhostname);
        if self.opts.local_header_rewrite || self.settings.always_add_missing_headers {
            let added = headers::missing(
                &self.present,
                &message_id,
                &self.opts.now,
                &self.envelope.sender,
                self.opts.full_name.as_deref(),
            );
            if !self.present.message_id && !self.present.resent {
                self.message_id = Some(message_id.clone());
            }
            for h in added {
                self.emit(h.as_bytes());
            }
            let undisclosed = &self.settings.undisclosed_recipients_header;
            if !self.present.to_or_cc && !undisclosed.is_empty() {
                let h = undisclosed.clone();
                self.emit(h.as_bytes());
            }
        }
        if let Some(m) = self.message_id.clone() {
            self.events.push(Event::MessageId(m));
        }
        self.emit(b"");
    }

    /// A complete header: checks, bookkeeping, output.
    fn header_done(&mut self) {
        let Some(text) = self.header.take() else {
            return;
        };
        let position = self.walker.position();
        let name = headers::header_name(&text).unwrap_or("");
        let kind = headers::classify(name);
        let class = match position {
            _ if headers::is_mime(kind) => HeaderClass::Mime,
            Position::PrimaryHeaders => HeaderClass::Primary,
            Position::NestedHeaders => HeaderClass::Nested,
            Position::PartHeaders | Position::Body => HeaderClass::Mime,
        };
        let action = self.check(class, &text, "header");
        let primary = position == Position::PrimaryHeaders;
        match action {
            Some(Action::Ignore) => return,
            Some(Action::Replace(new)) => {
                if primary {
                    self.note_primary(
                        headers::classify(headers::header_name(new.as_bytes()).unwrap_or("")),
                        &new.clone().into_bytes(),
                    );
                }
                self.emit(new.as_bytes());
                return;
            }
            Some(Action::Prepend(new)) => self.emit(new.as_bytes()),
            _ => {}
        }
        if kind == Known::ContentType {
            let value = &text[text.iter().position(|&b| b == b':').map_or(0, |i| i + 1)..];
            self.walker.content_type(value);
        }
        if primary {
            if self
                .settings
                .drop_headers
                .iter()
                .any(|d| d.eq_ignore_ascii_case(name))
            {
                return;
            }
            self.note_primary(kind, &text);
        }
        self.emit(&text);
    }

    fn note_primary(&mut self, kind: Known, text: &[u8]) {
        self.present.note(kind);
        match kind {
            // Captured: Delivered-To: headers are not hops for cleanup.
            Known::Received => self.hops += 1,
            Known::MessageId if self.message_id.is_none() => {
                let v = &text[text.iter().position(|&b| b == b':').map_or(0, |i| i + 1)..];
                self.message_id = Some(String::from_utf8_lossy(v).trim().to_string());
            }
            _ => {}
        }
    }

    /// Runs one check and records what it decided; returns the content actions
    /// (IGNORE, REPLACE, PREPEND) for the caller to apply.
    fn check(&mut self, class: HeaderClass, text: &[u8], part: &'static str) -> Option<Action> {
        if self.decisions.final_verdict() {
            return None;
        }
        let (maps, map_name) = if part == "body" {
            (self.settings.checks.body.as_slice(), "body_checks")
        } else {
            let name = match class {
                HeaderClass::Primary => "header_checks",
                HeaderClass::Mime => "mime_header_checks",
                HeaderClass::Nested => "nested_header_checks",
            };
            (self.settings.checks.for_header(class), name)
        };
        let action = match checks::check(maps, text) {
            Ok(Some(a)) => a,
            Ok(None) => return None,
            Err(source) => {
                self.fail(CleanupError::Table {
                    table: map_name,
                    source,
                });
                return None;
            }
        };
        let line = String::from_utf8_lossy(text).into_owned();
        let event = |action: &'static str, detail: String| Event::Check {
            action,
            part,
            line: line.clone(),
            detail,
        };
        let ev = match &action {
            Action::Reject { status, text } => Some(event("reject", format!("{status} {text}"))),
            Action::Discard(t) => Some(event("discard", t.clone())),
            Action::Hold(t) => Some(event("hold", t.clone())),
            Action::Warn(t) => Some(event("warning", t.clone())),
            Action::Info(t) => Some(event("info", t.clone())),
            Action::Replace(t) => Some(event("replace", t.clone())),
            Action::Prepend(t) => Some(event("prepend", t.clone())),
            Action::Redirect(t) => Some(event("redirect", t.clone())),
            Action::Filter(t) => Some(event("filter", t.clone())),
            Action::Bcc(t) => Some(event("bcc", t.clone())),
            Action::Ignore | Action::Dunno => None,
            Action::Unknown(v) => Some(Event::UnknownAction {
                map: map_name,
                value: v.clone(),
            }),
        };
        self.events.extend(ev);
        let changes_envelope = matches!(
            action,
            Action::Hold(_) | Action::Redirect(_) | Action::Filter(_) | Action::Bcc(_)
        );
        if changes_envelope && self.writer.is_some() {
            self.fail(CleanupError::NotYet(
                "an envelope action after the first 256 KiB of a message",
            ));
            return None;
        }
        self.decisions.record(&action);
        if let Action::Reject { status, text } = &action {
            self.fail(CleanupError::Rejected {
                status: status.clone(),
                text: text.clone(),
            });
        }
        match action {
            Action::Ignore | Action::Replace(_) | Action::Prepend(_) => Some(action),
            _ => None,
        }
    }

    fn body_line(&mut self, line: &[u8], ended: bool) {
        let kind = self.walker.body_line(line);
        let limit = self.settings.body_checks_size_limit;
        let mut emit_line = true;
        if self.body_checked < limit {
            self.body_checked += line.len() + 1;
            match self.check(HeaderClass::Primary, line, "body") {
                Some(Action::Ignore) => emit_line = false,
                Some(Action::Replace(t)) => {
                    self.emit(t.as_bytes());
                    emit_line = false;
                }
                Some(Action::Prepend(t)) => self.emit(t.as_bytes()),
                _ => {}
            }
        }
        if kind == BodyLine::PartStart {
            self.body_checked = 0;
        }
        if emit_line {
            self.emit_raw(line, ended);
        }
        self.line_overflow = !ended;
    }

    /// Writes one line with CRLF.
    fn emit(&mut self, text: &[u8]) {
        for piece in text.split(|&b| b == b'\n') {
            self.emit_raw(piece, true);
        }
    }

    fn emit_raw(&mut self, bytes: &[u8], ended: bool) {
        if self.stopped() {
            return;
        }
        self.out.extend_from_slice(bytes);
        if ended {
            self.out.extend_from_slice(b"\r\n");
        }
        if self.out.len() >= SPOOL_THRESHOLD {
            if let Err(e) = self.flush_out() {
                self.fail(e);
            }
        }
    }

    /// Writes buffered output, creating the queue file first if needed.
    fn flush_out(&mut self) -> Result<(), CleanupError> {
        if self.writer.is_none() {
            let envelope = self.final_envelope()?;
            // A held message goes straight to the hold queue, as Postfix's does.
            let queue = if envelope.hold.is_some() {
                QueueName::Hold
            } else {
                QueueName::Incoming
            };
            let w = self.store.create_with_id(queue, self.id, &envelope)?;
            self.writer = Some(w);
        }
        if let Some(w) = &mut self.writer {
            w.write_content(&self.out)?;
        }
        self.out.clear();
        Ok(())
    }

    /// The envelope with the checks' decisions, BCC recipients, virtual alias
    /// expansion and duplicates removed.
    fn final_envelope(&mut self) -> Result<Envelope, CleanupError> {
        let mut env = self.envelope.clone();
        let d = &self.decisions;
        if d.hold.is_some() {
            env.hold = d.hold.clone();
        }
        if d.redirect.is_some() {
            env.redirect = d.redirect.clone();
        }
        if d.filter.is_some() {
            env.content_filter = d.filter.clone();
        }
        for b in &d.bcc {
            env.add_recipient(b.clone());
        }
        let recipients = std::mem::take(&mut env.recipients);
        let recipients = rewrite::expand_recipients(&self.settings.virtual_alias, recipients)
            .map_err(CleanupError::AliasExpansion)?;
        let mut recipients =
            rewrite::remove_duplicates(recipients, self.settings.duplicate_filter_limit);
        if !self.settings.enable_original_recipient {
            for r in &mut recipients {
                r.original.clone_from(&r.address);
            }
        }
        env.recipients = recipients;
        Ok(env)
    }

    /// Ends the message. Returns once the queue file is durable (or the message was
    /// refused or discarded); the caller answers the client only then.
    pub fn finish(mut self) -> Result<Finished, CleanupError> {
        if !self.line.is_empty() && !self.stopped() {
            let line = std::mem::take(&mut self.line);
            let line = line.strip_suffix(b"\r").unwrap_or(&line).to_vec();
            self.line_done(&line, true);
        }
        if !self.stopped() {
            // A header still being assembled (the content ended inside a header
            // section) is output like any other.
            self.header_done();
            if !self.in_body {
                self.headers_end(true);
            }
        }
        if let Some(e) = self.error.take() {
            return Err(e);
        }
        if let Some(reason) = self.decisions.discard.take() {
            return Ok(Finished {
                id: self.id,
                disposition: Disposition::Discarded(reason),
            });
        }
        self.flush_out()?;
        let writer = self
            .writer
            .take()
            .ok_or(CleanupError::NotYet("queue file not created"))?;
        let id = writer.finish()?.commit()?;
        Ok(Finished {
            id,
            disposition: Disposition::Queued,
        })
    }
}

#[cfg(test)]
mod tests;
