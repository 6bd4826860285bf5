//! cidr: table sources (cidr_table(5)): any text must load (bad lines become
//! warnings) and any key must be answered without a panic. The first line of the
//! input is the key.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tables::cidr::{parse_network, CidrTable};
use tables::Table;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let (key, source) = text.split_once('\n').unwrap_or(("", &text));
    let _ = parse_network(key);
    let t = CidrTable::parse("fuzz", source);
    let _ = t.lookup(key);
});
