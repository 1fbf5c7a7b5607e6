//! Lowering: decoded input types → the resolved IR, one file at a time.

pub mod checks;
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
