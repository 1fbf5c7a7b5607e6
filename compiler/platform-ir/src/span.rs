//! Source positions: every IR value remembers the bytes of YAML it came from (STYLE D4).

use std::ops::Deref;

/// Index of a file in [`crate::Sources`]. Assigned by the driver in sorted path order, so
/// ids are stable across runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct FileId(pub u32);

/// A byte range in one source file.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Span {
    /// The file the bytes live in.
    pub file: FileId,
    /// First byte (inclusive).
    pub start: u32,
    /// Last byte (exclusive).
    pub end: u32,
}

impl Span {
    /// A span over `start..end` of `file`.
    pub const fn new(file: FileId, start: u32, end: u32) -> Self {
        Span { file, start, end }
    }

    /// Length in bytes.
    pub const fn len(&self) -> u32 {
        self.end.saturating_sub(self.start)
    }

    /// True for a zero-width span (a position, not a range).
    pub const fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// A value together with the span it was written at.
///
/// Values that come from the built-in defaults point into the built-in org file, so even
/// a defaulted value can be explained (`platform explain`).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Sp<T> {
    /// The value.
    pub value: T,
    /// Where it was written.
    pub span: Span,
}

impl<T> Sp<T> {
    /// Pair a value with its span.
    pub const fn new(value: T, span: Span) -> Self {
        Sp { value, span }
    }

    /// Transform the value, keeping the span.
    pub fn map<U>(self, f: impl FnOnce(T) -> U) -> Sp<U> {
        Sp { value: f(self.value), span: self.span }
    }

    /// Borrow the value with the same span.
    pub fn as_ref(&self) -> Sp<&T> {
        Sp { value: &self.value, span: self.span }
    }
}

impl<T> Deref for Sp<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.value
    }
}
