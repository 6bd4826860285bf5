//! The signals the daemon obeys (Postfix `master/master_sig.c`): SIGHUP reloads,
//! SIGTERM and SIGINT stop gracefully. One of the two places that read process-level
//! state (DESIGN.md); the rest of the daemon sees [`Event`]s.

use tokio::signal::unix::{signal, SignalKind};

/// What a signal asks of the daemon.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Event {
    /// SIGHUP: re-read the configuration.
    Reload,
    /// SIGTERM / SIGINT: stop; the number is logged as Postfix does.
    Stop(i32),
}

/// The daemon's signal handlers, installed once at start.
pub struct Signals {
    hup: tokio::signal::unix::Signal,
    term: tokio::signal::unix::Signal,
    int: tokio::signal::unix::Signal,
}

impl Signals {
    pub fn install() -> std::io::Result<Signals> {
        Ok(Signals {
            hup: signal(SignalKind::hangup())?,
            term: signal(SignalKind::terminate())?,
            int: signal(SignalKind::interrupt())?,
        })
    }

    /// The next signal.
    pub async fn next(&mut self) -> Event {
        tokio::select! {
            _ = self.hup.recv() => Event::Reload,
            _ = self.term.recv() => Event::Stop(15),
            _ = self.int.recv() => Event::Stop(2),
        }
    }
}
