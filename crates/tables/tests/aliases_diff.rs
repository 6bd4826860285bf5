//! Random aliases(5) lines through `tables::aliases` and through Postfix 3.7's own
//! `/usr/sbin/postalias` (built with `postalias`, listed with `postalias -s`): the
//! stored names and values and the warnings must agree. The lines come from a fixed
//! seed, a few hundred per run, so a failure replays; `ALIASES_DIFF_SEED` and
//! `ALIASES_DIFF_LINES` explore further. Fails, never skips, without Postfix.

use std::process::Command;

use facteur_tables as tables;

const POSTALIAS: &str = "/usr/sbin/postalias";

/// xorshift64*: enough randomness for test input, no dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// The characters lines are made of: the tokenizer's operators, quotes, escapes,
/// white space, letters of both cases, and non-ASCII letters.
const ALPHABET: &[&str] = &[
    "a", "b", "x", "Y", "Z", "0", ".", "@", "%", "!", "|", ":", ",", ";", "<", ">", "(", ")", "[",
    "]", "\"", "\\", " ", " ", "\t", "é", "É", "-", "/", "#", "\r", "\x0c", "\x0b", "=", "ß",
];

fn random_text(rng: &mut Rng, max: usize) -> String {
    let len = 1 + rng.below(max);
    let mut s = String::new();
    for _ in 0..len {
        s.push_str(ALPHABET[rng.below(ALPHABET.len())]);
        // Now and then a continuation line.
        if rng.below(40) == 0 {
            s.push_str(if rng.below(2) == 0 { "\n " } else { "\n\t" });
        }
    }
    s
}

/// Line `n` (1-based): a random value under a known name, a random name with a
/// known value, or a random line.
fn random_line(rng: &mut Rng, n: usize) -> String {
    match rng.below(3) {
        0 => format!("v{n}: {}", random_text(rng, 14)),
        1 => format!("{}: n{n}", random_text(rng, 8)),
        _ => random_text(rng, 16),
    }
}

fn env_or(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

#[test]
fn random_lines_parse_as_postalias() {
    let seed = env_or("ALIASES_DIFF_SEED", 0x5eed_a11a5);
    let count = env_or("ALIASES_DIFF_LINES", 400) as usize;
    let mut rng = Rng(seed.max(1));
    let mut text = String::new();
    for n in 0..count {
        // Keep line numbers simple to read back: one physical line per random line
        // start, continuation lines counted by Postfix as Postfix does.
        let line = random_line(&mut rng, n + 1);
        text.push_str(line.trim_start_matches([' ', '\t', '\n']));
        text.push('\n');
    }
    let tmp = tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"));
    let path = tmp.path().join("random.aliases");
    std::fs::write(&path, &text).unwrap_or_else(|e| panic!("write: {e}"));
    let path = path.display().to_string();

    let build = Command::new(POSTALIAS)
        .args(["-o", &format!("hash:{path}")])
        .output()
        .unwrap_or_else(|e| panic!("{POSTALIAS} must be installed for this test: {e}"));
    assert!(build.status.success(), "postalias: {build:?}");
    // Duplicates are the writer's warnings (they name the .db file).
    let theirs_warn: Vec<String> = String::from_utf8_lossy(&build.stderr)
        .lines()
        .filter(|l| !l.contains(".db: duplicate entry"))
        .map(str::to_string)
        .collect();
    let dump = Command::new(POSTALIAS)
        .args(["-s", &format!("hash:{path}")])
        .output()
        .unwrap_or_else(|e| panic!("postalias -s: {e}"));
    // Compared as printed lines: a name or value may hold ":<TAB>" itself.
    let signature = |l: &str| l.starts_with("@:\t") || l.starts_with("YP_");
    // Split at newlines only: a value may end in a carriage return.
    let mut theirs: Vec<String> = String::from_utf8_lossy(&dump.stdout)
        .split_terminator('\n')
        .filter(|l| !signature(l))
        .map(str::to_string)
        .collect();
    theirs.sort();

    let mut ours: Vec<(String, String)> = Vec::new();
    let mut ours_warn = Vec::new();
    for item in tables::aliases::parse_in_order(&path, text.as_bytes(), true) {
        match item {
            Ok(e) => {
                let name = tables::writer::fold(&e.name, true).into_owned();
                if !ours.iter().any(|(k, _)| *k == name) {
                    ours.push((name, e.value));
                }
            }
            Err(w) => ours_warn.push(format!("postalias: warning: {w}")),
        }
    }
    let mut ours: Vec<String> = ours
        .into_iter()
        .map(|(k, v)| format!("{k}:\t{v}"))
        .filter(|l| !signature(l))
        .collect();
    ours.sort();

    let mut diffs = Vec::new();
    for e in theirs.iter().filter(|e| !ours.contains(e)) {
        diffs.push(format!("only postalias: {e:?}"));
    }
    for e in ours.iter().filter(|e| !theirs.contains(e)) {
        diffs.push(format!("only facteur:   {e:?}"));
    }
    for w in theirs_warn.iter().filter(|w| !ours_warn.contains(w)) {
        diffs.push(format!("warning only postalias: {w}"));
    }
    for w in ours_warn.iter().filter(|w| !theirs_warn.contains(w)) {
        diffs.push(format!("warning only facteur:   {w}"));
    }
    if diffs.is_empty() && theirs_warn != ours_warn {
        diffs.push("warnings in a different order".to_string());
    }
    assert!(
        diffs.is_empty(),
        "seed {seed:#x}, {count} lines, {} differences:\n{}\n--- input ---\n{text}",
        diffs.len(),
        diffs.join("\n")
    );
}
