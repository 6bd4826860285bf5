//! `postmap -F`: a source value names files whose content is stored base64-encoded,
//! and queries and listings decode it again (Postfix `util/dict_file.c`; used for
//! TLS keys and certificates in `tls_server_sni_maps`).
//!
//! Never: interprets the content; it is bytes in, bytes out.

/// The content a `-F` value names: the files listed (separated by commas and/or white
/// space) concatenated with a newline between them, base64-encoded. The error is
/// Postfix's `open NAME: reason`.
pub fn encode_files(value: &str) -> Result<String, String> {
    let mut content = Vec::new();
    let names = value
        .split(|c: char| c == ',' || c.is_ascii_whitespace())
        .filter(|s| !s.is_empty());
    for (n, name) in names.enumerate() {
        let bytes = std::fs::read(name).map_err(|e| {
            crate::table_opts::messages::open_file(name, crate::table_opts::strerror(&e))
        })?;
        if n > 0 {
            content.push(b'\n');
        }
        content.extend_from_slice(&bytes);
    }
    Ok(encode(&content))
}

const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// Standard base64 with padding (RFC 4648 section 4).
pub fn encode(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// Decodes standard padded base64; `None` for anything malformed.
pub fn decode(text: &str) -> Option<Vec<u8>> {
    let bytes = text.as_bytes();
    if !bytes.len().is_multiple_of(4) {
        return None;
    }
    let mut out = Vec::with_capacity(bytes.len() / 4 * 3);
    let chunks = bytes.len() / 4;
    for (ci, chunk) in bytes.chunks(4).enumerate() {
        let pad = chunk.iter().rev().take_while(|&&c| c == b'=').count();
        if pad > 2 || (pad > 0 && ci + 1 != chunks) {
            return None;
        }
        let mut n = 0u32;
        for &c in &chunk[..4 - pad] {
            let v = ALPHABET.iter().position(|&a| a == c)? as u32;
            n = (n << 6) | v;
        }
        n <<= 6 * pad as u32;
        let got = [(n >> 16) as u8, (n >> 8) as u8, n as u8];
        out.extend_from_slice(&got[..3 - pad]);
    }
    Some(out)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn round_trips() {
        assert_eq!(encode(b"hello\n\nworld"), "aGVsbG8KCndvcmxk");
        assert_eq!(encode(b"a"), "YQ==");
        assert_eq!(encode(b"ab"), "YWI=");
        for s in [&b""[..], b"a", b"ab", b"abc", b"\x00\xff\x10"] {
            assert_eq!(decode(&encode(s)).unwrap(), s);
        }
        assert_eq!(decode("!!!notbase64"), None);
        assert_eq!(decode("YQ==YQ=="), None);
    }

    #[test]
    fn files_are_joined_with_newlines() {
        let dir = tempfile::tempdir().unwrap();
        let f1 = dir.path().join("f1");
        let f2 = dir.path().join("f2");
        std::fs::write(&f1, "hello\n").unwrap();
        std::fs::write(&f2, "world").unwrap();
        let value = format!("{}, {}", f1.display(), f2.display());
        assert_eq!(encode_files(&value).unwrap(), "aGVsbG8KCndvcmxk");
        assert!(encode_files("/nonexistent/x")
            .unwrap_err()
            .ends_with("No such file or directory"));
    }
}
