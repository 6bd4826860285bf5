//! One test per search order: a table that answers every key with the key itself
//! records the order; small inline tables check precedence.

use std::sync::Mutex;

use super::*;
use crate::OpenOptions;

/// Records every key it is asked and never finds anything.
#[derive(Debug, Default)]
struct Recorder {
    asked: Mutex<Vec<String>>,
    pattern: bool,
}

impl Table for Recorder {
    fn lookup(&self, key: &str) -> Result<Option<String>, TableError> {
        self.asked.lock().unwrap().push(key.to_string());
        Ok(None)
    }
    fn spec(&self) -> &str {
        "recorder:"
    }
    fn is_pattern(&self) -> bool {
        self.pattern
    }
}

fn order(run: impl Fn(&[Arc<dyn Table>])) -> (Vec<String>, Vec<String>) {
    let fixed = Arc::new(Recorder::default());
    let pattern = Arc::new(Recorder {
        pattern: true,
        ..Default::default()
    });
    let maps: Vec<Arc<dyn Table>> = vec![fixed.clone(), pattern.clone()];
    run(&maps);
    let f = fixed.asked.lock().unwrap().clone();
    let p = pattern.asked.lock().unwrap().clone();
    (f, p)
}

fn open(spec: &str) -> Arc<dyn Table> {
    crate::open(spec, &OpenOptions::default()).unwrap()
}

#[test]
fn domain_keys_both_styles() {
    assert_eq!(
        domain_keys("a.b.example.com.", true),
        ["a.b.example.com", "b.example.com", "example.com", "com"]
    );
    assert_eq!(
        domain_keys("a.example.com", false),
        ["a.example.com", ".example.com", ".com"]
    );
    assert!(domain_keys("", false).is_empty());
}

#[test]
fn access_address_order() {
    let rules = ExtensionRules::new("+");
    let (f, p) = order(|m| {
        access_address(m, "user+ext@mail.example.com", &rules, true).unwrap();
    });
    assert_eq!(
        f,
        [
            "user+ext@mail.example.com",
            "user@mail.example.com",
            "mail.example.com",
            "example.com",
            "com",
            "user+ext@",
            "user@",
        ]
    );
    assert_eq!(p, ["user+ext@mail.example.com"]);
    let (f, _) = order(|m| {
        access_address(m, "user@example.com", &rules, false).unwrap();
    });
    assert_eq!(f, ["user@example.com", "example.com", ".com", "user@"]);
}

#[test]
fn access_address_precedence() {
    let rules = ExtensionRules::new("+");
    let maps = vec![open(
        "inline:{ user@=AT, example.com=DOM, user@example.com=BARE }",
    )];
    let f = access_address(&maps, "User+x@Example.com", &rules, true)
        .unwrap()
        .unwrap();
    assert_eq!(
        (f.key.as_str(), f.value.as_str(), f.extension.as_deref()),
        ("User@Example.com", "BARE", Some("+x"))
    );
    let f = access_address(&maps, "other@sub.example.com", &rules, true)
        .unwrap()
        .unwrap();
    assert_eq!(f.value, "DOM");
    let f = access_address(&maps, "user@other.org", &rules, true)
        .unwrap()
        .unwrap();
    assert_eq!(f.value, "AT");
    let maps = vec![open("regexp:{ {/^example\\.com$/ RE} }")];
    assert_eq!(
        access_address(&maps, "u@example.com", &rules, true).unwrap(),
        None
    );
}

#[test]
fn access_hostname_and_ip_orders() {
    let (f, p) = order(|m| {
        access_hostname(m, "mx.example.com", false).unwrap();
    });
    assert_eq!(f, ["mx.example.com", ".example.com", ".com"]);
    assert_eq!(p, ["mx.example.com"]);
    let (f, p) = order(|m| {
        access_ip(m, "192.0.2.10").unwrap();
    });
    assert_eq!(f, ["192.0.2.10", "192.0.2", "192.0", "192"]);
    assert_eq!(p, ["192.0.2.10"]);
    let (f, _) = order(|m| {
        access_ip(m, "2001:db8::1").unwrap();
    });
    assert_eq!(f, ["2001:db8::1", "2001:db8:", "2001:db8", "2001"]);
    let maps = vec![open("texthash:/dev/null"), open("inline:{192.0.2=NET}")];
    assert_eq!(access_ip(&maps, "192.0.2.7").unwrap().unwrap().value, "NET");
}

#[test]
fn virtual_and_canonical_order() {
    let rules = ExtensionRules::new("+");
    let (f, p) = order(|m| {
        address_mapping(m, "user+ext@example.com", &rules, true).unwrap();
    });
    assert_eq!(
        f,
        [
            "user+ext@example.com",
            "user@example.com",
            "user+ext",
            "user",
            "@example.com"
        ]
    );
    assert_eq!(p, ["user+ext@example.com"]);
    let (f, _) = order(|m| {
        address_mapping(m, "user@remote.org", &rules, false).unwrap();
    });
    assert_eq!(f, ["user@remote.org", "@remote.org"]);
    let maps = vec![open("inline:{ @example.com=catchall, user=local }")];
    let f = address_mapping(&maps, "user+x@example.com", &rules, true)
        .unwrap()
        .unwrap();
    assert_eq!(
        (f.value.as_str(), f.extension.as_deref()),
        ("local", Some("+x"))
    );
    let f = address_mapping(&maps, "user+x@example.com", &rules, false)
        .unwrap()
        .unwrap();
    assert_eq!(f.value, "catchall");
}

#[test]
fn aliases_order() {
    let rules = ExtensionRules::new("+-");
    let (f, p) = order(|m| {
        aliases(m, "user-ext", &rules).unwrap();
    });
    assert_eq!(f, ["user-ext", "user"]);
    assert_eq!(p, ["user-ext", "user"]);
    let (f, _) = order(|m| {
        aliases(m, "owner-list", &rules).unwrap();
    });
    assert_eq!(f, ["owner-list"]);
}

#[test]
fn transport_order() {
    let rules = ExtensionRules::new("+");
    let (f, p) = order(|m| {
        transport(m, "user+e@a.example.com", &rules, false).unwrap();
    });
    assert_eq!(
        f,
        [
            "user+e@a.example.com",
            "user@a.example.com",
            "a.example.com",
            ".example.com",
            ".com",
            "*"
        ]
    );
    assert_eq!(p, ["user+e@a.example.com", "*"]);
    let maps = vec![open("inline:{ .example.com=smtp:[relay], *=error:nope }")];
    assert_eq!(
        transport(&maps, "u@a.example.com", &rules, false)
            .unwrap()
            .unwrap()
            .value,
        "smtp:[relay]"
    );
    assert_eq!(
        transport(&maps, "u@example.com", &rules, false)
            .unwrap()
            .unwrap()
            .value,
        "error:nope"
    );
}

#[test]
fn errors_stop_the_search() {
    let rules = ExtensionRules::new("+");
    let maps = vec![open("fail:x"), open("static:OK")];
    assert!(access_address(&maps, "u@example.com", &rules, true).is_err());
}
