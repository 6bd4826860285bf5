//! One command line → `Command`, with typed ESMTP parameters (RFC 1870 SIZE, RFC 6152 BODY,
//! RFC 3461 RET/ENVID/NOTIFY/ORCPT, RFC 6531 SMTPUTF8, RFC 4954 AUTH=), and the rendering
//! of commands for the client side.
//!
//! Owns: command syntax. Never: whether a command is allowed now (that is `server.rs`),
//! reply wording (`replies.rs`; a `SyntaxError` only names the reply it maps to).
//!
//! A malformed known command parses to `Command::Invalid { verb, error }` rather than an
//! error, because Postfix checks the command's state rules before its syntax (`MAIL FROM:`
//! inside a transaction is "nested MAIL command", not a syntax error).

use crate::path::{parse_path, Address, PathError, ReversePath};
use crate::replies;
use crate::reply::Reply;

/// The verbs smtpd knows. EXPN, HELP and LHLO are recognised so that they get a precise
/// answer (Postfix: "command not recognized" for all three in smtpd).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Verb {
    Helo,
    Ehlo,
    Lhlo,
    Mail,
    Rcpt,
    Data,
    Bdat,
    Rset,
    Noop,
    Quit,
    Vrfy,
    Etrn,
    Expn,
    Help,
    StartTls,
    Auth,
    XClient,
    XForward,
}

impl Verb {
    const ALL: [(&'static str, Verb); 18] = [
        ("HELO", Verb::Helo),
        ("EHLO", Verb::Ehlo),
        ("LHLO", Verb::Lhlo),
        ("MAIL", Verb::Mail),
        ("RCPT", Verb::Rcpt),
        ("DATA", Verb::Data),
        ("BDAT", Verb::Bdat),
        ("RSET", Verb::Rset),
        ("NOOP", Verb::Noop),
        ("QUIT", Verb::Quit),
        ("VRFY", Verb::Vrfy),
        ("ETRN", Verb::Etrn),
        ("EXPN", Verb::Expn),
        ("HELP", Verb::Help),
        ("STARTTLS", Verb::StartTls),
        ("AUTH", Verb::Auth),
        ("XCLIENT", Verb::XClient),
        ("XFORWARD", Verb::XForward),
    ];

    fn lookup(word: &str) -> Option<Verb> {
        Self::ALL
            .iter()
            .find(|(name, _)| name.eq_ignore_ascii_case(word))
            .map(|&(_, v)| v)
    }

    pub fn as_str(self) -> &'static str {
        Self::ALL
            .iter()
            .find(|&&(_, v)| v == self)
            .map_or("", |(name, _)| name)
    }
}

/// RFC 6152 / RFC 3030 BODY=.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Body {
    SevenBit,
    EightBitMime,
    /// Rendered by the client side only: Postfix's smtpd does not offer BINARYMIME, and
    /// neither does facteur's, so the parser answers it as an unsupported option.
    BinaryMime,
}

/// RFC 3461 RET=.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ret {
    Full,
    Hdrs,
}

/// RFC 3461 NOTIFY=: `NEVER`, or any of SUCCESS, FAILURE, DELAY.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct Notify {
    pub never: bool,
    pub success: bool,
    pub failure: bool,
    pub delay: bool,
}

/// RFC 3461 ORCPT=addr-type;xtext, with the xtext decoded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Orcpt {
    pub addr_type: String,
    pub address: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct MailParams {
    pub size: Option<u64>,
    pub body: Option<Body>,
    pub ret: Option<Ret>,
    /// Decoded ENVID.
    pub envid: Option<String>,
    pub smtputf8: bool,
    /// AUTH= as sent (xtext or `<>`); its meaning depends on SASL being on.
    pub auth: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct RcptParams {
    pub notify: Option<Notify>,
    pub orcpt: Option<Orcpt>,
}

/// A parsed command line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Command {
    Helo {
        host: String,
    },
    Ehlo {
        host: String,
    },
    Lhlo {
        host: String,
    },
    Mail {
        from: ReversePath,
        params: MailParams,
    },
    Rcpt {
        to: Address,
        params: RcptParams,
    },
    Data,
    Bdat {
        size: u64,
        last: bool,
    },
    Rset,
    Noop,
    Quit,
    /// `arg` as sent (Postfix echoes it in the 252 reply).
    Vrfy {
        arg: String,
        address: Address,
    },
    Etrn {
        arg: String,
    },
    Expn {
        arg: String,
    },
    Help {
        arg: String,
    },
    StartTls,
    Auth {
        mechanism: String,
        initial: Option<String>,
    },
    XClient {
        attrs: Vec<(String, String)>,
    },
    XForward {
        attrs: Vec<(String, String)>,
    },
    /// A line that is not valid UTF-8: Postfix (smtputf8_enable = yes) rejects it before
    /// looking at the verb.
    BadUtf8,
    /// A known verb with bad arguments.
    Invalid {
        verb: Verb,
        error: SyntaxError,
    },
    /// Not a verb we know.
    Unknown {
        verb: String,
    },
    /// A line Postfix treats as an attack (`smtpd_forbidden_commands`: CONNECT, GET, POST,
    /// a line not starting with a letter, or a `Label:` header line): 221 and disconnect.
    Forbidden {
        line: String,
    },
}

/// What is wrong with a known command, named after the reply Postfix gives.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SyntaxError {
    /// An empty line.
    Empty,
    HeloSyntax,
    EhloSyntax,
    MailSyntax,
    BadSender,
    RcptSyntax,
    BadRecipient,
    /// The parameter as sent.
    Unsupported(String),
    BadSize,
    BadRet,
    BadEnvid,
    BadNotify,
    BadOrcpt,
    DataSyntax,
    BdatSyntax,
    RsetSyntax,
    VrfySyntax,
    EtrnSyntax,
    StartTlsSyntax,
    AuthSyntax,
    XClientSyntax,
    XForwardSyntax,
    /// An XCLIENT / XFORWARD word without `=`.
    AttributeValueExpected,
    /// The attribute name as sent.
    BadXClientAttribute(String),
    BadXForwardAttribute(String),
}

impl SyntaxError {
    pub fn reply(&self) -> Reply {
        match self {
            Self::Empty => replies::bad_syntax(),
            Self::HeloSyntax => replies::helo_syntax(),
            Self::EhloSyntax => replies::ehlo_syntax(),
            Self::MailSyntax => replies::mail_syntax(),
            Self::BadSender => replies::bad_sender_syntax(),
            Self::RcptSyntax => replies::rcpt_syntax(),
            Self::BadRecipient => replies::bad_recipient_syntax(),
            Self::Unsupported(param) => replies::unsupported_option(param),
            Self::BadSize => replies::bad_size_syntax(),
            Self::BadRet => replies::bad_ret_syntax(),
            Self::BadEnvid => replies::bad_envid_syntax(),
            Self::BadNotify => replies::bad_notify_syntax(),
            Self::BadOrcpt => replies::bad_orcpt_syntax(),
            Self::DataSyntax => replies::data_syntax(),
            Self::BdatSyntax => replies::bdat_syntax(),
            Self::RsetSyntax => replies::rset_syntax(),
            Self::VrfySyntax => replies::vrfy_syntax(),
            Self::EtrnSyntax => replies::etrn_syntax(),
            Self::StartTlsSyntax => replies::starttls_syntax(),
            Self::AuthSyntax => replies::auth_syntax(),
            Self::XClientSyntax => replies::xclient_syntax(),
            Self::XForwardSyntax => replies::xforward_syntax(),
            Self::AttributeValueExpected => replies::attribute_value_expected(),
            Self::BadXClientAttribute(name) => replies::bad_xclient_attribute(name),
            Self::BadXForwardAttribute(name) => replies::bad_xforward_attribute(name),
        }
    }

    /// A bad BDAT leaves the byte stream unsynchronised: the server must hang up.
    pub fn disconnects(&self) -> bool {
        matches!(self, Self::BdatSyntax)
    }
}

/// Parses one command line (without its CRLF). Never panics.
pub fn parse(line: &[u8]) -> Command {
    let Ok(text) = std::str::from_utf8(line) else {
        return Command::BadUtf8;
    };
    if text.is_empty() {
        return Command::Invalid {
            verb: Verb::Noop,
            error: SyntaxError::Empty,
        };
    }
    let word_end = text.find([' ', '\t']).unwrap_or(text.len());
    let word = &text[..word_end];
    if is_forbidden(word.as_bytes()) {
        return Command::Forbidden {
            line: text.to_string(),
        };
    }
    let Some(verb) = Verb::lookup(word) else {
        return Command::Unknown {
            verb: word.to_string(),
        };
    };
    let arg = text[word_end..].trim_matches([' ', '\t']);
    match parse_args(verb, arg) {
        Ok(cmd) => cmd,
        Err(error) => Command::Invalid { verb, error },
    }
}

/// Postfix 3.7's default `smtpd_forbidden_commands` (CONNECT GET POST and lines not
/// starting with a letter) plus its built-in check for `Label:` header lines.
fn is_forbidden(word: &[u8]) -> bool {
    let http = ["CONNECT", "GET", "POST"]
        .iter()
        .any(|v| v.as_bytes().eq_ignore_ascii_case(word));
    http || !word.first().is_some_and(u8::is_ascii_alphabetic) || word.ends_with(b":")
}

fn parse_args(verb: Verb, arg: &str) -> Result<Command, SyntaxError> {
    let no_arg = |cmd: Command, err: SyntaxError| if arg.is_empty() { Ok(cmd) } else { Err(err) };
    match verb {
        Verb::Helo => nonempty(arg, SyntaxError::HeloSyntax).map(|host| Command::Helo { host }),
        Verb::Ehlo => nonempty(arg, SyntaxError::EhloSyntax).map(|host| Command::Ehlo { host }),
        Verb::Lhlo => nonempty(arg, SyntaxError::EhloSyntax).map(|host| Command::Lhlo { host }),
        Verb::Mail => parse_mail(arg),
        Verb::Rcpt => parse_rcpt(arg),
        Verb::Data => no_arg(Command::Data, SyntaxError::DataSyntax),
        Verb::Bdat => parse_bdat(arg),
        Verb::Rset => no_arg(Command::Rset, SyntaxError::RsetSyntax),
        Verb::Noop => Ok(Command::Noop),
        Verb::Quit => Ok(Command::Quit),
        Verb::Vrfy => parse_vrfy(arg),
        Verb::Etrn => nonempty(arg, SyntaxError::EtrnSyntax).map(|arg| Command::Etrn { arg }),
        Verb::Expn => Ok(Command::Expn {
            arg: arg.to_string(),
        }),
        Verb::Help => Ok(Command::Help {
            arg: arg.to_string(),
        }),
        Verb::StartTls => no_arg(Command::StartTls, SyntaxError::StartTlsSyntax),
        Verb::Auth => parse_auth(arg),
        Verb::XClient => attrs(verb, arg).map(|attrs| Command::XClient { attrs }),
        Verb::XForward => attrs(verb, arg).map(|attrs| Command::XForward { attrs }),
    }
}

fn nonempty(arg: &str, err: SyntaxError) -> Result<String, SyntaxError> {
    if arg.is_empty() {
        Err(err)
    } else {
        Ok(arg.to_string())
    }
}

/// `FROM:` / `TO:` prefix, case-insensitive; returns the rest.
fn strip_keyword<'a>(arg: &'a str, keyword: &str) -> Option<&'a str> {
    let head = arg.get(..keyword.len())?;
    head.eq_ignore_ascii_case(keyword)
        .then(|| &arg[keyword.len()..])
}

fn parse_mail(arg: &str) -> Result<Command, SyntaxError> {
    let rest = strip_keyword(arg, "FROM:").ok_or(SyntaxError::MailSyntax)?;
    let (address, params_text) = parse_path(rest).map_err(|e| match e {
        PathError::Missing => SyntaxError::MailSyntax,
        PathError::Syntax => SyntaxError::BadSender,
    })?;
    let mut params = MailParams::default();
    for param in words(params_text) {
        let (key, value) = split_param(param);
        if key.eq_ignore_ascii_case("SIZE") {
            params.size = Some(value.and_then(parse_decimal).ok_or(SyntaxError::BadSize)?);
        } else if key.eq_ignore_ascii_case("BODY") {
            let body = match value {
                Some(v) if v.eq_ignore_ascii_case("7BIT") => Body::SevenBit,
                Some(v) if v.eq_ignore_ascii_case("8BITMIME") => Body::EightBitMime,
                _ => return Err(SyntaxError::Unsupported(param.to_string())),
            };
            params.body = Some(body);
        } else if key.eq_ignore_ascii_case("RET") {
            let ret = match value {
                Some(v) if v.eq_ignore_ascii_case("FULL") => Ret::Full,
                Some(v) if v.eq_ignore_ascii_case("HDRS") => Ret::Hdrs,
                _ => return Err(SyntaxError::BadRet),
            };
            if params.ret.replace(ret).is_some() {
                return Err(SyntaxError::BadRet);
            }
        } else if key.eq_ignore_ascii_case("ENVID") {
            // RFC 3461 §4.4: at most 100 characters.
            let envid = value
                .filter(|v| !v.is_empty() && v.len() <= 100)
                .and_then(xtext_decode);
            if params
                .envid
                .replace(envid.ok_or(SyntaxError::BadEnvid)?)
                .is_some()
            {
                return Err(SyntaxError::BadEnvid);
            }
        } else if key.eq_ignore_ascii_case("SMTPUTF8") && value.is_none() {
            params.smtputf8 = true;
        } else if key.eq_ignore_ascii_case("AUTH") && value.is_some() {
            params.auth = value.map(str::to_string);
        } else {
            return Err(SyntaxError::Unsupported(param.to_string()));
        }
    }
    let from = address.map_or(ReversePath::Null, ReversePath::Address);
    Ok(Command::Mail { from, params })
}

fn parse_rcpt(arg: &str) -> Result<Command, SyntaxError> {
    let rest = strip_keyword(arg, "TO:").ok_or(SyntaxError::RcptSyntax)?;
    let (address, params_text) = parse_path(rest).map_err(|e| match e {
        PathError::Missing => SyntaxError::RcptSyntax,
        PathError::Syntax => SyntaxError::BadRecipient,
    })?;
    let to = address.ok_or(SyntaxError::BadRecipient)?;
    let mut params = RcptParams::default();
    for param in words(params_text) {
        let (key, value) = split_param(param);
        if key.eq_ignore_ascii_case("NOTIFY") {
            let notify = value.and_then(parse_notify).ok_or(SyntaxError::BadNotify)?;
            if params.notify.replace(notify).is_some() {
                return Err(SyntaxError::BadNotify);
            }
        } else if key.eq_ignore_ascii_case("ORCPT") {
            let orcpt = value.and_then(parse_orcpt).ok_or(SyntaxError::BadOrcpt)?;
            if params.orcpt.replace(orcpt).is_some() {
                return Err(SyntaxError::BadOrcpt);
            }
        } else {
            return Err(SyntaxError::Unsupported(param.to_string()));
        }
    }
    Ok(Command::Rcpt { to, params })
}

fn parse_notify(value: &str) -> Option<Notify> {
    let mut n = Notify::default();
    for item in value.split(',') {
        let flag = if item.eq_ignore_ascii_case("NEVER") {
            &mut n.never
        } else if item.eq_ignore_ascii_case("SUCCESS") {
            &mut n.success
        } else if item.eq_ignore_ascii_case("FAILURE") {
            &mut n.failure
        } else if item.eq_ignore_ascii_case("DELAY") {
            &mut n.delay
        } else {
            return None;
        };
        *flag = true;
    }
    // NEVER stands alone (RFC 3461 §4.1).
    (!(n.never && (n.success || n.failure || n.delay))).then_some(n)
}

fn parse_orcpt(value: &str) -> Option<Orcpt> {
    let (addr_type, xtext) = value.split_once(';')?;
    let atom = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-');
    if !atom(addr_type) || xtext.is_empty() {
        return None;
    }
    Some(Orcpt {
        addr_type: addr_type.to_string(),
        address: xtext_decode(xtext)?,
    })
}

fn parse_bdat(arg: &str) -> Result<Command, SyntaxError> {
    let mut it = words(arg);
    let size = it
        .next()
        .and_then(parse_decimal)
        .ok_or(SyntaxError::BdatSyntax)?;
    let last = match it.next() {
        None => false,
        Some(w) if w.eq_ignore_ascii_case("LAST") => true,
        Some(_) => return Err(SyntaxError::BdatSyntax),
    };
    if it.next().is_some() {
        return Err(SyntaxError::BdatSyntax);
    }
    Ok(Command::Bdat { size, last })
}

fn parse_vrfy(arg: &str) -> Result<Command, SyntaxError> {
    if arg.is_empty() {
        return Err(SyntaxError::VrfySyntax);
    }
    let (address, rest) = parse_path(arg).map_err(|_| SyntaxError::BadRecipient)?;
    let address = address.ok_or(SyntaxError::BadRecipient)?;
    if !(rest.is_empty() || rest.eq_ignore_ascii_case("SMTPUTF8")) {
        return Err(SyntaxError::BadRecipient);
    }
    Ok(Command::Vrfy {
        arg: arg.to_string(),
        address,
    })
}

fn parse_auth(arg: &str) -> Result<Command, SyntaxError> {
    let mut it = words(arg);
    let mechanism = it
        .next()
        .ok_or(SyntaxError::AuthSyntax)?
        .to_ascii_uppercase();
    let initial = it.next().map(str::to_string);
    if it.next().is_some() {
        return Err(SyntaxError::AuthSyntax);
    }
    Ok(Command::Auth { mechanism, initial })
}

/// XCLIENT attribute names (XCLIENT_README, Postfix 3.7).
const XCLIENT_ATTRS: &[&str] = &[
    "NAME",
    "REVERSE_NAME",
    "ADDR",
    "PORT",
    "PROTO",
    "HELO",
    "LOGIN",
    "DESTADDR",
    "DESTPORT",
];
/// XFORWARD attribute names (XFORWARD_README).
const XFORWARD_ATTRS: &[&str] = &["NAME", "ADDR", "PORT", "PROTO", "HELO", "IDENT", "SOURCE"];

/// XCLIENT / XFORWARD `NAME=value ...`, values xtext-decoded.
fn attrs(verb: Verb, arg: &str) -> Result<Vec<(String, String)>, SyntaxError> {
    let (known, empty) = match verb {
        Verb::XClient => (XCLIENT_ATTRS, SyntaxError::XClientSyntax),
        _ => (XFORWARD_ATTRS, SyntaxError::XForwardSyntax),
    };
    let mut out = Vec::new();
    for word in words(arg) {
        let (name, value) = word
            .split_once('=')
            .ok_or(SyntaxError::AttributeValueExpected)?;
        let upper = name.to_ascii_uppercase();
        if !known.contains(&upper.as_str()) {
            return Err(match verb {
                Verb::XClient => SyntaxError::BadXClientAttribute(name.to_string()),
                _ => SyntaxError::BadXForwardAttribute(name.to_string()),
            });
        }
        let value = xtext_decode(value).ok_or(SyntaxError::AttributeValueExpected)?;
        out.push((upper, value));
    }
    if out.is_empty() {
        Err(empty)
    } else {
        Ok(out)
    }
}

fn words(text: &str) -> impl Iterator<Item = &str> {
    text.split([' ', '\t']).filter(|w| !w.is_empty())
}

fn split_param(param: &str) -> (&str, Option<&str>) {
    match param.split_once('=') {
        Some((k, v)) => (k, Some(v)),
        None => (param, None),
    }
}

/// Decimal digits only, no sign, no overflow.
fn parse_decimal(text: &str) -> Option<u64> {
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

/// RFC 3461 §4 xtext: printable ASCII except `+` and `=`, and `+HH` hex escapes.
pub fn xtext_decode(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => {
                let hex = bytes.get(i + 1..i + 3)?;
                let hex = std::str::from_utf8(hex).ok()?;
                out.push(
                    u8::from_str_radix(hex, 16)
                        .ok()
                        .filter(|_| hex.bytes().all(|b| b.is_ascii_hexdigit()))?,
                );
                i += 3;
            }
            b'!'..=b'~' if bytes[i] != b'=' => {
                out.push(bytes[i]);
                i += 1;
            }
            _ => return None,
        }
    }
    String::from_utf8(out).ok()
}

/// RFC 3461 §4 xtext encoding (client side).
pub fn xtext_encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        if (b'!'..=b'~').contains(&b) && b != b'+' && b != b'=' {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("+{b:02X}"));
        }
    }
    out
}

impl Command {
    /// The command's wire form (with CRLF), for the client side. `Invalid`, `Unknown` and
    /// `Forbidden` render their original text as best they can.
    pub fn to_line(&self) -> String {
        let mut s = match self {
            Command::Helo { host } => format!("HELO {host}"),
            Command::Ehlo { host } => format!("EHLO {host}"),
            Command::Lhlo { host } => format!("LHLO {host}"),
            Command::Mail { from, params } => {
                let mut s = format!("MAIL FROM:<{}>", from.as_str());
                if let Some(size) = params.size {
                    s.push_str(&format!(" SIZE={size}"));
                }
                match params.body {
                    Some(Body::SevenBit) => s.push_str(" BODY=7BIT"),
                    Some(Body::EightBitMime) => s.push_str(" BODY=8BITMIME"),
                    Some(Body::BinaryMime) => s.push_str(" BODY=BINARYMIME"),
                    None => {}
                }
                match params.ret {
                    Some(Ret::Full) => s.push_str(" RET=FULL"),
                    Some(Ret::Hdrs) => s.push_str(" RET=HDRS"),
                    None => {}
                }
                if let Some(envid) = &params.envid {
                    s.push_str(&format!(" ENVID={}", xtext_encode(envid)));
                }
                if params.smtputf8 {
                    s.push_str(" SMTPUTF8");
                }
                if let Some(auth) = &params.auth {
                    s.push_str(&format!(" AUTH={auth}"));
                }
                s
            }
            Command::Rcpt { to, params } => {
                let mut s = format!("RCPT TO:<{to}>");
                if let Some(n) = params.notify {
                    let mut items = Vec::new();
                    for (on, name) in [
                        (n.never, "NEVER"),
                        (n.success, "SUCCESS"),
                        (n.failure, "FAILURE"),
                        (n.delay, "DELAY"),
                    ] {
                        if on {
                            items.push(name);
                        }
                    }
                    s.push_str(&format!(" NOTIFY={}", items.join(",")));
                }
                if let Some(o) = &params.orcpt {
                    s.push_str(&format!(
                        " ORCPT={};{}",
                        o.addr_type,
                        xtext_encode(&o.address)
                    ));
                }
                s
            }
            Command::Data => "DATA".into(),
            Command::Bdat { size, last: true } => format!("BDAT {size} LAST"),
            Command::Bdat { size, last: false } => format!("BDAT {size}"),
            Command::Rset => "RSET".into(),
            Command::Noop => "NOOP".into(),
            Command::Quit => "QUIT".into(),
            Command::Vrfy { arg, .. } => format!("VRFY {arg}"),
            Command::Etrn { arg } => format!("ETRN {arg}"),
            Command::Expn { arg } => format!("EXPN {arg}"),
            Command::Help { arg } => format!("HELP {arg}").trim_end().to_string(),
            Command::StartTls => "STARTTLS".into(),
            Command::Auth {
                mechanism,
                initial: Some(i),
            } => format!("AUTH {mechanism} {i}"),
            Command::Auth {
                mechanism,
                initial: None,
            } => format!("AUTH {mechanism}"),
            Command::XClient { attrs } => format!("XCLIENT{}", render_attrs(attrs)),
            Command::XForward { attrs } => format!("XFORWARD{}", render_attrs(attrs)),
            Command::BadUtf8 => String::new(),
            Command::Invalid { verb, .. } => verb.as_str().to_string(),
            Command::Unknown { verb } => verb.clone(),
            Command::Forbidden { line } => line.clone(),
        };
        s.retain(|c| c != '\r' && c != '\n');
        s.push_str("\r\n");
        s
    }
}

fn render_attrs(attrs: &[(String, String)]) -> String {
    attrs
        .iter()
        .map(|(k, v)| format!(" {k}={}", xtext_encode(v)))
        .collect()
}

#[cfg(test)]
#[path = "command_tests.rs"]
mod tests;
