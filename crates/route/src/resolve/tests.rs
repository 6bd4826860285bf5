use super::*;
use config::Config;

fn settings(overrides: &[(&str, &str)]) -> RouteSettings {
    let mut all = vec![
        ("compatibility_level", "3.6"),
        ("myhostname", "host.example.com"),
        ("mydomain", "example.com"),
        ("inet_interfaces", "127.0.0.1"),
    ];
    all.extend_from_slice(overrides);
    RouteSettings::new(&Config::default().with_overrides(&all), &[]).unwrap()
}

/// (transport, nexthop, recipient, class)
fn r(s: &RouteSettings, rcpt: &str) -> (String, String, String, Class) {
    let x = resolve(s, "sender@example.com", rcpt).unwrap();
    (x.transport, x.nexthop, x.recipient, x.class)
}

fn t(transport: &str, nexthop: &str, rcpt: &str, class: Class) -> (String, String, String, Class) {
    (transport.into(), nexthop.into(), rcpt.into(), class)
}

#[test]
fn local_class() {
    let s = settings(&[]);
    assert_eq!(
        r(&s, "user@host.example.com"),
        t(
            "local",
            "host.example.com",
            "user@host.example.com",
            Class::Local
        )
    );
    assert_eq!(
        r(&s, "user@localhost"),
        t("local", "host.example.com", "user@localhost", Class::Local)
    );
    assert_eq!(
        r(&s, "user"),
        t(
            "local",
            "host.example.com",
            "user@host.example.com",
            Class::Local
        )
    );
    assert_eq!(
        r(&s, "user@[127.0.0.1]"),
        t(
            "local",
            "host.example.com",
            "user@[127.0.0.1]",
            Class::Local
        )
    );
    assert_eq!(
        r(&s, "user@host.example.com."),
        t(
            "local",
            "host.example.com",
            "user@host.example.com",
            Class::Local
        )
    );
    let s = settings(&[("local_transport", "local")]);
    assert_eq!(
        r(&s, "user@localhost"),
        t("local", "localhost", "user@localhost", Class::Local)
    );
}

#[test]
fn null_and_empty_local_parts() {
    let s = settings(&[]);
    assert_eq!(
        r(&s, ""),
        t(
            "local",
            "host.example.com",
            "MAILER-DAEMON@host.example.com",
            Class::Local
        )
    );
    assert_eq!(
        r(&s, "@localhost"),
        t(
            "local",
            "host.example.com",
            "MAILER-DAEMON@localhost",
            Class::Local
        )
    );
}

#[test]
fn default_class_and_relayhost() {
    let s = settings(&[]);
    assert_eq!(
        r(&s, "user@example.org"),
        t("smtp", "example.org", "user@example.org", Class::Default)
    );
    assert_eq!(
        r(&s, "user@example.org."),
        t("smtp", "example.org", "user@example.org", Class::Default)
    );
    let s = settings(&[("relayhost", "[smarthost.example]:587")]);
    assert_eq!(
        r(&s, "user@example.org"),
        t(
            "smtp",
            "[smarthost.example]:587",
            "user@example.org",
            Class::Default
        )
    );
    let s = settings(&[("default_transport", "error:outbound mail disabled")]);
    assert_eq!(
        r(&s, "user@example.org"),
        t(
            "error",
            "outbound mail disabled",
            "user@example.org",
            Class::Default
        )
    );
}

#[test]
fn relay_class_uses_relayhost_too() {
    let s = settings(&[("relay_domains", "relay.example")]);
    assert_eq!(
        r(&s, "u@relay.example"),
        t("relay", "relay.example", "u@relay.example", Class::Relay)
    );
    assert_eq!(
        r(&s, "u@sub.relay.example"),
        t(
            "relay",
            "sub.relay.example",
            "u@sub.relay.example",
            Class::Relay
        )
    );
    let s = settings(&[
        ("relay_domains", "relay.example"),
        ("relayhost", "[gw.example]"),
    ]);
    assert_eq!(
        r(&s, "u@relay.example"),
        t("relay", "[gw.example]", "u@relay.example", Class::Relay)
    );
    let s = settings(&[
        ("relay_domains", "relay.example"),
        ("relay_transport", "smtp:[inside.example]"),
    ]);
    assert_eq!(
        r(&s, "u@relay.example"),
        t("smtp", "[inside.example]", "u@relay.example", Class::Relay)
    );
}

#[test]
fn virtual_classes() {
    let s = settings(&[
        ("virtual_alias_domains", "alias.example"),
        ("virtual_mailbox_domains", "mbox.example"),
    ]);
    assert_eq!(
        r(&s, "u@alias.example"),
        t(
            "error",
            "5.1.1 User unknown in virtual alias table",
            "u@alias.example",
            Class::Alias
        )
    );
    assert_eq!(
        r(&s, "u@mbox.example"),
        t("virtual", "mbox.example", "u@mbox.example", Class::Virtual)
    );
    let s = settings(&[
        ("virtual_alias_domains", "alias.example"),
        ("show_user_unknown_table_name", "no"),
        ("transport_maps", "inline:{alias.example=smtp:x}"),
    ]);
    // transport_maps never overrides the virtual alias class.
    assert_eq!(
        r(&s, "u@alias.example"),
        t(
            "error",
            "5.1.1 User unknown",
            "u@alias.example",
            Class::Alias
        )
    );
}

#[test]
fn routing_operators_behind_local_domains() {
    let s = settings(&[]);
    let rr = |a: &str| {
        let x = resolve(&s, "", a).unwrap();
        (x.transport, x.recipient, x.flags.routed)
    };
    let smtp = |r: &str, routed| ("smtp".to_string(), r.to_string(), routed);
    // Resolved operators leave no trace.
    assert_eq!(
        rr("user%example.org@host.example.com"),
        smtp("user@example.org", false)
    );
    assert_eq!(
        rr("example.org!user@localhost"),
        smtp("user@example.org", false)
    );
    assert_eq!(
        rr("user@example.org@localhost"),
        smtp("user@example.org", false)
    );
    // Two local domains in a row.
    assert_eq!(
        rr("user%localhost@host.example.com"),
        ("local".to_string(), "user@localhost".to_string(), false)
    );
    // Operators left for another host are flagged.
    assert_eq!(
        rr("user%example.org@example.net"),
        smtp("user%example.org@example.net", true)
    );
    assert_eq!(rr("a!b!user@localhost"), smtp("b!user@a", true));
    let s = settings(&[("allow_percent_hack", "no"), ("swap_bangpath", "no")]);
    let x = resolve(&s, "", "user%example.org@localhost").unwrap();
    assert_eq!(
        (x.transport.as_str(), x.recipient.as_str()),
        ("local", "user%example.org@localhost")
    );
    assert!(x.flags.routed);
    let s = settings(&[("resolve_dequoted_address", "no")]);
    let x = resolve(&s, "", "user@example.org@localhost").unwrap();
    assert_eq!(
        (x.transport.as_str(), x.recipient.as_str()),
        ("local", "user@example.org@localhost")
    );
    assert!(x.flags.routed);
}

#[test]
fn address_syntax_errors() {
    let s = settings(&[]);
    assert!(resolve(&s, "", "user@").unwrap().flags.error);
    assert!(resolve(&s, "", "user@1.2.3.4").unwrap().flags.error);
    assert!(resolve(&s, "", "user@[1.2.3]").unwrap().flags.error);
    assert!(resolve(&s, "", "user@-bad.example").unwrap().flags.error);
    assert!(resolve(&s, "", "user@a..b").unwrap().flags.error);
    assert!(!resolve(&s, "", "user@[192.0.2.1]").unwrap().flags.error);
    assert!(
        !resolve(&s, "", "user@[IPv6:2001:db8::1]")
            .unwrap()
            .flags
            .error
    );
    assert!(!resolve(&s, "", "user@_srv.example").unwrap().flags.error);
    let s = settings(&[("resolve_null_domain", "yes")]);
    let x = resolve(&s, "", "user@").unwrap();
    assert!(!x.flags.error);
    assert_eq!(x.recipient, "user@host.example.com");
    let s = settings(&[("resolve_numeric_domain", "yes")]);
    let x = resolve(&s, "", "user@192.0.2.1").unwrap();
    assert!(!x.flags.error);
    assert_eq!(
        (x.recipient.as_str(), x.nexthop.as_str(), x.class),
        ("user@[192.0.2.1]", "[192.0.2.1]", Class::Default)
    );
    let x = resolve(&s, "", "user@127.0.0.1").unwrap();
    assert_eq!(
        (x.recipient.as_str(), x.class),
        ("user@[127.0.0.1]", Class::Local)
    );
}

#[test]
fn transport_maps_search_and_fields() {
    // transport(5) EXAMPLES, and its RESULT FORMAT rules.
    let s = settings(&[(
        "transport_maps",
        "inline:{ example.com=smtp:bar.example, .example.com=smtp:bar.example, \
         { gw.example=:[gateway.example.com] }, { .deny.example = error:mail for *.deny.example is not deliverable }, \
         user.foo@example.org=smtp:bar.example, keep.example=:, bare.example=uucp, \
         dead.example=error, ret.example=retry:, lmtp.example=lmtp:[127.0.0.1]:24 }",
    )]);
    assert_eq!(r(&s, "u@example.com").1, "bar.example");
    assert_eq!(
        r(&s, "u@sub.example.com"),
        t("smtp", "bar.example", "u@sub.example.com", Class::Default)
    );
    assert_eq!(
        r(&s, "u@gw.example"),
        t(
            "smtp",
            "[gateway.example.com]",
            "u@gw.example",
            Class::Default
        )
    );
    assert_eq!(
        r(&s, "u@a.deny.example"),
        t(
            "error",
            "mail for *.deny.example is not deliverable",
            "u@a.deny.example",
            Class::Default
        )
    );
    assert_eq!(
        r(&s, "user.foo@example.org"),
        t(
            "smtp",
            "bar.example",
            "user.foo@example.org",
            Class::Default
        )
    );
    assert_eq!(
        r(&s, "other@example.org"),
        t("smtp", "example.org", "other@example.org", Class::Default)
    );
    assert_eq!(
        r(&s, "u@keep.example"),
        t("smtp", "keep.example", "u@keep.example", Class::Default)
    );
    assert_eq!(
        r(&s, "u@bare.example"),
        t("uucp", "bare.example", "u@bare.example", Class::Default)
    );
    assert_eq!(r(&s, "u@dead.example").1, "Address is undeliverable");
    assert_eq!(
        r(&s, "u@ret.example"),
        t(
            "retry",
            "Address is undeliverable",
            "u@ret.example",
            Class::Default
        )
    );
    assert_eq!(
        r(&s, "u@lmtp.example"),
        t("lmtp", "[127.0.0.1]:24", "u@lmtp.example", Class::Default)
    );
}

#[test]
fn transport_maps_override_local_and_relayhost() {
    let s = settings(&[
        ("relayhost", "[smarthost.example]"),
        ("transport_maps", "inline:{host.example.com=lmtp:unix:private/dovecot-lmtp, direct.example=smtp:, *=:[catchall.example]}"),
    ]);
    assert_eq!(
        r(&s, "u@host.example.com"),
        t(
            "lmtp",
            "unix:private/dovecot-lmtp",
            "u@host.example.com",
            Class::Local
        )
    );
    // A transport without next hop resets the next hop to the recipient domain.
    assert_eq!(
        r(&s, "u@direct.example"),
        t("smtp", "direct.example", "u@direct.example", Class::Default)
    );
    // `*` changes only the next hop.
    assert_eq!(
        r(&s, "u@other.example"),
        t(
            "smtp",
            "[catchall.example]",
            "u@other.example",
            Class::Default
        )
    );
}

#[test]
fn transport_maps_with_extensions_and_parent_style() {
    let s = settings(&[
        ("recipient_delimiter", "+"),
        ("transport_maps", "inline:{ u@ext.example=smtp:[bare], u+x@ext.example=smtp:[full], example.net=smtp:[parent] }"),
        ("parent_domain_matches_subdomains", "transport_maps"),
    ]);
    assert_eq!(r(&s, "u+x@ext.example").1, "[full]");
    assert_eq!(r(&s, "u+y@ext.example").1, "[bare]");
    assert_eq!(r(&s, "v@a.b.example.net").1, "[parent]");
    let s = settings(&[("transport_maps", "inline:{ example.net=smtp:[parent] }")]);
    assert_eq!(r(&s, "v@a.example.net").1, "a.example.net");
}

#[test]
fn sender_dependent_maps() {
    let s = settings(&[
        ("relayhost", "[default-relay]"),
        ("sender_dependent_relayhost_maps", "inline:{ a@example.com=[relay-a], @example.com=[relay-dom], b@example.com=DUNNO, <>=[bounce-relay] }"),
        ("sender_dependent_default_transport_maps", "inline:{ a@example.com=smtp-a, c@example.com=DUNNO, {d@example.com=} }"),
    ]);
    let x = |sender: &str| {
        let x = resolve(&s, sender, "rcpt@example.org").unwrap();
        (x.transport, x.nexthop)
    };
    assert_eq!(x("a@example.com"), ("smtp-a".into(), "[relay-a]".into()));
    assert_eq!(x("z@example.com"), ("smtp".into(), "[relay-dom]".into()));
    assert_eq!(
        x("b@example.com"),
        ("smtp".into(), "[default-relay]".into())
    );
    assert_eq!(x("c@example.com"), ("smtp".into(), "[relay-dom]".into()));
    // An empty result is a lookup failure, as Postfix's maps_find has it.
    assert!(matches!(
        resolve(&s, "d@example.com", "rcpt@example.org"),
        Err(RouteError::Lookup {
            parameter: "sender_dependent_default_transport_maps",
            ..
        })
    ));
    assert_eq!(x(""), ("smtp".into(), "[bounce-relay]".into()));
    assert_eq!(
        x("q@example.net"),
        ("smtp".into(), "[default-relay]".into())
    );
    // Not for local or virtual mail.
    let local = resolve(&s, "a@example.com", "u@localhost").unwrap();
    assert_eq!(
        (local.transport.as_str(), local.nexthop.as_str()),
        ("local", "host.example.com")
    );
}

#[test]
fn warnings_for_domains_in_two_classes() {
    let s = settings(&[
        ("mydestination", "$myhostname, localhost, both.example"),
        ("virtual_alias_domains", "both.example"),
    ]);
    let x = resolve(&s, "", "u@both.example").unwrap();
    assert_eq!(x.class, Class::Local);
    assert_eq!(
        x.warnings.iter().map(|w| w.to_string()).collect::<Vec<_>>(),
        ["do not list domain both.example in BOTH mydestination and virtual_alias_domains"]
    );
}

#[test]
fn failures_are_errors() {
    let s = settings(&[("transport_maps", "fail:broken")]);
    let e = resolve(&s, "", "u@example.org").unwrap_err();
    assert!(
        matches!(
            e,
            RouteError::Lookup {
                parameter: "transport_maps",
                ..
            }
        ),
        "{e}"
    );
    assert!(e.is_temporary());
    let s = settings(&[("default_transport", ":nexthop.example")]);
    let e = resolve(&s, "", "u@example.org").unwrap_err();
    assert_eq!(
        e.to_string(),
        "parameter default_transport: null transport is not allowed"
    );
    let s = settings(&[("sender_dependent_relayhost_maps", "fail:x")]);
    assert!(resolve(&s, "a@b.example", "u@example.org").is_err());
    assert!(resolve(&s, "a@b.example", "u@localhost").is_ok());
}

mod properties {
    use super::*;
    use proptest::prelude::*;

    fn address() -> impl Strategy<Value = String> {
        // The routing alphabet, quotes, brackets, white space and a little UTF-8.
        proptest::string::string_regex("[a-zA-Z0-9@%!.:,\\[\\]\"\\\\ ()<>ü_+-]{0,40}")
            .expect("regex")
    }

    proptest! {
        #[test]
        fn resolve_answers_every_address(rcpt in address(), sender in address()) {
            let s = settings(&[("relay_domains", "relay.example")]);
            let x = resolve(&s, &sender, &rcpt).unwrap();
            prop_assert!(x.recipient.contains('@'));
            prop_assert!(x.flags.error || !x.transport.is_empty());
        }

        #[test]
        fn rewrite_never_panics(a in address()) {
            let s = settings(&[("remote_header_rewrite_domain", "r.example")]);
            let _ = rewrite::rewrite(&s, Context::Local, &a);
            let _ = rewrite::rewrite_external(&s, Context::Remote, &a);
        }
    }
}
