//! Open each table once, share it, reopen it when its file changes.
//!
//! Owns: the `type:name` → `Arc<dyn Table>` map a process keeps, and noticing that a
//! table's file was replaced (postmap builds beside it and renames over it): the
//! file's device, inode, size and modification time are compared at most once per
//! check interval (one second by default) or on `refresh`, never per lookup. A
//! table whose reopen fails stays in use, and the error is handed to the caller once
//! per change of the file, to log.
//! Never: reads a file per query, or logs (callers do; `tables` knows no logger).
//! (Postfix's daemons instead exit when a table changed and are restarted by the
//! master; facteur's long-running services reopen in place.)

use std::collections::HashMap;
use std::os::unix::fs::MetadataExt;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use crate::{split_spec, OpenOptions, Table, TableError};

/// How often, at most, `get` looks at a table's files.
pub const DEFAULT_CHECK_INTERVAL: Duration = Duration::from_secs(1);

/// What identifies one version of a file. `None` in `FileState` is a missing file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Stamp {
    dev: u64,
    ino: u64,
    size: u64,
    mtime: i64,
    mtime_nsec: i64,
}

type FileState = Vec<(PathBuf, Option<Stamp>)>;

fn stamp(path: &PathBuf) -> Option<Stamp> {
    std::fs::metadata(path).ok().map(|m| Stamp {
        dev: m.dev(),
        ino: m.ino(),
        size: m.size(),
        mtime: m.mtime(),
        mtime_nsec: m.mtime_nsec(),
    })
}

fn state(files: &[PathBuf]) -> FileState {
    files.iter().map(|p| (p.clone(), stamp(p))).collect()
}

/// A reopen that failed: the table `spec` keeps its previous contents.
#[derive(Debug)]
pub struct ReopenError {
    pub spec: String,
    pub error: TableError,
}

impl std::fmt::Display for ReopenError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}: reopen failed, still using the previous table: {}",
            self.spec, self.error
        )
    }
}

#[derive(Debug)]
struct Slot {
    table: Arc<dyn Table>,
    /// The files as they were when `table` was opened (or when a reopen failed, so
    /// the failure is reported once per change).
    seen: FileState,
    checked: Instant,
}

/// The tables a process has open, shared by every user of the same `type:name`.
#[derive(Debug)]
pub struct TableRegistry {
    opts: OpenOptions,
    interval: Duration,
    slots: Mutex<HashMap<String, Slot>>,
    failures: Mutex<Vec<ReopenError>>,
}

impl TableRegistry {
    /// A registry opening tables with `opts`, checking files once per second.
    pub fn new(opts: OpenOptions) -> TableRegistry {
        TableRegistry::with_check_interval(opts, DEFAULT_CHECK_INTERVAL)
    }

    /// A registry that looks at a table's files at most once per `interval`.
    pub fn with_check_interval(opts: OpenOptions, interval: Duration) -> TableRegistry {
        TableRegistry {
            opts,
            interval,
            slots: Mutex::new(HashMap::new()),
            failures: Mutex::new(Vec::new()),
        }
    }

    fn slots(&self) -> MutexGuard<'_, HashMap<String, Slot>> {
        self.slots.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The table `spec`, opened on first use and shared after that; reopened first
    /// when its check interval has passed and a file of it changed. An error is
    /// returned only when the table has never opened; a failed reopen keeps the
    /// previous table and is queued for `take_reopen_errors`.
    pub fn get(&self, spec: &str) -> Result<Arc<dyn Table>, TableError> {
        let now = Instant::now();
        let due = {
            let mut slots = self.slots();
            match slots.get_mut(spec) {
                Some(slot) if now.duration_since(slot.checked) < self.interval => {
                    return Ok(slot.table.clone());
                }
                Some(slot) => {
                    slot.checked = now;
                    Some(slot.seen.clone())
                }
                None => None,
            }
        };
        match due {
            None => {
                let files = backing_files(spec);
                let seen = state(&files);
                let table = crate::open(spec, &self.opts)?;
                let mut slots = self.slots();
                let slot = slots.entry(spec.to_string()).or_insert(Slot {
                    table,
                    seen,
                    checked: now,
                });
                Ok(slot.table.clone())
            }
            Some(seen) => {
                if let Some(e) = self.reopen_if_changed(spec, seen) {
                    self.failures
                        .lock()
                        .unwrap_or_else(|e| e.into_inner())
                        .push(e);
                }
                let slots = self.slots();
                slots
                    .get(spec)
                    .map(|s| s.table.clone())
                    .ok_or_else(|| TableError::BadSpec(format!("table {spec} vanished")))
            }
        }
    }

    /// Reopens `spec` when its files differ from `seen`; the error of a failed reopen.
    fn reopen_if_changed(&self, spec: &str, seen: FileState) -> Option<ReopenError> {
        let files: Vec<PathBuf> = seen.iter().map(|(p, _)| p.clone()).collect();
        let now = state(&files);
        if now == seen {
            return None;
        }
        let result = crate::open(spec, &self.opts);
        let mut slots = self.slots();
        let slot = slots.get_mut(spec)?;
        slot.seen = now;
        match result {
            Ok(table) => {
                slot.table = table;
                None
            }
            Err(error) => Some(ReopenError {
                spec: spec.to_string(),
                error,
            }),
        }
    }

    /// Checks every open table's files now (SIGHUP, or a test) and reopens what
    /// changed; gives the reopens that failed (those tables keep their old contents).
    pub fn refresh(&self) -> Vec<ReopenError> {
        let now = Instant::now();
        let due: Vec<(String, FileState)> = {
            let mut slots = self.slots();
            slots
                .iter_mut()
                .map(|(spec, slot)| {
                    slot.checked = now;
                    (spec.clone(), slot.seen.clone())
                })
                .collect()
        };
        let mut errors = self.take_reopen_errors();
        errors.extend(
            due.into_iter()
                .filter_map(|(spec, seen)| self.reopen_if_changed(&spec, seen)),
        );
        errors
    }

    /// The reopens that failed during `get` since the last call, to log.
    pub fn take_reopen_errors(&self) -> Vec<ReopenError> {
        std::mem::take(&mut *self.failures.lock().unwrap_or_else(|e| e.into_inner()))
    }
}

/// The files whose change means `spec` must be reopened: the indexed file of
/// hash/btree/cdb/lmdb, the source of texthash and the pattern types (unless given
/// in braces), those of each member of a unionmap/pipemap; none for inline, static
/// and fail.
pub fn backing_files(spec: &str) -> Vec<PathBuf> {
    let Ok((kind, name)) = split_spec(spec) else {
        return Vec::new();
    };
    match kind {
        "hash" | "btree" => vec![PathBuf::from(format!("{name}.db"))],
        "cdb" => vec![PathBuf::from(format!("{name}.cdb"))],
        "lmdb" => vec![PathBuf::from(format!("{name}.lmdb"))],
        "texthash" | "regexp" | "pcre" | "cidr" if !name.starts_with('{') => {
            vec![PathBuf::from(name)]
        }
        "unionmap" | "pipemap" => crate::source::strip_braces(name, kind)
            .map(|inner| {
                crate::source::split_outside_braces(inner)
                    .into_iter()
                    .flat_map(backing_files)
                    .collect()
            })
            .unwrap_or_default(),
        _ => Vec::new(),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use std::path::Path;

    /// Writes `text` beside `path` and renames it over `path`, as postmap does.
    fn replace(path: &Path, text: &str) {
        let tmp = path.with_extension("tmp");
        std::fs::write(&tmp, text).unwrap();
        std::fs::rename(&tmp, path).unwrap();
    }

    fn value(r: &TableRegistry, spec: &str, key: &str) -> Option<String> {
        r.get(spec).unwrap().lookup(key).unwrap()
    }

    #[test]
    fn opens_once_and_shares() {
        let dir = tempfile::tempdir().unwrap();
        let src = dir.path().join("t");
        std::fs::write(&src, "a 1\n").unwrap();
        let spec = format!("texthash:{}", src.display());
        let r = TableRegistry::new(OpenOptions::default());
        let one = r.get(&spec).unwrap();
        let two = r.get(&spec).unwrap();
        assert!(Arc::ptr_eq(&one, &two));
        assert!(r.get("nosuchtype:x").is_err());
    }

    #[test]
    fn replaced_file_is_reopened_on_refresh_not_per_lookup() {
        let dir = tempfile::tempdir().unwrap();
        let src = dir.path().join("t");
        std::fs::write(&src, "a 1\n").unwrap();
        let spec = format!("texthash:{}", src.display());
        let r =
            TableRegistry::with_check_interval(OpenOptions::default(), Duration::from_secs(3600));
        assert_eq!(value(&r, &spec, "a").as_deref(), Some("1"));
        replace(&src, "a 2\n");
        // Within the interval the file is not looked at.
        assert_eq!(value(&r, &spec, "a").as_deref(), Some("1"));
        assert!(r.refresh().is_empty());
        assert_eq!(value(&r, &spec, "a").as_deref(), Some("2"));
    }

    #[test]
    fn get_checks_once_the_interval_has_passed() {
        let dir = tempfile::tempdir().unwrap();
        let src = dir.path().join("t");
        std::fs::write(&src, "a 1\n").unwrap();
        let spec = format!("texthash:{}", src.display());
        let r = TableRegistry::with_check_interval(OpenOptions::default(), Duration::ZERO);
        let before = r.get(&spec).unwrap();
        // Unchanged: the same table.
        assert!(Arc::ptr_eq(&before, &r.get(&spec).unwrap()));
        replace(&src, "a 22\n");
        assert_eq!(value(&r, &spec, "a").as_deref(), Some("22"));
        assert!(r.take_reopen_errors().is_empty());
    }

    #[test]
    fn failed_reopen_keeps_the_old_table_and_reports_once() {
        let dir = tempfile::tempdir().unwrap();
        let name = dir.path().join("m");
        let build = |pairs: &[(&str, &str)]| {
            let opts = crate::CreateOptions {
                duplicates: crate::Duplicates::KeepFirstWarn,
                fold_case: true,
                utf8: true,
                append_nul: None,
            };
            let mut w = crate::create("cdb", &name, &opts).unwrap();
            for (k, v) in pairs {
                w.insert(k, v).unwrap();
            }
            w.finish().unwrap();
        };
        build(&[("a", "1")]);
        let spec = format!("cdb:{}", name.display());
        let r = TableRegistry::with_check_interval(OpenOptions::default(), Duration::ZERO);
        assert_eq!(value(&r, &spec, "a").as_deref(), Some("1"));

        // A corrupt file renamed into place: the old table stays, one error.
        replace(&dir.path().join("m.cdb"), "not a cdb file");
        assert_eq!(value(&r, &spec, "a").as_deref(), Some("1"));
        let errors = r.take_reopen_errors();
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert!(errors[0].to_string().starts_with(&spec), "{}", errors[0]);
        assert_eq!(value(&r, &spec, "a").as_deref(), Some("1"));
        assert!(r.take_reopen_errors().is_empty());

        // Removed: still the old table, one more error from refresh.
        std::fs::remove_file(dir.path().join("m.cdb")).unwrap();
        assert_eq!(r.refresh().len(), 1);
        assert_eq!(value(&r, &spec, "a").as_deref(), Some("1"));

        // Rebuilt: the new contents.
        build(&[("a", "3")]);
        assert!(r.refresh().is_empty());
        assert_eq!(value(&r, &spec, "a").as_deref(), Some("3"));
    }

    #[test]
    fn backing_files_per_type() {
        assert_eq!(backing_files("hash:/e/a"), [PathBuf::from("/e/a.db")]);
        assert_eq!(backing_files("lmdb:/e/a"), [PathBuf::from("/e/a.lmdb")]);
        assert_eq!(backing_files("regexp:/e/r"), [PathBuf::from("/e/r")]);
        assert!(backing_files("regexp:{{/a/ b}}").is_empty());
        assert!(backing_files("inline:{a=b}").is_empty());
        assert_eq!(
            backing_files("unionmap:{cdb:/e/c, inline:{a=b}, texthash:/e/t}"),
            [PathBuf::from("/e/c.cdb"), PathBuf::from("/e/t")]
        );
    }
}
