//! Command parser tests; each reply text was checked against Postfix 3.7.11 smtpd.

use super::*;
use proptest::prelude::*;

fn invalid(line: &str) -> SyntaxError {
    match parse(line.as_bytes()) {
        Command::Invalid { error, .. } => error,
        other => panic!("{line}: {other:?}"),
    }
}

fn reply(line: &str) -> String {
    invalid(line).reply().to_string()
}

#[test]
fn basic_commands() {
    assert_eq!(parse(b"helo x"), Command::Helo { host: "x".into() });
    assert_eq!(
        parse(b"EHLO [1.2.3.4]"),
        Command::Ehlo {
            host: "[1.2.3.4]".into()
        }
    );
    assert_eq!(parse(b"DATA"), Command::Data);
    assert_eq!(parse(b"NOOP x"), Command::Noop);
    assert_eq!(parse(b"QUIT x"), Command::Quit);
    assert_eq!(
        parse(b"BDAT 10 last"),
        Command::Bdat {
            size: 10,
            last: true
        }
    );
    assert_eq!(parse(b"FOO"), Command::Unknown { verb: "FOO".into() });
    assert_eq!(
        parse(b"NO\0OP"),
        Command::Unknown {
            verb: "NO\0OP".into()
        }
    );
}

#[test]
fn forbidden_lines_as_postfix() {
    for line in [
        "GET / HTTP/1.0",
        "post /x HTTP/1.1",
        "CONNECT x:25 HTTP/1.0",
        "Host: x",
        ".",
        "..",
        "1HELO",
    ] {
        assert!(
            matches!(parse(line.as_bytes()), Command::Forbidden { .. }),
            "{line}"
        );
    }
}

#[test]
fn mail_parameters() {
    let Command::Mail { from, params } =
        parse(b"MAIL FROM:<a@b> SIZE=10 body=8bitmime RET=HDRS ENVID=x+2By SMTPUTF8 AUTH=<>")
    else {
        panic!()
    };
    assert_eq!(from.as_str(), "a@b");
    assert_eq!(params.size, Some(10));
    assert_eq!(params.body, Some(Body::EightBitMime));
    assert_eq!(params.ret, Some(Ret::Hdrs));
    assert_eq!(params.envid.as_deref(), Some("x+y"));
    assert!(params.smtputf8);
    assert_eq!(params.auth.as_deref(), Some("<>"));
    assert!(matches!(
        parse(b"MAIL FROM:<>"),
        Command::Mail {
            from: ReversePath::Null,
            ..
        }
    ));
}

#[test]
fn mail_errors_as_postfix() {
    // Replies checked against Postfix 3.7.11.
    let m = "MAIL FROM:<a@b>";
    let cases = [
        ("MAIL", "501 5.5.4 Syntax: MAIL FROM:<address>"),
        ("MAIL FROM", "501 5.5.4 Syntax: MAIL FROM:<address>"),
        ("MAIL FROM:", "501 5.5.4 Syntax: MAIL FROM:<address>"),
        ("MAIL FROM:<", "501 5.1.7 Bad sender address syntax"),
        (
            &format!("{m} FOO=bar"),
            "555 5.5.4 Unsupported option: FOO=bar",
        ),
        (
            &format!("{m} SIZE=abc"),
            "501 5.5.4 Bad message size syntax",
        ),
        (&format!("{m} SIZE="), "501 5.5.4 Bad message size syntax"),
        (
            &format!("{m} SIZE=1=2"),
            "501 5.5.4 Bad message size syntax",
        ),
        (
            &format!("{m} BODY=foo"),
            "555 5.5.4 Unsupported option: BODY=foo",
        ),
        (
            &format!("{m} body=binarymime"),
            "555 5.5.4 Unsupported option: body=binarymime",
        ),
        (&format!("{m} BODY"), "555 5.5.4 Unsupported option: BODY"),
        (
            &format!("{m} RET=foo"),
            "501 5.5.4 Bad RET parameter syntax",
        ),
        (
            &format!("{m} RET=HDRS RET=FULL"),
            "501 5.5.4 Bad RET parameter syntax",
        ),
        (
            &format!("{m} ENVID=a+2"),
            "501 5.5.4 Bad ENVID parameter syntax",
        ),
        (
            &format!("{m} ENVID=a+zz"),
            "501 5.5.4 Bad ENVID parameter syntax",
        ),
        (
            &format!("{m} ENVID="),
            "501 5.5.4 Bad ENVID parameter syntax",
        ),
        (
            &format!("{m} ENVID=é"),
            "501 5.5.4 Bad ENVID parameter syntax",
        ),
        (
            &format!("{m} ENVID=abc ENVID=def"),
            "501 5.5.4 Bad ENVID parameter syntax",
        ),
        (
            &format!("{m} SMTPUTF8=x"),
            "555 5.5.4 Unsupported option: SMTPUTF8=x",
        ),
        (
            &format!("{m} NOTIFY=NEVER"),
            "555 5.5.4 Unsupported option: NOTIFY=NEVER",
        ),
        (&format!("{m} =x"), "555 5.5.4 Unsupported option: =x"),
        ("MAIL FROM:<a b@c>", "501 5.1.7 Bad sender address syntax"),
        ("MAIL FROM:<a@b>x", "501 5.1.7 Bad sender address syntax"),
    ];
    for (line, want) in cases {
        assert_eq!(reply(line), want, "{line}");
    }
    // Postfix 3.7.11 answers "500 5.5.2 Error: bad UTF-8 syntax" to any such line, even
    // QUIT or an unknown verb, before any other check.
    for line in [
        &b"MAIL FROM:<\xff@b>"[..],
        b"QUIT \xff",
        b"FOO \xff",
        b"\xffOO",
    ] {
        assert_eq!(parse(line), Command::BadUtf8);
    }
}

#[test]
fn rcpt_errors_as_postfix() {
    let r = "RCPT TO:<u@example.com>";
    let cases = [
        ("RCPT", "501 5.5.4 Syntax: RCPT TO:<address>"),
        ("RCPT TO", "501 5.5.4 Syntax: RCPT TO:<address>"),
        ("RCPT TO:", "501 5.5.4 Syntax: RCPT TO:<address>"),
        ("RCPT TO:<>", "501 5.1.3 Bad recipient address syntax"),
        ("RCPT TO:<a b@c>", "501 5.1.3 Bad recipient address syntax"),
        (&format!("{r} FOO=1"), "555 5.5.4 Unsupported option: FOO=1"),
        (
            &format!("{r} SIZE=1"),
            "555 5.5.4 Unsupported option: SIZE=1",
        ),
        (
            &format!("{r} NOTIFY=FOO"),
            "501 5.5.4 Error: Bad NOTIFY parameter syntax",
        ),
        (
            &format!("{r} NOTIFY=NEVER,SUCCESS"),
            "501 5.5.4 Error: Bad NOTIFY parameter syntax",
        ),
        (
            &format!("{r} NOTIFY=SUCCESS NOTIFY=FAILURE"),
            "501 5.5.4 Error: Bad NOTIFY parameter syntax",
        ),
        (
            &format!("{r} ORCPT=foo"),
            "501 5.5.4 Error: Bad ORCPT parameter syntax",
        ),
        (
            &format!("{r} ORCPT=rfc822;a+ZZ"),
            "501 5.5.4 Error: Bad ORCPT parameter syntax",
        ),
        (
            &format!("{r} ORCPT=rfc822;a@b ORCPT=rfc822;c@d"),
            "501 5.5.4 Error: Bad ORCPT parameter syntax",
        ),
    ];
    for (line, want) in cases {
        assert_eq!(reply(line), want, "{line}");
    }
    let Command::Rcpt { to, params } =
        parse(b"RCPT TO:<root@x> NOTIFY=success,delay ORCPT=rfc822;x+2By@z")
    else {
        panic!()
    };
    assert_eq!(to.as_str(), "root@x");
    assert_eq!(
        params.notify,
        Some(Notify {
            success: true,
            delay: true,
            ..Notify::default()
        })
    );
    assert_eq!(
        params.orcpt,
        Some(Orcpt {
            addr_type: "rfc822".into(),
            address: "x+y@z".into()
        })
    );
}

#[test]
fn other_syntax_errors_as_postfix() {
    let cases = [
        ("", "500 5.5.2 Error: bad syntax"),
        ("HELO", "501 Syntax: HELO hostname"),
        ("EHLO", "501 Syntax: EHLO hostname"),
        ("DATA x", "501 5.5.4 Syntax: DATA"),
        ("RSET x", "501 5.5.4 Syntax: RSET"),
        ("VRFY", "501 5.5.4 Syntax: VRFY address [SMTPUTF8]"),
        ("VRFY a b", "501 5.1.3 Bad recipient address syntax"),
        ("ETRN", "500 Syntax: ETRN domain"),
        ("STARTTLS x", "501 5.5.4 Syntax: STARTTLS"),
        ("XCLIENT", "501 5.5.4 Syntax: XCLIENT attribute=value..."),
        ("BDAT", "521 5.5.4 Syntax: BDAT count [LAST]"),
        ("BDAT x", "521 5.5.4 Syntax: BDAT count [LAST]"),
        ("BDAT 1 FOO", "521 5.5.4 Syntax: BDAT count [LAST]"),
        ("BDAT -1", "521 5.5.4 Syntax: BDAT count [LAST]"),
        (
            "BDAT 99999999999999999999",
            "521 5.5.4 Syntax: BDAT count [LAST]",
        ),
        ("BDAT 1 last x", "521 5.5.4 Syntax: BDAT count [LAST]"),
    ];
    for (line, want) in cases {
        assert_eq!(reply(line), want, "{line:?}");
    }
    assert!(invalid("BDAT x").disconnects());
}

#[test]
fn renders_client_commands() {
    let cmd = parse(b"MAIL FROM:<a@b> SIZE=10 BODY=8BITMIME RET=FULL ENVID=q+2Bx SMTPUTF8");
    assert_eq!(
        cmd.to_line(),
        "MAIL FROM:<a@b> SIZE=10 BODY=8BITMIME RET=FULL ENVID=q+2Bx SMTPUTF8\r\n"
    );
    let cmd = parse(b"RCPT TO:<c@d> NOTIFY=FAILURE,DELAY ORCPT=rfc822;c@d");
    assert_eq!(
        cmd.to_line(),
        "RCPT TO:<c@d> NOTIFY=FAILURE,DELAY ORCPT=rfc822;c@d\r\n"
    );
    assert_eq!(
        Command::Bdat {
            size: 5,
            last: true
        }
        .to_line(),
        "BDAT 5 LAST\r\n"
    );
}

#[test]
fn xtext_round_trip() {
    for s in ["", "a+b=c", "héllo", " x\t"] {
        assert_eq!(xtext_decode(&xtext_encode(s)).as_deref(), Some(s));
    }
}

proptest! {
    #[test]
    fn never_panics(line in proptest::collection::vec(any::<u8>(), 0..200)) {
        let _ = parse(&line).to_line();
    }

    #[test]
    fn never_panics_on_protocol_alphabet(line in "(MAIL FROM:|RCPT TO:|BDAT |VRFY |XCLIENT |EHLO )[<>@\" ,:=+;A-Za-z0-9.()\\[\\]]{0,60}") {
        let cmd = parse(line.as_bytes());
        let _ = cmd.to_line();
        if let Command::Invalid { error, .. } = cmd {
            let _ = error.reply();
        }
    }
}
