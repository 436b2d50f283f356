//! Times as text: one formatter for every timestamp qoltanba writes (the
//! wire protocol, the databases, messages to people), RFC 3339 in UTC.

use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// `2030-01-01T00:00:00Z`. RFC 3339 has no form for years outside
/// 0..=9999; such a time (only ever from a damaged input) is written as
/// `time` displays it rather than lost.
pub fn rfc3339(t: OffsetDateTime) -> String {
    let utc = t.to_offset(time::UtcOffset::UTC);
    utc.format(&Rfc3339).unwrap_or_else(|_| utc.to_string())
}

/// [`rfc3339`] of a Unix time in seconds; a number of seconds beyond what
/// `time` represents is written as the number.
pub fn rfc3339_unix(seconds: i64) -> String {
    OffsetDateTime::from_unix_timestamp(seconds)
        .map(rfc3339)
        .unwrap_or_else(|_| seconds.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_utc_rfc3339_and_never_loses_a_time() {
        let t = time::macros::datetime!(2030-01-01 05:00:00 +05:00);
        assert_eq!(rfc3339(t), "2030-01-01T00:00:00Z");
        assert_eq!(rfc3339_unix(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339_unix(i64::MAX), i64::MAX.to_string());
    }
}
