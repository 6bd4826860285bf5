//! `Config`: main.cf read once, with registry defaults under it and `-o` overrides
//! over it; typed getters that expand `$name` at use and name file, line and
//! parameter in every error. Immutable: a reload builds a new one, and later crates
//! share it as `Arc<Config>`.
//!
//! Owns: which value a name has (override, then main.cf, then per-service default
//! derived from master.cf, then the registry default). Never: edits files (that is
//! `main_cf::edit`) or prints anything.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::expand::{self, ExpandError};
use crate::main_cf::{self, MainCf};
use crate::master_cf::MasterCf;
use crate::params::{self, Kind};
use crate::value::{self, ValueError};
use crate::ConfigError;

/// Postfix's compiled-in config directory: the registry default of `config_directory`.
const POSTFIX_CONFIG_DIRECTORY: &str = "/etc/postfix";

/// Where a value came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    /// main.cf, at this line.
    MainCf { line: usize },
    /// A `-o name=value` override (or `-c DIR` for `config_directory`).
    Override,
    /// A per-service default derived from master.cf (`maildrop_time_limit`).
    Service,
    /// The registry default.
    Default,
}

/// The settings in force: immutable.
#[derive(Debug, Clone)]
pub struct Config {
    config_dir: PathBuf,
    main_cf: MainCf,
    /// Effective main.cf values (last entry wins) with their line.
    main_values: BTreeMap<String, (String, usize)>,
    overrides: BTreeMap<String, String>,
    service_defaults: BTreeMap<String, (&'static str, Kind)>,
}

impl Default for Config {
    fn default() -> Config {
        Config::from_main_cf(Path::new(POSTFIX_CONFIG_DIRECTORY), MainCf::default())
    }
}

impl Config {
    /// Reads `config_dir/main.cf` over the registry defaults.
    pub fn load(config_dir: &Path) -> Result<Config, ConfigError> {
        let main_cf = main_cf::read(&config_dir.join("main.cf"))?;
        Ok(Config::from_main_cf(config_dir, main_cf))
    }

    /// A `Config` from an already parsed main.cf (tests, fuzzing, postconf).
    pub fn from_main_cf(config_dir: &Path, main_cf: MainCf) -> Config {
        let main_values = main_cf
            .entries
            .iter()
            .map(|e| (e.name.clone(), (e.value.clone(), e.line)))
            .collect();
        let mut overrides = BTreeMap::new();
        // As Postfix: a config directory other than the compiled-in one is a setting.
        if config_dir != Path::new(POSTFIX_CONFIG_DIRECTORY) {
            overrides.insert(
                "config_directory".to_owned(),
                config_dir.display().to_string(),
            );
        }
        Config {
            config_dir: config_dir.to_owned(),
            main_cf,
            main_values,
            overrides,
            service_defaults: BTreeMap::new(),
        }
    }

    /// A new `Config` with `-o name=value` overrides on top of this one.
    pub fn with_overrides<N: AsRef<str>, V: AsRef<str>>(&self, overrides: &[(N, V)]) -> Config {
        let mut next = self.clone();
        for (name, value) in overrides {
            next.overrides
                .insert(name.as_ref().to_owned(), value.as_ref().to_owned());
        }
        next
    }

    /// A new `Config` that also knows the per-service parameters master.cf implies
    /// (`maildrop_destination_concurrency_limit = $default_destination_concurrency_limit`).
    pub fn with_master_cf(&self, master: &MasterCf) -> Config {
        let mut next = self.clone();
        next.service_defaults = service_parameters(master)
            .into_iter()
            .map(|p| (p.name, (p.default, p.kind)))
            .collect();
        next
    }

    pub fn config_dir(&self) -> &Path {
        &self.config_dir
    }

    pub fn main_cf(&self) -> &MainCf {
        &self.main_cf
    }

    /// Whether main.cf sets `name` (as `postconf -n` reports).
    pub fn is_set_in_main_cf(&self, name: &str) -> bool {
        self.main_values.contains_key(name)
    }

    /// The names set explicitly (main.cf, overrides), sorted.
    pub fn explicit_names(&self) -> Vec<&str> {
        let mut names: Vec<&str> = self
            .main_values
            .keys()
            .chain(self.overrides.keys())
            .map(String::as_str)
            .collect();
        names.sort_unstable();
        names.dedup();
        names
    }

    /// Per-service parameter names derived from master.cf, sorted.
    pub fn service_names(&self) -> impl Iterator<Item = &str> {
        self.service_defaults.keys().map(String::as_str)
    }

    /// The default of `name`: per-service, else the registry's (`postconf -d`).
    pub fn default_value(&self, name: &str) -> Option<Cow<'_, str>> {
        if let Some((v, _)) = self.service_defaults.get(name) {
            return Some(Cow::Borrowed(v));
        }
        registry_default(name)
    }

    /// The raw (unexpanded) value of `name` and where it came from; `None` when the
    /// name is neither set nor known.
    pub fn raw_with_origin(&self, name: &str) -> Option<(Cow<'_, str>, Origin)> {
        if let Some(v) = self.overrides.get(name) {
            return Some((Cow::Borrowed(v), Origin::Override));
        }
        if let Some((v, line)) = self.main_values.get(name) {
            return Some((Cow::Borrowed(v), Origin::MainCf { line: *line }));
        }
        if let Some((v, _)) = self.service_defaults.get(name) {
            return Some((Cow::Borrowed(v), Origin::Service));
        }
        registry_default(name).map(|v| (v, Origin::Default))
    }

    /// The raw (unexpanded) value of `name`.
    pub fn raw(&self, name: &str) -> Option<Cow<'_, str>> {
        self.raw_with_origin(name).map(|(v, _)| v)
    }

    /// Expands `text` against these settings; undefined names become empty and are
    /// passed to `undefined`.
    pub fn expand_text(
        &self,
        text: &str,
        undefined: &mut dyn FnMut(&str),
    ) -> Result<String, ExpandError> {
        expand::expand(text, self, undefined)
    }

    /// The expanded value of `name` (empty when undefined). Parameters in
    /// `RAW_PARAMETERS` come back unexpanded: their `$name`s are filled at use.
    pub fn get(&self, name: &str) -> Result<String, ConfigError> {
        let raw = self.raw(name).unwrap_or_default();
        if is_raw(name) {
            return Ok(raw.into_owned());
        }
        self.expand_text(&raw, &mut |_| {})
            .map_err(|source| ConfigError::Expand {
                name: name.to_owned(),
                source,
            })
    }

    /// The kind of `name`: the registry's, or a per-service parameter's.
    fn kind(&self, name: &str) -> Option<Kind> {
        params::lookup(name)
            .map(|p| p.kind)
            .or_else(|| self.service_defaults.get(name).map(|(_, k)| *k))
    }

    fn bad_value(&self, name: &str, source: ValueError) -> ConfigError {
        let (path, line) = match self.raw_with_origin(name) {
            Some((_, Origin::MainCf { line })) => (Some(self.main_cf.path.clone()), line),
            _ => (None, 0),
        };
        ConfigError::BadValue {
            path,
            line,
            name: name.to_owned(),
            source,
        }
    }

    /// A `yes`/`no` parameter.
    pub fn get_bool(&self, name: &str) -> Result<bool, ConfigError> {
        let v = self.get(name)?;
        value::parse_bool(name, v.trim()).map_err(|e| self.bad_value(name, e))
    }

    /// An integer parameter within the registry's bounds.
    pub fn get_int(&self, name: &str) -> Result<i64, ConfigError> {
        let (min, max) = match self.kind(name) {
            Some(Kind::Int { min, max }) => (min, max),
            _ => (i64::from(i32::MIN), 0),
        };
        let v = self.get(name)?;
        value::parse_int(name, v.trim(), min, max).map_err(|e| self.bad_value(name, e))
    }

    /// A time parameter, in seconds.
    pub fn get_time(&self, name: &str) -> Result<i64, ConfigError> {
        let (unit, min, max) = match self.kind(name) {
            Some(Kind::Time { unit, min, max }) => (unit, min, max),
            _ => ('s', 0, 0),
        };
        let v = self.get(name)?;
        value::parse_time(name, v.trim(), unit, min, max).map_err(|e| self.bad_value(name, e))
    }

    /// A byte-count parameter.
    pub fn get_size(&self, name: &str) -> Result<i64, ConfigError> {
        let min = match self.kind(name) {
            Some(Kind::Size { min }) => min,
            _ => 0,
        };
        let v = self.get(name)?;
        value::parse_size(name, v.trim(), min, 0).map_err(|e| self.bad_value(name, e))
    }

    /// A list parameter, expanded then split on commas and white space.
    pub fn get_list(&self, name: &str) -> Result<Vec<String>, ConfigError> {
        Ok(value::split_list(&self.get(name)?))
    }
}

impl expand::Lookup for Config {
    fn raw(&self, name: &str) -> Option<Cow<'_, str>> {
        Config::raw(self, name)
    }
}

/// Parameters whose `$name`s are not main.cf parameters but filled at use by the
/// program (`$home`, `$rbl_code` ...): never expanded as configuration, and printed
/// unexpanded by `postconf -x` (Postfix's "raw" parameters).
pub const RAW_PARAMETERS: &[&str] = &[
    "command_execution_directory",
    "default_rbl_reply",
    "forward_path",
    "luser_relay",
    "mailbox_command",
    "postscreen_expansion_filter",
    "postscreen_reject_footer",
    "smtpd_expansion_filter",
    "smtpd_reject_footer",
];

/// Whether `name` is one of `RAW_PARAMETERS`.
pub fn is_raw(name: &str) -> bool {
    RAW_PARAMETERS.contains(&name)
}

/// The registry default of `name`, computing host-dependent ones.
fn registry_default(name: &str) -> Option<Cow<'static, str>> {
    match params::lookup(name)?.default {
        params::Default::Text(text) => Some(Cow::Borrowed(text)),
        params::Default::Host => params::host_default(name).map(Cow::Owned),
    }
}

/// The per-service parameters master.cf implies (names, kinds, defaults from the
/// registry's `service_params`), for every service the first time it appears.
pub fn service_parameters(master: &MasterCf) -> Vec<params::ServiceParam> {
    let mut out: Vec<params::ServiceParam> = Vec::new();
    for service in &master.services {
        for p in params::service_params(&service.name, &service.command) {
            if !out.iter().any(|o| o.name == p.name) {
                out.push(p);
            }
        }
    }
    out.sort_by(|a, b| a.name.cmp(&b.name));
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::master_cf::Service;

    fn config(text: &str) -> Config {
        let cf = main_cf::parse(text, Path::new("/c/main.cf")).expect("parse");
        Config::from_main_cf(Path::new("/c"), cf)
    }

    #[test]
    fn layers_and_expansion() {
        let c = config("a = $b-x\nb = one\nb = two\nn = 10\n");
        assert_eq!(c.get("a").unwrap(), "two-x");
        assert_eq!(c.raw("a").as_deref(), Some("$b-x"));
        assert_eq!(c.get("undefined_thing").unwrap(), "");
        assert!(c.is_set_in_main_cf("b"));
        assert_eq!(c.raw("config_directory").as_deref(), Some("/c"));
        let o = c.with_overrides(&[("b", "three")]);
        assert_eq!(o.get("a").unwrap(), "three-x");
        assert_eq!(c.get("a").unwrap(), "two-x", "the original is unchanged");
        assert_eq!(
            o.raw_with_origin("b").map(|(_, o)| o),
            Some(Origin::Override)
        );
    }

    #[test]
    fn typed_getters_name_file_and_line() {
        let c = config("t = 5m\nf = YES\nbad = abc\nl = a, b {c d}\nloop = $loop\n");
        assert_eq!(c.get_time("t").unwrap(), 300);
        assert!(c.get_bool("f").unwrap());
        assert_eq!(
            c.get_int("bad").unwrap_err().to_string(),
            "/c/main.cf, line 3: bad numerical configuration: bad = abc"
        );
        assert_eq!(c.get_list("l").unwrap(), ["a", "b", "c d"]);
        assert_eq!(
            c.get("loop").unwrap_err().to_string(),
            "unreasonable macro call nesting: \"loop\""
        );
        let o = c.with_overrides(&[("t", "x")]);
        assert_eq!(
            o.get_time("t").unwrap_err().to_string(),
            "parameter t: bad time value or unit: x"
        );
    }

    #[test]
    fn service_parameters_for_delivery_agents() {
        let svc = |name: &str, command: &str| Service {
            name: name.into(),
            kind: "unix".into(),
            private: "-".into(),
            unpriv: "n".into(),
            chroot: "n".into(),
            wakeup: "-".into(),
            maxproc: "-".into(),
            command: command.into(),
            args: vec![],
            overrides: vec![],
            line: 1,
        };
        let master = MasterCf {
            services: vec![svc("maildrop", "pipe"), svc("discard", "discard")],
        };
        let params = service_parameters(&master);
        assert_eq!(params.len(), 17);
        assert!(params
            .iter()
            .any(|p| p.name == "maildrop_destination_concurrency_limit"
                && p.default == "$default_destination_concurrency_limit"));
        let c = config("maildrop_time_limit = 0\n").with_master_cf(&master);
        assert_eq!(
            c.default_value("maildrop_time_limit").as_deref(),
            Some("$command_time_limit")
        );
        assert_eq!(
            c.get_time("maildrop_time_limit").unwrap_err().to_string(),
            "/c/main.cf, line 1: invalid maildrop_time_limit: 0 (min 1)"
        );
    }
}
