//! The commands.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use platform_driver::{Frontend, Inputs};
use platform_emit::{Drift, Mode, Writer};
use platform_ir::{Diagnostic, Severity};

use crate::InputArgs;
use crate::render::{self, Format};

/// Which schema `platform schema` prints.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum SchemaKind {
    /// `platform.yaml`.
    Service,
    /// `platform-org.yaml`.
    Org,
}

fn inputs(a: &InputArgs) -> Inputs {
    Inputs { root: a.path.clone(), org: a.org.clone() }
}

/// Print diagnostics (to stdout for JSON, stderr otherwise) and a summary line.
fn report(a: &InputArgs, fe_sources: &platform_ir::Sources, diags: &[Diagnostic]) {
    let text = render::render(a.format, fe_sources, diags, crate::color());
    match a.format {
        Format::Json => print!("{text}"),
        _ => eprint!("{text}"),
    }
    let errors = diags.iter().filter(|d| d.severity == Severity::Error).count();
    let warnings = diags.len() - errors;
    if a.format == Format::Human && !diags.is_empty() {
        let plural = |n: usize, w: &str| format!("{n} {w}{}", if n == 1 { "" } else { "s" });
        if errors > 0 {
            eprintln!("error: could not compile: {}, {}", plural(errors, "error"), plural(warnings, "warning"));
        } else {
            eprintln!("warning: {}", plural(warnings, "warning"));
        }
    }
}

/// Say on stderr which org file a build uses, or that none was found: a build with the
/// built-in placeholders must never pass for one with the org's settings.
pub fn say_org(fe: &Frontend) {
    match &fe.org_file {
        Some(p) => eprintln!("note: org file `{}`", platform_driver::display(p)),
        None => eprintln!(
            "note: no `platform-org.yaml` found from the services up to the repository root; \
             using the built-in defaults (placeholder account, region and registry)"
        ),
    }
}

fn load(a: &InputArgs) -> anyhow::Result<Result<Frontend, ExitCode>> {
    match platform_driver::load(&inputs(a)) {
        Ok(fe) => {
            say_org(&fe);
            Ok(Ok(fe))
        }
        Err(e) => Ok(Err(load_failed(a, &e))),
    }
}

/// The inputs could not be found or searched: say so on stderr and, in JSON, still print
/// the one document a machine waits for, with the reason under `error`.
fn load_failed(a: &InputArgs, e: &platform_driver::LoadError) -> ExitCode {
    eprintln!("error: {e}");
    if a.format == Format::Json {
        let mut doc = render::json::document(&platform_ir::Sources::default(), &[]);
        doc["errors"] = serde_json::json!(1);
        doc["error"] = serde_json::json!(e.to_string());
        print!("{}", render::json::to_text(&doc));
    }
    ExitCode::from(1)
}

/// `platform validate`: a directory as `build` compiles it; one `platform.yaml` in the
/// context of its repository (see [`platform_driver::load_one_in_context`]).
pub fn validate(a: &InputArgs) -> anyhow::Result<ExitCode> {
    let fe = match platform_driver::load_one_in_context(&inputs(a)) {
        Ok(fe) => {
            say_org(&fe);
            fe
        }
        Err(e) => return Ok(load_failed(a, &e)),
    };
    let mut diags = fe.diagnostics.clone();
    if !fe.has_errors() {
        // Backends check what only they know (e.g. a value one target cannot take); run
        // them and discard their files.
        let backends = platform_driver::backends();
        let (backend_diags, _) = platform_driver::emit(&fe, &backends, &|_, _| Ok::<(), ()>(()));
        diags.extend(backend_diags);
        platform_compiler::finish(&mut diags);
    }
    report(a, &fe.sources, &diags);
    if diags.iter().any(Diagnostic::is_error) {
        return Ok(ExitCode::from(1));
    }
    if a.format == Format::Human {
        eprintln!("ok: {} service{} valid", fe.services.len(), if fe.services.len() == 1 { "" } else { "s" });
    }
    Ok(ExitCode::SUCCESS)
}

/// The default output directory: `generated/` in the build directory.
pub fn default_out(path: &Path) -> PathBuf {
    let dir = if path.is_file() { path.parent().unwrap_or(Path::new(".")) } else { path };
    dir.join("generated")
}

/// `platform build`.
pub fn build(
    a: &InputArgs,
    out: Option<PathBuf>,
    org_packages: Option<PathBuf>,
    check: bool,
    only: &[String],
) -> anyhow::Result<ExitCode> {
    let backends = match platform_driver::select(only) {
        Ok(b) => b,
        Err(e) => {
            eprintln!("error: {e}");
            return Ok(ExitCode::from(2));
        }
    };
    let fe = match load(a)? {
        Ok(fe) => fe,
        Err(code) => return Ok(code),
    };
    if fe.has_errors() {
        report(a, &fe.sources, &fe.diagnostics);
        return Ok(ExitCode::from(1));
    }
    let out = out.unwrap_or_else(|| default_out(&a.path));
    let mode = if check { Mode::Check } else { Mode::Write };
    let ids: Vec<&'static str> = backends.iter().map(|b| b.id().0).collect();
    let mut writer = Writer::begin(&out, mode).with_context(|| format!("preparing `{}`", out.display()))?;
    if !only.is_empty() {
        // `--only` owns its backends' files and nothing else: the rest of the tree stays.
        let ids = ids.clone();
        writer =
            writer.scope(Box::new(move |rel| platform_ir::backend::backend_of(rel).is_some_and(|b| ids.contains(&b))));
    }
    let mut packages = match &org_packages {
        None => None,
        Some(dir) => {
            let w = Writer::begin(dir, mode).with_context(|| format!("preparing `{}`", dir.display()))?;
            // The packages directory holds one subdirectory per backend.
            let w = if only.is_empty() {
                w
            } else {
                w.scope(Box::new(move |rel| rel.split('/').next().is_some_and(|b| ids.contains(&b))))
            };
            Some((dir.clone(), w))
        }
    };
    let (mut backend_diags, mut sink_result) = platform_driver::emit(&fe, &backends, &|p, b| writer.put(p, b));
    if let Some((_, w)) = &packages {
        let (d, r) = platform_driver::emit_packages(&fe, &backends, &|p, b| w.put(p, b));
        backend_diags.extend(d);
        if sink_result.is_ok() {
            sink_result = r;
        }
    }
    let mut diags = fe.diagnostics.clone();
    diags.extend(backend_diags);
    platform_compiler::finish(&mut diags);
    let failed = diags.iter().any(Diagnostic::is_error) || sink_result.is_err();
    if failed {
        report(a, &fe.sources, &diags);
        writer.abort();
        if let Some((_, w)) = packages.take() {
            w.abort();
        }
        return match sink_result {
            Ok(()) => Ok(ExitCode::from(1)),
            Err(e) => Err(e).context("writing the output"),
        };
    }
    let mut trees = vec![(out.clone(), writer.finish().context("finishing the output")?)];
    if let Some((dir, w)) = packages {
        trees.push((dir, w.finish().context("finishing the org packages")?));
    }
    let n = fe.services.len();
    let services = format!("{n} service{}", if n == 1 { "" } else { "s" });
    if check {
        let mut stale = false;
        for (dir, rep) in &trees {
            check_report(a, &fe.sources, &diags, dir, &rep.drift);
            if rep.drift.is_empty() {
                eprintln!("ok: `{}` is up to date ({services}, {} files)", dir.display(), rep.files);
            } else {
                stale = true;
                eprintln!(
                    "error: `{}` is out of date: {} file{} differ; run `platform build` and commit the result",
                    dir.display(),
                    rep.drift.len(),
                    if rep.drift.len() == 1 { "" } else { "s" }
                );
            }
        }
        return Ok(if stale { ExitCode::from(1) } else { ExitCode::SUCCESS });
    }
    report(a, &fe.sources, &diags);
    for (i, (dir, rep)) in trees.iter().enumerate() {
        let what = if i == 0 { services.clone() } else { "the org packages".to_owned() };
        let kept = if rep.kept > 0 { format!(", {} of other backends kept", rep.kept) } else { String::new() };
        eprintln!(
            "built {what} into `{}`: {} files ({} written, {} unchanged, {} removed{kept})",
            dir.display(),
            rep.files,
            rep.written,
            rep.unchanged,
            rep.removed
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// The findings of `build --check` in the chosen format: diagnostics and drift together,
/// so JSON stays one document and GitHub gets one annotation per drifted file.
fn check_report(a: &InputArgs, sources: &platform_ir::Sources, diags: &[Diagnostic], out: &Path, drift: &[Drift]) {
    let path = |p: &str| out.join(p).to_string_lossy().replace('\\', "/");
    match a.format {
        Format::Json => {
            let mut doc = render::json::document(sources, diags);
            doc["upToDate"] = serde_json::json!(drift.is_empty());
            doc["drift"] = drift
                .iter()
                .map(|d| {
                    let (status, rel, diff) = drift_parts(d);
                    serde_json::json!({ "path": path(rel), "status": status, "diff": diff })
                })
                .collect();
            print!("{}", render::json::to_text(&doc));
        }
        Format::Github => {
            report(a, sources, diags);
            for d in drift {
                let (status, rel, _) = drift_parts(d);
                print!("{}", render::github::drift(&path(rel), status));
            }
        }
        Format::Short => {
            report(a, sources, diags);
            for d in drift {
                let (status, rel, _) = drift_parts(d);
                println!("{}: drift: {status}", path(rel));
            }
        }
        Format::Markdown => {
            report(a, sources, diags);
            for d in drift {
                let (status, rel, _) = drift_parts(d);
                println!("- {} is {status}", render::markdown::text(&path(rel)));
            }
        }
        Format::Human => {
            report(a, sources, diags);
            for d in drift {
                match d {
                    Drift::Changed(_, diff) => print!("{diff}"),
                    other => println!("{other}"),
                }
            }
        }
    }
}

/// A drift's status word, path and diff (empty unless changed).
fn drift_parts(d: &Drift) -> (&'static str, &str, &str) {
    match d {
        Drift::Missing(p) => ("missing", p, ""),
        Drift::Changed(p, diff) => ("changed", p, diff),
        Drift::Stale(p) => ("stale", p, ""),
        Drift::NotRegular(p, _) => ("not-regular", p, ""),
    }
}

/// `platform schema`.
pub fn schema(kind: SchemaKind, out: Option<PathBuf>) -> anyhow::Result<ExitCode> {
    let service = platform_compiler::schema::service_schema();
    let org = platform_compiler::schema::org_schema();
    match out {
        Some(dir) => {
            std::fs::create_dir_all(&dir).with_context(|| format!("creating `{}`", dir.display()))?;
            std::fs::write(dir.join("platform.schema.json"), service)?;
            std::fs::write(dir.join("platform-org.schema.json"), org)?;
        }
        None => print!("{}", if kind == SchemaKind::Service { service } else { org }),
    }
    Ok(ExitCode::SUCCESS)
}

/// `platform explain`.
pub fn explain(code: Option<&str>) -> ExitCode {
    let all = platform_driver::codes();
    let Some(code) = code else {
        for c in &all {
            println!("{}  {:<32} {}", c.id, c.name, c.summary);
        }
        return ExitCode::SUCCESS;
    };
    match all.iter().find(|c| c.id.eq_ignore_ascii_case(code) || c.name == code) {
        Some(c) => {
            println!("{} ({}): {}\n\n{}", c.id, c.name, c.summary, c.docs);
            ExitCode::SUCCESS
        }
        None => {
            eprintln!("error: unknown code `{code}`; `platform explain` lists them all");
            ExitCode::from(1)
        }
    }
}
