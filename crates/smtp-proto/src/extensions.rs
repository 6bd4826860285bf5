//! EHLO keywords (RFC 5321 §4.1.1.1): the server's advertisement, rendered in Postfix's
//! order, and the client's view of a server's EHLO reply.
//!
//! Owns: keyword names and order. Never: which extensions a site enables (settings, e.g.
//! `smtpd_discard_ehlo_keywords`, are applied by the caller when building `Extensions`).

use std::collections::BTreeMap;

use crate::reply::Reply;

/// What the server offers. `Default` is Postfix 3.7's out-of-the-box list.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Extensions {
    pub pipelining: bool,
    /// `Some(0)` advertises `SIZE` without a number (no `message_size_limit`).
    pub size: Option<u64>,
    pub vrfy: bool,
    pub etrn: bool,
    pub starttls: bool,
    /// SASL mechanisms; empty means no AUTH line.
    pub auth: Vec<String>,
    /// `broken_sasl_auth_clients`: also send the pre-RFC `AUTH=` form.
    pub auth_broken_clients: bool,
    pub enhanced_status_codes: bool,
    pub eight_bit_mime: bool,
    pub dsn: bool,
    pub smtputf8: bool,
    pub chunking: bool,
}

impl Default for Extensions {
    fn default() -> Self {
        Self {
            pipelining: true,
            size: Some(10_240_000),
            vrfy: true,
            etrn: true,
            starttls: false,
            auth: Vec::new(),
            auth_broken_clients: false,
            enhanced_status_codes: true,
            eight_bit_mime: true,
            dsn: true,
            smtputf8: true,
            chunking: true,
        }
    }
}

impl Extensions {
    /// The keyword lines in Postfix's order, checked against Postfix 3.7.11: the default
    /// set, STARTTLS after ETRN (TLS on), `AUTH PLAIN LOGIN` then `AUTH=PLAIN LOGIN` after
    /// ETRN (SASL on, `broken_sasl_auth_clients = yes`).
    pub fn keywords(&self) -> Vec<String> {
        let mut out = Vec::new();
        let mut add = |on: bool, kw: &str| {
            if on {
                out.push(kw.to_string());
            }
        };
        add(self.pipelining, "PIPELINING");
        match self.size {
            Some(0) => add(true, "SIZE"),
            Some(n) => add(true, &format!("SIZE {n}")),
            None => {}
        }
        add(self.vrfy, "VRFY");
        add(self.etrn, "ETRN");
        add(self.starttls, "STARTTLS");
        if !self.auth.is_empty() {
            let mechs = self.auth.join(" ");
            add(true, &format!("AUTH {mechs}"));
            add(self.auth_broken_clients, &format!("AUTH={mechs}"));
        }
        add(self.enhanced_status_codes, "ENHANCEDSTATUSCODES");
        add(self.eight_bit_mime, "8BITMIME");
        add(self.dsn, "DSN");
        add(self.smtputf8, "SMTPUTF8");
        add(self.chunking, "CHUNKING");
        out
    }

    /// `250-<hostname>` then one line per keyword.
    pub fn ehlo_reply(&self, hostname: &str) -> Reply {
        let mut lines = vec![hostname.to_string()];
        lines.extend(self.keywords());
        Reply {
            code: 250,
            status: None,
            lines,
        }
    }
}

/// A server's EHLO reply as the client sees it: keyword (upper case) → parameters.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ServerExtensions {
    pub greeting: String,
    keywords: BTreeMap<String, String>,
}

impl ServerExtensions {
    /// Reads a 250 EHLO reply; the first line is the server's name, each later line a
    /// keyword with optional parameters. Tolerant: blank or odd lines are skipped.
    pub fn parse(reply: &Reply) -> Self {
        let mut lines = reply.lines.iter();
        let greeting = lines.next().cloned().unwrap_or_default();
        let mut keywords = BTreeMap::new();
        for line in lines {
            let line = line.trim();
            // Old servers send `AUTH=LOGIN PLAIN`.
            let (kw, params) = match line.split_once([' ', '=']) {
                Some((k, p)) => (k, p.trim()),
                None => (line, ""),
            };
            if kw.is_empty() || !kw.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') {
                continue;
            }
            let entry: &mut String = keywords.entry(kw.to_ascii_uppercase()).or_default();
            if entry.is_empty() {
                *entry = params.to_string();
            } else if !params.is_empty() {
                entry.push(' ');
                entry.push_str(params);
            }
        }
        Self { greeting, keywords }
    }

    pub fn has(&self, keyword: &str) -> bool {
        self.keywords.contains_key(&keyword.to_ascii_uppercase())
    }

    pub fn params(&self, keyword: &str) -> Option<&str> {
        self.keywords
            .get(&keyword.to_ascii_uppercase())
            .map(String::as_str)
    }

    /// SIZE's limit: `Some(0)` when advertised without a number.
    pub fn size(&self) -> Option<u64> {
        self.params("SIZE").map(|p| {
            p.split(' ')
                .next()
                .and_then(|n| n.parse().ok())
                .unwrap_or(0)
        })
    }

    pub fn auth_mechanisms(&self) -> Vec<String> {
        self.params("AUTH")
            .map(|p| {
                p.split(' ')
                    .filter(|m| !m.is_empty())
                    .map(str::to_ascii_uppercase)
                    .collect()
            })
            .unwrap_or_default()
    }

    pub fn pipelining(&self) -> bool {
        self.has("PIPELINING")
    }

    pub fn chunking(&self) -> bool {
        self.has("CHUNKING")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::reply::parse_replies;

    #[test]
    fn default_matches_postfix_3_7() {
        let wire = Extensions::default()
            .ehlo_reply("mx.example.test")
            .to_bytes();
        // Captured from Postfix 3.7.11 with message_size_limit = 10240000.
        let postfix = "250-mx.example.test\r\n250-PIPELINING\r\n250-SIZE 10240000\r\n250-VRFY\r\n250-ETRN\r\n\
                       250-ENHANCEDSTATUSCODES\r\n250-8BITMIME\r\n250-DSN\r\n250-SMTPUTF8\r\n250 CHUNKING\r\n";
        assert_eq!(String::from_utf8_lossy(&wire), postfix);
    }

    #[test]
    fn tls_and_auth_in_order() {
        let ext = Extensions {
            starttls: true,
            auth: vec!["PLAIN".into(), "LOGIN".into()],
            auth_broken_clients: true,
            ..Extensions::default()
        };
        let kws = ext.keywords();
        assert_eq!(
            &kws[3..7],
            ["ETRN", "STARTTLS", "AUTH PLAIN LOGIN", "AUTH=PLAIN LOGIN"]
        );
    }

    #[test]
    fn client_reads_ehlo_reply() {
        let (replies, _) = parse_replies(b"250-mx\r\n250-pipelining\r\n250-SIZE 1000\r\n250-AUTH=LOGIN\r\n250-AUTH PLAIN LOGIN\r\n250 CHUNKING\r\n");
        let ext = ServerExtensions::parse(&replies[0].clone().unwrap_or_else(|_| unreachable!()));
        assert_eq!(ext.greeting, "mx");
        assert!(ext.pipelining() && ext.chunking() && !ext.has("DSN"));
        assert_eq!(ext.size(), Some(1000));
        assert_eq!(ext.auth_mechanisms(), ["LOGIN", "PLAIN", "LOGIN"]);
    }
}
