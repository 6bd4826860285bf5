//! What the SMTP server logs about its sessions: connections and their command statistics,
//! early ends, the queue file it opened (`client=`), SASL failures and protocol misuse.
//! Its policy decisions (`reject:`, `warn:`, `hold:` ...) are in `smtpd_check`.

use std::fmt;

use super::{text, ClientInfo};
use crate::Line;

/// An SMTP server command, in the order Postfix lists them in `disconnect` statistics.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Command {
    Helo,
    Ehlo,
    Xclient,
    Xforward,
    Starttls,
    Auth,
    Mail,
    Rcpt,
    Data,
    Bdat,
    Rset,
    Noop,
    Vrfy,
    Etrn,
    Quit,
    /// Anything else the client sent.
    Unknown,
}

impl Command {
    /// Every command, in statistics order.
    pub const ALL: [Command; 16] = [
        Command::Helo,
        Command::Ehlo,
        Command::Xclient,
        Command::Xforward,
        Command::Starttls,
        Command::Auth,
        Command::Mail,
        Command::Rcpt,
        Command::Data,
        Command::Bdat,
        Command::Rset,
        Command::Noop,
        Command::Vrfy,
        Command::Etrn,
        Command::Quit,
        Command::Unknown,
    ];

    /// The command's name as `after X` and `reject: X from` show it.
    pub fn name(self) -> &'static str {
        match self {
            Command::Helo => "HELO",
            Command::Ehlo => "EHLO",
            Command::Xclient => "XCLIENT",
            Command::Xforward => "XFORWARD",
            Command::Starttls => "STARTTLS",
            Command::Auth => "AUTH",
            Command::Mail => "MAIL",
            Command::Rcpt => "RCPT",
            Command::Data => "DATA",
            Command::Bdat => "BDAT",
            Command::Rset => "RSET",
            Command::Noop => "NOOP",
            Command::Vrfy => "VRFY",
            Command::Etrn => "ETRN",
            Command::Quit => "QUIT",
            Command::Unknown => "UNKNOWN",
        }
    }

    /// The key in `disconnect` statistics (`ehlo=1`).
    fn stats_key(self) -> &'static str {
        match self {
            Command::Helo => "helo",
            Command::Ehlo => "ehlo",
            Command::Xclient => "xclient",
            Command::Xforward => "xforward",
            Command::Starttls => "starttls",
            Command::Auth => "auth",
            Command::Mail => "mail",
            Command::Rcpt => "rcpt",
            Command::Data => "data",
            Command::Bdat => "bdat",
            Command::Rset => "rset",
            Command::Noop => "noop",
            Command::Vrfy => "vrfy",
            Command::Etrn => "etrn",
            Command::Quit => "quit",
            Command::Unknown => "unknown",
        }
    }
}

/// Where in the session something happened: before any command, at a command, or after
/// the message content.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stage {
    Connect,
    Command(Command),
    EndOfMessage,
}

impl From<Command> for Stage {
    fn from(command: Command) -> Stage {
        Stage::Command(command)
    }
}

impl fmt::Display for Stage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Stage::Connect => "CONNECT",
            Stage::Command(c) => c.name(),
            Stage::EndOfMessage => "END-OF-MESSAGE",
        })
    }
}

/// Per-command counts of one session, for the `disconnect from` line: each command used
/// shows `name=ok`, or `name=ok/total` when some failed; then `commands=` the sums in
/// the same form (`commands=0/0` for none).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CommandStats {
    /// (succeeded, total) per command, indexed like [`Command::ALL`].
    counts: [(u32, u32); 16],
}

impl CommandStats {
    pub fn new() -> CommandStats {
        CommandStats::default()
    }

    /// Counts one command and whether it succeeded (got a 2xx/3xx reply).
    pub fn record(&mut self, command: Command, ok: bool) {
        let slot = &mut self.counts[command as usize];
        slot.1 = slot.1.saturating_add(1);
        if ok {
            slot.0 = slot.0.saturating_add(1);
        }
    }
}

impl fmt::Display for CommandStats {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (mut ok_sum, mut total_sum) = (0u32, 0u32);
        for command in Command::ALL {
            let (ok, total) = self.counts[command as usize];
            if total == 0 {
                continue;
            }
            ok_sum = ok_sum.saturating_add(ok);
            total_sum = total_sum.saturating_add(total);
            write_count(f, command.stats_key(), ok, total)?;
            f.write_str(" ")?;
        }
        // A session without any command shows `commands=0/0`.
        if total_sum == 0 {
            return f.write_str("commands=0/0");
        }
        write_count(f, "commands", ok_sum, total_sum)
    }
}

fn write_count(f: &mut fmt::Formatter<'_>, key: &str, ok: u32, total: u32) -> fmt::Result {
    if ok == total {
        write!(f, "{key}={ok}")
    } else {
        write!(f, "{key}={ok}/{total}")
    }
}

/// `connect from host[addr]`
pub fn connect(client: &ClientInfo) -> Line {
    Line::info(text(format_args!("connect from {client}")))
}

/// `disconnect from host[addr] ehlo=1 mail=1 rcpt=1 data=1 quit=1 commands=5`
pub fn disconnect(client: &ClientInfo, stats: &CommandStats) -> Line {
    Line::info(text(format_args!("disconnect from {client} {stats}")))
}

/// Why a session ended before QUIT.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SessionEnd {
    /// The client closed the connection (`lost connection after`).
    LostConnection,
    /// `smtpd_timeout` expired (`timeout after`).
    Timeout,
    /// `smtpd_hard_error_limit` was reached (`too many errors after`).
    TooManyErrors,
}

/// `lost connection after RCPT from host[addr]`, `timeout after DATA (12 bytes) from ...`,
/// `too many errors after RCPT from ...`. `bytes` is the content received so far when the
/// session ended inside DATA or BDAT.
pub fn session_ended(
    how: SessionEnd,
    after: Stage,
    bytes: Option<u64>,
    client: &ClientInfo,
) -> Line {
    let what = match how {
        SessionEnd::LostConnection => "lost connection",
        SessionEnd::Timeout => "timeout",
        SessionEnd::TooManyErrors => "too many errors",
    };
    Line::info(match bytes {
        Some(n) => text(format_args!(
            "{what} after {after} ({n} bytes) from {client}"
        )),
        None => text(format_args!("{what} after {after} from {client}")),
    })
}

/// The SASL login of a session, for the `client=` line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SaslLogin<'a> {
    pub method: &'a str,
    pub username: &'a str,
    /// The `AUTH=` parameter of MAIL FROM, when given.
    pub sender: Option<&'a str>,
}

/// `3F1A2B: client=host[addr]`, with `, sasl_method=PLAIN, sasl_username=u` after a login.
pub fn client(queue_id: &str, client: &ClientInfo, sasl: Option<&SaslLogin<'_>>) -> Line {
    let mut s = text(format_args!("{queue_id}: client={client}"));
    if let Some(login) = sasl {
        s.push_str(&text(format_args!(
            ", sasl_method={}, sasl_username={}",
            login.method, login.username
        )));
        if let Some(sender) = login.sender {
            s.push_str(&text(format_args!(", sasl_sender={sender}")));
        }
    }
    Line::info(s)
}

/// `warning: non-SMTP command from host[addr]: GET / HTTP/1.0`
pub fn non_smtp_command(client: &ClientInfo, command_line: &str) -> Line {
    Line::warning(text(format_args!(
        "non-SMTP command from {client}: {command_line}"
    )))
}

/// Postfix shows at most this many bytes of input that arrived too early.
const PIPELINED_MAX: usize = 100;

/// `improper command pipelining after HELO from host[addr]: MAIL FROM:<a@b>\r\n`:
/// `pending` is the input that arrived before the reply; its first 100 bytes are shown
/// with C escapes (`\r`, `\n`, `\t`, `\\`, `\001`, `\303\251`).
pub fn improper_pipelining(after: Stage, client: &ClientInfo, pending: &[u8]) -> Line {
    let shown = &pending[..pending.len().min(PIPELINED_MAX)];
    Line::info(text(format_args!(
        "improper command pipelining after {after} from {client}: {}",
        escape(shown)
    )))
}

/// C-style escapes for bytes from the network: printable ASCII as is, the usual
/// backslash escapes, everything else as three octal digits.
fn escape(bytes: &[u8]) -> String {
    let mut s = String::with_capacity(bytes.len());
    for &b in bytes {
        match b {
            b'\\' => s.push_str("\\\\"),
            0x07 => s.push_str("\\a"),
            0x08 => s.push_str("\\b"),
            0x0c => s.push_str("\\f"),
            b'\n' => s.push_str("\\n"),
            b'\r' => s.push_str("\\r"),
            b'\t' => s.push_str("\\t"),
            0x0b => s.push_str("\\v"),
            0x20..=0x7e => s.push(char::from(b)),
            _ => s.push_str(&text(format_args!("\\{b:03o}"))),
        }
    }
    s
}

/// `warning: host[addr]: SASL PLAIN authentication failed: reason, sasl_username=u`
/// (`reason` is what the SASL server said, `(reason unavailable)` when it said nothing;
/// the user name is shown when the client sent one).
pub fn sasl_failed(
    client: &ClientInfo,
    method: &str,
    reason: Option<&str>,
    username: Option<&str>,
) -> Line {
    let reason = reason.unwrap_or("(reason unavailable)");
    Line::warning(match username {
        Some(user) => text(format_args!(
            "{client}: SASL {method} authentication failed: {reason}, sasl_username={user}"
        )),
        None => text(format_args!(
            "{client}: SASL {method} authentication failed: {reason}"
        )),
    })
}

#[cfg(test)]
mod tests {
    use super::super::golden::assert_postfix;
    use super::super::smtpd_check::{reject, Reply};
    use super::super::{Proto, Transaction};
    use super::*;

    fn localhost() -> ClientInfo {
        ClientInfo::new("localhost", "127.0.0.1".parse().expect("addr"), 40000)
    }

    fn stats(commands: &[(Command, bool)]) -> CommandStats {
        let mut s = CommandStats::new();
        for &(c, ok) in commands {
            s.record(c, ok);
        }
        s
    }

    #[test]
    fn connect_and_disconnect() {
        use Command::*;
        let c = localhost();
        assert_postfix(&connect(&c), "connect from localhost[127.0.0.1]");
        let s = stats(&[
            (Ehlo, true),
            (Mail, true),
            (Rcpt, true),
            (Data, true),
            (Quit, true),
        ]);
        assert_postfix(
            &disconnect(&c, &s),
            "disconnect from localhost[127.0.0.1] ehlo=1 mail=1 rcpt=1 data=1 quit=1 commands=5",
        );
        let s = stats(&[
            (Ehlo, true),
            (Mail, true),
            (Rcpt, false),
            (Rset, true),
            (Quit, true),
        ]);
        assert_postfix(
            &disconnect(&c, &s),
            "disconnect from localhost[127.0.0.1] ehlo=1 mail=1 rcpt=0/1 rset=1 quit=1 commands=4/5",
        );
        assert_postfix(
            &disconnect(&c, &CommandStats::new()),
            "disconnect from localhost[127.0.0.1] commands=0/0",
        );
    }

    #[test]
    fn statistics_follow_postfix_command_order() {
        use Command::*;
        // Recorded in session order; logged in Postfix's table order.
        let s = stats(&[
            (Ehlo, true),
            (Starttls, false),
            (Auth, false),
            (Xclient, false),
            (Xforward, false),
            (Etrn, true),
            (Bdat, false),
        ]);
        assert_postfix(
            &disconnect(&localhost(), &s),
            "disconnect from localhost[127.0.0.1] ehlo=1 xclient=0/1 xforward=0/1 starttls=0/1 auth=0/1 bdat=0/1 etrn=1 commands=2/7",
        );
        let s = stats(&[
            (Helo, true),
            (Mail, true),
            (Rcpt, true),
            (Rset, true),
            (Noop, true),
            (Vrfy, false),
            (Quit, true),
        ]);
        assert_postfix(
            &disconnect(&localhost(), &s),
            "disconnect from localhost[127.0.0.1] helo=1 mail=1 rcpt=1 rset=1 noop=1 vrfy=0/1 quit=1 commands=6/7",
        );
        let s = stats(&[(Ehlo, true), (Unknown, false)]);
        assert_postfix(
            &disconnect(&localhost(), &s),
            "disconnect from localhost[127.0.0.1] ehlo=1 unknown=0/1 commands=1/2",
        );
    }

    #[test]
    fn sessions_that_end_early() {
        let c = localhost();
        assert_postfix(
            &session_ended(SessionEnd::LostConnection, Command::Rset.into(), None, &c),
            "lost connection after RSET from localhost[127.0.0.1]",
        );
        assert_postfix(
            &session_ended(SessionEnd::LostConnection, Stage::Connect, None, &c),
            "lost connection after CONNECT from localhost[127.0.0.1]",
        );
        assert_postfix(
            &session_ended(
                SessionEnd::LostConnection,
                Command::Data.into(),
                Some(23),
                &c,
            ),
            "lost connection after DATA (23 bytes) from localhost[127.0.0.1]",
        );
        assert_postfix(
            &session_ended(SessionEnd::Timeout, Command::Data.into(), Some(12), &c),
            "timeout after DATA (12 bytes) from localhost[127.0.0.1]",
        );
        assert_postfix(
            &session_ended(SessionEnd::Timeout, Command::Mail.into(), None, &c),
            "timeout after MAIL from localhost[127.0.0.1]",
        );
        assert_postfix(
            &session_ended(SessionEnd::Timeout, Command::Bdat.into(), None, &c),
            "timeout after BDAT from localhost[127.0.0.1]",
        );
        assert_postfix(
            &session_ended(SessionEnd::TooManyErrors, Command::Rcpt.into(), None, &c),
            "too many errors after RCPT from localhost[127.0.0.1]",
        );
    }

    #[test]
    fn client_line() {
        assert_postfix(
            &client("79C80994273", &localhost(), None),
            "79C80994273: client=localhost[127.0.0.1]",
        );
        let login = SaslLogin {
            method: "PLAIN",
            username: "alice",
            sender: None,
        };
        assert_eq!(
            client("79C80994273", &localhost(), Some(&login)).to_string(),
            "79C80994273: client=localhost[127.0.0.1], sasl_method=PLAIN, sasl_username=alice"
        );
    }

    #[test]
    fn improper_pipelining_shows_escaped_input() {
        let c = localhost();
        assert_postfix(
            &improper_pipelining(Command::Helo.into(), &c, b"MAIL FROM:<a@client.test>\r\n"),
            "improper command pipelining after HELO from localhost[127.0.0.1]: MAIL FROM:<a@client.test>\\r\\n",
        );
        let mut pending = b"MAIL FROM:<a\\b\x01\tc\x7f\xc3\xa9>".to_vec();
        pending.extend_from_slice(&[b'x'; 300]);
        pending.extend_from_slice(b"\r\n");
        let expected = format!(
            "improper command pipelining after HELO from localhost[127.0.0.1]: MAIL FROM:<a\\\\b\\001\\tc\\177\\303\\251>{}",
            "x".repeat(79)
        );
        assert_postfix(
            &improper_pipelining(Command::Helo.into(), &c, &pending),
            &expected,
        );
    }

    #[test]
    fn sasl_login_and_failures() {
        let c = localhost();
        let login = SaslLogin {
            method: "PLAIN",
            username: "alice",
            sender: None,
        };
        assert_postfix(
            &client("A6F7B9944D9", &c, Some(&login)),
            "A6F7B9944D9: client=localhost[127.0.0.1], sasl_method=PLAIN, sasl_username=alice",
        );
        assert_postfix(
            &sasl_failed(&c, "PLAIN", None, Some("alice")),
            "warning: localhost[127.0.0.1]: SASL PLAIN authentication failed: (reason unavailable), sasl_username=alice",
        );
        assert_postfix(
            &sasl_failed(
                &c,
                "LOGIN",
                Some("Connection lost to authentication server"),
                Some("alice"),
            ),
            "warning: localhost[127.0.0.1]: SASL LOGIN authentication failed: Connection lost to authentication server, sasl_username=alice",
        );
        use Command::*;
        let s = stats(&[(Ehlo, true), (Auth, false), (Auth, false), (Quit, true)]);
        assert_postfix(
            &disconnect(&c, &s),
            "disconnect from localhost[127.0.0.1] ehlo=1 auth=0/2 quit=1 commands=2/4",
        );
        let s = stats(&[
            (Ehlo, true),
            (Auth, true),
            (Mail, true),
            (Rcpt, true),
            (Data, true),
            (Quit, true),
        ]);
        assert_postfix(
            &disconnect(&c, &s),
            "disconnect from localhost[127.0.0.1] ehlo=1 auth=1 mail=1 rcpt=1 data=1 quit=1 commands=6",
        );
    }

    #[test]
    fn client_port_logging() {
        let c = ClientInfo::new("localhost", "127.0.0.1".parse().expect("addr"), 54304)
            .with_port_logging(true);
        assert_postfix(&connect(&c), "connect from localhost[127.0.0.1]:54304");
        assert_postfix(
            &client("4D59C99426E", &c, None),
            "4D59C99426E: client=localhost[127.0.0.1]:54304",
        );
        assert_postfix(
            &reject(
                Some("4D59C99426E"),
                Command::Rcpt.into(),
                &c,
                &Reply {
                    code: 554,
                    dsn: "5.7.1",
                    text: "<x@elsewhere.test>: Relay access denied",
                },
                &Transaction {
                    from: Some("alice"),
                    to: Some("x@elsewhere.test"),
                    proto: Some(Proto::Esmtp),
                    helo: Some("client.test"),
                },
            ),
            "4D59C99426E: reject: RCPT from localhost[127.0.0.1]:54304: 554 5.7.1 <x@elsewhere.test>: Relay access denied; from=<alice> to=<x@elsewhere.test> proto=ESMTP helo=<client.test>",
        );
        use Command::*;
        let s = stats(&[
            (Ehlo, true),
            (Mail, true),
            (Rcpt, true),
            (Rcpt, false),
            (Data, true),
            (Quit, true),
        ]);
        assert_postfix(
            &disconnect(&c, &s),
            "disconnect from localhost[127.0.0.1]:54304 ehlo=1 mail=1 rcpt=1/2 data=1 quit=1 commands=5/6",
        );
    }

    #[test]
    fn non_smtp_command_is_a_warning() {
        assert_postfix(
            &non_smtp_command(&localhost(), "GET / HTTP/1.0"),
            "warning: non-SMTP command from localhost[127.0.0.1]: GET / HTTP/1.0",
        );
    }
}
