//! `postconf -M`, `-F`, `-P` (master.cf services, their fields, their `-o`
//! parameters) and their edit forms `-Me -Fe -Pe -MX -PX -M#` (in [`edit`]).
//!
//! Owns: the selectors (`service[/type[/field-or-parameter]]`) and their checks, the
//! output formats, the "unmatched request" warnings and the exit codes, all as
//! Postfix 3.7's postconf. Never: parses postconf's command line (`mod.rs` does and
//! hands over a [`MasterOptions`]) nor master.cf syntax (`config::master_cf`).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use config::master_cf::{self, format_command, format_service, MasterCf, Service, LINE_LIMIT};

mod edit;
mod unused;

/// Which of `-M`, `-F`, `-P` was given.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MasterView {
    /// `-M`: whole service entries.
    Services,
    /// `-F`: `service/type/field = value`.
    Fields,
    /// `-P`: `service/type/parameter = value` for the `-o` overrides.
    Params,
}

/// What to do with the selected entries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum MasterEdit {
    /// Print them (no edit option).
    #[default]
    Show,
    /// `-e`: the operands are new values (`-Me 'smtp/inet = ...'`, `-Fe`, `-Pe`).
    Edit,
    /// `-X`: remove (`-MX service/type`, `-PX service/type/parameter`).
    Remove,
    /// `-#`: comment out (`-M# service/type`).
    Comment,
}

/// The part of postconf's command line that concerns master.cf.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MasterOptions {
    pub view: MasterView,
    pub edit: MasterEdit,
    /// `-f`: fold long lines.
    pub fold: bool,
    /// The non-option arguments: selectors, or `selector = value` with `-e`.
    pub operands: Vec<String>,
}

/// Field names of `-F`, in column order (Postfix's words for them).
pub const FIELD_NAMES: [&str; 8] = [
    "service",
    "type",
    "private",
    "unprivileged",
    "chroot",
    "wakeup",
    "process_limit",
    "command",
];

/// Runs the master.cf part of postconf on `config_dir/master.cf`, printing to the
/// process's stdout and stderr; `program` prefixes messages (`postconf: fatal: ...`).
pub fn run(program: &str, opts: &MasterOptions, config_dir: &Path) -> ExitCode {
    let mut out = std::io::stdout().lock();
    let mut err = std::io::stderr().lock();
    ExitCode::from(run_with(program, opts, config_dir, &mut out, &mut err))
}

/// [`run`] with the output streams passed in; returns the exit status.
pub fn run_with(
    program: &str,
    opts: &MasterOptions,
    config_dir: &Path,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> u8 {
    let mut report = Report { program, err };
    match run_inner(opts, config_dir, out, &mut report) {
        Ok(()) => 0,
        Err(Fatal(message)) => {
            report.line("fatal", &message);
            1
        }
    }
}

/// A message for `postconf: fatal: `; the command stops with status 1.
#[derive(Debug)]
pub(crate) struct Fatal(pub(crate) String);

pub(crate) struct Report<'a> {
    program: &'a str,
    err: &'a mut dyn Write,
}

impl Report<'_> {
    pub(crate) fn line(&mut self, severity: &str, message: &str) {
        // Postfix shows control characters in messages as "?".
        let message: String = message
            .chars()
            .map(|c| if c.is_ascii_control() { '?' } else { c })
            .collect();
        // Nothing useful can be done when stderr is gone.
        let _ = writeln!(self.err, "{}: {severity}: {message}", self.program);
    }

    pub(crate) fn warning(&mut self, message: &str) {
        self.line("warning", message);
    }
}

fn run_inner(
    opts: &MasterOptions,
    config_dir: &Path,
    out: &mut dyn Write,
    report: &mut Report<'_>,
) -> Result<(), Fatal> {
    if opts.edit != MasterEdit::Show {
        return edit::run(opts, config_dir, report);
    }
    let path = master_path(config_dir);
    let master = read_master(&path, report)?;
    // Postfix reads main.cf next (it must exist), and checks the selectors after.
    let main_path = config_dir.join("main.cf");
    let main_cf = std::fs::read(&main_path)
        .map_err(|e| Fatal(format!("open {}: {}", main_path.display(), io_reason(&e))))?;
    let selectors = opts
        .operands
        .iter()
        .map(|operand| Selector::parse(opts.view, operand))
        .collect::<Result<Vec<_>, _>>()?;
    let mut matched = vec![false; selectors.len()];
    let mut text = String::new();
    let params = params_by_entry(&master);
    for (service, params) in master.services.iter().zip(&params) {
        match opts.view {
            MasterView::Services => {
                let mut hit = selectors.is_empty();
                for (selector, seen) in selectors.iter().zip(&mut matched) {
                    if selector.matches(service) {
                        *seen = true;
                        hit = true;
                    }
                }
                if hit {
                    text.push_str(&format_service(service, opts.fold));
                    text.push('\n');
                }
            }
            MasterView::Fields if selectors.is_empty() => {
                print_fields(&mut text, service, None, opts.fold);
            }
            MasterView::Fields => {
                for (selector, seen) in selectors.iter().zip(&mut matched) {
                    if selector.matches(service) {
                        *seen = true;
                        print_fields(&mut text, service, selector.third.as_deref(), opts.fold);
                    }
                }
            }
            MasterView::Params if selectors.is_empty() => {
                print_params(&mut text, service, params, None, opts.fold);
            }
            MasterView::Params => {
                for (selector, seen) in selectors.iter().zip(&mut matched) {
                    if selector.matches(service) {
                        let only = selector.third.as_deref();
                        *seen |= print_params(&mut text, service, params, only, opts.fold);
                    }
                }
            }
        }
    }
    if let Err(e) = out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        return Err(Fatal(format!("write error: {}", io_reason(&e))));
    }
    for (operand, seen) in opts.operands.iter().zip(matched) {
        if !seen {
            report.warning(&format!("unmatched request: \"{operand}\""));
        }
    }
    for warning in unused::warnings(&master, config_dir, &String::from_utf8_lossy(&main_cf)) {
        report.warning(&warning);
    }
    Ok(())
}

pub(crate) fn master_path(config_dir: &Path) -> PathBuf {
    config_dir.join("master.cf")
}

/// Reads and parses master.cf, reporting its warnings.
pub(crate) fn read_master(path: &Path, report: &mut Report<'_>) -> Result<MasterCf, Fatal> {
    let text = std::fs::read(path)
        .map_err(|e| Fatal(format!("open {}: {}", path.display(), io_reason(&e))))?;
    let text = String::from_utf8_lossy(&text);
    master_cf::parse_with_warnings(&text, path, &mut |w| report.warning(&w.to_string()))
        .map_err(|e| Fatal(e.postfix_message()))
}

/// The strerror part of an I/O error, as C programs print it.
pub(crate) fn io_reason(err: &std::io::Error) -> String {
    let text = err.to_string();
    match text.find(" (os error") {
        Some(at) => text[..at].to_owned(),
        None => text,
    }
}

/// `service[/type[/field-or-parameter]]` on the command line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Selector {
    pub(crate) service: String,
    pub(crate) kind: Option<String>,
    /// `-F` field or `-P` parameter; `None` for all.
    pub(crate) third: Option<String>,
}

impl Selector {
    pub(crate) fn parse(view: MasterView, operand: &str) -> Result<Selector, Fatal> {
        // Empty components are skipped ("smtp//" is "smtp"), but not a leading one.
        let parts: Vec<&str> = operand.split('/').filter(|p| !p.is_empty()).collect();
        let max = match view {
            MasterView::Services => 2,
            MasterView::Fields | MasterView::Params => 3,
        };
        if operand.starts_with('/') || parts.is_empty() || parts.len() > max {
            return Err(Fatal(
                match view {
                    MasterView::Services => "-M option requires service_name[/type]",
                    MasterView::Fields => "-F option requires service_name[/type[/field]]",
                    MasterView::Params => "-P option requires service_name[/type[/parameter]]",
                }
                .to_owned(),
            ));
        }
        let third = parts.get(2).map(|s| (*s).to_owned());
        if view == MasterView::Fields {
            if let Some(field) = third.as_deref() {
                if !FIELD_NAMES.contains(&field) {
                    return Err(Fatal(format!(
                        "invalid service attribute name: \"{field}\""
                    )));
                }
            }
        }
        Ok(Selector {
            service: parts[0].to_owned(),
            kind: parts.get(1).map(|s| (*s).to_owned()),
            third,
        })
    }

    pub(crate) fn matches(&self, service: &Service) -> bool {
        self.service == service.name && self.kind.as_ref().is_none_or(|k| *k == service.kind)
    }
}

/// The value `-F` shows for `field` (one of [`FIELD_NAMES`]), to follow `prefix_len`
/// bytes of `service/type/field = `.
fn field_value(service: &Service, field: &str, prefix_len: usize, fold: bool) -> String {
    let value = match field {
        "service" => &service.name,
        "type" => &service.kind,
        "private" => &service.private,
        "unprivileged" => &service.unpriv,
        "chroot" => &service.chroot,
        "wakeup" => &service.wakeup,
        "process_limit" => &service.maxproc,
        _ => &service.command,
    };
    // Postfix moves the first word of the value to a continuation line when it would
    // end past column 80, folding or not.
    let wrap = prefix_len + value.len() > LINE_LIMIT;
    let column = match wrap {
        true => INDENT.len(),
        false => prefix_len,
    };
    let text = match field {
        "command" => format_command(service, column, fold),
        _ => value.clone(),
    };
    match wrap {
        true => format!("\n{INDENT}{text}"),
        false => text,
    }
}

/// Indents a continuation line of `-F` output.
const INDENT: &str = "    ";

fn print_fields(text: &mut String, service: &Service, field: Option<&str>, fold: bool) {
    for name in FIELD_NAMES {
        if field.is_some_and(|f| f != name) {
            continue;
        }
        let prefix = format!("{}/{}/{name} = ", service.name, service.kind);
        let value = field_value(service, name, prefix.len(), fold);
        text.push_str(&prefix);
        text.push_str(&value);
        text.push('\n');
    }
}

/// Prints `params`, the `-o` parameters of `service` (all, or the one named). Returns
/// whether anything was printed.
fn print_params(
    text: &mut String,
    service: &Service,
    params: &[(String, String)],
    name: Option<&str>,
    fold: bool,
) -> bool {
    let mut printed = false;
    for (n, v) in params {
        if name.is_none_or(|want| want == n) {
            let line = format!("{}/{}/{n} = {v}", service.name, service.kind);
            // An empty value leaves no space after "=", as Postfix prints it.
            let line = line.trim_end_matches(' ');
            match fold {
                true => text.push_str(&fold_words(line)),
                false => text.push_str(line),
            }
            text.push('\n');
            printed = true;
        }
    }
    printed
}

/// The `-o` parameters each entry has as Postfix sees them: one set per
/// `service/type`, so entries that share one (a mistake master(8) rejects) share all
/// their settings, the last setting of a name winning; sorted by name.
pub(crate) fn params_by_entry(master: &MasterCf) -> Vec<Vec<(String, String)>> {
    type Settings = Vec<(String, String)>;
    let mut sets: Vec<((&str, &str), Settings)> = Vec::new();
    for service in &master.services {
        let key = (service.name.as_str(), service.kind.as_str());
        let at = match sets.iter().position(|(k, _)| *k == key) {
            Some(at) => at,
            None => {
                sets.push((key, Vec::new()));
                sets.len() - 1
            }
        };
        let set = &mut sets[at].1;
        for (n, v) in &service.overrides {
            match set.iter_mut().find(|(seen, _)| seen == n) {
                Some(slot) => slot.1.clone_from(v),
                None => set.push((n.clone(), v.clone())),
            }
        }
    }
    for (_, set) in &mut sets {
        set.sort_by(|a, b| a.0.cmp(&b.0));
    }
    master
        .services
        .iter()
        .map(|s| {
            sets.iter()
                .find(|(k, _)| *k == (s.name.as_str(), s.kind.as_str()))
                .map(|(_, set)| set.clone())
                .unwrap_or_default()
        })
        .collect()
}

/// `-Pf`: breaks `name = value` at spaces so that lines stay within 80 columns where
/// words allow, continuation lines indented.
fn fold_words(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    let mut line_len = 0;
    for word in line.split(' ') {
        if line_len == 0 {
            out.push_str(word);
            line_len = word.len();
        } else if line_len + 1 + word.len() > LINE_LIMIT {
            out.push('\n');
            out.push_str(INDENT);
            out.push_str(word);
            line_len = INDENT.len() + word.len();
        } else {
            out.push(' ');
            out.push_str(word);
            line_len += 1 + word.len();
        }
    }
    out
}

#[cfg(test)]
mod tests;
