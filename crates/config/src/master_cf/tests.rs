//! Parser and layout tests; the golden files in `testdata/master/` are Postfix 3.7's
//! own `postconf -M` / `-Mf` output for the `.cf` beside them.

use std::path::{Path, PathBuf};

use proptest::prelude::*;

use super::*;

fn parse_ok(text: &str) -> (MasterCf, Vec<String>) {
    let mut warnings = Vec::new();
    let cf = parse_with_warnings(text, Path::new("conf/master.cf"), &mut |w| {
        warnings.push(w.to_string())
    })
    .expect("parses");
    (cf, warnings)
}

fn err(text: &str) -> String {
    parse_with_warnings(text, Path::new("conf/master.cf"), &mut |_| {})
        .expect_err("fails")
        .postfix_message()
}

fn testdata(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("testdata/master")
        .join(name)
}

fn print_all(cf: &MasterCf, fold: bool) -> String {
    cf.services
        .iter()
        .map(|s| format_service(s, fold) + "\n")
        .collect()
}

#[test]
fn golden_postconf_m_and_mf() {
    for case in ["debian", "edge", "options"] {
        let text = std::fs::read_to_string(testdata(&format!("{case}.cf"))).expect("cf");
        let (cf, _) = parse_ok(&text);
        for (fold, suffix) in [(false, "M"), (true, "Mf")] {
            let want =
                std::fs::read_to_string(testdata(&format!("{case}.{suffix}.ref"))).expect("ref");
            assert_eq!(print_all(&cf, fold), want, "{case}.{suffix}.ref");
        }
    }
}

#[test]
fn columns_continuations_and_comments() {
    let (cf, warnings) = parse_ok(
        "# c\nsubmission inet n - n - 10 smtpd\n  -o syslog_name=postfix/submission\n\n  # note\n\t-o { smtpd_client_restrictions = permit_sasl_authenticated , reject }\nlocal unix - n n - - local\n",
    );
    assert!(warnings.is_empty());
    let s = &cf.services[0];
    assert_eq!(
        (s.name.as_str(), s.kind.as_str(), s.line),
        ("submission", "inet", 2)
    );
    assert_eq!(s.maxproc, "10");
    assert_eq!(
        s.args,
        [
            "-o",
            "syslog_name=postfix/submission",
            "-o",
            "smtpd_client_restrictions=permit_sasl_authenticated , reject"
        ]
    );
    assert_eq!(
        s.overrides[1],
        (
            "smtpd_client_restrictions".to_owned(),
            "permit_sasl_authenticated , reject".to_owned()
        )
    );
    assert_eq!(cf.services[1].line, 7);
}

#[test]
fn errors_are_worded_as_postfix() {
    assert_eq!(
        err("# x\nsmtp inet n - y - -\n"),
        "file conf/master.cf: line 2: bad field count"
    );
    assert_eq!(
        err("smtp bogus n - y - - smtpd\n"),
        "invalid type field \"bogus\" in \"smtp bogus n - y - - smtpd\""
    );
    assert_eq!(
        err("s bad - - -\n - - smtpd x  \n"),
        "invalid type field \"bad\" in \"s bad - - - - - smtpd x  \""
    );
    assert_eq!(
        err("s unix {- -} - - - smtpd x\n"),
        "invalid private field \"{- -}\" in \"s unix {- -} - - - smtpd x\""
    );
    for (line, field, value) in [
        ("s inet n x y - - smtpd", "unprivileged", "x"),
        ("s inet n - x - - smtpd", "chroot", "x"),
        ("s inet n - y 10x - smtpd", "wakeup", "10x"),
        ("s inet n - y -1 - smtpd", "wakeup", "-1"),
        ("s inet n - y - -1 smtpd", "process_limit", "-1"),
    ] {
        assert_eq!(
            err(&format!("{line}\n")),
            format!("invalid {field} field \"{value}\" in \"{line}\"")
        );
    }
    let e = parse("a unix -\n", Path::new("m.cf")).expect_err("fails");
    assert_eq!(e.to_string(), "m.cf, line 1: bad field count");
}

#[test]
fn warnings_are_worded_as_postfix() {
    let (cf, warnings) =
        parse_ok("  a unix\n  b unix - - - - - x\nc unix - - - - - y -o {=b} -o { foo\n");
    assert_eq!(cf.services.len(), 1);
    assert_eq!(
        warnings,
        [
            "conf/master.cf: logical line must not start with whitespace: \"  a unix  b unix - - - - - x\"",
            "master.cf: missing attribute name: \"=b\"",
            "master.cf: missing '}' in \"{ foo\"",
            "master.cf: missing '=' after attribute name: \"foo\"",
        ]
    );
}

#[test]
fn option_clusters_are_split() {
    let (cf, _) = parse_ok("a unix - - - - - smtpd -vo {a = b c} -ov x -o y=z\n");
    let s = &cf.services[0];
    assert_eq!(s.args, ["-v", "-o", "a=b c", "-o", "v", "x", "-o", "y=z"]);
    assert_eq!(s.overrides, [("a".to_owned(), "b c".to_owned())]);
}

#[test]
fn effective_values() {
    let (cf, _) = parse_ok(
        "smtp inet - - - - - smtpd\nqmgr unix n n y 300 1 qmgr\ntlsmgr unix - - - 1000? 0 tlsmgr -o a=1 -o a=2\n",
    );
    let [smtp, qmgr, tlsmgr] = &cf.services[..] else {
        panic!("three services");
    };
    assert!(!smtp.is_private() && smtp.is_unprivileged() && !smtp.is_chrooted());
    assert_eq!(smtp.wakeup(), None);
    assert_eq!(smtp.process_limit(100), 100);
    assert!(!qmgr.is_private() && !qmgr.is_unprivileged() && qmgr.is_chrooted());
    assert_eq!(
        qmgr.wakeup(),
        Some(Wakeup {
            seconds: 300,
            only_if_used: false
        })
    );
    assert_eq!(qmgr.process_limit(100), 1);
    assert!(tlsmgr.is_private());
    assert_eq!(
        tlsmgr.wakeup(),
        Some(Wakeup {
            seconds: 1000,
            only_if_used: true
        })
    );
    assert_eq!(tlsmgr.process_limit(100), 0);
    assert_eq!(tlsmgr.override_value("a"), Some("2"));
    assert_eq!(tlsmgr.service_type(), Some(ServiceType::Unix));
}

#[test]
fn set_and_remove_parameters() {
    let (cf, _) = parse_ok("relay unix - - n - - pipe -v -o x=y -o z=w flags=x -o q=1\n");
    let mut s = cf.services[0].clone();
    s.set_parameter("x", "new");
    s.set_parameter("n", "1");
    assert_eq!(
        s.args,
        ["-v", "-o", "x=new", "-o", "z=w", "-o", "n=1", "flags=x", "-o", "q=1"]
    );
    assert_eq!(s.override_value("n"), Some("1"));
    s.remove_parameter("z");
    s.remove_parameter("q");
    assert_eq!(
        s.args,
        ["-v", "-o", "x=new", "-o", "n=1", "flags=x", "-o", "q=1"]
    );
    assert_eq!(s.overrides.len(), 2);
}

/// Text drawn from master.cf's own alphabet, so the generator hits its structure.
fn master_text() -> impl Strategy<Value = String> {
    let token = prop_oneof![
        Just("smtp".to_owned()),
        Just("inet".to_owned()),
        Just("unix".to_owned()),
        Just("-".to_owned()),
        Just("n".to_owned()),
        Just("y".to_owned()),
        Just("60?".to_owned()),
        Just("-o".to_owned()),
        Just("-vo".to_owned()),
        Just("a=b".to_owned()),
        Just("{".to_owned()),
        Just("}".to_owned()),
        Just("=".to_owned()),
        Just("--".to_owned()),
        "[a-z{}=?#-]{1,6}",
    ];
    let sep = prop_oneof![
        Just(" "),
        Just("  "),
        Just("\t"),
        Just("\n"),
        Just("\n "),
        Just("\n#")
    ];
    prop::collection::vec((token, sep), 0..40)
        .prop_map(|parts| parts.into_iter().map(|(t, s)| t + s).collect::<String>())
}

fn entry() -> impl Strategy<Value = String> {
    let arg = prop_oneof![
        "[a-z=$/.]{1,12}",
        "-o [a-z_]{1,8}=[a-z]{0,5}",
        "-o \\{ [a-z_]{1,8} = [a-z ]{0,9} \\}",
        "\\{[a-z]{1,4} [a-z]{1,4}\\}",
        Just("-v".to_owned()),
    ];
    (
        "[a-z0-9.:]{1,20}",
        prop_oneof![
            Just("inet"),
            Just("unix"),
            Just("unix-dgram"),
            Just("fifo"),
            Just("pass")
        ],
        prop::collection::vec(prop_oneof![Just("-"), Just("y"), Just("n")], 3),
        prop_oneof![Just("-".to_owned()), "[0-9]{1,4}\\??"],
        prop_oneof![Just("-".to_owned()), "[0-9]{1,3}"],
        "[a-z]{1,10}",
        prop::collection::vec(arg, 0..8),
    )
        .prop_map(|(name, kind, flags, wakeup, maxproc, command, args)| {
            format!(
                "{name} {kind} {} {wakeup} {maxproc} {command} {}\n",
                flags.join(" "),
                args.join("\n  ")
            )
        })
}

fn first_plain_has_blank(service: &Service) -> bool {
    let mut args = service.args.iter();
    while let Some(arg) = args.next() {
        if !arg.starts_with('-') || arg == "--" {
            return arg.contains(' ');
        }
        if arg == "-o" {
            args.next();
        }
    }
    false
}

proptest! {
    #[test]
    fn never_panics(text in master_text()) {
        let _ = parse(&text, Path::new("master.cf"));
        if let Ok(cf) = parse(&text, Path::new("master.cf")) {
            let _ = print_all(&cf, true);
        }
    }

    #[test]
    fn postconf_m_output_reads_back_the_same(entries in prop::collection::vec(entry(), 1..6)) {
        let text: String = entries.concat();
        let first = parse(&text, Path::new("master.cf")).expect("generated entries parse");
        // Postfix prints the first non-option argument without its braces, so that
        // one does not read back the same; nor would Postfix's.
        prop_assume!(!first.services.iter().any(first_plain_has_blank));
        for fold in [false, true] {
            let printed = print_all(&first, fold);
            let again = parse(&printed, Path::new("master.cf")).expect("output parses");
            prop_assert_eq!(print_all(&again, fold), printed.clone());
            prop_assert_eq!(
                again.services.iter().map(|s| &s.overrides).collect::<Vec<_>>(),
                first.services.iter().map(|s| &s.overrides).collect::<Vec<_>>()
            );
        }
    }
}
