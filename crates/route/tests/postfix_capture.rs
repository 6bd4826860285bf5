//! Differential check against Postfix 3.7's own trivial-rewrite: every request in
//! `testdata/postfix-3.7.txt` (`resolve`, `verify`, `rewrite`) was answered by Postfix 3.7.11 (`testdata/capture.py`
//! runs `trivial-rewrite -S` with the request on stdin, for each case's main.cf);
//! facteur must give the same answers. Regenerate after editing `testdata/cases.txt`:
//!
//!     cd crates/route/testdata
//!     sudo unshare -m --propagation private python3 capture.py cases.txt > postfix-3.7.txt

use config::Config;
use facteur_route as route;
use route::rewrite::{rewrite_external, Context};
use route::{resolve, resolve_verify, Class, RouteError, RouteSettings};

/// capture.py's base main.cf.
const BASE: &[(&str, &str)] = &[
    ("compatibility_level", "3.6"),
    ("myhostname", "host.example.com"),
    ("mydomain", "example.com"),
    ("inet_interfaces", "127.0.0.1"),
    ("inet_protocols", "ipv4"),
];

// Postfix's resolver flag bits (global/resolve_clnt.h).
const FLAG_ROUTED: u32 = 1 << 1;
const FLAG_ERROR: u32 = 1 << 2;
const FLAG_FAIL: u32 = 1 << 3;

fn class_bit(class: Class) -> u32 {
    match class {
        Class::Local => 1 << 8,
        Class::Alias => 1 << 9,
        Class::Virtual => 1 << 10,
        Class::Relay => 1 << 11,
        Class::Default => 1 << 12,
    }
}

struct Case {
    name: String,
    settings: Vec<(String, String)>,
    /// Request fields, reply fields, warnings logged while answering.
    requests: Vec<(Vec<String>, Vec<String>, Vec<String>)>,
}

fn cases() -> Vec<Case> {
    let text = include_str!("../testdata/postfix-3.7.txt");
    let mut cases: Vec<Case> = Vec::new();
    for line in text.lines() {
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        if line.starts_with('[') {
            cases.push(Case {
                name: line.to_string(),
                settings: Vec::new(),
                requests: Vec::new(),
            });
            continue;
        }
        let case = cases.last_mut().expect("a [case] line first");
        let fields: Vec<String> = line.split('\t').map(str::to_string).collect();
        match fields[0].as_str() {
            "resolve" | "verify" | "rewrite" => {
                let arrow = fields.iter().position(|f| f == "->").expect("->");
                case.requests.push((
                    fields[..arrow].to_vec(),
                    fields[arrow + 1..].to_vec(),
                    Vec::new(),
                ));
            }
            "warning" => case
                .requests
                .last_mut()
                .expect("a request before its warning")
                .2
                .push(fields[1].clone()),
            _ => {
                let (k, v) = line.split_once(" = ").expect("name = value");
                case.settings.push((k.to_string(), v.to_string()));
            }
        }
    }
    cases
}

/// `(request kind, address)` whose resolved text may differ (see the file).
fn known_differences() -> Vec<(String, String)> {
    include_str!("../testdata/known-differences.txt")
        .lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
        .filter_map(|l| l.split_once('\t'))
        .map(|(k, a)| (k.to_string(), a.to_string()))
        .collect()
}

#[test]
fn same_answers_as_postfix_3_7() {
    let known = known_differences();
    let mut checked = 0;
    let mut failures = Vec::new();
    for case in cases() {
        let mut overrides: Vec<(String, String)> = BASE
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let testdata = concat!(env!("CARGO_MANIFEST_DIR"), "/testdata");
        overrides.extend(
            case.settings
                .iter()
                .map(|(k, v)| (k.clone(), v.replace("$TESTDATA", testdata))),
        );
        let cfg = Config::default().with_overrides(&overrides);
        let settings = RouteSettings::new(&cfg, &[]).expect("settings");
        for (req, reply, warnings) in &case.requests {
            checked += 1;
            let text_may_differ = known.contains(&(req[0].clone(), req[2].clone()));
            let got = match req[0].as_str() {
                "resolve" | "verify" => {
                    check_resolve(&settings, req, reply, warnings, text_may_differ)
                }
                _ => check_rewrite(&settings, req, reply),
            };
            match got {
                Err(e) if !(text_may_differ && req[0] == "rewrite") => {
                    failures.push(format!("{} {:?}: {e}", case.name, req))
                }
                Ok(()) if text_may_differ && check_resolve_text(&settings, req, reply) => failures
                    .push(format!(
                        "{} {:?}: matches Postfix now; remove it from known-differences.txt",
                        case.name, req
                    )),
                _ => {}
            }
        }
    }
    assert!(checked > 800, "only {checked} captured requests");
    assert!(
        failures.is_empty(),
        "{} of {checked} differ from Postfix:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

fn check_resolve(
    settings: &RouteSettings,
    req: &[String],
    reply: &[String],
    warnings: &[String],
    text_may_differ: bool,
) -> Result<(), String> {
    let (sender, address) = (&req[1], &req[2]);
    let flags: u32 = reply[4].parse().map_err(|_| "bad flags".to_string())?;
    let got = if req[0] == "verify" {
        resolve_verify(settings, sender, address)
    } else {
        resolve(settings, sender, address)
    };
    if flags & FLAG_FAIL != 0 {
        return match got {
            // A table failure, or a transport parameter with an empty transport.
            Err(RouteError::Lookup { .. } | RouteError::NullTransport { .. }) => Ok(()),
            other => Err(format!("want a lookup failure, got {other:?}")),
        };
    }
    let got = got.map_err(|e| format!("unexpected error {e}"))?;
    let mut got_flags = class_bit(got.class);
    if got.flags.routed {
        got_flags |= FLAG_ROUTED;
    }
    if got.flags.error {
        got_flags |= FLAG_ERROR;
    }
    // Postfix leaves transport and next hop unset ("CHANNEL NOT UPDATED") when a
    // malformed domain stops it early; facteur leaves them empty.
    let want = if reply[1] == "CHANNEL NOT UPDATED" {
        ("", "", reply[3].as_str(), flags)
    } else {
        (
            reply[1].as_str(),
            reply[2].as_str(),
            reply[3].as_str(),
            flags,
        )
    };
    let have = (
        got.transport.as_str(),
        got.nexthop.as_str(),
        if text_may_differ {
            want.2
        } else {
            got.recipient.as_str()
        },
        got_flags,
    );
    if have != want {
        return Err(format!("want {want:?}, got {have:?}"));
    }
    let want_warnings: Vec<&String> = warnings
        .iter()
        .filter(|w| w.starts_with("do not list"))
        .collect();
    let got_warnings: Vec<String> = got.warnings.iter().map(|w| w.to_string()).collect();
    if want_warnings != got_warnings.iter().collect::<Vec<_>>() {
        return Err(format!(
            "want warnings {want_warnings:?}, got {got_warnings:?}"
        ));
    }
    Ok(())
}

/// Whether a known difference has gone away: the full answer matches.
fn check_resolve_text(settings: &RouteSettings, req: &[String], reply: &[String]) -> bool {
    match req[0].as_str() {
        "resolve" => resolve(settings, &req[1], &req[2]).is_ok_and(|got| got.recipient == reply[3]),
        _ => check_rewrite(settings, req, reply).is_ok(),
    }
}

/// The rewrite service takes and gives the external (quoted) form; compare through
/// `rewrite_external` and quoting.
fn check_rewrite(settings: &RouteSettings, req: &[String], reply: &[String]) -> Result<(), String> {
    let context = Context::parse(&req[1]).ok_or("bad context")?;
    let got = rewrite_external(settings, context, &req[2]);
    let want = unquote_local(&reply[1]);
    if got != want {
        return Err(format!("want {want:?}, got {got:?}"));
    }
    Ok(())
}

/// Postfix `unquote_822_local`, as rewrite_clnt applies it to the service's answer:
/// a quoted local part loses its quotes and backslashes.
fn unquote_local(external: &str) -> String {
    let Some(rest) = external.strip_prefix('"') else {
        return external.to_string();
    };
    let mut out = String::new();
    let mut chars = rest.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => out.extend(chars.next()),
            '"' => {
                out.extend(chars);
                return out;
            }
            c => out.push(c),
        }
    }
    external.to_string()
}
