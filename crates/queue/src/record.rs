//! The queue file format, version 1: encoding and strict decoding.
//!
//! Our own format (not Postfix's): a fixed header, then checksummed records. FORMAT.md
//! beside Cargo.toml describes it for people; this comment is the reference.
//!
//! ```text
//! file    := header envelope content end
//! header  := magic "\x89FQF\r\n\x1a\n" (8) | version u16 LE = 1 | reserved u16 = 0
//! record  := type u8 | reserved u8 = 0 | len u32 LE | payload[len] | pad | crc u32 LE
//!            pad: one zero byte when len is odd, so every record starts at an even offset
//!            crc: CRC-32 (IEEE) of type..pad; in a RECIPIENT record the two state bytes
//!                 count as zero, so marking done never rewrites the checksum
//! envelope:= ARRIVAL SENDER { RECIPIENT | DSN_RET | DSN_ENVID | ATTR | FILTER | REDIRECT | HOLD }
//! content := CONTENT CHUNK*      (CONTENT says how many chunks and bytes follow)
//! end     := END, then end of file
//! ```
//!
//! Integers are little-endian; `str` is `u32 len | UTF-8 bytes`; a record holding one
//! string (SENDER, DSN_ENVID, FILTER, REDIRECT, HOLD) has the bare UTF-8 as payload.
//!
//! | type | name | payload |
//! |---|---|---|
//! | 0x01 | ARRIVAL | secs u64, usec u32 |
//! | 0x02 | SENDER | UTF-8 (empty: null sender) |
//! | 0x03 | RECIPIENT | state [2], notify u8, flags u8 (bit 0: ORCPT present), address str, original str, [orcpt str] |
//! | 0x04 | DSN_RET | 1 = FULL, 2 = HDRS |
//! | 0x05 | DSN_ENVID | UTF-8 |
//! | 0x06 | ATTR | name str, value str |
//! | 0x07 | FILTER | UTF-8 `transport:nexthop` |
//! | 0x08 | REDIRECT | UTF-8 address |
//! | 0x09 | HOLD | UTF-8 reason |
//! | 0x10 | CONTENT | content length u64, chunk count u32, section length u64 (bytes of the CHUNK records) |
//! | 0x11 | CHUNK | 1..=65536 bytes of content (headers and body as cleanup wrote them) |
//! | 0x7f | END | recipient count u32, content length u64 |
//!
//! The recipient state is two bytes, `A5 5A` pending or `5A A5` done: a two-byte write at
//! an even offset (never split across sectors) flips it, and no single damaged byte can
//! turn pending into done.
//!
//! Decoding tolerates nothing: a file that stops before its END record is
//! [`RecordError::Incomplete`]; anything else out of place (bad magic, unknown type,
//! checksum mismatch, a field out of range, a count that does not add up, bytes after
//! END) is [`RecordError::Corrupt`]. No input makes the decoder panic or allocate more
//! than one record's bounded payload.

use std::io::{self, Read, Seek, SeekFrom};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crate::envelope::{ClientInfo, DsnRet, Envelope, Notify, Recipient};

pub const MAGIC: [u8; 8] = *b"\x89FQF\r\n\x1a\n";
pub const VERSION: u16 = 1;
pub const HEADER_LEN: u64 = 12;
/// Largest payload of an envelope record.
pub const MAX_ENVELOPE_PAYLOAD: usize = 64 * 1024;
/// Largest (and usual) payload of a CHUNK record.
pub const CHUNK_SIZE: usize = 64 * 1024;

/// Recipient state bytes.
pub const PENDING: [u8; 2] = [0xA5, 0x5A];
pub const DONE: [u8; 2] = [0x5A, 0xA5];

const FRAME_HEAD: usize = 6;
const FRAME_TAIL: usize = 4;
const CONTENT_PAYLOAD: usize = 20;
const END_PAYLOAD: usize = 12;
const ARRIVAL_PAYLOAD: usize = 12;
/// Bytes of a CONTENT record on disk; the writer reserves them and fills them in last.
pub const CONTENT_RECORD_LEN: usize = FRAME_HEAD + CONTENT_PAYLOAD + FRAME_TAIL;

pub(crate) mod rtype {
    pub const ARRIVAL: u8 = 0x01;
    pub const SENDER: u8 = 0x02;
    pub const RECIPIENT: u8 = 0x03;
    pub const DSN_RET: u8 = 0x04;
    pub const DSN_ENVID: u8 = 0x05;
    pub const ATTR: u8 = 0x06;
    pub const FILTER: u8 = 0x07;
    pub const REDIRECT: u8 = 0x08;
    pub const HOLD: u8 = 0x09;
    pub const CONTENT: u8 = 0x10;
    pub const CHUNK: u8 = 0x11;
    pub const END: u8 = 0x7f;
    /// Per-recipient status record of the defer/bounce/trace logs (`logs.rs`).
    pub const STATUS: u8 = 0x20;
}

/// Attribute names of the typed [`ClientInfo`] fields (Postfix's names for them).
const CLIENT_ATTRS: [&str; 9] = [
    "client_name",
    "client_address",
    "client_port",
    "reverse_client_name",
    "helo_name",
    "protocol_name",
    "sasl_method",
    "sasl_username",
    "sasl_sender",
];

fn client_field(c: &mut ClientInfo, i: usize) -> &mut Option<String> {
    match i {
        0 => &mut c.name,
        1 => &mut c.address,
        2 => &mut c.port,
        3 => &mut c.reverse_name,
        4 => &mut c.helo,
        5 => &mut c.protocol,
        6 => &mut c.sasl_method,
        7 => &mut c.sasl_username,
        _ => &mut c.sasl_sender,
    }
}

/// Why bytes are not a usable queue file.
#[derive(Debug, thiserror::Error)]
pub enum RecordError {
    #[error("incomplete queue file: it ends at byte {offset}, before its end record")]
    Incomplete { offset: u64 },
    #[error("corrupt queue file at byte {offset}: {what}")]
    Corrupt { offset: u64, what: &'static str },
    #[error("queue file format version {0} is not supported (this build reads version {VERSION})")]
    UnsupportedVersion(u16),
    #[error("reading queue file: {0}")]
    Io(#[source] io::Error),
}

/// Why an envelope cannot be written.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EncodeError {
    #[error("the envelope has no recipients")]
    NoRecipients,
    #[error("{field} is longer than the queue file allows")]
    TooLong { field: &'static str },
    #[error("attribute name {0:?} is empty or reserved for a typed field")]
    BadAttributeName(String),
    #[error("arrival time is before 1970")]
    ArrivalBeforeEpoch,
}

fn corrupt(offset: u64, what: &'static str) -> RecordError {
    RecordError::Corrupt { offset, what }
}

// ---------------------------------------------------------------- encoding

fn record_crc(frame: &[u8]) -> u32 {
    let mut h = crc32fast::Hasher::new();
    if frame[0] == rtype::RECIPIENT && frame.len() >= FRAME_HEAD + 2 {
        h.update(&frame[..FRAME_HEAD]);
        h.update(&[0, 0]);
        h.update(&frame[FRAME_HEAD + 2..]);
    } else {
        h.update(frame);
    }
    h.finalize()
}

/// Appends one framed record; returns the offset of its payload within `out`.
pub(crate) fn put_record(out: &mut Vec<u8>, t: u8, payload: &[u8]) -> usize {
    let start = out.len();
    out.push(t);
    out.push(0);
    out.extend_from_slice(&(payload.len() as u32).to_le_bytes());
    out.extend_from_slice(payload);
    if payload.len() % 2 == 1 {
        out.push(0);
    }
    let crc = record_crc(&out[start..]);
    out.extend_from_slice(&crc.to_le_bytes());
    start + FRAME_HEAD
}

pub(crate) fn put_str(p: &mut Vec<u8>, s: &str) {
    p.extend_from_slice(&(s.len() as u32).to_le_bytes());
    p.extend_from_slice(s.as_bytes());
}

fn checked(field: &'static str, payload: Vec<u8>) -> Result<Vec<u8>, EncodeError> {
    if payload.len() > MAX_ENVELOPE_PAYLOAD {
        return Err(EncodeError::TooLong { field });
    }
    Ok(payload)
}

/// The header and envelope records of a file, and the offsets of its recipients' state
/// bytes.
#[derive(Debug, Clone)]
pub struct EncodedHead {
    pub bytes: Vec<u8>,
    pub slots: Vec<u64>,
}

/// Encodes the header and the envelope records.
pub fn encode_head(env: &Envelope) -> Result<EncodedHead, EncodeError> {
    if env.recipients.is_empty() {
        return Err(EncodeError::NoRecipients);
    }
    let mut out = Vec::with_capacity(256);
    out.extend_from_slice(&MAGIC);
    out.extend_from_slice(&VERSION.to_le_bytes());
    out.extend_from_slice(&[0, 0]);

    let since = env
        .arrival
        .duration_since(UNIX_EPOCH)
        .map_err(|_| EncodeError::ArrivalBeforeEpoch)?;
    let mut p = Vec::with_capacity(ARRIVAL_PAYLOAD);
    p.extend_from_slice(&since.as_secs().to_le_bytes());
    p.extend_from_slice(&since.subsec_micros().to_le_bytes());
    put_record(&mut out, rtype::ARRIVAL, &p);
    let sender = checked("sender", env.sender.as_bytes().to_vec())?;
    put_record(&mut out, rtype::SENDER, &sender);

    let mut slots = Vec::with_capacity(env.recipients.len());
    for r in &env.recipients {
        let mut p = Vec::with_capacity(16 + r.address.len() + r.original.len());
        p.extend_from_slice(if r.done { &DONE } else { &PENDING });
        p.push(r.notify.bits());
        p.push(u8::from(r.dsn_orcpt.is_some()));
        put_str(&mut p, &r.address);
        put_str(&mut p, &r.original);
        if let Some(o) = &r.dsn_orcpt {
            put_str(&mut p, o);
        }
        let p = checked("recipient", p)?;
        slots.push(put_record(&mut out, rtype::RECIPIENT, &p) as u64);
    }
    if let Some(ret) = env.dsn_ret {
        let v = match ret {
            DsnRet::Full => 1,
            DsnRet::Headers => 2,
        };
        put_record(&mut out, rtype::DSN_RET, &[v]);
    }
    if let Some(envid) = &env.dsn_envid {
        let p = checked("ENVID", envid.as_bytes().to_vec())?;
        put_record(&mut out, rtype::DSN_ENVID, &p);
    }
    let mut client = env.client.clone();
    let typed = CLIENT_ATTRS
        .iter()
        .enumerate()
        .filter_map(|(i, name)| client_field(&mut client, i).take().map(|v| (*name, v)))
        .collect::<Vec<_>>();
    if let Some(name) = env
        .attributes
        .keys()
        .find(|n| n.is_empty() || CLIENT_ATTRS.contains(&n.as_str()))
    {
        return Err(EncodeError::BadAttributeName(name.clone()));
    }
    let attrs = typed
        .iter()
        .map(|(n, v)| (*n, v.as_str()))
        .chain(env.attributes.iter().map(|(n, v)| (n.as_str(), v.as_str())));
    for (name, value) in attrs {
        let mut p = Vec::with_capacity(8 + name.len() + value.len());
        put_str(&mut p, name);
        put_str(&mut p, value);
        let p = checked("attribute", p)?;
        put_record(&mut out, rtype::ATTR, &p);
    }
    for (t, field, v) in [
        (rtype::FILTER, "content_filter", &env.content_filter),
        (rtype::REDIRECT, "redirect", &env.redirect),
        (rtype::HOLD, "hold reason", &env.hold),
    ] {
        if let Some(v) = v {
            let p = checked(field, v.as_bytes().to_vec())?;
            put_record(&mut out, t, &p);
        }
    }
    Ok(EncodedHead { bytes: out, slots })
}

/// The CONTENT record, `CONTENT_RECORD_LEN` bytes.
pub fn encode_content_record(content_len: u64, chunk_count: u32, section_len: u64) -> Vec<u8> {
    let mut p = Vec::with_capacity(CONTENT_PAYLOAD);
    p.extend_from_slice(&content_len.to_le_bytes());
    p.extend_from_slice(&chunk_count.to_le_bytes());
    p.extend_from_slice(&section_len.to_le_bytes());
    let mut out = Vec::with_capacity(CONTENT_RECORD_LEN);
    put_record(&mut out, rtype::CONTENT, &p);
    out
}

/// Appends one CHUNK record (`data` must hold 1..=CHUNK_SIZE bytes); returns its size.
pub fn encode_chunk(data: &[u8], out: &mut Vec<u8>) -> usize {
    debug_assert!(!data.is_empty() && data.len() <= CHUNK_SIZE);
    let start = out.len();
    put_record(out, rtype::CHUNK, data);
    out.len() - start
}

/// Appends the END record.
pub fn encode_end(recipient_count: u32, content_len: u64, out: &mut Vec<u8>) {
    let mut p = Vec::with_capacity(END_PAYLOAD);
    p.extend_from_slice(&recipient_count.to_le_bytes());
    p.extend_from_slice(&content_len.to_le_bytes());
    put_record(out, rtype::END, &p);
}

/// A whole queue file in memory (tests, tools; the writer streams instead).
pub fn encode_file(env: &Envelope, content: &[u8]) -> Result<Vec<u8>, EncodeError> {
    let head = encode_head(env)?;
    let mut section = Vec::with_capacity(content.len() + content.len() / CHUNK_SIZE * 12 + 12);
    let mut chunks = 0u32;
    for c in content.chunks(CHUNK_SIZE) {
        encode_chunk(c, &mut section);
        chunks += 1;
    }
    let mut out = head.bytes;
    out.extend(encode_content_record(
        content.len() as u64,
        chunks,
        section.len() as u64,
    ));
    out.extend(section);
    encode_end(env.recipients.len() as u32, content.len() as u64, &mut out);
    Ok(out)
}

// ---------------------------------------------------------------- decoding

/// Where the content of a decoded file lies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ContentInfo {
    /// Bytes of message content (headers and body).
    pub len: u64,
    pub chunk_count: u32,
    /// File offset of the first CHUNK record.
    pub section_start: u64,
    /// Bytes of all CHUNK records together.
    pub section_len: u64,
}

/// A decoded envelope and where things are in its file.
#[derive(Debug, Clone)]
pub struct Decoded {
    pub envelope: Envelope,
    /// File offset of each recipient's state bytes, parallel to `envelope.recipients`.
    pub slots: Vec<u64>,
    pub content: ContentInfo,
}

/// Reads framed records from a file, keeping track of the offset.
#[derive(Debug)]
pub struct RecordSource<R> {
    inner: R,
    offset: u64,
}

fn max_payload(t: u8) -> Option<usize> {
    match t {
        rtype::ARRIVAL => Some(ARRIVAL_PAYLOAD),
        rtype::CONTENT => Some(CONTENT_PAYLOAD),
        rtype::END => Some(END_PAYLOAD),
        rtype::DSN_RET => Some(1),
        rtype::CHUNK => Some(CHUNK_SIZE),
        rtype::SENDER
        | rtype::RECIPIENT
        | rtype::DSN_ENVID
        | rtype::ATTR
        | rtype::FILTER
        | rtype::REDIRECT
        | rtype::HOLD
        | rtype::STATUS => Some(MAX_ENVELOPE_PAYLOAD),
        _ => None,
    }
}

impl<R: Read + Seek> RecordSource<R> {
    pub fn new(inner: R) -> RecordSource<R> {
        RecordSource { inner, offset: 0 }
    }

    pub fn offset(&self) -> u64 {
        self.offset
    }

    pub fn into_inner(self) -> R {
        self.inner
    }

    pub fn seek_to(&mut self, offset: u64) -> Result<(), RecordError> {
        self.inner
            .seek(SeekFrom::Start(offset))
            .map_err(RecordError::Io)?;
        self.offset = offset;
        Ok(())
    }

    fn read_exact(&mut self, buf: &mut [u8]) -> Result<(), RecordError> {
        let mut got = 0;
        while got < buf.len() {
            match self.inner.read(&mut buf[got..]) {
                Ok(0) => {
                    return Err(RecordError::Incomplete {
                        offset: self.offset + got as u64,
                    })
                }
                Ok(n) => got += n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(RecordError::Io(e)),
            }
        }
        self.offset += buf.len() as u64;
        Ok(())
    }

    /// Checks the header.
    pub fn read_header(&mut self) -> Result<(), RecordError> {
        let mut h = [0u8; HEADER_LEN as usize];
        let mut got = 0;
        while got < h.len() {
            match self.inner.read(&mut h[got..]) {
                Ok(0) => break,
                Ok(n) => got += n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(RecordError::Io(e)),
            }
        }
        let m = got.min(MAGIC.len());
        if h[..m] != MAGIC[..m] {
            return Err(corrupt(0, "not a facteur queue file (bad magic)"));
        }
        if got < h.len() {
            return Err(RecordError::Incomplete { offset: got as u64 });
        }
        let version = u16::from_le_bytes([h[8], h[9]]);
        if version != VERSION {
            return Err(RecordError::UnsupportedVersion(version));
        }
        if h[10..12] != [0, 0] {
            return Err(corrupt(10, "reserved header bytes are not zero"));
        }
        self.offset = HEADER_LEN;
        Ok(())
    }

    /// Reads and verifies one record into `payload`; returns its type and the file
    /// offset of its payload.
    pub fn read_record(&mut self, payload: &mut Vec<u8>) -> Result<(u8, u64), RecordError> {
        let start = self.offset;
        let mut head = [0u8; FRAME_HEAD];
        self.read_exact(&mut head)?;
        let t = head[0];
        let max = max_payload(t).ok_or(corrupt(start, "unknown record type"))?;
        if head[1] != 0 {
            return Err(corrupt(start + 1, "reserved record byte is not zero"));
        }
        let len = u32::from_le_bytes([head[2], head[3], head[4], head[5]]) as usize;
        if len > max {
            return Err(corrupt(start + 2, "record length out of range"));
        }
        let pad = len % 2;
        let mut frame = Vec::with_capacity(FRAME_HEAD + len + pad);
        frame.extend_from_slice(&head);
        frame.resize(FRAME_HEAD + len + pad + FRAME_TAIL, 0);
        self.read_exact(&mut frame[FRAME_HEAD..])?;
        let body_end = FRAME_HEAD + len + pad;
        let stored = u32::from_le_bytes([
            frame[body_end],
            frame[body_end + 1],
            frame[body_end + 2],
            frame[body_end + 3],
        ]);
        if record_crc(&frame[..body_end]) != stored {
            return Err(corrupt(start, "record checksum mismatch"));
        }
        if pad == 1 && frame[body_end - 1] != 0 {
            return Err(corrupt(start, "record padding is not zero"));
        }
        payload.clear();
        payload.extend_from_slice(&frame[FRAME_HEAD..FRAME_HEAD + len]);
        Ok((t, start + FRAME_HEAD as u64))
    }

    /// Succeeds only at end of file.
    pub fn expect_eof(&mut self) -> Result<(), RecordError> {
        let mut b = [0u8; 1];
        loop {
            match self.inner.read(&mut b) {
                Ok(0) => return Ok(()),
                Ok(_) => return Err(corrupt(self.offset, "data after the end record")),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(RecordError::Io(e)),
            }
        }
    }
}

/// The time `secs` and `usec` after the epoch, if the platform can represent it.
pub(crate) fn time_from(secs: u64, usec: u32) -> Option<SystemTime> {
    UNIX_EPOCH
        .checked_add(Duration::from_secs(secs))?
        .checked_add(Duration::from_micros(u64::from(usec)))
}

/// Reads fields out of one payload; running short is corruption.
pub(crate) struct Fields<'a> {
    buf: &'a [u8],
    pos: usize,
    base: u64,
}

impl<'a> Fields<'a> {
    pub(crate) fn new(buf: &'a [u8], base: u64) -> Fields<'a> {
        Fields { buf, pos: 0, base }
    }
    fn err(&self, what: &'static str) -> RecordError {
        corrupt(self.base + self.pos as u64, what)
    }
    fn bytes(&mut self, n: usize) -> Result<&'a [u8], RecordError> {
        let end = self
            .pos
            .checked_add(n)
            .filter(|&e| e <= self.buf.len())
            .ok_or_else(|| self.err("field runs past its record"))?;
        let s = &self.buf[self.pos..end];
        self.pos = end;
        Ok(s)
    }
    pub(crate) fn u8(&mut self) -> Result<u8, RecordError> {
        Ok(self.bytes(1)?[0])
    }
    pub(crate) fn u32(&mut self) -> Result<u32, RecordError> {
        let b = self.bytes(4)?;
        Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }
    pub(crate) fn u64(&mut self) -> Result<u64, RecordError> {
        let b = self.bytes(8)?;
        let mut a = [0u8; 8];
        a.copy_from_slice(b);
        Ok(u64::from_le_bytes(a))
    }
    pub(crate) fn str(&mut self) -> Result<String, RecordError> {
        let n = self.u32()? as usize;
        let at = self.base + self.pos as u64;
        let b = self.bytes(n)?;
        String::from_utf8(b.to_vec()).map_err(|_| corrupt(at, "text is not UTF-8"))
    }
    fn rest_str(&mut self) -> Result<String, RecordError> {
        let at = self.base + self.pos as u64;
        let b = self.bytes(self.buf.len() - self.pos)?;
        String::from_utf8(b.to_vec()).map_err(|_| corrupt(at, "text is not UTF-8"))
    }
    pub(crate) fn finish(&self) -> Result<(), RecordError> {
        if self.pos == self.buf.len() {
            Ok(())
        } else {
            Err(self.err("extra bytes at the end of a record"))
        }
    }
}

fn set_once<T>(slot: &mut Option<T>, v: T, at: u64) -> Result<(), RecordError> {
    if slot.is_some() {
        return Err(corrupt(at, "record appears twice"));
    }
    *slot = Some(v);
    Ok(())
}

/// Decodes the header, the envelope and the content and end records' framing, without
/// reading the content itself. Leaves `src` positioned after the END record.
pub fn read_envelope<R: Read + Seek>(src: &mut RecordSource<R>) -> Result<Decoded, RecordError> {
    src.read_header()?;
    let mut p = Vec::new();

    let (t, at) = src.read_record(&mut p)?;
    if t != rtype::ARRIVAL {
        return Err(corrupt(at, "first record is not ARRIVAL"));
    }
    let mut f = Fields::new(&p, at);
    let secs = f.u64()?;
    let usec = f.u32()?;
    f.finish()?;
    if usec >= 1_000_000 {
        return Err(corrupt(at, "arrival microseconds out of range"));
    }
    let arrival = time_from(secs, usec).ok_or(corrupt(at, "arrival time out of range"))?;

    let (t, at) = src.read_record(&mut p)?;
    if t != rtype::SENDER {
        return Err(corrupt(at, "second record is not SENDER"));
    }
    let sender = Fields::new(&p, at).rest_str()?;
    let mut env = Envelope::new(arrival, sender);
    let mut slots = Vec::new();
    let (mut ret, mut envid, mut filter, mut redirect, mut hold) = (None, None, None, None, None);

    let content = loop {
        let (t, at) = src.read_record(&mut p)?;
        let mut f = Fields::new(&p, at);
        match t {
            rtype::RECIPIENT => {
                let state = [f.u8()?, f.u8()?];
                let done = match state {
                    PENDING => false,
                    DONE => true,
                    _ => return Err(corrupt(at, "recipient state is neither pending nor done")),
                };
                let notify =
                    Notify::from_bits(f.u8()?).ok_or(corrupt(at + 2, "invalid NOTIFY flags"))?;
                let flags = f.u8()?;
                if flags > 1 {
                    return Err(corrupt(at + 3, "unknown recipient flags"));
                }
                let address = f.str()?;
                let original = f.str()?;
                let dsn_orcpt = if flags == 1 { Some(f.str()?) } else { None };
                f.finish()?;
                env.recipients.push(Recipient {
                    address,
                    original,
                    dsn_orcpt,
                    notify,
                    done,
                });
                slots.push(at);
            }
            rtype::DSN_RET => {
                let v = match f.u8()? {
                    1 => DsnRet::Full,
                    2 => DsnRet::Headers,
                    _ => return Err(corrupt(at, "invalid DSN RET value")),
                };
                set_once(&mut ret, v, at)?;
            }
            rtype::DSN_ENVID => set_once(&mut envid, f.rest_str()?, at)?,
            rtype::FILTER => set_once(&mut filter, f.rest_str()?, at)?,
            rtype::REDIRECT => set_once(&mut redirect, f.rest_str()?, at)?,
            rtype::HOLD => set_once(&mut hold, f.rest_str()?, at)?,
            rtype::ATTR => {
                let name = f.str()?;
                let value = f.str()?;
                f.finish()?;
                if name.is_empty() {
                    return Err(corrupt(at, "empty attribute name"));
                }
                if let Some(i) = CLIENT_ATTRS.iter().position(|n| *n == name) {
                    set_once(client_field(&mut env.client, i), value, at)?;
                } else if env.attributes.insert(name, value).is_some() {
                    return Err(corrupt(at, "record appears twice"));
                }
            }
            rtype::CONTENT => {
                let len = f.u64()?;
                let chunk_count = f.u32()?;
                let section_len = f.u64()?;
                f.finish()?;
                break ContentInfo {
                    len,
                    chunk_count,
                    section_start: src.offset(),
                    section_len,
                };
            }
            _ => return Err(corrupt(at, "record out of place in the envelope")),
        }
    };
    if env.recipients.is_empty() {
        return Err(corrupt(src.offset(), "no recipient records"));
    }
    env.dsn_ret = ret;
    env.dsn_envid = envid;
    env.content_filter = filter;
    env.redirect = redirect;
    env.hold = hold;

    // Each CHUNK record holds 1..=CHUNK_SIZE bytes and FRAME_HEAD+FRAME_TAIL+pad more.
    let n = u64::from(content.chunk_count);
    let plausible = content.len >= n
        && content.len <= n * CHUNK_SIZE as u64
        && content.section_len >= content.len.saturating_add(n * 10)
        && content.section_len <= content.len.saturating_add(n * 11);
    if !plausible {
        return Err(corrupt(
            content.section_start - CONTENT_RECORD_LEN as u64,
            "content counts do not add up",
        ));
    }
    let end_at = content
        .section_start
        .checked_add(content.section_len)
        .ok_or(corrupt(
            content.section_start,
            "content length out of range",
        ))?;
    src.seek_to(end_at)?;
    let (t, at) = src.read_record(&mut p)?;
    if t != rtype::END {
        return Err(corrupt(at, "no END record after the content"));
    }
    let mut f = Fields::new(&p, at);
    let rcpts = f.u32()?;
    let len = f.u64()?;
    f.finish()?;
    if rcpts as usize != env.recipients.len() || len != content.len {
        return Err(corrupt(at, "END record counts do not match"));
    }
    src.expect_eof()?;
    Ok(Decoded {
        envelope: env,
        slots,
        content,
    })
}

/// Streams the content chunk by chunk, verifying each.
#[derive(Debug)]
pub struct ContentChunks<R> {
    src: RecordSource<R>,
    info: ContentInfo,
    chunks_seen: u32,
    bytes_seen: u64,
    buf: Vec<u8>,
}

impl<R: Read + Seek> ContentChunks<R> {
    /// Positions `src` at the first chunk of `info`.
    pub fn new(mut src: RecordSource<R>, info: ContentInfo) -> Result<Self, RecordError> {
        src.seek_to(info.section_start)?;
        Ok(ContentChunks {
            src,
            info,
            chunks_seen: 0,
            bytes_seen: 0,
            buf: Vec::new(),
        })
    }

    /// The next chunk of content, or `None` after the last one (once all counts have
    /// been checked).
    pub fn next_chunk(&mut self) -> Result<Option<&[u8]>, RecordError> {
        if self.chunks_seen == self.info.chunk_count {
            let end = self.info.section_start.checked_add(self.info.section_len);
            if self.bytes_seen != self.info.len || end != Some(self.src.offset()) {
                return Err(corrupt(self.src.offset(), "content counts do not add up"));
            }
            return Ok(None);
        }
        let (t, at) = self.src.read_record(&mut self.buf)?;
        if t != rtype::CHUNK || self.buf.is_empty() {
            return Err(corrupt(at, "expected a non-empty CHUNK record"));
        }
        self.chunks_seen += 1;
        self.bytes_seen += self.buf.len() as u64;
        if self.bytes_seen > self.info.len {
            return Err(corrupt(at, "content longer than announced"));
        }
        Ok(Some(&self.buf))
    }

    /// The chunk last returned by [`ContentChunks::next_chunk`].
    pub fn current(&self) -> &[u8] {
        &self.buf
    }
}

/// Decodes a whole file held in memory: envelope and content (tests, tools).
pub fn decode_file(bytes: &[u8]) -> Result<(Decoded, Vec<u8>), RecordError> {
    let mut src = RecordSource::new(io::Cursor::new(bytes));
    let decoded = read_envelope(&mut src)?;
    let mut chunks = ContentChunks::new(src, decoded.content)?;
    let mut content = Vec::new();
    while let Some(c) = chunks.next_chunk()? {
        content.extend_from_slice(c);
    }
    Ok((decoded, content))
}

/// The time an envelope records, as encoding keeps it (microseconds).
pub fn arrival_precision(t: SystemTime) -> SystemTime {
    match t.duration_since(UNIX_EPOCH) {
        Ok(d) => UNIX_EPOCH + Duration::from_micros(d.as_micros() as u64),
        Err(_) => t,
    }
}

#[cfg(test)]
#[path = "record_tests.rs"]
mod tests;
