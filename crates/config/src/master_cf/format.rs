//! Writes a service back in the layout `postconf -M` prints: the first seven columns
//! aligned on fixed tab stops (a long value pushes the next one right by one space),
//! then the command and its arguments. Folded (`-Mf`), each leading `-o` option gets
//! a line of its own and other words wrap before the line reaches [`LINE_LIMIT`].

use super::{is_blank, takes_value, Service};

/// A folded line is kept shorter than this many bytes (a single long word may not be).
pub const LINE_LIMIT: usize = 80;

/// Continuation lines start with this.
const INDENT: &str = "    ";

/// Widths of columns 1-7; each is followed by at least one space.
const COLUMN_WIDTHS: [usize; 7] = [10, 5, 7, 7, 7, 7, 7];

/// The whole entry, without a final newline.
pub fn format_service(service: &Service, fold: bool) -> String {
    let columns = [
        &service.name,
        &service.kind,
        &service.private,
        &service.unpriv,
        &service.chroot,
        &service.wakeup,
        &service.maxproc,
    ];
    let mut out = String::new();
    let mut stop = 0;
    for (column, width) in columns.iter().zip(COLUMN_WIDTHS) {
        pad_to(&mut out, stop);
        out.push_str(column);
        stop += width + 1;
    }
    pad_to(&mut out, stop);
    let command = format_command(service, out.len(), fold);
    out.push_str(&command);
    out
}

fn pad_to(out: &mut String, stop: usize) {
    if out.is_empty() {
        return;
    }
    out.push(' ');
    while out.len() < stop {
        out.push(' ');
    }
}

/// Column 8 and the arguments, as `postconf -M` and `-F .../command` show them; the
/// first line is taken to start at byte `column` (for folding).
pub fn format_command(service: &Service, column: usize, fold: bool) -> String {
    let mut lines = Lines {
        out: service.command.clone(),
        line_len: column + service.command.len(),
        fresh: false,
        fold,
    };
    let mut in_options = true;
    let mut first_plain = false;
    let mut args = service.args.iter().peekable();
    while let Some(arg) = args.next() {
        if in_options && (!arg.starts_with('-') || arg == "--") {
            in_options = false;
            first_plain = true;
        }
        if in_options && takes_value(arg) {
            if let Some(value) = args.next() {
                // The option and its value stay together on a line of their own.
                lines.break_line();
                lines.word(&format!("{arg} {}", grouped(value)));
                lines.fresh = true;
                continue;
            }
        }
        // Postfix shows options and the first non-option argument as they are,
        // without braces.
        let word = match in_options || first_plain {
            true => arg.clone(),
            false => grouped(arg),
        };
        first_plain = false;
        // Postfix decides where to wrap before it adds the braces.
        lines.word_measured(&word, arg.len());
    }
    lines.out
}

/// Puts back the braces an argument with white space needs.
fn grouped(arg: &str) -> String {
    match arg.contains(is_blank) {
        true => format!("{{{arg}}}"),
        false => arg.to_owned(),
    }
}

struct Lines {
    out: String,
    line_len: usize,
    /// The next word starts a new line.
    fresh: bool,
    fold: bool,
}

impl Lines {
    fn break_line(&mut self) {
        if self.fold && !self.fresh {
            self.fresh = true;
        }
    }

    fn word(&mut self, word: &str) {
        self.word_measured(word, word.len());
    }

    /// Adds `word`, wrapping first if a word of `measure` bytes would not fit.
    fn word_measured(&mut self, word: &str, measure: usize) {
        let wrap = self.fold && (self.fresh || self.line_len + 1 + measure >= LINE_LIMIT);
        if wrap {
            self.out.push('\n');
            self.out.push_str(INDENT);
            self.line_len = INDENT.len();
        } else if !(self.fold && self.line_len == INDENT.len()) {
            // Nothing yet after the indent (an empty word): no separator.
            self.out.push(' ');
            self.line_len += 1;
        }
        self.fresh = false;
        self.out.push_str(word);
        self.line_len += word.len();
    }
}
