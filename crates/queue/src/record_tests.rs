use super::*;
use crate::envelope::{ClientInfo, DsnRet, Envelope, Notify, Recipient};
use proptest::prelude::*;
use std::collections::BTreeMap;

fn sample() -> Envelope {
    let mut env = Envelope::new(
        UNIX_EPOCH + Duration::from_micros(1_763_900_000_123_456),
        "alice@example.org",
    );
    env.add_recipient("bob@example.com");
    env.recipients.push(Recipient {
        address: "carol@example.net".into(),
        original: "carol-alias@example.org".into(),
        dsn_orcpt: Some("rfc822;carol-alias@example.org".into()),
        notify: Notify::SUCCESS.union(Notify::FAILURE),
        done: false,
    });
    env.dsn_ret = Some(DsnRet::Headers);
    env.dsn_envid = Some("QQ314159".into());
    env.client = ClientInfo {
        name: Some("mail.example.org".into()),
        address: Some("192.0.2.1".into()),
        helo: Some("mail.example.org".into()),
        protocol: Some("ESMTPSA".into()),
        sasl_method: Some("PLAIN".into()),
        sasl_username: Some("alice".into()),
        ..ClientInfo::default()
    };
    env.content_filter = Some("smtp:[127.0.0.1]:10025".into());
    env.attributes.insert("encoding".into(), "8bit".into());
    env
}

fn is_refusal(r: &Result<(Decoded, Vec<u8>), RecordError>) -> bool {
    matches!(
        r,
        Err(RecordError::Incomplete { .. })
            | Err(RecordError::Corrupt { .. })
            | Err(RecordError::UnsupportedVersion(_))
    )
}

#[test]
fn round_trips_a_full_envelope() {
    let env = sample();
    let content = b"Subject: hi\r\n\r\nhello\r\n".repeat(5000);
    let bytes = encode_file(&env, &content).expect("encode");
    let (decoded, back) = decode_file(&bytes).expect("decode");
    assert_eq!(decoded.envelope, env);
    assert_eq!(back, content);
    assert_eq!(decoded.content.len, content.len() as u64);
    assert_eq!(decoded.content.chunk_count, 2);
    for &slot in &decoded.slots {
        assert_eq!(slot % 2, 0, "state bytes sit at an even offset");
        assert_eq!(bytes[slot as usize..slot as usize + 2], PENDING);
    }
}

#[test]
fn marking_done_keeps_the_checksum() {
    let mut bytes = encode_file(&sample(), b"x").expect("encode");
    let (decoded, _) = decode_file(&bytes).expect("decode");
    let slot = decoded.slots[1] as usize;
    bytes[slot..slot + 2].copy_from_slice(&DONE);
    let (again, _) = decode_file(&bytes).expect("still valid");
    assert!(!again.envelope.recipients[0].done);
    assert!(again.envelope.recipients[1].done);
    // Half a mark is corruption, not a state.
    bytes[slot] = PENDING[0];
    assert!(matches!(
        decode_file(&bytes),
        Err(RecordError::Corrupt { .. })
    ));
}

#[test]
fn refuses_envelopes_it_cannot_write() {
    let env = Envelope::new(UNIX_EPOCH, "");
    assert_eq!(
        encode_file(&env, b"").err(),
        Some(EncodeError::NoRecipients)
    );
    let mut env = sample();
    env.attributes.insert("client_name".into(), "x".into());
    assert!(matches!(
        encode_file(&env, b""),
        Err(EncodeError::BadAttributeName(_))
    ));
    let mut env = sample();
    env.sender = "a".repeat(MAX_ENVELOPE_PAYLOAD + 1);
    assert!(matches!(
        encode_file(&env, b""),
        Err(EncodeError::TooLong { .. })
    ));
}

#[test]
fn names_each_kind_of_damage() {
    let bytes = encode_file(&sample(), b"body").expect("encode");
    assert!(matches!(
        decode_file(&bytes[..5]),
        Err(RecordError::Incomplete { offset: 5 })
    ));
    assert!(matches!(
        decode_file(b"From: x\r\n\r\nbody"),
        Err(RecordError::Corrupt { offset: 0, .. })
    ));
    let mut v2 = bytes.clone();
    v2[8] = 2;
    assert!(matches!(
        decode_file(&v2),
        Err(RecordError::UnsupportedVersion(2))
    ));
    let mut trailing = bytes.clone();
    trailing.push(0);
    assert!(matches!(
        decode_file(&trailing),
        Err(RecordError::Corrupt {
            what: "data after the end record",
            ..
        })
    ));
    let cut = &bytes[..bytes.len() - 1];
    assert!(matches!(
        decode_file(cut),
        Err(RecordError::Incomplete { .. })
    ));
    assert!(decode_file(b"").is_err());
}

/// Files with valid checksums but hostile values: refused as corrupt, no panic.
#[test]
fn well_framed_nonsense_is_corrupt() {
    let build = |records: &[(u8, Vec<u8>)]| {
        let mut out = MAGIC.to_vec();
        out.extend_from_slice(&[1, 0, 0, 0]);
        for (t, p) in records {
            put_record(&mut out, *t, p);
        }
        out
    };
    let arrival = |secs: u64, usec: u32| {
        let mut p = secs.to_le_bytes().to_vec();
        p.extend_from_slice(&usec.to_le_bytes());
        (rtype::ARRIVAL, p)
    };
    let mut rcpt = PENDING.to_vec();
    rcpt.extend_from_slice(&[0, 0]);
    put_str(&mut rcpt, "a@b");
    put_str(&mut rcpt, "a@b");
    let content = |len: u64, n: u32, section: u64| {
        let mut p = len.to_le_bytes().to_vec();
        p.extend_from_slice(&n.to_le_bytes());
        p.extend_from_slice(&section.to_le_bytes());
        (rtype::CONTENT, p)
    };
    let sender = (rtype::SENDER, b"s@x".to_vec());
    let r = (rtype::RECIPIENT, rcpt.clone());
    for (what, file) in [
        (
            "huge arrival",
            build(&[
                arrival(u64::MAX, 0),
                sender.clone(),
                r.clone(),
                content(0, 0, 0),
            ]),
        ),
        ("usec", build(&[arrival(1, 1_000_000), sender.clone()])),
        (
            "section overflow",
            build(&[
                arrival(1, 0),
                sender.clone(),
                r.clone(),
                content(u64::MAX, u32::MAX, u64::MAX),
            ]),
        ),
        (
            "no recipients",
            build(&[arrival(1, 0), sender.clone(), content(0, 0, 0)]),
        ),
        ("sender first", build(&[sender.clone(), arrival(1, 0)])),
        (
            "two filters",
            build(&[
                arrival(1, 0),
                sender.clone(),
                r.clone(),
                (rtype::FILTER, b"a".to_vec()),
                (rtype::FILTER, b"b".to_vec()),
            ]),
        ),
        (
            "chunk in envelope",
            build(&[
                arrival(1, 0),
                sender.clone(),
                r.clone(),
                (rtype::CHUNK, b"x".to_vec()),
            ]),
        ),
        (
            "bad utf-8",
            build(&[arrival(1, 0), (rtype::SENDER, vec![0xff, 0xfe])]),
        ),
        ("end mismatch", {
            let mut f = build(&[arrival(1, 0), sender.clone(), r.clone(), content(0, 0, 0)]);
            encode_end(2, 0, &mut f);
            f
        }),
    ] {
        let got = decode_file(&file);
        assert!(
            matches!(got, Err(RecordError::Corrupt { .. })),
            "{what}: {:?}",
            got.err()
        );
    }
}

#[test]
fn empty_content_is_allowed() {
    let env = sample();
    let bytes = encode_file(&env, b"").expect("encode");
    let (d, c) = decode_file(&bytes).expect("decode");
    assert_eq!(d.content.chunk_count, 0);
    assert!(c.is_empty());
}

fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-z0-9.@+-]{0,30}",
        any::<String>().prop_map(|s| s.chars().take(40).collect()),
    ]
}

fn opt_text() -> impl Strategy<Value = Option<String>> {
    proptest::option::of(text())
}

fn notify() -> impl Strategy<Value = Notify> {
    (0u8..16).prop_map(|b| Notify::from_bits(b).unwrap_or(Notify::NEVER))
}

fn recipient() -> impl Strategy<Value = Recipient> {
    (text(), text(), opt_text(), notify(), any::<bool>()).prop_map(
        |(address, original, dsn_orcpt, notify, done)| Recipient {
            address,
            original,
            dsn_orcpt,
            notify,
            done,
        },
    )
}

fn client() -> impl Strategy<Value = ClientInfo> {
    (
        (opt_text(), opt_text(), opt_text(), opt_text(), opt_text()),
        (opt_text(), opt_text(), opt_text(), opt_text()),
    )
        .prop_map(
            |((name, address, port, reverse_name, helo), (protocol, m, u, s))| ClientInfo {
                name,
                address,
                port,
                reverse_name,
                helo,
                protocol,
                sasl_method: m,
                sasl_username: u,
                sasl_sender: s,
            },
        )
}

fn envelope() -> impl Strategy<Value = Envelope> {
    (
        (0u64..8_000_000_000, 0u32..1_000_000, text()),
        proptest::collection::vec(recipient(), 1..6),
        (
            proptest::option::of(prop_oneof![Just(DsnRet::Full), Just(DsnRet::Headers)]),
            opt_text(),
        ),
        client(),
        (opt_text(), opt_text(), opt_text()),
        proptest::collection::btree_map("[a-z_]{1,12}", text(), 0..4),
    )
        .prop_map(
            |((secs, usec, sender), recipients, (ret, envid), client, (f, r, h), attrs)| {
                let mut env = Envelope::new(
                    UNIX_EPOCH + Duration::from_secs(secs) + Duration::from_micros(u64::from(usec)),
                    sender,
                );
                env.recipients = recipients;
                env.dsn_ret = ret;
                env.dsn_envid = envid;
                env.client = client;
                env.content_filter = f;
                env.redirect = r;
                env.hold = h;
                env.attributes = attrs
                    .into_iter()
                    .filter(|(k, _)| !CLIENT_ATTRS.contains(&k.as_str()))
                    .collect::<BTreeMap<_, _>>();
                env
            },
        )
}

/// Bytes from a seed (xorshift): element-wise strategies are too slow for 128 KiB.
fn filled(seed: u64, len: usize) -> Vec<u8> {
    let mut x = seed | 1;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x as u8
        })
        .collect()
}

fn content() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        8 => proptest::collection::vec(any::<u8>(), 0..400),
        1 => (any::<u64>(), CHUNK_SIZE - 2..CHUNK_SIZE * 2 + 3).prop_map(|(s, n)| filled(s, n)),
    ]
}

proptest! {
    #[test]
    fn encode_decode_round_trip(env in envelope(), body in content()) {
        let bytes = encode_file(&env, &body).expect("encode");
        let (d, back) = decode_file(&bytes).expect("decode");
        prop_assert_eq!(d.envelope, env);
        prop_assert_eq!(back, body);
    }

    #[test]
    fn any_truncation_is_refused(env in envelope(), body in content(), cut in any::<prop::sample::Index>()) {
        let bytes = encode_file(&env, &body).expect("encode");
        let cut = cut.index(bytes.len());
        let r = decode_file(&bytes[..cut]);
        prop_assert!(is_refusal(&r), "cut at {} of {}: {:?}", cut, bytes.len(), r.err());
    }

    #[test]
    fn any_damaged_byte_is_refused(
        env in envelope(),
        body in content(),
        at in any::<prop::sample::Index>(),
        flip in 1u8..=255,
    ) {
        let mut bytes = encode_file(&env, &body).expect("encode");
        let at = at.index(bytes.len());
        bytes[at] ^= flip;
        let r = decode_file(&bytes);
        prop_assert!(is_refusal(&r), "byte {} ^ {:#x}: decoded", at, flip);
    }

    #[test]
    fn damaged_runs_are_refused(
        env in envelope(),
        body in content(),
        at in any::<prop::sample::Index>(),
        junk in proptest::collection::vec(any::<u8>(), 1..40),
    ) {
        let mut bytes = encode_file(&env, &body).expect("encode");
        let at = at.index(bytes.len());
        let end = (at + junk.len()).min(bytes.len());
        let before = bytes.clone();
        bytes[at..end].copy_from_slice(&junk[..end - at]);
        prop_assume!(bytes != before);
        prop_assert!(is_refusal(&decode_file(&bytes)));
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..600), magic in any::<bool>()) {
        let mut input = bytes;
        if magic {
            let mut h = MAGIC.to_vec();
            h.extend_from_slice(&[1, 0, 0, 0]);
            h.extend(input);
            input = h;
        }
        let _ = decode_file(&input);
    }
}
