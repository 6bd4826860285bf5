//! Postfix `master`: the long-running daemon and the composition root, the only crate
//! that knows every service (DESIGN.md, "Process model and privileges").
//!
//! Start-up order, each step before the next: read and check the configuration
//! ([`snapshot`]); create missing queue directories; take the pid-file lock (a second
//! daemon stops here); return `active` to `incoming`; bind every `inet` listener and
//! the control socket; drop to `mail_owner` when root; only then start the runtime and
//! serve. With `-w` the starting command waits on our stdout for `ready` (or for EOF:
//! start-up failed) and we detach.
//!
//! - [`services`]: master.cf entry → implementation; `maxproc`; the accept loop.
//! - [`snapshot`]: configuration read and checked as one immutable value.
//! - [`control`]: the control socket server.
//! - [`signals`]: SIGHUP reload, SIGTERM/SIGINT stop.
//! - [`log`]: the daemon's own log lines (stand-in until the maillog crate).
//!
//! Invocation (internal; administrators use `facteur start`): `facteur master
//! [-c DIR] [-w] [--check]`.

pub mod control;
pub mod log;
pub mod services;
pub mod signals;
pub mod snapshot;

use std::ffi::OsString;
use std::io::Write;
use std::net::TcpListener as StdTcpListener;
use std::os::unix::fs::PermissionsExt;
use std::os::unix::net::UnixListener as StdUnixListener;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use config::Config;
use net::pidfile::PidLock;
use queue::{QueueName, QueueStore};
use tokio::sync::{mpsc, watch};

use crate::log::MasterLog;
use crate::services::Run;
use crate::signals::{Event, Signals};
use crate::snapshot::Snapshot;

/// facteur's version, as `daemon started -- version V` logs it.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// Where the configuration lives when neither `-c` nor MAIL_CONFIG says (the same
/// compiled-in directory as `cli::env::DEFAULT_CONFIG_DIRECTORY`).
pub const DEFAULT_CONFIG_DIRECTORY: &str = "/etc/facteur";

/// How long a graceful stop waits for sessions before it ends them (below the 5 s
/// `postfix stop` waits before it uses force).
pub const STOP_GRACE: Duration = Duration::from_secs(4);

/// What `facteur master` was asked to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Options {
    pub config_dir: PathBuf,
    /// `-w`: detach, and tell the parent on stdout when initialisation succeeded.
    pub detach: bool,
    /// `--check`: read and check the configuration, then exit.
    pub check_only: bool,
}

impl Options {
    /// Parses `facteur master` arguments. `mail_config` is MAIL_CONFIG.
    pub fn parse(args: &[OsString], mail_config: Option<PathBuf>) -> Result<Options, String> {
        let mut dir = None;
        let mut detach = false;
        let mut check_only = false;
        let mut it = args.iter();
        while let Some(arg) = it.next() {
            match arg.to_str() {
                Some("-c") => {
                    dir = Some(PathBuf::from(
                        it.next().ok_or("option requires an argument -- 'c'")?,
                    ))
                }
                Some("-w") => detach = true,
                // Postfix master's foreground forms: the default here.
                Some("-d") | Some("-s") | Some("-i") => {}
                Some("--check") => check_only = true,
                _ => {
                    return Err(format!(
                        "usage: master [-c config_dir] [-w] [--check] (bad argument: {})",
                        arg.to_string_lossy()
                    ))
                }
            }
        }
        Ok(Options {
            config_dir: dir
                .or(mail_config)
                .unwrap_or_else(|| PathBuf::from(DEFAULT_CONFIG_DIRECTORY)),
            detach,
            check_only,
        })
    }
}

/// `facteur master ARGS`: runs the daemon to its end.
pub fn run(args: &[OsString], mail_config: Option<PathBuf>) -> ExitCode {
    let options = match Options::parse(args, mail_config) {
        Ok(o) => o,
        Err(e) => {
            MasterLog::stderr_only("facteur").fatal(&e);
            return ExitCode::from(1);
        }
    };
    if options.detach {
        // A session of our own: no terminal, no SIGHUP when the starting shell exits.
        let _ = rustix::process::setsid();
    }
    let snapshot = match Snapshot::load(
        &options.config_dir,
        Path::new(net::privileges::PASSWD_FILE),
        Path::new(net::listen::SERVICES_FILE),
    ) {
        Ok(s) => s,
        Err(e) => {
            let syslog_name = Config::load(&options.config_dir)
                .and_then(|c| c.get("syslog_name"))
                .unwrap_or_else(|_| "facteur".into());
            MasterLog::stderr_only(&syslog_name).fatal(&e.to_string());
            return ExitCode::from(1);
        }
    };
    let log = match MasterLog::new(&snapshot.log) {
        Ok(l) => Arc::new(l),
        Err(e) => {
            MasterLog::stderr_only(&snapshot.log.syslog_name).fatal(&e.to_string());
            return ExitCode::from(1);
        }
    };
    if options.check_only {
        return ExitCode::SUCCESS;
    }
    match start(snapshot, &log, options.detach) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            log.fatal(&e);
            ExitCode::from(1)
        }
    }
}

/// What is bound before the privilege drop.
struct Bound {
    listeners: Vec<(usize, StdTcpListener)>,
    control: StdUnixListener,
    control_path: PathBuf,
}

fn start(snapshot: Snapshot, log: &Arc<MasterLog>, detach: bool) -> Result<(), String> {
    let root = net::privileges::is_root();
    // As Postfix's master: files we create are not group/world writable, and the
    // working directory is the queue (never the starting shell's directory).
    rustix::process::umask(rustix::fs::Mode::from_raw_mode(0o022));
    create_queue(&snapshot, root)?;
    std::env::set_current_dir(snapshot.layout.root())
        .map_err(|e| format!("chdir {}: {e}", snapshot.layout.root().display()))?;
    let pid_path = net::pidfile::path(snapshot.layout.root());
    let pid_lock = PidLock::acquire(&pid_path, std::process::id()).map_err(|e| e.to_string())?;

    let store = QueueStore::new(
        snapshot.layout.clone(),
        Arc::new(queue::RealFs),
        queue::CommitMode::PerFile,
    );
    let recovered = store
        .recover()
        .map_err(|e| format!("queue recovery: {e}"))?;
    if !recovered.requeued.is_empty() {
        log.info(&format!(
            "queue recovery: {} message(s) moved from {} to {}",
            recovered.requeued.len(),
            QueueName::Active.as_str(),
            QueueName::Incoming.as_str()
        ));
    }

    let bound = bind(&snapshot, root)?;
    if root {
        net::privileges::drop_to(snapshot.mail_owner).map_err(|e| e.to_string())?;
    }

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("start the runtime: {e}"))?;
    let result = runtime.block_on(serve(snapshot, bound, log.clone(), detach));
    runtime.shutdown_timeout(Duration::from_millis(100));
    pid_lock.release();
    result
}

/// Creates missing queue directories; as root, hands them to mail_owner (`pid/` stays
/// root's, as Postfix lays it out).
fn create_queue(snapshot: &Snapshot, root: bool) -> Result<(), String> {
    let layout = &snapshot.layout;
    layout
        .create()
        .map_err(|e| format!("create queue directory {}: {e}", layout.root().display()))?;
    if root {
        let uid = rustix::process::Uid::from_raw(snapshot.mail_owner.uid);
        let dirs = QueueName::ALL
            .iter()
            .map(|q| q.as_str())
            .chain(["public", "private"]);
        for name in dirs {
            let dir = layout.root().join(name);
            rustix::fs::chown(&dir, Some(uid), None)
                .map_err(|e| format!("chown {}: {e}", dir.display()))?;
        }
        // The submission path: postdrop (setgid setgid_group) writes maildrop and
        // reaches public/, nobody else does.
        let gid = rustix::process::Gid::from_raw(snapshot.setgid_group);
        for name in [QueueName::Maildrop.as_str(), "public"] {
            let dir = layout.root().join(name);
            rustix::fs::chown(&dir, None, Some(gid))
                .map_err(|e| format!("chgrp {}: {e}", dir.display()))?;
        }
    }
    Ok(())
}

fn bind(snapshot: &Snapshot, root: bool) -> Result<Bound, String> {
    let mut listeners = Vec::new();
    for (index, addrs) in snapshot.endpoints.iter().enumerate() {
        for addr in addrs {
            let l = net::listen::bind_tcp(*addr).map_err(|e| e.to_string())?;
            listeners.push((index, l));
        }
    }
    let control_path = net::control::socket_path(snapshot.layout.root());
    let _ = std::fs::remove_file(&control_path);
    let control = StdUnixListener::bind(&control_path)
        .map_err(|e| format!("bind {}: {e}", control_path.display()))?;
    control
        .set_nonblocking(true)
        .map_err(|e| format!("bind {}: {e}", control_path.display()))?;
    std::fs::set_permissions(&control_path, std::fs::Permissions::from_mode(0o666))
        .map_err(|e| format!("chmod {}: {e}", control_path.display()))?;
    if root {
        let uid = rustix::process::Uid::from_raw(snapshot.mail_owner.uid);
        rustix::fs::chown(&control_path, Some(uid), None)
            .map_err(|e| format!("chown {}: {e}", control_path.display()))?;
    }
    Ok(Bound {
        listeners,
        control,
        control_path,
    })
}

async fn serve(
    snapshot: Snapshot,
    bound: Bound,
    log: Arc<MasterLog>,
    detach: bool,
) -> Result<(), String> {
    let mut signals = Signals::install().map_err(|e| format!("signal handlers: {e}"))?;
    let (stop_tx, stop) = watch::channel(false);
    let (sessions, mut sessions_ended) = mpsc::channel::<()>(1);

    // One settings channel per service, replaced on reload.
    let settings: Vec<watch::Sender<Arc<Config>>> = (0..snapshot.services.len())
        .map(|i| watch::channel(snapshot.service_settings(i)).0)
        .collect();
    let mut limits = Vec::new();
    for p in &snapshot.services {
        limits.push(services::limit(p.maxproc));
    }
    for (index, listener) in bound.listeners {
        let Run::Listener(handler) = &snapshot.services[index].run else {
            continue;
        };
        let listener =
            tokio::net::TcpListener::from_std(listener).map_err(|e| format!("listener: {e}"))?;
        tokio::spawn(services::accept_loop(
            listener,
            handler.clone(),
            limits[index].clone(),
            settings[index].subscribe(),
            stop.clone(),
            sessions.clone(),
        ));
    }
    drop(sessions);
    let control = tokio::net::UnixListener::from_std(bound.control)
        .map_err(|e| format!("control socket: {e}"))?;
    tokio::spawn(control::serve(control, stop.clone()));

    let idle = snapshot.not_available();
    if !idle.is_empty() {
        log.warning(&format!(
            "services not available yet (accepted in master.cf, not running): {}",
            idle.join(" ")
        ));
    }
    log.started(&snapshot.config_dir);
    if detach {
        ready(&log);
    }

    let mut current = snapshot;
    let signo = loop {
        match signals.next().await {
            Event::Reload => {
                if let Some(next) = reload(&current, &settings, &log) {
                    current = next;
                }
            }
            Event::Stop(signo) => break signo,
        }
    };
    let _ = stop_tx.send(true);
    if tokio::time::timeout(STOP_GRACE, sessions_ended.recv())
        .await
        .is_err()
    {
        log.warning("stop: sessions still open after the grace period; ending them");
    }
    let _ = std::fs::remove_file(&bound.control_path);
    log.terminating(signo);
    Ok(())
}

/// Tells the waiting `facteur start` that start-up succeeded, then lets go of its
/// terminal: stdout (the pipe it reads) and stderr become /dev/null.
fn ready(log: &MasterLog) {
    let mut out = std::io::stdout();
    let _ = out.write_all(b"ready\n");
    let _ = out.flush();
    log.detach_stderr();
    if let Ok(null) = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open("/dev/null")
    {
        let _ = rustix::stdio::dup2_stdin(&null);
        let _ = rustix::stdio::dup2_stdout(&null);
        let _ = rustix::stdio::dup2_stderr(&null);
    }
}

/// SIGHUP: a new snapshot for new sessions, or the running one kept when the new
/// configuration does not check out.
fn reload(
    current: &Snapshot,
    settings: &[watch::Sender<Arc<Config>>],
    log: &MasterLog,
) -> Option<Snapshot> {
    let next = match Snapshot::load(
        &current.config_dir,
        Path::new(net::privileges::PASSWD_FILE),
        Path::new(net::listen::SERVICES_FILE),
    ) {
        Ok(n) => n,
        Err(e) => {
            log.warning(&format!(
                "reload refused, keeping the running configuration: {e}"
            ));
            return None;
        }
    };
    let same_listeners = next.services.len() == current.services.len()
        && next
            .services
            .iter()
            .zip(&current.services)
            .all(|(a, b)| a.service.name == b.service.name && a.service.kind == b.service.kind)
        && next.endpoints == current.endpoints;
    if !same_listeners {
        log.warning(
            "reload: master.cf services or listen addresses changed; they take effect at the next start",
        );
        return None;
    }
    for (i, tx) in settings.iter().enumerate() {
        let _ = tx.send(next.service_settings(i));
    }
    log.reloaded(&next.config_dir);
    Some(next)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn os(args: &[&str]) -> Vec<OsString> {
        args.iter().map(OsString::from).collect()
    }

    #[test]
    fn options() {
        let o = Options::parse(&os(&["-c", "/x", "-w"]), None).expect("parse");
        assert_eq!(o.config_dir, PathBuf::from("/x"));
        assert!(o.detach && !o.check_only);
        let o = Options::parse(&os(&[]), Some("/m".into())).expect("parse");
        assert_eq!(o.config_dir, PathBuf::from("/m"));
        assert!(Options::parse(&os(&["-z"]), None).is_err());
    }
}
