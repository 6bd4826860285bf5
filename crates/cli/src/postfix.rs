//! `postfix [-c config_dir] [-Dv] command` (postfix(1) and its postfix-script): start,
//! start-fg, stop, abort, reload, status, check, flush.
//!
//! Owns: the administrator's side of the daemon's life cycle, with Postfix's messages
//! (`postfix/postfix-script: starting the Postfix mail system`) and exit codes.
//! Never: runs the daemon in this process; it runs this same executable as
//! `facteur master` (detached with `-w`, or in its place with exec for start-fg) and
//! talks to it through the pid file, signals and the control socket.

use std::ffi::OsString;
use std::io::Read;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};
use std::time::{Duration, Instant};

use config::{master_cf, Config};
use maillog::events::admin::{self, MailSystem};
use net::control::{self, Reply, Request};
use net::pidfile;
use rustix::process::{kill_process, Pid, Signal};

use crate::Env;

/// The commands, in the order the usage message lists them.
pub const COMMANDS: &[&str] = &[
    "start", "start-fg", "stop", "abort", "reload", "flush", "check", "status",
];

/// How long `stop` waits for a graceful end before it uses force (Postfix: 5 × 1 s).
const STOP_WAIT: Duration = Duration::from_secs(5);
/// How long `abort` waits for the killed daemon's lock to go.
const ABORT_WAIT: Duration = Duration::from_secs(5);
/// How long `status` waits for the control socket's answer.
const PING_TIMEOUT: Duration = Duration::from_secs(5);

/// Runs `postfix ARGS` (argv without the program name).
pub fn run(_name: &str, args: Vec<OsString>, env: &Env) -> ExitCode {
    let (dash_c, rest) = match parse_options(&args) {
        Ok(x) => x,
        Err(message) => {
            if let Some(m) = message {
                eprintln!("postfix: {m}");
            }
            eprintln!("postfix: fatal: usage: postfix [-c config_dir] [-Dv] command");
            return ExitCode::from(1);
        }
    };
    let config_dir = env.config_dir(dash_c);
    let config = match Config::load(&config_dir) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("postfix: fatal: {}", plain(&e.to_string()));
            return ExitCode::from(1);
        }
    };
    let ctx = Context::new(config_dir, config, env.exe.clone());
    let command = rest.first().map(String::as_str).unwrap_or("");
    match command {
        "start" | "start-fg" => ctx.start(command == "start-fg"),
        "stop" => ctx.stop(),
        "abort" => ctx.abort(),
        "reload" => ctx.reload(),
        "status" => ctx.status(),
        "check" => ctx.check(),
        "flush" => ctx.flush(),
        other => ctx.fatal(&format!(
            "unknown command: '{other}'. Usage: postfix start (or start-fg, stop, reload, abort, flush, check, status)"
        )),
    }
}

/// `-c DIR`, `-D`, `-v` (getopt style, clustered or not) before the command.
fn parse_options(args: &[OsString]) -> Result<(Option<PathBuf>, Vec<String>), Option<String>> {
    let mut dash_c = None;
    let mut it = args.iter().map(|a| a.to_string_lossy().into_owned());
    let mut rest = Vec::new();
    while let Some(arg) = it.next() {
        if !rest.is_empty() || !arg.starts_with('-') || arg == "-" {
            rest.push(arg);
            continue;
        }
        if arg == "--" {
            rest.extend(it.by_ref());
            break;
        }
        let flags: Vec<char> = arg[1..].chars().collect();
        for (i, flag) in flags.iter().enumerate() {
            match flag {
                'D' | 'v' => {}
                'c' => {
                    let tail: String = flags[i + 1..].iter().collect();
                    let value = if tail.is_empty() {
                        it.next()
                            .ok_or_else(|| Some("option requires an argument -- 'c'".into()))?
                    } else {
                        tail
                    };
                    dash_c = Some(PathBuf::from(value));
                    break;
                }
                other => return Err(Some(format!("invalid option -- '{other}'"))),
            }
        }
    }
    Ok((dash_c, rest))
}

/// The log destination main.cf describes; `None` when it does not check out (the daemon
/// reports that as a fatal error at start).
fn sink_settings(config: &Config, syslog_name: &str) -> Option<maillog::SinkSettings> {
    Some(maillog::SinkSettings {
        facility: config.get("syslog_facility").ok()?.parse().ok()?,
        maillog_file: config.get("maillog_file").ok()?,
        maillog_file_prefixes: config.get_list("maillog_file_prefixes").ok()?,
        ..maillog::SinkSettings::new(syslog_name, config.get("myhostname").ok()?)
    })
}

/// Rust's io::Error text without its " (os error N)" suffix, as Postfix's `%m`.
fn plain(text: &str) -> String {
    let mut out = text.to_string();
    while let Some(start) = out.find(" (os error ") {
        match out[start..].find(')') {
            Some(end) => out.replace_range(start..start + end + 1, ""),
            None => break,
        }
    }
    out
}

struct Context {
    config_dir: PathBuf,
    config: Config,
    exe: Option<PathBuf>,
    /// `syslog_name/postfix-script`, the prefix of every message.
    tag: String,
    /// The same messages to syslog or `maillog_file`, as postfix-script logs them.
    logger: Option<maillog::Logger>,
    queue_directory: PathBuf,
}

impl Context {
    fn new(config_dir: PathBuf, config: Config, exe: Option<PathBuf>) -> Context {
        let syslog_name = config
            .get("syslog_name")
            .unwrap_or_else(|_| "postfix".into());
        let queue_directory = PathBuf::from(config.get("queue_directory").unwrap_or_default());
        let logger = sink_settings(&config, &syslog_name)
            .and_then(|settings| maillog::Sink::open(&settings).ok())
            .map(|sink| maillog::Logger::new(&sink, "postfix-script"));
        Context {
            config_dir,
            config,
            exe,
            tag: format!("{syslog_name}/postfix-script"),
            logger,
            queue_directory,
        }
    }

    fn info(&self, text: &str) {
        self.say(maillog::Line::info(text));
    }

    fn warning(&self, text: &str) {
        self.say(maillog::Line::warning(text));
    }

    fn fatal(&self, text: &str) -> ExitCode {
        self.say(maillog::Line::fatal(text));
        ExitCode::from(1)
    }

    /// To the administrator (stderr, without time stamp or pid, as Postfix prints on a
    /// terminal) and to the mail log.
    fn say(&self, line: maillog::Line) {
        eprintln!("{}: {}{}", self.tag, line.severity.word(), line.text);
        if let Some(logger) = &self.logger {
            logger.emit(line);
        }
    }

    fn pid_path(&self) -> PathBuf {
        pidfile::path(&self.queue_directory)
    }

    /// The running daemon's pid, or `None` (a pid file nobody locks is stale).
    fn running(&self) -> Option<u32> {
        pidfile::running(&self.pid_path()).ok().flatten()
    }

    fn not_running(&self) -> ExitCode {
        self.fatal("the Postfix mail system is not running")
    }

    fn start(&self, foreground: bool) -> ExitCode {
        if self.running().is_some() {
            return self.fatal("the Postfix mail system is already running");
        }
        if !self.integrity_check() {
            return self.fatal("Postfix integrity check failed!");
        }
        let Some(exe) = &self.exe else {
            return self.fatal("cannot find the facteur executable to run the master daemon");
        };
        self.say(admin::mail_system(MailSystem::Starting));
        let mut master = Command::new(exe);
        master.arg("master").arg("-c").arg(&self.config_dir);
        if foreground {
            // The daemon takes this process's place (and pid), for containers and
            // supervisors.
            let err = master.exec();
            eprintln!(
                "{}: fatal: cannot start-fg the master daemon: {}",
                self.tag,
                plain(&err.to_string())
            );
            return ExitCode::from(1);
        }
        master.arg("-w").stdin(Stdio::null()).stdout(Stdio::piped());
        let started = master.spawn().and_then(|mut child| {
            let mut said = String::new();
            if let Some(mut out) = child.stdout.take() {
                out.read_to_string(&mut said)?;
            }
            if said.starts_with("ready") {
                Ok(true)
            } else {
                child.wait().map(|_| false)
            }
        });
        match started {
            Ok(true) => ExitCode::SUCCESS,
            _ => self.fatal("mail system startup failed"),
        }
    }

    fn stop(&self) -> ExitCode {
        let Some(pid) = self.running() else {
            return self.not_running();
        };
        self.say(admin::mail_system(MailSystem::Stopping));
        self.signal(pid, Signal::TERM);
        let deadline = Instant::now() + STOP_WAIT;
        let mut next_note = Instant::now() + Duration::from_secs(1);
        while Instant::now() < deadline {
            if self.running().is_none() {
                return ExitCode::SUCCESS;
            }
            if Instant::now() >= next_note {
                self.info("waiting for the Postfix mail system to terminate");
                next_note += Duration::from_secs(1);
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        self.warning("stopping the Postfix mail system with force");
        self.signal(pid, Signal::KILL);
        ExitCode::SUCCESS
    }

    /// Immediate stop. Nothing acknowledged is lost: a message is acknowledged only
    /// once its queue file is durable, and start-up returns `active` to `incoming`.
    fn abort(&self) -> ExitCode {
        let Some(pid) = self.running() else {
            return self.not_running();
        };
        self.info("aborting the Postfix mail system");
        self.signal(pid, Signal::KILL);
        let deadline = Instant::now() + ABORT_WAIT;
        while self.running().is_some() && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(20));
        }
        ExitCode::SUCCESS
    }

    fn reload(&self) -> ExitCode {
        let Some(pid) = self.running() else {
            return self.not_running();
        };
        self.say(admin::mail_system(MailSystem::Refreshing));
        self.signal(pid, Signal::HUP);
        ExitCode::SUCCESS
    }

    fn status(&self) -> ExitCode {
        let Some(pid) = self.running() else {
            self.info("the Postfix mail system is not running");
            return ExitCode::from(1);
        };
        self.info(&format!("the Postfix mail system is running: PID: {pid}"));
        let socket = control::socket_path(&self.queue_directory);
        match control::call(&socket, Request::Ping, PING_TIMEOUT) {
            Ok(Reply::Alive { pid: answered, .. }) if answered == pid => {}
            Ok(reply) => self.warning(&format!(
                "the daemon's control socket {} answered {reply:?}",
                socket.display()
            )),
            Err(e) => self.warning(&format!(
                "the daemon does not answer on {}: {}",
                socket.display(),
                plain(&e.to_string())
            )),
        }
        ExitCode::SUCCESS
    }

    fn check(&self) -> ExitCode {
        if self.integrity_check() {
            ExitCode::SUCCESS
        } else {
            ExitCode::from(1)
        }
    }

    /// Until qmgr exists there is nothing to flush: say so rather than succeed.
    fn flush(&self) -> ExitCode {
        if self.running().is_none() {
            eprintln!("postqueue: fatal: Cannot flush mail queue - mail system is down");
        } else {
            eprintln!("postqueue: fatal: flush is not built yet");
        }
        ExitCode::from(69)
    }

    /// main.cf and master.cf check out, the queue directory has every subdirectory,
    /// and the daemon accepts the configuration (`facteur master --check`: services,
    /// listen addresses, mail_owner). Prints what is wrong.
    fn integrity_check(&self) -> bool {
        let master_path = self.config_dir.join("master.cf");
        let parsed = std::fs::read_to_string(&master_path)
            .map_err(|e| format!("open {}: {}", master_path.display(), plain(&e.to_string())))
            .and_then(|text| {
                master_cf::parse(&text, &master_path).map_err(|e| plain(&e.to_string()))
            });
        if let Err(e) = parsed {
            self.fatal(&e);
            return false;
        }
        if let Err(e) = self.create_queue() {
            self.fatal(&format!("unable to create missing queue directories: {e}"));
            return false;
        }
        match &self.exe {
            Some(exe) => Command::new(exe)
                .arg("master")
                .arg("-c")
                .arg(&self.config_dir)
                .arg("--check")
                .stdin(Stdio::null())
                .status()
                .map(|s| s.success())
                .unwrap_or(false),
            None => true,
        }
    }

    fn create_queue(&self) -> Result<(), String> {
        let err = |e: &dyn std::fmt::Display| plain(&e.to_string());
        let names = self
            .config
            .get_list("hash_queue_names")
            .map_err(|e| err(&e))?;
        let depth = self
            .config
            .get_int("hash_queue_depth")
            .map_err(|e| err(&e))?;
        let layout = queue::Layout::new(
            &self.queue_directory,
            names.iter().map(String::as_str),
            depth.clamp(0, u32::MAX as i64) as u32,
        )
        .map_err(|e| err(&e))?;
        layout.create().map_err(|e| {
            format!(
                "{}: {}",
                Path::new(&self.queue_directory).display(),
                err(&e)
            )
        })
    }

    fn signal(&self, pid: u32, signal: Signal) {
        if let Some(pid) = i32::try_from(pid).ok().and_then(Pid::from_raw) {
            let _ = kill_process(pid, signal);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn os(args: &[&str]) -> Vec<OsString> {
        args.iter().map(OsString::from).collect()
    }

    #[test]
    fn options_before_the_command() {
        let (c, rest) = parse_options(&os(&["-c", "/x", "-v", "start"])).expect("ok");
        assert_eq!(c, Some(PathBuf::from("/x")));
        assert_eq!(rest, vec!["start".to_string()]);
        let (c, _) = parse_options(&os(&["-Dc/y", "status"])).expect("ok");
        assert_eq!(c, Some(PathBuf::from("/y")));
        assert_eq!(
            parse_options(&os(&["-x"])).err(),
            Some(Some("invalid option -- 'x'".into()))
        );
    }

    #[test]
    fn os_error_suffix_goes() {
        assert_eq!(
            plain("open /x/main.cf: No such file or directory (os error 2)"),
            "open /x/main.cf: No such file or directory"
        );
    }
}
