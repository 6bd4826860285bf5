use std::io::Read;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, UNIX_EPOCH};

use super::*;
use crate::durable::{RealFs, TEMP_PREFIX};
use crate::envelope::Notify;
use crate::layout::Layout;
use crate::logs::{Action, LogKind, StatusRecord};
use crate::moves::MoveSync;
use crate::reader::QueueFile;
use crate::record::RecordError;
use crate::testfs::{Event, FaultFs, Op};

fn store(dir: &Path, fs: Arc<dyn SyncFs>, mode: CommitMode) -> QueueStore {
    let layout = Layout::with_defaults(dir.join("spool"));
    layout.create().expect("create layout");
    QueueStore::new(layout, fs, mode)
}

fn envelope(n: usize) -> Envelope {
    let mut env = Envelope::new(
        UNIX_EPOCH + Duration::from_secs(1_763_900_000),
        "sender@example.org",
    );
    env.add_recipient(format!("rcpt{n}@example.com"));
    env.add_recipient("second@example.com");
    env
}

fn body(n: usize, len: usize) -> Vec<u8> {
    let line = format!("Subject: message {n}\r\n\r\n");
    let mut b = line.into_bytes();
    while b.len() < len {
        b.extend_from_slice(format!("line {} of message {n}\r\n", b.len()).as_bytes());
    }
    b.truncate(len.max(10));
    b
}

fn queue_one(store: &QueueStore, n: usize, len: usize) -> Result<QueueId, QueueError> {
    let mut w = store.create(&envelope(n))?;
    let b = body(n, len);
    // Uneven pieces, as a DATA stream arrives.
    for piece in b.chunks(1000 + n % 7) {
        w.write_content(piece)?;
    }
    w.finish()?.commit()
}

fn read_back(path: &Path) -> (Envelope, Vec<u8>) {
    let qf = QueueFile::open(path).expect("open");
    let mut content = Vec::new();
    qf.content()
        .expect("content")
        .read_to_end(&mut content)
        .expect("read");
    (qf.envelope().clone(), content)
}

fn names_in(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .expect("dir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

#[test]
fn commits_and_reads_back() {
    let tmp = tempfile::tempdir().expect("tmp");
    for mode in [
        CommitMode::PerFile,
        CommitMode::Group,
        CommitMode::GroupSyncfs,
    ] {
        let q = store(tmp.path(), Arc::new(RealFs), mode);
        for len in [10, 5000, 200_000] {
            let id = queue_one(&q, len, len).expect("commit");
            let path = q.layout().path(QueueName::Incoming, &id);
            let (env, content) = read_back(&path);
            assert_eq!(env, envelope(len));
            assert_eq!(content, body(len, len));
        }
    }
    let q = store(tmp.path(), Arc::new(RealFs), CommitMode::PerFile);
    assert!(names_in(&q.layout().queue_dir(QueueName::Incoming))
        .iter()
        .all(|n| !n.starts_with(TEMP_PREFIX)));
}

#[test]
fn postdrop_writes_to_maildrop() {
    let tmp = tempfile::tempdir().expect("tmp");
    let q = store(tmp.path(), Arc::new(RealFs), CommitMode::PerFile);
    let mut w = q
        .create_in(QueueName::Maildrop, &envelope(4))
        .expect("create");
    w.write_content(b"Subject: local\r\n\r\nhi\r\n")
        .expect("write");
    let id = w.finish().expect("finish").commit().expect("commit");
    let listed = q.layout().list(QueueName::Maildrop).expect("list");
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].0, id);
    assert!(q
        .layout()
        .list(QueueName::Incoming)
        .expect("list")
        .is_empty());
}

#[test]
fn an_abandoned_writer_leaves_nothing() {
    let tmp = tempfile::tempdir().expect("tmp");
    let q = store(tmp.path(), Arc::new(RealFs), CommitMode::Group);
    let mut w = q.create(&envelope(1)).expect("create");
    w.write_content(b"half a message").expect("write");
    drop(w);
    assert!(names_in(&q.layout().queue_dir(QueueName::Incoming)).is_empty());
}

/// Crash durability: a failure at any step of a commit (as a crash there would) is
/// reported, so nothing is acknowledged, and leaves the queue file either absent or
/// complete under its name, never a partial file that looks like a message.
#[test]
fn a_failure_at_any_step_is_absent_or_complete() {
    for mode in [
        CommitMode::PerFile,
        CommitMode::Group,
        CommitMode::GroupSyncfs,
    ] {
        for op in [
            Op::Write,
            Op::WriteAt,
            Op::SyncFile,
            Op::SyncFs,
            Op::Rename,
            Op::SyncDir,
        ] {
            for len in [100, 300_000] {
                let tmp = tempfile::tempdir().expect("tmp");
                let fs = Arc::new(FaultFs::failing_at(op));
                let q = store(tmp.path(), fs.clone(), mode);
                let r = queue_one(&q, 1, len);
                let ran = fs.ops().contains(&op);
                assert_eq!(
                    r.is_err(),
                    ran,
                    "{mode:?} {op:?} {len}: error iff the step ran"
                );
                let incoming = q.layout().queue_dir(QueueName::Incoming);
                let names = names_in(&incoming);
                assert!(
                    names.iter().all(|n| !n.starts_with(TEMP_PREFIX)),
                    "{names:?}"
                );
                for name in &names {
                    // Visible under its ID: only after the rename, so complete.
                    assert!(
                        r.is_ok() || op == Op::SyncDir,
                        "{mode:?} {op:?}: visible before durable"
                    );
                    let (env, content) = read_back(&incoming.join(name));
                    assert_eq!((env, content), (envelope(1), body(1, len)));
                }
            }
        }
    }
}

/// Every acknowledged file was synced, then renamed, then covered by a directory
/// flush that started after the rename and ended before the acknowledgement.
fn check_durable_before_ack(events: &[Event], q: &QueueStore, ids: &[QueueId]) {
    use std::os::unix::fs::MetadataExt;
    for id in ids {
        let path = q.layout().path(QueueName::Incoming, id);
        let dir = path.parent().expect("dir").to_path_buf();
        let ino = std::fs::metadata(&path).expect("stat").ino();
        let pos = |pred: &dyn Fn(&Event) -> bool| events.iter().position(pred);
        let acked = pos(&|e| matches!(e, Event::Acked { path: p } if *p == path)).expect("acked");
        let renamed = pos(&|e| matches!(e, Event::Renamed { to } if *to == path)).expect("renamed");
        let synced = pos(&|e| matches!(e, Event::SyncedFile { ino: i } if *i == ino));
        let fs_synced = events[..renamed].iter().rev().find_map(|e| match e {
            Event::FsSyncEnd { call } => Some(*call),
            _ => None,
        });
        let data_ok = match synced {
            Some(s) => s < renamed,
            None => {
                // syncfs: a whole-fs flush that started after the file was written
                // (the writer's last write precedes its commit) and ended before rename.
                fs_synced.is_some()
            }
        };
        assert!(data_ok, "{id}: data not synced before rename");
        let dir_ok = events[renamed..acked].iter().any(|e| match e {
            Event::DirSyncStart { dir: d, call } if *d == dir => events[renamed..acked]
                .iter()
                .any(|f| matches!(f, Event::DirSyncEnd { dir: d2, call: c2 } if *d2 == dir && c2 == call)),
            _ => false,
        });
        assert!(
            dir_ok,
            "{id}: acknowledged before its directory entry was durable"
        );
    }
}

/// Many threads committing at once: every acknowledged file is complete and was
/// durable before it was acknowledged, and group commit really shared flushes.
#[test]
fn concurrent_group_commits_are_each_durable() {
    for mode in [
        CommitMode::PerFile,
        CommitMode::Group,
        CommitMode::GroupSyncfs,
    ] {
        let tmp = tempfile::tempdir().expect("tmp");
        let fs = Arc::new(FaultFs::recording());
        let q = Arc::new(store(tmp.path(), fs.clone(), mode));
        let threads: Vec<_> = (0..12)
            .map(|t| {
                let (q, fs) = (q.clone(), fs.clone());
                std::thread::spawn(move || {
                    (0..15)
                        .map(|i| {
                            let n = t * 100 + i;
                            let id = queue_one(&q, n, 200 + n * 37 % 3000).expect("commit");
                            fs.ack(&q.layout().path(QueueName::Incoming, &id));
                            (id, n)
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        let mut all = Vec::new();
        for t in threads {
            all.extend(t.join().expect("thread"));
        }
        assert_eq!(all.len(), 180);
        for (id, n) in &all {
            let (env, content) = read_back(&q.layout().path(QueueName::Incoming, id));
            assert_eq!(env, envelope(*n));
            assert_eq!(content, body(*n, 200 + n * 37 % 3000));
        }
        let ids: Vec<QueueId> = all.iter().map(|(id, _)| *id).collect();
        let events = fs.events();
        check_durable_before_ack(&events, &q, &ids);
        let dir_syncs = events
            .iter()
            .filter(|e| matches!(e, Event::DirSyncStart { .. }))
            .count();
        if mode == CommitMode::PerFile {
            assert_eq!(dir_syncs, 180);
        }
        let file_syncs = fs.ops().iter().filter(|o| **o == Op::SyncFile).count();
        let fs_syncs = fs.ops().iter().filter(|o| **o == Op::SyncFs).count();
        eprintln!(
            "{mode:?}: 180 commits, {file_syncs} file fsyncs, {fs_syncs} syncfs, {dir_syncs} directory fsyncs"
        );
    }
}

#[test]
fn a_failed_shared_flush_stops_acknowledgements() {
    let tmp = tempfile::tempdir().expect("tmp");
    let fs = Arc::new(FaultFs::failing_at(Op::SyncDir));
    let q = store(tmp.path(), fs, CommitMode::Group);
    assert!(matches!(queue_one(&q, 1, 10), Err(QueueError::Io { .. })));
    assert!(matches!(
        queue_one(&q, 2, 10),
        Err(QueueError::Poisoned { .. })
    ));
}

#[test]
fn marks_recipients_done_durably() {
    let tmp = tempfile::tempdir().expect("tmp");
    let fs = Arc::new(FaultFs::recording());
    let q = store(tmp.path(), fs.clone(), CommitMode::PerFile);
    let id = queue_one(&q, 3, 500).expect("commit");
    let mut qf = q.open_for_update(QueueName::Incoming, &id).expect("open");
    assert_eq!(qf.pending().count(), 2);
    qf.mark_done(&*fs, 1).expect("mark");
    assert_eq!(fs.ops()[fs.ops().len() - 2..], [Op::WriteAt, Op::SyncData]);
    qf.mark_done(&*fs, 1).expect("idempotent");
    let syncs = fs.ops().iter().filter(|o| **o == Op::SyncData).count();
    assert!(
        qf.mark_done_many(&*fs, &[0, 5]).is_err(),
        "checked before writing"
    );
    assert!(!qf.envelope().recipients[0].done);
    assert_eq!(
        fs.ops().iter().filter(|o| **o == Op::SyncData).count(),
        syncs
    );
    assert!(matches!(
        qf.mark_done(&*fs, 2),
        Err(QueueError::NoSuchRecipient { index: 2, .. })
    ));
    let again = q.open(QueueName::Incoming, &id).expect("reopen");
    let pending: Vec<usize> = again.pending().map(|(i, _)| i).collect();
    assert_eq!(pending, vec![0]);
    assert!(!again.all_done());
    let mut ro = q.open(QueueName::Incoming, &id).expect("read-only");
    assert!(
        ro.mark_done(&RealFs, 0).is_err(),
        "read-only handle cannot mark"
    );
}

#[test]
fn moves_defers_and_recovers() {
    let tmp = tempfile::tempdir().expect("tmp");
    let q = store(tmp.path(), Arc::new(RealFs), CommitMode::Group);
    let a = queue_one(&q, 1, 100).expect("a");
    let b = queue_one(&q, 2, 100).expect("b");
    let c = queue_one(&q, 3, 100).expect("c");
    for id in [a, b, c] {
        q.move_file(&id, QueueName::Incoming, QueueName::Active, MoveSync::Lazy)
            .expect("activate");
    }
    let later = UNIX_EPOCH + Duration::from_secs(1_900_000_000);
    let deferred = q.defer(&b, later, MoveSync::Durable).expect("defer");
    assert!(deferred.starts_with(q.layout().queue_dir(QueueName::Deferred)));
    assert_eq!(
        deferred.parent().map(|p| p.file_name().map(|n| n.len())),
        Some(Some(1)),
        "hashed"
    );
    assert_eq!(q.next_attempt(&b).expect("mtime"), later);
    assert!(q
        .due(later - Duration::from_secs(1))
        .expect("due")
        .is_empty());
    assert_eq!(q.due(later).expect("due"), vec![b]);
    q.move_file(&c, QueueName::Active, QueueName::Hold, MoveSync::Durable)
        .expect("hold");
    // A crash leaves `a` in active and a half-written temp file in incoming.
    let w = q.create(&envelope(9)).expect("create");
    std::mem::forget(w);
    let rec = q.recover().expect("recover");
    assert_eq!(rec.requeued, vec![a]);
    assert_eq!(rec.temp_removed, 1);
    let listed: Vec<QueueId> = q
        .layout()
        .list(QueueName::Incoming)
        .expect("list")
        .into_iter()
        .map(|(i, _)| i)
        .collect();
    assert_eq!(listed, vec![a]);
    assert!(q.layout().list(QueueName::Active).expect("list").is_empty());
    assert_eq!(q.layout().list(QueueName::Deferred).expect("list").len(), 1);
    assert!(matches!(
        q.move_file(&a, QueueName::Active, QueueName::Incoming, MoveSync::Lazy),
        Err(e) if e.is_not_found()
    ));
}

/// Files left in a hashed active queue by an earlier configuration are recovered too.
#[test]
fn recovery_follows_files_hashed_by_an_earlier_configuration() {
    let tmp = tempfile::tempdir().expect("tmp");
    let root = tmp.path().join("spool");
    let before = Layout::new(&root, ["active", "deferred"], 2).expect("layout");
    before.create().expect("create");
    let q = QueueStore::new(before, Arc::new(RealFs), CommitMode::PerFile);
    let id = queue_one(&q, 1, 100).expect("queue");
    let hashed = q
        .move_file(&id, QueueName::Incoming, QueueName::Active, MoveSync::Lazy)
        .expect("activate");
    assert_ne!(
        hashed.parent(),
        Some(q.layout().queue_dir(QueueName::Active).as_path())
    );
    let now = QueueStore::new(
        Layout::with_defaults(&root),
        Arc::new(RealFs),
        CommitMode::PerFile,
    );
    assert_eq!(now.recover().expect("recover").requeued, vec![id]);
    read_back(&now.layout().path(QueueName::Incoming, &id));
}

#[test]
fn logs_append_and_read_back() {
    let tmp = tempfile::tempdir().expect("tmp");
    let fs = Arc::new(FaultFs::recording());
    let q = store(tmp.path(), fs.clone(), CommitMode::Group);
    let id = queue_one(&q, 1, 100).expect("queue");
    let rec = |i: u32| StatusRecord {
        time: UNIX_EPOCH + Duration::from_secs(1_763_900_000 + u64::from(i)),
        recipient: "rcpt1@example.com".into(),
        original: "rcpt1@example.com".into(),
        dsn_orcpt: None,
        notify: Notify::UNSPECIFIED,
        status: "4.4.1".into(),
        action: Action::Delayed,
        reason: format!("connect to mx.example.com[192.0.2.1]:25: Connection refused ({i})"),
        relay: None,
        diagnostic: None,
    };
    assert_eq!(
        q.read_log(LogKind::Defer, &id).expect("none").records,
        vec![]
    );
    q.append_log(LogKind::Defer, &id, &rec(1)).expect("append");
    q.append_log(LogKind::Defer, &id, &rec(2)).expect("append");
    let ops = fs.ops();
    assert_eq!(ops[ops.len() - 2..], [Op::Write, Op::SyncData]);
    let log = q.read_log(LogKind::Defer, &id).expect("read");
    assert_eq!(log.records, vec![rec(1), rec(2)]);
    let path = q.layout().path(QueueName::Defer, &id);
    assert!(
        path.parent().expect("dir") != q.layout().queue_dir(QueueName::Defer),
        "hashed"
    );
    // Damage in the middle is an error, not a shorter answer.
    let mut bytes = std::fs::read(&path).expect("read");
    bytes[30] ^= 0xff;
    std::fs::write(&path, &bytes).expect("write");
    assert!(matches!(
        q.read_log(LogKind::Defer, &id),
        Err(QueueError::CorruptLog { .. })
    ));
    q.remove(QueueName::Incoming, &id).expect("remove");
    assert!(!path.exists());
    assert!(q
        .layout()
        .list(QueueName::Incoming)
        .expect("list")
        .is_empty());
}

#[test]
fn a_damaged_queue_file_is_refused_on_open_and_while_streaming() {
    let tmp = tempfile::tempdir().expect("tmp");
    let q = store(tmp.path(), Arc::new(RealFs), CommitMode::PerFile);
    let id = queue_one(&q, 1, 200_000).expect("queue");
    let path = q.layout().path(QueueName::Incoming, &id);
    let good = std::fs::read(&path).expect("read");
    // Content damage: the envelope opens, the stream fails before the damaged chunk.
    let mut bad = good.clone();
    let at = good.len() - 20_000;
    bad[at] ^= 0x40;
    std::fs::write(&path, &bad).expect("write");
    let qf = QueueFile::open(&path).expect("envelope is intact");
    let mut out = Vec::new();
    let err = qf
        .content()
        .expect("content")
        .read_to_end(&mut out)
        .expect_err("damaged");
    assert_eq!(err.kind(), std::io::ErrorKind::InvalidData);
    // Truncated: refused at open.
    std::fs::write(&path, &good[..good.len() - 1]).expect("write");
    assert!(matches!(
        QueueFile::open(&path),
        Err(QueueError::Record {
            source: RecordError::Incomplete { .. },
            ..
        })
    ));
}

/// Child side of `a_killed_writer_leaves_only_complete_files`: commits from four
/// threads until killed, printing each acknowledged queue ID.
#[test]
#[ignore = "run as a child process by a_killed_writer_leaves_only_complete_files"]
fn crash_child() {
    use std::io::Write;
    let Some(dir) = std::env::var_os("FACTEUR_QUEUE_CRASH_DIR") else {
        return;
    };
    let layout = Layout::with_defaults(std::path::PathBuf::from(dir));
    let q = Arc::new(QueueStore::new(layout, Arc::new(RealFs), CommitMode::Group));
    let threads: Vec<_> = (0..4)
        .map(|t| {
            let q = q.clone();
            std::thread::spawn(move || {
                for i in 0.. {
                    let n = t * 1_000_000 + i;
                    let id = queue_one(&q, n, 100 + n % 150_000).expect("commit");
                    let mut out = std::io::stdout().lock();
                    writeln!(out, "acked {id} {n}").expect("stdout");
                    out.flush().expect("flush");
                }
            })
        })
        .collect();
    for t in threads {
        let _ = t.join();
    }
}

/// kill -9 during commits: every acknowledged message is there and complete, every
/// file visible under a queue ID decodes, and recovery clears the temporary files.
#[test]
fn a_killed_writer_leaves_only_complete_files() {
    use std::io::BufRead;
    let tmp = tempfile::tempdir().expect("tmp");
    let layout = Layout::with_defaults(tmp.path().join("spool"));
    layout.create().expect("layout");
    let mut child = std::process::Command::new(std::env::current_exe().expect("exe"))
        .args([
            "--exact",
            "writer::tests::crash_child",
            "--ignored",
            "--nocapture",
        ])
        .env("FACTEUR_QUEUE_CRASH_DIR", layout.root())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("spawn child");
    let stdout = child.stdout.take().expect("stdout");
    let mut lines = std::io::BufReader::new(stdout).lines();
    let mut acked = Vec::new();
    while acked.len() < 40 {
        let Some(Ok(line)) = lines.next() else { break };
        if let Some(rest) = line.strip_prefix("acked ") {
            acked.push(rest.to_string());
        }
    }
    child.kill().expect("kill -9");
    // Acknowledgements already printed before the kill count too.
    for line in lines.map_while(Result::ok) {
        if let Some(rest) = line.strip_prefix("acked ") {
            acked.push(rest.to_string());
        }
    }
    child.wait().expect("reap");
    assert!(
        acked.len() >= 40,
        "child acknowledged {} messages",
        acked.len()
    );

    let q = QueueStore::new(layout, Arc::new(RealFs), CommitMode::Group);
    for a in &acked {
        let (id, n) = a.split_once(' ').expect("id n");
        let id = QueueId::parse(id).expect("id");
        let n: usize = n.parse().expect("n");
        let (env, content) = read_back(&q.layout().path(QueueName::Incoming, &id));
        assert_eq!(env, envelope(n));
        assert_eq!(content, body(n, 100 + n % 150_000));
    }
    let visible = q.layout().list(QueueName::Incoming).expect("list");
    assert!(visible.len() >= acked.len());
    for (_, path) in &visible {
        QueueFile::open(path).expect("every visible file is complete");
    }
    q.recover().expect("recover");
    let names = names_in(&q.layout().queue_dir(QueueName::Incoming));
    assert_eq!(
        names.len(),
        visible.len(),
        "only temporary files were removed"
    );
}

#[test]
fn writers_can_move_to_other_threads() {
    fn is_send_static<T: Send + 'static>(_: &T) {}
    let tmp = tempfile::tempdir().expect("tmp");
    let q = store(tmp.path(), Arc::new(RealFs), CommitMode::Group);
    let w = q.create(&envelope(1)).expect("create");
    is_send_static(&w);
    let id = std::thread::spawn(move || {
        let mut w = w;
        w.write_content(b"Subject: moved\r\n\r\n").expect("write");
        w.finish().expect("finish").commit().expect("commit")
    })
    .join()
    .expect("thread");
    drop(q);
    let layout = Layout::with_defaults(tmp.path().join("spool"));
    read_back(&layout.path(QueueName::Incoming, &id));
}
