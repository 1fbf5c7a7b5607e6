//! Lowering: decoded input types → the resolved IR, one file at a time.

pub mod accepted_risks;
pub mod checks;
pub mod literal_secrets;
pub mod org;
pub mod service;

use platform_ir::{Code, Diagnostic, Sp, Span};
use platform_syntax::Field;

use crate::codes;

/// Collects diagnostics while lowering.
#[derive(Default)]
pub struct Lx {
    /// Everything found so far.
    pub diags: Vec<Diagnostic>,
}

impl Lx {
    /// Report an error.
    pub fn error(
        &mut self,
        code: &'static Code,
        msg: impl Into<String>,
        span: Span,
        label: impl Into<String>,
        help: impl Into<String>,
    ) {
        self.diags.push(Diagnostic::error(code, msg, span, label, help));
    }

    /// A required field: reports LOW001 at `parent` when missing.
    pub fn req<T: Clone>(&mut self, f: &Field<T>, parent: Span, path: &str) -> Option<Sp<T>> {
        match f {
            Field::Present(v) => Some(v.clone()),
            Field::Invalid(_) => None,
            Field::Missing => {
                self.error(
                    &codes::LOW001,
                    format!("missing required field `{path}`"),
                    parent,
                    format!("`{}` is missing here", path.rsplit('.').next().unwrap_or(path)),
                    format!("add `{}:` to this mapping", path.rsplit('.').next().unwrap_or(path)),
                );
                None
            }
        }
    }

    /// A field with a default: the default (with its own span) when missing or invalid.
    pub fn or<T: Clone>(f: &Field<T>, default: impl FnOnce() -> Sp<T>) -> Sp<T> {
        f.get().cloned().unwrap_or_else(default)
    }
}

/// A present value, cloned.
pub fn opt<T: Clone>(f: &Field<T>) -> Option<Sp<T>> {
    f.get().cloned()
}

/// The elements of a present list that are present themselves.
pub fn list<T: Clone>(f: &Field<Vec<Field<T>>>) -> Vec<Sp<T>> {
    f.get().map(|l| l.value.iter().filter_map(opt).collect()).unwrap_or_default()
}

/// An IPv4 CIDR in canonical form (`10.0.0.0/8`: four octets, a prefix of 0 to 32, no host
/// bits set); otherwise LOW019 at its span. The NetworkPolicy's `ipBlock` takes it verbatim.
pub fn cidr(lx: &mut Lx, c: &Sp<String>) -> bool {
    let parsed = c.value.split_once('/').and_then(|(addr, len)| {
        let len: u32 = len.parse().ok().filter(|l| *l <= 32 && !len.starts_with('+'))?;
        let octets: Vec<u32> = addr.split('.').map(|o| o.parse().ok().filter(|v| *v <= 255)).collect::<Option<_>>()?;
        let [a, b, c2, d] = octets[..] else { return None };
        Some(((a << 24) | (b << 16) | (c2 << 8) | d, len))
    });
    let Some((addr, len)) = parsed else {
        lx.error(
            &codes::LOW019,
            format!("`{}` is not an IPv4 CIDR", c.value),
            c.span,
            "not a CIDR",
            "write an address and a prefix length, e.g. `203.0.113.0/24`; a NetworkPolicy matches addresses, not host names",
        );
        return false;
    };
    let mask = if len == 0 { 0 } else { u32::MAX << (32 - len) };
    if addr & !mask != 0 {
        let net = addr & mask;
        lx.error(
            &codes::LOW019,
            format!("`{}` has host bits set", c.value),
            c.span,
            "not the network address",
            format!("write `{}.{}.{}.{}/{len}`", net >> 24, (net >> 16) & 255, (net >> 8) & 255, net & 255),
        );
        return false;
    }
    true
}
