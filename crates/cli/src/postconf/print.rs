//! postconf's printing modes: every parameter, `-n` (set in main.cf), `-d` (defaults),
//! named ones; `-h` (values only), `-H` (names only), `-x` (expanded), `-f` (folded).
//!
//! Which names exist: the registry, the per-service parameters master.cf implies, and
//! user-defined ones (set in main.cf and referenced as `$name` somewhere). A name set
//! in main.cf that is none of these draws Postfix's `unused parameter` warning.

use std::borrow::Cow;
use std::collections::BTreeSet;
use std::io::Write;
use std::path::Path;

use config::main_cf::{self, MainCf};
use config::master_cf::{self, MasterCf};
use config::settings::is_raw;
use config::{expand, params, Config, ConfigError};

use super::edit::io_text;
use super::{Diag, Fatal, Options};

/// Postfix folds `-f` output at this width, continuing with four spaces.
const FOLD_WIDTH: usize = 80;

pub(super) fn run(diag: &Diag<'_>, opts: &Options, config_dir: &Path) -> Result<(), Fatal> {
    let defaults_only = opts.has('d');
    let main_cf = if defaults_only {
        MainCf::default()
    } else {
        let path = config_dir.join("main.cf");
        let text = std::fs::read(&path).map_err(|source| {
            fatal(ConfigError::Io {
                path: path.clone(),
                source,
            })
        })?;
        let (cf, error) = main_cf::parse_partial(&String::from_utf8_lossy(&text), &path);
        for w in &cf.warnings {
            diag.warning(w.render(&cf.path));
        }
        if let Some(e) = error {
            return Err(fatal(e));
        }
        cf
    };
    let master = read_master(diag, config_dir)?;
    let config = Config::from_main_cf(config_dir, main_cf)
        .with_overrides(&opts.overrides)
        .with_master_cf(&master);

    let referenced = referenced_names(&config, &master);
    let known = |name: &str| {
        params::lookup(name).is_some()
            || config.service_names().any(|n| n == name)
            || (!defaults_only && config.raw(name).is_some() && referenced.contains(name))
    };
    if !defaults_only {
        scan_undefined(diag, &config)?;
    }

    let names: Vec<Cow<'_, str>> = if opts.operands.is_empty() {
        let mut all: BTreeSet<&str> = params::all().iter().map(|p| p.name).collect();
        all.extend(config.service_names());
        all.extend(config.explicit_names().into_iter().filter(|n| known(n)));
        all.into_iter()
            .filter(|n| !opts.has('n') || config.explicit_names().contains(n))
            .map(Cow::Borrowed)
            .collect()
    } else {
        opts.operands
            .iter()
            .map(|s| Cow::Borrowed(s.as_str()))
            .collect()
    };

    // Every value is computed before any is printed: an expansion error prints none.
    let mut lines = Vec::with_capacity(names.len());
    for name in &names {
        if !known(name) {
            diag.warning(format!("{name}: unknown parameter"));
            continue;
        }
        if opts.has('n') && !config.explicit_names().contains(&name.as_ref()) {
            continue;
        }
        let raw = if defaults_only {
            config.default_value(name).unwrap_or_default()
        } else {
            config.raw(name).unwrap_or_default()
        };
        let value = if opts.has('x') && !is_raw(name) {
            let expanded = if defaults_only {
                Config::default()
                    .with_master_cf(&master)
                    .expand_text(&raw, &mut |_| {})
            } else {
                config.expand_text(&raw, &mut |_| {})
            };
            match expanded {
                Ok(v) => Cow::Owned(v),
                Err(e) => {
                    diag.warning(e);
                    return Err(Fatal("macro processing error".to_owned()));
                }
            }
        } else {
            raw
        };
        let line = format_line(name, &value, opts);
        let line = if opts.has('f') { fold(&line) } else { line };
        lines.push(line);
    }
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    for line in &lines {
        let _ = writeln!(out, "{line}");
    }
    let _ = out.flush();
    drop(out);

    if !defaults_only {
        warn_unused(diag, &config, &known);
    }
    Ok(())
}

/// A config error as Postfix words a fatal one (`open ...: No such file or directory`).
fn fatal(e: ConfigError) -> Fatal {
    match e {
        ConfigError::Io { path, source } => {
            Fatal(format!("open {}: {}", path.display(), io_text(&source)))
        }
        other => Fatal(other.to_string()),
    }
}

/// master.cf, for the per-service parameters and the names its `-o` options refer to.
/// A missing file is a warning, as in Postfix.
fn read_master(diag: &Diag<'_>, config_dir: &Path) -> Result<MasterCf, Fatal> {
    let path = config_dir.join("master.cf");
    let text = match std::fs::read(&path) {
        Ok(text) => text,
        Err(e) => {
            diag.warning(format!("open {}: {}", path.display(), io_text(&e)));
            return Ok(MasterCf::default());
        }
    };
    match master_cf::parse(&String::from_utf8_lossy(&text), &path) {
        Ok(master) => Ok(master),
        // Until the master.cf parser is merged it reports itself as not built: carry
        // on without per-service parameters rather than refuse to print main.cf.
        Err(ConfigError::Other { message }) => {
            diag.warning(message);
            Ok(MasterCf::default())
        }
        Err(e) => Err(fatal(e)),
    }
}

/// Every name referred to as `$name` by a value in main.cf, an override or master.cf.
fn referenced_names(config: &Config, master: &MasterCf) -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    // A raw parameter's `$name`s are filled at use, not from main.cf.
    for entry in &config.main_cf().entries {
        if !is_raw(&entry.name) {
            names.extend(expand::references(&entry.value));
        }
    }
    for name in config.explicit_names() {
        if is_raw(name) {
            continue;
        }
        if let Some(v) = config.raw(name) {
            names.extend(expand::references(&v));
        }
    }
    for service in &master.services {
        for arg in &service.args {
            names.extend(expand::references(arg));
        }
    }
    names
}

/// Postfix checks every main.cf value for references to names defined nowhere
/// (`main.cf: undefined parameter: x`). Values are looked at one level deep: what a
/// referenced parameter refers to is checked with that parameter.
fn scan_undefined(diag: &Diag<'_>, config: &Config) -> Result<(), Fatal> {
    let path = config.main_cf().path.display().to_string();
    // Substituted values have their `$` doubled, so the scan never recurses.
    let shallow = |name: &str| config.raw(name).map(|v| v.replace('$', "$$"));
    for entry in &config.main_cf().entries {
        if is_raw(&entry.name) {
            continue;
        }
        let result = expand::expand(&entry.value, &shallow, &mut |name| {
            diag.warning(format!("{path}: undefined parameter: {name}"));
        });
        if let Err(e) = result {
            diag.warning(e);
            if params::lookup(&entry.name).is_some() {
                return Err(Fatal("macro processing error".to_owned()));
            }
        }
    }
    Ok(())
}

/// `unused parameter: name=value` for main.cf names nothing knows or refers to.
fn warn_unused(diag: &Diag<'_>, config: &Config, known: &dyn Fn(&str) -> bool) {
    let path = config.main_cf().path.display().to_string();
    let cf = config.main_cf();
    let mut warned = BTreeSet::new();
    for entry in &cf.entries {
        if known(&entry.name) || !warned.insert(entry.name.as_str()) {
            continue;
        }
        // The value in force is the last one.
        let value = cf.get(&entry.name).map_or("", |e| e.value.as_str());
        diag.warning(format!("{path}: unused parameter: {}={value}", entry.name));
    }
}

/// `name = value` with the value's white space runs collapsed to one space; `name =`
/// for an empty value; `-h` value only, `-H` name only.
fn format_line(name: &str, value: &str, opts: &Options) -> String {
    let words: Vec<&str> = value.split_ascii_whitespace().collect();
    let value = words.join(" ");
    if opts.has('H') {
        name.to_owned()
    } else if opts.has('h') {
        value
    } else if value.is_empty() {
        format!("{name} =")
    } else {
        format!("{name} = {value}")
    }
}

/// `-f`: break lines longer than 80 columns at white space, continuing with four
/// spaces.
fn fold(line: &str) -> String {
    let mut out = String::with_capacity(line.len() + 16);
    let mut width = 0;
    for word in line.split(' ') {
        if width > 0 && width + 1 + word.len() > FOLD_WIDTH {
            out.push_str("\n    ");
            width = 4;
        } else if width > 0 {
            out.push(' ');
            width += 1;
        }
        out.push_str(word);
        width += word.len();
    }
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn folds_like_postfix() {
        let numbers: Vec<String> = (1..=60).map(|n| n.to_string()).collect();
        let line = format!("relayhost = {}", numbers.join(" "));
        let folded = fold(&line);
        let lines: Vec<&str> = folded.lines().collect();
        assert_eq!(lines.len(), 3);
        assert!(lines[0].ends_with(" 26"));
        assert!(lines[1].starts_with("    27 ") && lines[1].ends_with(" 51"));
        assert!(lines[2].starts_with("    52 "));
    }

    #[test]
    fn formats_values() {
        let o = Options::default();
        assert_eq!(format_line("a", " x \t y ", &o), "a = x y");
        assert_eq!(format_line("a", "", &o), "a =");
    }
}
