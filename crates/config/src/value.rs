//! Typed parameter values (Postfix `global/mail_conf_{bool,int,long,time}.c`,
//! `util/conv_time.c`, `util/mystrtok.c`): booleans, bounded integers, times with
//! units, byte sizes and lists with `{ ... }` grouping.
//!
//! Owns: turning one already-expanded value into a typed one, and the wording of the
//! error when that fails (Postfix's, so administrators' searches still find answers).
//! Never: looks parameters up or expands `$name` (that is `settings` and `expand`).

use std::fmt;

/// A value that does not parse as its parameter's type. `Display` words it as Postfix
/// does (`bad numerical configuration: line_length_limit = abc`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ValueError {
    Bool { name: String, value: String },
    Int { name: String, value: String },
    IntBelow { name: String, value: i64, min: i64 },
    IntAbove { name: String, value: i64, max: i64 },
    Time { name: String, value: String },
    TimeBelow { name: String, value: i64, min: i64 },
    TimeAbove { name: String, value: i64, max: i64 },
}

impl ValueError {
    /// The parameter the error is about.
    pub fn name(&self) -> &str {
        match self {
            ValueError::Bool { name, .. }
            | ValueError::Int { name, .. }
            | ValueError::IntBelow { name, .. }
            | ValueError::IntAbove { name, .. }
            | ValueError::Time { name, .. }
            | ValueError::TimeBelow { name, .. }
            | ValueError::TimeAbove { name, .. } => name,
        }
    }
}

impl fmt::Display for ValueError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ValueError::Bool { name, value } => {
                write!(f, "bad boolean configuration: {name} = {value}")
            }
            ValueError::Int { name, value } => {
                write!(f, "bad numerical configuration: {name} = {value}")
            }
            ValueError::IntBelow { name, value, min } => {
                write!(f, "invalid {name} parameter value {value} < {min}")
            }
            ValueError::IntAbove { name, value, max } => {
                write!(f, "invalid {name} parameter value {value} > {max}")
            }
            ValueError::Time { name, value } => {
                write!(f, "parameter {name}: bad time value or unit: {value}")
            }
            ValueError::TimeBelow { name, value, min } => {
                write!(f, "invalid {name}: {value} (min {min})")
            }
            ValueError::TimeAbove { name, value, max } => {
                write!(f, "invalid {name}: {value} (max {max})")
            }
        }
    }
}

impl std::error::Error for ValueError {}

/// `yes` / `no` in any case; anything else (`true`, empty) is an error, as in Postfix.
pub fn parse_bool(name: &str, value: &str) -> Result<bool, ValueError> {
    if value.eq_ignore_ascii_case("yes") {
        Ok(true)
    } else if value.eq_ignore_ascii_case("no") {
        Ok(false)
    } else {
        Err(ValueError::Bool {
            name: name.to_owned(),
            value: value.to_owned(),
        })
    }
}

/// Postfix's numbers: optional sign, decimal digits only, nothing after them.
fn parse_decimal(value: &str) -> Option<i64> {
    let digits = value.strip_prefix(['+', '-']).unwrap_or(value);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    value.parse().ok()
}

/// An `int` parameter: a C `int` (32 bits) within `min..=max`.
pub fn parse_int(name: &str, value: &str, min: i64, max: i64) -> Result<i64, ValueError> {
    let n = parse_decimal(value)
        .filter(|n| i32::try_from(*n).is_ok())
        .ok_or_else(|| ValueError::Int {
            name: name.to_owned(),
            value: value.to_owned(),
        })?;
    check_int_bounds(name, n, min, max)
}

/// A `long` parameter (sizes such as `message_size_limit`): 64 bits, no unit suffix.
pub fn parse_size(name: &str, value: &str, min: i64, max: i64) -> Result<i64, ValueError> {
    let n = parse_decimal(value).ok_or_else(|| ValueError::Int {
        name: name.to_owned(),
        value: value.to_owned(),
    })?;
    check_int_bounds(name, n, min, max)
}

fn check_int_bounds(name: &str, n: i64, min: i64, max: i64) -> Result<i64, ValueError> {
    if n < min {
        return Err(ValueError::IntBelow {
            name: name.to_owned(),
            value: n,
            min,
        });
    }
    if max > 0 && n > max {
        return Err(ValueError::IntAbove {
            name: name.to_owned(),
            value: n,
            max,
        });
    }
    Ok(n)
}

/// Seconds per time unit letter; Postfix accepts lower case only.
fn unit_seconds(unit: u8) -> Option<i64> {
    match unit {
        b's' => Some(1),
        b'm' => Some(60),
        b'h' => Some(3600),
        b'd' => Some(86400),
        b'w' => Some(7 * 86400),
        _ => None,
    }
}

/// A time parameter in seconds: `30`, `30s`, `5m`, `1h2m` (Postfix 3.x sums the
/// parts); a number without a unit takes `default_unit`. The result must fit a C int.
pub fn parse_time(
    name: &str,
    value: &str,
    default_unit: char,
    min: i64,
    max: i64,
) -> Result<i64, ValueError> {
    let bad = || ValueError::Time {
        name: name.to_owned(),
        value: value.to_owned(),
    };
    let default_secs = u8::try_from(default_unit)
        .ok()
        .and_then(unit_seconds)
        .ok_or_else(bad)?;
    let bytes = value.as_bytes();
    if bytes.is_empty() {
        return Err(bad());
    }
    let mut total: i64 = 0;
    let mut i = 0;
    while i < bytes.len() {
        let start = i;
        while i < bytes.len() && bytes[i].is_ascii_digit() {
            i += 1;
        }
        // A bare unit letter counts as zero of it (Postfix quirk: `s` is 0 seconds).
        let number: i64 = if start == i {
            0
        } else {
            value[start..i].parse().map_err(|_| bad())?
        };
        let secs = if i < bytes.len() {
            let unit = unit_seconds(bytes[i]).ok_or_else(bad)?;
            i += 1;
            unit
        } else {
            default_secs
        };
        total = number
            .checked_mul(secs)
            .and_then(|t| t.checked_add(total))
            .filter(|t| i32::try_from(*t).is_ok())
            .ok_or_else(bad)?;
    }
    if total < min {
        return Err(ValueError::TimeBelow {
            name: name.to_owned(),
            value: total,
            min,
        });
    }
    if max > 0 && total > max {
        return Err(ValueError::TimeAbove {
            name: name.to_owned(),
            value: total,
            max,
        });
    }
    Ok(total)
}

/// Splits a list on commas and/or white space; `{ ... }` groups one element that may
/// contain separators (the braces and the white space just inside them are removed).
/// An unbalanced `{` takes the rest of the value as one element.
pub fn split_list(value: &str) -> Vec<String> {
    // Separators inside `{ ... }` do not split, wherever the braces start
    // (`inline:{a=b, c=d}` is one element); an element that is wholly braced loses
    // its outer braces and the white space just inside them.
    let mut out = Vec::new();
    let mut current = String::new();
    let mut depth = 0usize;
    for c in value.chars() {
        match c {
            '{' => depth += 1,
            '}' => depth = depth.saturating_sub(1),
            _ => {}
        }
        if depth == 0 && (c == ',' || c.is_ascii_whitespace()) {
            if !current.is_empty() {
                out.push(std::mem::take(&mut current));
            }
        } else {
            current.push(c);
        }
    }
    if !current.is_empty() {
        out.push(current);
    }
    out.into_iter()
        .map(
            |e| match e.strip_prefix('{').and_then(|r| r.strip_suffix('}')) {
                Some(inner) => inner.trim().to_string(),
                None => e,
            },
        )
        .collect()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn booleans() {
        assert_eq!(parse_bool("p", "YES"), Ok(true));
        assert_eq!(parse_bool("p", "no"), Ok(false));
        assert_eq!(
            parse_bool("disable_dns_lookups", "true")
                .unwrap_err()
                .to_string(),
            "bad boolean configuration: disable_dns_lookups = true"
        );
    }

    #[test]
    fn integers_and_bounds() {
        assert_eq!(parse_int("p", "+600", 0, 0), Ok(600));
        assert_eq!(parse_int("p", "0600", 0, 0), Ok(600));
        for bad in ["", "abc", "5x", "0x200", "99999999999", "1 2"] {
            assert_eq!(
                parse_int("line_length_limit", bad, 512, 0)
                    .unwrap_err()
                    .to_string(),
                format!("bad numerical configuration: line_length_limit = {bad}")
            );
        }
        assert_eq!(
            parse_int("line_length_limit", "-1", 512, 0)
                .unwrap_err()
                .to_string(),
            "invalid line_length_limit parameter value -1 < 512"
        );
        assert_eq!(
            parse_int("p", "11", 0, 10).unwrap_err().to_string(),
            "invalid p parameter value 11 > 10"
        );
        assert_eq!(parse_size("p", "99999999999", 0, 0), Ok(99_999_999_999));
        assert!(parse_size("p", "10k", 0, 0).is_err());
    }

    #[test]
    fn times() {
        assert_eq!(parse_time("t", "30", 's', 0, 0), Ok(30));
        assert_eq!(parse_time("t", "5m", 's', 0, 0), Ok(300));
        assert_eq!(parse_time("t", "1h2", 'm', 0, 0), Ok(3720));
        assert_eq!(parse_time("t", "1w", 's', 0, 0), Ok(604_800));
        assert_eq!(parse_time("t", "2", 'd', 0, 0), Ok(172_800));
        for bad in ["", "x", "10q", "10S", "-1s", "10 s", "2147483648"] {
            assert_eq!(
                parse_time("ipc_timeout", bad, 's', 1, 0)
                    .unwrap_err()
                    .to_string(),
                format!("parameter ipc_timeout: bad time value or unit: {bad}")
            );
        }
        assert_eq!(
            parse_time("ipc_timeout", "0s", 's', 1, 0)
                .unwrap_err()
                .to_string(),
            "invalid ipc_timeout: 0 (min 1)"
        );
        assert_eq!(
            parse_time("ipc_timeout", "s", 's', 1, 0)
                .unwrap_err()
                .to_string(),
            "invalid ipc_timeout: 0 (min 1)"
        );
    }

    #[test]
    fn lists() {
        assert_eq!(split_list(" a, b,c ,  d\n\te"), ["a", "b", "c", "d", "e"]);
        assert_eq!(
            split_list("check_x { a = b, c } , d"),
            ["check_x", "a = b, c", "d"]
        );
        assert_eq!(split_list("{ {x} y }"), ["{x} y"]);
        assert_eq!(split_list("a {b c"), ["a", "{b c"]);
        assert!(split_list(" ,, ").is_empty());
        assert_eq!(
            split_list("hash:/a, inline:{a=b, c=d} { inline:{x=y} },b"),
            ["hash:/a", "inline:{a=b, c=d}", "inline:{x=y}", "b"]
        );
    }

    proptest! {
        #[test]
        fn list_elements_are_trimmed(s in "[a-z, \t]{0,40}") {
            for e in split_list(&s) {
                let trimmed = e.trim_start_matches([' ', '\t', ',']);
                prop_assert!(trimmed.len() == e.len(), "element {:?} of {:?}", e, s);
            }
        }

        #[test]
        fn time_in_seconds_round_trips(n in 0i64..100_000) {
            prop_assert_eq!(parse_time("t", &format!("{n}s"), 'h', 0, 0), Ok(n));
            prop_assert_eq!(parse_time("t", &format!("{n}"), 's', 0, 0), Ok(n));
        }

        #[test]
        fn int_parse_never_panics(s in "\\PC{0,20}") {
            let _ = parse_int("p", &s, 0, 0);
            let _ = parse_time("p", &s, 's', 0, 0);
        }
    }
}
