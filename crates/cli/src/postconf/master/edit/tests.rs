//! Edits on a small master.cf; expected texts are what Postfix 3.7 writes.

use super::*;

const MASTER: &str = "# head\nsmtp inet n - y - - smtpd -v\n  -o a=b\n# mid\nrelay unix - - n 10? 3 smtp -o x=y\n   -o z=w\n  # inner\n   -o zz=1\nlocal unix - n n - - local\n";

fn edit(view: MasterView, edit: MasterEdit, operands: &[&str]) -> (String, String, u8) {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("master.cf");
    std::fs::write(&path, MASTER).expect("write");
    let opts = MasterOptions {
        view,
        edit,
        fold: false,
        operands: operands.iter().map(|s| (*s).to_owned()).collect(),
    };
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let code = super::super::run_with("postconf", &opts, dir.path(), &mut out, &mut err);
    assert!(out.is_empty());
    (
        std::fs::read_to_string(&path).expect("read"),
        String::from_utf8(err).expect("utf8"),
        code,
    )
}

#[test]
fn pe_replaces_in_place_and_appends_after_the_options() {
    let (text, err, code) = edit(
        MasterView::Params,
        MasterEdit::Edit,
        &[
            "relay/unix/x=newvalue",
            "local/unix/q=1",
            "smtp/inet/a=",
            "smtp/inet/c=d",
        ],
    );
    assert_eq!((err.as_str(), code), ("", 0));
    assert_eq!(
        text,
        "# head\n# mid\nsmtp       inet  n       -       y       -       -       smtpd -v\n    -o a=\n    -o c=d\n  # inner\nrelay      unix  -       -       n       10?     3       smtp\n    -o x=newvalue\n    -o z=w\n    -o zz=1\nlocal      unix  -       n       n       -       -       local\n    -o q=1\n"
    );
}

#[test]
fn mx_and_m_hash() {
    let (text, _, _) = edit(MasterView::Services, MasterEdit::Comment, &["relay/unix"]);
    assert_eq!(
        text,
        "# head\nsmtp inet n - y - - smtpd -v\n  -o a=b\n# mid\n#relay unix - - n 10? 3 smtp -o x=y\n#   -o z=w\n  # inner\n#   -o zz=1\nlocal unix - n n - - local\n"
    );
    let (text, _, _) = edit(
        MasterView::Services,
        MasterEdit::Remove,
        &["relay/unix", "smtp/inet", "nosuch/unix"],
    );
    assert_eq!(
        text,
        "# head\n# mid\n  # inner\nlocal unix - n n - - local\n"
    );
}

#[test]
fn me_replaces_or_appends() {
    let (text, _, _) = edit(
        MasterView::Services,
        MasterEdit::Edit,
        &[
            "local/unix = local unix - n n - - local -o {a = b c}",
            "new/unix=new unix - - - - - x",
        ],
    );
    assert!(
        text.ends_with(
            "   -o zz=1\nlocal      unix  -       n       n       -       -       local\n    -o {a=b c}\nnew        unix  -       -       -       -       -       x\n"
        ),
        "{text}"
    );
}

#[test]
fn errors_leave_the_file_alone() {
    for (view, operand, message) in [
        (
            MasterView::Services,
            "relay/unix",
            "missing '=' after attribute name: \"relay/unix\"",
        ),
        (
            MasterView::Services,
            "relay/unix = bad",
            "bad field count: \"relay/unix = bad\"",
        ),
        (
            MasterView::Services,
            "relay = x",
            "-Me, -MX or -M# requires service_name/type",
        ),
        (
            MasterView::Fields,
            "relay/unix/maxproc = 7",
            "invalid service attribute name: \"maxproc\"",
        ),
        (
            MasterView::Fields,
            "relay/unix/chroot = bad",
            "invalid chroot field \"bad\" in \"bad\"",
        ),
        (
            MasterView::Params,
            "relay/unix/x = a b",
            "-Pe does not accept whitespace in parameter value",
        ),
    ] {
        let (text, err, code) = edit(view, MasterEdit::Edit, &[operand]);
        assert_eq!((text.as_str(), code), (MASTER, 1), "{operand}");
        assert_eq!(err, format!("postconf: fatal: {message}\n"));
    }
}

#[test]
fn unmatched_field_edit_warns() {
    let (text, err, code) = edit(
        MasterView::Fields,
        MasterEdit::Edit,
        &["nosuch/unix/chroot = y"],
    );
    assert_eq!((text.as_str(), code), (MASTER, 0));
    assert_eq!(
        err,
        "postconf: warning: unmatched service_name/type: \"nosuch/unix/chroot = y\"\n"
    );
}
