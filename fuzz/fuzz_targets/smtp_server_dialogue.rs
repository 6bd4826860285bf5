//! A whole client byte stream through the server dialogue, the way smtpd drives it: line
//! framing, DATA decoding, BDAT chunks, a policy that alternates accept and reject. The
//! first byte picks settings. Never panic, never loop, and always end or consume input.
#![no_main]

use libfuzzer_sys::fuzz_target;
use smtp_proto::bdat::BdatReader;
use smtp_proto::data::DataDecoder;
use smtp_proto::line::{BareNewline, Frame, LineFramer};
use smtp_proto::reply::Reply;
use smtp_proto::server::{Next, ServerConfig, ServerDialogue, Verdict};

fuzz_target!(|data: &[u8]| {
    let Some((&knobs, mut input)) = data.split_first() else {
        return;
    };
    let config = ServerConfig {
        hostname: "mx.example".into(),
        recipient_limit: usize::from(knobs & 3) + 1,
        hard_error_limit: u32::from(knobs >> 4) + 1,
        junk_command_limit: u32::from(knobs & 7),
        message_size_limit: if knobs & 8 != 0 { 64 } else { 0 },
        bare_newline: match knobs % 3 {
            0 => BareNewline::No,
            1 => BareNewline::Normalize,
            _ => BareNewline::Reject,
        },
        tls_available: knobs & 64 != 0,
        ..ServerConfig::default()
    };
    let mut dialogue = ServerDialogue::new(config);
    let mut framer = LineFramer::new(128);
    let mut flip = false;
    let mut steps = 0usize;
    while !input.is_empty() && !dialogue.is_closed() {
        steps += 1;
        assert!(steps < 100_000, "no progress");
        let (line_len, consumed, ending) = match framer.next(input) {
            Frame::Line {
                len,
                consumed,
                ending,
                ..
            } => (len, consumed, ending),
            Frame::Overlong { len, consumed } => (len, consumed, smtp_proto::line::Ending::CrLf),
            Frame::Discard { consumed } => {
                input = &input[consumed..];
                continue;
            }
            Frame::NeedMore => break,
        };
        let line = &input[..line_len];
        input = &input[consumed..];
        let mut action = dialogue.command(line, ending, !input.is_empty());
        loop {
            for r in &action.replies {
                let _ = r.to_bytes();
            }
            action = match action.next {
                Next::ReadCommand | Next::Close | Next::StartTls => break,
                Next::Decide(_) => {
                    flip = !flip;
                    let verdict = if flip {
                        Verdict::Accept
                    } else {
                        Verdict::Reply(Reply::new(550, None, "no"))
                    };
                    dialogue.decided(verdict)
                }
                Next::ReceiveData => {
                    let mut decoder = DataDecoder::new();
                    let mut out = Vec::new();
                    let p = decoder.decode(input, &mut out);
                    assert!(out.len() <= 2 * p.consumed);
                    input = &input[p.consumed..];
                    dialogue.data_done(decoder.bytes_out(), decoder.bare_lf_count())
                }
                Next::ReceiveChunk { size, .. } => {
                    let mut reader = BdatReader::new();
                    reader.start_chunk(size);
                    let chunk = reader.take(input);
                    input = &input[chunk.len()..];
                    dialogue.chunk_done(reader.bare_lf_count())
                }
            };
        }
    }
});
