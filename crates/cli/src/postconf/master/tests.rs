//! Selector and output tests on small master.cf files.

use super::*;

fn run_on(master: &str, view: MasterView, fold: bool, operands: &[&str]) -> (String, String, u8) {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("master.cf"), master).expect("write");
    std::fs::write(dir.path().join("main.cf"), "").expect("write");
    let opts = MasterOptions {
        view,
        edit: MasterEdit::Show,
        fold,
        operands: operands.iter().map(|s| (*s).to_owned()).collect(),
    };
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let code = run_with("postconf", &opts, dir.path(), &mut out, &mut err);
    (
        String::from_utf8(out).expect("utf8"),
        String::from_utf8(err).expect("utf8"),
        code,
    )
}

const MASTER: &str = "smtp inet n - y - - smtpd -o syslog_name=b -o {smtpd_banner = d e} -v\nsmtp unix - - - - - smtp\nrelay unix - - n 10? 3 smtp -o syslog_name=y\n";

#[test]
fn m_selects_in_file_order_and_warns_on_unmatched() {
    let (out, err, code) = run_on(
        MASTER,
        MasterView::Services,
        false,
        &["relay/unix", "nosuch", "smtp"],
    );
    assert_eq!(code, 0);
    assert_eq!(out.lines().count(), 3);
    assert!(out.starts_with("smtp       inet  n"));
    assert_eq!(err, "postconf: warning: unmatched request: \"nosuch\"\n");
}

#[test]
fn bad_selectors_are_fatal() {
    for (view, operand, message) in [
        (
            MasterView::Services,
            "smtp/inet/x",
            "-M option requires service_name[/type]",
        ),
        (
            MasterView::Services,
            "/inet",
            "-M option requires service_name[/type]",
        ),
        (
            MasterView::Services,
            "/",
            "-M option requires service_name[/type]",
        ),
        (
            MasterView::Fields,
            "smtp/inet/maxproc",
            "invalid service attribute name: \"maxproc\"",
        ),
        (
            MasterView::Fields,
            "a/b/c/d",
            "-F option requires service_name[/type[/field]]",
        ),
        (
            MasterView::Params,
            "a/b/c/d",
            "-P option requires service_name[/type[/parameter]]",
        ),
    ] {
        let (out, err, code) = run_on(MASTER, view, false, &[operand]);
        assert_eq!((out.as_str(), code), ("", 1));
        assert_eq!(err, format!("postconf: fatal: {message}\n"));
    }
}

#[test]
fn fields_follow_selector_order_per_service() {
    let (out, _, _) = run_on(
        MASTER,
        MasterView::Fields,
        false,
        &[
            "relay/unix/process_limit",
            "smtp/inet/command",
            "relay/unix/wakeup",
        ],
    );
    assert_eq!(
        out,
        "smtp/inet/command = smtpd -o syslog_name=b -o {smtpd_banner=d e} -v\nrelay/unix/process_limit = 3\nrelay/unix/wakeup = 10?\n"
    );
}

#[test]
fn params_are_sorted_and_last_wins() {
    let (out, err, _) = run_on(
        "s unix - - - - - smtpd -o z=1 -o a=2 -o {m = 3} -o a=4\n",
        MasterView::Params,
        false,
        &["s/unix", "s/unix/none"],
    );
    assert_eq!(out, "s/unix/a = 4\ns/unix/m = 3\ns/unix/z = 1\n");
    assert!(err.starts_with("postconf: warning: unmatched request: \"s/unix/none\"\n"));
    assert_eq!(err.matches(": unused parameter: ").count(), 3, "{err}");
}

#[test]
fn missing_master_cf() {
    let dir = tempfile::tempdir().expect("tempdir");
    let opts = MasterOptions {
        view: MasterView::Services,
        edit: MasterEdit::Show,
        fold: false,
        operands: vec![],
    };
    let (mut out, mut err) = (Vec::new(), Vec::new());
    assert_eq!(
        run_with("postconf", &opts, dir.path(), &mut out, &mut err),
        1
    );
    assert_eq!(
        String::from_utf8(err).expect("utf8"),
        format!(
            "postconf: fatal: open {}/master.cf: No such file or directory\n",
            dir.path().display()
        )
    );
}
