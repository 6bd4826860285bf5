//! Every protocol-level reply the server side sends, in one place, with Postfix 3.7's exact
//! wording (each was checked against a running Postfix 3.7.11 smtpd; the few not yet
//! checked say so). Policy replies (restrictions, relay access) belong to smtpd, not here.
//!
//! Owns: reply texts. Never: deciding when to send them (that is `server.rs`).

use crate::reply::{EnhancedStatus, Reply};

const fn st(class: u8, subject: u16, detail: u16) -> Option<EnhancedStatus> {
    Some(EnhancedStatus::new(class, subject, detail))
}

fn r(code: u16, status: Option<EnhancedStatus>, text: &str) -> Reply {
    Reply::new(code, status, text)
}

// Greeting and session end.

/// `220 <smtpd_banner>`; the banner (`$myhostname ESMTP $mail_name`) comes from settings.
pub fn greeting(banner: &str) -> Reply {
    r(220, None, banner)
}
/// `221 2.0.0 Bye` (QUIT, with or without arguments).
pub fn bye() -> Reply {
    r(221, st(2, 0, 0), "Bye")
}
/// `421 4.7.0 <host> Error: too many errors`, then the server disconnects.
pub fn too_many_errors(host: &str) -> Reply {
    r(421, st(4, 7, 0), &format!("{host} Error: too many errors"))
}
/// `221 2.7.0 Error: I can break rules, too. Goodbye.` for HTTP verbs, header-like lines
/// and lines not starting with a letter (`smtpd_forbidden_commands`); then disconnect.
pub fn forbidden_command() -> Reply {
    r(221, st(2, 7, 0), "Error: I can break rules, too. Goodbye.")
}
/// `<code> 5.5.2 <host> Error: bare <LF> received` (`smtpd_forbid_bare_newline = reject`,
/// code from `smtpd_forbid_bare_newline_reject_code`, default 550).
pub fn bare_lf_received(code: u16, host: &str) -> Reply {
    r(
        code,
        st(5, 5, 2),
        &format!("{host} Error: bare <LF> received"),
    )
}

// Unknown and malformed commands.

/// `500 5.5.2 Error: command not recognized` (also EXPN, HELP, TURN: Postfix has none).
pub fn command_not_recognized() -> Reply {
    r(500, st(5, 5, 2), "Error: command not recognized")
}
/// `500 5.5.2 Error: bad syntax` (an empty command line).
pub fn bad_syntax() -> Reply {
    r(500, st(5, 5, 2), "Error: bad syntax")
}
/// `500 5.5.2 Error: bad UTF-8 syntax` (a command with invalid UTF-8).
pub fn bad_utf8() -> Reply {
    r(500, st(5, 5, 2), "Error: bad UTF-8 syntax")
}
/// `502 5.5.1 Error: command not implemented` (STARTTLS without TLS configured).
pub fn command_not_implemented() -> Reply {
    r(502, st(5, 5, 1), "Error: command not implemented")
}

// HELO / EHLO: Postfix sends these two without an enhanced status.

pub fn helo_syntax() -> Reply {
    r(501, None, "Syntax: HELO hostname")
}
pub fn ehlo_syntax() -> Reply {
    r(501, None, "Syntax: EHLO hostname")
}
/// `250 <myhostname>` (HELO).
pub fn helo_ok(host: &str) -> Reply {
    r(250, None, host)
}

// MAIL.

pub fn mail_ok() -> Reply {
    r(250, st(2, 1, 0), "Ok")
}
pub fn mail_syntax() -> Reply {
    r(501, st(5, 5, 4), "Syntax: MAIL FROM:<address>")
}
pub fn bad_sender_syntax() -> Reply {
    r(501, st(5, 1, 7), "Bad sender address syntax")
}
/// MAIL before HELO/EHLO with `smtpd_helo_required = yes`.
pub fn helo_first() -> Reply {
    r(503, st(5, 5, 1), "Error: send HELO/EHLO first")
}
pub fn nested_mail() -> Reply {
    r(503, st(5, 5, 1), "Error: nested MAIL command")
}
/// `555 5.5.4 Unsupported option: <param as sent>` (MAIL and RCPT).
pub fn unsupported_option(param: &str) -> Reply {
    r(555, st(5, 5, 4), &format!("Unsupported option: {param}"))
}
pub fn bad_size_syntax() -> Reply {
    r(501, st(5, 5, 4), "Bad message size syntax")
}
/// MAIL FROM's SIZE= above `message_size_limit`.
pub fn message_too_big() -> Reply {
    r(552, st(5, 3, 4), "Message size exceeds fixed limit")
}
/// DATA content that grew past `message_size_limit`.
pub fn message_file_too_big() -> Reply {
    r(552, st(5, 3, 4), "Error: message file too big")
}
/// A BDAT chunk that takes the message past `message_size_limit`.
pub fn chunk_too_big() -> Reply {
    r(552, st(5, 3, 4), "Chunk exceeds message size limit")
}
pub fn bad_ret_syntax() -> Reply {
    r(501, st(5, 5, 4), "Bad RET parameter syntax")
}
pub fn bad_envid_syntax() -> Reply {
    r(501, st(5, 5, 4), "Bad ENVID parameter syntax")
}

// RCPT.

pub fn rcpt_ok() -> Reply {
    r(250, st(2, 1, 5), "Ok")
}
pub fn rcpt_syntax() -> Reply {
    r(501, st(5, 5, 4), "Syntax: RCPT TO:<address>")
}
pub fn bad_recipient_syntax() -> Reply {
    r(501, st(5, 1, 3), "Bad recipient address syntax")
}
pub fn need_mail() -> Reply {
    r(503, st(5, 5, 1), "Error: need MAIL command")
}
pub fn bad_notify_syntax() -> Reply {
    r(501, st(5, 5, 4), "Error: Bad NOTIFY parameter syntax")
}
pub fn bad_orcpt_syntax() -> Reply {
    r(501, st(5, 5, 4), "Error: Bad ORCPT parameter syntax")
}
/// Beyond `smtpd_recipient_limit`.
pub fn too_many_recipients() -> Reply {
    r(452, st(4, 5, 3), "Error: too many recipients")
}

// DATA and BDAT.

pub fn need_rcpt() -> Reply {
    r(503, st(5, 5, 1), "Error: need RCPT command")
}
pub fn data_syntax() -> Reply {
    r(501, st(5, 5, 4), "Syntax: DATA")
}
pub fn start_data() -> Reply {
    r(354, None, "End data with <CR><LF>.<CR><LF>")
}
/// `250 2.0.0 Ok: queued as <queue id>`.
pub fn queued(queue_id: &str) -> Reply {
    r(250, st(2, 0, 0), &format!("Ok: queued as {queue_id}"))
}
/// DATA or BDAT inside a transaction that has no accepted recipient.
pub fn no_valid_recipients() -> Reply {
    r(554, st(5, 5, 1), "Error: no valid recipients")
}
/// `521 5.5.4 Syntax: BDAT count [LAST]`, then the server disconnects (the chunk length is
/// unknown, so the byte stream cannot be resynchronised).
pub fn bdat_syntax() -> Reply {
    r(521, st(5, 5, 4), "Syntax: BDAT count [LAST]")
}
/// `BDAT 0` without LAST.
pub fn null_bdat() -> Reply {
    r(551, st(5, 7, 1), "Null BDAT request")
}
pub fn data_after_bdat() -> Reply {
    r(503, st(5, 5, 1), "Error: DATA after BDAT")
}
pub fn rcpt_after_bdat() -> Reply {
    r(503, st(5, 5, 1), "Error: RCPT after BDAT")
}
/// `250 2.0.0 Ok: <n> bytes` after a non-last chunk (n: the transaction's total so far).
pub fn bdat_chunk_ok(total: u64) -> Reply {
    r(250, st(2, 0, 0), &format!("Ok: {total} bytes"))
}
/// `250 2.0.0 Ok: <n> bytes queued as <queue id>` after BDAT LAST.
pub fn bdat_queued(total: u64, queue_id: &str) -> Reply {
    r(
        250,
        st(2, 0, 0),
        &format!("Ok: {total} bytes queued as {queue_id}"),
    )
}
/// A chunk read and thrown away because the transaction already failed.
pub fn bdat_discarded(bytes: u64) -> Reply {
    r(
        551,
        st(5, 0, 0),
        &format!("Discarded {bytes} bytes after earlier error"),
    )
}

// RSET, NOOP, VRFY, ETRN, QUIT.

/// RSET and NOOP.
pub fn ok() -> Reply {
    r(250, st(2, 0, 0), "Ok")
}
pub fn rset_syntax() -> Reply {
    r(501, st(5, 5, 4), "Syntax: RSET")
}
/// `disable_vrfy_command = yes`.
pub fn vrfy_disabled() -> Reply {
    r(502, st(5, 5, 1), "VRFY command is disabled")
}
pub fn vrfy_syntax() -> Reply {
    r(501, st(5, 5, 4), "Syntax: VRFY address [SMTPUTF8]")
}
/// `252 2.0.0 <argument as sent>` (VRFY of an address that is not rejected).
pub fn vrfy_cannot_verify(arg: &str) -> Reply {
    r(252, st(2, 0, 0), arg)
}
/// ETRN without a domain (no enhanced status, as Postfix).
pub fn etrn_syntax() -> Reply {
    r(500, None, "Syntax: ETRN domain")
}
/// ETRN inside a transaction (no enhanced status, as Postfix).
pub fn etrn_in_transaction() -> Reply {
    r(503, None, "Error: MAIL transaction in progress")
}

// STARTTLS, AUTH, XCLIENT, XFORWARD.

pub fn starttls_syntax() -> Reply {
    r(501, st(5, 5, 4), "Syntax: STARTTLS")
}
/// `220 2.0.0 Ready to start TLS` (also inside a MAIL transaction, as Postfix).
pub fn starttls_ready() -> Reply {
    r(220, st(2, 0, 0), "Ready to start TLS")
}
/// STARTTLS once TLS is up.
pub fn tls_already_active() -> Reply {
    r(554, st(5, 5, 1), "Error: TLS already active")
}
pub fn auth_syntax() -> Reply {
    r(501, st(5, 5, 4), "Syntax: AUTH mechanism")
}
/// A SASL challenge, base64 (Postfix sends `334 ` with an empty one).
pub fn auth_challenge(base64: &str) -> Reply {
    r(334, None, base64)
}
pub fn auth_successful() -> Reply {
    r(235, st(2, 7, 0), "Authentication successful")
}
/// The client answered a challenge with `*`.
pub fn auth_aborted() -> Reply {
    r(501, st(5, 7, 0), "Authentication aborted")
}
/// `535 5.7.8 Error: authentication failed: <reason from the SASL server>`.
pub fn auth_failed(reason: &str) -> Reply {
    r(
        535,
        st(5, 7, 8),
        &format!("Error: authentication failed: {reason}"),
    )
}
pub fn already_authenticated() -> Reply {
    r(503, st(5, 5, 1), "Error: already authenticated")
}
pub fn auth_not_enabled() -> Reply {
    r(503, st(5, 5, 1), "Error: authentication not enabled")
}
/// AUTH, XCLIENT and XFORWARD inside a MAIL transaction (ETRN has its own wording).
pub fn mail_transaction_in_progress() -> Reply {
    r(503, st(5, 5, 1), "Error: MAIL transaction in progress")
}
/// XCLIENT / XFORWARD from a client outside `smtpd_authorized_x*_hosts`.
pub fn insufficient_authorization() -> Reply {
    r(550, st(5, 7, 0), "Error: insufficient authorization")
}
pub fn xclient_syntax() -> Reply {
    r(501, st(5, 5, 4), "Syntax: XCLIENT attribute=value...")
}
pub fn xforward_syntax() -> Reply {
    r(501, st(5, 5, 4), "Syntax: XFORWARD attribute=value...")
}
/// An XCLIENT / XFORWARD word without `=`.
pub fn attribute_value_expected() -> Reply {
    r(501, st(5, 5, 4), "Error: attribute=value expected")
}
pub fn bad_xclient_attribute(name: &str) -> Reply {
    r(
        501,
        st(5, 5, 4),
        &format!("Bad XCLIENT attribute name: {name}"),
    )
}
pub fn bad_xforward_attribute(name: &str) -> Reply {
    r(
        501,
        st(5, 5, 4),
        &format!("Bad XFORWARD attribute name: {name}"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wire_forms_match_postfix() {
        let cases: &[(Reply, &str)] = &[
            (
                command_not_recognized(),
                "500 5.5.2 Error: command not recognized",
            ),
            (mail_syntax(), "501 5.5.4 Syntax: MAIL FROM:<address>"),
            (bad_sender_syntax(), "501 5.1.7 Bad sender address syntax"),
            (nested_mail(), "503 5.5.1 Error: nested MAIL command"),
            (
                no_valid_recipients(),
                "554 5.5.1 Error: no valid recipients",
            ),
            (bad_syntax(), "500 5.5.2 Error: bad syntax"),
            (helo_syntax(), "501 Syntax: HELO hostname"),
            (
                too_many_errors("mx.example"),
                "421 4.7.0 mx.example Error: too many errors",
            ),
            (
                bare_lf_received(550, "mx"),
                "550 5.5.2 mx Error: bare <LF> received",
            ),
            (
                bdat_queued(8, "3F1A"),
                "250 2.0.0 Ok: 8 bytes queued as 3F1A",
            ),
            (etrn_syntax(), "500 Syntax: ETRN domain"),
            (start_data(), "354 End data with <CR><LF>.<CR><LF>"),
        ];
        for (reply, wire) in cases {
            assert_eq!(reply.to_string(), *wire);
        }
    }
}
