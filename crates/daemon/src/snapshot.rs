//! Everything the daemon derives from the configuration directory, read and checked in
//! one go: at start, at `facteur master --check`, and at each reload (where a broken
//! result is refused and the running snapshot kept).
//!
//! Owns: reading main.cf and master.cf, validating every value the daemon itself uses,
//! planning the services. Never: binds, writes, or changes process state.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use config::{master_cf, Config, ConfigError};
use maillog::{Facility, SinkSettings};
use net::listen::{self, ListenError, Protocols};
use net::privileges::{self, PrivilegeError, UserIds};
use queue::Layout;

use crate::services::{self, Planned, Run, ServiceError};

/// A checked configuration.
pub struct Snapshot {
    pub config_dir: PathBuf,
    /// main.cf (with master.cf's per-service parameters known).
    pub config: Arc<Config>,
    pub services: Vec<Planned>,
    /// Where each listener binds, in `services` order (empty for internal services).
    pub endpoints: Vec<Vec<SocketAddr>>,
    pub layout: Layout,
    /// `mail_owner`, looked up and checked (Postfix checks it even when not root).
    pub mail_owner: UserIds,
    /// `setgid_group`'s gid: the group of maildrop/ and public/.
    pub setgid_group: u32,
    /// Where log lines go (syslog, `maillog_file`), checked as Postfix checks it.
    pub log: SinkSettings,
}

#[derive(Debug, thiserror::Error)]
pub enum SnapshotError {
    #[error("{0}")]
    Config(#[from] ConfigError),
    #[error("{0}")]
    Service(#[from] ServiceError),
    #[error("{0}")]
    Privilege(#[from] PrivilegeError),
    #[error("file {}: line {line}: service {name}: {source}", .path.display())]
    Listen {
        path: PathBuf,
        line: usize,
        name: String,
        #[source]
        source: ListenError,
    },
    /// A main.cf network parameter (`inet_protocols`) that does not check out.
    #[error("file {}: {source}", .path.display())]
    Network {
        path: PathBuf,
        #[source]
        source: ListenError,
    },
    #[error("{0}")]
    Other(String),
}

impl Snapshot {
    /// Reads and checks `config_dir`. `passwd` and `services` are the system files
    /// (/etc/passwd, /etc/services), passed in so tests need not own them.
    pub fn load(
        config_dir: &Path,
        passwd: &Path,
        services_file: &Path,
    ) -> Result<Snapshot, SnapshotError> {
        let config = Config::load(config_dir)?;
        let master_path = config_dir.join("master.cf");
        let text = std::fs::read_to_string(&master_path).map_err(|source| ConfigError::Io {
            path: master_path.clone(),
            source,
        })?;
        let master = master_cf::parse(&text, &master_path)?;
        let config = config.with_master_cf(&master);

        let mail_owner = privileges::mail_owner(
            &config.get("mail_owner")?,
            passwd,
            &config_dir.join("main.cf"),
        )?;
        let setgid_name = config.get("setgid_group")?;
        let setgid_group = privileges::group_id(&setgid_name, Path::new(privileges::GROUP_FILE))
            .ok_or_else(|| {
                SnapshotError::Other(format!(
                    "file {}: parameter setgid_group: unknown group name: {setgid_name}",
                    config_dir.join("main.cf").display()
                ))
            })?;
        let queue_directory = config.get("queue_directory")?;
        let hash_names = config.get_list("hash_queue_names")?;
        let hash_depth = config.get_int("hash_queue_depth")?;
        let layout = Layout::new(
            queue_directory,
            hash_names.iter().map(String::as_str),
            hash_depth.clamp(0, u32::MAX as i64) as u32,
        )
        .map_err(|e| SnapshotError::Other(e.to_string()))?;

        let planned = services::plan(&master.services, &config, &master_path)?;
        let protocols =
            Protocols::from_list(&config.get_list("inet_protocols")?).map_err(|source| {
                SnapshotError::Network {
                    path: config_dir.join("main.cf"),
                    source,
                }
            })?;
        let interfaces = config.get_list("inet_interfaces")?;
        let services_text = std::fs::read_to_string(services_file).unwrap_or_default();
        let mut endpoints = Vec::new();
        for p in &planned {
            endpoints.push(match p.run {
                Run::Listener(_) => {
                    listen::endpoints(&p.service.name, &interfaces, protocols, &services_text)
                        .map_err(|source| SnapshotError::Listen {
                            path: master_path.clone(),
                            line: p.service.line,
                            name: p.service.name.clone(),
                            source,
                        })?
                }
                Run::Internal(_) => Vec::new(),
            });
        }

        let main_cf = config_dir.join("main.cf");
        let facility: Facility = config
            .get("syslog_facility")?
            .parse()
            .map_err(|e| SnapshotError::Other(format!("file {}: {e}", main_cf.display())))?;
        let log = SinkSettings {
            facility,
            maillog_file: config.get("maillog_file")?,
            maillog_file_prefixes: config.get_list("maillog_file_prefixes")?,
            ..SinkSettings::new(config.get("syslog_name")?, config.get("myhostname")?)
        };
        maillog::sink::check_maillog_file(&log.maillog_file, &log.maillog_file_prefixes)
            .map_err(|e| SnapshotError::Other(e.to_string()))?;
        Ok(Snapshot {
            config_dir: config_dir.to_path_buf(),
            config: Arc::new(config),
            services: planned,
            endpoints,
            layout,
            mail_owner,
            setgid_group,
            log,
        })
    }

    /// The settings one service's sessions see: main.cf plus its `-o` overrides.
    pub fn service_settings(&self, index: usize) -> Arc<Config> {
        Arc::new(
            self.config
                .with_overrides(&self.services[index].service.overrides),
        )
    }

    /// Names of the services accepted but not running yet, for one start-up warning.
    pub fn not_available(&self) -> Vec<String> {
        self.services
            .iter()
            .filter(|p| matches!(p.run, Run::Internal(services::Internal::NotAvailable)))
            .map(|p| format!("{}/{}", p.service.name, p.service.kind))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PASSWD: &str = "root:x:0:0::/root:/bin/sh\nmailer:x:1001:1001::/:/bin/false\n";
    const MASTER: &str = "pickup unix n - n 60 1 pickup\npostlog unix-dgram n - n - 1 postlogd\n";

    /// A config dir with `main` (plus a mail_owner that exists in the test passwd).
    fn load(main: &str) -> Result<Snapshot, String> {
        let dir = tempfile::tempdir().expect("tempdir");
        let root = dir.path().display().to_string();
        std::fs::write(
            dir.path().join("main.cf"),
            format!("queue_directory = {root}/q\nmail_owner = mailer\nsetgid_group = root\n{main}"),
        )
        .expect("main.cf");
        std::fs::write(dir.path().join("master.cf"), MASTER).expect("master.cf");
        let passwd = dir.path().join("passwd");
        std::fs::write(&passwd, PASSWD).expect("passwd");
        Snapshot::load(dir.path(), &passwd, Path::new("/nonexistent/services"))
            .map_err(|e| e.to_string().replace(&root, "DIR"))
    }

    #[test]
    fn a_good_configuration_plans_every_service() {
        let s = load("").expect("snapshot");
        assert_eq!(
            s.mail_owner,
            UserIds {
                uid: 1001,
                gid: 1001
            }
        );
        assert_eq!(s.not_available(), vec!["pickup/unix", "postlog/unix-dgram"]);
        assert_eq!(s.endpoints, vec![Vec::<SocketAddr>::new(), Vec::new()]);
    }

    #[test]
    fn errors_name_the_file_and_parameter() {
        assert_eq!(
            load("mail_owner = root\n").err(),
            Some("file DIR/main.cf: parameter mail_owner: user root has privileged user ID".into())
        );
        assert_eq!(
            load("maillog_file = /tmp/x.log\n").err(),
            Some("maillog_file value '/tmp/x.log' does not match any prefix in maillog_file_prefixes".into())
        );
        assert_eq!(
            load("inet_protocols = ipv5\n").err(),
            Some("file DIR/main.cf: parameter inet_protocols: unknown value: ipv5".into())
        );
    }
}
