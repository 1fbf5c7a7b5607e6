//! Kubernetes resource quantities, parsed once and kept canonical.

use std::fmt;

/// A duration as the org and service files write it, `30s`, `5m`, `1h`, `2d`, `1w`, in
/// seconds: a positive whole number and one unit. `None` for anything else or an overflow.
/// The one parser: the compiler checks durations with it and the deploy model counts them.
pub fn duration_seconds(s: &str) -> Option<u64> {
    let digits = s.bytes().take_while(u8::is_ascii_digit).count();
    let (n, unit) = s.split_at(digits);
    let n: u64 = n.parse().ok()?;
    let mult = match unit {
        "s" => 1,
        "m" => 60,
        "h" => 3600,
        "d" => 86_400,
        "w" => 604_800,
        _ => return None,
    };
    (n > 0).then(|| n.checked_mul(mult)).flatten()
}

/// CPU in millicores. Printed the way it was meant: `500m`, `2`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Cpu(pub u64);

/// Memory in bytes. Printed with the largest exact binary unit: `512Mi`, `1Gi`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Memory(pub u64);

impl Cpu {
    /// Parse `"500m"`, `"2"`, `"1.5"`. Errors are a short reason.
    pub fn parse(s: &str) -> Result<Cpu, &'static str> {
        if let Some(m) = s.strip_suffix('m') {
            return match m.parse::<u64>() {
                Ok(0) => Err("cpu must be more than zero"),
                Ok(v) => Ok(Cpu(v)),
                Err(_) => Err("millicores must be a whole number, like `500m`"),
            };
        }
        let (int, frac) = s.split_once('.').unwrap_or((s, ""));
        if int.is_empty() && frac.is_empty()
            || !int.bytes().all(|b| b.is_ascii_digit())
            || !frac.bytes().all(|b| b.is_ascii_digit())
        {
            return Err("not a cpu quantity: use millicores like `500m` or cores like `2`");
        }
        if frac.len() > 3 {
            return Err("cpu is precise to a millicore at most, like `0.125` or `125m`");
        }
        let cores: u64 = if int.is_empty() { 0 } else { int.parse().map_err(|_| "cpu is too large")? };
        let milli: u64 = format!("{frac:0<3}").parse().unwrap_or(0);
        let v = cores.checked_mul(1000).and_then(|c| c.checked_add(milli)).ok_or("cpu is too large")?;
        if v == 0 {
            return Err("cpu must be more than zero");
        }
        Ok(Cpu(v))
    }

    /// The quantity someone who wrote `s` most likely meant, in canonical form, when `s` is
    /// not one: `0.5 cores` → `500m`, `500M` → `500m`, `2 vcpu` → `2`.
    pub fn suggest(s: &str) -> Option<String> {
        let t = s.trim().to_ascii_lowercase();
        let (num, unit) = split_number(&t);
        let unit = unit.trim();
        let milli = match unit {
            "m" | "mc" | "millicores" | "millicore" | "millicpu" => num.parse::<u64>().ok()?,
            "" | "core" | "cores" | "cpu" | "cpus" | "vcpu" | "vcpus" => {
                let (int, frac) = num.split_once('.').unwrap_or((num, ""));
                if frac.len() > 3 || int.is_empty() && frac.is_empty() {
                    return None;
                }
                let cores: u64 = if int.is_empty() { 0 } else { int.parse().ok()? };
                cores.checked_mul(1000)?.checked_add(format!("{frac:0<3}").parse().ok()?)?
            }
            _ => return None,
        };
        let out = Cpu(milli).to_string();
        (milli > 0 && out != s).then_some(out)
    }

    /// Cores as a decimal string (for PromQL): `0.5`, `2`.
    pub fn cores(&self) -> String {
        crate::ratio::decimal(self.0, 3)
    }
}

impl fmt::Display for Cpu {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.is_multiple_of(1000) { write!(f, "{}", self.0 / 1000) } else { write!(f, "{}m", self.0) }
    }
}

const UNITS: &[(&str, u64)] = &[
    ("Ki", 1 << 10),
    ("Mi", 1 << 20),
    ("Gi", 1 << 30),
    ("Ti", 1 << 40),
    ("k", 1_000),
    ("M", 1_000_000),
    ("G", 1_000_000_000),
    ("T", 1_000_000_000_000),
];

impl Memory {
    /// Parse `"512Mi"`, `"1Gi"`, `"500M"`. A number without a unit is refused: bytes are
    /// never what anyone means.
    pub fn parse(s: &str) -> Result<Memory, &'static str> {
        let digits = s.bytes().take_while(u8::is_ascii_digit).count();
        let (num, unit) = s.split_at(digits);
        if num.is_empty() {
            return Err("not a memory quantity: use a whole number and a unit, like `512Mi`");
        }
        if unit.is_empty() {
            return Err("memory needs a unit: `512` would be 512 bytes; write `512Mi`");
        }
        let Some(&(_, mult)) = UNITS.iter().find(|(u, _)| *u == unit) else {
            return Err("unknown memory unit: use Ki, Mi, Gi or Ti (or k, M, G, T)");
        };
        let n: u64 = num.parse().map_err(|_| "memory is too large")?;
        if n == 0 {
            return Err("memory must be more than zero");
        }
        n.checked_mul(mult).map(Memory).ok_or("memory is too large")
    }

    /// The quantity someone who wrote `s` most likely meant, in canonical form, when `s` is
    /// not one: `1GB` → `1Gi`, `512MB` → `512Mi`, `1gi` → `1Gi`, `512` → `512Mi`,
    /// `1.5Gi` → `1536Mi`, `512 megabytes` → `512Mi`.
    pub fn suggest(s: &str) -> Option<String> {
        let t = s.trim().to_ascii_lowercase();
        let (num, unit) = split_number(&t);
        let shift = match unit.trim() {
            "k" | "kb" | "ki" | "kib" | "kilobyte" | "kilobytes" => 10,
            "" | "m" | "mb" | "mi" | "mib" | "meg" | "megabyte" | "megabytes" => 20,
            "g" | "gb" | "gi" | "gib" | "gigabyte" | "gigabytes" => 30,
            "t" | "tb" | "ti" | "tib" | "terabyte" | "terabytes" => 40,
            _ => return None,
        };
        let (int, frac) = num.split_once('.').unwrap_or((num, ""));
        if int.is_empty() && frac.is_empty() || frac.len() > 6 {
            return None;
        }
        // Exact in bytes, then printed in the largest unit that keeps it whole.
        let scale = 10u128.pow(u32::try_from(frac.len()).ok()?);
        let whole: u128 = format!("{int}{frac}").parse().ok()?;
        let bytes = whole.checked_mul(1u128 << shift)?;
        if bytes == 0 || !bytes.is_multiple_of(scale) {
            return None;
        }
        let bytes = u64::try_from(bytes / scale).ok()?;
        if !bytes.is_multiple_of(1 << 10) {
            return None;
        }
        let out = Memory(bytes).to_string();
        (out != s).then_some(out)
    }

    /// Mebibytes, rounded down.
    pub fn mebibytes(&self) -> u64 {
        self.0 >> 20
    }
}

impl fmt::Display for Memory {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (unit, mult) in [("Ti", 1u64 << 40), ("Gi", 1 << 30), ("Mi", 1 << 20), ("Ki", 1 << 10)] {
            if self.0.is_multiple_of(mult) {
                return write!(f, "{}{unit}", self.0 / mult);
            }
        }
        for (unit, mult) in [("G", 1_000_000_000u64), ("M", 1_000_000), ("k", 1_000)] {
            if self.0.is_multiple_of(mult) {
                return write!(f, "{}{unit}", self.0 / mult);
            }
        }
        write!(f, "{}", self.0)
    }
}

/// `"1.5 gb"` → (`"1.5"`, `" gb"`): the leading decimal number and the rest.
fn split_number(s: &str) -> (&str, &str) {
    let end = s.bytes().take_while(|b| b.is_ascii_digit() || *b == b'.').count();
    s.split_at(end)
}

#[cfg(test)]
mod tests {
    use super::{Cpu, Memory, duration_seconds};

    #[test]
    fn common_misspellings_get_the_quantity_they_mean() {
        for (bad, good) in [
            ("1GB", "1Gi"),
            ("512MB", "512Mi"),
            ("1gi", "1Gi"),
            ("1 GiB", "1Gi"),
            ("512", "512Mi"),
            ("512m", "512Mi"),
            ("1.5Gi", "1536Mi"),
            ("512 megabytes", "512Mi"),
        ] {
            assert_eq!(Memory::suggest(bad).as_deref(), Some(good), "{bad}");
            assert!(Memory::parse(good).is_ok());
        }
        for (bad, good) in [("0.5 cores", "500m"), ("500M", "500m"), ("2 vcpu", "2"), ("250 m", "250m")] {
            assert_eq!(Cpu::suggest(bad).as_deref(), Some(good), "{bad}");
        }
        for nothing in ["lots", "1.23456789Gi", "0Mi", "512Mi"] {
            assert_eq!(Memory::suggest(nothing), None, "{nothing}");
        }
        assert_eq!(Cpu::suggest("500m"), None);
    }

    #[test]
    fn cpu_round_trips() {
        for (s, m, out) in [("500m", 500, "500m"), ("2", 2000, "2"), ("0.5", 500, "500m"), ("1.25", 1250, "1250m")] {
            let c = Cpu::parse(s).unwrap();
            assert_eq!(c.0, m);
            assert_eq!(c.to_string(), out);
        }
        for bad in ["", "m", "abc", "1.2345", "0", "0m", "-1", "1.5m", "500 m"] {
            assert!(Cpu::parse(bad).is_err(), "{bad:?} accepted");
        }
    }

    #[test]
    fn memory_needs_units() {
        assert_eq!(Memory::parse("512Mi").unwrap().to_string(), "512Mi");
        assert_eq!(Memory::parse("1024Mi").unwrap().to_string(), "1Gi");
        assert_eq!(Memory::parse("500M").unwrap().to_string(), "500M");
        for bad in ["512", "512 megabytes", "512MB", "Mi", "0Mi", "1.5Gi"] {
            assert!(Memory::parse(bad).is_err(), "{bad:?} accepted");
        }
    }

    #[test]
    fn durations() {
        assert_eq!(duration_seconds("30s"), Some(30));
        assert_eq!(duration_seconds("5m"), Some(300));
        assert_eq!(duration_seconds("2h"), Some(7200));
        assert_eq!(duration_seconds("1d"), Some(86_400));
        assert_eq!(duration_seconds("1w"), Some(604_800));
        for bad in ["", "m", "0s", "5", "5y", "-5m", "1.5h", "99999999999999999999h", "9999999999999999w"] {
            assert_eq!(duration_seconds(bad), None, "{bad}");
        }
    }
}
