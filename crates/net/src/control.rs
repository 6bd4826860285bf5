//! The control socket: how the commands (`postfix status`, later `postqueue -f`,
//! `mailq`) talk to the running daemon. A unix stream socket in
//! `queue_directory/public/`, one request line in, one reply line out, then close.
//!
//! Owns: the wire format (both directions) and a blocking client for the CLI. Never:
//! serves requests (the daemon's `control` module does) or touches the queue.
//!
//! Wire format (ASCII, `\n`-terminated, at most [`MAX_LINE`] bytes):
//! - request: `ping` | `status` (later `flush`, `kick`, `showq`)
//! - reply: `ok pid=N version=V` or `error TEXT`

use std::io::{self, BufRead, BufReader, Write};
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// The socket's name in `queue_directory/public/`.
pub const SOCKET_NAME: &str = "control";

/// Longest request or reply line accepted, terminator included.
pub const MAX_LINE: usize = 4096;

/// The socket path for a queue directory.
pub fn socket_path(queue_directory: &Path) -> PathBuf {
    queue_directory.join("public").join(SOCKET_NAME)
}

/// What a command asks the daemon.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Request {
    /// Are you alive? Answered with [`Reply::Alive`].
    Ping,
    /// Same answer as `Ping` for now; later service and queue counters.
    Status,
}

impl Request {
    pub fn encode(self) -> &'static str {
        match self {
            Request::Ping => "ping\n",
            Request::Status => "status\n",
        }
    }

    /// Parses one request line (without or with its `\n`).
    pub fn parse(line: &str) -> Option<Request> {
        match line.trim_end_matches(['\r', '\n']) {
            "ping" => Some(Request::Ping),
            "status" => Some(Request::Status),
            _ => None,
        }
    }
}

/// What the daemon answers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reply {
    Alive { pid: u32, version: String },
    Error(String),
}

impl Reply {
    pub fn encode(&self) -> String {
        match self {
            Reply::Alive { pid, version } => format!("ok pid={pid} version={version}\n"),
            Reply::Error(text) => format!("error {}\n", text.replace('\n', " ")),
        }
    }

    pub fn parse(line: &str) -> Option<Reply> {
        let line = line.trim_end_matches(['\r', '\n']);
        if let Some(text) = line.strip_prefix("error ") {
            return Some(Reply::Error(text.to_string()));
        }
        let rest = line.strip_prefix("ok ")?;
        let mut pid = None;
        let mut version = None;
        for word in rest.split(' ') {
            match word.split_once('=') {
                Some(("pid", v)) => pid = v.parse().ok(),
                Some(("version", v)) => version = Some(v.to_string()),
                _ => {}
            }
        }
        Some(Reply::Alive {
            pid: pid?,
            version: version?,
        })
    }
}

/// Sends `request` to the daemon at `socket` and reads its reply, each step bounded
/// by `timeout`.
pub fn call(socket: &Path, request: Request, timeout: Duration) -> io::Result<Reply> {
    let mut stream = UnixStream::connect(socket)?;
    stream.set_read_timeout(Some(timeout))?;
    stream.set_write_timeout(Some(timeout))?;
    stream.write_all(request.encode().as_bytes())?;
    let mut line = String::new();
    BufReader::new(io::Read::take(stream, MAX_LINE as u64))
        .read_line(&mut line)
        .map_err(|e| io::Error::new(e.kind(), format!("read reply: {e}")))?;
    Reply::parse(&line).ok_or_else(|| {
        io::Error::new(
            io::ErrorKind::InvalidData,
            format!("malformed control reply: {:?}", line.trim_end()),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_and_replies_round_trip() {
        for r in [Request::Ping, Request::Status] {
            assert_eq!(Request::parse(r.encode()), Some(r));
        }
        assert_eq!(Request::parse("shutdown"), None);
        let alive = Reply::Alive {
            pid: 42,
            version: "0.1.0".into(),
        };
        assert_eq!(Reply::parse(&alive.encode()), Some(alive));
        let err = Reply::Error("no such request".into());
        assert_eq!(Reply::parse(&err.encode()), Some(err));
        assert_eq!(Reply::parse("ok pid=x"), None);
    }
}
