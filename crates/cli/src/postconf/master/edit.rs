//! `-Me -Fe -Pe -MX -PX -M#`: in-place edits of master.cf, as Postfix 3.7 makes them.
//!
//! Entries no edit touches keep their text, comments stay where they are; an entry
//! that is changed is written back in the folded `postconf -Mf` layout: where it
//! started for `-Me`, where it ended for `-Fe -Pe -PX` (so comments between its lines
//! come out before it, as Postfix has them); `-M#` puts `#` before each of
//! its lines; `-MX` drops them. A `-Me` for a service not in the file appends it.

use std::io::Write;
use std::path::Path;

use config::master_cf::{self, column_is_valid, format_service, split_name_value, Service};

use super::{
    io_reason, master_path, read_master, Fatal, MasterEdit, MasterOptions, MasterView, Report,
    FIELD_NAMES,
};

/// One requested change, checked before master.cf is read.
#[derive(Debug, Clone)]
enum Change {
    /// `-Me service/type = entry`
    Replace { key: Key, entry: Service },
    /// `-Fe service/type/field = value`
    Field {
        key: Key,
        field: String,
        value: String,
        operand: String,
    },
    /// `-Pe service/type/name = value`
    SetParam {
        key: Key,
        name: String,
        value: String,
        operand: String,
    },
    /// `-PX service/type/name`
    RemoveParam {
        key: Key,
        name: String,
        operand: String,
    },
    /// `-MX service/type`
    Remove { key: Key },
    /// `-M# service/type`
    Comment { key: Key },
}

/// `service/type`.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Key {
    name: String,
    kind: String,
}

impl Key {
    fn matches(&self, service: &Service) -> bool {
        self.name == service.name && self.kind == service.kind
    }
}

/// What becomes of one entry of the file.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Fate {
    Keep,
    /// Written where the old entry started (`-Me` does not need the old text).
    Replace,
    /// Written where the old entry ended (after comments among its lines).
    Rewrite,
    Remove,
    Comment,
}

pub(super) fn run(
    opts: &MasterOptions,
    config_dir: &Path,
    report: &mut Report<'_>,
) -> Result<(), Fatal> {
    let changes = opts
        .operands
        .iter()
        .map(|operand| parse_change(opts, operand, report))
        .collect::<Result<Vec<_>, _>>()?;
    let path = master_path(config_dir);
    let mut master = read_master(&path, report)?;
    let mut fates = vec![Fate::Keep; master.services.len()];
    let mut appended = Vec::new();
    for change in changes {
        apply(
            change,
            &mut master.services,
            &mut fates,
            &mut appended,
            report,
        );
    }
    let text = std::fs::read(&path)
        .map_err(|e| Fatal(format!("open {}: {}", path.display(), io_reason(&e))))?;
    let text = String::from_utf8_lossy(&text);
    let out = rewrite(&text, &master.services, &fates, &appended);
    replace_file(&path, out.as_bytes())
}

fn usage(opts: &MasterOptions) -> Fatal {
    Fatal(
        match opts.view {
            MasterView::Services => "-Me, -MX or -M# requires service_name/type",
            MasterView::Fields => "-Fe or -FX requires service_name/type/field_name",
            MasterView::Params => "-Pe or -PX requires service_name/type/parameter",
        }
        .to_owned(),
    )
}

/// Splits `service/type[/third]` into exactly `parts` non-empty components.
fn key_parts<'a>(
    opts: &MasterOptions,
    text: &'a str,
    parts: usize,
) -> Result<(Key, Option<&'a str>), Fatal> {
    let pieces: Vec<&str> = text.split('/').collect();
    if pieces.len() != parts || pieces.iter().any(|p| p.is_empty()) {
        return Err(usage(opts));
    }
    let key = Key {
        name: pieces[0].to_owned(),
        kind: pieces[1].to_owned(),
    };
    Ok((key, pieces.get(2).copied()))
}

fn parse_change(
    opts: &MasterOptions,
    operand: &str,
    report: &mut Report<'_>,
) -> Result<Change, Fatal> {
    let assignment = || {
        split_name_value(operand)
            .map_err(|_| Fatal(format!("missing '=' after attribute name: \"{operand}\"")))
    };
    let operand_owned = operand.to_owned();
    match (opts.view, opts.edit) {
        (MasterView::Services, MasterEdit::Edit) => {
            let (key, value) = assignment()?;
            let (key, _) = key_parts(opts, &key, 2)?;
            let entry = parse_entry(&value, report).map_err(|e| match e {
                EntryError::FieldCount => Fatal(format!("bad field count: \"{operand}\"")),
                EntryError::Other(f) => f,
            })?;
            Ok(Change::Replace { key, entry })
        }
        (MasterView::Services, MasterEdit::Remove | MasterEdit::Comment) => {
            let (key, _) = key_parts(opts, operand, 2)?;
            Ok(match opts.edit {
                MasterEdit::Remove => Change::Remove { key },
                _ => Change::Comment { key },
            })
        }
        (MasterView::Fields, MasterEdit::Edit) => {
            let (key, value) = assignment()?;
            let (key, field) = key_parts(opts, &key, 3)?;
            let field = field.unwrap_or_default().to_owned();
            if !FIELD_NAMES.contains(&field.as_str()) {
                return Err(Fatal(format!(
                    "invalid service attribute name: \"{field}\""
                )));
            }
            if !column_is_valid(&field, &value) {
                return Err(Fatal(format!(
                    "invalid {field} field \"{value}\" in \"{value}\""
                )));
            }
            Ok(Change::Field {
                key,
                field,
                value,
                operand: operand_owned,
            })
        }
        (MasterView::Params, MasterEdit::Edit) => {
            let (key, value) = assignment()?;
            let (key, name) = key_parts(opts, &key, 3)?;
            if value.contains(|c: char| c.is_ascii_whitespace()) {
                return Err(Fatal(
                    "-Pe does not accept whitespace in parameter value".to_owned(),
                ));
            }
            Ok(Change::SetParam {
                key,
                name: name.unwrap_or_default().to_owned(),
                value,
                operand: operand_owned,
            })
        }
        (MasterView::Params, MasterEdit::Remove) => {
            let (key, name) = key_parts(opts, operand, 3)?;
            Ok(Change::RemoveParam {
                key,
                name: name.unwrap_or_default().to_owned(),
                operand: operand_owned,
            })
        }
        _ => Err(usage(opts)),
    }
}

enum EntryError {
    FieldCount,
    Other(Fatal),
}

/// One master.cf entry given on the command line.
fn parse_entry(text: &str, report: &mut Report<'_>) -> Result<Service, EntryError> {
    let parsed = master_cf::parse_with_warnings(text, Path::new("master.cf"), &mut |w| {
        report.warning(&w.to_string())
    });
    match parsed {
        Ok(mut cf) if cf.services.len() == 1 => Ok(cf.services.remove(0)),
        Ok(_) => Err(EntryError::FieldCount),
        Err(master_cf::MasterCfError::FieldCount { .. }) => Err(EntryError::FieldCount),
        Err(e) => Err(EntryError::Other(Fatal(e.postfix_message()))),
    }
}

fn apply(
    change: Change,
    services: &mut [Service],
    fates: &mut [Fate],
    appended: &mut Vec<Service>,
    report: &mut Report<'_>,
) {
    let key = match &change {
        Change::Replace { key, .. }
        | Change::Field { key, .. }
        | Change::SetParam { key, .. }
        | Change::RemoveParam { key, .. }
        | Change::Remove { key }
        | Change::Comment { key } => key.clone(),
    };
    let mut matched = false;
    for (service, fate) in services.iter_mut().zip(fates.iter_mut()) {
        if !key.matches(service) || *fate == Fate::Remove {
            continue;
        }
        matched = true;
        *fate = match &change {
            Change::Replace { entry, .. } => {
                // Keep the place in the file where the old entry started.
                *service = Service {
                    line: service.line,
                    ..entry.clone()
                };
                Fate::Replace
            }
            Change::Field { field, value, .. } => {
                set_field(service, field, value);
                Fate::Rewrite
            }
            Change::SetParam { name, value, .. } => {
                service.set_parameter(name, value);
                Fate::Rewrite
            }
            Change::RemoveParam { name, .. } => {
                service.remove_parameter(name);
                Fate::Rewrite
            }
            Change::Remove { .. } => Fate::Remove,
            Change::Comment { .. } => Fate::Comment,
        };
    }
    if matched {
        return;
    }
    match change {
        Change::Replace { entry, .. } => match appended.iter_mut().find(|s| key.matches(s)) {
            Some(earlier) => *earlier = entry,
            None => appended.push(entry),
        },
        Change::Field { operand, .. }
        | Change::SetParam { operand, .. }
        | Change::RemoveParam { operand, .. } => {
            report.warning(&format!("unmatched service_name/type: \"{operand}\""));
        }
        Change::Remove { .. } | Change::Comment { .. } => {}
    }
}

fn set_field(service: &mut Service, field: &str, value: &str) {
    match field {
        "service" => service.name = value.to_owned(),
        "type" => service.kind = value.to_owned(),
        "private" => service.private = value.to_owned(),
        "unprivileged" => service.unpriv = value.to_owned(),
        "chroot" => service.chroot = value.to_owned(),
        "wakeup" => service.wakeup = value.to_owned(),
        "process_limit" => service.maxproc = value.to_owned(),
        _ => {
            // The command and its arguments, read as master.cf reads them.
            let line = format!("x unix - - - - - {value}");
            if let Ok(mut cf) = master_cf::parse(&line, Path::new("master.cf")) {
                if let Some(parsed) = cf.services.pop() {
                    service.command = parsed.command;
                    service.args = parsed.args;
                    service.overrides = parsed.overrides;
                }
            }
        }
    }
}

/// The new text of master.cf.
fn rewrite(text: &str, services: &[Service], fates: &[Fate], appended: &[Service]) -> String {
    let mut out = String::with_capacity(text.len());
    let mut current: Option<usize> = None;
    let mut next_entry = 0;
    let flush = |out: &mut String, current: Option<usize>| {
        if let Some(i) = current.filter(|&i| fates[i] == Fate::Rewrite) {
            out.push_str(&format_service(&services[i], true));
            out.push('\n');
        }
    };
    let lines: Vec<&str> = text.split_inclusive('\n').collect();
    for (index, raw) in lines.iter().enumerate() {
        let body = raw.trim_start_matches([' ', '\t', '\r', '\n', '\x0b', '\x0c']);
        if body.is_empty() || body.starts_with('#') {
            out.push_str(raw);
            continue;
        }
        if services
            .get(next_entry)
            .is_some_and(|s| s.line == index + 1)
        {
            flush(&mut out, current);
            current = Some(next_entry);
            if fates[next_entry] == Fate::Replace {
                out.push_str(&format_service(&services[next_entry], true));
                out.push('\n');
            }
            next_entry += 1;
        } else if !raw.starts_with([' ', '\t', '\r', '\x0b', '\x0c']) {
            // An entry the parser skipped; never happens for a file that parsed.
            flush(&mut out, current);
            current = None;
        }
        match current.map(|i| &fates[i]) {
            None | Some(Fate::Keep) => out.push_str(raw),
            Some(Fate::Comment) => {
                out.push('#');
                out.push_str(raw);
            }
            Some(Fate::Replace | Fate::Rewrite | Fate::Remove) => {}
        }
    }
    if !out.is_empty() && !out.ends_with('\n') {
        out.push('\n');
    }
    flush(&mut out, current);
    for service in appended {
        out.push_str(&format_service(service, true));
        out.push('\n');
    }
    out
}

/// Replaces `path` with `bytes`: a temporary file beside it, flushed to disk, renamed
/// over it, and the directory flushed, so a crash leaves the old or the new file.
fn replace_file(path: &Path, bytes: &[u8]) -> Result<(), Fatal> {
    let tmp = path.with_extension("cf.tmp");
    let fail = |what: &str, p: &Path, e: std::io::Error| {
        Fatal(format!("{what} {}: {}", p.display(), io_reason(&e)))
    };
    let mut file = std::fs::File::create(&tmp).map_err(|e| fail("open", &tmp, e))?;
    if let Ok(meta) = std::fs::metadata(path) {
        let _ = file.set_permissions(meta.permissions());
    }
    file.write_all(bytes)
        .and_then(|()| file.sync_all())
        .map_err(|e| fail("write", &tmp, e))?;
    std::fs::rename(&tmp, path).map_err(|e| fail("rename", &tmp, e))?;
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        if let Ok(d) = std::fs::File::open(dir) {
            let _ = d.sync_all();
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests;
