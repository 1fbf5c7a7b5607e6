//! Small value checks shared by org and service lowering.

use platform_ir::{Sp, Span};

use crate::codes;
use crate::lower::Lx;

/// DNS-1123 label: `[a-z]([-a-z0-9]*[a-z0-9])?`, at most 63 characters.
pub fn is_dns_label(s: &str) -> bool {
    let b = s.as_bytes();
    !b.is_empty()
        && b.len() <= 63
        && b[0].is_ascii_lowercase()
        && b.iter().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'-')
        && b[b.len() - 1] != b'-'
}

/// A DNS name: dot-separated labels (digits allowed first), at most 253 characters.
pub fn is_dns_name(s: &str) -> bool {
    s.len() <= 253
        && s.split('.').all(|l| {
            let b = l.as_bytes();
            !b.is_empty()
                && b.len() <= 63
                && b.iter().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'-')
                && b[0] != b'-'
                && b[b.len() - 1] != b'-'
        })
        && s.contains('.')
}

/// The lowercase, `-` separated suggestion for a bad name.
pub fn suggest_label(s: &str) -> String {
    let mut out = String::new();
    for c in s.chars() {
        let c = c.to_ascii_lowercase();
        if c.is_ascii_lowercase() || c.is_ascii_digit() {
            out.push(c);
        } else if !out.ends_with('-') && !out.is_empty() {
            out.push('-');
        }
    }
    out.trim_end_matches('-').to_owned()
}

/// Report LOW004 unless `name` is a DNS-1123 label.
pub fn dns_label(lx: &mut Lx, name: &Sp<String>, what: &str) -> bool {
    if is_dns_label(name) {
        return true;
    }
    let suggestion = suggest_label(name);
    let help = if is_dns_label(&suggestion) {
        format!("use lowercase letters, digits and `-`, starting with a letter: `{suggestion}`")
    } else {
        "use lowercase letters, digits and `-`, starting with a letter and at most 63 characters".to_owned()
    };
    lx.error(
        &codes::LOW004,
        format!("{what} `{}` is not a valid DNS-1123 label", name.value),
        name.span,
        "not a DNS-1123 label",
        help,
    );
    false
}

/// Check a duration, reporting LOW016.
pub fn duration(lx: &mut Lx, d: &Sp<String>) -> Option<u64> {
    let v = platform_ir::quantity::duration_seconds(d);
    if v.is_none() {
        lx.error(
            &codes::LOW016,
            format!("`{}` is not a duration", d.value),
            d.span,
            "not a duration",
            "write a whole number and a unit: `30s`, `5m`, `1h` or `1d`",
        );
    }
    v
}

/// Report LOW007 unless `lo <= v <= hi`.
pub fn range(lx: &mut Lx, v: &Sp<u32>, lo: u32, hi: u32, what: &str) -> bool {
    if (lo..=hi).contains(&v.value) {
        return true;
    }
    lx.error(
        &codes::LOW007,
        format!("{what} must be between {lo} and {hi}, found {}", v.value),
        v.span,
        "out of range",
        format!("use a value from {lo} to {hi}"),
    );
    false
}

/// Report LOW019 unless `key: value` is a Kubernetes label (the org's selector labels end up
/// on ServiceMonitors and PrometheusRules). The span is the value's.
pub fn k8s_label(lx: &mut Lx, key: &str, value: &Sp<String>) -> bool {
    fn name(s: &str) -> bool {
        let b = s.as_bytes();
        b.len() <= 63
            && b.iter().all(|c| c.is_ascii_alphanumeric() || b"-_.".contains(c))
            && b.first().is_none_or(u8::is_ascii_alphanumeric)
            && b.last().is_none_or(u8::is_ascii_alphanumeric)
    }
    let (prefix, key_name) = key.rsplit_once('/').map_or((None, key), |(p, n)| (Some(p), n));
    let dns = |p: &str| {
        p.len() <= 253
            && p.split('.').all(|l| is_dns_label(l) || (!l.is_empty() && l.bytes().all(|c| c.is_ascii_digit())))
    };
    let ok = !key_name.is_empty() && name(key_name) && prefix.is_none_or(dns) && name(&value.value);
    if !ok {
        lx.error(
            &codes::LOW019,
            format!("`{key}: {}` is not a Kubernetes label", value.value),
            value.span,
            "not a label",
            "label keys are an optional DNS prefix and `/`, then up to 63 letters, digits, `-`, `_` and `.`; values are the same, starting and ending with a letter or digit",
        );
    }
    ok
}

/// `https://` URLs only (they end up in annotations people click).
pub fn https_url(lx: &mut Lx, u: &Sp<String>) -> bool {
    let ok = u.starts_with("https://")
        && u.len() > 8
        && !u.chars().any(|c| {
            c.is_whitespace() || c == '"' || c == '\'' || c == '<' || c == '>' || c == '`' || c == '{' || c == '}'
        });
    if !ok {
        lx.error(
            &codes::LOW019,
            format!("`{}` is not an https URL", u.value),
            u.span,
            "not an https URL",
            "write a URL that starts with `https://` and has no spaces or quotes",
        );
    }
    ok
}

/// Is this an empty span (a default without a place)?
pub fn or_span(s: Option<Span>, fallback: Span) -> Span {
    s.unwrap_or(fallback)
}
