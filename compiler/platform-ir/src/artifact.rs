//! What a backend returns: files, by clean relative path, with their provenance.

use std::collections::BTreeMap;
use std::fmt;

use crate::span::Span;

/// A clean relative path: UTF-8, `/`-separated, no `..`, no `.`, not absolute, not empty.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct RelPath(String);

impl RelPath {
    /// Check and wrap a path; `None` if it is not clean.
    pub fn new(path: impl Into<String>) -> Option<Self> {
        let path = path.into();
        let clean = !path.is_empty()
            && !path.starts_with('/')
            && !path.contains('\\')
            && !path.contains('\0')
            && path.split('/').all(|seg| !seg.is_empty() && seg != "." && seg != "..");
        clean.then_some(RelPath(path))
    }

    /// The path as a `&str`.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// `prefix/self`; both are clean, so the result is too.
    pub fn join_under(&self, prefix: &RelPath) -> RelPath {
        RelPath(format!("{}/{}", prefix.0, self.0))
    }
}

impl fmt::Display for RelPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The format of a file, which decides how the writer stamps its do-not-edit header.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Format {
    /// YAML (also Helm templates that render to YAML): `# …` header.
    Yaml,
    /// JSON: no comments, so no header (the source is named in the file's own metadata where
    /// the format has a place for it).
    Json,
    /// HCL / Terraform / tfvars: `# …` header.
    Hcl,
    /// A Go template that is not YAML (`_helpers.tpl`, `NOTES.txt`): `{{/* … */}}` header.
    GoTemplate,
    /// Markdown: `<!-- … -->` header.
    Markdown,
    /// Any other text with `#` comments (`.helmignore`, Dockerfile, shell).
    HashComments,
}

/// One generated file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Artifact {
    /// Format, for the header.
    pub format: Format,
    /// Body, without header; UTF-8, `\n` line endings.
    pub contents: String,
    /// Input spans this file was derived from (provenance for `explain` and `diff`).
    pub provenance: Vec<Span>,
    /// Finer provenance: the input span each part of the file comes from, by the key path
    /// of that part (`replicaCount`, `resources.limits.memory`, `database.instance_class`;
    /// for HCL, a block's address or a variable's name). `platform explain PATH:LINE`
    /// takes the longest key path that holds the line, and `provenance[0]` where none does.
    pub origins: Vec<(String, Span)>,
}

impl Artifact {
    /// A file derived from the given spans.
    pub fn new(format: Format, contents: impl Into<String>, provenance: Vec<Span>) -> Self {
        Artifact { format, contents: contents.into(), provenance, origins: Vec::new() }
    }

    /// The same file, with where its parts come from ([`Artifact::origins`]).
    #[must_use]
    pub fn with_origins(mut self, origins: Vec<(String, Span)>) -> Self {
        self.origins = origins;
        self
    }
}

/// Files by path, in path order.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ArtifactSet(pub BTreeMap<RelPath, Artifact>);

impl ArtifactSet {
    /// An empty set.
    pub fn new() -> Self {
        ArtifactSet(BTreeMap::new())
    }

    /// Add a file. Panics in debug builds on an unclean path or a duplicate: both are bugs in
    /// the backend, not user errors (STYLE A6).
    pub fn insert(&mut self, path: &str, artifact: Artifact) {
        let Some(rel) = RelPath::new(path) else {
            debug_assert!(false, "backend produced unclean path {path:?}");
            return;
        };
        let prev = self.0.insert(rel, artifact);
        debug_assert!(prev.is_none(), "backend produced {path:?} twice");
    }

    /// Iterate in path order.
    pub fn iter(&self) -> impl Iterator<Item = (&RelPath, &Artifact)> {
        self.0.iter()
    }

    /// Number of files.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// True when empty.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::RelPath;

    #[test]
    fn rejects_unclean_paths() {
        for bad in ["", "/etc/passwd", "a/../b", "./a", "a//b", "a\\b", "..", "a/"] {
            assert!(RelPath::new(bad).is_none(), "{bad:?} accepted");
        }
        assert_eq!(RelPath::new("helm/templates/x.yaml").unwrap().as_str(), "helm/templates/x.yaml");
    }
}
