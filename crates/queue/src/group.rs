//! Group commit: one flush (fsync of a directory, or syncfs) shared by every caller that
//! asked for it before the flush started.
//!
//! Callers take a ticket. If no flush is running, the caller runs one that covers every
//! ticket issued so far; otherwise it waits. When a flush ends, the callers it covers
//! return and the next waiter starts a flush for everyone who arrived meanwhile. A
//! caller returns `Ok` only after a flush that started after its ticket succeeded, so
//! sharing never weakens durability. No thread of its own, no timer: under no load a
//! caller flushes at once; under load the batch grows by itself.
//!
//! After a failed flush the state is poisoned: fsync errors are not retried
//! (the kernel may have dropped the dirty pages), every later caller gets an error.

use std::io;
use std::sync::{Condvar, Mutex, MutexGuard};

#[derive(Debug, Default)]
struct State {
    issued: u64,
    completed: u64,
    running: bool,
    poisoned: bool,
}

#[derive(Debug, Default)]
pub struct SharedFlush {
    state: Mutex<State>,
    done: Condvar,
}

/// Why a shared flush did not cover the caller.
#[derive(Debug)]
pub enum FlushError {
    /// This caller's flush failed.
    Failed(io::Error),
    /// An earlier flush failed.
    Poisoned,
}

impl SharedFlush {
    pub fn new() -> SharedFlush {
        SharedFlush::default()
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // The state is a few integers updated together; a panic elsewhere cannot leave
        // them inconsistent.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Returns once a run of `flush` that started after this call has succeeded.
    pub fn run(&self, flush: impl FnOnce() -> io::Result<()>) -> Result<(), FlushError> {
        let mut flush = Some(flush);
        let mut st = self.lock();
        st.issued += 1;
        let ticket = st.issued;
        loop {
            if st.completed >= ticket {
                return Ok(());
            }
            if st.poisoned {
                return Err(FlushError::Poisoned);
            }
            if !st.running {
                st.running = true;
                let covers = st.issued;
                drop(st);
                let result = match flush.take() {
                    Some(f) => f(),
                    None => Err(io::Error::other("flush ran twice")),
                };
                st = self.lock();
                st.running = false;
                match result {
                    Ok(()) => st.completed = covers,
                    Err(_) => st.poisoned = true,
                }
                self.done.notify_all();
                return result.map_err(FlushError::Failed);
            }
            st = self.done.wait(st).unwrap_or_else(|e| e.into_inner());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicU64, Ordering};
    use std::sync::Arc;

    #[test]
    fn concurrent_callers_share_flushes() {
        let flush = Arc::new(SharedFlush::new());
        let runs = Arc::new(AtomicU64::new(0));
        let threads: Vec<_> = (0..16)
            .map(|_| {
                let (flush, runs) = (flush.clone(), runs.clone());
                std::thread::spawn(move || {
                    for _ in 0..50 {
                        flush
                            .run(|| {
                                runs.fetch_add(1, Ordering::SeqCst);
                                std::thread::sleep(std::time::Duration::from_millis(1));
                                Ok(())
                            })
                            .expect("flush");
                    }
                })
            })
            .collect();
        for t in threads {
            t.join().expect("join");
        }
        let runs = runs.load(Ordering::SeqCst);
        assert!(runs < 800, "flushes were shared: {runs} for 800 calls");
    }

    #[test]
    fn a_failure_poisons() {
        let flush = SharedFlush::new();
        assert!(matches!(
            flush.run(|| Err(io::Error::other("EIO"))),
            Err(FlushError::Failed(_))
        ));
        assert!(matches!(flush.run(|| Ok(())), Err(FlushError::Poisoned)));
    }
}
