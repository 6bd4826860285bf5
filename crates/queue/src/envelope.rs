//! What a queue file says about its message besides the content: the envelope as
//! cleanup decided it. Plain data; `record.rs` encodes and decodes it.
//!
//! These types belong to the queue file. When `mail::envelope` exists, cleanup converts
//! its envelope into this one at the queue boundary.

use std::collections::BTreeMap;
use std::time::SystemTime;

/// DSN NOTIFY (RFC 3461 §4.1) as a set of flags. The empty set means the client gave no
/// NOTIFY parameter, which is not the same as `NEVER`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Notify(u8);

impl Notify {
    pub const NEVER: Notify = Notify(1);
    pub const SUCCESS: Notify = Notify(2);
    pub const FAILURE: Notify = Notify(4);
    pub const DELAY: Notify = Notify(8);
    /// No NOTIFY parameter given.
    pub const UNSPECIFIED: Notify = Notify(0);

    pub fn bits(self) -> u8 {
        self.0
    }

    /// The set for these bits, if they are a valid NOTIFY value: known bits only, and
    /// NEVER alone (RFC 3461 §4.1).
    pub fn from_bits(bits: u8) -> Option<Notify> {
        if bits & !0x0f != 0 {
            return None;
        }
        if bits & Notify::NEVER.0 != 0 && bits != Notify::NEVER.0 {
            return None;
        }
        Some(Notify(bits))
    }

    pub fn contains(self, other: Notify) -> bool {
        self.0 & other.0 == other.0
    }

    pub fn union(self, other: Notify) -> Notify {
        Notify(self.0 | other.0)
    }
}

/// DSN RET (RFC 3461 §4.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DsnRet {
    Full,
    Headers,
}

/// One recipient as recorded in the queue file.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Recipient {
    /// The address to deliver to, after cleanup's rewriting.
    pub address: String,
    /// The address as the client gave it, before rewriting (Postfix's `orig_rcpt`).
    pub original: String,
    /// DSN ORCPT parameter, `addr-type;xtext`, when the client gave one.
    pub dsn_orcpt: Option<String>,
    pub notify: Notify,
    /// Delivered (or bounced) and recorded: never considered again.
    pub done: bool,
}

/// Who handed the message to us. Each field is an attribute record when present.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ClientInfo {
    pub name: Option<String>,
    pub address: Option<String>,
    pub port: Option<String>,
    pub reverse_name: Option<String>,
    pub helo: Option<String>,
    /// `SMTP`, `ESMTP`, `ESMTPSA`, `LMTP`, ... as in Received: headers.
    pub protocol: Option<String>,
    pub sasl_method: Option<String>,
    pub sasl_username: Option<String>,
    pub sasl_sender: Option<String>,
}

/// The envelope of a queued message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Envelope {
    /// When cleanup accepted the message (microsecond precision is kept).
    pub arrival: SystemTime,
    /// Envelope sender; empty for the null sender `<>`.
    pub sender: String,
    pub recipients: Vec<Recipient>,
    pub dsn_ret: Option<DsnRet>,
    pub dsn_envid: Option<String>,
    pub client: ClientInfo,
    /// `transport:nexthop` from content_filter or a FILTER action.
    pub content_filter: Option<String>,
    /// Address from a REDIRECT action: deliver there instead of to the recipients.
    pub redirect: Option<String>,
    /// Reason text of a HOLD action: the message belongs in the hold queue.
    pub hold: Option<String>,
    /// Other named attributes (e.g. `encoding`, `smtputf8`). Names of the typed
    /// `ClientInfo` fields are not allowed here.
    pub attributes: BTreeMap<String, String>,
}

impl Envelope {
    /// An envelope with only the required parts.
    pub fn new(arrival: SystemTime, sender: impl Into<String>) -> Envelope {
        Envelope {
            arrival,
            sender: sender.into(),
            recipients: Vec::new(),
            dsn_ret: None,
            dsn_envid: None,
            client: ClientInfo::default(),
            content_filter: None,
            redirect: None,
            hold: None,
            attributes: BTreeMap::new(),
        }
    }

    /// Adds a recipient whose original address is the same, without DSN parameters.
    pub fn add_recipient(&mut self, address: impl Into<String>) -> &mut Envelope {
        let address = address.into();
        self.recipients.push(Recipient {
            original: address.clone(),
            address,
            ..Recipient::default()
        });
        self
    }
}
