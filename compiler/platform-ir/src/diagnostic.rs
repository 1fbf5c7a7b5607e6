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
    /// The primary span holds a secret: renderers never show its text (see [`mask`]).
    pub redact: bool,
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
            redact: false,
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

    /// Mark the primary span as a secret: no renderer shows its text.
    #[must_use]
    pub fn redacted(mut self) -> Self {
        self.redact = true;
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

/// `text` (the whole of file `file`) with the bytes of every redacted primary span of
/// `diags` in that file replaced by `*`: offsets stay valid, the secret is gone.
pub fn mask(text: &str, file: crate::FileId, diags: &[Diagnostic]) -> String {
    let mut bytes = text.as_bytes().to_vec();
    for d in diags.iter().filter(|d| d.redact && d.primary.span.file == file) {
        let (start, end) = (d.primary.span.start as usize, d.primary.span.end as usize);
        for b in bytes.iter_mut().take(end.min(text.len())).skip(start) {
            *b = b'*';
        }
    }
    // Spans start and end on character boundaries, so the bytes are still UTF-8; a span that
    // did not would lose its whole text rather than show any of it.
    String::from_utf8(bytes).unwrap_or_else(|e| "*".repeat(e.into_bytes().len()))
}

/// Sort diagnostics into their stable order (file, offset, code).
pub fn sort(diags: &mut [Diagnostic]) {
    diags.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
}

/// Words people write for a value that has another name here: (written, meant). They are
/// looked up before spelling distance, so a synonym gets its meaning and never the nearest
/// spelling, which can be the opposite (`external` is `public`, not `internal`).
const ALIASES: &[(&str, &str)] = &[
    ("golang", "go"),
    ("postgresql", "postgres"),
    ("pg", "postgres"),
    ("psql", "postgres"),
    ("rds", "postgres"),
    ("elasticache", "redis"),
    ("prod", "production"),
    ("prd", "production"),
    ("live", "production"),
    ("stage", "staging"),
    ("stg", "staging"),
    ("external", "public"),
    ("internet", "public"),
    ("internet-facing", "public"),
    ("private", "internal"),
    ("node", "typescript"),
    ("nodejs", "typescript"),
    ("javascript", "typescript"),
    ("js", "typescript"),
    ("ts", "typescript"),
    ("py", "python"),
    ("python3", "python"),
    ("kotlin", "java"),
];

/// Values that are not a spelling of an allowed value but a setting of another field:
/// (written, an allowed value that identifies the field, the help).
const MOVED: &[(&str, &str, &str)] = &[
    ("canary", "rolling", "a canary is not a strategy: keep `strategy: rolling` and set `deployment.canary: true`"),
    (
        "blue-green",
        "rolling",
        "blue-green is not offered; `strategy: rolling` with `deployment.canary: true` shifts traffic step by step with automatic rollback",
    ),
];

/// The help for a value that belongs to another field, if `word` is one (see [`MOVED`]).
pub fn moved_value_help<'a>(word: &str, mut candidates: impl Iterator<Item = &'a str>) -> Option<&'static str> {
    let w = word.to_ascii_lowercase();
    let (_, marker, help) = MOVED.iter().find(|(m, _, _)| *m == w)?;
    candidates.any(|c| c == *marker).then_some(*help)
}

/// "did you mean `x`?" for `word`: a known alias of a candidate (see [`ALIASES`]), else
/// the candidate closest in spelling, if any is close enough.
pub fn did_you_mean<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let word_l = word.to_ascii_lowercase();
    let meant = ALIASES.iter().find(|(w, _)| *w == word_l).map(|(_, m)| *m);
    let mut best: Option<(usize, &'a str)> = None;
    for c in candidates {
        if meant == Some(c) {
            return Some(c);
        }
        let d = levenshtein(&word_l, &c.to_ascii_lowercase());
        let limit = (c.len().max(word.len()) / 3).max(1);
        if d <= limit && best.is_none_or(|(bd, _)| d < bd) {
            best = Some((d, c));
        }
    }
    // An alias whose meaning is not among the candidates must not fall back to a spelling
    // neighbour: `external` among `internal`, `cluster` is no hint at all.
    if meant.is_some() {
        return None;
    }
    best.map(|(_, c)| c)
}

/// The help for a word that is not one of `candidates`: "did you mean `x`?" (see
/// [`did_you_mean`]), else "`<what>` are `a`, `b`": every choice listed.
pub fn did_you_mean_or_list(word: &str, candidates: &[&str], what: &str) -> String {
    match did_you_mean(word, candidates.iter().copied()) {
        Some(s) => format!("did you mean `{s}`?"),
        None => {
            format!("{what} are {}", candidates.iter().map(|c| format!("`{c}`")).collect::<Vec<_>>().join(", "))
        }
    }
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
        // Synonyms get their meaning, never the nearest spelling (the opposite here).
        assert_eq!(did_you_mean("external", ["public", "internal"]), Some("public"));
        assert_eq!(did_you_mean("external", ["internal", "cluster"]), None);
        assert_eq!(did_you_mean("golang", ["go", "python"]), Some("go"));
        assert_eq!(did_you_mean("PostgreSQL", ["postgres", "redis"]), Some("postgres"));
        assert_eq!(did_you_mean("prod", ["staging", "production"]), Some("production"));
        assert!(super::moved_value_help("canary", ["rolling", "recreate"].into_iter()).is_some());
        assert!(super::moved_value_help("canary", ["a", "b"].into_iter()).is_none());
    }
}
