//! aliases(5) files as postalias reads them: any bytes must parse into entries and
//! warnings in file order (with and without the UTF-8 checks), every stored value
//! must split into members and parse again, without a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tables::aliases::{parse_in_order, parse_line, split_value};

fuzz_target!(|data: &[u8]| {
    for utf8_checks in [true, false] {
        for item in parse_in_order("fuzz", data, utf8_checks) {
            if let Ok(e) = item {
                let _ = split_value(&e.value);
                let _ = tables::writer::fold(&e.name, utf8_checks);
                let _ = parse_line(&format!("k: {}", e.value));
            }
        }
    }
});
