//! Canonical address form: trivial-rewrite's "rewrite" request (Postfix
//! `trivial-rewrite/rewrite.c`), for the `local` context (`$myorigin`, `$mydomain`)
//! and the `remote` context (`$remote_header_rewrite_domain`).
//!
//! Owns: source-route removal, `site!user` → `user@site`, `user%domain` →
//! `user@domain` (only when the address has no `@`), appending `@$myorigin` and
//! `.$mydomain`, and dropping one trailing dot.
//! Never: decides where mail goes (`resolve`), or applies tables (canonical and
//! virtual maps are cleanup's).

use crate::tokens::{self, Tok};
use crate::RouteSettings;

/// Which domains complete an incomplete address.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Context {
    /// Mail from local submission or trusted clients: `$myorigin` and `$mydomain`.
    Local,
    /// Header addresses from remote clients: `$remote_header_rewrite_domain` for
    /// both; an empty `remote_header_rewrite_domain` leaves addresses alone.
    Remote,
}

impl Context {
    /// Postfix's name for the context in rewrite requests (`local`, `remote`).
    pub fn parse(name: &str) -> Option<Context> {
        match name {
            "local" => Some(Context::Local),
            "remote" => Some(Context::Remote),
            _ => None,
        }
    }
}

/// Rewrites an internal-form address to canonical form (Postfix `rewrite_addr`).
/// An empty address stays empty.
pub fn rewrite(settings: &RouteSettings, context: Context, address: &str) -> String {
    if address.is_empty() {
        return String::new();
    }
    if context == Context::Remote && settings.remote_header_rewrite_domain.is_empty() {
        return address.to_string();
    }
    let mut toks = tokens::scan(&tokens::quote_local(address));
    rewrite_tokens(settings, context, &mut toks);
    tokens::internalize(&toks)
}

/// Rewrites an address in external (RFC 5322, possibly quoted) form, as cleanup does
/// for header addresses; the result is in internal form. Unlike the internal form,
/// this form can carry a source route (`@a,@b:user@c`), which is removed.
pub fn rewrite_external(settings: &RouteSettings, context: Context, address: &str) -> String {
    let mut toks = tokens::scan(address);
    if toks.is_empty() {
        return String::new();
    }
    if context == Context::Remote && settings.remote_header_rewrite_domain.is_empty() {
        return tokens::internalize(&toks);
    }
    rewrite_tokens(settings, context, &mut toks);
    tokens::internalize(&toks)
}

/// The rules themselves, on tokens (Postfix `rewrite_tree`); `resolve` also uses
/// them between its rounds of local-domain stripping.
pub(crate) fn rewrite_tokens(settings: &RouteSettings, context: Context, toks: &mut Vec<Tok>) {
    let (origin, domain) = match context {
        Context::Local => (settings.myorigin.as_str(), settings.mydomain.as_str()),
        Context::Remote => (
            settings.remote_header_rewrite_domain.as_str(),
            settings.remote_header_rewrite_domain.as_str(),
        ),
    };
    match toks.as_slice() {
        [] => return,
        // The empty address.
        [Tok::Quoted(q)] if q.is_empty() => return,
        // A lone `@` is the empty address.
        [Tok::Op('@')] => {
            *toks = vec![Tok::Quoted(String::new())];
            return;
        }
        _ => {}
    }

    // Source route: `@a,@b:user@c` → `user@c` (RFC 5321 section 4.1.1.3 and
    // appendix C: a route is to be ignored).
    if toks[0] == Tok::Op('@') {
        if let Some(colon) = tokens::find(toks, ':') {
            if colon + 1 < toks.len() {
                toks.drain(..=colon);
            }
        }
    }

    if tokens::rfind(toks, '@').is_none() {
        if let Some(bang) = tokens::find(toks, '!').filter(|_| settings.swap_bangpath) {
            // `site!user` → `user@site`: everything after the first `!` is the user.
            let user: Vec<Tok> = toks.drain(bang..).skip(1).collect();
            let site = std::mem::replace(toks, user);
            toks.push(Tok::Op('@'));
            toks.extend(site);
        } else if let Some(pct) = tokens::rfind(toks, '%').filter(|_| settings.allow_percent_hack) {
            toks[pct] = Tok::Op('@');
        } else if settings.append_at_myorigin && !origin.is_empty() {
            toks.push(Tok::Op('@'));
            toks.extend(tokens::scan(origin));
        }
    }

    // `user@host` → `user@host.$mydomain`, leaving `user@` and `user@[literal]` alone.
    if settings.append_dot_mydomain && !domain.is_empty() {
        if let Some(at) = tokens::rfind(toks, '@') {
            let after = &toks[at + 1..];
            if !after.is_empty()
                && !after
                    .iter()
                    .any(|t| matches!(t, Tok::Literal(_) | Tok::Op('.')))
            {
                toks.push(Tok::Op('.'));
                toks.extend(tokens::scan(domain));
            }
        }
    }

    strip_trailing_dot(toks);
}

/// Drops one trailing dot, but not from `..` or `@.` (left alone so that the
/// diagnostics show the address as given).
pub(crate) fn strip_trailing_dot(toks: &mut Vec<Tok>) {
    if toks.len() >= 2
        && toks[toks.len() - 1] == Tok::Op('.')
        && !matches!(toks[toks.len() - 2], Tok::Op('.') | Tok::Op('@'))
    {
        toks.pop();
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use config::Config;

    fn settings(overrides: &[(&str, &str)]) -> RouteSettings {
        let mut all = vec![
            ("compatibility_level", "3.6"),
            ("myhostname", "host.example.com"),
            ("mydomain", "example.com"),
        ];
        all.extend_from_slice(overrides);
        RouteSettings::new(&Config::default().with_overrides(&all), &[]).unwrap()
    }

    fn local(s: &RouteSettings, a: &str) -> String {
        rewrite(s, Context::Local, a)
    }

    #[test]
    fn appends_myorigin() {
        let s = settings(&[]);
        assert_eq!(local(&s, "user"), "user@host.example.com");
        assert_eq!(local(&s, "user@other"), "user@other");
        assert_eq!(local(&s, ""), "");
        let s = settings(&[("myorigin", "$mydomain")]);
        assert_eq!(local(&s, "user"), "user@example.com");
        let s = settings(&[("append_at_myorigin", "no")]);
        assert_eq!(local(&s, "user"), "user");
    }

    #[test]
    fn appends_mydomain_only_when_asked() {
        let s = settings(&[]);
        assert_eq!(local(&s, "user@host"), "user@host");
        let s = settings(&[("append_dot_mydomain", "yes")]);
        assert_eq!(local(&s, "user@host"), "user@host.example.com");
        assert_eq!(local(&s, "user@host.sub"), "user@host.sub");
        assert_eq!(local(&s, "user@[192.0.2.1]"), "user@[192.0.2.1]");
        assert_eq!(local(&s, "user@"), "user@");
        assert_eq!(local(&s, "user"), "user@host.example.com");
    }

    #[test]
    fn bang_paths_and_percent_hack() {
        let s = settings(&[]);
        assert_eq!(local(&s, "site!user"), "user@site");
        assert_eq!(local(&s, "a!b!user"), "b!user@a");
        assert_eq!(local(&s, "user%domain"), "user@domain");
        assert_eq!(local(&s, "u%v%w"), "u%v@w");
        // With an `@`, neither operator is touched here (resolve does that after
        // stripping a local domain).
        assert_eq!(local(&s, "user%domain@relay"), "user%domain@relay");
        assert_eq!(local(&s, "site!user@relay"), "site!user@relay");
        let s = settings(&[("swap_bangpath", "no"), ("allow_percent_hack", "no")]);
        assert_eq!(local(&s, "site!user"), "site!user@host.example.com");
        assert_eq!(local(&s, "user%domain"), "user%domain@host.example.com");
    }

    #[test]
    fn trailing_dots() {
        let s = settings(&[]);
        assert_eq!(local(&s, "user@example.org."), "user@example.org");
        assert_eq!(local(&s, "user@example.org.."), "user@example.org..");
        assert_eq!(local(&s, "user@."), "user@.");
    }

    #[test]
    fn quoted_local_parts_hide_operators() {
        let s = settings(&[]);
        assert_eq!(local(&s, "a@b"), "a@b");
        assert_eq!(local(&s, "first last"), "first last@host.example.com");
        assert_eq!(local(&s, "x@y@z"), "x@y@z");
        // A lone `@` is the empty address.
        assert_eq!(local(&s, "@"), "");
        assert_eq!(rewrite_external(&s, Context::Local, "@"), "");
    }

    #[test]
    fn source_routes_in_external_form() {
        let s = settings(&[]);
        assert_eq!(
            rewrite_external(&s, Context::Local, "@a,@b:user@c"),
            "user@c"
        );
        assert_eq!(
            rewrite_external(&s, Context::Local, "\"first last\""),
            "first last@host.example.com"
        );
        assert_eq!(rewrite_external(&s, Context::Local, "@a:"), "@a:");
    }

    #[test]
    fn remote_context() {
        let s = settings(&[]);
        assert_eq!(rewrite(&s, Context::Remote, "user"), "user");
        let s = settings(&[("remote_header_rewrite_domain", "domain.invalid")]);
        assert_eq!(rewrite(&s, Context::Remote, "user"), "user@domain.invalid");
        let s = settings(&[
            ("remote_header_rewrite_domain", "domain.invalid"),
            ("append_dot_mydomain", "yes"),
        ]);
        assert_eq!(
            rewrite(&s, Context::Remote, "user@host"),
            "user@host.domain.invalid"
        );
        assert_eq!(Context::parse("remote"), Some(Context::Remote));
    }
}
