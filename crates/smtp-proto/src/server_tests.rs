//! ServerDialogue tests: transcripts captured from Postfix 3.7.11 smtpd (same settings),
//! replayed with a policy that accepts everything.

use super::*;
use crate::data::DataDecoder;
use proptest::prelude::*;

fn config() -> ServerConfig {
    ServerConfig {
        hostname: "mx.example.test".into(),
        hard_error_limit: 100,
        soft_error_limit: 100,
        ..ServerConfig::default()
    }
}

/// Drives a dialogue like smtpd would, accepting every decision; `queued as QID`.
struct Shell {
    d: ServerDialogue,
    out: Vec<String>,
}

impl Shell {
    fn new(config: ServerConfig) -> Self {
        Self {
            d: ServerDialogue::new(config),
            out: Vec::new(),
        }
    }

    /// Feeds raw client bytes (commands, DATA, BDAT chunks).
    fn feed(&mut self, mut input: &[u8]) {
        while !input.is_empty() && !self.d.is_closed() {
            let nl = input
                .iter()
                .position(|&b| b == b'\n')
                .map_or(input.len(), |i| i + 1);
            let raw = &input[..nl];
            let (line, ending) = match raw.strip_suffix(b"\r\n") {
                Some(l) => (l, Ending::CrLf),
                None => (raw.strip_suffix(b"\n").unwrap_or(raw), Ending::BareLf),
            };
            input = &input[nl..];
            let action = self.d.command(line, ending, !input.is_empty());
            input = self.run(action, input);
        }
    }

    fn run<'a>(&mut self, mut action: Action, mut input: &'a [u8]) -> &'a [u8] {
        loop {
            self.out
                .extend(action.replies.iter().map(|r| r.to_string()));
            action =
                match action.next {
                    Next::ReadCommand | Next::Close | Next::StartTls => return input,
                    Next::Decide(Decision::EndOfData { bytes }) => {
                        let reply = if matches!(self.d.pending, Pending::Chunk { .. })
                            || self.d.tx.as_ref().is_some_and(|t| t.bdat.is_some())
                        {
                            replies::bdat_queued(bytes, "QID")
                        } else {
                            replies::queued("QID")
                        };
                        self.d.decided(Verdict::Reply(reply))
                    }
                    Next::Decide(Decision::Etrn { arg }) => self.d.decided(Verdict::Reply(
                        Reply::new(459, None, format!("<{arg}>: service unavailable")),
                    )),
                    Next::Decide(_) => self.d.decided(Verdict::Accept),
                    Next::ReceiveData => {
                        let mut dec = DataDecoder::new();
                        let mut body = Vec::new();
                        let p = dec.decode(input, &mut body);
                        input = &input[p.consumed..];
                        self.d.data_done(dec.bytes_out(), dec.bare_lf_count())
                    }
                    Next::ReceiveChunk { size, .. } => {
                        let mut r = crate::bdat::BdatReader::new();
                        r.start_chunk(size);
                        let chunk = r.take(input);
                        input = &input[chunk.len()..];
                        self.d.chunk_done(r.bare_lf_count())
                    }
                };
        }
    }
}

fn transcript(config: ServerConfig, input: &str) -> Vec<String> {
    let mut shell = Shell::new(config);
    shell.feed(input.as_bytes());
    shell
        .out
        .into_iter()
        .map(|r| r.lines().next().unwrap_or("").to_string())
        .collect()
}

#[test]
fn command_order_as_postfix() {
    let got = transcript(
        config(),
        "EHLO client.test\r\nRCPT TO:<a@b>\r\nDATA\r\nMAIL FROM:<a@b>\r\nMAIL FROM:<a@b>\r\nMAIL FROM:\r\n\
         DATA\r\nRCPT TO:\r\nRCPT TO:<root@mx.example.test>\r\nETRN x\r\nXCLIENT NAME=x\r\nDATA x\r\n\
         DATA\r\nSubject: x\r\n\r\n..dot\r\n.\r\nRSET x\r\nETRN\r\nETRN x\r\nXCLIENT NAME=x\r\nXCLIENT\r\n\
         AUTH PLAIN\r\nSTARTTLS\r\nEXPN x\r\nHELP\r\n\r\nQUIT x\r\n",
    );
    let want = [
        "250-mx.example.test",
        "503 5.5.1 Error: need MAIL command",
        "503 5.5.1 Error: need RCPT command",
        "250 2.1.0 Ok",
        "503 5.5.1 Error: nested MAIL command",
        "503 5.5.1 Error: nested MAIL command",
        "554 5.5.1 Error: no valid recipients",
        "501 5.5.4 Syntax: RCPT TO:<address>",
        "250 2.1.5 Ok",
        "503 Error: MAIL transaction in progress",
        "503 5.5.1 Error: MAIL transaction in progress",
        "501 5.5.4 Syntax: DATA",
        "354 End data with <CR><LF>.<CR><LF>",
        "250 2.0.0 Ok: queued as QID",
        "501 5.5.4 Syntax: RSET",
        "500 Syntax: ETRN domain",
        "459 <x>: service unavailable",
        "550 5.7.0 Error: insufficient authorization",
        "501 5.5.4 Syntax: XCLIENT attribute=value...",
        "503 5.5.1 Error: authentication not enabled",
        "502 5.5.1 Error: command not implemented",
        "500 5.5.2 Error: command not recognized",
        "500 5.5.2 Error: command not recognized",
        "500 5.5.2 Error: bad syntax",
        "221 2.0.0 Bye",
    ];
    assert_eq!(got, want);
}

#[test]
fn data_without_recipients_and_optional_rules() {
    let got = transcript(config(), "DATA x\r\nMAIL FROM:<a@b>\r\nDATA x\r\nDATA\r\n");
    assert_eq!(
        got,
        [
            "503 5.5.1 Error: need RCPT command",
            "250 2.1.0 Ok",
            "554 5.5.1 Error: no valid recipients",
            "554 5.5.1 Error: no valid recipients"
        ]
    );
    let cfg = ServerConfig {
        helo_required: true,
        vrfy_disabled: true,
        ..config()
    };
    let got = transcript(
        cfg,
        "MAIL FROM:<a@b>\r\nVRFY root\r\nHELO x\r\nVRFY\r\nMAIL FROM:<a@b>\r\n",
    );
    assert_eq!(
        got,
        [
            "503 5.5.1 Error: send HELO/EHLO first",
            "502 5.5.1 VRFY command is disabled",
            "250 mx.example.test",
            "502 5.5.1 VRFY command is disabled",
            "250 2.1.0 Ok"
        ]
    );
}

#[test]
fn starttls_as_postfix() {
    let cfg = ServerConfig {
        tls_available: true,
        extensions: Extensions {
            starttls: true,
            ..Extensions::default()
        },
        ..config()
    };
    let mut d = ServerDialogue::new(cfg);
    d.command(b"EHLO x", Ending::CrLf, false);
    let ehlo = d.decided(Verdict::Accept);
    assert_eq!(ehlo.replies[0].lines[5], "STARTTLS");
    let a = d.command(b"STARTTLS x", Ending::CrLf, false);
    assert_eq!(a.replies[0].to_string(), "501 5.5.4 Syntax: STARTTLS");
    let a = d.command(b"STARTTLS", Ending::CrLf, false);
    assert_eq!(a.replies[0].to_string(), "220 2.0.0 Ready to start TLS");
    assert_eq!(a.next, Next::StartTls);
    d.tls_started();
    assert_eq!(d.helo(), None);
    let a = d.command(b"STARTTLS", Ending::CrLf, false);
    assert_eq!(
        a.replies[0].to_string(),
        "554 5.5.1 Error: TLS already active"
    );
    d.command(b"EHLO x", Ending::CrLf, false);
    let ehlo = d.decided(Verdict::Accept);
    assert!(!ehlo.replies[0].lines.iter().any(|l| l == "STARTTLS"));
}

#[test]
fn xclient_and_xforward_as_postfix() {
    let cfg = ServerConfig {
        banner: "mx.example.test ESMTP Postfix".into(),
        xclient_authorized: true,
        xforward_authorized: true,
        ..config()
    };
    let got = transcript(
        cfg,
        "EHLO x\r\nXCLIENT NAME=foo.example ADDR=192.0.2.1\r\nMAIL FROM:<a@b>\r\nXCLIENT FOO=bar\r\n\
         RSET\r\nXCLIENT FOO=bar\r\nXCLIENT NAME\r\nXFORWARD NAME=x\r\nXFORWARD FOO=x\r\nXFORWARD\r\n",
    );
    assert_eq!(
        got[1..],
        [
            "220 mx.example.test ESMTP Postfix",
            "250 2.1.0 Ok",
            "503 5.5.1 Error: MAIL transaction in progress",
            "250 2.0.0 Ok",
            "501 5.5.4 Bad XCLIENT attribute name: FOO",
            "501 5.5.4 Error: attribute=value expected",
            "250 2.0.0 Ok",
            "501 5.5.4 Bad XFORWARD attribute name: FOO",
            "501 5.5.4 Syntax: XFORWARD attribute=value...",
        ]
    );
    // Unauthorized: usage line for an empty command, 550 for anything else.
    let got = transcript(
        config(),
        "XCLIENT\r\nXCLIENT NAME\r\nXCLIENT FOO=bar\r\nXFORWARD NAME=x\r\n",
    );
    assert_eq!(
        got,
        [
            "501 5.5.4 Syntax: XCLIENT attribute=value...",
            "550 5.7.0 Error: insufficient authorization",
            "550 5.7.0 Error: insufficient authorization",
            "550 5.7.0 Error: insufficient authorization",
        ]
    );
}

#[test]
fn auth_as_postfix() {
    let cfg = ServerConfig {
        extensions: Extensions {
            auth: vec!["PLAIN".into(), "LOGIN".into()],
            auth_broken_clients: true,
            ..Extensions::default()
        },
        ..config()
    };
    let got = transcript(
        cfg,
        "EHLO x\r\nAUTH\r\nAUTH PLAIN a b\r\nMAIL FROM:<a@b>\r\nAUTH PLAIN AHVzZXIxAHNlY3JldA==\r\nRSET\r\n\
         AUTH PLAIN AHVzZXIxAHNlY3JldA==\r\nAUTH PLAIN AHVzZXIxAHNlY3JldA==\r\n",
    );
    assert_eq!(
        got[1..],
        [
            "501 5.5.4 Syntax: AUTH mechanism",
            "501 5.5.4 Syntax: AUTH mechanism",
            "250 2.1.0 Ok",
            "503 5.5.1 Error: MAIL transaction in progress",
            "250 2.0.0 Ok",
            "235 2.7.0 Authentication successful",
            "503 5.5.1 Error: already authenticated",
        ]
    );
}

#[test]
fn unknown_to_smtpd_as_postfix() {
    let got = transcript(config(), "LHLO x\r\nSTARTTLS x\r\nSTARTTLS\r\nTURN\r\n");
    assert_eq!(
        got,
        [
            "500 5.5.2 Error: command not recognized",
            "501 5.5.4 Syntax: STARTTLS",
            "502 5.5.1 Error: command not implemented",
            "500 5.5.2 Error: command not recognized",
        ]
    );
}

#[test]
fn helo_resets_transaction() {
    let got = transcript(
        config(),
        "HELO x\r\nMAIL FROM:<a@b> BODY=8BITMIME SIZE=10\r\nHELO y\r\nRCPT TO:<r@x>\r\n",
    );
    assert_eq!(
        got,
        [
            "250 mx.example.test",
            "250 2.1.0 Ok",
            "250 mx.example.test",
            "503 5.5.1 Error: need MAIL command"
        ]
    );
}

#[test]
fn size_and_recipient_limits() {
    let cfg = ServerConfig {
        recipient_limit: 3,
        ..config()
    };
    let got = transcript(
        cfg,
        "EHLO x\r\nMAIL FROM:<a@b> SIZE=20000000\r\nMAIL FROM:<a@b> SIZE=10240000\r\n\
         RCPT TO:<a@x>\r\nRCPT TO:<b@x>\r\nRCPT TO:<c@x>\r\nRCPT TO:<d@x>\r\n",
    );
    assert_eq!(
        got[1..],
        [
            "552 5.3.4 Message size exceeds fixed limit",
            "250 2.1.0 Ok",
            "250 2.1.5 Ok",
            "250 2.1.5 Ok",
            "250 2.1.5 Ok",
            "452 4.5.3 Error: too many recipients"
        ]
    );
}

#[test]
fn hard_error_limit_disconnects_after_the_reply() {
    let cfg = ServerConfig {
        hard_error_limit: 5,
        ..config()
    };
    let got = transcript(cfg, "FOO\r\nFOO\r\nFOO\r\nFOO\r\nFOO\r\nFOO\r\n");
    assert_eq!(got.len(), 6);
    assert_eq!(got[4], "500 5.5.2 Error: command not recognized");
    assert_eq!(got[5], "421 4.7.0 mx.example.test Error: too many errors");
}

#[test]
fn junk_commands_count_as_errors_past_the_limit() {
    // Postfix 3.7.11 with smtpd_junk_command_limit=3, smtpd_hard_error_limit=5: six NOOPs,
    // a bad VRFY and an RSET, then 421.
    let cfg = ServerConfig {
        junk_command_limit: 3,
        hard_error_limit: 5,
        ..config()
    };
    let got = transcript(
        cfg,
        "NOOP\r\nNOOP\r\nNOOP\r\nNOOP\r\nNOOP\r\nNOOP\r\nVRFY\r\nRSET\r\nNOOP\r\n",
    );
    assert_eq!(got[6], "501 5.5.4 Syntax: VRFY address [SMTPUTF8]");
    assert_eq!(
        got[7..],
        [
            "250 2.0.0 Ok",
            "421 4.7.0 mx.example.test Error: too many errors"
        ]
    );
    // HELO is not a junk command.
    let cfg = ServerConfig {
        junk_command_limit: 3,
        hard_error_limit: 5,
        ..config()
    };
    let got = transcript(cfg, &"HELO a\r\n".repeat(8));
    assert_eq!(got.len(), 8);
}

#[test]
fn forbidden_commands_hang_up() {
    for line in ["GET / HTTP/1.0\r\n", "Host: x\r\n", ".\r\n"] {
        let got = transcript(config(), &format!("{line}NOOP\r\n"));
        assert_eq!(got, ["221 2.7.0 Error: I can break rules, too. Goodbye."]);
    }
}

#[test]
fn bdat_as_postfix() {
    let got = transcript(
        config(),
        "EHLO x\r\nBDAT 0\r\nBDAT 3\r\nabcBDAT 2\r\ndeBDAT 3 LAST\r\nabcMAIL FROM:<a@b>\r\nBDAT 3\r\nabc\
         BDAT 3\r\nabcRCPT TO:<r@x>\r\nBDAT 3 LAST\r\nabcMAIL FROM:<a@b>\r\nRCPT TO:<r@x>\r\nBDAT 3\r\nabc\
         DATA\r\nRCPT TO:<r@x>\r\nMAIL FROM:<a@b>\r\nBDAT 3 LAST\r\ndefBDAT 1 FOO\r\nNOOP\r\n",
    );
    assert_eq!(
        got[1..],
        [
            "551 5.7.1 Null BDAT request",
            "503 5.5.1 Error: need RCPT command",
            "551 5.0.0 Discarded 2 bytes after earlier error",
            "551 5.0.0 Discarded 3 bytes after earlier error",
            "250 2.1.0 Ok",
            "554 5.5.1 Error: no valid recipients",
            "551 5.0.0 Discarded 3 bytes after earlier error",
            "503 5.5.1 Error: RCPT after BDAT",
            "551 5.0.0 Discarded 3 bytes after earlier error",
            "250 2.1.0 Ok",
            "250 2.1.5 Ok",
            "250 2.0.0 Ok: 3 bytes",
            "503 5.5.1 Error: DATA after BDAT",
            "503 5.5.1 Error: RCPT after BDAT",
            "503 5.5.1 Error: nested MAIL command",
            "250 2.0.0 Ok: 6 bytes queued as QID",
            "521 5.5.4 Syntax: BDAT count [LAST]",
        ]
    );
}

#[test]
fn bare_lf_reject_mode() {
    let cfg = ServerConfig {
        bare_newline: BareNewline::Reject,
        ..config()
    };
    let got = transcript(
        cfg.clone(),
        "EHLO x\r\nMAIL FROM:<a@b>\r\nRCPT TO:<r@x>\r\nDATA\r\nx\n.\nmore\r\n.\r\nNOOP\r\nNOOP\n",
    );
    assert_eq!(
        got[3..],
        [
            "354 End data with <CR><LF>.<CR><LF>",
            "550 5.5.2 mx.example.test Error: bare <LF> received",
            "250 2.0.0 Ok",
            "550 5.5.2 mx.example.test Error: bare <LF> received"
        ]
    );
    // Normalize: accepted, and `<LF>.<LF>` did not end the message.
    let cfg = ServerConfig {
        bare_newline: BareNewline::Normalize,
        ..config()
    };
    let got = transcript(
        cfg,
        "EHLO x\r\nMAIL FROM:<a@b>\r\nRCPT TO:<r@x>\r\nDATA\r\nx\n.\nmore\r\n.\r\nNOOP\n",
    );
    assert_eq!(got[4..], ["250 2.0.0 Ok: queued as QID", "250 2.0.0 Ok"]);
}

#[test]
fn message_too_big_as_postfix() {
    // Postfix 3.7.11 with message_size_limit = 100.
    let cfg = ServerConfig {
        message_size_limit: 100,
        ..config()
    };
    let big = "x".repeat(300);
    let got = transcript(
        cfg,
        &format!(
            "EHLO x\r\nMAIL FROM:<a@b>\r\nRCPT TO:<r@x>\r\nDATA\r\nSubject: x\r\n\r\n{big}\r\n.\r\n\
             RCPT TO:<r@x>\r\nMAIL FROM:<a@b>\r\nRCPT TO:<r@x>\r\nBDAT 300\r\n{big}BDAT 3 LAST\r\nabc\
             RCPT TO:<r@x>\r\n"
        ),
    );
    assert_eq!(
        got[3..],
        [
            "354 End data with <CR><LF>.<CR><LF>",
            "552 5.3.4 Error: message file too big",
            "503 5.5.1 Error: need MAIL command",
            "250 2.1.0 Ok",
            "250 2.1.5 Ok",
            "552 5.3.4 Chunk exceeds message size limit",
            "551 5.0.0 Discarded 3 bytes after earlier error",
            "503 5.5.1 Error: need MAIL command",
        ]
    );
}

#[test]
fn pipelining_awareness() {
    let mut d = ServerDialogue::new(config());
    let a = d.command(b"EHLO x", Ending::CrLf, false);
    d.decided(Verdict::Accept);
    assert!(matches!(
        a.next,
        Next::Decide(Decision::Helo { esmtp: true, .. })
    ));
    d.command(b"MAIL FROM:<a@b>", Ending::CrLf, true);
    d.decided(Verdict::Accept);
    d.command(b"RCPT TO:<r@x>", Ending::CrLf, true);
    d.decided(Verdict::Accept);
    assert!(
        !d.improper_pipelining(),
        "MAIL and RCPT may be pipelined after EHLO"
    );
    d.command(b"DATA", Ending::CrLf, true);
    assert!(d.improper_pipelining(), "content sent before 354");

    let mut d = ServerDialogue::new(config());
    d.command(b"HELO x", Ending::CrLf, false);
    d.decided(Verdict::Accept);
    d.command(b"MAIL FROM:<a@b>", Ending::CrLf, true);
    assert!(d.improper_pipelining(), "no PIPELINING without EHLO");
}

#[test]
fn policy_rejections_count_as_errors() {
    let mut d = ServerDialogue::new(ServerConfig {
        hard_error_limit: 2,
        ..config()
    });
    d.command(b"MAIL FROM:<a@b>", Ending::CrLf, false);
    let a = d.decided(Verdict::Reply(Reply::new(554, None, "rejected")));
    assert_eq!(a.next, Next::ReadCommand);
    d.command(b"MAIL FROM:<a@b>", Ending::CrLf, false);
    let a = d.decided(Verdict::Reply(Reply::new(554, None, "rejected")));
    assert_eq!(a.next, Next::Close);
    assert_eq!(a.replies.len(), 2);
}

proptest! {
    #[test]
    fn never_panics(input in proptest::collection::vec(prop_oneof![
        Just(b"MAIL FROM:<a@b>\r\n".to_vec()), Just(b"RCPT TO:<c@d>\r\n".to_vec()), Just(b"DATA\r\n".to_vec()),
        Just(b"BDAT 3\r\n".to_vec()), Just(b"BDAT 2 LAST\r\n".to_vec()), Just(b".\r\n".to_vec()), Just(b"EHLO x\r\n".to_vec()),
        Just(b"RSET\r\n".to_vec()), Just(b"\n".to_vec()), proptest::collection::vec(any::<u8>(), 0..20)], 0..30),
        hard in 1u32..30, reject in any::<bool>(),
    ) {
        let cfg = ServerConfig {
            hard_error_limit: hard,
            bare_newline: if reject { BareNewline::Reject } else { BareNewline::No },
            ..config()
        };
        let mut shell = Shell::new(cfg);
        shell.feed(&input.concat());
    }
}
