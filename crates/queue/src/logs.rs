//! Per-message logs in `defer`, `bounce` and `trace` (Postfix's bounce logs): one
//! status record per recipient attempt, appended durably, read back to write a bounce
//! or delay notice and to show deferral reasons in `postqueue -p`.
//!
//! A log is a sequence of STATUS records framed and checksummed like queue file records
//! (`record.rs`), with no header. Each append is one write(2) to a file opened with
//! O_APPEND, then fdatasync; qmgr writes the log record before it marks the recipient
//! done. A crash during an append can leave a torn last record: reading reports it
//! (`torn_tail`) instead of failing, because the recipient it describes was not marked
//! done and will be tried again. Damage anywhere else is an error.

use std::fs::{self, OpenOptions};
use std::io::{self, Cursor};
use std::os::unix::fs::OpenOptionsExt;
use std::path::PathBuf;
use std::time::{SystemTime, UNIX_EPOCH};

use mail::queue_id::QueueId;

use crate::durable::parent;
use crate::envelope::Notify;
use crate::error::QueueError;
use crate::layout::QueueName;
use crate::record::{put_record, put_str, rtype, time_from, Fields, RecordError, RecordSource};
use crate::store::QueueStore;

/// Which log.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogKind {
    /// Why recipients were deferred (`defer/`): delay warnings, `postqueue -p`.
    Defer,
    /// Why recipients failed (`bounce/`): the non-delivery notice.
    Bounce,
    /// Delivery reports asked for (`trace/`): DSN SUCCESS, `sendmail -bv`.
    Trace,
}

impl LogKind {
    pub fn queue(self) -> QueueName {
        match self {
            LogKind::Defer => QueueName::Defer,
            LogKind::Bounce => QueueName::Bounce,
            LogKind::Trace => QueueName::Trace,
        }
    }
}

/// RFC 3464 §2.3.3 Action.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Failed,
    Delayed,
    Delivered,
    Relayed,
    Expanded,
}

impl Action {
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Failed => "failed",
            Action::Delayed => "delayed",
            Action::Delivered => "delivered",
            Action::Relayed => "relayed",
            Action::Expanded => "expanded",
        }
    }

    fn code(self) -> u8 {
        match self {
            Action::Failed => 1,
            Action::Delayed => 2,
            Action::Delivered => 3,
            Action::Relayed => 4,
            Action::Expanded => 5,
        }
    }

    fn from_code(c: u8) -> Option<Action> {
        [
            Action::Failed,
            Action::Delayed,
            Action::Delivered,
            Action::Relayed,
            Action::Expanded,
        ]
        .into_iter()
        .find(|a| a.code() == c)
    }
}

/// One recipient's outcome.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusRecord {
    pub time: SystemTime,
    pub recipient: String,
    pub original: String,
    pub dsn_orcpt: Option<String>,
    pub notify: Notify,
    /// Enhanced status code, e.g. `4.4.1`.
    pub status: String,
    pub action: Action,
    /// Text as `postqueue -p` shows it, e.g. `connect to mx.example.com[192.0.2.1]:25:
    /// Connection refused`.
    pub reason: String,
    /// The remote MTA, when one answered.
    pub relay: Option<String>,
    /// Diagnostic, `type; text`, e.g. `smtp; 550 5.1.1 no such user`.
    pub diagnostic: Option<String>,
}

/// A log read back.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LogContents {
    pub records: Vec<StatusRecord>,
    /// The last append was cut short by a crash (its record is not in `records`).
    pub torn_tail: bool,
}

fn encode(r: &StatusRecord) -> Vec<u8> {
    let since = r.time.duration_since(UNIX_EPOCH).unwrap_or_default();
    let mut p = Vec::with_capacity(64 + r.reason.len());
    p.extend_from_slice(&since.as_secs().to_le_bytes());
    p.extend_from_slice(&since.subsec_micros().to_le_bytes());
    p.push(r.action.code());
    p.push(r.notify.bits());
    let flags = u8::from(r.dsn_orcpt.is_some())
        | u8::from(r.relay.is_some()) << 1
        | u8::from(r.diagnostic.is_some()) << 2;
    p.push(flags);
    p.push(0);
    for s in [&r.recipient, &r.original, &r.status, &r.reason] {
        put_str(&mut p, s);
    }
    for s in [&r.dsn_orcpt, &r.relay, &r.diagnostic]
        .into_iter()
        .flatten()
    {
        put_str(&mut p, s);
    }
    let mut out = Vec::with_capacity(p.len() + 12);
    put_record(&mut out, rtype::STATUS, &p);
    out
}

fn decode(p: &[u8], at: u64) -> Result<StatusRecord, RecordError> {
    let bad = |what| RecordError::Corrupt { offset: at, what };
    let mut f = Fields::new(p, at);
    let secs = f.u64()?;
    let usec = f.u32()?;
    if usec >= 1_000_000 {
        return Err(bad("status time out of range"));
    }
    let action = Action::from_code(f.u8()?).ok_or(bad("unknown action"))?;
    let notify = Notify::from_bits(f.u8()?).ok_or(bad("invalid NOTIFY flags"))?;
    let flags = f.u8()?;
    if flags > 7 || f.u8()? != 0 {
        return Err(bad("unknown status flags"));
    }
    let (recipient, original, status, reason) = (f.str()?, f.str()?, f.str()?, f.str()?);
    let mut opt = |bit: u8| -> Result<Option<String>, RecordError> {
        if flags & bit != 0 {
            f.str().map(Some)
        } else {
            Ok(None)
        }
    };
    let (dsn_orcpt, relay, diagnostic) = (opt(1)?, opt(2)?, opt(4)?);
    f.finish()?;
    let time = time_from(secs, usec).ok_or(bad("status time out of range"))?;
    Ok(StatusRecord {
        time,
        recipient,
        original,
        dsn_orcpt,
        notify,
        status,
        action,
        reason,
        relay,
        diagnostic,
    })
}

/// Decodes a whole log.
pub fn decode_log(bytes: &[u8]) -> Result<LogContents, RecordError> {
    let mut src = RecordSource::new(Cursor::new(bytes));
    let mut out = LogContents::default();
    let mut p = Vec::new();
    while src.offset() < bytes.len() as u64 {
        match src.read_record(&mut p) {
            Ok((rtype::STATUS, at)) => out.records.push(decode(&p, at)?),
            Ok((_, at)) => {
                return Err(RecordError::Corrupt {
                    offset: at,
                    what: "not a status record",
                })
            }
            Err(RecordError::Incomplete { .. }) => {
                out.torn_tail = true;
                break;
            }
            Err(e) => return Err(e),
        }
    }
    Ok(out)
}

impl QueueStore {
    fn log_path(&self, kind: LogKind, id: &QueueId) -> PathBuf {
        self.layout.path(kind.queue(), id)
    }

    /// Appends one status record to `id`'s `kind` log, durably.
    pub fn append_log(
        &self,
        kind: LogKind,
        id: &QueueId,
        record: &StatusRecord,
    ) -> Result<(), QueueError> {
        let path = self.log_path(kind, id);
        let dir = parent(&path).to_path_buf();
        self.ensure_dir(&dir)?;
        let open = |create_new: bool| {
            OpenOptions::new()
                .append(true)
                .create_new(create_new)
                .mode(0o600)
                .open(&path)
        };
        let (file, created) = match open(true) {
            Ok(f) => (f, true),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {
                (open(false).map_err(QueueError::io("open", &path))?, false)
            }
            Err(e) => return Err(QueueError::io("create", &path)(e)),
        };
        self.fs
            .write_all(&file, &encode(record))
            .map_err(QueueError::io("append to", &path))?;
        self.fs
            .sync_data(&file)
            .map_err(QueueError::io("fdatasync", &path))?;
        if created {
            self.fs
                .sync_dir(&dir)
                .map_err(QueueError::io("fsync directory", &dir))?;
        }
        Ok(())
    }

    /// Reads `id`'s `kind` log; a missing log is empty.
    pub fn read_log(&self, kind: LogKind, id: &QueueId) -> Result<LogContents, QueueError> {
        let path = self.log_path(kind, id);
        let bytes = match fs::read(&path) {
            Ok(b) => b,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(LogContents::default()),
            Err(e) => return Err(QueueError::io("read", &path)(e)),
        };
        decode_log(&bytes).map_err(|e| match e {
            RecordError::Corrupt { offset, .. } => QueueError::CorruptLog { path, offset },
            RecordError::Io(source) => QueueError::Io {
                op: "read",
                path,
                source,
            },
            other => QueueError::Record {
                path,
                source: other,
            },
        })
    }

    /// Removes `id`'s `kind` log; a missing log is fine.
    pub fn remove_log(&self, kind: LogKind, id: &QueueId) -> Result<(), QueueError> {
        let path = self.log_path(kind, id);
        match fs::remove_file(&path) {
            Err(e) if e.kind() != io::ErrorKind::NotFound => {
                Err(QueueError::io("remove", &path)(e))
            }
            _ => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn rec(i: u32) -> StatusRecord {
        StatusRecord {
            time: UNIX_EPOCH + Duration::from_micros(1_763_900_000_000_000 + u64::from(i)),
            recipient: format!("user{i}@example.com"),
            original: format!("alias{i}@example.org"),
            dsn_orcpt: i
                .is_multiple_of(2)
                .then(|| format!("rfc822;alias{i}@example.org")),
            notify: Notify::FAILURE,
            status: "4.4.1".into(),
            action: Action::Delayed,
            reason: "connect to mx.example.com[192.0.2.1]:25: Connection refused".into(),
            relay: i
                .is_multiple_of(3)
                .then(|| "mx.example.com[192.0.2.1]:25".into()),
            diagnostic: Some("smtp; 421 4.4.1 try later".into()),
        }
    }

    #[test]
    fn round_trips_and_reports_a_torn_tail() {
        let mut bytes = Vec::new();
        for i in 0..4 {
            bytes.extend(encode(&rec(i)));
        }
        let all = decode_log(&bytes).expect("decode");
        assert_eq!(all.records, (0..4).map(rec).collect::<Vec<_>>());
        assert!(!all.torn_tail);
        let torn = decode_log(&bytes[..bytes.len() - 3]).expect("torn");
        assert_eq!(torn.records.len(), 3);
        assert!(torn.torn_tail);
        let mut damaged = bytes.clone();
        damaged[20] ^= 1;
        assert!(matches!(
            decode_log(&damaged),
            Err(RecordError::Corrupt { .. })
        ));
    }
}
