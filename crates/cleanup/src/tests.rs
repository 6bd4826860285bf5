//! Messages through cleanup into a real queue directory and read back with the queue
//! reader, compared with what Postfix 3.7.11 produced for the same input
//! (`testdata/postfix/README.md` says how those files were made).

#![allow(clippy::unwrap_used)]

use std::path::{Path, PathBuf};
use std::sync::Arc;

use config::Config;
use queue::{CommitMode, Envelope, Layout, QueueFile, QueueName, QueueStore, RealFs};

use super::*;

/// 2026-11-23 17:19:57 UTC.
const T: i64 = 1_795_454_397;

fn testdata() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/postfix")
}

struct Fixture {
    _dir: tempfile::TempDir,
    store: Arc<QueueStore>,
    settings: Arc<CleanupSettings>,
}

fn fixture(extra: &str) -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let td = testdata();
    let main_cf = format!(
        "myhostname = mx.example.test\nmydomain = example.test\nmyorigin = $mydomain\n\
         mydestination =\nbody_checks_size_limit = 100\n\
         header_checks = regexp:{td}/header_checks\nbody_checks = regexp:{td}/body_checks\n\
         virtual_alias_maps = texthash:{td}/virtual\n{extra}",
        td = td.display()
    );
    std::fs::create_dir(dir.path().join("etc")).unwrap();
    std::fs::write(dir.path().join("etc/main.cf"), main_cf).unwrap();
    let config = Config::load(&dir.path().join("etc")).unwrap();
    let route = Arc::new(route::RouteSettings::new(&config, &[]).unwrap());
    let settings = Arc::new(CleanupSettings::from_config(&config, route).unwrap());
    let layout = Layout::with_defaults(dir.path().join("queue"));
    layout.create().unwrap();
    let store = Arc::new(QueueStore::new(
        layout,
        Arc::new(RealFs),
        CommitMode::PerFile,
    ));
    Fixture {
        _dir: dir,
        store,
        settings,
    }
}

fn client() -> ReceivedFrom {
    ReceivedFrom::Network {
        helo: Some("client.example.org".into()),
        client_name: "localhost".into(),
        client_addr: "127.0.0.1".into(),
        protocol: "ESMTP".into(),
    }
}

/// Parses a `.in` file: (remote client, envelope, content).
fn parse_in(bytes: &[u8]) -> (bool, Envelope, Vec<u8>) {
    let split = bytes.windows(2).position(|w| w == b"\n\n").unwrap();
    let head = std::str::from_utf8(&bytes[..split]).unwrap();
    let mut env = Envelope::new(std::time::SystemTime::now(), "");
    let mut remote = false;
    for line in head.lines() {
        if line == "X-REMOTE" {
            remote = true;
        } else if let Some(s) = line.strip_prefix("MAIL FROM:<") {
            env.sender = s.trim_end_matches('>').to_string();
        } else if let Some(r) = line.strip_prefix("RCPT TO:<") {
            env.add_recipient(r.trim_end_matches('>'));
        }
    }
    (remote, env, bytes[split + 2..].to_vec())
}

fn options(remote: bool) -> MessageOptions {
    MessageOptions {
        received: Some(client()),
        local_header_rewrite: !remote,
        now: LocalTime::utc(T),
        full_name: None,
    }
}

/// Runs content through cleanup in small chunks.
fn run(
    f: &Fixture,
    env: Envelope,
    content: &[u8],
    remote: bool,
    chunk: usize,
) -> (Result<Finished, CleanupError>, Vec<Event>) {
    let mut c = begin(f.store.clone(), f.settings.clone(), env, options(remote));
    for piece in content.chunks(chunk) {
        c.write(piece);
    }
    let events = c.take_events();
    (c.finish(), events)
}

fn read_back(f: &Fixture, queue: QueueName, id: &QueueId) -> (Envelope, Vec<u8>) {
    let qf = QueueFile::open(&f.store.layout().path(queue, id)).unwrap();
    let mut content = Vec::new();
    let mut r = qf.content().unwrap();
    while let Some(chunk) = r.next_chunk().unwrap() {
        content.extend_from_slice(chunk);
    }
    (qf.envelope().clone(), content)
}

/// Our output in the form of a `.ref` file.
fn as_ref_file(env: &Envelope, content: &[u8], id: &QueueId) -> String {
    let mut out = format!("MAIL FROM:<{}>\n", env.sender);
    for r in &env.recipients {
        out.push_str(&format!("RCPT TO:<{}>\n", r.address));
    }
    out.push('\n');
    out.push_str(&String::from_utf8_lossy(content));
    out.replace(id.as_str(), "QUEUEID")
        .replace(&headers::date(&LocalTime::utc(T)), "DATE")
        .replace("<20261123171957.QUEUEID@", "<MSGIDTIME.QUEUEID@")
}

fn case_names(ext: &str) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(testdata())
        .unwrap()
        .filter_map(|e| {
            let p = e.unwrap().path();
            (p.extension()? == ext).then(|| p.file_stem()?.to_str().map(String::from))?
        })
        .collect();
    names.sort();
    names
}

#[test]
fn accepted_messages_match_postfix() {
    let f = fixture("");
    let names = case_names("ref");
    assert!(names.len() >= 15, "{names:?}");
    for name in names {
        let input = std::fs::read(testdata().join(format!("{name}.in"))).unwrap();
        let want = std::fs::read_to_string(testdata().join(format!("{name}.ref"))).unwrap();
        let (remote, env, content) = parse_in(&input);
        for chunk in [1, 7, 4096] {
            let (res, _) = run(&f, env.clone(), &content, remote, chunk);
            let done = res.unwrap_or_else(|e| panic!("{name}: {e}"));
            assert_eq!(done.disposition, Disposition::Queued, "{name}");
            let (qenv, qcontent) = read_back(&f, QueueName::Incoming, &done.id);
            let got = as_ref_file(&qenv, &qcontent, &done.id);
            assert_eq!(got, want, "{name} (chunks of {chunk})");
        }
    }
}

#[test]
fn refusals_match_postfix() {
    let f = fixture("");
    let names = case_names("reply");
    assert!(names.len() >= 9, "{names:?}");
    for name in names {
        let input = std::fs::read(testdata().join(format!("{name}.in"))).unwrap();
        let want = std::fs::read_to_string(testdata().join(format!("{name}.reply"))).unwrap();
        let (remote, env, content) = parse_in(&input);
        let (res, _) = run(&f, env, &content, remote, 13);
        let err = res.err().unwrap_or_else(|| panic!("{name} was queued"));
        assert_eq!(err.reply().to_string(), want.trim_end(), "{name}");
    }
    // Nothing refused left a file behind.
    assert!(f
        .store
        .layout()
        .list(QueueName::Incoming)
        .unwrap()
        .is_empty());
}

#[test]
fn events_name_the_check() {
    let f = fixture("");
    let input = std::fs::read(testdata().join("prepend.in")).unwrap();
    let (remote, env, content) = parse_in(&input);
    let (_, events) = run(&f, env, &content, remote, 100);
    assert!(events.contains(&Event::Check {
        action: "prepend",
        part: "header",
        line: "Subject: prepend-me".into(),
        detail: "X-Prepended: yes".into(),
    }));
    let input = std::fs::read(testdata().join("defer.in")).unwrap();
    let (remote, env, content) = parse_in(&input);
    let (_, events) = run(&f, env, &content, remote, 100);
    assert!(events.contains(&Event::UnknownAction {
        map: "header_checks",
        value: "DEFER".into()
    }));
    assert!(events
        .iter()
        .any(|e| matches!(e, Event::MessageId(m) if m.starts_with("<20261123171957."))));
}

fn envelope_case(f: &Fixture, name: &str) -> (QueueName, Envelope) {
    let input = std::fs::read(testdata().join(format!("{name}.in"))).unwrap();
    let (remote, env, content) = parse_in(&input);
    let (res, _) = run(f, env, &content, remote, 64);
    let done = res.unwrap();
    for q in [QueueName::Incoming, QueueName::Hold] {
        if f.store.layout().path(q, &done.id).exists() {
            return (q, read_back(f, q, &done.id).0);
        }
    }
    panic!("{name}: no queue file");
}

fn sorted_rcpts(env: &Envelope) -> Vec<String> {
    let mut v: Vec<String> = env.recipients.iter().map(|r| r.address.clone()).collect();
    v.sort();
    v
}

fn sink_rcpts(name: &str) -> Vec<String> {
    let text = std::fs::read_to_string(testdata().join(format!("{name}.envelope"))).unwrap();
    let mut v: Vec<String> = text
        .lines()
        .filter_map(|l| l.strip_prefix("RCPT TO:<"))
        .map(|r| r.trim_end_matches('>').to_string())
        .collect();
    v.sort();
    v
}

#[test]
fn decisions_are_recorded_in_the_queue_file() {
    let f = fixture("");
    let (q, env) = envelope_case(&f, "hold");
    assert_eq!(q, QueueName::Hold);
    assert_eq!(env.hold.as_deref(), Some("held for review"));

    let (q, env) = envelope_case(&f, "redirect");
    assert_eq!(q, QueueName::Incoming);
    assert_eq!(env.redirect.as_deref(), Some("other@example.net"));

    let (_, env) = envelope_case(&f, "filter");
    assert_eq!(
        env.content_filter.as_deref(),
        Some("smtp:[127.0.0.1]:10726")
    );

    let (_, env) = envelope_case(&f, "bcc");
    assert_eq!(sorted_rcpts(&env), sink_rcpts("bcc"));

    let input = std::fs::read(testdata().join("discard.in")).unwrap();
    let (remote, env, content) = parse_in(&input);
    let (res, _) = run(&f, env, &content, remote, 64);
    let done = res.unwrap();
    assert_eq!(
        done.disposition,
        Disposition::Discarded("dropped it".into())
    );
    assert!(!f
        .store
        .layout()
        .path(QueueName::Incoming, &done.id)
        .exists());
}

#[test]
fn virtual_aliases_as_postfix() {
    let f = fixture("");
    for name in ["vaself", "vafan"] {
        let (_, env) = envelope_case(&f, name);
        assert_eq!(sorted_rcpts(&env), sink_rcpts(name), "{name}");
    }
    let (_, env) = envelope_case(&f, "vafan");
    let originals: Vec<_> = env.recipients.iter().map(|r| r.original.as_str()).collect();
    assert_eq!(
        originals,
        vec!["fan@example.net", "fan@example.net", "a@example.net"]
    );
}

#[test]
fn always_add_missing_headers_for_remote_clients() {
    let f = fixture("always_add_missing_headers = yes\n");
    let input = std::fs::read(testdata().join("bare_body_remote.in")).unwrap();
    let (remote, env, content) = parse_in(&input);
    assert!(remote);
    let (res, _) = run(&f, env, &content, remote, 64);
    let id = res.unwrap().id;
    let (env, got) = read_back(&f, QueueName::Incoming, &id);
    // As the local-client capture.
    let want = std::fs::read_to_string(testdata().join("bare_body.ref")).unwrap();
    assert_eq!(as_ref_file(&env, &got, &id), want);
}

#[test]
fn content_filter_is_recorded() {
    let f = fixture("content_filter = smtp:[127.0.0.1]:10025\n");
    let input = std::fs::read(testdata().join("bare_body.in")).unwrap();
    let (remote, env, content) = parse_in(&input);
    let (res, _) = run(&f, env, &content, remote, 64);
    let id = res.unwrap().id;
    let (env, _) = read_back(&f, QueueName::Incoming, &id);
    assert_eq!(
        env.content_filter.as_deref(),
        Some("smtp:[127.0.0.1]:10025")
    );
}

#[test]
fn message_size_limit() {
    let f = fixture("message_size_limit = 1000\n");
    let mut env = Envelope::new(std::time::SystemTime::now(), "a@example.org");
    env.add_recipient("b@example.net");
    let content = [b"Subject: big\r\n\r\n".as_slice(), &[b'x'; 2000]].concat();
    let (res, _) = run(&f, env, &content, false, 100);
    assert_eq!(
        res.err().unwrap().reply().to_string(),
        "552 5.3.4 Error: message file too big"
    );
}

#[test]
fn long_header_is_cut_as_postfix_does() {
    let f = fixture("");
    let mut env = Envelope::new(std::time::SystemTime::now(), "alice@example.org");
    env.add_recipient("bob@example.net");
    // As send2.py built it.
    let mut content = b"Subject: long\r\nX-Long: ".to_vec();
    content.extend_from_slice(&[b'a'; 200]);
    content.extend_from_slice(b"\r\n");
    for _ in 0..1600 {
        content.push(b' ');
        content.extend_from_slice(&[b'b'; 70]);
        content.extend_from_slice(b"\r\n");
    }
    content.extend_from_slice(b"X-After: after\r\n\r\nbody\r\n");
    let (res, _) = run(&f, env, &content, false, 4096);
    let id = res.unwrap().id;
    let (_, got) = read_back(&f, QueueName::Incoming, &id);
    let start = got.windows(7).position(|w| w == b"X-Long:").unwrap();
    let end = got.windows(7).position(|w| w == b"X-After").unwrap();
    let header = &got[start..end];
    // Captured: 1 + 1419 lines, 102377 bytes with `\n` line ends.
    assert_eq!(header.split(|&b| b == b'\n').count() - 1, 1420);
    assert_eq!(header.len() - 1420, 102_377);
    assert!(
        got.ends_with(b"X-After: after\r\nMessage-Id: <20261123171957.".as_slice()) || {
            let tail = String::from_utf8_lossy(&got[end..]);
            tail.starts_with("X-After: after\r\nMessage-Id: <20261123171957.")
                && tail.ends_with("From: alice@example.org\r\n\r\nbody\r\n")
        }
    );
}

#[test]
fn virtual_alias_loop_defers() {
    let f = fixture("");
    let input = std::fs::read(testdata().join("valoop.in")).unwrap();
    let (remote, env, content) = parse_in(&input);
    let (res, _) = run(&f, env, &content, remote, 64);
    assert!(res.err().unwrap().is_transient());
}

#[test]
fn large_messages_stream_to_the_queue_file() {
    let f = fixture("");
    let mut env = Envelope::new(std::time::SystemTime::now(), "a@example.org");
    env.add_recipient("b@example.net");
    let mut content = b"Subject: big\r\n\r\n".to_vec();
    for i in 0..20_000 {
        content.extend_from_slice(format!("line {i} of a long body\r\n").as_bytes());
    }
    // One line longer than BODY_LINE_LIMIT passes whole.
    content.extend_from_slice(&vec![b'z'; BODY_LINE_LIMIT * 2 + 5]);
    content.extend_from_slice(b"\r\nlast\r\n");
    let (res, _) = run(&f, env, &content, true, 8192);
    let id = res.unwrap().id;
    let (_, got) = read_back(&f, QueueName::Incoming, &id);
    let body_at = got.windows(4).position(|w| w == b"\r\n\r\n").unwrap() + 4;
    let want_at = content.windows(4).position(|w| w == b"\r\n\r\n").unwrap() + 4;
    assert_eq!(&got[body_at..], &content[want_at..]);
}

#[test]
fn a_long_first_line_is_body_and_kept_whole() {
    let f = fixture("header_size_limit = 1000\n");
    let mut env = Envelope::new(std::time::SystemTime::now(), "a@example.org");
    env.add_recipient("b@example.net");
    let mut content = vec![b'x'; 5000];
    content.extend_from_slice(b"\r\nmore\r\n");
    let (res, _) = run(&f, env, &content, true, 300);
    let id = res.unwrap().id;
    let (_, got) = read_back(&f, QueueName::Incoming, &id);
    assert!(got.ends_with(&[b"\r\n\r\n".as_slice(), &content].concat()));
}

#[test]
fn content_ending_in_part_headers_keeps_the_last_header() {
    let f = fixture("");
    let mut env = Envelope::new(std::time::SystemTime::now(), "a@example.org");
    env.add_recipient("b@example.net");
    let content = b"Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nX-Last: 1";
    let (res, _) = run(&f, env, content, true, 5);
    let id = res.unwrap().id;
    let (_, got) = read_back(&f, QueueName::Incoming, &id);
    assert!(
        got.ends_with(b"\r\n--b\r\nX-Last: 1\r\n"),
        "{}",
        String::from_utf8_lossy(&got)
    );
}

mod never_panics {
    use super::*;
    use proptest::prelude::*;

    fn alphabet() -> impl Strategy<Value = Vec<u8>> {
        proptest::collection::vec(
            prop_oneof![
                Just(b'\n'),
                Just(b'\r'),
                Just(b' '),
                Just(b':'),
                Just(b'-'),
                any::<u8>(),
                Just(b'a'),
            ],
            0..120,
        )
    }

    fn pieces() -> impl Strategy<Value = Vec<u8>> {
        proptest::collection::vec(
            prop_oneof![
                Just(b"Content-Type: multipart/mixed; boundary=b\r\n".to_vec()),
                Just(b"Content-Type: message/rfc822\r\n".to_vec()),
                Just(b"--b\r\n".to_vec()),
                Just(b"--b--\r\n".to_vec()),
                Just(b"\r\n".to_vec()),
                Just(b"Subject: reject-me\r\n".to_vec()),
                Just(b" folded\r\n".to_vec()),
                Just(b"body-replace x\r\n".to_vec()),
                Just(b"X-Drop: y\r\n".to_vec()),
                alphabet(),
            ],
            0..40,
        )
        .prop_map(|v| v.concat())
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(32))]

        #[test]
        fn cleanup_never_panics(content in pieces(), chunk in 1usize..64) {
            let f = fixture("header_size_limit = 300\nmime_nesting_limit = 3\n");
            let mut env = Envelope::new(std::time::SystemTime::now(), "a@example.org");
            env.add_recipient("b@example.net");
            let (res, _) = run(&f, env, &content, false, chunk);
            if let Ok(done) = res {
                if done.disposition == Disposition::Queued {
                    let _ = read_back(&f, QueueName::Incoming, &done.id);
                }
            }
        }

        #[test]
        fn header_scan_and_walk_never_panic(lines in proptest::collection::vec(alphabet(), 0..20)) {
            let mut w = mime::Walker::new(5, 70);
            for l in &lines {
                let _ = headers::header_name(l);
                match w.position() {
                    mime::Position::Body => { w.body_line(l); }
                    _ if l.is_empty() => w.end_of_headers(),
                    _ => w.content_type(l),
                }
            }
        }
    }
}

/// smtpd runs `finish` (which waits for fsync) in a blocking task: a message in
/// progress must move between threads.
#[test]
fn cleanup_is_send() {
    fn send<T: Send>() {}
    send::<Cleanup>();
    send::<CleanupError>();
}
