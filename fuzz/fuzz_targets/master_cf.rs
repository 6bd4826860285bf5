//! master.cf parser: never panics, and whatever parses can be printed the way
//! `postconf -M` / `-Mf` prints it.
#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let mut warnings = 0usize;
    let parsed = config::master_cf::parse_with_warnings(&text, Path::new("master.cf"), &mut |_| {
        warnings += 1
    });
    if let Ok(master) = parsed {
        for service in &master.services {
            let _ = config::master_cf::format_service(service, false);
            let _ = config::master_cf::format_service(service, true);
            let _ = service.wakeup();
            let _ = service.process_limit(100);
        }
    }
});
