//! The queue directory: which subdirectories exist, their modes, and where a queue ID's
//! file lives (Postfix `mail_queue_dir`, `hash_queue_names`, `hash_queue_depth`).
//!
//! Hashed queues split files over one-character subdirectories as Postfix does for long
//! queue IDs: the ID's microseconds in five upper-case hex digits, one digit per level
//! (`deferred/3/3Pt2mN2VXxznjll` at depth 1). This module computes paths and lists
//! files; it never moves or writes queue files.

use std::fs;
use std::io;
use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
use std::path::{Path, PathBuf};

use mail::queue_id::QueueId;

/// The subdirectories of `queue_directory` that hold per-message files.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum QueueName {
    Maildrop,
    Incoming,
    Active,
    Deferred,
    Hold,
    Corrupt,
    Defer,
    Bounce,
    Trace,
    Flush,
    Saved,
}

impl QueueName {
    pub const ALL: [QueueName; 11] = [
        QueueName::Maildrop,
        QueueName::Incoming,
        QueueName::Active,
        QueueName::Deferred,
        QueueName::Hold,
        QueueName::Corrupt,
        QueueName::Defer,
        QueueName::Bounce,
        QueueName::Trace,
        QueueName::Flush,
        QueueName::Saved,
    ];

    /// The directory name, as in `hash_queue_names` and `postsuper` arguments.
    pub fn as_str(self) -> &'static str {
        match self {
            QueueName::Maildrop => "maildrop",
            QueueName::Incoming => "incoming",
            QueueName::Active => "active",
            QueueName::Deferred => "deferred",
            QueueName::Hold => "hold",
            QueueName::Corrupt => "corrupt",
            QueueName::Defer => "defer",
            QueueName::Bounce => "bounce",
            QueueName::Trace => "trace",
            QueueName::Flush => "flush",
            QueueName::Saved => "saved",
        }
    }

    /// The queue named `name` (case-insensitive, as Postfix compares them).
    pub fn from_name(name: &str) -> Option<QueueName> {
        QueueName::ALL
            .into_iter()
            .find(|q| q.as_str().eq_ignore_ascii_case(name))
    }

    /// Directory mode, as Postfix's postfix-files sets it: maildrop is writable by the
    /// postdrop group and sticky, everything else is private to mail_owner.
    pub fn mode(self) -> u32 {
        match self {
            QueueName::Maildrop => 0o1730,
            _ => 0o700,
        }
    }
}

impl std::fmt::Display for QueueName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The other subdirectories, with their modes: daemon pid files, the public
/// (postdrop group may connect) and private service sockets.
pub const OTHER_DIRS: [(&str, u32); 3] = [("pid", 0o755), ("public", 0o2710), ("private", 0o700)];

/// Deepest supported `hash_queue_depth`: five hex digits of microseconds.
pub const MAX_HASH_DEPTH: u32 = 5;

/// A bad `hash_queue_depth`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("hash_queue_depth = {0}: must be between 1 and {MAX_HASH_DEPTH}")]
pub struct HashDepthError(pub u32);

/// Where everything is, from `queue_directory`, `hash_queue_names` and
/// `hash_queue_depth`.
#[derive(Debug, Clone)]
pub struct Layout {
    root: PathBuf,
    hashed: Vec<QueueName>,
    depth: usize,
}

impl Layout {
    /// Unknown names in `hash_queue_names` are ignored, as Postfix does.
    pub fn new<'a>(
        root: impl Into<PathBuf>,
        hash_queue_names: impl IntoIterator<Item = &'a str>,
        hash_queue_depth: u32,
    ) -> Result<Layout, HashDepthError> {
        if !(1..=MAX_HASH_DEPTH).contains(&hash_queue_depth) {
            return Err(HashDepthError(hash_queue_depth));
        }
        let mut hashed: Vec<QueueName> = hash_queue_names
            .into_iter()
            .filter_map(QueueName::from_name)
            .collect();
        hashed.sort();
        hashed.dedup();
        Ok(Layout {
            root: root.into(),
            hashed,
            depth: hash_queue_depth as usize,
        })
    }

    /// Postfix 3.7's defaults: `deferred, defer` hashed one level deep.
    pub fn with_defaults(root: impl Into<PathBuf>) -> Layout {
        Layout {
            root: root.into(),
            hashed: vec![QueueName::Deferred, QueueName::Defer],
            depth: 1,
        }
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    pub fn is_hashed(&self, queue: QueueName) -> bool {
        self.hashed.contains(&queue)
    }

    /// The top directory of a queue.
    pub fn queue_dir(&self, queue: QueueName) -> PathBuf {
        self.root.join(queue.as_str())
    }

    /// The directory that holds `id` in `queue` (a hashed subdirectory when hashed).
    pub fn dir_for(&self, queue: QueueName, id: &QueueId) -> PathBuf {
        let mut dir = self.queue_dir(queue);
        if self.is_hashed(queue) {
            let hex = format!("{:05X}", id.usec());
            for c in hex.chars().take(self.depth) {
                dir.push(c.to_string());
            }
        }
        dir
    }

    /// The path of `id`'s file in `queue`.
    pub fn path(&self, queue: QueueName, id: &QueueId) -> PathBuf {
        self.dir_for(queue, id).join(id.as_str())
    }

    /// Creates the queue directory and any missing subdirectory with its mode.
    /// Existing directories are left as they are (ownership is the daemon's business).
    pub fn create(&self) -> io::Result<()> {
        fs::DirBuilder::new()
            .recursive(true)
            .mode(0o755)
            .create(&self.root)?;
        let dirs = QueueName::ALL
            .iter()
            .map(|q| (q.as_str(), q.mode()))
            .chain(OTHER_DIRS);
        for (name, mode) in dirs {
            let dir = self.root.join(name);
            match fs::DirBuilder::new().mode(mode & 0o777).create(&dir) {
                Ok(()) => fs::set_permissions(&dir, fs::Permissions::from_mode(mode))?,
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {}
                Err(e) => return Err(e),
            }
        }
        Ok(())
    }

    /// Every queue file in `queue`, in queue ID (time) order, with its path. Walks
    /// one-character subdirectories whether or not the queue is hashed now, so a
    /// change of `hash_queue_names` strands nothing. Names that are not queue IDs
    /// (temporary files) are skipped.
    pub fn list(&self, queue: QueueName) -> io::Result<Vec<(QueueId, PathBuf)>> {
        let mut out = Vec::new();
        walk(&self.queue_dir(queue), MAX_HASH_DEPTH as usize, &mut out)?;
        out.sort_by_key(|e| e.0);
        Ok(out)
    }
}

fn walk(dir: &Path, depth_left: usize, out: &mut Vec<(QueueId, PathBuf)>) -> io::Result<()> {
    let entries = match fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(e),
    };
    for entry in entries {
        let entry = entry?;
        let name = entry.file_name();
        let Some(name) = name.to_str() else { continue };
        let file_type = entry.file_type()?;
        if file_type.is_dir() {
            if depth_left > 0 && name.len() == 1 && name.as_bytes()[0].is_ascii_hexdigit() {
                walk(&entry.path(), depth_left - 1, out)?;
            }
        } else if file_type.is_file() {
            if let Ok(id) = QueueId::parse(name) {
                out.push((id, entry.path()));
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_on_hex_microseconds() {
        let layout = Layout::new("/q", ["deferred", "DEFER", "nonsense"], 2).expect("depth");
        let id = QueueId::from_parts(1_763_900_000, 0xABCDE, 7);
        assert_eq!(
            layout.path(QueueName::Deferred, &id),
            PathBuf::from(format!("/q/deferred/A/B/{id}"))
        );
        assert_eq!(
            layout.path(QueueName::Defer, &id),
            PathBuf::from(format!("/q/defer/A/B/{id}"))
        );
        assert_eq!(
            layout.path(QueueName::Incoming, &id),
            PathBuf::from(format!("/q/incoming/{id}"))
        );
        let small = QueueId::from_parts(1_763_900_000, 5, 7);
        assert_eq!(
            Layout::with_defaults("/q").dir_for(QueueName::Deferred, &small),
            PathBuf::from("/q/deferred/0")
        );
        assert_eq!(
            Layout::new("/q", ["defer"], 0).err(),
            Some(HashDepthError(0))
        );
        assert_eq!(
            Layout::new("/q", ["defer"], 6).err(),
            Some(HashDepthError(6))
        );
    }

    /// Paths a private Postfix 3.7.11 instance (enable_long_queue_ids = yes,
    /// hash_queue_depth = 2) gave its deferred messages.
    #[test]
    fn hashes_as_postfix_does() {
        let layout = Layout::new("/spool", ["deferred", "defer"], 2).expect("depth");
        for (id, dir) in [
            ("4jYC3W40Fbz1Sj03", "8/9"),
            ("4jYC3W4c87z1Shwm", "9/E"),
            ("4jYC3W4WcPz1Shwl", "9/B"),
            ("4jYC3W4dH1z1Shwj", "9/F"),
            ("4jYC3W4YR9z1Shwn", "9/C"),
        ] {
            let id = QueueId::parse(id).expect("a real Postfix long queue ID");
            assert_eq!(
                layout.path(QueueName::Deferred, &id),
                PathBuf::from(format!("/spool/deferred/{dir}/{id}"))
            );
        }
    }

    #[test]
    fn creates_directories_with_postfix_modes_and_lists_files() {
        let tmp = tempfile::tempdir().expect("tmp");
        let layout = Layout::with_defaults(tmp.path().join("spool"));
        layout.create().expect("create");
        layout.create().expect("idempotent");
        let mode = |n: &str| {
            fs::metadata(layout.root().join(n))
                .expect("dir")
                .permissions()
                .mode()
                & 0o7777
        };
        assert_eq!(mode("incoming"), 0o700);
        assert_eq!(mode("maildrop"), 0o1730);
        assert_eq!(mode("public"), 0o2710);
        assert_eq!(mode("pid"), 0o755);

        let a = QueueId::from_parts(1_763_900_000, 0x10000, 1);
        let b = QueueId::from_parts(1_763_900_001, 0x20000, 1);
        for id in [b, a] {
            let dir = layout.dir_for(QueueName::Deferred, &id);
            fs::create_dir_all(&dir).expect("hash dir");
            fs::write(layout.path(QueueName::Deferred, &id), b"x").expect("file");
        }
        fs::write(layout.queue_dir(QueueName::Deferred).join(".tmp.1.2"), b"").expect("tmp");
        let listed: Vec<_> = layout
            .list(QueueName::Deferred)
            .expect("list")
            .into_iter()
            .map(|(id, _)| id)
            .collect();
        assert_eq!(listed, vec![a, b]);
    }
}
