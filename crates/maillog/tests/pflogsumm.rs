//! pflogsumm, the log summariser most Postfix sites run, reads what our writer produces:
//! a small mail day written through `Sink` + `Logger` + `events`, then pflogsumm's grand
//! totals and detail sections checked. pflogsumm is required (Debian package `pflogsumm`):
//! without it this test fails, it does not skip.

use std::net::IpAddr;
use std::path::Path;
use std::process::Command;
use std::time::Duration;

use facteur_maillog::events::cleanup::{self, CheckAction, Checked, Origin};
use facteur_maillog::events::delivery::{
    self, Delays, Delivery, DeliveryStatus, Notification, Relay, DEFAULT_DELAY_RESOLUTION,
};
use facteur_maillog::events::smtpd::{self, Command as Cmd, CommandStats, Stage};
use facteur_maillog::events::smtpd_check::{self, Reply, Triggered};
use facteur_maillog::events::{qmgr, ClientInfo, Proto, Transaction};
use facteur_maillog::{Logger, Sink, SinkSettings};

type TestResult = Result<(), Box<dyn std::error::Error>>;

struct Programs {
    smtpd: Logger,
    cleanup: Logger,
    qmgr: Logger,
    smtp: Logger,
    bounce: Logger,
}

fn ip(text: &str) -> IpAddr {
    text.parse().expect("test address")
}

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

fn delays() -> Delays {
    Delays {
        total: ms(170),
        before_active: ms(40),
        in_active: ms(40),
        connection: ms(40),
        transmission: ms(50),
    }
}

const MX: Relay<'static> = Relay::Host {
    name: "mx.relay.test",
    addr: IpAddr::V4(std::net::Ipv4Addr::new(192, 0, 2, 25)),
    port: 25,
};

fn deliver(p: &Programs, qid: &str, to: &str, status: DeliveryStatus, dsn: &str, why: &str) {
    p.smtp.emit(delivery::delivery(&Delivery {
        queue_id: qid,
        recipient: to,
        original_recipient: None,
        relay: MX,
        connection_use: 1,
        delays: delays(),
        delay_resolution: DEFAULT_DELAY_RESOLUTION,
        dsn,
        status,
        reason: why,
    }));
}

/// One SMTP session that queues one message from `from` to `rcpts`.
fn receive(p: &Programs, c: &ClientInfo, qid: &str, from: &str, rcpts: &[&str], size: u64) {
    p.smtpd.emit(smtpd::connect(c));
    p.smtpd.emit(smtpd::client(qid, c, None));
    p.cleanup
        .emit(cleanup::message_id(qid, &format!("<{qid}@client.test>")));
    p.qmgr
        .emit(qmgr::queue_active(qid, from, size, rcpts.len()));
    let mut stats = CommandStats::new();
    for (cmd, n) in [
        (Cmd::Ehlo, 1),
        (Cmd::Mail, 1),
        (Cmd::Rcpt, rcpts.len()),
        (Cmd::Data, 1),
        (Cmd::Quit, 1),
    ] {
        for _ in 0..n {
            stats.record(cmd, true);
        }
    }
    p.smtpd.emit(smtpd::disconnect(c, &stats));
}

fn write_mail_day(p: &Programs) {
    let c = ClientInfo::new("mail.client.test", ip("198.51.100.7"), 40000);
    let ok = "250 2.0.0 Ok: queued as XYZ";

    // 1. Two recipients, both delivered.
    receive(
        p,
        &c,
        "1A2B3C4D5E",
        "alice@client.test",
        &["bob@relay.test", "carol@relay.test"],
        1000,
    );
    deliver(
        p,
        "1A2B3C4D5E",
        "bob@relay.test",
        DeliveryStatus::Sent,
        "2.0.0",
        ok,
    );
    deliver(
        p,
        "1A2B3C4D5E",
        "carol@relay.test",
        DeliveryStatus::Sent,
        "2.0.0",
        ok,
    );
    p.qmgr.emit(qmgr::removed("1A2B3C4D5E"));

    // 2. Deferred twice, then delivered.
    receive(
        p,
        &c,
        "2B3C4D5E6F",
        "alice@client.test",
        &["dave@relay.test"],
        2000,
    );
    let busy = delivery::remote_said(
        "mx.relay.test",
        ip("192.0.2.25"),
        "450 4.2.0 <dave@relay.test>: mailbox busy",
        "RCPT TO",
    );
    deliver(
        p,
        "2B3C4D5E6F",
        "dave@relay.test",
        DeliveryStatus::Deferred,
        "4.2.0",
        &busy,
    );
    p.qmgr.emit(qmgr::queue_active(
        "2B3C4D5E6F",
        "alice@client.test",
        2000,
        1,
    ));
    deliver(
        p,
        "2B3C4D5E6F",
        "dave@relay.test",
        DeliveryStatus::Deferred,
        "4.2.0",
        &busy,
    );
    p.qmgr.emit(qmgr::queue_active(
        "2B3C4D5E6F",
        "alice@client.test",
        2000,
        1,
    ));
    deliver(
        p,
        "2B3C4D5E6F",
        "dave@relay.test",
        DeliveryStatus::Sent,
        "2.0.0",
        ok,
    );
    p.qmgr.emit(qmgr::removed("2B3C4D5E6F"));

    // 3. Bounced; the notification is a new message from <>.
    receive(
        p,
        &c,
        "3C4D5E6F7A",
        "alice@client.test",
        &["nobody@relay.test"],
        3000,
    );
    let unknown = delivery::remote_said(
        "mx.relay.test",
        ip("192.0.2.25"),
        "550 5.1.1 <nobody@relay.test>: user unknown",
        "RCPT TO",
    );
    deliver(
        p,
        "3C4D5E6F7A",
        "nobody@relay.test",
        DeliveryStatus::Bounced,
        "5.1.1",
        &unknown,
    );
    p.cleanup.emit(cleanup::message_id(
        "4D5E6F7A8B",
        "<20261123170400.4D5E6F7A8B@mx.example.test>",
    ));
    p.qmgr.emit(qmgr::queue_active("4D5E6F7A8B", "", 2500, 1));
    p.bounce.emit(delivery::notification(
        "3C4D5E6F7A",
        Notification::SenderNonDelivery,
        "4D5E6F7A8B",
    ));
    p.qmgr.emit(qmgr::removed("3C4D5E6F7A"));
    deliver(
        p,
        "4D5E6F7A8B",
        "alice@client.test",
        DeliveryStatus::Sent,
        "2.0.0",
        ok,
    );
    p.qmgr.emit(qmgr::removed("4D5E6F7A8B"));

    // 4. Rejected twice (relay denied, unknown user) in one session, then a hold and a
    //    discard by access map, a WARN, and header_checks HOLD and WARN (pflogsumm's
    //    "reject warnings" are the latter).
    p.smtpd.emit(smtpd::connect(&c));
    for (to, code, dsn, text) in [
        ("x@elsewhere.test", 554, "5.7.1", "<x@elsewhere.test>: Relay access denied"),
        ("nosuch@relay.test", 550, "5.1.1", "<nosuch@relay.test>: Recipient address rejected: User unknown in relay recipient table"),
    ] {
        let t = Transaction { from: Some("alice@client.test"), to: Some(to), proto: Some(Proto::Esmtp), helo: Some("client.test") };
        p.smtpd.emit(smtpd_check::reject(None, Stage::from(Cmd::Rcpt), &c, &Reply { code, dsn, text }, &t));
    }
    let t = Transaction {
        from: Some("alice@client.test"),
        to: Some("hold@relay.test"),
        proto: Some(Proto::Esmtp),
        helo: Some("client.test"),
    };
    p.smtpd.emit(smtpd_check::triggered(
        None,
        Cmd::Rcpt.into(),
        &c,
        Triggered::Hold,
        "<hold@relay.test>",
        "Recipient address",
        &t,
    ));
    let t = Transaction {
        to: Some("drop@relay.test"),
        ..t
    };
    p.smtpd.emit(smtpd_check::triggered(
        None,
        Cmd::Rcpt.into(),
        &c,
        Triggered::Discard,
        "<drop@relay.test>",
        "Recipient address",
        &t,
    ));
    let t = Transaction {
        to: Some("warn@relay.test"),
        ..t
    };
    p.smtpd.emit(smtpd_check::warn(
        None,
        Cmd::Rcpt.into(),
        &c,
        "watch this one",
        &t,
    ));
    p.smtpd.emit(smtpd::client("5E6F7A8B9C", &c, None));
    p.cleanup.emit(cleanup::check(
        "5E6F7A8B9C",
        CheckAction::Hold,
        Checked::Header("Subject: hold me"),
        Origin::Client(&c),
        &t,
        "held by header",
    ));
    p.cleanup.emit(cleanup::check(
        "5E6F7A8B9C",
        CheckAction::Warning,
        Checked::Header("X-Mailer: spamcannon"),
        Origin::Client(&c),
        &t,
        "suspicious mailer",
    ));
    p.cleanup
        .emit(cleanup::message_id("5E6F7A8B9C", "<held@client.test>"));
    p.smtpd.emit(smtpd::non_smtp_command(&c, "GET / HTTP/1.0"));
    p.smtpd.emit(smtpd::session_ended(
        smtpd::SessionEnd::LostConnection,
        Cmd::Data.into(),
        Some(12),
        &c,
    ));
}

/// The number in front of `label` in pflogsumm's Grand Totals (`     3   received`).
fn total(report: &str, label: &str) -> Option<u64> {
    report.lines().find_map(|line| {
        let mut words = line.split_whitespace();
        let n = words.next()?.parse().ok()?;
        (words.next()? == label).then_some(n)
    })
}

fn pflogsumm(log: &Path) -> Result<String, Box<dyn std::error::Error>> {
    let out = Command::new("pflogsumm").arg(log).output().map_err(|e| {
        format!("pflogsumm is required for this test (apt-get install pflogsumm): {e}")
    })?;
    if !out.status.success() {
        return Err(format!("pflogsumm failed: {}", String::from_utf8_lossy(&out.stderr)).into());
    }
    Ok(String::from_utf8(out.stdout)?)
}

#[test]
fn pflogsumm_reads_our_lines() -> TestResult {
    let dir = tempfile::tempdir()?;
    let log = dir.path().join("maillog");
    let settings = SinkSettings {
        maillog_file: log.display().to_string(),
        maillog_file_prefixes: vec![dir.path().display().to_string()],
        time_zone: Some("UTC".to_string()),
        ..SinkSettings::new("postfix", "mx.example.test")
    };
    let sink = Sink::open(&settings)?;
    let programs = Programs {
        smtpd: Logger::new(&sink, "smtpd").with_pid(101),
        cleanup: Logger::new(&sink, "cleanup").with_pid(102),
        qmgr: Logger::new(&sink, "qmgr").with_pid(103),
        smtp: Logger::new(&sink, "smtp").with_pid(104),
        bounce: Logger::new(&sink, "bounce").with_pid(105),
    };
    write_mail_day(&programs);
    assert_eq!(sink.lost(), 0);

    let report = pflogsumm(&log)?;
    let expect = [
        ("received", 4),
        ("delivered", 4),
        ("deferred", 1),
        ("bounced", 1),
        ("rejected", 2),
        ("held", 2),
        ("discarded", 1),
    ];
    for (label, n) in expect {
        assert_eq!(total(&report, label), Some(n), "{label} in:\n{report}");
    }
    assert!(report.contains("(2  deferrals)"), "{report}");
    assert!(
        report.lines().any(|l| l.trim() == "1   reject warnings"),
        "{report}"
    );
    assert_eq!(
        total(&report, "bytes"),
        Some(6000),
        "bytes received in:\n{report}"
    );
    for detail in [
        // message deferral detail
        "mailbox busy (in reply to RCPT TO command",
        // message bounce detail (by relay)
        "mx.relay.test[192.0.2.25]:25 (total: 1)",
        "user unknown (in reply to RCPT TO command)",
        // message reject detail
        "Relay access denied (total: 1)",
        "Recipient address rejected: User unknown in relay recipient table (total: 1)",
        // reject warning, hold and discard detail
        "X-Mailer: spamcannon",
        "Recipient address triggers HOLD action (total: 1)",
        "Subject: hold me",
        "Recipient address triggers DISCARD action (total: 1)",
        // Warnings
        "non-SMTP command from mail.client.test[198.51.100.7]",
    ] {
        assert!(report.contains(detail), "{detail:?} not in:\n{report}");
    }
    Ok(())
}
