//! Diagnostics as data (STYLE D): code, primary span, help — always all three.

use crate::span::Span;

/// How bad a finding is. Errors stop the writer; warnings never do.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    /// The build fails; nothing is written.
    Error,
    /// Reported, build goes on.
    Warning,
}

impl Severity {
    /// `error` or `warning`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
        }
    }
}

/// An entry of a crate's code registry (`codes.rs`). Codes are append-only.
#[derive(Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Code {
    /// `<SCOPE><NNN>`, e.g. `VAL003`.
    pub id: &'static str,
    /// Kebab-case name of the problem found, e.g. `slo-out-of-range`.
    pub name: &'static str,
    /// One line: what the code means.
    pub summary: &'static str,
    /// Long documentation (Markdown): what triggers it, why it matters, an example, the fix.
    pub docs: &'static str,
}

/// Declare a crate's code registry: one `pub const` per code plus `pub const ALL`, in order.
///
/// ```
/// mod codes {
///     platform_ir::codes! {
///         LOW001 "missing-field" "a required field is missing" "Long docs: trigger, why, example, fix.";
///     }
/// }
/// assert_eq!(codes::LOW001.name, "missing-field");
/// assert_eq!(codes::ALL.iter().map(|c| c.id).collect::<Vec<_>>(), ["LOW001"]);
/// ```
#[macro_export]
macro_rules! codes {
    ($($id:ident $name:literal $summary:literal $docs:literal;)*) => {
        $(
            #[doc = $summary]
            pub const $id: $crate::Code = $crate::Code { id: stringify!($id), name: $name, summary: $summary, docs: $docs };
        )*
        /// Every code of this crate, in order.
        pub const ALL: &[&$crate::Code] = &[$(&$id),*];
    };
}

/// A labelled span.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Label {
    /// Where.
    pub span: Span,
    /// What to say at that place (lowercase, short).
    pub text: String,
}

/// One finding about the user's input.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    /// Error or warning.
    pub severity: Severity,
    /// Registry entry.
    pub code: &'static Code,
    /// What is wrong, lowercase, no trailing period.
    pub message: String,
    /// The exact span at fault.
    pub primary: Label,
    /// Other relevant places (e.g. the first definition of a duplicate).
    pub secondary: Vec<Label>,
    /// What to do about it.
    pub help: String,
}

impl Diagnostic {
    /// An error. Code, span and help are arguments so none can be left out (STYLE D1).
    pub fn error(
        code: &'static Code,
        message: impl Into<String>,
        span: Span,
        label: impl Into<String>,
        help: impl Into<String>,
    ) -> Self {
        Diagnostic {
            severity: Severity::Error,
            code,
            message: message.into(),
            primary: Label { span, text: label.into() },
            secondary: Vec::new(),
            help: help.into(),
        }
    }

    /// A warning; same arguments as [`Diagnostic::error`].
    pub fn warning(
        code: &'static Code,
        message: impl Into<String>,
        span: Span,
        label: impl Into<String>,
        help: impl Into<String>,
    ) -> Self {
        Diagnostic { severity: Severity::Warning, ..Self::error(code, message, span, label, help) }
    }

    /// Add a secondary label.
    #[must_use]
    pub fn with_label(mut self, span: Span, text: impl Into<String>) -> Self {
        self.secondary.push(Label { span, text: text.into() });
        self
    }

    /// True for errors.
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }

    /// Sort key: file, offset, code (STYLE E2).
    pub fn sort_key(&self) -> (u32, u32, &'static str, &str) {
        (self.primary.span.file.0, self.primary.span.start, self.code.id, &self.message)
    }
}

/// Sort diagnostics into their stable order (file, offset, code).
pub fn sort(diags: &mut [Diagnostic]) {
    diags.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
}

/// "did you mean `x`?" for the candidate closest to `word`, if any is close enough.
pub fn did_you_mean<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let word_l = word.to_ascii_lowercase();
    let mut best: Option<(usize, &'a str)> = None;
    for c in candidates {
        let d = levenshtein(&word_l, &c.to_ascii_lowercase());
        let limit = (c.len().max(word.len()) / 3).max(1);
        if d <= limit && best.is_none_or(|(bd, _)| d < bd) {
            best = Some((d, c));
        }
    }
    best.map(|(_, c)| c)
}

fn levenshtein(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0; b.len() + 1];
    for (i, ca) in a.chars().enumerate() {
        cur[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != *cb);
            cur[j + 1] = (prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::did_you_mean;

    #[test]
    fn suggests_close_names_only() {
        let c = ["postgres", "redis"];
        assert_eq!(did_you_mean("postgress", c), Some("postgres"));
        assert_eq!(did_you_mean("Postgres", c), Some("postgres"));
        assert_eq!(did_you_mean("mysql", c), None);
        assert_eq!(did_you_mean("critcal", ["critical", "standard", "experimental"]), Some("critical"));
        assert_eq!(did_you_mean("rollin", ["rolling", "recreate"]), Some("rolling"));
    }
}
