//! Record timestamps: local time as `Mmm dd hh:mm:ss`, in the time zone the binary was
//! started with. No I/O except reading a time zone file once, when a sink is opened.

use std::fmt::Write as _;
use std::time::SystemTime;

use jiff::tz::TimeZone;

/// The time zone for timestamps: `TZ` as glibc reads it (`:name`, a zoneinfo name, a file
/// path, a POSIX rule; set but empty means UTC), else `/etc/localtime`, else UTC.
pub(crate) fn time_zone(tz: Option<&str>) -> TimeZone {
    let from_file = |path: &str| {
        std::fs::read(path)
            .ok()
            .and_then(|data| TimeZone::tzif(path, &data).ok())
    };
    let zone = match tz.map(|v| v.strip_prefix(':').unwrap_or(v)) {
        None => from_file("/etc/localtime"),
        Some("") => Some(TimeZone::UTC),
        Some(path) if path.starts_with('/') => from_file(path),
        Some(name) => TimeZone::get(name)
            .ok()
            .or_else(|| TimeZone::posix(name).ok()),
    };
    zone.unwrap_or(TimeZone::UTC)
}

/// A record's local time, broken down.
pub(crate) struct Stamp {
    month: usize,
    day: i8,
    hour: i8,
    minute: i8,
    second: i8,
}

const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

impl Stamp {
    pub(crate) fn new(zone: &TimeZone, time: SystemTime) -> Stamp {
        let ts = jiff::Timestamp::try_from(time).unwrap_or(jiff::Timestamp::UNIX_EPOCH);
        let dt = zone.to_datetime(ts);
        Stamp {
            month: usize::try_from(dt.month() - 1).unwrap_or(0).min(11),
            day: dt.day(),
            hour: dt.hour(),
            minute: dt.minute(),
            second: dt.second(),
        }
    }

    /// `Nov 03 17:01:39`, as postlogd writes `maillog_file`.
    pub(crate) fn file(&self) -> String {
        let mut s = String::with_capacity(15);
        let _ = write!(
            s,
            "{} {:02} {:02}:{:02}:{:02}",
            MONTHS[self.month], self.day, self.hour, self.minute, self.second
        );
        s
    }

    /// `Nov  3 17:01:39`, RFC 3164 §4.1.2 (space-padded day), as glibc sends to syslog.
    pub(crate) fn syslog(&self) -> String {
        let mut s = String::with_capacity(15);
        let _ = write!(
            s,
            "{} {:>2} {:02}:{:02}:{:02}",
            MONTHS[self.month], self.day, self.hour, self.minute, self.second
        );
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn time_zone_values() {
        assert_eq!(time_zone(Some("")), TimeZone::UTC);
        assert_eq!(time_zone(Some("No/Such_Zone_Anywhere")), TimeZone::UTC);
        let t = SystemTime::UNIX_EPOCH + Duration::from_secs(1_796_270_708);
        let utc = Stamp::new(&TimeZone::UTC, t);
        assert_eq!(utc.file(), "Dec 03 04:05:08");
        assert_eq!(utc.syslog(), "Dec  3 04:05:08");
        let paris = Stamp::new(&time_zone(Some("CET-1CEST,M3.5.0,M10.5.0/3")), t);
        assert_eq!(paris.file(), "Dec 03 05:05:08");
    }
}
