//! Structured logs: one JSON object per line on stdout, shipped by the cluster to the org's
//! log aggregator.

use std::io::Write;
use std::time::{SystemTime, UNIX_EPOCH};

/// A value in a log line.
pub enum V<'a> {
    /// A string.
    S(&'a str),
    /// A number.
    N(f64),
}

fn quote(s: &str, out: &mut String) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
}

/// Write one log line.
pub fn log(level: &str, msg: &str, fields: &[(&str, V<'_>)]) {
    let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default();
    let mut line = format!("{{\"time\":{}.{:03},\"level\":", now.as_secs(), now.subsec_millis());
    quote(level, &mut line);
    line.push_str(",\"msg\":");
    quote(msg, &mut line);
    for (k, v) in fields {
        line.push(',');
        quote(k, &mut line);
        line.push(':');
        match v {
            V::S(s) => quote(s, &mut line),
            V::N(n) => line.push_str(&n.to_string()),
        }
    }
    line.push_str("}\n");
    let _ = std::io::stdout().lock().write_all(line.as_bytes());
}
