//! Registry tests: the table's order, each default against its kind, and the
//! differential test against the installed Postfix (which fails when Postfix is missing).

use super::*;
use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

const POSTCONF: &str = "/usr/sbin/postconf";

#[test]
fn sorted_and_unique() {
    let all = all();
    assert!(all.len() > 800, "{} parameters", all.len());
    for w in all.windows(2) {
        assert!(w[0].name < w[1].name, "{} before {}", w[0].name, w[1].name);
    }
}

#[test]
fn every_parameter_has_a_one_line_doc() {
    for p in all() {
        assert!(!p.doc.is_empty() && !p.doc.contains('\n'), "{}", p.name);
        assert!(p.doc.len() < 140, "{}: keep it to one line", p.name);
    }
}

#[test]
fn lookup_finds_every_entry_and_nothing_else() {
    for p in all() {
        assert_eq!(lookup(p.name).map(|q| q.name), Some(p.name));
    }
    assert!(lookup("").is_none());
    assert!(lookup("no_such_parameter").is_none());
    assert!(lookup("zzz").is_none());
    let t = lookup("smtpd_timeout").map(|p| (p.kind, p.default));
    assert_eq!(
        t,
        Some((
            Kind::Time {
                unit: 's',
                min: 1,
                max: TIME_MAX
            },
            Default::Text("${stress?{10}:{300}}s")
        ))
    );
}

#[test]
fn well_known_kinds() {
    let kind = |n: &str| lookup(n).map(|p| p.kind);
    let time = |unit| {
        Some(Kind::Time {
            unit,
            min: 0,
            max: TIME_MAX,
        })
    };
    assert_eq!(kind("maximal_queue_lifetime").map(unit_of), Some(Some('d')));
    assert_eq!(kind("bounce_queue_lifetime").map(unit_of), Some(Some('d')));
    assert_eq!(kind("minimal_backoff_time").map(unit_of), Some(Some('s')));
    assert_eq!(kind("queue_run_delay").map(unit_of), Some(Some('s')));
    assert_eq!(kind("delay_warning_time"), time('h'));
    assert_eq!(kind("message_size_limit"), Some(Kind::Size { min: 0 }));
    assert_eq!(kind("biff"), Some(Kind::Bool));
    assert_eq!(kind("alias_maps"), Some(Kind::TableList));
    assert_eq!(kind("smtpd_recipient_restrictions"), Some(Kind::List));
    assert_eq!(kind("mydestination"), Some(Kind::List));
    assert_eq!(kind("myhostname"), Some(Kind::Str));
    assert_eq!(lookup("myhostname").map(|p| p.default), Some(Default::Host));
}

fn unit_of(k: Kind) -> Option<char> {
    match k {
        Kind::Time { unit, .. } => Some(unit),
        _ => None,
    }
}

#[test]
fn implemented_covers_the_first_issues() {
    let n = all().iter().filter(|p| p.implemented).count();
    assert!(n > 100, "{n} implemented");
    for name in [
        "myhostname",
        "smtpd_banner",
        "smtpd_recipient_restrictions",
        "alias_maps",
        "maximal_queue_lifetime",
        "qmgr_message_active_limit",
        "relayhost",
        "home_mailbox",
        "virtual_mailbox_maps",
        "message_size_limit",
        "header_checks",
        "syslog_name",
    ] {
        assert_eq!(lookup(name).map(|p| p.implemented), Some(true), "{name}");
    }
    for name in [
        "postscreen_dnsbl_sites",
        "tlsproxy_enforce_tls",
        "milter_protocol",
        "lmtp_sasl_auth_enable",
    ] {
        assert_eq!(lookup(name).map(|p| p.implemented), Some(false), "{name}");
    }
}

// ---- each default, expanded with the other defaults, is a valid value of its kind ----

/// Postfix's default texts where facteur's differ (DIFFERS_FROM_POSTFIX).
fn postfix_text(name: &str) -> Option<&'static str> {
    Some(match name {
        "config_directory" | "meta_directory" => "/etc/postfix",
        "queue_directory" => "/var/spool/postfix",
        "data_directory" => "/var/lib/postfix",
        "syslog_name" => "${multi_instance_name?{$multi_instance_name}:{postfix}}",
        "mail_version" => "3.7.11",
        _ => return None,
    })
}

/// The default text of `name` as facteur uses it, or with `pf` as Postfix does; `None`
/// for a name that is not a parameter.
fn default_text(name: &str, pf: bool) -> Option<String> {
    match lookup(name)?.default {
        _ if pf && postfix_text(name).is_some() => postfix_text(name).map(str::to_owned),
        Default::Text(t) => Some(t.to_owned()),
        Default::Host => host_default(name),
    }
}

/// A test-only expander for default texts (crate::expand is the real one): `$name`,
/// `${name}`, `$(name)`, `${name?{x}:{y}}`, `${name?x}`, `${name:x}` and
/// `${{a} <level {b} ? {x} : {y}}`. Other parameters take their defaults.
fn expand(text: &str, depth: usize, pf: bool) -> String {
    assert!(depth < 30, "expansion loop in {text}");
    let b = text.as_bytes();
    let mut out = String::new();
    let mut i = 0;
    while i < b.len() {
        if b[i] != b'$' {
            let start = i;
            while i < b.len() && b[i] != b'$' {
                i += 1;
            }
            out.push_str(&text[start..i]);
            continue;
        }
        i += 1;
        match b.get(i) {
            Some(&open @ (b'{' | b'(')) => {
                let close = if open == b'{' { b'}' } else { b')' };
                let end = matching(b, i, open, close);
                out.push_str(&expand_braced(&text[i + 1..end], depth, pf));
                i = end + 1;
            }
            _ => {
                let start = i;
                while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'_') {
                    i += 1;
                }
                // Legacy names (virtual_maps, fallback_relay ...) that postconf no
                // longer lists expand to nothing.
                if let Some(t) = default_text(&text[start..i], pf) {
                    out.push_str(&expand(&t, depth + 1, pf));
                }
            }
        }
    }
    out
}

/// The index of the bracket closing the one at `at`.
fn matching(b: &[u8], at: usize, open: u8, close: u8) -> usize {
    let mut level = 0;
    for (j, &c) in b.iter().enumerate().skip(at) {
        if c == open {
            level += 1;
        } else if c == close {
            level -= 1;
            if level == 0 {
                return j;
            }
        }
    }
    panic!("unbalanced {}", String::from_utf8_lossy(b));
}

/// `{x}` → x, x otherwise.
fn unbrace(s: &str) -> &str {
    let s = s.trim();
    s.strip_prefix('{')
        .and_then(|s| s.strip_suffix('}'))
        .unwrap_or(s)
}

fn expand_braced(inner: &str, depth: usize, pf: bool) -> String {
    if inner.starts_with('{') {
        // ${{a} op {b} ? {x} : {y}}
        let b = inner.as_bytes();
        let a_end = matching(b, 0, b'{', b'}');
        let rest = inner[a_end + 1..].trim_start();
        let (op, rest) = rest.split_once(' ').unwrap_or_default();
        let rest = rest.trim_start();
        let b_end = matching(rest.as_bytes(), 0, b'{', b'}');
        let lhs = expand(&inner[1..a_end], depth + 1, pf);
        let rhs = expand(&rest[1..b_end], depth + 1, pf);
        let rest = rest[b_end + 1..]
            .trim_start()
            .strip_prefix('?')
            .unwrap_or_default()
            .trim_start();
        let x_end = matching(rest.as_bytes(), 0, b'{', b'}');
        let x = &rest[1..x_end];
        let y = unbrace(
            rest[x_end + 1..]
                .trim_start()
                .strip_prefix(':')
                .unwrap_or_default(),
        );
        let level =
            |s: &str| -> Vec<u32> { s.split('.').map(|n| n.parse().unwrap_or(0)).collect() };
        let truth = match op {
            "<level" => level(&lhs) < level(&rhs),
            "<=level" => level(&lhs) <= level(&rhs),
            ">level" => level(&lhs) > level(&rhs),
            ">=level" => level(&lhs) >= level(&rhs),
            "==" => lhs == rhs,
            "!=" => lhs != rhs,
            _ => panic!("operator {op}"),
        };
        return expand(if truth { x } else { y }, depth + 1, pf);
    }
    let name_end = inner.find(['?', ':']).unwrap_or(inner.len());
    let value = default_text(&inner[..name_end], pf).unwrap_or_default();
    let value = expand(&value, depth + 1, pf);
    if name_end == inner.len() {
        return value;
    }
    let rest = &inner[name_end + 1..];
    let (if_set, if_unset) = if inner.as_bytes()[name_end] == b'?' {
        match rest.trim_start().starts_with('{') {
            true => {
                let r = rest.trim_start();
                let end = matching(r.as_bytes(), 0, b'{', b'}');
                (
                    Some(&r[1..end]),
                    r[end + 1..].trim_start().strip_prefix(':').map(unbrace),
                )
            }
            false => (Some(rest), None),
        }
    } else {
        (None, Some(unbrace(rest)))
    };
    match (value.is_empty(), if_set, if_unset) {
        (false, Some(x), _) => expand(x, depth + 1, pf),
        (true, _, Some(y)) => expand(y, depth + 1, pf),
        _ => String::new(),
    }
}

/// Whether `value` (expanded) is valid for `kind`, as Postfix would read it.
fn valid(kind: Kind, value: &str) -> bool {
    let v = value.trim();
    match kind {
        Kind::Str | Kind::List => true,
        Kind::Bool => v.eq_ignore_ascii_case("yes") || v.eq_ignore_ascii_case("no"),
        Kind::Int { min, max } => v.parse::<i64>().is_ok_and(|n| (min..=max).contains(&n)),
        Kind::Size { min } => v.parse::<i64>().is_ok_and(|n| n >= min),
        Kind::Time { unit, min, max } => {
            let (digits, u) = match v.char_indices().last() {
                Some((i, c)) if c.is_ascii_alphabetic() => (&v[..i], c),
                _ => (v, unit),
            };
            let scale = match u {
                's' => 1,
                'm' => 60,
                'h' => 3600,
                'd' => 86400,
                'w' => 604800,
                _ => return false,
            };
            digits
                .parse::<i64>()
                .is_ok_and(|n| (min..=max).contains(&(n * scale)))
        }
        Kind::TableList => v
            .split(|c: char| c == ',' || c.is_whitespace())
            .filter(|t| !t.is_empty())
            .all(|t| t.split_once(':').is_some_and(|(ty, _)| !ty.is_empty())),
    }
}

#[test]
fn every_default_is_valid_for_its_kind() {
    let mut bad = Vec::new();
    for p in all() {
        let text = expand(&default_text(p.name, false).unwrap_or_default(), 0, false);
        if !valid(p.kind, &text) {
            bad.push(format!("{} ({:?}) = {text:?}", p.name, p.kind));
        }
    }
    assert!(
        bad.is_empty(),
        "defaults that do not parse as their kind:\n{}",
        bad.join("\n")
    );
}

#[test]
fn validator_rejects_bad_values() {
    assert!(!valid(Kind::Bool, "maybe"));
    assert!(!valid(Kind::Int { min: 1, max: 10 }, "0"));
    assert!(!valid(
        Kind::Time {
            unit: 's',
            min: 0,
            max: TIME_MAX
        },
        "5x"
    ));
    assert!(valid(
        Kind::Time {
            unit: 'd',
            min: 0,
            max: TIME_MAX
        },
        "5"
    ));
    assert!(!valid(Kind::TableList, "/etc/aliases"));
}

// ---- differential: the installed Postfix is the reference ----

/// `postconf -c DIR <args>` with an empty main.cf and the given master.cf text.
fn postconf(args: &[&str], master_cf: &str) -> BTreeMap<String, String> {
    postconf_with(args, "", master_cf)
}

fn postconf_with(args: &[&str], main_cf: &str, master_cf: &str) -> BTreeMap<String, String> {
    assert!(
        Path::new(POSTCONF).exists(),
        "{POSTCONF} is missing: the registry's differential test needs Postfix 3.7 installed"
    );
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(dir.path().join("main.cf"), main_cf).expect("main.cf");
    std::fs::write(dir.path().join("master.cf"), master_cf).expect("master.cf");
    let out = Command::new(POSTCONF)
        .arg("-c")
        .arg(dir.path())
        .args(args)
        .output()
        .expect("run postconf");
    assert!(
        out.status.success(),
        "postconf: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout)
        .expect("utf-8")
        .lines()
        .map(|l| {
            let (k, v) = l.split_once(" =").unwrap_or((l, ""));
            (k.to_owned(), v.strip_prefix(' ').unwrap_or(v).to_owned())
        })
        .collect()
}

#[test]
fn same_parameters_and_defaults_as_postfix() {
    let postfix = postconf(&["-d"], "");
    let ours: BTreeMap<_, _> = all().iter().map(|p| (p.name, p)).collect();
    let missing: Vec<_> = postfix
        .keys()
        .filter(|k| !ours.contains_key(k.as_str()))
        .collect();
    let extra: Vec<_> = ours.keys().filter(|k| !postfix.contains_key(**k)).collect();
    assert!(
        missing.is_empty(),
        "Postfix parameters not registered: {missing:?}"
    );
    assert!(
        extra.is_empty(),
        "registered parameters Postfix does not have: {extra:?}"
    );
    let mut differ = Vec::new();
    for p in all() {
        if DIFFERS_FROM_POSTFIX.contains(&p.name) {
            continue;
        }
        let want = &postfix[p.name];
        match p.default {
            Default::Text(t) if t != want => {
                differ.push(format!("{}: ours {t:?}, Postfix {want:?}", p.name))
            }
            Default::Text(_) => {}
            Default::Host => {
                // Same host, same computation (process_*: another process).
                let ours = host_default(p.name).unwrap_or_default();
                if !p.name.starts_with("process_") && ours != *want {
                    differ.push(format!("{}: ours {ours:?}, Postfix {want:?}", p.name));
                }
            }
        }
    }
    assert!(
        differ.is_empty(),
        "defaults differ from postconf -d:\n{}",
        differ.join("\n")
    );
}

#[test]
fn host_and_differing_lists_are_registered() {
    for name in HOST_DEPENDENT {
        assert_eq!(
            lookup(name).map(|p| p.default),
            Some(Default::Host),
            "{name}"
        );
    }
    for name in DIFFERS_FROM_POSTFIX {
        let ours = lookup(name).map(|p| p.default);
        assert!(matches!(ours, Some(Default::Text(_))), "{name}");
        assert!(
            postfix_text(name).is_some(),
            "{name}: say what Postfix prints"
        );
        assert_ne!(ours, postfix_text(name).map(Default::Text), "{name}");
    }
}

#[test]
fn expanded_defaults_match_postfix() {
    // Checks the test expander (and so the kind test) against postconf -dx.
    let postfix = postconf(&["-dx"], "");
    let mut differ = Vec::new();
    for p in all() {
        if p.default == Default::Host {
            continue;
        }
        let ours = expand(&default_text(p.name, true).unwrap_or_default(), 0, true);
        let theirs = &postfix[p.name];
        // postconf -x squeezes white space, and gives up on some values that hold `$`.
        let squeeze = |s: &str| s.split_whitespace().collect::<Vec<_>>().join(" ");
        if squeeze(&ours) != squeeze(theirs) && !theirs.contains('$') {
            differ.push(format!("{}: ours {ours:?}, Postfix {theirs:?}", p.name));
        }
    }
    assert!(
        differ.is_empty(),
        "expanded defaults differ:\n{}",
        differ.join("\n")
    );
}

#[test]
fn service_parameters_match_postfix() {
    // Services of each delivery-agent command plus ones postconf ignores.
    check_service_parameters(SAMPLE_MASTER_CF);
    // And Debian's stock master.cf, with its pipe services (uucp, maildrop ...).
    let stock = std::fs::read_to_string("/etc/postfix/master.cf").expect("stock master.cf");
    check_service_parameters(&stock);
}

const SAMPLE_MASTER_CF: &str = "\
smtp      unix  -       -       y       -       -       smtp
relay     unix  -       -       y       -       -       smtp
  -o syslog_name=postfix/relay
local     unix  -       n       n       -       -       local
uucp      unix  -       n       n       -       -       pipe flags=Fqhu user=uucp argv=uux
retry     unix  -       -       y       -       -       error
virtual   unix  -       n       n       -       -       virtual
lmtp      unix  -       -       y       -       -       lmtp
discard   unix  -       -       y       -       -       discard
smtp      inet  n       -       y       -       -       smtpd
cleanup   unix  n       -       y       -       0       cleanup
";

fn check_service_parameters(master: &str) {
    let postfix = postconf(&["-d"], master);
    let mut ours: BTreeMap<String, String> = all()
        .iter()
        .map(|p| (p.name.to_owned(), String::new()))
        .collect();
    let services = master
        .lines()
        .filter(|l| !l.starts_with(char::is_whitespace) && !l.starts_with('#'));
    for line in services {
        let f: Vec<&str> = line.split_whitespace().collect();
        if f.len() >= 8 && f[1] == "unix" {
            for sp in service_params(f[0], f[7]) {
                ours.insert(sp.name, sp.default.to_owned());
            }
        }
    }
    let theirs: Vec<_> = postfix.keys().collect();
    let mine: Vec<_> = ours.keys().collect();
    assert_eq!(mine, theirs);
    for (name, default) in ours.iter().filter(|(_, d)| !d.is_empty()) {
        assert_eq!(default, &postfix[name], "{name}");
    }
}

#[test]
fn host_computations_match_postfix() {
    // postconf takes a while to start without -d: one run per case, several names each.
    let addrs = interface_addresses();
    let host = rustix::system::uname()
        .nodename()
        .to_string_lossy()
        .into_owned();
    let cases = [
        (
            "host",
            "myhostname = mx.example.com",
            "mydomain",
            mydomain_from("mx.example.com"),
        ),
        (
            "class",
            "myhostname = example.com",
            "mydomain",
            mydomain_from("example.com"),
        ),
        (
            "subnet",
            "mydomain = foo.org",
            "myhostname",
            myhostname_from(&host, Some("foo.org")),
        ),
    ];
    for (style, line, name, ours) in cases {
        let main = format!("mynetworks_style = {style}\n{line}\n");
        let postfix = postconf_with(&["mynetworks", name], &main, "");
        let style = NetworksStyle::parse(style).expect("style");
        assert_eq!(
            mynetworks_for(style, &addrs),
            postfix["mynetworks"],
            "{style:?}"
        );
        assert_eq!(ours, postfix[name], "{line}");
    }
}
