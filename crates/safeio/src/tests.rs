use std::fs;
use std::io::{self, Write};
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::Path;

use crate::fault::{FaultFs, Op};
use crate::*;

fn names(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = fs::read_dir(dir)
        .expect("dir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

fn mode(path: &Path) -> u32 {
    fs::metadata(path).expect("meta").permissions().mode() & 0o7777
}

#[test]
fn writes_and_replaces() {
    let tmp = tempfile::tempdir().expect("tmp");
    let path = tmp.path().join("main.cf");
    write_atomic(&RealFs, &path, b"one\n", 0o644, Replace::Allow).expect("write");
    write_atomic(&RealFs, &path, b"two\n", 0o644, Replace::Allow).expect("replace");
    assert_eq!(fs::read(&path).expect("read"), b"two\n");
    let err = write_atomic(&RealFs, &path, b"3\n", 0o644, Replace::Never).expect_err("exists");
    assert_eq!(err.kind(), io::ErrorKind::AlreadyExists);
    assert_eq!(fs::read(&path).expect("read"), b"two\n");
    assert_eq!(names(tmp.path()), ["main.cf"], "no temp left");
}

/// A failure at any step leaves the target as it was or complete, never partial,
/// and leaves no temporary file behind.
#[test]
fn failure_at_any_step_leaves_old_or_new() {
    for op in Op::ATOMIC_WRITE {
        let tmp = tempfile::tempdir().expect("tmp");
        let path = tmp.path().join("table.db");
        fs::write(&path, b"old").expect("old");
        let faults = FaultFs::failing_at(op);
        let r = write_atomic(&faults, &path, b"new contents", 0o600, Replace::Allow);
        assert!(r.is_err(), "{op:?} must fail the write");
        let now = fs::read(&path).expect("read");
        assert!(now == b"old" || now == b"new contents", "{op:?}: {now:?}");
        if op != Op::SyncDir {
            assert_eq!(now, b"old", "{op:?}: renamed before durable");
        }
        assert_eq!(names(tmp.path()), ["table.db"], "{op:?}");
    }
}

/// The same for a new file: absent or complete.
#[test]
fn failure_at_any_step_on_a_new_file_leaves_nothing_or_all() {
    for op in Op::ATOMIC_WRITE {
        let tmp = tempfile::tempdir().expect("tmp");
        let path = tmp.path().join("f");
        let r = write_atomic(
            &FaultFs::failing_at(op),
            &path,
            b"all",
            0o600,
            Replace::Never,
        );
        assert!(r.is_err(), "{op:?}");
        match fs::read(&path) {
            Ok(now) => {
                assert_eq!(op, Op::SyncDir, "visible before durable");
                assert_eq!(now, b"all");
                assert_eq!(names(tmp.path()), ["f"]);
            }
            Err(e) => {
                assert_eq!(e.kind(), io::ErrorKind::NotFound);
                assert!(names(tmp.path()).is_empty(), "{op:?}: leftover");
            }
        }
    }
}

/// A streamed file (several writes, as a table builder makes them) that fails part-way
/// is never seen under the target's name.
#[test]
fn streamed_file_failing_midway_keeps_the_old_one() {
    let tmp = tempfile::tempdir().expect("tmp");
    let path = tmp.path().join("aliases.db");
    fs::write(&path, b"old").expect("old");
    let faults = FaultFs::failing_nth(Op::Write, 1);
    let build = || -> io::Result<()> {
        let t = TempFile::create_for(&path, &Options::new(0o644))?;
        faults.write_all(t.file(), b"first half, ")?;
        faults.write_all(t.file(), b"second half")?;
        t.commit(&faults, &path, Replace::Allow)?;
        Ok(())
    };
    assert!(build().is_err());
    assert_eq!(fs::read(&path).expect("read"), b"old");
    assert_eq!(names(tmp.path()), ["aliases.db"]);
    assert_eq!(faults.ops(), [Op::Write, Op::Write]);
}

#[test]
fn a_library_may_write_through_the_temporary_path() {
    let tmp = tempfile::tempdir().expect("tmp");
    let path = tmp.path().join("t.lmdb");
    let t = TempFile::create_for(&path, &Options::new(0o644)).expect("create");
    assert!(t
        .path()
        .file_name()
        .and_then(|n| n.to_str())
        .is_some_and(|n| n.starts_with(TEMP_PREFIX)));
    fs::OpenOptions::new()
        .write(true)
        .open(t.path())
        .and_then(|mut f| f.write_all(b"by name"))
        .expect("write by name");
    t.commit(&RealFs, &path, Replace::Allow).expect("commit");
    assert_eq!(fs::read(&path).expect("read"), b"by name");
    assert_eq!(names(tmp.path()), ["t.lmdb"]);
}

#[test]
fn dropped_temp_file_is_removed() {
    let tmp = tempfile::tempdir().expect("tmp");
    let t = TempFile::create_in(tmp.path(), 0o600).expect("create");
    RealFs.write_all(t.file(), b"abandoned").expect("write");
    let temp = t.path().to_path_buf();
    assert!(temp.exists());
    drop(t);
    assert!(!temp.exists());
    assert!(names(tmp.path()).is_empty());
}

#[test]
fn steps_happen_in_durable_order() {
    let tmp = tempfile::tempdir().expect("tmp");
    let path = tmp.path().join("f");
    let rec = FaultFs::recording();
    write_atomic(&rec, &path, b"x", 0o600, Replace::Never).expect("write");
    assert_eq!(rec.ops(), Op::ATOMIC_WRITE);
}

#[test]
fn exact_mode_ignores_the_umask() {
    let tmp = tempfile::tempdir().expect("tmp");
    let path = tmp.path().join("t.db");
    let opts = Options::new(0o600).perms(Perms::Exact(0o664));
    write_with(&RealFs, &path, b"x", &opts).expect("write");
    assert_eq!(mode(&path), 0o664);
    let opts = Options::new(0o600).perms(Perms::Exact(0o640));
    write_with(&RealFs, &path, b"y", &opts).expect("rewrite");
    assert_eq!(mode(&path), 0o640);
}

#[test]
fn keep_target_takes_the_old_files_mode() {
    let tmp = tempfile::tempdir().expect("tmp");
    let path = tmp.path().join("main.cf");
    let opts = Options::new(0o600).perms(Perms::KeepTarget(0o600));
    write_with(&RealFs, &path, b"new\n", &opts).expect("create");
    assert_eq!(mode(&path), 0o600, "no target: the create mode");
    fs::set_permissions(&path, fs::Permissions::from_mode(0o604)).expect("chmod");
    write_with(&RealFs, &path, b"edited\n", &opts).expect("edit");
    assert_eq!(mode(&path), 0o604);
    assert_eq!(fs::read(&path).expect("read"), b"edited\n");
}

#[test]
fn owner_is_set_before_the_rename() {
    let tmp = tempfile::tempdir().expect("tmp");
    let path = tmp.path().join("t.cdb");
    // Our own IDs: allowed without privilege, and the call is made.
    let meta = fs::metadata(tmp.path()).expect("meta");
    let opts = Options::new(0o644).owner(Some(meta.uid()), Some(meta.gid()));
    write_with(&RealFs, &path, b"x", &opts).expect("write");
    let got = fs::metadata(&path).expect("meta");
    assert_eq!((got.uid(), got.gid()), (meta.uid(), meta.gid()));
}

#[test]
fn a_refused_owner_fails_without_touching_the_target() {
    if rustix::process::geteuid().is_root() {
        return; // root may give files away
    }
    let tmp = tempfile::tempdir().expect("tmp");
    let path = tmp.path().join("t.cdb");
    fs::write(&path, b"old").expect("old");
    let opts = Options::new(0o644).owner(Some(0), None);
    let err = write_with(&RealFs, &path, b"new", &opts).expect_err("EPERM");
    assert_eq!(err.kind(), io::ErrorKind::PermissionDenied);
    assert_eq!(fs::read(&path).expect("read"), b"old");
    assert_eq!(names(tmp.path()), ["t.cdb"]);
}
