//! postmap's reading of its source: the `key whitespace value` parse itself is
//! `tables::texthash` (shared with `texthash:` tables, which read the same format);
//! this only prints its warnings as postmap and hands each entry to the builder.
//!
//! Never: folds case or stores anything (the table writer does).

use tables::texthash::{self, Reader};

pub use tables::texthash::Entry;

use crate::table_opts::Diag;

/// Calls `store` with each entry of a postmap source in file order, warning about
/// malformed lines at their places and skipping them. `label` names the source in
/// warnings; `utf8_checks` is smtputf8_enable and no `-u`.
pub fn for_each_entry<E>(
    diag: Diag,
    label: &str,
    bytes: &[u8],
    utf8_checks: bool,
    mut store: impl FnMut(Entry) -> Result<(), E>,
) -> Result<(), E> {
    for item in texthash::parse_in_order(label, bytes, utf8_checks, Reader::Postmap) {
        match item {
            Ok(entry) => store(entry)?,
            Err(warning) => diag.warn(&warning.0),
        }
    }
    Ok(())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn entries_skip_bad_lines() {
        let diag = Diag { name: "postmap" };
        let mut got = Vec::new();
        for_each_entry(diag, "t", b"a 1\nb\n\n  x\n\"c 2\nd\nf 4\n", true, |e| {
            got.push(e);
            Ok::<(), ()>(())
        })
        .unwrap();
        assert_eq!(got.len(), 3);
        assert_eq!(got[0].value, "1");
        assert_eq!((got[1].key.as_str(), got[1].value.as_str()), ("b", "x"));
        assert_eq!((got[2].key.as_str(), got[2].line), ("f", 7));
    }
}
