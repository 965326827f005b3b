//! Timestamps on the wire: RFC 3339 UTC strings (`2026-11-23T14:05:09.120Z`), milliseconds
//! since the Unix epoch inside.

use std::fmt;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Milliseconds since the Unix epoch, written and read as RFC 3339.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Time(pub u64);

impl Time {
    pub fn now() -> Time {
        Time(
            SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
                .unwrap_or(0),
        )
    }

    /// RFC 3339 (`2026-11-23T14:05:09Z`, fractions optional) or a relative age (`7d`,
    /// `90m`, `1h30m`) counted back from `now`.
    pub fn parse(s: &str, now: Time) -> Result<Time, String> {
        let s = s.trim();
        if let Ok(t) = humantime::parse_rfc3339_weak(s) {
            let ms = t
                .duration_since(UNIX_EPOCH)
                .map_err(|_| format!("{s:?} is before 1970"))?
                .as_millis();
            return Ok(Time(u64::try_from(ms).unwrap_or(u64::MAX)));
        }
        match humantime::parse_duration(s) {
            Ok(d) => Ok(Time(now.0.saturating_sub(millis(d)))),
            Err(_) => Err(format!(
                "{s:?} is neither an RFC 3339 time (2026-11-23T08:00:00Z) nor an age (7d, 12h, 30m)"
            )),
        }
    }

    pub fn rfc3339(self) -> String {
        let t = UNIX_EPOCH + Duration::from_millis(self.0);
        if self.0 % 1000 == 0 {
            humantime::format_rfc3339_seconds(t).to_string()
        } else {
            humantime::format_rfc3339_millis(t).to_string()
        }
    }

    /// A short age for people: `42s`, `5m`, `3h`, `12d`, `2y`.
    pub fn age(self, now: Time) -> String {
        let s = now.0.saturating_sub(self.0) / 1000;
        match s {
            0..=59 => format!("{s}s"),
            60..=3_599 => format!("{}m", s / 60),
            3_600..=86_399 => format!("{}h", s / 3_600),
            86_400..=31_535_999 => format!("{}d", s / 86_400),
            _ => format!("{}y", s / 31_536_000),
        }
    }
}

fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

impl fmt::Display for Time {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.rfc3339())
    }
}

impl Serialize for Time {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.rfc3339())
    }
}

impl<'de> Deserialize<'de> for Time {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Time, D::Error> {
        let s = String::deserialize(d)?;
        let t = humantime::parse_rfc3339_weak(&s)
            .map_err(|e| serde::de::Error::custom(format!("{s:?}: {e} (want RFC 3339)")))?;
        let ms = t
            .duration_since(UNIX_EPOCH)
            .map_err(|_| serde::de::Error::custom(format!("{s:?} is before 1970")))?;
        Ok(Time(millis(ms)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_ages() {
        let t = Time(1_795_442_709_120);
        let s = serde_json::to_string(&t).expect("valid");
        assert_eq!(s, "\"2026-11-23T14:05:09.120Z\"");
        assert_eq!(serde_json::from_str::<Time>(&s).expect("valid"), t);
        assert_eq!(Time(1_795_442_709_000).rfc3339(), "2026-11-23T14:05:09Z");
        let now = Time(10 * 86_400_000);
        assert_eq!(Time::parse("7d", now).expect("valid"), Time(3 * 86_400_000));
        assert_eq!(
            Time::parse("2026-11-23T14:05:09Z", now).expect("valid"),
            Time(1_795_442_709_000)
        );
        assert!(Time::parse("last week", now).is_err());
        assert_eq!(Time(0).age(Time(90_000)), "1m");
        assert_eq!(Time(0).age(Time(3 * 86_400_000)), "3d");
    }
}
