//! `platform explain PATH[:LINE]`: from a generated line back to the input that produced
//! it. The file is built anew from the inputs; its artifact carries where each part comes
//! from by key path (`Artifact::origins`, set by its backend) and the file as a whole
//! (`Artifact::provenance`). The line's key path is read from the file itself (YAML and
//! JSON through the compiler's own parser, HCL by its blocks and arguments), and the
//! longest recorded key path that holds it names the input span.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use platform_driver::{Frontend, Inputs};
use platform_ir::{Artifact, Format, Sources, Span};
use platform_syntax::yaml::{Kind, Node};

/// Where a generated line comes from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Resolved {
    /// The input span.
    pub span: Span,
    /// The key path of the line (`replicaCount`, `database.instance_class`), if it has one.
    pub key: Option<String>,
    /// The recorded key path that named the span; `None`: the file's own provenance.
    pub by: Option<String>,
}

/// Split `PATH:LINE` (the line is optional).
pub fn split(arg: &str) -> (&str, Option<u32>) {
    match arg.rsplit_once(':') {
        Some((p, l)) if !l.is_empty() && l.bytes().all(|b| b.is_ascii_digit()) => (p, l.parse().ok()),
        _ => (arg, None),
    }
}

/// The output-relative path of a generated file (`<service>/<backend>/…`) and the build
/// root above its output directory, read from where it is: the first component followed by
/// a backend's id starts it.
pub fn locate(path: &str) -> Option<(String, PathBuf)> {
    let parts: Vec<&str> = path.split('/').filter(|p| !p.is_empty() && *p != ".").collect();
    let backends = platform_driver::select(&[]).ok()?;
    let at = (0..parts.len().saturating_sub(2)).find(|&i| backends.iter().any(|b| b.id().0 == parts[i + 1]))?;
    let rel = parts[at..].join("/");
    let out: PathBuf = parts[..at].iter().collect();
    let root = out.parent().map_or_else(
        || PathBuf::from("."),
        |p| if p.as_os_str().is_empty() { PathBuf::from(".") } else { p.to_path_buf() },
    );
    Some((rel, root))
}

/// The key path of the node at byte `offset` of a YAML (or JSON) document.
fn yaml_path(node: &Node, offset: u32, path: &mut Vec<String>) {
    match &node.kind {
        Kind::Map(entries) => {
            for (k, v) in entries {
                let holds = k.span.start <= offset && offset < k.span.end.max(k.span.start + 1)
                    || v.span.start <= offset && offset < v.span.end;
                if holds {
                    path.push(k.name.clone());
                    yaml_path(v, offset, path);
                    return;
                }
            }
        }
        Kind::Seq(items) => {
            for (i, item) in items.iter().enumerate() {
                if item.span.start <= offset && offset < item.span.end.max(item.span.start + 1) {
                    path.push(format!("[{i}]"));
                    yaml_path(item, offset, path);
                    return;
                }
            }
        }
        _ => {}
    }
}

/// The key path of line `line` (1-based) of an HCL file: a block's address
/// (`aws_db_instance.this`, `module.api`, `variable.names`), or a variable's name with one
/// level of map key (`database.instance_class`).
fn hcl_path(text: &str, line: usize) -> Option<String> {
    let mut top: Option<String> = None;
    let mut sub: Option<String> = None;
    for l in text.lines().take(line) {
        if l.trim().is_empty() || l.trim_start().starts_with('#') {
            continue;
        }
        if !l.starts_with(' ') && !l.starts_with('}') {
            let (word, labels) = crate::changes::terraform::head_of(l);
            top = Some(match (word.as_str(), labels.as_slice()) {
                ("resource" | "data", [t, n]) => format!("{t}.{n}"),
                (_, []) => word,
                (_, labels) => format!("{word}.{}", labels.join(".")),
            });
            sub = None;
        } else if l.starts_with("  ") && !l.starts_with("   ") {
            let key = crate::changes::terraform::key_of(l);
            if !key.is_empty() && !key.starts_with('}') && !key.starts_with(']') {
                sub = Some(key);
            }
        }
    }
    match (top, sub) {
        (Some(t), Some(s)) => Some(format!("{t}.{s}")),
        (t, _) => t,
    }
}

/// How many lines the do-not-edit header adds above a file's contents.
pub fn header_lines(format: Format, source: &str) -> usize {
    platform_emit::header(format, source, "x").lines().count() - 1
}

/// Whether recorded key `key` holds the line's key path `path`.
fn holds(key: &str, path: &str) -> bool {
    path == key || path.starts_with(key) && matches!(path.as_bytes().get(key.len()), Some(b'.' | b'['))
}

/// The key path of each line of an artifact's contents (index 0: its first line), read
/// once: YAML and JSON through the compiler's parser, HCL by blocks and arguments.
fn keys(artifact: &Artifact) -> Vec<Option<String>> {
    let text = &artifact.contents;
    let lines = text.lines().count();
    match artifact.format {
        Format::Yaml | Format::Json => {
            // Each document on its own, offsets from its start.
            let mut out = vec![None; lines];
            for (document, (first, doc)) in crate::changes::documents::yaml_documents(text).into_iter().enumerate() {
                let Ok(node) = platform_syntax::yaml::parse(doc, platform_ir::FileId(0)) else { continue };
                let mut start = 0;
                for (k, line) in doc.split_inclusive('\n').enumerate() {
                    let indent = line.bytes().take_while(|b| *b == b' ' || *b == b'-').count();
                    let mut path = Vec::new();
                    if let Ok(at) = u32::try_from(start + indent) {
                        yaml_path(&node, at, &mut path);
                    }
                    // A later document's paths start with its index (`[1].metadata.name`): the
                    // origins recorded by plain key path are the first document's.
                    if document > 0 && !path.is_empty() {
                        path.insert(0, format!("[{document}]"));
                    }
                    if let Some(slot) = out.get_mut(first + k) {
                        *slot = (!path.is_empty()).then(|| path.join(".").replace(".[", "["));
                    }
                    start += line.len();
                }
            }
            out
        }
        Format::Hcl => (1..=lines).map(|l| hcl_path(text, l)).collect(),
        _ => vec![None; lines],
    }
}

/// Where each line (header included) of `artifact` comes from, in order.
pub fn resolve_all(artifact: &Artifact, header_lines: usize) -> Vec<Option<Resolved>> {
    let keys = keys(artifact);
    let head = std::iter::repeat_n(None, header_lines);
    head.chain(keys.into_iter().map(Some)).map(|k| pick(artifact, k.flatten())).collect()
}

/// Where line `line` (1-based, header included) of `artifact` comes from.
pub fn resolve(artifact: &Artifact, header_lines: usize, line: usize) -> Option<Resolved> {
    resolve_all(artifact, header_lines).into_iter().nth(line.checked_sub(1)?).flatten()
}

/// The recorded origin of the part of `artifact` at key path `key` (no fallback to the
/// file's provenance): the longest recorded key that holds it, or for a key that opens a
/// mapping (`resources`), the first recorded key inside it; with the input span.
pub fn origin(artifact: &Artifact, key: &str) -> Option<(String, Span)> {
    // The first of the longest: origins are recorded most telling first.
    let longest = artifact.origins.iter().filter(|(o, _)| holds(o, key)).fold(None::<&(String, Span)>, |best, o| {
        if best.is_none_or(|b| o.0.len() > b.0.len()) { Some(o) } else { best }
    });
    longest.or_else(|| artifact.origins.iter().find(|(o, _)| holds(key, o))).cloned()
}

/// The recorded origin of a line with key path `key`; the file's own provenance without one.
fn pick(artifact: &Artifact, key: Option<String>) -> Option<Resolved> {
    let by = key.as_deref().and_then(|k| origin(artifact, k));
    match by {
        Some((name, span)) => Some(Resolved { span, key, by: Some(name) }),
        None => artifact.provenance.first().map(|span| Resolved { span: *span, key, by: None }),
    }
}

fn describe(sources: &Sources, fe: &Frontend, span: Span) -> String {
    let f = sources.get(span.file);
    let (line, col) = f.line_col(span.start);
    let what = if span.file == platform_compiler::BUILTIN_FILE {
        "the built-in defaults; `platform explain --defaults` prints them".to_owned()
    } else if fe.org_file.as_ref().is_some_and(|o| platform_driver::display(o) == f.path) {
        "the org file".to_owned()
    } else {
        "a service file".to_owned()
    };
    let text = crate::render::inert(f.slice(span).lines().next().unwrap_or("").trim());
    format!("{}:{line}:{col} ({what}): `{text}`", crate::render::inert(&f.path))
}

/// `platform explain PATH[:LINE]`.
pub fn explain(arg: &str, root: Option<&Path>, org: Option<PathBuf>) -> anyhow::Result<ExitCode> {
    let (path, line) = split(arg);
    let Some((rel, found_root)) = locate(path) else {
        eprintln!("error: `{path}` is no generated file: its path has no `<service>/<backend>/` part");
        return Ok(ExitCode::from(1));
    };
    let root = root.map_or(found_root, Path::to_path_buf);
    let fe = match platform_driver::load(&Inputs { root: root.clone(), org }) {
        Ok(fe) => fe,
        Err(e) => anyhow::bail!("{e}"),
    };
    if fe.has_errors() {
        eprintln!("error: the inputs under `{}` do not compile; `platform validate` shows why", root.display());
        return Ok(ExitCode::from(1));
    }
    let Some((artifact, source)) = platform_driver::artifact(&fe, &rel) else {
        eprintln!("error: the inputs under `{}` generate no `{rel}`", root.display());
        return Ok(ExitCode::from(1));
    };
    let header_lines = header_lines(artifact.format, &source);
    match line {
        Some(line) => {
            let full = platform_emit::header(artifact.format, &source, &artifact.contents);
            let Some(text) = full.lines().nth((line as usize).saturating_sub(1)).filter(|_| line > 0) else {
                eprintln!("error: `{rel}` has {} lines", full.lines().count());
                return Ok(ExitCode::from(1));
            };
            println!("{path}:{line}: `{}`", crate::render::inert(text.trim()));
            match resolve(&artifact, header_lines, line as usize) {
                Some(r) => {
                    if let Some(k) = &r.key {
                        println!("  key:  {}", crate::render::inert(k));
                    }
                    let how =
                        r.by.as_deref()
                            .map_or("the file as a whole".to_owned(), |b| format!("`{}`", crate::render::inert(b)));
                    println!("  from: {}", describe(&fe.sources, &fe, r.span));
                    println!("  by:   {how}");
                }
                None => println!("  from: no recorded input"),
            }
        }
        None => {
            println!("{path}: generated from");
            for span in &artifact.provenance {
                println!("  {}", describe(&fe.sources, &fe, *span));
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_and_lines_are_read_from_the_argument() {
        assert_eq!(split("generated/a/helm/a/values.yaml:10"), ("generated/a/helm/a/values.yaml", Some(10)));
        assert_eq!(split("generated/a/helm/a/values.yaml"), ("generated/a/helm/a/values.yaml", None));
        let (rel, root) = locate("examples/monorepo/generated/checkout-api/helm/checkout-api/values.yaml").unwrap();
        assert_eq!(rel, "checkout-api/helm/checkout-api/values.yaml");
        assert_eq!(root, PathBuf::from("examples/monorepo"));
        let (rel, root) = locate("generated/_org/terraform/main.tf").unwrap();
        assert_eq!((rel.as_str(), root), ("_org/terraform/main.tf", PathBuf::from(".")));
        assert!(locate("README.md").is_none());
    }

    #[test]
    fn hcl_lines_have_addresses_and_variables() {
        let tf = "resource \"aws_db_instance\" \"this\" {\n  identifier = var.names.database\n}\n\nnames = {\n  iam_role = \"x\"\n}\n";
        assert_eq!(hcl_path(tf, 1).as_deref(), Some("aws_db_instance.this"));
        assert_eq!(hcl_path(tf, 2).as_deref(), Some("aws_db_instance.this.identifier"));
        assert_eq!(hcl_path(tf, 6).as_deref(), Some("names.iam_role"));
        assert!(holds("names", "names.iam_role") && holds("env", "env[0]") && !holds("name", "names"));
    }
}
