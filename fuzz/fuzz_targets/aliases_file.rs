//! aliases(5) files as postalias reads them: any text must parse into entries and
//! warnings, and every stored value must split into members, without a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tables::aliases::{parse, split_value};

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let (entries, _warnings) = parse("fuzz", &text, true);
    for e in entries {
        let _ = split_value(&e.value);
    }
});
