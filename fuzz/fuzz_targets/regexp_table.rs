//! regexp: and pcre: table sources (regexp_table(5), pcre_table(5)): any text must
//! compile to a table (bad lines become warnings) and any key must be answered
//! without a panic. The first line of the input is the key.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tables::regexp::{Flavor, PatternTable};
use tables::Table;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let (key, source) = text.split_once('\n').unwrap_or(("", &text));
    for flavor in [Flavor::Regexp, Flavor::Pcre] {
        let t = PatternTable::parse(flavor, "fuzz", source);
        let _ = t.lookup(key);
        let _ = t.warnings();
    }
});
