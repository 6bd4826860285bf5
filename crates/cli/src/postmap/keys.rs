//! `postmap -h` / `-b` with `-q -`: lookup keys made from a message on stdin, as
//! header_checks(5) and body_checks(5) see it. Each logical header (continuations
//! joined with their newline) is one key with -h; each body line is one key with
//! -b, starting with the line that ends the header (an empty key for the blank line).
//!
//! Never: decodes MIME. With -m Postfix also descends into attachments' headers;
//! facteur treats the message as one part (a known difference).

use std::io::{BufRead, Write};
use std::sync::Arc;

use tables::{OpenOptions, Table};

use crate::table_opts::{describe, messages, strerror, Diag, Fatal};

/// Whether `line` starts a header: a name of printable characters other than `:`,
/// optional blanks, then `:`.
fn is_header(line: &str) -> bool {
    let name_end = line
        .find(|c: char| !c.is_ascii_graphic() || c == ':')
        .unwrap_or(line.len());
    if name_end == 0 {
        return false;
    }
    line[name_end..]
        .trim_start_matches([' ', '\t'])
        .starts_with(':')
}

/// The lookup keys of a message: headers (when `headers`) then body lines (when `body`).
pub fn message_keys(text: &str, headers: bool, body: bool) -> Vec<String> {
    let mut keys = Vec::new();
    let mut lines = text.split('\n').peekable();
    let mut all: Vec<&str> = Vec::new();
    while let Some(l) = lines.next() {
        if lines.peek().is_none() && l.is_empty() {
            break;
        }
        all.push(l.strip_suffix('\r').unwrap_or(l));
    }
    let mut i = 0;
    let mut current: Option<String> = None;
    while i < all.len() {
        let line = all[i];
        if current.is_some() && (line.starts_with(' ') || line.starts_with('\t')) {
            if let Some(h) = current.as_mut() {
                h.push('\n');
                h.push_str(line);
            }
            i += 1;
            continue;
        }
        if let Some(h) = current.take() {
            if headers {
                keys.push(h);
            }
        }
        if is_header(line) {
            current = Some(line.to_string());
            i += 1;
            continue;
        }
        break;
    }
    if let Some(h) = current.take() {
        if headers {
            keys.push(h);
        }
    }
    if body && i < all.len() {
        if !all[i].is_empty() {
            keys.push(String::new());
        }
        keys.extend(all[i..].iter().map(|l| l.to_string()));
    }
    keys
}

/// `-q -` with -h / -b: prints `key<TAB>value` for each key some table has.
pub fn query_message(
    diag: Diag,
    maps: &[(String, String)],
    mut input: impl BufRead,
    opts: &OpenOptions,
    headers: bool,
    body: bool,
    _mime: bool,
) -> Result<bool, Fatal> {
    let mut bytes = Vec::new();
    input
        .read_to_end(&mut bytes)
        .map_err(|e| Fatal(messages::read_stdin(strerror(&e))))?;
    let text = String::from_utf8_lossy(&bytes);
    let mut opened: Vec<Option<Arc<dyn Table>>> = vec![None; maps.len()];
    let mut found = false;
    let mut out = std::io::stdout().lock();
    for key in message_keys(&text, headers, body) {
        for (n, (kind, name)) in maps.iter().enumerate() {
            let table = match &opened[n] {
                Some(t) => t.clone(),
                None => {
                    let t = crate::table_opts::open(diag, kind, name, opts)?;
                    opened[n] = Some(t.clone());
                    t
                }
            };
            match table.lookup(&key) {
                Ok(Some(value)) => {
                    if value.is_empty() {
                        let [text, _] = messages::empty_result(kind, name, &key);
                        diag.warn(&text);
                    }
                    let _ = writeln!(out, "{key}\t{value}");
                    found = true;
                    break;
                }
                Ok(None) => {}
                Err(e) => return Err(Fatal(messages::query_error(kind, name, describe(&e)))),
            }
        }
    }
    let _ = out.flush();
    Ok(found)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn headers_then_body() {
        let msg = "Subject: x\n  y\nFrom: z\n\nbody1\n\nbody2\n";
        assert_eq!(
            message_keys(msg, true, false),
            vec!["Subject: x\n  y".to_string(), "From: z".to_string()]
        );
        assert_eq!(
            message_keys(msg, false, true),
            vec!["", "body1", "", "body2"]
        );
    }

    #[test]
    fn non_header_line_ends_the_header() {
        assert_eq!(
            message_keys("Subject: x\nnot a header\nmore\n", true, true),
            vec!["Subject: x", "", "not a header", "more"]
        );
        assert!(message_keys("", true, true).is_empty());
    }
}
