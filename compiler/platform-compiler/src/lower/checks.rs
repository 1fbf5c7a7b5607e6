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
    // `https://host[:port][/…]`: a DNS host (so `https://javascript:alert(1)` is no URL), no
    // credentials, no control characters.
    let rest = u.strip_prefix("https://").unwrap_or("");
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    let ok = is_host_and_port(authority)
        && !u.chars().any(|c| {
            c.is_whitespace()
                || c.is_control()
                || c == '"'
                || c == '\''
                || c == '<'
                || c == '>'
                || c == '`'
                || c == '{'
                || c == '}'
        });
    if !ok {
        lx.error(
            &codes::LOW019,
            format!("`{}` is not an https URL", u.value),
            u.span,
            "not an https URL",
            "write a URL that starts with `https://` and a host name, with no credentials, spaces or quotes",
        );
    }
    ok
}

/// What a text value must look like: its name in a message, the test, and the help. Each
/// rule has its pattern in the JSON Schema too (`raw`), which the schema test holds together.
pub struct Rule {
    /// What the value is, after "is not": `a DNS name`.
    pub what: &'static str,
    /// The test.
    pub ok: fn(&str) -> bool,
    /// How to write one.
    pub help: &'static str,
}

/// A word of lowercase letters, digits, `.`, `_` and `-`, starting with a letter or digit
/// (at most 63): frameworks, log aggregators, Backstage lifecycles.
fn is_word(s: &str) -> bool {
    let b = s.as_bytes();
    (1..=63).contains(&b.len())
        && b[0].is_ascii_alphanumeric()
        && b.iter().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || b"._-".contains(c))
}

/// A lowercase DNS name, a dot in it.
pub const DNS_NAME: Rule =
    Rule { what: "a DNS name", ok: is_dns_name, help: "write a lowercase DNS name such as `acme.dev`" };

/// A lowercase word (see [`is_word`]).
pub const WORD: Rule = Rule {
    what: "a lowercase word",
    ok: is_word,
    help: "write lowercase letters, digits, `.`, `_` and `-`, starting with a letter or digit (e.g. `fastify`)",
};

/// `host[:port]`: a DNS name (or `localhost`) and a port from 1 to 65535 without leading
/// zeros. The authority of a URL, the host of a registry.
fn is_host_and_port(s: &str) -> bool {
    let (host, port) = s.split_once(':').map_or((s, None), |(h, p)| (h, Some(p)));
    (is_dns_name(host) || host == "localhost")
        && port.is_none_or(|p| p.parse::<u16>().is_ok_and(|p| p > 0) && !p.starts_with('0'))
}

/// A container registry: a host (with an optional port) and an optional path, lowercase.
pub const REGISTRY: Rule = Rule {
    what: "a container registry",
    ok: |s| {
        let (host, path) = s.split_once('/').map_or((s, None), |(h, p)| (h, Some(p)));
        is_host_and_port(host) && path.is_none_or(|p| p.split('/').all(is_image_segment))
    },
    help: "write a registry host and an optional path, e.g. `ghcr.io/acme` or `123456789012.dkr.ecr.eu-west-1.amazonaws.com/acme`",
};

/// One path segment of an image repository: lowercase letters and digits, single `.`, `_`,
/// `__` or `-` runs between them (the OCI distribution rule).
pub fn is_image_segment(s: &str) -> bool {
    let b = s.as_bytes();
    !b.is_empty()
        && b[0].is_ascii_alphanumeric()
        && b[b.len() - 1].is_ascii_alphanumeric()
        && b.iter().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || b"._-".contains(c))
        && !s.contains("..")
        && !s.contains("___")
}

/// A cluster's IAM OIDC provider: a host and a path, no scheme.
pub const OIDC_PROVIDER: Rule = Rule {
    what: "an OIDC provider host and path",
    ok: |s| {
        let (host, path) = s.split_once('/').map_or((s, None), |(h, p)| (h, Some(p)));
        is_dns_name(host)
            && path.is_none_or(|p| {
                p.split('/')
                    .all(|seg| !seg.is_empty() && seg.bytes().all(|c| c.is_ascii_alphanumeric() || b"._-".contains(&c)))
            })
    },
    help: "write the provider without `https://`, e.g. `oidc.eks.eu-west-1.amazonaws.com/id/0A1B2C3D4E5F`",
};

/// The `Name` tag of a bastion instance.
pub const BASTION: Rule = Rule {
    what: "an EC2 instance's Name tag",
    ok: |s| {
        (1..=128).contains(&s.len())
            && s.as_bytes()[0].is_ascii_alphanumeric()
            && s.bytes().all(|c| c.is_ascii_alphanumeric() || b" ._:/=+@-".contains(&c))
    },
    help: "write the instance's `Name` tag: up to 128 letters, digits, spaces and `._:/=+@-`, e.g. `db-bastion`",
};

/// A Grafana datasource uid.
pub const DATASOURCE_UID: Rule = Rule {
    what: "a Grafana datasource uid",
    ok: |s| (1..=40).contains(&s.len()) && s.bytes().all(|c| c.is_ascii_alphanumeric() || b"._-".contains(&c)),
    help: "write the datasource's uid: up to 40 letters, digits, `.`, `_` and `-`",
};

/// A PagerDuty service id or integration name.
pub const PAGERDUTY: Rule = Rule {
    what: "a PagerDuty service id",
    ok: |s| (1..=64).contains(&s.len()) && s.bytes().all(|c| c.is_ascii_alphanumeric() || b"_-".contains(&c)),
    help: "write the PagerDuty service's id (letters, digits, `_` and `-`, e.g. `PABC123`)",
};

/// A Slack channel, with or without its `#`.
pub const SLACK_CHANNEL: Rule = Rule {
    what: "a Slack channel",
    ok: |s| {
        let c = s.strip_prefix('#').unwrap_or(s);
        (1..=80).contains(&c.len())
            && c.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"._-".contains(&b))
    },
    help: "write the channel's name, e.g. `#payments-alerts` (lowercase letters, digits, `.`, `_` and `-`)",
};

/// Report LOW019 unless `v` follows `rule`.
pub fn follows(lx: &mut Lx, v: &Sp<String>, rule: &Rule) -> bool {
    let ok = (rule.ok)(&v.value);
    if !ok {
        let shown: String = v.value.chars().flat_map(char::escape_debug).take(80).collect();
        lx.error(
            &codes::LOW019,
            format!("`{shown}` is not {}", rule.what),
            v.span,
            format!("not {}", rule.what),
            rule.help,
        );
    }
    ok
}

/// Is this an empty span (a default without a place)?
pub fn or_span(s: Option<Span>, fallback: Span) -> Span {
    s.unwrap_or(fallback)
}
