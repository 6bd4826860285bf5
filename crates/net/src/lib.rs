//! Network plumbing shared by the daemon, smtpd and the agents.
//!
//! - [`listen`]: where an `inet` service of master.cf listens (`host:port`, `port`,
//!   service names, `inet_interfaces`, `inet_protocols`) and binding those sockets.
//! - [`privileges`]: `mail_owner` lookup and the one-way drop to it after binding.
//! - [`control`]: the control-socket protocol between the commands and the daemon.
//! - [`pidfile`]: `pid/master.pid`, the lock that says the daemon runs.
//!
//! Owns: sockets and process identity. Never: speaks SMTP, reads main.cf itself (the
//! caller passes the values in), or decides which services run (that is `daemon`).

pub mod control;
pub mod listen;
pub mod pidfile;
pub mod privileges;
