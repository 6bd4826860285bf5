//! master.cf entries → what the daemon runs for each (Postfix `master/master_ent.c`,
//! `master_spawn.c`): `inet` services become listeners with an accept loop bounded by
//! `maxproc`; internal services (`unix`, `unix-dgram`, `fifo`, `pass`) are tasks or
//! function calls inside the daemon.
//!
//! Owns: the one decision "which implementation serves this entry"
//! ([`inet_implementation`], [`internal_implementation`]), the per-service settings
//! snapshot (`-o` applied), the `maxproc` semaphore and the accept loop.
//! Never: binds sockets (that happens in `lib.rs` before the privilege drop) or speaks
//! a protocol (the service crates do).

use std::future::Future;
use std::net::SocketAddr;
use std::path::Path;
use std::pin::Pin;
use std::sync::Arc;

use config::master_cf::{Service, ServiceType};
use config::{Config, ConfigError};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{mpsc, watch, Semaphore};

/// A boxed future, as handlers return them.
pub type BoxFuture = Pin<Box<dyn Future<Output = ()> + Send + 'static>>;

/// What serves the connections of one `inet` service. The smtpd crate implements it
/// (`smtpd::serve` per connection) when it lands; see [`inet_implementation`].
pub trait ConnectionHandler: Send + Sync + 'static {
    /// Serves one accepted connection to its end. `settings` is the service's snapshot
    /// (main.cf with the entry's `-o` overrides) current when the connection arrived.
    fn serve(&self, stream: TcpStream, peer: SocketAddr, settings: Arc<Config>) -> BoxFuture;
}

/// Why a master.cf entry cannot run.
#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    /// An `inet` service whose program does not exist yet: refusing to start beats a
    /// listener that accepts mail it cannot take.
    #[error("file {}: line {line}: service {name}: {command} is not built yet", .path.display())]
    NotBuilt {
        path: std::path::PathBuf,
        line: usize,
        name: String,
        command: String,
    },
    #[error("file {}: line {line}: service {name}: unknown service type: {kind}", .path.display())]
    UnknownType {
        path: std::path::PathBuf,
        line: usize,
        name: String,
        kind: String,
    },
    #[error("{0}")]
    Config(#[from] ConfigError),
}

/// How an internal service runs today.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Internal {
    /// Accepted in master.cf; its implementation has not landed yet, so nothing
    /// runs for it (and nothing pretends to).
    NotAvailable,
}

/// One master.cf entry as the daemon will run it.
#[derive(Clone)]
pub struct Planned {
    pub service: Service,
    /// Concurrency limit: `maxproc`, `-` = `default_process_limit`, 0 = no limit.
    pub maxproc: usize,
    pub run: Run,
}

#[derive(Clone)]
pub enum Run {
    Listener(Arc<dyn ConnectionHandler>),
    Internal(Internal),
}

/// THE decision for `inet` entries: which handler serves `service`. The smtpd crate
/// adds its arm here (`"smtpd" => Ok(Arc::new(smtpd::Handler::new(..)))`).
pub fn inet_implementation(
    service: &Service,
    master_cf: &Path,
) -> Result<Arc<dyn ConnectionHandler>, ServiceError> {
    Err(ServiceError::NotBuilt {
        path: master_cf.to_path_buf(),
        line: service.line,
        name: service.name.clone(),
        command: service.command.clone(),
    })
}

/// THE decision for internal entries (`pickup`, `cleanup`, `qmgr`, `local`, `smtp`,
/// `postlog` ...): qmgr, cleanup/pickup and the agents add their arms as they land.
pub fn internal_implementation(service: &Service) -> Internal {
    let _ = service;
    Internal::NotAvailable
}

/// Plans every entry of master.cf, or names the first that cannot run.
pub fn plan(
    services: &[Service],
    config: &Config,
    master_cf: &Path,
) -> Result<Vec<Planned>, ServiceError> {
    let default_limit = config
        .get_int("default_process_limit")?
        .clamp(0, u32::MAX as i64) as u32;
    services
        .iter()
        .map(|service| {
            // master.cf parsing has checked the column; "-" is default_process_limit.
            let maxproc = service.process_limit(default_limit) as usize;
            let run = match service.service_type() {
                Some(ServiceType::Inet) => Run::Listener(inet_implementation(service, master_cf)?),
                Some(
                    ServiceType::Unix
                    | ServiceType::UnixDgram
                    | ServiceType::Fifo
                    | ServiceType::Pass,
                ) => Run::Internal(internal_implementation(service)),
                None => {
                    return Err(ServiceError::UnknownType {
                        path: master_cf.to_path_buf(),
                        line: service.line,
                        name: service.name.clone(),
                        kind: service.kind.clone(),
                    })
                }
            };
            Ok(Planned {
                service: service.clone(),
                maxproc,
                run,
            })
        })
        .collect()
}

/// The semaphore that bounds a service's concurrent sessions.
pub fn limit(maxproc: usize) -> Arc<Semaphore> {
    let permits = if maxproc == 0 {
        Semaphore::MAX_PERMITS
    } else {
        maxproc
    };
    Arc::new(Semaphore::new(permits))
}

/// Accepts connections on `listener` until `stop` turns true. A permit is taken
/// before `accept`, so clients over the limit wait in the listen queue, as with
/// Postfix's process limit. Each session holds a clone of `sessions`: the daemon knows
/// all sessions ended when every clone is gone. New sessions get the settings current
/// at accept time (`settings` is replaced on reload).
pub async fn accept_loop(
    listener: TcpListener,
    handler: Arc<dyn ConnectionHandler>,
    limit: Arc<Semaphore>,
    settings: watch::Receiver<Arc<Config>>,
    mut stop: watch::Receiver<bool>,
    sessions: mpsc::Sender<()>,
) {
    loop {
        let permit = tokio::select! {
            p = limit.clone().acquire_owned() => match p {
                Ok(p) => p,
                Err(_) => return,
            },
            _ = stop.wait_for(|s| *s) => return,
        };
        let (stream, peer) = tokio::select! {
            a = listener.accept() => match a {
                Ok(a) => a,
                // EMFILE, ECONNABORTED ...: the listener is still good.
                Err(_) => continue,
            },
            _ = stop.wait_for(|s| *s) => return,
        };
        let snapshot = settings.borrow().clone();
        let session = handler.serve(stream, peer, snapshot);
        let guard = sessions.clone();
        tokio::spawn(async move {
            session.await;
            drop(permit);
            drop(guard);
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::AsyncWriteExt;

    fn entry(name: &str, kind: &str, maxproc: &str, command: &str, line: usize) -> Service {
        Service {
            name: name.into(),
            kind: kind.into(),
            private: "n".into(),
            unpriv: "-".into(),
            chroot: "n".into(),
            wakeup: "-".into(),
            maxproc: maxproc.into(),
            command: command.into(),
            args: vec![],
            overrides: vec![],
            line,
        }
    }

    fn config() -> Config {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::write(dir.path().join("main.cf"), "").expect("main.cf");
        Config::load(dir.path()).expect("config")
    }

    #[test]
    fn smtpd_listener_is_refused_until_built() {
        let services = [
            entry("pickup", "unix", "1", "pickup", 3),
            entry("127.0.0.1:10025", "inet", "-", "smtpd", 7),
        ];
        let err = plan(&services, &config(), Path::new("/c/master.cf")).err();
        assert_eq!(
            err.map(|e| e.to_string()),
            Some(
                "file /c/master.cf: line 7: service 127.0.0.1:10025: smtpd is not built yet".into()
            )
        );
    }

    #[test]
    fn internal_services_plan_with_their_limits() {
        let services = [
            entry("pickup", "unix", "1", "pickup", 3),
            entry("cleanup", "unix", "0", "cleanup", 4),
            entry("postlog", "unix-dgram", "-", "postlogd", 5),
        ];
        let planned = plan(&services, &config(), Path::new("/c/master.cf")).expect("plan");
        let limits: Vec<usize> = planned.iter().map(|p| p.maxproc).collect();
        assert_eq!(limits, vec![1, 0, 100]);
    }

    /// A handler that holds each session open until the client closes.
    struct Hold;
    impl ConnectionHandler for Hold {
        fn serve(&self, mut stream: TcpStream, _: SocketAddr, _: Arc<Config>) -> BoxFuture {
            Box::pin(async move {
                let _ = stream.write_all(b"hello\n").await;
                let mut buf = [0u8; 1];
                let _ = tokio::io::AsyncReadExt::read(&mut stream, &mut buf).await;
            })
        }
    }

    #[tokio::test]
    async fn maxproc_makes_extra_clients_wait() {
        use tokio::io::AsyncReadExt;
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("addr");
        let (_settings_tx, settings) = watch::channel(Arc::new(config()));
        let (stop_tx, stop) = watch::channel(false);
        let (sessions, mut ended) = mpsc::channel(1);
        let task = tokio::spawn(accept_loop(
            listener,
            Arc::new(Hold),
            limit(1),
            settings,
            stop,
            sessions,
        ));
        let mut first = TcpStream::connect(addr).await.expect("first");
        let mut buf = [0u8; 6];
        first.read_exact(&mut buf).await.expect("first greeted");
        let mut second = TcpStream::connect(addr).await.expect("second");
        // The second client is queued, not served: no greeting while the first holds
        // the only permit.
        let early = tokio::time::timeout(
            std::time::Duration::from_millis(200),
            second.read_exact(&mut buf),
        )
        .await;
        assert!(early.is_err(), "second client served over maxproc");
        drop(first);
        second.read_exact(&mut buf).await.expect("second greeted");
        drop(second);
        stop_tx.send(true).expect("stop");
        task.await.expect("loop ends");
        assert_eq!(ended.recv().await, None, "every session ended");
    }
}
