//! Shared helpers: run facteur and Postfix's tools on the same config directory.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// What a command printed and how it exited.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    pub stdout: String,
    pub stderr: String,
    pub code: i32,
}

/// `facteur TOOL ARGS...` with a clean environment (no MAIL_CONFIG leaking in).
pub fn facteur(tool: &str) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_facteur"));
    cmd.arg(tool).env_remove("MAIL_CONFIG");
    cmd
}

/// Postfix's own TOOL from /usr/sbin. Postfix 3.7 must be installed (`.ci/run` does):
/// a missing reference fails the test instead of skipping it.
pub fn postfix(tool: &str) -> Command {
    let path = Path::new("/usr/sbin").join(tool);
    assert!(
        path.exists(),
        "{} is missing: the differential tests need Postfix 3.7 (apt-get install postfix postfix-pcre postfix-cdb postfix-lmdb)",
        path.display()
    );
    let mut cmd = Command::new(path);
    cmd.env_remove("MAIL_CONFIG");
    cmd
}

/// Runs `cmd` with `stdin` as its standard input.
pub fn run(cmd: &mut Command, stdin: &str) -> Outcome {
    use std::io::Write;
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(stdin.as_bytes())
        .expect("write stdin");
    let out = child.wait_with_output().expect("wait");
    Outcome {
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        code: out.status.code().unwrap_or(-1),
    }
}

/// A temporary configuration directory holding `main.cf` (and `master.cf` when given).
pub struct ConfDir {
    pub dir: tempfile::TempDir,
}

impl ConfDir {
    pub fn new(main_cf: &str, master_cf: Option<&str>) -> ConfDir {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::write(dir.path().join("main.cf"), main_cf).expect("main.cf");
        if let Some(master) = master_cf {
            std::fs::write(dir.path().join("master.cf"), master).expect("master.cf");
        }
        ConfDir { dir }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn file(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    pub fn write(&self, name: &str, text: &str) -> PathBuf {
        let path = self.file(name);
        std::fs::write(&path, text).expect("write");
        path
    }
}
