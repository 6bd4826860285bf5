//! `postconf -e name=value` (also plain `name=value`), `-X name`, `-# name`: main.cf
//! edited in place through `config::main_cf::edit`, written atomically.

use std::path::Path;

use config::main_cf::{self, Edit};

use super::{Diag, Fatal, Options};

/// Applies the operands as edits of kind `mode` (`'e'`, `'X'` or `'#'`).
pub(super) fn run(
    diag: &Diag<'_>,
    opts: &Options,
    config_dir: &Path,
    mode: char,
) -> Result<(), Fatal> {
    let mut edits = Vec::with_capacity(opts.operands.len());
    for operand in &opts.operands {
        let edit = match mode {
            'e' => {
                let (name, value) = main_cf::split_name_value(operand)
                    .map_err(|e| Fatal(format!("{e}: \"{}\"", operand.trim())))?;
                Edit::Set {
                    name: name.to_owned(),
                    value: value.to_owned(),
                }
            }
            _ if operand.contains('=') => {
                return Err(Fatal(format!("specify one of -e -{mode}")));
            }
            'X' => Edit::Remove {
                name: operand.clone(),
            },
            _ => Edit::CommentOut {
                name: operand.clone(),
            },
        };
        edits.push(edit);
    }
    let path = config_dir.join("main.cf");
    let text = std::fs::read(&path).map_err(|e| {
        Fatal(format!(
            "open {} for reading: {}",
            path.display(),
            io_text(&e)
        ))
    })?;
    let edited = main_cf::edit(&String::from_utf8_lossy(&text), &edits);
    for name in &edited.multiple {
        diag.warning(format!(
            "{}: multiple entries for \"{name}\"",
            path.display()
        ));
    }
    main_cf::write_atomically(&path, &edited.text).map_err(|e| Fatal(e.to_string()))
}

/// An I/O error worded as strerror(3) does (`No such file or directory`).
pub(super) fn io_text(e: &std::io::Error) -> String {
    let text = e.to_string();
    match text.find(" (os error") {
        Some(i) => text[..i].to_owned(),
        None => text,
    }
}
