//! "unused parameter" and "undefined parameter" warnings, as postconf gives them with
//! `-M`, `-F` and `-P`:
//! - a master.cf `-o name=value` is unused when `name` is not a parameter facteur
//!   knows (the registry, or one derived from a master.cf service such as
//!   `uucp_time_limit`) and no main.cf or master.cf `-o` value refers to `$name`;
//! - a `$name` in a main.cf value or a master.cf `-o` value is undefined when `name`
//!   is neither known nor set in main.cf or by any master.cf `-o`.
//!
//! Postfix prints them in hash-table order; facteur prints them in file order.

use std::collections::HashSet;
use std::path::Path;

use config::master_cf::MasterCf;
use config::params;

/// The warnings, worded as Postfix's (`PATH: unused parameter: name=value`,
/// `PATH: undefined parameter: name`).
pub(super) fn warnings(master: &MasterCf, config_dir: &Path, main_cf: &str) -> Vec<String> {
    let master_path = config_dir.join("master.cf");
    let main_path = config_dir.join("main.cf");
    let main_settings = main_cf_settings(main_cf);
    let mut known: HashSet<String> = HashSet::new();
    let mut referenced: HashSet<String> = HashSet::new();
    for service in &master.services {
        for derived in params::service_params(&service.name, &service.command) {
            known.insert(derived.name);
        }
        for (_, value) in &service.overrides {
            referenced.extend(references(value));
        }
    }
    for (_, value) in &main_settings {
        referenced.extend(references(value));
    }
    let is_known = |name: &str| params::lookup(name).is_some() || known.contains(name);
    let defined = |name: &str| {
        is_known(name)
            || main_settings.iter().any(|(n, _)| n == name)
            || master
                .services
                .iter()
                .any(|s| s.overrides.iter().any(|(n, _)| n == name))
    };
    let mut out = Vec::new();
    let mut undefined = |path: &Path, value: &str, reported: &mut HashSet<String>| {
        for name in references(value) {
            if !defined(&name) && reported.insert(name.clone()) {
                out.push(format!("{}: undefined parameter: {name}", path.display()));
            }
        }
    };
    let mut reported = HashSet::new();
    for (_, value) in &main_settings {
        undefined(&main_path, value, &mut reported);
    }
    let mut reported = HashSet::new();
    for service in &master.services {
        for (_, value) in &service.overrides {
            undefined(&master_path, value, &mut reported);
        }
    }
    // One per parameter and entry, as `-P` shows them.
    for params in super::params_by_entry(master) {
        for (name, value) in params {
            if !is_known(&name) && !referenced.contains(&name) {
                out.push(format!(
                    "{}: unused parameter: {name}={value}",
                    master_path.display()
                ));
            }
        }
    }
    out
}

/// Every name referred to as `$name`, `${name...}` or `$(name...)` in `value` (`$$`
/// is a literal dollar).
fn references(value: &str) -> Vec<String> {
    let mut names = Vec::new();
    let bytes = value.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] != b'$' {
            i += 1;
            continue;
        }
        i += 1;
        if bytes.get(i) == Some(&b'$') {
            i += 1;
            continue;
        }
        if matches!(bytes.get(i), Some(b'{' | b'(')) {
            i += 1;
        }
        let start = i;
        while i < bytes.len() && (bytes[i].is_ascii_alphanumeric() || bytes[i] == b'_') {
            i += 1;
        }
        if i > start {
            names.push(value[start..i].to_owned());
        }
    }
    names
}

/// main.cf's `name = value` settings (comments and blank lines skipped, continuation
/// lines joined). A reader of our own until `config::main_cf` has one.
fn main_cf_settings(text: &str) -> Vec<(String, String)> {
    let mut values: Vec<(String, String)> = Vec::new();
    let mut current: Option<(String, String)> = None;
    for line in text.lines() {
        let body = line.trim_start();
        if body.is_empty() || body.starts_with('#') {
            continue;
        }
        if line.starts_with(char::is_whitespace) {
            if let Some((_, value)) = current.as_mut() {
                value.push(' ');
                value.push_str(body);
            }
            continue;
        }
        values.extend(current.take());
        current = line
            .split_once('=')
            .map(|(n, v)| (n.trim().to_owned(), v.trim().to_owned()));
    }
    values.extend(current);
    values
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_known_derived_or_referenced_are_used() {
        let text = "s unix - - - - - smtpd -o smtpd_client_restrictions=$mua_x -o mua_x=1 -o baz=2 -o qq=3 -o zz=$yy -o yy=1 -o s_time_limit=1 -o uucp_time_limit=1 -o qq=4\nuucp unix - - - - - pipe x\n";
        let master = config::master_cf::parse(text, Path::new("m")).expect("parses");
        let main = "foo = 1\nbar = ${baz?x} $undef\n# $qq\n";
        assert_eq!(
            warnings(&master, Path::new("d"), main),
            [
                "d/main.cf: undefined parameter: undef",
                "d/master.cf: unused parameter: qq=4",
                "d/master.cf: unused parameter: s_time_limit=1",
                "d/master.cf: unused parameter: zz=$yy",
            ]
        );
    }
}
