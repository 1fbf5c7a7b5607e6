//! The table of source files a build read, for rendering spans as `file:line:column`.

use std::sync::Arc;

use crate::span::{FileId, Span};

/// One source file as the front end read it.
#[derive(Clone, Debug)]
pub struct SourceFile {
    /// Path as shown to people: relative to the build root, `/`-separated, or a
    /// `<built-in …>` name for embedded files.
    pub path: String,
    /// Full text (valid UTF-8; the front end rejects anything else).
    pub text: Arc<str>,
    line_starts: Vec<u32>,
}

impl SourceFile {
    /// Index a file's text.
    pub fn new(path: impl Into<String>, text: impl Into<Arc<str>>) -> Self {
        let text: Arc<str> = text.into();
        let mut line_starts = vec![0u32];
        for (i, b) in text.bytes().enumerate() {
            if b == b'\n' {
                line_starts.push(u32::try_from(i + 1).unwrap_or(u32::MAX));
            }
        }
        SourceFile { path: path.into(), text, line_starts }
    }

    /// 1-based line and 1-based column (in characters) of a byte offset.
    pub fn line_col(&self, offset: u32) -> (u32, u32) {
        let line = match self.line_starts.binary_search(&offset) {
            Ok(i) => i,
            Err(i) => i - 1,
        };
        let start = self.line_starts[line] as usize;
        let end = (offset as usize).min(self.text.len());
        let col = self.text.get(start..end).map_or(end - start, |s| s.chars().count());
        (u32::try_from(line).unwrap_or(u32::MAX) + 1, u32::try_from(col).unwrap_or(u32::MAX) + 1)
    }

    /// The source text a span covers (empty if out of range).
    pub fn slice(&self, span: Span) -> &str {
        self.text.get(span.start as usize..span.end as usize).unwrap_or("")
    }
}

/// All files of one build, indexed by [`FileId`].
#[derive(Clone, Debug, Default)]
pub struct Sources {
    files: Vec<SourceFile>,
}

impl Sources {
    /// Add a file and return its id.
    pub fn add(&mut self, file: SourceFile) -> FileId {
        self.files.push(file);
        FileId(u32::try_from(self.files.len() - 1).unwrap_or(u32::MAX))
    }

    /// The file behind an id.
    pub fn get(&self, id: FileId) -> &SourceFile {
        &self.files[id.0 as usize]
    }

    /// Rename files: each path for which `f` gives a new one (a build of an exported
    /// revision names its files as the work tree does).
    pub fn rename(&mut self, f: impl Fn(&str) -> Option<String>) {
        for file in &mut self.files {
            if let Some(p) = f(&file.path) {
                file.path = p;
            }
        }
    }

    /// Every file, in id order.
    pub fn iter(&self) -> impl Iterator<Item = &SourceFile> {
        self.files.iter()
    }

    /// Number of files.
    pub fn len(&self) -> usize {
        self.files.len()
    }

    /// True when no file was read.
    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }
}
