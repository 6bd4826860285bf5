//! Building a table as the owner of its source file (Postfix `set_eugid`): when
//! postmap or postalias runs as root and the source belongs to someone else, the
//! effective user and group become the source's owner before the table is written,
//! so the table gets the source's ownership and a bug while building cannot write
//! where that user could not. `-o` keeps root. The real user stays root, so the next
//! table of the same command can switch again.
//!
//! Never: called with more than one thread running (Linux user IDs are per thread;
//! these commands are single-threaded).

use rustix::process::{Gid, Uid};

use crate::table_opts::Fatal;

/// The owner of a regular source file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Owner {
    pub uid: u32,
    pub gid: u32,
}

/// Switches the effective identity to `owner` when running as root and it differs.
pub fn become_owner(owner: Owner) -> Result<(), Fatal> {
    if !rustix::process::getuid().is_root() {
        return Ok(());
    }
    let (euid, egid) = (rustix::process::geteuid(), rustix::process::getegid());
    if euid.as_raw() == owner.uid && egid.as_raw() == owner.gid {
        return Ok(());
    }
    let failed = |what: &str, id: u32, e: rustix::io::Errno| Fatal(format!("{what}({id}): {e}"));
    // Back to root first, so the group change is allowed.
    rustix::thread::set_thread_res_uid(None, Some(Uid::ROOT), None)
        .map_err(|e| failed("seteuid", 0, e))?;
    let gid = Gid::from_raw(owner.gid);
    rustix::thread::set_thread_res_gid(None, Some(gid), None)
        .map_err(|e| failed("setegid", owner.gid, e))?;
    rustix::thread::set_thread_groups(&[gid]).map_err(|e| failed("setgroups", owner.gid, e))?;
    rustix::thread::set_thread_res_uid(None, Some(Uid::from_raw(owner.uid)), None)
        .map_err(|e| failed("seteuid", owner.uid, e))?;
    Ok(())
}
