//! Exact decimal ratios for SLO math: 99.9 % must print as `0.999` and its error budget
//! as `0.001`, never `0.0009999999999999432`.

use std::fmt;

/// A ratio in parts per billion (0..=1e9). Exact for every SLO a person writes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Ratio(pub u64);

/// One, in parts per billion.
pub const ONE: u64 = 1_000_000_000;

impl Ratio {
    /// Parse a percentage as written in YAML (`99.9`) into a ratio (`0.999`). `None` if it
    /// has more than 7 decimals or is not a plain decimal number.
    pub fn from_percent_text(text: &str) -> Option<Ratio> {
        let (int, frac) = text.split_once('.').unwrap_or((text, ""));
        if int.is_empty() || !int.bytes().all(|b| b.is_ascii_digit()) || !frac.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        if frac.len() > 7 {
            return None;
        }
        let int: u64 = int.parse().ok()?;
        let frac_v: u64 = if frac.is_empty() { 0 } else { format!("{frac:0<7}").parse().ok()? };
        int.checked_mul(10_000_000)?.checked_add(frac_v).map(Ratio)
    }

    /// `1 - self`: the error budget of an objective.
    pub fn complement(self) -> Ratio {
        Ratio(ONE.saturating_sub(self.0))
    }

    /// `self * factor`, with the factor in tenths (14.4 → 144). Saturates at 1.
    pub fn times_tenths(self, tenths: u64) -> Ratio {
        Ratio((self.0.saturating_mul(tenths) / 10).min(ONE))
    }

    /// The ratio as a percentage string: `99.9`.
    pub fn percent(self) -> String {
        decimal(self.0, 7)
    }
}

impl fmt::Display for Ratio {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&decimal(self.0, 9))
    }
}

/// `value / 10^scale` as the shortest exact decimal string.
pub fn decimal(value: u64, scale: u32) -> String {
    let div = 10u64.pow(scale);
    let int = value / div;
    let frac = value % div;
    if frac == 0 {
        return int.to_string();
    }
    let s = format!("{frac:0width$}", width = scale as usize);
    format!("{int}.{}", s.trim_end_matches('0'))
}

#[cfg(test)]
mod tests {
    use super::Ratio;

    #[test]
    fn slo_math_is_exact() {
        let r = Ratio::from_percent_text("99.9").unwrap();
        assert_eq!(r.to_string(), "0.999");
        assert_eq!(r.complement().to_string(), "0.001");
        assert_eq!(r.complement().times_tenths(144).to_string(), "0.0144");
        assert_eq!(r.percent(), "99.9");
        let r = Ratio::from_percent_text("99.95").unwrap();
        assert_eq!(r.complement().to_string(), "0.0005");
        assert_eq!(Ratio::from_percent_text("99").unwrap().complement().to_string(), "0.01");
        assert!(Ratio::from_percent_text("99.9%").is_none());
        assert!(Ratio::from_percent_text("-1").is_none());
    }
}
