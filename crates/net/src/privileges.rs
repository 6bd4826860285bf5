//! Who the daemon runs as: `mail_owner` looked up in /etc/passwd, and the one-way drop
//! to it after the listeners are bound (Postfix `global/mail_params.c` mail_owner checks,
//! `util/set_ugid.c`).
//!
//! Owns: the passwd lookup and the setgroups/setgid/setuid sequence. Never: decides
//! when to drop (the daemon does, after binding and before its runtime starts).

use std::io;
use std::path::Path;

use rustix::process::{Gid, Uid};

/// The system's user database.
pub const PASSWD_FILE: &str = "/etc/passwd";

/// The system's group database.
pub const GROUP_FILE: &str = "/etc/group";

/// The gid of group `name` in group(5) file `path`.
pub fn group_id(name: &str, path: &Path) -> Option<u32> {
    let text = std::fs::read_to_string(path).ok()?;
    text.lines().find_map(|line| {
        let mut fields = line.split(':');
        if fields.next()? != name {
            return None;
        }
        let _password = fields.next()?;
        fields.next()?.parse().ok()
    })
}

/// A user's numeric identity.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UserIds {
    pub uid: u32,
    pub gid: u32,
}

#[derive(Debug, thiserror::Error)]
pub enum PrivilegeError {
    /// Postfix: `file F: parameter mail_owner: unknown user name value: X`.
    #[error("file {}: parameter mail_owner: unknown user name value: {name}", .main_cf.display())]
    UnknownUser {
        main_cf: std::path::PathBuf,
        name: String,
    },
    /// mail_owner must not be root (or share root's group).
    #[error("file {}: parameter mail_owner: user {name} has privileged {what} ID", .main_cf.display())]
    Privileged {
        main_cf: std::path::PathBuf,
        name: String,
        what: &'static str,
    },
    #[error("read {path}: {source}")]
    Read {
        path: std::path::PathBuf,
        #[source]
        source: io::Error,
    },
    /// The drop was attempted with more than one thread: the set*id system calls
    /// would leave the other threads privileged.
    #[error("cannot drop privileges: {0} threads are running (must be 1)")]
    Threads(usize),
    #[error("{call}({id}): {source}")]
    Drop {
        call: &'static str,
        id: u32,
        #[source]
        source: io::Error,
    },
}

/// `name`'s uid and gid in passwd(5) text.
pub fn lookup_in(passwd: &str, name: &str) -> Option<UserIds> {
    passwd.lines().find_map(|line| {
        let mut fields = line.split(':');
        if fields.next()? != name {
            return None;
        }
        let _password = fields.next()?;
        Some(UserIds {
            uid: fields.next()?.parse().ok()?,
            gid: fields.next()?.parse().ok()?,
        })
    })
}

/// Looks `mail_owner` up in `passwd_file` and refuses a privileged one, as Postfix
/// does at start. `main_cf` names the file in the messages.
pub fn mail_owner(
    name: &str,
    passwd_file: &Path,
    main_cf: &Path,
) -> Result<UserIds, PrivilegeError> {
    let text = std::fs::read_to_string(passwd_file).map_err(|source| PrivilegeError::Read {
        path: passwd_file.to_path_buf(),
        source,
    })?;
    let ids = lookup_in(&text, name).ok_or_else(|| PrivilegeError::UnknownUser {
        main_cf: main_cf.to_path_buf(),
        name: name.to_string(),
    })?;
    let privileged = |what| PrivilegeError::Privileged {
        main_cf: main_cf.to_path_buf(),
        name: name.to_string(),
        what,
    };
    if ids.uid == 0 {
        return Err(privileged("user"));
    }
    if ids.gid == 0 {
        return Err(privileged("group"));
    }
    Ok(ids)
}

/// Whether this process runs as root (and so must drop to mail_owner).
pub fn is_root() -> bool {
    rustix::process::geteuid().is_root()
}

/// Drops every privilege for good: supplementary groups, then real/effective/saved
/// gid, then uid. The calls are per thread at the system-call level, so this must run
/// while the process has a single thread (before the async runtime starts).
pub fn drop_to(ids: UserIds) -> Result<(), PrivilegeError> {
    // Linux lists one entry per thread; elsewhere assume the caller kept its word.
    if let Ok(tasks) = std::fs::read_dir("/proc/self/task") {
        let threads = tasks.count();
        if threads > 1 {
            return Err(PrivilegeError::Threads(threads));
        }
    }
    let gid = Gid::from_raw(ids.gid);
    let uid = Uid::from_raw(ids.uid);
    let fail = |call, id| move |source| PrivilegeError::Drop { call, id, source };
    rustix::thread::set_thread_groups(&[gid]).map_err(|e| fail("setgroups", ids.gid)(e.into()))?;
    rustix::thread::set_thread_res_gid(gid, gid, gid)
        .map_err(|e| fail("setgid", ids.gid)(e.into()))?;
    rustix::thread::set_thread_res_uid(uid, uid, uid)
        .map_err(|e| fail("setuid", ids.uid)(e.into()))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const PASSWD: &str =
        "root:x:0:0:root:/root:/bin/bash\npostfix:x:102:105::/var/spool/postfix:/usr/sbin/nologin\n";

    #[test]
    fn lookup_finds_uid_and_gid() {
        assert_eq!(
            lookup_in(PASSWD, "postfix"),
            Some(UserIds { uid: 102, gid: 105 })
        );
        assert_eq!(lookup_in(PASSWD, "post"), None);
    }

    #[test]
    fn root_is_refused_with_postfix_wording() {
        let dir = tempfile::tempdir().expect("tempdir");
        let passwd = dir.path().join("passwd");
        std::fs::write(&passwd, PASSWD).expect("write");
        let main_cf = Path::new("/etc/facteur/main.cf");
        let err = mail_owner("root", &passwd, main_cf).map_err(|e| e.to_string());
        assert_eq!(
            err,
            Err(
                "file /etc/facteur/main.cf: parameter mail_owner: user root has privileged user ID"
                    .into()
            )
        );
        let err = mail_owner("nobody", &passwd, main_cf).map_err(|e| e.to_string());
        assert_eq!(
            err,
            Err(
                "file /etc/facteur/main.cf: parameter mail_owner: unknown user name value: nobody"
                    .into()
            )
        );
    }
}
