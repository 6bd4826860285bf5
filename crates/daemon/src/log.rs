//! The daemon's own log lines (start, reload, stop, fatal) in Postfix's format:
//! `Mmm dd hh:mm:ss host syslog_name/master[pid]: text`, appended to `maillog_file`
//! (opened before the privilege drop and kept open, as postlogd does). Fatal lines
//! also go to stderr while the starting command listens, as Postfix's master does.
//!
//! Stand-in: the `maillog` crate (sinks, syslog, `maillog_file_prefixes`) replaces this
//! module when it lands; keep every write behind these few functions.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;
use std::time::{SystemTime, UNIX_EPOCH};

/// Where the daemon's lines go.
#[derive(Debug)]
pub struct MasterLog {
    /// `maillog_file`, when set.
    file: Option<Mutex<File>>,
    /// `syslog_name` + `/master`.
    tag: String,
    /// myhostname's first label, as syslog shows the host.
    host: String,
    /// Copy fatal lines to stderr (until a detaching daemon is ready).
    stderr: AtomicBool,
}

impl MasterLog {
    /// Opens `file` for appending (mode 0600 when created).
    pub fn new(file: Option<&Path>, syslog_name: &str, myhostname: &str) -> std::io::Result<Self> {
        use std::os::unix::fs::OpenOptionsExt;
        let file = match file {
            Some(path) => Some(Mutex::new(
                OpenOptions::new()
                    .create(true)
                    .append(true)
                    .mode(0o600)
                    .open(path)
                    .map_err(|e| {
                        std::io::Error::new(e.kind(), format!("open {}: {e}", path.display()))
                    })?,
            )),
            None => None,
        };
        Ok(MasterLog {
            file,
            tag: format!("{syslog_name}/master"),
            host: myhostname
                .split('.')
                .next()
                .unwrap_or(myhostname)
                .to_string(),
            stderr: AtomicBool::new(true),
        })
    }

    /// Before any configuration is read: stderr only.
    pub fn stderr_only(syslog_name: &str) -> Self {
        MasterLog {
            file: None,
            tag: format!("{syslog_name}/master"),
            host: String::new(),
            stderr: AtomicBool::new(true),
        }
    }

    /// Stops copying to stderr (a detached daemon has no terminal).
    pub fn detach_stderr(&self) {
        self.stderr.store(false, Ordering::Relaxed);
    }

    /// `daemon started -- version V, configuration DIR`
    pub fn started(&self, config_dir: &Path) {
        self.info(&format!(
            "daemon started -- version {}, configuration {}",
            crate::VERSION,
            config_dir.display()
        ));
    }

    /// `reload -- version V, configuration DIR`
    pub fn reloaded(&self, config_dir: &Path) {
        self.info(&format!(
            "reload -- version {}, configuration {}",
            crate::VERSION,
            config_dir.display()
        ));
    }

    /// `terminating on signal 15`
    pub fn terminating(&self, signo: i32) {
        self.info(&format!("terminating on signal {signo}"));
    }

    pub fn info(&self, text: &str) {
        self.line("", text);
    }

    pub fn warning(&self, text: &str) {
        self.line("warning: ", text);
    }

    pub fn fatal(&self, text: &str) {
        self.line("fatal: ", text);
    }

    fn line(&self, severity: &str, text: &str) {
        if severity == "fatal: " && self.stderr.load(Ordering::Relaxed) {
            // Postfix's stderr form: no time stamp, host or pid.
            let _ = writeln!(std::io::stderr(), "{}: {severity}{text}", self.tag);
        }
        if let Some(file) = &self.file {
            let line = format!(
                "{} {} {}[{}]: {severity}{text}\n",
                syslog_time(SystemTime::now()),
                self.host,
                self.tag,
                std::process::id()
            );
            if let Ok(mut f) = file.lock() {
                let _ = f.write_all(line.as_bytes());
            }
        }
    }
}

/// `Nov 23 17:20:07` (UTC; the maillog crate brings the local zone).
fn syslog_time(t: SystemTime) -> String {
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let secs = t
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    let (days, rem) = ((secs / 86_400) as i64, secs % 86_400);
    // Civil date from days since 1970-01-01 (H. Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    format!(
        "{} {:>2} {:02}:{:02}:{:02}",
        MONTHS[(month - 1) as usize],
        day,
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn syslog_time_format() {
        // 2026-11-23 17:20:07 UTC
        let t = UNIX_EPOCH + Duration::from_secs(1_795_454_407);
        assert_eq!(syslog_time(t), "Nov 23 17:20:07");
        let t = UNIX_EPOCH + Duration::from_secs(86_400 * 31 + 5);
        assert_eq!(syslog_time(t), "Feb  1 00:00:05");
    }
}
