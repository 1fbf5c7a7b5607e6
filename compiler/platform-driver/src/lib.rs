//! `platform-driver`: the pipeline end to end, and the list of backends (STYLE A2, C1).
//!
//! ```text
//! discover → read + parse (parallel) → compile org → compile services (parallel)
//!          → validate → backends per service (parallel) → sink (the writer, or memory)
//! ```
//! Nothing here knows a backend's layout: each backend's files go under
//! `<service>/<backend-id>/` (or `_org/<backend-id>/`), prefixed here.

pub mod codes;

use std::path::{Path, PathBuf};

use platform_compiler as compiler;
use platform_ir as ir;
use platform_ir::{Backend, Diagnostic, FileId, RelPath, SourceFile, Sources, Span};
use platform_syntax::discover;
use platform_syntax::yaml;
use rayon::prelude::*;

/// Every backend, in id order (the order their outputs are merged in; STYLE E5).
pub fn backends() -> Vec<&'static dyn Backend> {
    let mut all: Vec<&'static dyn Backend> = vec![&platform_backstage::Backstage];
    all.push(&platform_github_actions::GithubActions);
    all.push(&platform_grafana::Grafana);
    all.push(&platform_helm::Helm);
    all.push(&platform_prometheus::Prometheus);
    all.push(&platform_terraform::Terraform);
    all.sort_by_key(|b| b.id());
    all
}

/// What to build.
#[derive(Clone, Debug)]
pub struct Inputs {
    /// A directory to search for `platform.yaml` files, or one such file.
    pub root: PathBuf,
    /// An org file to use instead of walking up from each service.
    pub org: Option<PathBuf>,
}

/// The front end's result: every file read, the IR, and the diagnostics.
#[derive(Debug, Default)]
pub struct Frontend {
    /// Every file read, by id (the built-in defaults are [`compiler::BUILTIN_FILE`]).
    pub sources: Sources,
    /// The org of the build (absent when it has errors).
    pub org: Option<ir::Org>,
    /// Resolved services, sorted by name.
    pub services: Vec<ir::Service>,
    /// Sorted diagnostics.
    pub diagnostics: Vec<Diagnostic>,
    /// Where the org came from, relative to the root (for headers).
    pub org_source: String,
    /// The org file of the build, absolute; `None` when the built-in defaults alone apply.
    pub org_file: Option<PathBuf>,
}

impl Frontend {
    /// True when any diagnostic is an error.
    pub fn has_errors(&self) -> bool {
        self.diagnostics.iter().any(Diagnostic::is_error)
    }
}

/// Failures that are not about the content of a file.
#[derive(Debug)]
pub enum LoadError {
    /// The root does not exist.
    NoSuchPath(PathBuf),
    /// No `platform.yaml` below the root.
    NothingFound(PathBuf),
    /// The directory walk failed.
    Walk(String),
}

impl std::fmt::Display for LoadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            LoadError::NoSuchPath(p) => write!(f, "`{}` does not exist", p.display()),
            LoadError::NothingFound(p) => write!(
                f,
                "no `platform.yaml` found under `{}`; create one with `platform new service NAME`",
                p.display()
            ),
            LoadError::Walk(e) => write!(f, "cannot search for inputs: {e}"),
        }
    }
}

impl std::error::Error for LoadError {}

/// The directory paths are taken relative to, for a root that may be a file.
fn root_dir(root: &Path) -> &Path {
    if root.is_file() { root.parent().unwrap_or(Path::new(".")) } else { root }
}

fn rel_display(root: &Path, path: &Path) -> String {
    discover::relative(root_dir(root), path)
}

/// A path as people see it: relative to the current directory when below it.
pub fn display(path: &Path) -> String {
    let cwd = discover::absolute(Path::new("."));
    match discover::absolute(path).strip_prefix(&cwd) {
        Ok(rel) if !rel.as_os_str().is_empty() => rel.to_string_lossy().into_owned(),
        _ => path.to_string_lossy().into_owned(),
    }
}

/// The org a build compiles against: the org file most of its services are under (on a
/// tie, an org file before none, then the first path).
fn main_org(org_paths: &[Option<PathBuf>]) -> Option<PathBuf> {
    let mut counts: std::collections::BTreeMap<(bool, &Option<PathBuf>), usize> = std::collections::BTreeMap::new();
    for p in org_paths {
        *counts.entry((p.is_none(), p)).or_default() += 1;
    }
    let best = counts.values().copied().max().unwrap_or(0);
    counts.into_iter().find(|(_, n)| *n == best).and_then(|((_, p), _)| p.clone())
}

/// An org for a diagnostic: its file relative to the build root, or the built-in defaults.
fn org_name(root: &Path, org: Option<&Path>) -> String {
    match org {
        Some(p) => format!("`{}`", rel_display(root, p)),
        None => "the built-in defaults (no `platform-org.yaml` above it)".to_owned(),
    }
}

/// Discover, read, parse, compile and validate.
pub fn load(inputs: &Inputs) -> Result<Frontend, LoadError> {
    if !inputs.root.exists() {
        return Err(LoadError::NoSuchPath(inputs.root.clone()));
    }
    let (paths, walk_errors) = discover::service_files(&inputs.root);
    if let Some(e) = walk_errors.into_iter().next() {
        return Err(LoadError::Walk(e));
    }
    if paths.is_empty() {
        return Err(LoadError::NothingFound(inputs.root.clone()));
    }
    Ok(load_paths(inputs, &paths))
}

/// Like [`load`], for checking one file as an editor does on save: when `inputs.root` is a
/// `platform.yaml`, every service of its repository is loaded with it (from the directory of
/// its org file, else the repository root), so its dependencies resolve as in the
/// repository's build, and only the findings in that file (and in its org file) are kept,
/// with only its service. A directory root is loaded as by [`load`].
pub fn load_one_in_context(inputs: &Inputs) -> Result<Frontend, LoadError> {
    if !inputs.root.is_file() {
        return load(inputs);
    }
    let file = discover::absolute(&inputs.root);
    let dir = file.parent().map_or_else(|| file.clone(), Path::to_path_buf);
    let org = match &inputs.org {
        Some(o) => Some(discover::absolute(o)),
        None => discover::org_file_for(&dir),
    };
    let base = discover::build_root(&dir, org.as_deref());
    if !file.starts_with(&base) {
        return load(inputs);
    }
    // Paths as the user sees them: relative to the current directory when below it.
    let cwd = discover::absolute(Path::new("."));
    let shown = if base.starts_with(&cwd) { PathBuf::from(discover::relative(&cwd, &base)) } else { base.clone() };
    let (mut paths, walk_errors) = discover::service_files(&shown);
    if let Some(e) = walk_errors.into_iter().next() {
        return Err(LoadError::Walk(e));
    }
    let services: std::collections::BTreeSet<PathBuf> = paths.iter().map(|p| discover::absolute(p)).collect();
    if !services.contains(&file) {
        paths.push(inputs.root.clone());
        paths.sort();
    }
    let mut fe = load_paths(&Inputs { root: shown, org: inputs.org.clone() }, &paths);
    // Each source once: this file, another service's file (whose findings are its own), or
    // the org file and the defaults (whose findings stay).
    let mut id = None;
    let mut others = std::collections::BTreeSet::new();
    for i in 0..fe.sources.len() {
        let fid = FileId(u32::try_from(i).unwrap_or(u32::MAX));
        let path = discover::absolute(Path::new(&fe.sources.get(fid).path));
        if path == file {
            id = Some(fid);
        } else if services.contains(&path) {
            others.insert(fid);
        }
    }
    let Some(id) = id else { return Ok(fe) };
    fe.diagnostics.retain(|d| !others.contains(&d.primary.span.file));
    fe.services.retain(|s| s.source == id);
    Ok(fe)
}

/// Like [`load`], for an explicit list of service files (tests use it to shuffle the order).
pub fn load_paths(inputs: &Inputs, paths: &[PathBuf]) -> Frontend {
    let mut fe = Frontend::default();
    let builtin_id = fe.sources.add(SourceFile::new(compiler::defaults::BUILTIN_NAME, compiler::defaults::BUILTIN));
    debug_assert_eq!(builtin_id, compiler::BUILTIN_FILE);
    let builtin = match yaml::parse(compiler::defaults::BUILTIN, builtin_id) {
        Ok(n) => n,
        Err(d) => unreachable!("the built-in defaults must parse: {}", d.message),
    };

    // Org files: the explicit one, or the nearest above each service's own directory
    // (`None`: no org file, the built-in defaults alone). One spelling per file.
    let org_paths: Vec<Option<PathBuf>> = match &inputs.org {
        Some(o) => vec![Some(discover::absolute(o)); paths.len()],
        None => discover::org_files_for(paths.iter().map(|p| p.parent().unwrap_or(Path::new(".")))),
    };
    let main_org = main_org(&org_paths);
    fe.org_file = main_org.clone();
    fe.org_source = match &main_org {
        Some(p) => rel_display(&inputs.root, p),
        None => compiler::defaults::BUILTIN_NAME.to_owned(),
    };
    let org_node = match &main_org {
        None => None,
        Some(p) => {
            let id = FileId(u32::try_from(fe.sources.len()).unwrap_or(u32::MAX));
            let (file, problem) = platform_syntax::read::read_file(p, &display(p), id);
            let text = file.text.clone();
            fe.sources.add(file);
            match problem {
                Some(d) => {
                    fe.diagnostics.push(d);
                    return finish(fe);
                }
                None => match yaml::parse(&text, id) {
                    Ok(n) => Some(n),
                    Err(d) => {
                        fe.diagnostics.push(d);
                        return finish(fe);
                    }
                },
            }
        }
    };

    let (org, org_diags) = compiler::compile_org(&compiler::OrgInput { builtin: &builtin, file: org_node.as_ref() });
    fe.diagnostics.extend(org_diags);

    // Service files: ids in sorted path order; each is read, parsed and lowered in one
    // parallel step, and its YAML tree dropped at once, so memory holds sources and IR only.
    // A service under another org than the build's is read and reported, never lowered
    // against an org that is not its own.
    let base = u32::try_from(fe.sources.len()).unwrap_or(u32::MAX);
    let compiled: Vec<(SourceFile, Option<ir::Service>, Vec<Diagnostic>)> = paths
        .par_iter()
        .zip(&org_paths)
        .enumerate()
        .map(|(i, (p, org_path))| {
            let id = FileId(base + u32::try_from(i).unwrap_or(u32::MAX));
            let (file, problem) = platform_syntax::read::read_file(p, &p.to_string_lossy(), id);
            if let Some(d) = problem {
                return (file, None, vec![d]);
            }
            let node = match yaml::parse(&file.text, id) {
                Ok(n) => n,
                Err(d) => return (file, None, vec![d]),
            };
            if *org_path != main_org {
                let d = Diagnostic::error(
                    &codes::DRV001,
                    format!(
                        "this service's org is {}, but the build's is {}",
                        org_name(&inputs.root, org_path.as_deref()),
                        org_name(&inputs.root, main_org.as_deref())
                    ),
                    Span::new(id, 0, 0),
                    "service under another org",
                    "a build compiles against one org: build each org's services separately \
                     (`platform build DIR` per org), or name one org file for all with `--org`",
                );
                return (file, None, vec![d]);
            }
            let Some(org) = &org else { return (file, None, Vec::new()) };
            let dir = rel_display(&inputs.root, p.parent().unwrap_or(Path::new(".")));
            let (svc, diags) =
                compiler::compile_service(org, &compiler::ServiceInput { node: &node, dir: &dir, org: 0 });
            (file, svc, diags)
        })
        .collect();

    fe.services.reserve(compiled.len());
    for (file, svc, diags) in compiled {
        fe.sources.add(file);
        fe.diagnostics.extend(diags);
        if let Some(s) = svc {
            fe.services.push(s);
        }
    }
    let Some(org) = org else { return finish(fe) };
    fe.services.sort_by(|a, b| a.name.value.cmp(&b.name.value).then(a.source.cmp(&b.source)));
    let orgs = [org];
    let diags = compiler::validate::validate(&orgs, &mut fe.services);
    fe.diagnostics.extend(diags);
    let [org] = orgs;
    fe.org = Some(org);
    finish(fe)
}

fn finish(mut fe: Frontend) -> Frontend {
    compiler::finish(&mut fe.diagnostics);
    fe
}

/// Which backends to run.
pub fn select(only: &[String]) -> Result<Vec<&'static dyn Backend>, String> {
    let all = backends();
    if only.is_empty() {
        return Ok(all);
    }
    let mut out = Vec::new();
    for name in only {
        match all.iter().find(|b| b.id().0 == name) {
            Some(b) => out.push(*b),
            None => {
                let ids: Vec<&str> = all.iter().map(|b| b.id().0).collect();
                return Err(format!("unknown backend `{name}`; the backends are {}", ids.join(", ")));
            }
        }
    }
    out.sort_by_key(|b| b.id());
    out.dedup_by_key(|b| b.id());
    Ok(out)
}

/// Where [`emit`] hands each finished file: its output path and bytes.
pub type Sink<'a, E> = dyn Fn(&RelPath, &[u8]) -> Result<(), E> + Sync + 'a;

/// Run `backends` over every service and the org, handing each finished file (header
/// applied) to `sink`. Services run in parallel; a service's files are produced and
/// dropped before the next, so memory stays flat however many services there are.
/// Returns the backends' diagnostics (sorted) and the first sink error, if any.
pub fn emit<E: Send>(fe: &Frontend, backends: &[&dyn Backend], sink: &Sink<'_, E>) -> (Vec<Diagnostic>, Result<(), E>) {
    let Some(org) = &fe.org else { return (Vec::new(), Ok(())) };
    let services: Vec<&ir::Service> = fe.services.iter().collect();
    // The org-wide files (one serial piece of work each, which grows with the services)
    // are built beside the services' files rather than after them.
    let per_org = || -> Vec<(Vec<Diagnostic>, Result<(), E>)> {
        backends
            .par_iter()
            .map(|b| {
                let mut diags = Vec::new();
                let r = put_org_files(fe, b.emit_org(org, &services), &ir::backend::org_dir(b.id()), &mut diags, sink);
                (diags, r)
            })
            .collect()
    };
    let per_service = || -> Vec<(Vec<Diagnostic>, Result<(), E>)> {
        fe.services
            .par_iter()
            .map(|svc| {
                let source = service_source(svc);
                let mut diags = Vec::new();
                for b in backends {
                    let out = b.emit_service(org, svc);
                    diags.extend(out.diagnostics);
                    let Some(prefix) = RelPath::new(ir::backend::service_dir(&svc.name.value, b.id())) else {
                        continue;
                    };
                    for (path, art) in out.artifacts.iter() {
                        let bytes = platform_emit::header(art.format, &source, &art.contents);
                        if let Err(e) = sink(&path.join_under(&prefix), bytes.as_bytes()) {
                            return (diags, Err(e));
                        }
                    }
                }
                (diags, Ok(()))
            })
            .collect()
    };
    let (per_service, per_org) = rayon::join(per_service, per_org);
    let mut diags = Vec::new();
    let mut result = Ok(());
    for (d, r) in per_service.into_iter().chain(per_org) {
        diags.extend(d);
        if result.is_ok() {
            result = r;
        }
    }
    compiler::finish(&mut diags);
    (diags, result)
}

/// Hand one backend's org-wide files to `sink` under `dir` (their headers name the org
/// file), keeping its diagnostics. Every file is handed even after a sink error; the first
/// error is returned.
fn put_org_files<E>(
    fe: &Frontend,
    out: ir::Emitted,
    dir: &str,
    diags: &mut Vec<Diagnostic>,
    sink: &Sink<'_, E>,
) -> Result<(), E> {
    diags.extend(out.diagnostics);
    let mut result = Ok(());
    let Some(prefix) = RelPath::new(dir) else { return result };
    for (path, art) in out.artifacts.iter() {
        let bytes = platform_emit::header(art.format, &fe.org_source, &art.contents);
        if let Err(e) = sink(&path.join_under(&prefix), bytes.as_bytes())
            && result.is_ok()
        {
            result = Err(e);
        }
    }
    result
}

/// Run `backends` for the org's shared packages, handing each finished file (header applied)
/// to `sink` under `<backend>/` ([`ir::backend::packages_dir`]). Returns the backends'
/// diagnostics (sorted) and the first sink error, if any.
pub fn emit_packages<E>(
    fe: &Frontend,
    backends: &[&dyn Backend],
    sink: &Sink<'_, E>,
) -> (Vec<Diagnostic>, Result<(), E>) {
    let Some(org) = &fe.org else { return (Vec::new(), Ok(())) };
    let mut diags = Vec::new();
    let mut result = Ok(());
    for b in backends {
        let r = put_org_files(fe, b.emit_packages(org), &ir::backend::packages_dir(b.id()), &mut diags, sink);
        if result.is_ok() {
            result = r;
        }
    }
    compiler::finish(&mut diags);
    (diags, result)
}

/// The source a service's files name in their header: its `platform.yaml`, relative to the
/// build root.
fn service_source(svc: &ir::Service) -> String {
    if svc.dir == "." { "platform.yaml".to_owned() } else { format!("{}/platform.yaml", svc.dir) }
}

/// The files one backend generates for one owner (a service's name, or `_org`), built
/// anew, with the source their headers name. `None` when the build has no such owner or
/// backend.
pub fn artifacts(fe: &Frontend, owner: &str, backend: &str) -> Option<(ir::ArtifactSet, String)> {
    let org = fe.org.as_ref()?;
    let b = backends().into_iter().find(|b| b.id().0 == backend)?;
    if owner == "_org" {
        let services: Vec<&ir::Service> = fe.services.iter().collect();
        return Some((b.emit_org(org, &services).artifacts, fe.org_source.clone()));
    }
    let svc = fe.services.iter().find(|s| s.name.value == owner)?;
    Some((b.emit_service(org, svc).artifacts, service_source(svc)))
}

/// One generated file built anew, by its path relative to the output root
/// (`<service>/<backend>/…` or `_org/<backend>/…`): the artifact, and the source its header
/// names. `None` when no service or backend of the build has that file.
pub fn artifact(fe: &Frontend, rel: &str) -> Option<(ir::Artifact, String)> {
    let mut parts = rel.splitn(3, '/');
    let (owner, backend, file) = (parts.next()?, parts.next()?, parts.next()?);
    let (mut set, source) = artifacts(fe, owner, backend)?;
    set.0.remove(&RelPath::new(file)?).map(|a| (a, source))
}

/// Every diagnostic code of every crate, sorted by id (for `platform explain` and the book).
pub fn codes() -> Vec<&'static ir::Code> {
    let mut all: Vec<&'static ir::Code> = Vec::new();
    all.extend_from_slice(ir::codes::ALL);
    all.extend_from_slice(platform_syntax::codes::ALL);
    all.extend_from_slice(compiler::codes::ALL);
    all.extend_from_slice(compiler::risks::codes::ALL);
    all.extend_from_slice(codes::ALL);
    all.extend_from_slice(platform_scaffold::codes::ALL);
    all.extend_from_slice(platform_github_actions::codes::ALL);
    all.extend_from_slice(platform_grafana::codes::ALL);
    all.extend_from_slice(platform_helm::codes::ALL);
    all.extend_from_slice(platform_prometheus::codes::ALL);
    all.extend_from_slice(platform_terraform::codes::ALL);
    all.sort_by_key(|c| c.id);
    all
}
