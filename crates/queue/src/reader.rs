//! Opening a queue file: the envelope at once (qmgr, mailq, postcat), the content as a
//! verified stream (delivery agents, postcat, bounces). Opening reads the envelope and
//! checks the end record, so an incomplete or corrupt file is refused before anything
//! is delivered from it; content chunks are checked as they stream.

use std::fs::{File, OpenOptions};
use std::io::{self, BufReader, Read, Seek, SeekFrom};
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};

use mail::queue_id::QueueId;

use crate::envelope::{Envelope, Recipient};
use crate::error::QueueError;
use crate::layout::QueueName;
use crate::record::{self, ContentChunks, ContentInfo, Decoded, RecordError, RecordSource};
use crate::store::QueueStore;

/// Bytes read at a time while decoding the envelope.
const ENVELOPE_READ_BLOCK: usize = 4096;

/// An open, decoded queue file.
#[derive(Debug)]
pub struct QueueFile {
    pub(crate) file: File,
    pub(crate) path: PathBuf,
    pub(crate) decoded: Decoded,
}

/// Reads a file at its own position with pread, so several readers can share one open
/// file.
#[derive(Debug)]
pub struct At<'a> {
    file: &'a File,
    pos: u64,
}

impl Read for At<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.file.read_at(buf, self.pos)?;
        self.pos += n as u64;
        Ok(n)
    }
}

impl Seek for At<'_> {
    fn seek(&mut self, to: SeekFrom) -> io::Result<u64> {
        let base = match to {
            SeekFrom::Start(n) => {
                self.pos = n;
                return Ok(n);
            }
            SeekFrom::Current(d) => (self.pos, d),
            SeekFrom::End(d) => (self.file.metadata()?.len(), d),
        };
        self.pos = base
            .0
            .checked_add_signed(base.1)
            .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "seek out of range"))?;
        Ok(self.pos)
    }
}

impl QueueFile {
    /// Opens and decodes the file at `path`, read-only.
    pub fn open(path: &Path) -> Result<QueueFile, QueueError> {
        let file = File::open(path).map_err(QueueError::io("open", path))?;
        QueueFile::from_file(file, path)
    }

    /// Opens for reading and marking recipients done (qmgr).
    pub fn open_for_update(path: &Path) -> Result<QueueFile, QueueError> {
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .open(path)
            .map_err(QueueError::io("open", path))?;
        QueueFile::from_file(file, path)
    }

    /// Decodes an already open file; `path` is for error messages.
    pub fn from_file(file: File, path: &Path) -> Result<QueueFile, QueueError> {
        // Envelope records are small: read them a block at a time, not record by record.
        let mut src = RecordSource::new(BufReader::with_capacity(
            ENVELOPE_READ_BLOCK,
            At {
                file: &file,
                pos: 0,
            },
        ));
        let decoded = record::read_envelope(&mut src).map_err(|source| QueueError::Record {
            path: path.to_path_buf(),
            source,
        })?;
        Ok(QueueFile {
            file,
            path: path.to_path_buf(),
            decoded,
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn envelope(&self) -> &Envelope {
        &self.decoded.envelope
    }

    /// Message size in bytes (headers and body), as mailq shows it.
    pub fn content_len(&self) -> u64 {
        self.decoded.content.len
    }

    pub fn content_info(&self) -> ContentInfo {
        self.decoded.content
    }

    /// File offset of each recipient's state bytes, parallel to
    /// `envelope().recipients` (for `postcat -o`).
    pub fn recipient_offsets(&self) -> &[u64] {
        &self.decoded.slots
    }

    /// Recipients not yet done, with their index (for [`QueueFile::mark_done`]).
    pub fn pending(&self) -> impl Iterator<Item = (usize, &Recipient)> {
        self.decoded
            .envelope
            .recipients
            .iter()
            .enumerate()
            .filter(|(_, r)| !r.done)
    }

    /// The content from the start, verified chunk by chunk: a damaged chunk is an error
    /// before any of its bytes are returned.
    pub fn content(&self) -> Result<ContentReader<'_>, QueueError> {
        let src = RecordSource::new(At {
            file: &self.file,
            pos: 0,
        });
        let chunks =
            ContentChunks::new(src, self.decoded.content).map_err(|source| QueueError::Record {
                path: self.path.clone(),
                source,
            })?;
        Ok(ContentReader {
            chunks,
            path: &self.path,
            pos: 0,
            len: 0,
            done: false,
        })
    }
}

/// The content of a queue file as `io::Read` (damage is `io::ErrorKind::InvalidData`
/// wrapping a [`QueueError`]), or chunk by chunk with typed errors.
#[derive(Debug)]
pub struct ContentReader<'a> {
    chunks: ContentChunks<At<'a>>,
    path: &'a Path,
    pos: usize,
    len: usize,
    done: bool,
}

impl ContentReader<'_> {
    /// The next verified chunk, `None` at the (verified) end.
    pub fn next_chunk(&mut self) -> Result<Option<&[u8]>, QueueError> {
        let path = self.path;
        self.pos = 0;
        self.len = 0;
        self.chunks
            .next_chunk()
            .map_err(|source| QueueError::Record {
                path: path.to_path_buf(),
                source,
            })
    }
}

impl Read for ContentReader<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.pos == self.len {
            if self.done {
                return Ok(0);
            }
            match self.chunks.next_chunk() {
                Ok(Some(c)) => {
                    self.len = c.len();
                    self.pos = 0;
                }
                Ok(None) => {
                    self.done = true;
                    return Ok(0);
                }
                Err(RecordError::Io(e)) => return Err(e),
                Err(source) => {
                    return Err(io::Error::new(
                        io::ErrorKind::InvalidData,
                        QueueError::Record {
                            path: self.path.to_path_buf(),
                            source,
                        },
                    ))
                }
            }
        }
        let chunk = &self.chunks.current()[self.pos..self.len];
        let n = chunk.len().min(buf.len());
        buf[..n].copy_from_slice(&chunk[..n]);
        self.pos += n;
        Ok(n)
    }
}

impl QueueStore {
    /// Opens `id` in `queue` read-only (mailq, postcat).
    pub fn open(&self, queue: QueueName, id: &QueueId) -> Result<QueueFile, QueueError> {
        QueueFile::open(&self.layout.path(queue, id))
    }

    /// Opens `id` in `queue` for reading and marking done (qmgr).
    pub fn open_for_update(&self, queue: QueueName, id: &QueueId) -> Result<QueueFile, QueueError> {
        QueueFile::open_for_update(&self.layout.path(queue, id))
    }
}
