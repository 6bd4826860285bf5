//! Serves the control socket (`queue_directory/public/control`, protocol in
//! `net::control`): liveness now; flush, kick and showq for postqueue/mailq when qmgr
//! lands.
//!
//! Owns: reading one bounded request per connection and answering it. Never: blocks
//! the daemon on a slow client (each connection is its own task with a deadline).

use std::time::Duration;

use net::control::{Reply, Request, MAX_LINE};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::{UnixListener, UnixStream};
use tokio::sync::watch;

/// How long a client may take to send its request.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);

/// Answers requests until `stop` turns true.
pub async fn serve(listener: UnixListener, mut stop: watch::Receiver<bool>) {
    loop {
        let stream = tokio::select! {
            a = listener.accept() => match a {
                Ok((s, _)) => s,
                Err(_) => continue,
            },
            _ = stop.wait_for(|s| *s) => return,
        };
        tokio::spawn(async move {
            let _ = tokio::time::timeout(REQUEST_TIMEOUT, answer(stream)).await;
        });
    }
}

async fn answer(stream: UnixStream) -> std::io::Result<()> {
    let (read, mut write) = stream.into_split();
    let mut line = String::new();
    BufReader::new(read.take(MAX_LINE as u64))
        .read_line(&mut line)
        .await?;
    let reply = match Request::parse(&line) {
        Some(Request::Ping) | Some(Request::Status) => Reply::Alive {
            pid: std::process::id(),
            version: crate::VERSION.to_string(),
        },
        None => Reply::Error(format!("unknown request: {}", line.trim_end())),
    };
    write.write_all(reply.encode().as_bytes()).await?;
    write.shutdown().await
}
