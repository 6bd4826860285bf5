//! cleanup's content path (header scan, folding, MIME walk, missing headers): never
//! panics on any bytes in any chunking. The queue directory does not exist, so a
//! message is never committed: content under the spool threshold never reaches it,
//! and a larger one fails to create its file, which is an error, not a panic.
#![no_main]

use std::path::Path;
use std::sync::Arc;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&chunk, content)) = data.split_first() else {
        return;
    };
    let config = config::Config::from_main_cf(Path::new("/nonexistent"), Default::default())
        .with_overrides(&[("myhostname", "mx.example.test"), ("mime_nesting_limit", "5")]);
    let Ok(route) = route::RouteSettings::new(&config, &[]) else {
        return;
    };
    let Ok(settings) = cleanup::CleanupSettings::from_config(&config, Arc::new(route)) else {
        return;
    };
    let layout = queue::Layout::with_defaults("/nonexistent/queue");
    let store = Arc::new(queue::QueueStore::new(
        layout,
        Arc::new(queue::RealFs),
        queue::CommitMode::PerFile,
    ));
    let mut envelope = queue::Envelope::new(std::time::SystemTime::UNIX_EPOCH, "a@example.org");
    envelope.add_recipient("b@example.net");
    let opts = cleanup::MessageOptions {
        received: Some(cleanup::ReceivedFrom::Local { uid: 0 }),
        local_header_rewrite: true,
        now: cleanup::LocalTime::utc(0),
        full_name: None,
    };
    let mut c = cleanup::begin(store, Arc::new(settings), envelope, opts);
    for piece in content.chunks(usize::from(chunk).max(1)) {
        c.write(piece);
    }
    let _ = c.take_events();
});
