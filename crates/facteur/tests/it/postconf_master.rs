//! `postconf -M / -F / -P` against Postfix 3.7's postconf on the same config directory:
//! the stock Debian master.cf, the edge cases in `crates/config/testdata/master/`, and
//! small hand-made files for each error and selector form.

use std::path::Path;

use crate::support::{facteur, postfix, run, ConfDir, Outcome};

fn testdata(name: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../config/testdata/master")
        .join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Runs `postconf -c DIR ARGS` with both implementations.
fn both(conf: &ConfDir, args: &[&str]) -> (Outcome, Outcome) {
    let dir = conf.path().to_str().expect("utf-8 temp path");
    let ours = run(facteur("postconf").arg("-c").arg(dir).args(args), "");
    let mut theirs = run(postfix("postconf").arg("-c").arg(dir).args(args), "");
    // Postfix names itself by argv[0], here its full path.
    theirs.stderr = theirs.stderr.replace("/usr/sbin/postconf: ", "postconf: ");
    (ours, theirs)
}

/// Same stdout, stderr and exit status.
fn same(master: &str, args: &[&str]) {
    let conf = ConfDir::new("", Some(master));
    let (ours, theirs) = both(&conf, args);
    assert_eq!(ours, theirs, "postconf {args:?} on:\n{master}");
}

/// Same stdout and exit status, and the same stderr lines in any order: Postfix
/// prints its "unused parameter" warnings in hash-table order.
fn same_but_unused(master: &str, args: &[&str]) {
    same_any_order("", master, args);
}

fn same_any_order(main: &str, master: &str, args: &[&str]) {
    let conf = ConfDir::new(main, Some(master));
    let (mut ours, mut theirs) = both(&conf, args);
    for outcome in [&mut ours, &mut theirs] {
        let mut lines: Vec<&str> = outcome.stderr.lines().collect();
        lines.sort_unstable();
        outcome.stderr = lines.join("\n");
    }
    assert_eq!(ours, theirs, "postconf {args:?} on:\n{master}");
}

#[test]
fn unused_parameter_warnings() {
    let main = "foo = 1\nmua_x = permit\nbar = $baz\n# $qq\n";
    let master = "s unix - - - - - smtpd -o smtpd_client_restrictions=$mua_x -o mua_x=1 -o baz=2 -o qq=3 -o zz=$yy -o yy=1 -o s_time_limit=1 -o uucp_time_limit=1 -o qq=4\nuucp unix - - - - - pipe x\nsubmission inet n - y - - smtpd -o smtpd_client_restrictions=$mua_client_restrictions -o a=${undef1?x} -o b=$(undef2) -o c=$myhostname -o d=${foo} -o e=$uucp_time_limit $undef3 -o f=${undef4:$undef5}\n";
    for main in [main, "bar = $undef9 $$x\n", ""] {
        for args in [&["-M"][..], &["-F"], &["-P"], &["-M", "uucp"]] {
            same_any_order(main, master, args);
        }
    }
}

#[test]
fn stock_debian_master_cf() {
    let master = testdata("debian.cf");
    for args in [
        &["-M"][..],
        &["-Mf"],
        &["-M", "smtp"],
        &["-M", "smtp/unix", "relay", "nosuch", "postlog/unix-dgram"],
        &["-F"],
        &["-Ff"],
        &[
            "-F",
            "smtp/inet/process_limit",
            "maildrop/unix/command",
            "qmgr",
        ],
        &["-Ff", "scalemail-backend/unix/command"],
        &["-P"],
        &["-P", "relay/unix/syslog_name", "smtp/inet"],
    ] {
        same(&master, args);
    }
}

#[test]
fn edge_case_files() {
    for file in ["edge.cf", "options.cf"] {
        let master = testdata(file);
        for args in [&["-M"][..], &["-Mf"], &["-F"], &["-Ff"], &["-P"]] {
            same_but_unused(&master, args);
        }
    }
}

#[test]
fn submission_overrides() {
    let master = "submission inet n - n - - smtpd\n  -o syslog_name=postfix/submission\n  -o smtpd_tls_security_level=encrypt\n  -o { smtpd_client_restrictions = permit_sasl_authenticated, reject }\n  -o smtpd_relay_restrictions=permit_sasl_authenticated,reject\n  -o milter_macro_daemon_name=ORIGINATING\n";
    for args in [
        &["-M"][..],
        &["-Mf"],
        &["-P"],
        &["-Ff"],
        &["-P", "submission/inet/smtpd_client_restrictions"],
    ] {
        same(master, args);
    }
}

/// A lone `-` among the daemon options takes the next argument as its value, as `-o`
/// does. One entry per file: Postfix 3.7 prints garbage for such a value when the file
/// holds more entries (a memory bug), which no one can match.
#[test]
fn lone_dash_option() {
    for master in [
        "dash1 unix - - - - - smtpd - x}y $x #c } fifo\n",
        "dash2 unix - - - - - smtpd -v - inet -o syslog_name=x\n",
        "dash3 unix - - - - - smtpd - syslog_name=x -o {a\tb = c} -o smtpd_banner=b\n",
        "dash4 unix - - - - - smtpd -\n",
    ] {
        for args in [&["-M"][..], &["-Mf"], &["-P"], &["-Ff"]] {
            same(master, args);
        }
    }
}

/// Grouped arguments that look like options: never split into letters, never
/// braced when printed.
#[test]
fn grouped_options() {
    for a in [
        "{-o{x=y}}",
        "{-v x} -o syslog_name=y",
        "{-o x=y}",
        "{-ox=y}",
        "{-vo} x=y",
        "{-o} syslog_name=y",
        "-o {-v y} -o syslog_name=y",
        "{-v} -o syslog_name=y",
        "-v{x} -o syslog_name=y",
        "{ - y --",
        "{\n -o{x=y} pass",
    ] {
        let master = format!("s unix - - - - - smtpd {a}\n");
        for args in [&["-M"][..], &["-Mf"], &["-P"]] {
            same(&master, args);
        }
    }
}

/// Postfix shows control characters in messages as "?", and at most 30 bytes of a
/// misplaced line.
#[test]
fn control_characters_in_messages() {
    same("\ts\tunix - - - - - smtpd\n", &["-M"]);
    same(" bbbbbbbbbbbbbbbbbbbbbbbbbbbbb\n", &["-M"]);
    same(" bbbbbbbbbbbbbbbbbbbbbbbbbbbbbb argv=/bin/x\n", &["-M"]);
    same("s unix - - - - - smtpd -o {a\tb=c\td}\n", &["-M"]);
    same("s\tbad - - - - - smtpd\n", &["-M"]);
}

/// Cases the random comparison with Postfix turned up: wrapping measured before the
/// braces are added, an empty word after a forced wrap, one `-o` set per
/// service/type shared by duplicate entries.
#[test]
fn found_by_random_comparison() {
    let master = "relay fifo y - n 60? 10 pipe bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb x}y inet = = {a b} {syslog_name = a b} flags=R\nx unix-dgram y n y - 0 { x } - syslog_name=x {} $x = {a b} x}y\nrelay pass - - - ? 0 pipe -o{x=y} pass\nrelay pass y n y 60 10 smtpd pass\n";
    for args in [&["-M"][..], &["-Mf"], &["-Ff"], &["-P"]] {
        same_but_unused(master, args);
    }
}

#[test]
fn malformed_entries() {
    for master in [
        "smtp inet n - y - -\n",
        "# c\n\na unix -\n # x\n\n  - -    -\n",
        "smtp bogus n - y - - smtpd\n",
        "s bad - - -\n - - smtpd x  \n",
        "smtp inet x - y - - smtpd\n",
        "smtp inet n x y - - smtpd\n",
        "smtp inet n - x - - smtpd\n",
        "smtp inet n - y 10x - smtpd\n",
        "smtp inet n - y -1 - smtpd\n",
        "smtp inet n - y - x smtpd\n",
        "smtp inet n - y - -1 smtpd\n",
        "s unix {- -} - - - smtpd x\n",
        "  smtp inet n - y - - smtpd\nlocal unix - n n - - local\n",
        "a unix - - - - - x\nbogus line\n",
        "a unix - - - - - x -o content_filter=\n",
        "",
    ] {
        same(master, &["-M"]);
    }
}

#[test]
fn selectors_and_their_errors() {
    let master = "smtp inet n - y - - smtpd -o syslog_name=a\nsmtp unix - - - - - smtp\nrelay unix - - n 10? 3 smtp -o syslog_name=b\n";
    for args in [
        &["-M", "smtp/inet/x"][..],
        &["-M", "/inet"],
        &["-M", "smtp/"],
        &["-M", "nosuch/inet", "relay"],
        &["-F", "smtp/inet/maxproc"],
        &["-F", "smtp/inet/bogus"],
        &["-F", "a/unix/command/x"],
        &["-F", "/unix/command"],
        &["-F", "relay/unix/"],
        &["-F", "smtp"],
        &[
            "-F",
            "relay/unix/type",
            "smtp/inet/command",
            "relay/unix/service",
        ],
        &["-P", "a/unix/b/c"],
        &["-P", "relay/unix/"],
        &["-P", "smtp", "local"],
        &["-P", "relay/unix/syslog_name"],
        &["-F", "smtp//command"],
        &["-P", "smtp//syslog_name"],
        &["-P", "smtp//"],
        &["-M", "nosuch/"],
        &["-P", "/"],
        &["-M", "/"],
        &["-F", "smtp//"],
        &["-F", "//"],
        &["-P", "smtp/inet/"],
        &["-M", ""],
    ] {
        same(master, args);
    }
}

#[test]
fn missing_master_cf_or_main_cf() {
    let conf = ConfDir::new("", None);
    let (ours, theirs) = both(&conf, &["-M"]);
    assert_eq!(ours, theirs);
    std::fs::remove_file(conf.file("main.cf")).expect("rm main.cf");
    let (ours, theirs) = both(&conf, &["-M", "/x"]);
    assert_eq!(ours, theirs);
    conf.write("master.cf", "s unix - - - - - smtpd\n");
    for args in [&["-M", "/x"][..], &["-F", "s/unix/bogus"], &["-P"]] {
        let (ours, theirs) = both(&conf, args);
        assert_eq!(ours, theirs, "{args:?}");
    }
    same_edit_in(&conf, &["-Pe", "s/unix/syslog_name=a"]);
}

#[test]
fn folded_parameters() {
    let mut master = String::new();
    for n in [54, 55, 56, 57, 58, 77] {
        master.push_str(&format!(
            "s{n} unix - - - - - smtpd -o {{smtpd_banner = {} b}}\n",
            "a".repeat(n)
        ));
    }
    master.push_str("t unix - - - - - smtpd -o {smtpd_banner = a b c d e f g h i j k l m n o p q r s t u v w x y z a b c d e f g h i j k l m n o p q r s t u v w x y z} -o content_filter=\n");
    for args in [&["-Pf"][..], &["-P"]] {
        same(&master, args);
    }
}

/// Runs the same edit with each implementation on its own copy of `master`; the
/// output, the status and the file written must be the same.
fn same_edit(master: &str, args: &[&str]) {
    same_edit_in(&ConfDir::new("", Some(master)), args);
}

/// [`same_edit`] on copies of `conf`'s main.cf (if any) and master.cf.
fn same_edit_in(conf: &ConfDir, args: &[&str]) {
    let copy = || {
        let dir = ConfDir::new("", None);
        std::fs::remove_file(dir.file("main.cf")).expect("rm main.cf");
        for name in ["main.cf", "master.cf"] {
            if let Ok(text) = std::fs::read_to_string(conf.file(name)) {
                dir.write(name, &text);
            }
        }
        dir
    };
    let (ours_dir, theirs_dir) = (copy(), copy());
    let ours = run(
        facteur("postconf")
            .arg("-c")
            .arg(ours_dir.path())
            .args(args),
        "",
    );
    let mut theirs = run(
        postfix("postconf")
            .arg("-c")
            .arg(theirs_dir.path())
            .args(args),
        "",
    );
    theirs.stderr = theirs.stderr.replace("/usr/sbin/postconf: ", "postconf: ");
    assert_eq!(ours, theirs, "postconf {args:?}");
    let read = |conf: &ConfDir| std::fs::read_to_string(conf.file("master.cf")).expect("master.cf");
    assert_eq!(
        read(&ours_dir),
        read(&theirs_dir),
        "master.cf after postconf {args:?}"
    );
}

#[test]
fn edits_on_the_stock_file() {
    let master = testdata("debian.cf");
    for args in [
        &["-Pe", "smtp/inet/smtpd_tls_security_level=may", "relay/unix/syslog_name=x"][..],
        &["-PX", "relay/unix/syslog_name"],
        &["-Fe", "smtp/inet/process_limit = 50", "qmgr/unix/wakeup = 600?"],
        &["-Fe", "maildrop/unix/command = pipe flags=DRXhu user=vmail argv=/usr/bin/maildrop -d ${recipient} -w 90"],
        &["-Me", "submission/inet = submission inet n - y - - smtpd -o syslog_name=postfix/submission"],
        &["-Me", "relay/unix = relay unix - - n - 10 smtp -o smtp_helo_timeout=5"],
        &["-MX", "uucp/unix", "ifmail/unix", "nosuch/unix"],
        &["-M#", "bsmtp/unix", "scalemail-backend/unix"],
        &["-Fe", "nosuch/unix/chroot = y"],
        &["-Pe", "nosuch/unix/syslog_name=y"],
    ] {
        same_edit(&master, args);
    }
}

#[test]
fn edits_around_comments_and_errors() {
    let master = "# head\nsmtp inet n - y - - smtpd -v\n  -o syslog_name=b\n# mid\nrelay unix - - n 10? 3 smtp -o syslog_name=y\n   -o smtp_helo_timeout=w\n  # inner\n   -o content_filter=1\nlocal unix - n n - - local\n";
    for args in [
        &[
            "-Pe",
            "relay/unix/syslog_name=v",
            "local/unix/content_filter=q",
            "smtp/inet/syslog_name=",
            "smtp/inet/content_filter=d",
        ][..],
        &["-PX", "relay/unix/syslog_name", "local/unix/nosuch"],
        &["-MX", "relay/unix", "smtp/inet"],
        &["-M#", "relay/unix"],
        &[
            "-Me",
            "relay/unix = relay unix - - n - - smtp -o content_filter=1 -o {syslog_name = s t}",
        ],
        &["-Me", "new/unix=new unix - - - - - x"],
        &["-Me", "relay/unix"],
        &["-Me", "relay/unix = bad"],
        &["-Me", "relay/unix = relay bad - - - - - x"],
        &["-Me", "relay = relay unix - - - - - x"],
        &["-Fe", "relay/unix/service = foo", "local/unix/type = fifo"],
        &["-Fe", "relay/unix/maxproc = 7"],
        &["-Fe", "relay/unix/chroot = bad"],
        &["-Fe", "relay/unix = 1"],
        &["-Fe", "relay/unix/command = pipe {a b} -o x"],
        &["-Pe", "relay/unix/syslog_name = a b"],
        &["-Pe", "relay/unix/syslog_name"],
        &["-PX", "relay/unix"],
        &["-MX", "relay"],
    ] {
        same_edit(master, args);
    }
}
