//! Instants and durations as the tools print them: RFC 3339 timestamps (`2026-11-02T09:30:00Z`)
//! to Unix seconds and back, and windows like `30d`. No time zone database: GitHub answers
//! in UTC, and an offset is applied as written.

/// Days from 1970-01-01 to a civil date (proleptic Gregorian; Howard Hinnant's algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (if m <= 2 { yoe + era * 400 + 1 } else { yoe + era * 400 }, m, d)
}

fn number(s: &str) -> Option<i64> {
    (!s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())).then(|| s.parse().ok()).flatten()
}

/// Unix seconds of an RFC 3339 timestamp (`2026-11-02T09:30:00Z`, fractions and offsets
/// allowed), or of a date alone (`2026-11-02`, midnight UTC).
pub fn parse(s: &str) -> Option<i64> {
    let (date, rest) = s.split_at_checked(10)?;
    let mut parts = date.splitn(3, '-');
    let (y, m, d) = (number(parts.next()?)?, number(parts.next()?)?, number(parts.next()?)?);
    if !(1..=12).contains(&m) || !(1..=31).contains(&d) {
        return None;
    }
    let day = days_from_civil(y, m, d) * 86_400;
    if rest.is_empty() {
        return Some(day);
    }
    let rest = rest.strip_prefix(['T', 't', ' '])?;
    let (clock, mut zone) = rest.split_at_checked(8)?;
    let mut hms = clock.splitn(3, ':');
    let (h, mi, sec) = (number(hms.next()?)?, number(hms.next()?)?, number(hms.next()?)?);
    if h > 23 || mi > 59 || sec > 60 {
        return None;
    }
    if let Some(frac) = zone.strip_prefix('.') {
        let digits = frac.bytes().take_while(u8::is_ascii_digit).count();
        zone = &frac[digits..];
    }
    let offset = match zone {
        "Z" | "z" => 0,
        _ => {
            let sign = match zone.as_bytes().first()? {
                b'+' => 1,
                b'-' => -1,
                _ => return None,
            };
            let (oh, om) = zone[1..].split_once(':')?;
            sign * (number(oh)? * 3600 + number(om)? * 60)
        }
    };
    Some(day + h * 3600 + mi * 60 + sec - offset)
}

/// The RFC 3339 form of Unix seconds, in UTC.
pub fn format(t: i64) -> String {
    let (y, m, d) = civil_from_days(t.div_euclid(86_400));
    let s = t.rem_euclid(86_400);
    format!("{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z", s / 3600, s % 3600 / 60, s % 60)
}

/// Seconds of a span like `30d`, `12h`, `4w` or `90m`.
pub fn span(s: &str) -> Option<i64> {
    let unit = match s.as_bytes().last()? {
        b'm' => 60,
        b'h' => 3600,
        b'd' => 86_400,
        b'w' => 7 * 86_400,
        _ => return None,
    };
    let n = number(&s[..s.len() - 1])?;
    (n > 0).then(|| n.checked_mul(unit)).flatten()
}

/// A duration for people: `45s`, `12m`, `3h 20m`, `2d 4h`.
pub fn human(seconds: i64) -> String {
    let s = seconds.max(0);
    match s {
        0..60 => format!("{s}s"),
        60..3600 => format!("{}m", s / 60),
        3600..86_400 if s % 3600 / 60 == 0 => format!("{}h", s / 3600),
        3600..86_400 => format!("{}h {}m", s / 3600, s % 3600 / 60),
        _ if s % 86_400 / 3600 == 0 => format!("{}d", s / 86_400),
        _ => format!("{}d {}h", s / 86_400, s % 86_400 / 3600),
    }
}

/// Now, in Unix seconds.
pub fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_round_trip_and_offsets_apply() {
        assert_eq!(parse("1970-01-01T00:00:00Z"), Some(0));
        // 2026-11-02 is day 20 759 since the epoch (56 years, 14 of them leap, + 305 days).
        assert_eq!(parse("2026-11-02"), Some(20_759 * 86_400));
        assert_eq!(parse("2026-11-02T09:30:00Z"), Some(20_759 * 86_400 + 9 * 3600 + 1800));
        assert_eq!(parse("2026-11-02T11:30:00.250+02:00"), parse("2026-11-02T09:30:00Z"));
        assert_eq!(parse("2024-02-29T23:59:59Z").map(format).as_deref(), Some("2024-02-29T23:59:59Z"));
        for bad in ["", "2026-13-01", "2026-11-02T25:00:00Z", "2026-11-02T09:30:00", "yesterday"] {
            assert_eq!(parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn spans_and_durations_read_like_people_write_them() {
        assert_eq!(span("30d"), Some(30 * 86_400));
        assert_eq!(span("2w"), Some(14 * 86_400));
        assert_eq!((span("0d"), span("d"), span("3x")), (None, None, None));
        assert_eq!(human(45), "45s");
        assert_eq!(human(3 * 3600 + 20 * 60), "3h 20m");
        assert_eq!(human(2 * 86_400), "2d");
        assert_eq!(human(26 * 3600), "1d 2h");
    }
}
