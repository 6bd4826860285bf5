//! Queue IDs: the name of a message's queue file and the prefix of its log lines.
//!
//! The text form is Postfix's long queue ID (`enable_long_queue_ids = yes`), so log tools
//! that match Postfix IDs by pattern keep matching ours:
//!
//! ```text
//! 4Dm9sW 6Wdl z 9sWR
//! │      │    │ └ unique part, base 51 (the alphabet without `z`), no leading zeros
//! │      │    └ separator
//! │      └ microseconds, base 52, exactly 4 characters
//! └ seconds since the epoch, base 52, at least 6 characters (zero-padded)
//! ```
//!
//! The alphabet is digits and consonants (`0-9 B-Z b-z` without vowels), in ASCII order,
//! so for IDs of the same length the string order is the time order.
//!
//! Where Postfix puts the file's inode number in the unique part (unique only among
//! files that exist at the same time), we put `pid << 6 | counter`: two processes never
//! share a pid at the same time, and one [`QueueIdGenerator`] never hands out the same
//! time part twice (it steps a microsecond forward when the clock has not moved or went
//! back), so an ID is never reused, even for many IDs within one microsecond. The low
//! counter bits guard against a pid recycled while the clock stepped back.
//!
//! This module reads no clock: callers pass the current time in.

use std::cmp::Ordering;
use std::fmt;
use std::sync::Mutex;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Postfix's long-ID alphabet: 52 characters, digits and consonants, ASCII-ordered.
const ALPHABET: &[u8; 52] = b"0123456789BCDFGHJKLMNPQRSTVWXYZbcdfghjklmnpqrstvwxyz";
/// Base of the time fields.
const TIME_BASE: u64 = 52;
/// Base of the unique part: the alphabet without the separator `z`.
const TAIL_BASE: u64 = 51;
/// Minimum width of the seconds field.
const SECS_WIDTH: usize = 6;
/// Exact width of the microseconds field.
const USEC_WIDTH: usize = 4;
const SEPARATOR: u8 = b'z';
/// Longest text we accept: 12 characters of seconds (more than u64 needs in practice),
/// 4 of microseconds, the separator, and 12 of unique part.
const MAX_LEN: usize = 29;
/// Bits of the per-generator counter below the pid in the unique part.
const COUNTER_BITS: u32 = 6;

/// A queue ID. Ordered by creation time, then by unique part.
#[derive(Clone, Copy)]
pub struct QueueId {
    secs: u64,
    usec: u32,
    tail: u64,
    len: u8,
    text: [u8; MAX_LEN],
}

/// Why a string is not a queue ID.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum QueueIdError {
    Empty,
    TooLong,
    BadCharacter(char),
    NoSeparator,
    ShortTime,
    BadMicroseconds,
    NoUniquePart,
    NotCanonical,
    Overflow,
}

impl fmt::Display for QueueIdError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            QueueIdError::Empty => f.write_str("queue ID is empty"),
            QueueIdError::TooLong => write!(f, "queue ID is longer than {MAX_LEN} characters"),
            QueueIdError::BadCharacter(c) => write!(
                f,
                "queue ID contains {c:?}, which is not in the long queue ID alphabet"
            ),
            QueueIdError::NoSeparator => {
                f.write_str("queue ID has no 'z' separator after its time part")
            }
            QueueIdError::ShortTime => {
                f.write_str("queue ID time part is shorter than 10 characters")
            }
            QueueIdError::BadMicroseconds => f.write_str("queue ID microseconds are out of range"),
            QueueIdError::NoUniquePart => {
                f.write_str("queue ID has no unique part after the 'z' separator")
            }
            QueueIdError::NotCanonical => {
                f.write_str("queue ID is not in canonical form (extra leading zeros)")
            }
            QueueIdError::Overflow => f.write_str("queue ID number does not fit in 64 bits"),
        }
    }
}

impl std::error::Error for QueueIdError {}

fn digit_value(c: u8) -> Option<u64> {
    ALPHABET.iter().position(|&a| a == c).map(|p| p as u64)
}

/// Appends `value` in `base` to `out`, left-padded with '0' to at least `width`.
fn encode(mut value: u64, base: u64, width: usize, out: &mut Vec<u8>) {
    let mut digits = [0u8; 64];
    let mut n = 0;
    loop {
        digits[n] = ALPHABET[(value % base) as usize];
        n += 1;
        value /= base;
        if value == 0 {
            break;
        }
    }
    for _ in n..width {
        out.push(b'0');
    }
    out.extend(digits[..n].iter().rev());
}

fn decode(digits: &[u8], base: u64) -> Result<u64, QueueIdError> {
    let mut value: u64 = 0;
    for &c in digits {
        let d = digit_value(c)
            .filter(|&d| d < base)
            .ok_or(QueueIdError::BadCharacter(c as char))?;
        value = value
            .checked_mul(base)
            .and_then(|v| v.checked_add(d))
            .ok_or(QueueIdError::Overflow)?;
    }
    Ok(value)
}

impl QueueId {
    /// The ID made of these parts. Whole seconds in `usec` carry into `secs`.
    pub fn from_parts(secs: u64, usec: u32, tail: u64) -> QueueId {
        let secs = secs.saturating_add(u64::from(usec / 1_000_000));
        let usec = usec % 1_000_000;
        let mut out = Vec::with_capacity(MAX_LEN);
        encode(secs, TIME_BASE, SECS_WIDTH, &mut out);
        encode(u64::from(usec), TIME_BASE, USEC_WIDTH, &mut out);
        out.push(SEPARATOR);
        encode(tail, TAIL_BASE, 1, &mut out);
        let mut text = [0u8; MAX_LEN];
        // A u64 needs at most 12 base-51/52 digits, so the text always fits.
        let len = out.len().min(MAX_LEN);
        text[..len].copy_from_slice(&out[..len]);
        QueueId {
            secs,
            usec,
            tail,
            len: len as u8,
            text,
        }
    }

    /// Parses and validates the text form. Only the canonical form is accepted, so
    /// `parse(s)?.to_string() == s`.
    pub fn parse(s: &str) -> Result<QueueId, QueueIdError> {
        let b = s.as_bytes();
        if b.is_empty() {
            return Err(QueueIdError::Empty);
        }
        if b.len() > MAX_LEN {
            return Err(QueueIdError::TooLong);
        }
        if let Some(c) = s
            .chars()
            .find(|&c| !c.is_ascii() || digit_value(c as u8).is_none())
        {
            return Err(QueueIdError::BadCharacter(c));
        }
        // The unique part never contains 'z', so the separator is the last 'z'.
        let sep = b
            .iter()
            .rposition(|&c| c == SEPARATOR)
            .ok_or(QueueIdError::NoSeparator)?;
        let (time, tail) = (&b[..sep], &b[sep + 1..]);
        if time.len() < SECS_WIDTH + USEC_WIDTH {
            return Err(
                if sep == b.len() - 1 && time.len() >= SECS_WIDTH + USEC_WIDTH {
                    QueueIdError::NoUniquePart
                } else {
                    QueueIdError::ShortTime
                },
            );
        }
        if tail.is_empty() {
            return Err(QueueIdError::NoUniquePart);
        }
        let (secs_digits, usec_digits) = time.split_at(time.len() - USEC_WIDTH);
        let secs = decode(secs_digits, TIME_BASE)?;
        let usec = decode(usec_digits, TIME_BASE)?;
        if usec >= 1_000_000 {
            return Err(QueueIdError::BadMicroseconds);
        }
        let tail_value = decode(tail, TAIL_BASE)?;
        let id = QueueId::from_parts(secs, usec as u32, tail_value);
        if id.as_str().as_bytes() != b {
            return Err(QueueIdError::NotCanonical);
        }
        Ok(id)
    }

    /// The text form, e.g. `4Dm9sW6Wdlz9sWR`.
    pub fn as_str(&self) -> &str {
        // Built only from ALPHABET bytes, which are ASCII.
        std::str::from_utf8(&self.text[..usize::from(self.len)]).unwrap_or("")
    }

    /// Creation time: seconds since the epoch.
    pub fn secs(&self) -> u64 {
        self.secs
    }

    /// Creation time: microseconds within the second.
    pub fn usec(&self) -> u32 {
        self.usec
    }

    /// The unique part as a number.
    pub fn unique(&self) -> u64 {
        self.tail
    }

    /// Creation time, if the platform can represent it.
    pub fn time(&self) -> Option<SystemTime> {
        UNIX_EPOCH
            .checked_add(Duration::from_secs(self.secs))?
            .checked_add(Duration::from_micros(u64::from(self.usec)))
    }
}

impl PartialEq for QueueId {
    fn eq(&self, other: &QueueId) -> bool {
        (self.secs, self.usec, self.tail) == (other.secs, other.usec, other.tail)
    }
}
impl Eq for QueueId {}
impl std::hash::Hash for QueueId {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        (self.secs, self.usec, self.tail).hash(state);
    }
}
impl PartialOrd for QueueId {
    fn partial_cmp(&self, other: &QueueId) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for QueueId {
    fn cmp(&self, other: &QueueId) -> Ordering {
        (self.secs, self.usec, self.tail).cmp(&(other.secs, other.usec, other.tail))
    }
}

impl fmt::Display for QueueId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Debug for QueueId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "QueueId({})", self.as_str())
    }
}

impl std::str::FromStr for QueueId {
    type Err = QueueIdError;
    fn from_str(s: &str) -> Result<QueueId, QueueIdError> {
        QueueId::parse(s)
    }
}

/// Hands out queue IDs for one process: strictly increasing time parts, the process id
/// in the unique part. Share one per process (it is `Sync`).
#[derive(Debug)]
pub struct QueueIdGenerator {
    pid: u32,
    state: Mutex<GeneratorState>,
}

#[derive(Debug, Default)]
struct GeneratorState {
    /// Last time part handed out, in microseconds since the epoch.
    last_micros: u64,
    counter: u64,
}

impl QueueIdGenerator {
    /// A generator for the process `pid` (`std::process::id()`).
    pub fn new(pid: u32) -> QueueIdGenerator {
        QueueIdGenerator {
            pid,
            state: Mutex::new(GeneratorState::default()),
        }
    }

    /// The next ID, for a message created at `now`. Never returns the same ID twice;
    /// IDs from one generator are strictly increasing even if the clock steps back.
    pub fn next(&self, now: SystemTime) -> QueueId {
        let now_micros = now
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_micros() as u64)
            .unwrap_or(0);
        let (micros, counter) = {
            // A poisoned lock only means another thread panicked between two plain
            // integer updates; the state is still consistent.
            let mut st = self.state.lock().unwrap_or_else(|e| e.into_inner());
            st.last_micros = now_micros.max(st.last_micros.saturating_add(1));
            st.counter = st.counter.wrapping_add(1);
            (st.last_micros, st.counter)
        };
        let tail = (u64::from(self.pid) << COUNTER_BITS) | (counter & ((1 << COUNTER_BITS) - 1));
        QueueId::from_parts(micros / 1_000_000, (micros % 1_000_000) as u32, tail)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_a_postfix_long_id() {
        let id = QueueId::parse("4Dm9sW6Wdlz9sWR").expect("valid");
        assert_eq!(id.as_str(), "4Dm9sW6Wdlz9sWR");
        // 4Dm9sW is 2021-02-24T22:42:23Z.
        assert_eq!(id.secs(), 1_614_206_543);
        assert!(id.usec() < 1_000_000);
        assert_eq!(id.to_string(), "4Dm9sW6Wdlz9sWR");
        assert!(QueueId::parse("3Pt2mN2VXxznjll").is_ok());
    }

    #[test]
    fn rejects_malformed_ids() {
        assert_eq!(QueueId::parse(""), Err(QueueIdError::Empty));
        assert_eq!(
            QueueId::parse("4Dm9sW6WdAz9s"),
            Err(QueueIdError::BadCharacter('A'))
        );
        assert_eq!(
            QueueId::parse("4Dm9sW6Wdl9sWR"),
            Err(QueueIdError::NoSeparator)
        );
        assert_eq!(QueueId::parse("4Dm9sWz9sWR"), Err(QueueIdError::ShortTime));
        assert_eq!(
            QueueId::parse("4Dm9sW6Wdlz"),
            Err(QueueIdError::NoUniquePart)
        );
        assert_eq!(
            QueueId::parse("4Dm9sWzzzzz1"),
            Err(QueueIdError::BadMicroseconds)
        );
        assert_eq!(
            QueueId::parse("4Dm9sW6Wdlz09sWR"),
            Err(QueueIdError::NotCanonical)
        );
        assert_eq!(
            QueueId::parse("04Dm9sW6Wdlz9sWR"),
            Err(QueueIdError::NotCanonical)
        );
        assert_eq!(
            QueueId::parse("3F1A2B4C5D"),
            Err(QueueIdError::BadCharacter('A'))
        );
        assert!(matches!(
            QueueId::parse("é"),
            Err(QueueIdError::BadCharacter('é'))
        ));
    }

    #[test]
    fn generated_ids_are_unique_ordered_and_postfix_shaped() {
        let generator = QueueIdGenerator::new(4_194_303);
        let now = UNIX_EPOCH + Duration::from_secs(1_763_900_000);
        let mut prev: Option<QueueId> = None;
        for _ in 0..10_000 {
            // The clock does not move: the generator still never repeats.
            let id = generator.next(now);
            let text = id.to_string();
            assert!((12..=16).contains(&text.len()), "{text}");
            assert!(text.bytes().all(|c| c.is_ascii_alphanumeric()));
            assert_eq!(QueueId::parse(&text), Ok(id));
            if let Some(p) = prev {
                assert!(p < id);
                assert!(p.as_str() < id.as_str(), "string order is time order");
            }
            prev = Some(id);
        }
    }

    #[test]
    fn clock_stepping_back_does_not_reuse() {
        let generator = QueueIdGenerator::new(77);
        let t = UNIX_EPOCH + Duration::from_secs(1_763_900_000);
        let a = generator.next(t);
        let b = generator.next(t - Duration::from_secs(5));
        assert!(b > a);
    }

    #[test]
    fn different_processes_differ_within_one_microsecond() {
        let t = UNIX_EPOCH + Duration::from_secs(1_763_900_000);
        let a = QueueIdGenerator::new(100).next(t);
        let b = QueueIdGenerator::new(101).next(t);
        assert_eq!((a.secs(), a.usec()), (b.secs(), b.usec()));
        assert_ne!(a, b);
        assert_ne!(a.as_str(), b.as_str());
    }

    #[test]
    fn concurrent_generation_is_unique() {
        let generator = std::sync::Arc::new(QueueIdGenerator::new(4242));
        let handles: Vec<_> = (0..4)
            .map(|_| {
                let g = generator.clone();
                std::thread::spawn(move || {
                    (0..5000)
                        .map(|_| g.next(SystemTime::now()))
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        let mut all = std::collections::HashSet::new();
        for h in handles {
            for id in h.join().expect("thread") {
                assert!(all.insert(id.to_string()));
            }
        }
        assert_eq!(all.len(), 20_000);
    }

    /// Random strings over the alphabet and its neighbours: parsing never panics, and
    /// whatever parses prints back the same.
    #[test]
    fn parse_is_total_and_canonical() {
        let chars: Vec<char> = "0123456789BCDFGHJKLMNPQRSTVWXYZbcdfghjklmnpqrstvwxyzAaeé-"
            .chars()
            .collect();
        let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
        let mut next = || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        let mut accepted = 0;
        for _ in 0..200_000 {
            let len = (next() % 32) as usize;
            let s: String = (0..len)
                .map(|_| chars[(next() % chars.len() as u64) as usize])
                .collect();
            if let Ok(id) = QueueId::parse(&s) {
                assert_eq!(id.as_str(), s);
                accepted += 1;
            }
        }
        assert!(accepted > 0);
    }

    #[test]
    fn round_trips_arbitrary_parts() {
        for &(s, u, t) in &[
            (0u64, 0u32, 0u64),
            (1, 999_999, 1),
            (u64::MAX, 999_999, u64::MAX),
            (52u64.pow(6), 1, 50),
        ] {
            let id = QueueId::from_parts(s, u, t);
            let back = QueueId::parse(id.as_str()).expect("round trip");
            assert_eq!((back.secs(), back.usec(), back.unique()), (s, u, t));
        }
        let carried = QueueId::from_parts(10, 2_500_000, 1);
        assert_eq!((carried.secs(), carried.usec()), (12, 500_000));
        assert_eq!(QueueId::from_parts(u64::MAX, 0, 0).time(), None);
        let t = QueueId::from_parts(1_763_900_000, 250, 1).time();
        assert_eq!(
            t,
            Some(UNIX_EPOCH + Duration::from_micros(1_763_900_000_000_250))
        );
    }
}
