//! One command line, plus the line framer and reply parser on the same bytes: never panic,
//! and a parsed command always renders a single line.
#![no_main]

use libfuzzer_sys::fuzz_target;
use smtp_proto::command::{parse, Command};
use smtp_proto::line::{Frame, LineFramer};
use smtp_proto::reply::parse_replies;

fuzz_target!(|data: &[u8]| {
    let mut framer = LineFramer::new(512);
    let mut pos = 0;
    while pos < data.len() {
        match framer.next(&data[pos..]) {
            Frame::Line { len, consumed, .. } | Frame::Overlong { len, consumed } => {
                let cmd = parse(&data[pos..pos + len]);
                let line = cmd.to_line();
                assert!(line.ends_with("\r\n") && !line[..line.len() - 2].contains(['\r', '\n']));
                if let Command::Invalid { error, .. } = &cmd {
                    let _ = error.reply().to_bytes();
                }
                pos += consumed;
            }
            Frame::Discard { consumed } => pos += consumed,
            Frame::NeedMore => break,
        }
    }
    let _ = parse_replies(data);
});
