//! `CleanupSettings`: the cleanup parameters of one configuration snapshot, read and
//! their tables opened once (at start and on reload), then shared as
//! `Arc<CleanupSettings>` by every session.
//!
//! Owns: which main.cf parameters cleanup reads, and refusing the ones it cannot honour
//! yet. Never: reads main.cf itself (the caller passes a `config::Config`).

use std::sync::Arc;

use config::{Config, ConfigError};
use tables::{Table, TableError};

use route::RouteSettings;

use crate::canonical::Canonical;
use crate::checks::CheckTables;
use crate::rewrite::VirtualAlias;

/// Parameters that change what is accepted or what a message says, which cleanup does
/// not act on yet. Setting one is an error at start.
pub const NOT_YET: &[&str] = &["message_reject_characters", "message_strip_characters"];

#[derive(Debug, Clone)]
pub struct CleanupSettings {
    pub myhostname: String,
    pub mail_name: String,
    pub header_size_limit: usize,
    pub hopcount_limit: usize,
    pub body_checks_size_limit: usize,
    /// message_size_limit in bytes; 0 means none.
    pub message_size_limit: u64,
    pub always_add_missing_headers: bool,
    /// message_drop_headers, lower case.
    pub drop_headers: Vec<String>,
    pub checks: CheckTables,
    /// content_filter, recorded in every queue file when set.
    pub content_filter: Option<String>,
    pub duplicate_filter_limit: usize,
    /// enable_original_recipient: when off, the original address is not kept.
    pub enable_original_recipient: bool,
    pub virtual_alias: VirtualAlias,
    /// Canonical form, canonical maps and masquerading of envelope addresses.
    pub canonical: Canonical,
    /// trivial-rewrite's settings, shared with smtpd and qmgr.
    pub route: Arc<RouteSettings>,
    pub mime_nesting_limit: usize,
    pub mime_boundary_length_limit: usize,
    /// disable_mime_input_processing: every line after the primary headers is body.
    pub disable_mime: bool,
    /// cleanup_replace_stray_cr_lf: a CR inside a line becomes a space.
    pub replace_stray_cr: bool,
    /// undisclosed_recipients_header; empty adds none.
    pub undisclosed_recipients_header: String,
}

/// Why settings could not be built.
#[derive(Debug, thiserror::Error)]
pub enum SettingsError {
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error("{parameter}: {source}")]
    Table {
        parameter: &'static str,
        #[source]
        source: TableError,
    },
    /// A parameter facteur's cleanup does not implement yet is set.
    #[error("parameter {0} is not supported yet by cleanup")]
    NotYet(&'static str),
    /// Header address rewriting is asked for (a `header_*` class of a canonical map or
    /// of masquerading), which cleanup does not do yet.
    #[error("{0}: header address rewriting (header_sender, header_recipient) is not supported yet by cleanup; list only envelope_sender, envelope_recipient")]
    HeaderRewriting(&'static str),
}

fn open_list(config: &Config, name: &'static str) -> Result<Vec<Arc<dyn Table>>, SettingsError> {
    config
        .get_list(name)?
        .iter()
        .map(|spec| {
            tables::open(spec, &tables::OpenOptions::default()).map_err(|source| {
                SettingsError::Table {
                    parameter: name,
                    source,
                }
            })
        })
        .collect()
}

fn usize_of(config: &Config, name: &str) -> Result<usize, ConfigError> {
    Ok(usize::try_from(config.get_int(name)?).unwrap_or(0))
}

/// The canonical-map passes for one envelope class, refusing header classes.
fn passes(
    config: &Config,
    maps: &[(&'static str, &'static str)],
    class: &str,
    no_mappings: bool,
) -> Result<Vec<Vec<Arc<dyn Table>>>, SettingsError> {
    let mut out = Vec::new();
    if no_mappings {
        return Ok(out);
    }
    for &(name, classes) in maps {
        let tables = open_list(config, name)?;
        if tables.is_empty() {
            continue;
        }
        let classes = config.get_list(classes)?;
        if classes.iter().any(|c| c.starts_with("header_")) {
            return Err(SettingsError::HeaderRewriting(classes_name(name)));
        }
        if classes.iter().any(|c| c == class) {
            out.push(tables);
        }
    }
    Ok(out)
}

fn classes_name(maps: &str) -> &'static str {
    match maps {
        "sender_canonical_maps" => "sender_canonical_classes",
        "recipient_canonical_maps" => "recipient_canonical_classes",
        _ => "canonical_classes",
    }
}

impl CleanupSettings {
    /// The settings from `config`; `route` is trivial-rewrite's snapshot of the same
    /// configuration.
    pub fn from_config(
        config: &Config,
        route: Arc<RouteSettings>,
    ) -> Result<CleanupSettings, SettingsError> {
        let mut local_domains = config.get_list("mydestination")?;
        local_domains.push(config.get("myorigin")?);
        let filter = config.get("content_filter")?;
        // receive_override_options (Postfix cleanup(8)): what a re-injecting smtpd
        // or pickup turns off because it was done before the content filter.
        let overrides = config.get_list("receive_override_options")?;
        let off = |o: &str| overrides.iter().any(|x| x.eq_ignore_ascii_case(o));
        let no_checks = off("no_header_body_checks");
        let no_mappings = off("no_address_mappings");
        for name in NOT_YET {
            if !no_mappings && !config.get(name)?.trim().is_empty() {
                return Err(SettingsError::NotYet(name));
            }
        }
        let propagate = config.get_list("propagate_unmatched_extensions")?;
        let sender_maps = [
            ("sender_canonical_maps", "sender_canonical_classes"),
            ("canonical_maps", "canonical_classes"),
        ];
        let recipient_maps = [
            ("recipient_canonical_maps", "recipient_canonical_classes"),
            ("canonical_maps", "canonical_classes"),
        ];
        let masquerade_domains = config.get_list("masquerade_domains")?;
        let masquerade_classes = config.get_list("masquerade_classes")?;
        if !no_mappings
            && !masquerade_domains.is_empty()
            && masquerade_classes.iter().any(|c| c.starts_with("header_"))
        {
            return Err(SettingsError::HeaderRewriting("masquerade_classes"));
        }
        let canonical = Canonical {
            sender_passes: passes(config, &sender_maps, "envelope_sender", no_mappings)?,
            recipient_passes: passes(config, &recipient_maps, "envelope_recipient", no_mappings)?,
            propagate_extension: propagate.iter().any(|p| p == "canonical"),
            masquerade_sender: !no_mappings
                && masquerade_classes.iter().any(|c| c == "envelope_sender"),
            masquerade_recipient: !no_mappings
                && masquerade_classes.iter().any(|c| c == "envelope_recipient"),
            masquerade_domains,
            masquerade_exceptions: config.get_list("masquerade_exceptions")?,
        };
        Ok(CleanupSettings {
            myhostname: config.get("myhostname")?,
            mail_name: config.get("mail_name")?,
            header_size_limit: usize_of(config, "header_size_limit")?,
            hopcount_limit: usize_of(config, "hopcount_limit")?,
            body_checks_size_limit: usize_of(config, "body_checks_size_limit")?,
            message_size_limit: u64::try_from(config.get_size("message_size_limit")?).unwrap_or(0),
            always_add_missing_headers: config.get_bool("always_add_missing_headers")?,
            drop_headers: config
                .get_list("message_drop_headers")?
                .into_iter()
                .map(|h| h.to_ascii_lowercase())
                .collect(),
            checks: if no_checks {
                CheckTables::default()
            } else {
                CheckTables {
                    header: open_list(config, "header_checks")?,
                    mime_header: open_list(config, "mime_header_checks")?,
                    nested_header: open_list(config, "nested_header_checks")?,
                    body: open_list(config, "body_checks")?,
                }
            },
            content_filter: (!filter.trim().is_empty()).then(|| filter.trim().to_string()),
            duplicate_filter_limit: usize_of(config, "duplicate_filter_limit")?,
            enable_original_recipient: config.get_bool("enable_original_recipient")?,
            canonical,
            route,
            virtual_alias: VirtualAlias {
                maps: if no_mappings {
                    Vec::new()
                } else {
                    open_list(config, "virtual_alias_maps")?
                },
                expansion_limit: usize_of(config, "virtual_alias_expansion_limit")?,
                recursion_limit: usize_of(config, "virtual_alias_recursion_limit")?,
                delimiters: config.get("recipient_delimiter")?,
                propagate_extension: propagate.iter().any(|p| p == "virtual"),
                local_domains,
            },
            mime_nesting_limit: usize_of(config, "mime_nesting_limit")?,
            mime_boundary_length_limit: usize_of(config, "mime_boundary_length_limit")?,
            disable_mime: config.get_bool("disable_mime_input_processing")?,
            replace_stray_cr: config.get_bool("cleanup_replace_stray_cr_lf")?,
            undisclosed_recipients_header: config.get("undisclosed_recipients_header")?,
        })
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use std::path::Path;

    fn config(main_cf: &str) -> Config {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("main.cf"), main_cf).unwrap();
        Config::load(dir.path()).unwrap()
    }

    fn settings(main_cf: &str) -> Result<CleanupSettings, SettingsError> {
        let c = config(main_cf);
        let route = Arc::new(RouteSettings::new(&c, &[]).unwrap());
        CleanupSettings::from_config(&c, route)
    }

    #[test]
    fn postfix_defaults() {
        let s = settings("myhostname = mx.example.test\n").unwrap();
        assert_eq!(s.header_size_limit, 102_400);
        assert_eq!(s.hopcount_limit, 50);
        assert_eq!(s.body_checks_size_limit, 51_200);
        assert_eq!(s.message_size_limit, 10_240_000);
        assert_eq!(
            s.drop_headers,
            vec!["bcc", "content-length", "resent-bcc", "return-path"]
        );
        assert!(s.checks.header.is_empty());
        assert!(s.virtual_alias.maps.is_empty());
        assert_eq!(s.content_filter, None);
        assert_eq!(s.mail_name, "Postfix");
        let _ = Path::new("/");
    }

    #[test]
    fn mime_checks_default_to_header_checks() {
        let s = settings("header_checks = inline:{a=b}\ncontent_filter = smtp:[127.0.0.1]:10025\n")
            .unwrap();
        assert_eq!(s.checks.mime_header.len(), 1);
        assert_eq!(s.checks.nested_header.len(), 1);
        assert_eq!(s.content_filter.as_deref(), Some("smtp:[127.0.0.1]:10025"));
    }

    #[test]
    fn receive_override_options() {
        let s = settings(
            "header_checks = inline:{a=b}\nvirtual_alias_maps = inline:{a=b}\n\
             receive_override_options = no_header_body_checks, no_address_mappings\n",
        )
        .unwrap();
        assert!(s.checks.header.is_empty() && s.checks.mime_header.is_empty());
        assert!(s.virtual_alias.maps.is_empty());
    }

    #[test]
    fn unsupported_rewriting_is_refused() {
        let e = settings("canonical_maps = inline:{a=b}\n").unwrap_err();
        assert!(matches!(
            e,
            SettingsError::HeaderRewriting("canonical_classes")
        ));
        let ok = settings("canonical_maps = inline:{a=b}\ncanonical_classes = envelope_sender\n")
            .unwrap();
        assert_eq!(ok.canonical.sender_passes.len(), 1);
        assert!(ok.canonical.recipient_passes.is_empty());
        let e = settings("masquerade_domains = example.com\n").unwrap_err();
        assert!(matches!(
            e,
            SettingsError::HeaderRewriting("masquerade_classes")
        ));
        let e = settings("message_strip_characters = x\n").unwrap_err();
        assert!(matches!(
            e,
            SettingsError::NotYet("message_strip_characters")
        ));
    }
}
