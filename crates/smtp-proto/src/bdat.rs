//! BDAT (RFC 3030 CHUNKING) chunk accounting: how many bytes of the current chunk are still
//! to come, the transaction's running total, and bare LFs for `smtpd_forbid_bare_newline
//! = reject` (RFC 3030 §3 wants canonical CRLF text in chunks too).
//!
//! Owns: counting. Never: the reply after a chunk (that is `server.rs`), I/O.

/// Reads one chunk at a time out of the caller's buffer.
#[derive(Debug, Default, Clone)]
pub struct BdatReader {
    remaining: u64,
    total: u64,
    bare_lf: u64,
    prev_cr: bool,
}

impl BdatReader {
    pub fn new() -> Self {
        Self::default()
    }

    /// Starts a chunk of `size` bytes (from `BDAT size`).
    pub fn start_chunk(&mut self, size: u64) {
        self.remaining = size;
    }

    /// Takes up to the rest of the chunk from `input`; returns the bytes that belong to the
    /// chunk (a prefix of `input`). The chunk is complete when `remaining() == 0`.
    pub fn take<'a>(&mut self, input: &'a [u8]) -> &'a [u8] {
        let n = usize::try_from(self.remaining)
            .unwrap_or(usize::MAX)
            .min(input.len());
        let chunk = &input[..n];
        for (i, &b) in chunk.iter().enumerate() {
            if b == b'\n' {
                let cr = if i == 0 {
                    self.prev_cr
                } else {
                    chunk[i - 1] == b'\r'
                };
                self.bare_lf += u64::from(!cr);
            }
        }
        if let Some(&last) = chunk.last() {
            self.prev_cr = last == b'\r';
        }
        self.remaining -= n as u64;
        self.total += n as u64;
        chunk
    }

    pub fn remaining(&self) -> u64 {
        self.remaining
    }

    /// Bytes of all chunks of this transaction so far.
    pub fn total(&self) -> u64 {
        self.total
    }

    pub fn bare_lf_count(&self) -> u64 {
        self.bare_lf
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn splits_chunk_from_following_commands() {
        let mut r = BdatReader::new();
        r.start_chunk(5);
        assert_eq!(r.take(b"abc"), b"abc");
        assert_eq!(r.take(b"\r\nQUIT\r\n"), b"\r\n");
        assert_eq!((r.remaining(), r.total(), r.bare_lf_count()), (0, 5, 0));
        r.start_chunk(1);
        assert_eq!(r.take(b"\r"), b"\r");
        r.start_chunk(2);
        assert_eq!(r.take(b"\nx"), b"\nx");
        assert_eq!(r.bare_lf_count(), 0, "CR ended the previous chunk");
        r.start_chunk(2);
        assert_eq!(r.take(b"a\n"), b"a\n");
        assert_eq!(r.bare_lf_count(), 1);
    }

    proptest! {
        #[test]
        fn chunked_reads_count_the_same(input in proptest::collection::vec(prop_oneof![Just(b'\r'), Just(b'\n'), any::<u8>()], 0..200), step in 1usize..20) {
            let mut whole = BdatReader::new();
            whole.start_chunk(input.len() as u64);
            whole.take(&input);
            let mut parts = BdatReader::new();
            parts.start_chunk(input.len() as u64);
            for piece in input.chunks(step) {
                parts.take(piece);
            }
            prop_assert_eq!(whole.bare_lf_count(), parts.bare_lf_count());
            prop_assert_eq!(parts.remaining(), 0);
        }
    }
}
