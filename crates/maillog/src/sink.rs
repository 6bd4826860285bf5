//! Where log records go: the syslog socket, `maillog_file`, or standard output / error.
//!
//! A [`Sink`] is opened once from [`SinkSettings`] (a plain snapshot of `syslog_name`,
//! `syslog_facility`, `maillog_file`, `maillog_file_prefixes` and the host name; reload opens
//! a new one) and shared by every [`crate::Logger`]: cloning is an `Arc` bump, writing takes
//! one short mutex. A write that fails never stops mail flow: the record is counted as lost,
//! the first failure of a run of failures is reported once on standard error, and when
//! writing works again one `warning:` record says how many records were lost.
//!
//! Formats, as Postfix 3.7 writes them:
//! - `maillog_file` (and `/dev/stdout`, `/dev/stderr`), as postlogd does:
//!   `Mmm dd hh:mm:ss host syslog_name/program[pid]: text` with a zero-padded day and the
//!   first label of `myhostname` as host.
//! - syslog (RFC 3164 over the `/dev/log` datagram socket, as glibc's `syslog()` sends it):
//!   `<PRI>Mmm dd hh:mm:ss syslog_name/program[pid]: text` with a space-padded day; the syslog
//!   daemon adds the host.
//!
//! A `maillog_file` is opened with `O_APPEND` and each record is one `write(2)`, so
//! records of several processes (daemon, postsuper, postlog) never interleave; at most once
//! a second the sink checks whether the file was renamed away (log rotation) and reopens
//! it. The syslog socket is non-blocking: a full socket buffer loses the record rather than
//! stalling mail flow.
//!
//! Timestamps are local time in the time zone named by `SinkSettings::time_zone` (the `TZ`
//! value the binary read at start), else `/etc/localtime`, else UTC.
//!
//! This module never formats event text: that is `events`' job.

use std::fs::{File, OpenOptions};
use std::io::{self, Write as _};
use std::os::unix::fs::{MetadataExt, OpenOptionsExt};
use std::os::unix::net::UnixDatagram;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

use jiff::tz::TimeZone;

use crate::line::Line;
use crate::stamp::{time_zone, Stamp};

/// The syslog socket glibc's `syslog()` writes to.
pub const DEFAULT_SYSLOG_SOCKET: &str = "/dev/log";

/// How often a `maillog_file` sink checks whether its file was rotated away.
const ROTATION_CHECK: Duration = Duration::from_secs(1);

/// What a sink needs to know, taken from main.cf by the caller (maillog does not read
/// configuration).
#[derive(Clone, Debug)]
pub struct SinkSettings {
    /// `syslog_name`: the tag is `syslog_name/program`.
    pub syslog_name: String,
    /// `syslog_facility`, parsed.
    pub facility: Facility,
    /// `maillog_file`: empty selects syslog; `/dev/stdout` and `/dev/stderr` select those.
    pub maillog_file: String,
    /// `maillog_file_prefixes`, split into its elements.
    pub maillog_file_prefixes: Vec<String>,
    /// `myhostname`; a `maillog_file` record shows its first label.
    pub host_name: String,
    /// The `TZ` environment value read at start (`None` when unset).
    pub time_zone: Option<String>,
    /// The syslog socket, normally [`DEFAULT_SYSLOG_SOCKET`].
    pub syslog_socket: PathBuf,
}

impl SinkSettings {
    /// Settings with Postfix's defaults for everything but the names given.
    pub fn new(syslog_name: impl Into<String>, host_name: impl Into<String>) -> SinkSettings {
        SinkSettings {
            syslog_name: syslog_name.into(),
            facility: Facility::Mail,
            maillog_file: String::new(),
            maillog_file_prefixes: vec!["/var".to_string(), "/dev/stdout".to_string()],
            host_name: host_name.into(),
            time_zone: None,
            syslog_socket: PathBuf::from(DEFAULT_SYSLOG_SOCKET),
        }
    }
}

/// Errors that make a sink's settings unusable (Postfix reports them as `fatal:`).
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SinkError {
    #[error("maillog_file value '{0}' does not match any prefix in maillog_file_prefixes")]
    PrefixMismatch(String),
    /// Postfix prefixes this with `file /etc/postfix/main.cf: `; that is the caller's part.
    #[error("parameter syslog_facility: unrecognized value: {0}")]
    UnknownFacility(String),
}

/// A syslog facility as `syslog_facility` names it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Facility {
    Kern,
    User,
    Mail,
    Daemon,
    Auth,
    Syslog,
    Lpr,
    News,
    Uucp,
    Cron,
    Authpriv,
    Ftp,
    Local(u8),
}

impl Facility {
    /// The facility number of RFC 5424 §6.2.1 (0 = kern ... 23 = local7).
    pub fn code(self) -> u8 {
        match self {
            Facility::Kern => 0,
            Facility::User => 1,
            Facility::Mail => 2,
            Facility::Daemon => 3,
            Facility::Auth => 4,
            Facility::Syslog => 5,
            Facility::Lpr => 6,
            Facility::News => 7,
            Facility::Uucp => 8,
            Facility::Cron => 9,
            Facility::Authpriv => 10,
            Facility::Ftp => 11,
            Facility::Local(n) => 16 + n.min(7),
        }
    }
}

impl FromStr for Facility {
    type Err = SinkError;

    fn from_str(name: &str) -> Result<Facility, SinkError> {
        // Names as Postfix 3.7 accepts them: lower case only, no `security`.
        let facility = match name {
            "kern" => Facility::Kern,
            "user" => Facility::User,
            "mail" => Facility::Mail,
            "daemon" => Facility::Daemon,
            "auth" => Facility::Auth,
            "syslog" => Facility::Syslog,
            "lpr" => Facility::Lpr,
            "news" => Facility::News,
            "uucp" => Facility::Uucp,
            "cron" => Facility::Cron,
            "authpriv" => Facility::Authpriv,
            "ftp" => Facility::Ftp,
            other => match other
                .strip_prefix("local")
                .and_then(|n| n.parse::<u8>().ok())
            {
                Some(n) if n <= 7 && other.len() == 6 => Facility::Local(n),
                _ => return Err(SinkError::UnknownFacility(name.to_string())),
            },
        };
        Ok(facility)
    }
}

/// Checks `maillog_file` against `maillog_file_prefixes` as Postfix does: the value must
/// start with one of the prefixes (an empty `maillog_file` selects syslog and passes).
pub fn check_maillog_file(maillog_file: &str, prefixes: &[String]) -> Result<(), SinkError> {
    if maillog_file.is_empty()
        || prefixes
            .iter()
            .any(|p| !p.is_empty() && maillog_file.starts_with(p.as_str()))
    {
        Ok(())
    } else {
        Err(SinkError::PrefixMismatch(maillog_file.to_string()))
    }
}

/// Where a sink writes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Destination {
    Syslog(PathBuf),
    File(PathBuf),
    Stdout,
    Stderr,
}

impl std::fmt::Display for Destination {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Destination::Syslog(path) => write!(f, "syslog socket {}", path.display()),
            Destination::File(path) => write!(f, "{}", path.display()),
            Destination::Stdout => f.write_str("/dev/stdout"),
            Destination::Stderr => f.write_str("/dev/stderr"),
        }
    }
}

/// The shared log writer. Cheap to clone; safe to use from every thread and task.
#[derive(Clone, Debug)]
pub struct Sink {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    syslog_name: String,
    host: String,
    facility: Facility,
    time_zone: TimeZone,
    destination: Destination,
    writer: Mutex<Writer>,
    lost: AtomicU64,
}

/// What the one writer lock protects.
#[derive(Debug)]
struct Writer {
    output: Output,
    streak: Streak,
}

#[derive(Debug)]
enum Output {
    Syslog(Option<UnixDatagram>),
    File {
        file: Option<File>,
        checked: Instant,
    },
    Stdout,
    Stderr,
}

/// A run of failed writes, reported once when it starts and once when it ends.
#[derive(Debug, Default)]
struct Streak {
    lost: u64,
    first_error: String,
}

impl Sink {
    /// Opens the sink the settings describe. Only unusable settings are errors; a log file
    /// or socket that cannot be opened now is reported once and retried on later writes.
    pub fn open(settings: &SinkSettings) -> Result<Sink, SinkError> {
        check_maillog_file(&settings.maillog_file, &settings.maillog_file_prefixes)?;
        let destination = match settings.maillog_file.as_str() {
            "" => Destination::Syslog(settings.syslog_socket.clone()),
            "/dev/stdout" => Destination::Stdout,
            "/dev/stderr" => Destination::Stderr,
            path => Destination::File(PathBuf::from(path)),
        };
        let host = settings
            .host_name
            .split('.')
            .next()
            .unwrap_or("")
            .to_string();
        let sink = Sink {
            inner: Arc::new(Inner {
                syslog_name: settings.syslog_name.clone(),
                host,
                facility: settings.facility,
                time_zone: time_zone(settings.time_zone.as_deref()),
                writer: Mutex::new(Writer {
                    output: open_output(&destination),
                    streak: Streak::default(),
                }),
                destination,
                lost: AtomicU64::new(0),
            }),
        };
        Ok(sink)
    }

    /// `syslog_name` of the settings this sink was opened with.
    pub fn syslog_name(&self) -> &str {
        &self.inner.syslog_name
    }

    pub fn destination(&self) -> &Destination {
        &self.inner.destination
    }

    /// How many records could not be written since the sink was opened.
    pub fn lost(&self) -> u64 {
        self.inner.lost.load(Ordering::Relaxed)
    }

    /// Writes one record under `tag` (`postfix/smtpd`) and `pid`, stamped with the current
    /// time. Never fails: a failed write is counted (see [`Sink::lost`]).
    pub fn write(&self, tag: &str, pid: u32, line: &Line) {
        self.write_at(SystemTime::now(), tag, pid, line);
    }

    /// As [`Sink::write`], with the record's time given.
    pub fn write_at(&self, time: SystemTime, tag: &str, pid: u32, line: &Line) {
        let inner = &self.inner;
        let stamp = Stamp::new(&inner.time_zone, time);
        let record = inner.render(&stamp, tag, pid, line);
        // A panic elsewhere while holding the lock must not silence the log.
        let mut writer = inner.writer.lock().unwrap_or_else(|e| e.into_inner());
        let Writer { output, streak } = &mut *writer;
        match output.send(&inner.destination, &record) {
            Ok(()) if streak.lost > 0 => {
                let lost = std::mem::take(streak);
                let note = Line::warning(format!(
                    "{} log records were lost; first error: {}",
                    lost.lost, lost.first_error
                ));
                let _ = output.send(&inner.destination, &inner.render(&stamp, tag, pid, &note));
            }
            Ok(()) => {}
            Err(err) => {
                inner.lost.fetch_add(1, Ordering::Relaxed);
                if streak.lost == 0 {
                    streak.first_error = err.to_string();
                    if inner.destination != Destination::Stderr {
                        // Last resort: the log itself is what failed.
                        let _ = writeln!(
                            io::stderr(),
                            "{tag}: warning: cannot write log record to {}: {err}",
                            inner.destination
                        );
                    }
                }
                streak.lost += 1;
            }
        }
    }

    /// Reopens a `maillog_file` now (after `postfix logrotate` moved it away); other
    /// destinations are reconnected on their next failure anyway.
    pub fn reopen(&self) {
        let mut writer = self.inner.writer.lock().unwrap_or_else(|e| e.into_inner());
        writer.output = open_output(&self.inner.destination);
    }
}

impl Inner {
    /// One record in the destination's format.
    fn render(&self, stamp: &Stamp, tag: &str, pid: u32, line: &Line) -> String {
        match self.destination {
            Destination::Syslog(_) => {
                let pri = self.facility.code() * 8 + line.severity.syslog_level();
                format!("<{pri}>{} {tag}[{pid}]: {line}", stamp.syslog())
            }
            Destination::File(_) | Destination::Stdout | Destination::Stderr => {
                format!("{} {} {tag}[{pid}]: {line}\n", stamp.file(), self.host)
            }
        }
    }
}

fn open_output(destination: &Destination) -> Output {
    match destination {
        Destination::Syslog(path) => Output::Syslog(connect_syslog(path).ok()),
        Destination::File(path) => Output::File {
            file: open_log_file(path).ok(),
            checked: Instant::now(),
        },
        Destination::Stdout => Output::Stdout,
        Destination::Stderr => Output::Stderr,
    }
}

impl Output {
    fn send(&mut self, destination: &Destination, record: &str) -> io::Result<()> {
        match (self, destination) {
            (Output::Syslog(socket), Destination::Syslog(path)) => {
                if let Some(s) = socket.as_ref() {
                    match s.send(record.as_bytes()) {
                        Ok(_) => return Ok(()),
                        Err(err) if err.kind() == io::ErrorKind::WouldBlock => return Err(err),
                        // The syslog daemon restarted: reconnect once.
                        Err(_) => {}
                    }
                }
                let s = connect_syslog(path)?;
                let result = s.send(record.as_bytes()).map(|_| ());
                *socket = Some(s);
                result
            }
            (Output::File { file, checked }, Destination::File(path)) => {
                if checked.elapsed() >= ROTATION_CHECK {
                    *checked = Instant::now();
                    if file.as_ref().is_some_and(|f| rotated(f, path)) {
                        *file = None;
                    }
                }
                if file.is_none() {
                    *file = Some(open_log_file(path)?);
                }
                match file.as_mut() {
                    // One write(2) per record on an O_APPEND file: records from several
                    // processes (postlog, postsuper) never interleave.
                    Some(f) => f.write_all(record.as_bytes()),
                    None => Err(io::Error::other("log file not open")),
                }
            }
            (Output::Stdout, _) => io::stdout().lock().write_all(record.as_bytes()),
            (Output::Stderr, _) => io::stderr().lock().write_all(record.as_bytes()),
            _ => Err(io::Error::other(
                "sink output does not match its destination",
            )),
        }
    }
}

fn connect_syslog(path: &Path) -> io::Result<UnixDatagram> {
    let socket = UnixDatagram::unbound()?;
    socket.connect(path)?;
    socket.set_nonblocking(true)?;
    Ok(socket)
}

fn open_log_file(path: &Path) -> io::Result<File> {
    OpenOptions::new()
        .append(true)
        .create(true)
        .mode(0o644)
        .open(path)
}

/// Whether the file at `path` is no longer the one we have open.
fn rotated(file: &File, path: &Path) -> bool {
    match (file.metadata(), std::fs::metadata(path)) {
        (Ok(open), Ok(named)) => open.dev() != named.dev() || open.ino() != named.ino(),
        _ => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::events::qmgr;

    /// 2026-11-23 17:04:00 UTC, when Postfix wrote the golden lines.
    fn nov23() -> SystemTime {
        SystemTime::UNIX_EPOCH + Duration::from_secs(1_795_453_440)
    }

    fn file_settings(dir: &Path) -> SinkSettings {
        SinkSettings {
            maillog_file: dir.join("maillog").display().to_string(),
            maillog_file_prefixes: vec![dir.display().to_string()],
            time_zone: Some("UTC".to_string()),
            ..SinkSettings::new("postfix", "mx.example.test")
        }
    }

    fn read(path: &Path) -> String {
        std::fs::read_to_string(path).unwrap_or_default()
    }

    #[test]
    fn maillog_file_lines_are_postlogd_lines() -> Result<(), Box<dyn std::error::Error>> {
        let dir = tempfile::tempdir()?;
        let sink = Sink::open(&file_settings(dir.path()))?;
        sink.write_at(
            nov23(),
            "postfix/qmgr",
            20985,
            &qmgr::removed("79C80994273"),
        );
        // Zero-padded day, as `faketime '2026-12-03 04:05:06' postlog -t t5 'day pad'` wrote.
        let dec3 = SystemTime::UNIX_EPOCH + Duration::from_secs(1_796_270_708);
        sink.write_at(dec3, "t5", 31748, &Line::info("day pad"));
        sink.write_at(dec3, "postfix/postlog", 1, &Line::fatal("crit prio"));
        assert_eq!(
            read(&dir.path().join("maillog")),
            "Nov 23 17:04:00 mx postfix/qmgr[20985]: 79C80994273: removed\n\
             Dec 03 04:05:08 mx t5[31748]: day pad\n\
             Dec 03 04:05:08 mx postfix/postlog[1]: fatal: crit prio\n"
        );
        assert_eq!(sink.lost(), 0);
        Ok(())
    }

    #[test]
    fn syslog_records_are_rfc3164() -> Result<(), Box<dyn std::error::Error>> {
        let dir = tempfile::tempdir()?;
        let socket_path = dir.path().join("log");
        let syslogd = UnixDatagram::bind(&socket_path)?;
        let settings = SinkSettings {
            syslog_socket: socket_path,
            time_zone: Some("UTC".to_string()),
            ..SinkSettings::new("postfix", "mx.example.test")
        };
        let sink = Sink::open(&settings)?;
        assert_eq!(
            sink.destination(),
            &Destination::Syslog(dir.path().join("log"))
        );
        let dec3 = SystemTime::UNIX_EPOCH + Duration::from_secs(1_796_270_708);
        sink.write_at(
            nov23(),
            "postfix/qmgr",
            20985,
            &qmgr::removed("79C80994273"),
        );
        sink.write_at(dec3, "postfix/smtpd", 7, &Line::warning("w"));
        let mut buf = [0u8; 512];
        let n = syslogd.recv(&mut buf)?;
        assert_eq!(
            std::str::from_utf8(&buf[..n])?,
            "<22>Nov 23 17:04:00 postfix/qmgr[20985]: 79C80994273: removed"
        );
        let n = syslogd.recv(&mut buf)?;
        assert_eq!(
            std::str::from_utf8(&buf[..n])?,
            "<20>Dec  3 04:05:08 postfix/smtpd[7]: warning: w"
        );
        Ok(())
    }

    /// The lines `postlog` wrote to maillog_file with different `myhostname` and
    /// `syslog_name` values (testdata/postfix-3.7.11-postlog.maillog).
    #[test]
    fn maillog_file_records_equal_postfix_lines() -> Result<(), Box<dyn std::error::Error>> {
        let dir = tempfile::tempdir()?;
        let at = |secs| SystemTime::UNIX_EPOCH + Duration::from_secs(secs);
        let open = |host: &str, syslog_name: &str| {
            Sink::open(&SinkSettings {
                syslog_name: syslog_name.to_string(),
                host_name: host.to_string(),
                ..file_settings(dir.path())
            })
        };
        let first = open("hostpart.example.test", "postfix")?;
        first.write_at(at(1_795_453_731), "t1", 31281, &Line::info("hello 1"));
        open("hostpart", "postfix")?.write_at(
            at(1_796_270_708),
            "t5",
            31748,
            &Line::info("day pad"),
        );
        let h = open("h.example", "custom/x")?;
        let postlog = |pid| crate::Logger::new(&h, "postlog").with_pid(pid);
        assert_eq!(postlog(1).tag(), "custom/x/postlog");
        h.write_at(
            at(1_795_453_745),
            "custom/x/postlog",
            31875,
            &Line::error("err prio"),
        );
        h.write_at(
            at(1_795_453_745),
            "custom/x/postlog",
            31885,
            &Line::fatal("crit prio"),
        );
        h.write_at(
            at(1_795_453_747),
            "custom/x/postlog",
            31979,
            &Line::info("ctl\u{1}char é utf8 tab\there"),
        );
        h.write_at(
            at(1_795_453_759),
            "custom/x/postlog",
            32489,
            &Line::panic("panic prio"),
        );
        assert_eq!(
            read(&dir.path().join("maillog")),
            include_str!("../testdata/postfix-3.7.11-postlog.maillog")
        );
        Ok(())
    }

    /// The datagrams `postlog` sent to a stand-in /dev/log (testdata/postfix-3.7.11.syslog).
    #[test]
    fn syslog_records_equal_postfix_datagrams() -> Result<(), Box<dyn std::error::Error>> {
        let real: Vec<&str> = include_str!("../testdata/postfix-3.7.11.syslog")
            .lines()
            .collect();
        let dir = tempfile::tempdir()?;
        let socket_path = dir.path().join("log");
        let syslogd = UnixDatagram::bind(&socket_path)?;
        let at = |secs| SystemTime::UNIX_EPOCH + Duration::from_secs(secs);
        let mut settings = SinkSettings {
            syslog_socket: socket_path,
            time_zone: Some("UTC".to_string()),
            ..SinkSettings::new("postfix", "hostpart.example.test")
        };
        let mail = Sink::open(&settings)?;
        mail.write_at(at(1_795_454_932), "t1", 20071, &Line::info("syslog info"));
        mail.write_at(
            at(1_795_454_932),
            "postfix/postlog",
            20100,
            &Line::warning("syslog warn"),
        );
        settings.facility = Facility::Local(3);
        let local3 = Sink::open(&settings)?;
        local3.write_at(
            at(1_795_454_934),
            "postfix/postlog",
            20103,
            &Line::fatal("crit local3"),
        );
        let mut buf = [0u8; 512];
        for expected in real {
            let n = syslogd.recv(&mut buf)?;
            assert_eq!(std::str::from_utf8(&buf[..n])?, expected);
        }
        Ok(())
    }

    #[test]
    fn facility_and_severity_make_the_priority() -> Result<(), Box<dyn std::error::Error>> {
        let dir = tempfile::tempdir()?;
        let socket_path = dir.path().join("log");
        let syslogd = UnixDatagram::bind(&socket_path)?;
        let settings = SinkSettings {
            syslog_socket: socket_path,
            facility: "local3".parse()?,
            ..SinkSettings::new("postfix", "mx")
        };
        let sink = Sink::open(&settings)?;
        sink.write("postfix/master", 1, &Line::fatal("x"));
        let mut buf = [0u8; 512];
        let n = syslogd.recv(&mut buf)?;
        // local3 = 19; crit = 2.
        assert!(std::str::from_utf8(&buf[..n])?.starts_with("<154>"));
        Ok(())
    }

    #[test]
    fn facilities() {
        assert_eq!("mail".parse::<Facility>(), Ok(Facility::Mail));
        assert_eq!("local7".parse::<Facility>(), Ok(Facility::Local(7)));
        assert_eq!("authpriv".parse::<Facility>(), Ok(Facility::Authpriv));
        // Postfix: "fatal: file .../main.cf: parameter syslog_facility: unrecognized value:
        // MAIL" (and the same for security, local8).
        for bad in ["MAIL", "security", "local8", "bogus"] {
            assert_eq!(
                bad.parse::<Facility>().map_err(|e| e.to_string()),
                Err(format!(
                    "parameter syslog_facility: unrecognized value: {bad}"
                ))
            );
        }
        assert_eq!(Facility::Local(0).code(), 16);
        assert_eq!(
            "local8".parse::<Facility>(),
            Err(SinkError::UnknownFacility("local8".to_string()))
        );
        assert!("local".parse::<Facility>().is_err());
    }

    #[test]
    fn maillog_file_must_match_a_prefix() {
        let prefixes = vec!["/var".to_string(), "/dev/stdout".to_string()];
        assert_eq!(
            check_maillog_file("/var/log/postfix.log", &prefixes),
            Ok(())
        );
        assert_eq!(check_maillog_file("/dev/stdout", &prefixes), Ok(()));
        assert_eq!(check_maillog_file("", &prefixes), Ok(()));
        let err = check_maillog_file("/tmp/x", &prefixes);
        // Postfix: "fatal: maillog_file value '/var/log/nope' does not match any prefix in
        // maillog_file_prefixes".
        assert_eq!(
            err.map_err(|e| e.to_string()),
            Err(
                "maillog_file value '/tmp/x' does not match any prefix in maillog_file_prefixes"
                    .to_string()
            )
        );
        let settings = SinkSettings {
            maillog_file: "/dev/stderr".to_string(),
            ..SinkSettings::new("postfix", "mx")
        };
        assert!(Sink::open(&settings).is_err());
        let settings = SinkSettings {
            maillog_file_prefixes: vec!["/dev/stderr".to_string()],
            ..settings
        };
        assert_eq!(
            Sink::open(&settings).map(|s| s.destination().clone()),
            Ok(Destination::Stderr)
        );
    }

    #[test]
    fn local_time_follows_the_time_zone() -> Result<(), Box<dyn std::error::Error>> {
        let dir = tempfile::tempdir()?;
        let settings = SinkSettings {
            time_zone: Some("CET-1CEST,M3.5.0,M10.5.0/3".to_string()),
            ..file_settings(dir.path())
        };
        let sink = Sink::open(&settings)?;
        sink.write_at(nov23(), "t", 1, &Line::info("x"));
        let settings = SinkSettings {
            time_zone: Some(":America/New_York".to_string()),
            ..file_settings(dir.path())
        };
        Sink::open(&settings)?.write_at(nov23(), "t", 2, &Line::info("y"));
        assert_eq!(
            read(&dir.path().join("maillog")),
            "Nov 23 18:04:00 mx t[1]: x\nNov 23 12:04:00 mx t[2]: y\n"
        );
        Ok(())
    }

    #[test]
    fn failed_writes_are_counted_and_reported_once() -> Result<(), Box<dyn std::error::Error>> {
        let dir = tempfile::tempdir()?;
        let logdir = dir.path().join("not-yet");
        let settings = SinkSettings {
            maillog_file: logdir.join("maillog").display().to_string(),
            maillog_file_prefixes: vec![dir.path().display().to_string()],
            time_zone: Some("UTC".to_string()),
            ..SinkSettings::new("postfix", "mx")
        };
        let sink = Sink::open(&settings)?;
        for _ in 0..3 {
            sink.write_at(nov23(), "postfix/smtpd", 9, &Line::info("lost"));
        }
        assert_eq!(sink.lost(), 3);
        std::fs::create_dir(&logdir)?;
        sink.write_at(nov23(), "postfix/smtpd", 9, &Line::info("back"));
        let text = read(&logdir.join("maillog"));
        let mut lines = text.lines();
        assert_eq!(
            lines.next(),
            Some("Nov 23 17:04:00 mx postfix/smtpd[9]: back")
        );
        let note = lines.next().unwrap_or_default();
        assert!(
            note.starts_with(
                "Nov 23 17:04:00 mx postfix/smtpd[9]: warning: 3 log records were lost; first error: "
            ),
            "{note}"
        );
        assert_eq!(lines.next(), None);
        assert_eq!(sink.lost(), 3);
        Ok(())
    }

    #[test]
    fn reopen_after_rotation() -> Result<(), Box<dyn std::error::Error>> {
        let dir = tempfile::tempdir()?;
        let sink = Sink::open(&file_settings(dir.path()))?;
        let log = dir.path().join("maillog");
        sink.write_at(nov23(), "t", 1, &Line::info("one"));
        std::fs::rename(&log, dir.path().join("maillog.1"))?;
        sink.reopen();
        sink.write_at(nov23(), "t", 1, &Line::info("two"));
        assert_eq!(read(&log), "Nov 23 17:04:00 mx t[1]: two\n");
        assert_eq!(
            read(&dir.path().join("maillog.1")),
            "Nov 23 17:04:00 mx t[1]: one\n"
        );
        Ok(())
    }

    #[test]
    fn shared_between_threads() -> Result<(), Box<dyn std::error::Error>> {
        let dir = tempfile::tempdir()?;
        let sink = Sink::open(&file_settings(dir.path()))?;
        let threads: Vec<_> = (0..4)
            .map(|t| {
                let sink = sink.clone();
                std::thread::spawn(move || {
                    for i in 0..100 {
                        sink.write_at(nov23(), "t", t, &Line::info(format!("line {i}")));
                    }
                })
            })
            .collect();
        for t in threads {
            t.join().map_err(|_| "thread panicked")?;
        }
        let text = read(&dir.path().join("maillog"));
        assert_eq!(text.lines().count(), 400);
        assert!(text
            .lines()
            .all(|l| l.starts_with("Nov 23 17:04:00 mx t[") && l.contains("]: line ")));
        Ok(())
    }
}
