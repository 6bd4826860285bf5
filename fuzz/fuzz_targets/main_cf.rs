//! main.cf parser, in-place editor and `$name` expansion on arbitrary text: nothing
//! may panic, and an edit that sets a name must read back as that value.
//! Run: `cargo +nightly fuzz run main_cf` (corpus in fuzz/corpus/main_cf/).
#![no_main]

use std::path::Path;

use config::main_cf::{self, Edit};
use config::Config;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let path = Path::new("/fuzz/main.cf");
    if let Ok(cf) = main_cf::parse(&text, path) {
        let config = Config::from_main_cf(Path::new("/fuzz"), cf.clone());
        for entry in &cf.entries {
            let _ = config.get(&entry.name);
            let _ = config.get_list(&entry.name);
            let _ = config.get_time(&entry.name);
        }
    }
    let edited = main_cf::edit(
        &text,
        &[
            Edit::Set {
                name: "fuzz_name".into(),
                value: "fuzz value".into(),
            },
            Edit::Remove {
                name: "relayhost".into(),
            },
            Edit::CommentOut {
                name: "mydomain".into(),
            },
        ],
    );
    // Postfix appends after the last byte: only a file ending in a newline (or an
    // empty one) is sure to read the appended setting back.
    let complete = text.is_empty() || text.ends_with('\n');
    if let (true, Ok(cf)) = (complete, main_cf::parse(&edited.text, path)) {
        assert_eq!(
            cf.get("fuzz_name").map(|e| e.value.as_str()),
            Some("fuzz value")
        );
        assert!(cf.get("relayhost").is_none());
    }
});
