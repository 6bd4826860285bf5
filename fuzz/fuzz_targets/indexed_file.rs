//! Fuzz the readers of the indexed table files (facteur's hash/btree format and cdb):
//! any bytes must give an error or answers, never a panic or an out-of-bounds read.
//! The first byte picks the reader; the rest is the file.

#![no_main]

use libfuzzer_sys::fuzz_target;
use tables::cdb::Cdb;
use tables::indexed::{Layout, Reader};

const PROBES: [&[u8]; 4] = [b"postmaster@example.com\0", b"example.net\0", b"a", b""];

fuzz_target!(|data: &[u8]| {
    let Some((&which, file)) = data.split_first() else {
        return;
    };
    match which % 3 {
        0 | 1 => {
            let layout = if which % 3 == 0 { Layout::Hash } else { Layout::Sorted };
            if let Ok(r) = Reader::new(file, layout) {
                for p in PROBES {
                    let _ = r.get(p);
                }
                let _ = r.entries();
            }
        }
        _ => {
            if let Ok(c) = Cdb::new(file) {
                for p in PROBES {
                    let _ = c.get(p);
                }
                let _ = c.entries();
            }
        }
    }
});
