//! The daemon's life cycle through `facteur [-c DIR] start|start-fg|stop|status|check|
//! reload|abort|flush`: pid file and lock, second start refused, reload that keeps a
//! running configuration when the new one is broken, queue directories and recovery,
//! and the texts and exit codes compared with Postfix's own `postfix` command.
//!
//! Synchronisation is on events (the pid file lock, a maillog line) polled against a
//! deadline, never on sleeps.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::support::{facteur, postfix, run, ConfDir, Outcome};

/// How long any expected event may take.
const DEADLINE: Duration = Duration::from_secs(20);

/// Internal services only (no listener), as the stock master.cf has them, plus the
/// postlog line.
const MASTER_CF: &str = "\
pickup    unix  n       -       n       60      1       pickup
cleanup   unix  n       -       n       -       0       cleanup
qmgr      unix  n       -       n       300     1       qmgr
rewrite   unix  -       -       n       -       -       trivial-rewrite
bounce    unix  -       -       n       -       0       bounce
defer     unix  -       -       n       -       0       bounce
smtp      unix  -       -       n       -       -       smtp
local     unix  -       n       n       -       -       local
postlog   unix-dgram n  -       n       -       1       postlogd
";

/// A running-or-not instance: config dir, queue and maillog inside one temp dir.
struct Instance {
    conf: ConfDir,
}

impl Instance {
    fn new(master_cf: &str) -> Instance {
        let conf = ConfDir::new("", Some(master_cf));
        // A daemon started as root drops to mail_owner and must still reach its files.
        std::fs::set_permissions(conf.path(), std::fs::Permissions::from_mode(0o755))
            .expect("chmod");
        let root = conf.path().display().to_string();
        std::fs::write(
            conf.file("main.cf"),
            format!(
                "queue_directory = {root}/queue\n\
                 data_directory = {root}/data\n\
                 inet_interfaces = 127.0.0.1\n\
                 compatibility_level = 3.6\n\
                 mail_owner = postfix\n\
                 syslog_name = postfix\n\
                 maillog_file = {root}/maillog\n\
                 maillog_file_prefixes = {root}\n"
            ),
        )
        .expect("main.cf");
        Instance { conf }
    }

    fn dir(&self) -> &Path {
        self.conf.path()
    }

    fn queue(&self) -> PathBuf {
        self.dir().join("queue")
    }

    /// `facteur -c DIR ARGS...`
    fn facteur(&self, args: &[&str]) -> Outcome {
        let mut cmd = facteur("-c");
        cmd.arg(self.dir()).args(args);
        run(&mut cmd, "")
    }

    fn maillog(&self) -> String {
        std::fs::read_to_string(self.dir().join("maillog")).unwrap_or_default()
    }

    /// Waits until the maillog has `needle`, or fails with the log so far.
    fn wait_log(&self, needle: &str) {
        let start = Instant::now();
        while !self.maillog().contains(needle) {
            assert!(
                start.elapsed() < DEADLINE,
                "no {needle:?} in the maillog:\n{}",
                self.maillog()
            );
            std::thread::yield_now();
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    /// The pid the pid file names while its lock is held.
    fn running_pid(&self) -> Option<u32> {
        net::pidfile::running(&self.queue().join("pid/master.pid"))
            .ok()
            .flatten()
    }
}

impl Drop for Instance {
    fn drop(&mut self) {
        if let Some(pid) = self.running_pid() {
            if let Some(pid) = rustix::process::Pid::from_raw(pid as i32) {
                let _ = rustix::process::kill_process(pid, rustix::process::Signal::KILL);
            }
        }
    }
}

/// Alive and not a zombie (a killed daemon's parent may be an init that reaps late).
fn is_alive(pid: u32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .map(|stat| {
            let state = stat.rsplit_once(") ").map(|(_, rest)| rest.chars().next());
            state != Some(Some('Z'))
        })
        .unwrap_or(false)
}

#[test]
fn start_status_stop() {
    let inst = Instance::new(MASTER_CF);
    let out = inst.facteur(&["start"]);
    assert_eq!(
        (out.code, out.stderr.as_str()),
        (
            0,
            "postfix/postfix-script: starting the Postfix mail system\n"
        ),
        "{out:?}"
    );
    inst.wait_log("daemon started -- version ");
    // As Postfix: the command's own lines reach the mail log too.
    assert!(
        inst.maillog().contains("postfix/postfix-script[")
            && inst
                .maillog()
                .contains("]: starting the Postfix mail system\n"),
        "{}",
        inst.maillog()
    );

    // The pid file names the long-running daemon, in Postfix's format.
    let text = std::fs::read_to_string(inst.queue().join("pid/master.pid")).expect("pid file");
    let pid: u32 = text.trim().parse().expect("pid");
    assert_eq!(text, format!("{pid:>32}\n"));
    assert!(is_alive(pid));
    let cmdline = std::fs::read(format!("/proc/{pid}/cmdline")).expect("cmdline");
    assert!(
        String::from_utf8_lossy(&cmdline).contains("master"),
        "pid {pid} is not the daemon"
    );
    assert!(inst.maillog().contains(&format!(
        "postfix/master[{pid}]: daemon started -- version "
    )));

    let out = inst.facteur(&["status"]);
    assert_eq!(
        (out.code, out.stderr),
        (
            0,
            format!("postfix/postfix-script: the Postfix mail system is running: PID: {pid}\n")
        )
    );
    // The same through `facteur postfix`.
    let mut cmd = facteur("postfix");
    cmd.arg("-c").arg(inst.dir()).arg("status");
    assert_eq!(run(&mut cmd, "").code, 0);

    let out = inst.facteur(&["start"]);
    assert_eq!(
        (out.code, out.stderr.as_str()),
        (
            1,
            "postfix/postfix-script: fatal: the Postfix mail system is already running\n"
        )
    );

    let out = inst.facteur(&["stop"]);
    assert_eq!(
        (out.code, out.stderr.as_str()),
        (
            0,
            "postfix/postfix-script: stopping the Postfix mail system\n"
        )
    );
    assert_eq!(inst.running_pid(), None);
    inst.wait_log(&format!("postfix/master[{pid}]: terminating on signal 15"));
    let out = inst.facteur(&["status"]);
    assert_eq!(
        (out.code, out.stderr.as_str()),
        (
            1,
            "postfix/postfix-script: the Postfix mail system is not running\n"
        )
    );
}

#[test]
fn a_link_named_postfix_is_the_postfix_command() {
    let inst = Instance::new(MASTER_CF);
    let link = inst.dir().join("postfix");
    std::os::unix::fs::symlink(env!("CARGO_BIN_EXE_facteur"), &link).expect("symlink");
    let mut cmd = Command::new(&link);
    cmd.env_remove("MAIL_CONFIG")
        .arg("-c")
        .arg(inst.dir())
        .arg("status");
    let out = run(&mut cmd, "");
    assert_eq!(
        (out.code, out.stderr.as_str()),
        (
            1,
            "postfix/postfix-script: the Postfix mail system is not running\n"
        )
    );
    let mut cmd = Command::new(&link);
    cmd.env_remove("MAIL_CONFIG")
        .arg("-c")
        .arg(inst.dir())
        .arg("bogus");
    let out = run(&mut cmd, "");
    assert_eq!(out.code, 1);
    assert!(
        out.stderr.starts_with(
            "postfix/postfix-script: fatal: unknown command: 'bogus'. Usage: postfix start"
        ),
        "{out:?}"
    );
}

#[test]
fn start_fg_keeps_the_pid_and_stops_on_request() {
    let inst = Instance::new(MASTER_CF);
    let mut child = Command::new(env!("CARGO_BIN_EXE_facteur"))
        .env_remove("MAIL_CONFIG")
        .arg("-c")
        .arg(inst.dir())
        .arg("start-fg")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn");
    inst.wait_log("daemon started");
    // start-fg execs the daemon: the pid file names the process we started.
    assert_eq!(inst.running_pid(), Some(child.id()));
    assert_eq!(inst.facteur(&["stop"]).code, 0);
    let status = child.wait().expect("wait");
    assert!(status.success(), "{status:?}");
}

#[test]
fn an_smtpd_listener_is_refused_until_smtpd_is_built() {
    let master = format!("{MASTER_CF}127.0.0.1:10025 inet n - n - - smtpd\n");
    let inst = Instance::new(&master);
    let line = MASTER_CF.lines().count() + 1;
    let expected = format!(
        "postfix/master: fatal: file {}: line {line}: service 127.0.0.1:10025: smtpd is not built yet\n",
        inst.dir().join("master.cf").display()
    );
    let out = inst.facteur(&["check"]);
    assert_eq!((out.code, out.stderr.clone()), (1, expected.clone()));
    let out = inst.facteur(&["start"]);
    assert_eq!(out.code, 1);
    assert!(out.stderr.contains(&expected), "{out:?}");
    assert!(out
        .stderr
        .ends_with("postfix/postfix-script: fatal: Postfix integrity check failed!\n"));
    assert_eq!(inst.running_pid(), None);
}

#[test]
fn reload_with_a_broken_main_cf_keeps_running() {
    let inst = Instance::new(MASTER_CF);
    assert_eq!(inst.facteur(&["start"]).code, 0);
    inst.wait_log("daemon started");
    let pid = inst.running_pid().expect("running");

    let out = inst.facteur(&["reload"]);
    assert_eq!(
        (out.code, out.stderr.as_str()),
        (
            0,
            "postfix/postfix-script: refreshing the Postfix mail system\n"
        )
    );
    inst.wait_log("reload -- version ");

    let main_cf = inst.dir().join("main.cf");
    let good = std::fs::read_to_string(&main_cf).expect("main.cf");
    std::fs::write(&main_cf, format!("{good}default_process_limit = many\n")).expect("write");
    assert_eq!(inst.facteur(&["reload"]).code, 0);
    inst.wait_log("warning: reload refused, keeping the running configuration: ");
    assert_eq!(inst.running_pid(), Some(pid));
    assert!(is_alive(pid));

    // The control socket answers too: status sees a live daemon, not just a pid.
    let out = inst.facteur(&["status"]);
    assert_eq!(out.code, 0, "{out:?}");
    assert!(!out.stderr.contains("warning"), "{out:?}");

    std::fs::write(&main_cf, good).expect("write");
    assert_eq!(inst.facteur(&["abort"]).code, 0);
    assert_eq!(inst.running_pid(), None);
    assert!(!is_alive(pid));
}

#[test]
fn check_creates_the_queue_directories_with_postfix_modes() {
    let inst = Instance::new(MASTER_CF);
    let out = inst.facteur(&["check"]);
    assert_eq!((out.code, out.stderr.as_str()), (0, ""), "{out:?}");
    let mode = |name: &str| {
        std::fs::metadata(inst.queue().join(name))
            .map(|m| m.permissions().mode() & 0o7777)
            .unwrap_or_else(|e| panic!("{name}: {e}"))
    };
    for name in [
        "incoming", "active", "deferred", "hold", "corrupt", "defer", "bounce", "trace", "flush",
        "saved", "private",
    ] {
        assert_eq!(mode(name), 0o700, "{name}");
    }
    assert_eq!(mode("pid"), 0o755);
    // Postfix's postfix-files: maildrop 730 and public 710 (group postdrop); the queue
    // crate adds the sticky and setgid bits.
    assert_eq!(mode("maildrop") & 0o777, 0o730);
    assert_eq!(mode("public") & 0o777, 0o710);
}

#[test]
fn start_returns_active_mail_to_incoming() {
    let inst = Instance::new(MASTER_CF);
    assert_eq!(inst.facteur(&["check"]).code, 0);
    let id = queue::QueueId::from_parts(1_795_454_407, 1234, 42);
    let stranded = inst.queue().join("active").join(id.as_str());
    std::fs::write(&stranded, b"queue file left by a crash").expect("write");

    assert_eq!(inst.facteur(&["start"]).code, 0);
    inst.wait_log("daemon started");
    assert!(!stranded.exists());
    assert_eq!(
        std::fs::read(inst.queue().join("incoming").join(id.as_str())).ok(),
        Some(b"queue file left by a crash".to_vec())
    );
    assert!(inst
        .maillog()
        .contains("queue recovery: 1 message(s) moved from active to incoming"));
    assert_eq!(inst.facteur(&["stop"]).code, 0);
}

#[test]
fn commands_need_a_running_daemon() {
    let inst = Instance::new(MASTER_CF);
    assert_eq!(inst.facteur(&["check"]).code, 0);
    for command in ["stop", "abort", "reload"] {
        let out = inst.facteur(&[command]);
        assert_eq!(
            (out.code, out.stderr.as_str()),
            (
                1,
                "postfix/postfix-script: fatal: the Postfix mail system is not running\n"
            ),
            "{command}"
        );
    }
    let out = inst.facteur(&["flush"]);
    assert_eq!(
        (out.code, out.stderr.as_str()),
        (
            69,
            "postqueue: fatal: Cannot flush mail queue - mail system is down\n"
        )
    );
}

/// Postfix's `postfix` prints its messages only to a terminal: run it under script(1)
/// and compare what the administrator sees, and the exit code.
fn postfix_on_a_tty(dir: &Path, command: &str) -> Outcome {
    // Fails (does not skip) when Postfix is missing.
    let _ = postfix("postfix");
    let line = format!(
        "/usr/sbin/postfix -c {} {command}; echo \"exit=$?\"",
        dir.display()
    );
    let out = Command::new("script")
        .args(["-qec", &line, "/dev/null"])
        .env_remove("MAIL_CONFIG")
        .stdin(Stdio::null())
        .output()
        .expect("script(1) is needed to give Postfix a terminal");
    let text = String::from_utf8_lossy(&out.stdout).replace("\r\n", "\n");
    let (said, code) = text.rsplit_once("exit=").expect("exit line");
    Outcome {
        stdout: String::new(),
        stderr: said.to_string(),
        code: code.trim().parse().expect("exit code"),
    }
}

#[test]
fn texts_and_exit_codes_match_postfix_when_stopped() {
    let inst = Instance::new(MASTER_CF);
    assert_eq!(inst.facteur(&["check"]).code, 0);
    // Postfix wants its data directory and writes its maillog through postlogd.
    std::fs::create_dir_all(inst.dir().join("data")).expect("data dir");
    for command in ["status", "stop", "abort", "reload", "flush"] {
        let mut theirs = postfix_on_a_tty(inst.dir(), command);
        let ours = inst.facteur(&[command]);
        if command == "flush" {
            // postqueue first warns that it cannot find public/qmgr; the verdict is
            // the fatal line.
            let last = theirs.stderr.lines().last().unwrap_or("").to_string();
            theirs.stderr = format!("{last}\n");
        }
        assert_eq!(
            (ours.code, ours.stderr.as_str()),
            (theirs.code, theirs.stderr.as_str()),
            "postfix {command}"
        );
    }
}

/// Stops a reference Postfix at the end of a test, whatever happened.
struct PostfixGuard<'a>(&'a Path);

impl Drop for PostfixGuard<'_> {
    fn drop(&mut self) {
        let _ = postfix_on_a_tty(self.0, "stop");
    }
}

#[test]
fn texts_and_exit_codes_match_postfix_when_running() {
    let theirs = Instance::new(MASTER_CF);
    let ours = Instance::new(MASTER_CF);
    // Postfix wants a data directory owned by mail_owner (it warns otherwise).
    let data = theirs.dir().join("data");
    std::fs::create_dir_all(&data).expect("data dir");
    std::fs::create_dir_all(theirs.queue()).expect("queue dir");
    if rustix::process::geteuid().is_root() {
        let passwd = std::fs::read_to_string("/etc/passwd").expect("passwd");
        let ids = net::privileges::lookup_in(&passwd, "postfix").expect("user postfix");
        rustix::fs::chown(&data, Some(rustix::process::Uid::from_raw(ids.uid)), None)
            .expect("chown data");
    }
    let start = postfix_on_a_tty(theirs.dir(), "start");
    let _guard = PostfixGuard(theirs.dir());
    assert_eq!(start.code, 0, "reference Postfix did not start: {start:?}");
    assert_eq!(ours.facteur(&["start"]).code, 0);
    ours.wait_log("daemon started");

    for command in ["start", "status"] {
        let t = postfix_on_a_tty(theirs.dir(), command);
        let o = ours.facteur(&[command]);
        // Only the pids differ.
        let pid_of = |i: &Instance| i.running_pid().map(|p| p.to_string()).unwrap_or_default();
        let t_text = t.stderr.replace(&pid_of(&theirs), "PID");
        let o_text = o.stderr.replace(&pid_of(&ours), "PID");
        assert_eq!((o.code, o_text), (t.code, t_text), "postfix {command}");
    }
    let t = postfix_on_a_tty(theirs.dir(), "stop");
    let o = ours.facteur(&["stop"]);
    assert_eq!((o.code, o.stderr), (t.code, t.stderr), "postfix stop");
}

#[test]
fn a_daemon_that_fails_after_the_checks_fails_the_start() {
    let inst = Instance::new(MASTER_CF);
    assert_eq!(inst.facteur(&["check"]).code, 0);
    // Something that is not a socket where the control socket goes: the daemon's
    // bind fails after the pid lock, and `start` must hear about it.
    std::fs::create_dir_all(inst.queue().join("public/control/in-the-way")).expect("mkdir");
    let out = inst.facteur(&["start"]);
    assert_eq!(out.code, 1, "{out:?}");
    let control = inst.queue().join("public/control");
    assert!(
        out.stderr.contains(&format!(
            "postfix/master: fatal: bind {}: ",
            control.display()
        )),
        "{out:?}"
    );
    assert!(
        out.stderr
            .ends_with("postfix/postfix-script: fatal: mail system startup failed\n"),
        "{out:?}"
    );
    assert_eq!(inst.running_pid(), None);
    assert!(
        inst.maillog().contains("fatal: bind "),
        "{}",
        inst.maillog()
    );
}
