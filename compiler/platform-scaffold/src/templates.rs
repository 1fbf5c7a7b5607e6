//! The template set: the built-in templates embedded in the binary, and the org's overrides.
//!
//! Templates live in groups: `service/` holds the files every service gets
//! (`platform.yaml`, `README.md`), and one directory per language holds its app skeleton.
//! A file whose name ends in `.njk` is rendered and written without that suffix; any other
//! file is copied as it is (Backstage's `templateFileExtension` convention, so the same
//! tree serves as a Backstage skeleton). An override replaces the template of its group
//! that writes the same file, or adds a file.

use std::collections::BTreeMap;

use platform_ir::{FileId, Language};

/// Suffix of the files that are rendered.
pub const TEMPLATE_SUFFIX: &str = ".njk";
/// The group of files every service gets, whatever its language.
pub const COMMON_GROUP: &str = "service";

macro_rules! embedded {
    ($($path:literal),* $(,)?) => {
        /// The built-in templates: path under `templates/` → text.
        pub const EMBEDDED: &[(&str, &str)] = &[$(($path, include_str!(concat!("../templates/", $path)))),*];
    };
}

embedded![
    "service/README.md.njk",
    "service/platform.yaml.njk",
    "go/.dockerignore",
    "go/.gitignore.njk",
    "go/Dockerfile.njk",
    "go/go.mod.njk",
    "go/main.go.njk",
    "go/main_test.go.njk",
    "go/metrics.go.njk",
    "java/.dockerignore",
    "java/.gitignore",
    "java/Dockerfile.njk",
    "java/pom.xml.njk",
    "java/src/main/java/app/Log.java",
    "java/src/main/java/app/Main.java.njk",
    "java/src/main/java/app/Metrics.java.njk",
    "java/src/main/java/app/Server.java.njk",
    "java/src/test/java/app/ServerTest.java.njk",
    "python/.dockerignore",
    "python/.gitignore",
    "python/Dockerfile.njk",
    "python/app/__init__.py.njk",
    "python/app/__main__.py.njk",
    "python/app/log.py",
    "python/app/metrics.py.njk",
    "python/app/server.py.njk",
    "python/pyproject.toml.njk",
    "python/tests/test_server.py.njk",
    "rust/.dockerignore",
    "rust/.gitignore",
    "rust/Cargo.lock.njk",
    "rust/Cargo.toml.njk",
    "rust/Dockerfile.njk",
    "rust/src/log.rs",
    "rust/src/main.rs.njk",
    "rust/src/metrics.rs.njk",
    "rust/src/server.rs.njk",
    "rust/src/shutdown.rs",
    "typescript/.dockerignore",
    "typescript/.gitignore",
    "typescript/Dockerfile.njk",
    "typescript/package-lock.json.njk",
    "typescript/package.json.njk",
    "typescript/src/log.ts",
    "typescript/src/main.ts.njk",
    "typescript/src/metrics.ts.njk",
    "typescript/src/server.ts.njk",
    "typescript/test/server.test.ts.njk",
    "typescript/tsconfig.json",
];

/// A template file from the org's override directory, as the CLI read it.
#[derive(Clone, Debug)]
pub struct TemplateFile {
    /// Path relative to the override directory, `/`-separated (`typescript/Dockerfile.njk`).
    pub path: String,
    /// Its text.
    pub text: String,
    /// Its id in the sources, so problems point into it.
    pub file: FileId,
}

/// One template of a resolved set.
#[derive(Clone, Debug)]
pub struct Template {
    /// Path as stored, with its group (`typescript/src/server.ts.njk`).
    pub path: String,
    /// Its text.
    pub text: String,
    /// The override file it came from; `None` for a built-in template.
    pub file: Option<FileId>,
}

impl Template {
    /// Whether it is rendered (a `.njk` file) or copied.
    pub fn is_rendered(&self) -> bool {
        self.path.ends_with(TEMPLATE_SUFFIX)
    }
}

/// The file a template path writes, relative to its group: `typescript/src/a.ts.njk` →
/// `src/a.ts`. `None` when the path has no group.
pub fn output_path(path: &str) -> Option<&str> {
    let (_, rest) = path.split_once('/')?;
    Some(rest.strip_suffix(TEMPLATE_SUFFIX).unwrap_or(rest))
}

/// The group of a template path (`service`, `typescript`, …).
pub fn group(path: &str) -> &str {
    path.split_once('/').map_or("", |(g, _)| g)
}

/// Why an override path cannot be used, if it cannot.
pub fn path_problem(path: &str) -> Option<String> {
    let parts: Vec<&str> = path.split('/').collect();
    if parts.iter().any(|p| p.is_empty() || *p == "." || *p == ".." || p.contains('\\')) {
        return Some(format!("`{path}` is not a plain relative path"));
    }
    if parts.len() < 2 {
        return None;
    }
    let g = parts[0];
    if g != COMMON_GROUP && Language::parse(g).is_none() {
        return Some(format!(
            "`{path}` is not under `{COMMON_GROUP}/` or a language directory ({})",
            Language::NAMES.join(", ")
        ));
    }
    let out = output_path(path).unwrap_or_default();
    if out.is_empty() {
        return Some(format!("`{path}` names no file"));
    }
    None
}

/// Every template for `language` (its group and the common group, overrides applied),
/// keyed by the file it writes. A language's own template wins over a common one for the
/// same file. Override paths must have been checked with [`path_problem`].
pub fn resolve(language: Language, overrides: &[TemplateFile]) -> BTreeMap<String, Template> {
    let mut out: BTreeMap<String, Template> = BTreeMap::new();
    let groups = [COMMON_GROUP, language.as_str()];
    for g in groups {
        let builtin =
            EMBEDDED.iter().map(|(p, t)| Template { path: (*p).to_owned(), text: (*t).to_owned(), file: None });
        let over =
            overrides.iter().map(|o| Template { path: o.path.clone(), text: o.text.clone(), file: Some(o.file) });
        for t in builtin.chain(over) {
            if group(&t.path) != g {
                continue;
            }
            if let Some(out_path) = output_path(&t.path) {
                out.insert(out_path.to_owned(), t);
            }
        }
    }
    out
}

/// The languages with a built-in or overridden skeleton, in declaration order.
pub fn languages(overrides: &[TemplateFile]) -> Vec<Language> {
    Language::ALL
        .iter()
        .copied()
        .filter(|l| {
            EMBEDDED.iter().any(|(p, _)| group(p) == l.as_str())
                || overrides.iter().any(|o| group(&o.path) == l.as_str())
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn walk(dir: &std::path::Path, base: &std::path::Path, out: &mut Vec<String>) {
        for e in std::fs::read_dir(dir).unwrap().flatten() {
            let p = e.path();
            if p.is_dir() {
                walk(&p, base, out);
            } else {
                out.push(p.strip_prefix(base).unwrap().to_string_lossy().replace('\\', "/"));
            }
        }
    }

    #[test]
    fn every_file_under_templates_is_embedded() {
        let base = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("templates");
        let mut on_disk = Vec::new();
        walk(&base, &base, &mut on_disk);
        on_disk.sort();
        let mut embedded: Vec<String> = EMBEDDED.iter().map(|(p, _)| (*p).to_owned()).collect();
        embedded.sort();
        assert_eq!(on_disk, embedded, "add new template files to `embedded!` in templates.rs");
    }

    #[test]
    fn only_njk_files_use_template_syntax() {
        for (path, text) in EMBEDDED {
            let templated = text.contains("${{") || text.contains("{%");
            assert_eq!(
                templated,
                path.ends_with(TEMPLATE_SUFFIX),
                "{path}: template syntax and `.njk` suffix disagree"
            );
        }
    }

    #[test]
    fn overrides_replace_by_output_path_and_language_beats_common() {
        let o = TemplateFile { path: "typescript/Dockerfile".into(), text: "FROM scratch\n".into(), file: FileId(7) };
        let set = resolve(Language::Typescript, &[o]);
        assert_eq!(set["Dockerfile"].text, "FROM scratch\n");
        assert_eq!(set["Dockerfile"].file, Some(FileId(7)));
        assert!(set.contains_key("platform.yaml") && set.contains_key("src/server.ts"));
        assert!(!set.contains_key("go.mod"));
    }

    #[test]
    fn bad_override_paths_are_named() {
        assert!(path_problem("../x").is_some());
        assert!(path_problem("typscript/Dockerfile").unwrap().contains("language directory"));
        assert!(path_problem("service/.njk").is_some());
        assert!(path_problem("README.md").is_none());
        assert!(path_problem("go/Makefile").is_none());
    }
}
