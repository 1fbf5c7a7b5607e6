//! `platform diff`: what a change to the inputs does to the generated files.
//!
//! Builds the inputs twice in memory — as they are in the work tree, and as they were at a
//! git revision (exported with `git archive`, never checked out) — and prints the difference
//! of the two output trees, grouped by service and backend. Nothing is written. Changes no
//! apply can make (a database downgrade, a storage shrink: `platform_compiler::changes`) are
//! reported first, as errors, and fail the diff; the risks of the change
//! (`platform_compiler::risks`, rendered by [`crate::review`]) come next, and fail it from
//! the grade `--deny` names.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};

use anyhow::{Context, bail};
use platform_driver::{Frontend, Inputs};

use platform_compiler::risks::Build;

use crate::InputArgs;
use crate::render::Format;
use crate::review::Sides;

type Tree = BTreeMap<String, Vec<u8>>;

pub(crate) fn build(fe: &Frontend, only: &[String]) -> anyhow::Result<Tree> {
    let backends = platform_driver::select(only).map_err(anyhow::Error::msg)?;
    let files = std::sync::Mutex::new(Tree::new());
    let (diags, res) = platform_driver::emit(fe, &backends, &|p, b| {
        files.lock().map_err(|_| ())?.insert(p.as_str().to_owned(), b.to_vec());
        Ok::<(), ()>(())
    });
    if res.is_err() || diags.iter().any(|d| d.is_error()) {
        bail!("a backend reported errors; run `platform build` to see them");
    }
    Ok(files.into_inner().unwrap_or_default())
}

fn git(args: &[&str], dir: &Path) -> anyhow::Result<Vec<u8>> {
    let out = Command::new("git").args(args).current_dir(dir).stderr(Stdio::piped()).output().context("running git")?;
    if !out.status.success() {
        bail!("git {}: {}", args.join(" "), String::from_utf8_lossy(&out.stderr).trim());
    }
    Ok(out.stdout)
}

/// Export the repository at `rev` into a temporary directory; returns it and where `path`
/// lives inside it.
fn export(path: &Path, rev: &str) -> anyhow::Result<(tempfile_dir::TempDir, PathBuf)> {
    let abs = path.canonicalize().with_context(|| format!("`{}`", path.display()))?;
    let dir = if abs.is_file() { abs.parent().unwrap_or(&abs).to_path_buf() } else { abs.clone() };
    let top = String::from_utf8(git(&["rev-parse", "--show-toplevel"], &dir)?)?.trim().to_owned();
    let rel = abs.strip_prefix(&top).unwrap_or(Path::new("")).to_path_buf();
    // A revision is resolved to a commit first, after `--end-of-options`: a "revision" such
    // as `--output=FILE` is never taken as an option of git.
    let commit =
        git(&["rev-parse", "--verify", "--quiet", "--end-of-options", &format!("{rev}^{{commit}}")], Path::new(&top))
            .ok()
            .and_then(|o| String::from_utf8(o).ok())
            .map(|o| o.trim().to_owned())
            .filter(|c| !c.is_empty() && c.bytes().all(|b| b.is_ascii_hexdigit()))
            .with_context(|| format!("`{rev}` is not a commit of this repository"))?;
    let tmp = tempfile_dir::TempDir::new()?;
    let tar = git(&["archive", "--format=tar", "--end-of-options", &commit], Path::new(&top))?;
    let mut child =
        Command::new("tar").args(["-x", "-C"]).arg(tmp.path()).stdin(Stdio::piped()).spawn().context("running tar")?;
    if let Some(mut stdin) = child.stdin.take() {
        use std::io::Write;
        stdin.write_all(&tar)?;
    }
    if !child.wait()?.success() {
        bail!("unpacking `{rev}` failed");
    }
    let old = tmp.path().join(rel);
    Ok((tmp, old))
}

/// The versioned contract of `diff --format json`, committed as `schemas/output/diff-v1.schema.json`.
pub const JSON_SCHEMA: &str = "https://platform.dev/schemas/output/diff-v1.schema.json";

/// What `platform diff` is asked for, beyond its inputs.
#[derive(Clone, Debug, Default)]
pub struct Options {
    /// The revision to compare with.
    pub base: String,
    /// Run only these backends.
    pub only: Vec<String>,
    /// The summary only (JSON: no hunks).
    pub stat: bool,
    /// Exit like `git diff --exit-code`.
    pub exit_code: bool,
    /// Fail on risks of this grade and above.
    pub deny: Option<crate::review::Deny>,
    /// Compare with the generated directory as it is (`Some(None)`: the build's default
    /// output directory), not with a revision's inputs.
    pub against_generated: Option<Option<std::path::PathBuf>>,
}

/// The files of a generated directory (`platform_emit::read_generated`), of `only`'s
/// backends when it names any.
pub(crate) fn read_generated(dir: &Path, only: &[String]) -> anyhow::Result<Tree> {
    if !dir.is_dir() {
        bail!(
            "`{}` is no generated directory; run `platform build` first, or name it: `--against-generated=DIR`",
            dir.display()
        );
    }
    let mut out = platform_emit::read_generated(dir).with_context(|| format!("reading `{}`", dir.display()))?;
    if !only.is_empty() {
        out.retain(|p, _| platform_ir::backend::backend_of(p).is_some_and(|b| only.iter().any(|o| o == b)));
    }
    Ok(out)
}

/// `platform diff`.
pub fn diff(a: &InputArgs, o: &Options) -> anyhow::Result<ExitCode> {
    let (base, only) = (o.base.as_str(), o.only.as_slice());
    let new_fe = match platform_driver::load(&Inputs { root: a.path.clone(), org: a.org.clone() }) {
        Ok(fe) => fe,
        Err(e) => bail!("{e}"),
    };
    crate::cmd::say_org(&new_fe);
    if new_fe.has_errors() {
        let text = crate::render::render(a.format, &new_fe.sources, &new_fe.diagnostics, crate::color());
        eprint!("{text}");
        eprintln!("error: the work tree does not compile; fix it before diffing");
        return Ok(ExitCode::from(1));
    }
    let new = build(&new_fe, only)?;
    if let Some(dir) = &o.against_generated {
        // The committed output against a fresh build of the same inputs: what a new
        // compiler or new built-in defaults change, service by service. No risk of the
        // inputs: they are the same on both sides.
        let dir = dir.clone().unwrap_or_else(|| crate::cmd::default_out(&a.path));
        let old = read_generated(&dir, only)?;
        let label = platform_driver::display(&dir);
        let none = platform_ir::Sources::default();
        let sides = Sides { base: &none, head: &new_fe.sources };
        return report(
            a,
            o,
            &label,
            &Compared {
                new_fe: &new_fe,
                old: &old,
                new: &new,
                impossible: &[],
                risks: &[],
                sides: &sides,
                renames: &BTreeMap::new(),
            },
        );
    }
    let (_keep, old_root) = export(&a.path, base)?;
    let old_fe = match old_root
        .exists()
        .then(|| platform_driver::load(&Inputs { root: old_root.clone(), org: a.org.clone() }))
    {
        Some(Ok(fe)) if fe.has_errors() => {
            bail!("the inputs at `{base}` do not compile, so there is nothing to compare with")
        }
        Some(Ok(mut fe)) => {
            // Its files are named as the work tree's are, never by the temporary export.
            // Service files are named as discovered, the org file as displayed: whichever
            // the work tree's build uses for the same file.
            let head: std::collections::BTreeSet<&str> = new_fe.sources.iter().map(|f| f.path.as_str()).collect();
            fe.sources.rename(|p| {
                let joined = a.path.join(Path::new(p).strip_prefix(&old_root).ok()?);
                let shown = platform_driver::display(&joined);
                Some(if head.contains(shown.as_str()) { shown } else { joined.to_string_lossy().into_owned() })
            });
            Some(fe)
        }
        Some(Err(_)) | None => None,
    };
    let old = match &old_fe {
        Some(fe) => build(fe, only)?,
        None => Tree::new(),
    };
    // Changes no apply can make come first, and fail the diff.
    let impossible = old_fe
        .as_ref()
        .map(|fe| platform_compiler::changes::impossible(&fe.services, &new_fe.services))
        .unwrap_or_default();
    if !impossible.is_empty() {
        eprint!("{}", crate::render::render(a.format, &new_fe.sources, &impossible, crate::color()));
    }
    let risks = match (old_fe.as_ref().and_then(|fe| fe.org.as_ref().map(|o| (o, fe))), new_fe.org.as_ref()) {
        (Some((old_org, fe)), Some(new_org)) => platform_compiler::risks::risks(
            Build { org: old_org, services: &fe.services },
            Build { org: new_org, services: &new_fe.services },
        ),
        _ => Vec::new(),
    };
    let no_sources = platform_ir::Sources::default();
    let sides = Sides { base: old_fe.as_ref().map_or(&no_sources, |fe| &fe.sources), head: &new_fe.sources };
    // Services renamed with their history: old name → new name.
    let renames: BTreeMap<String, String> = old_fe
        .as_ref()
        .map(|fe| {
            new_fe
                .services
                .iter()
                .filter_map(|s| platform_compiler::changes::counterpart(&fe.services, s).map(|b| (b, s)))
                .filter(|(b, s)| b.name.value != s.name.value)
                .map(|(b, s)| (b.name.value.clone(), s.name.value.clone()))
                .collect()
        })
        .unwrap_or_default();
    let compared = Compared {
        new_fe: &new_fe,
        old: &old,
        new: &new,
        impossible: &impossible,
        risks: &risks,
        sides: &sides,
        renames: &renames,
    };
    report(a, o, base, &compared)
}

/// Each object's input line, where its file records one for the changed part. Each
/// backend's files are built once per service, however many objects they hold.
fn trace(fe: &Frontend, objects: &mut [crate::changes::Change]) {
    let mut built: BTreeMap<(String, String), Option<platform_ir::ArtifactSet>> = BTreeMap::new();
    for o in objects.iter_mut() {
        let Some((file, key)) = &o.trace else { continue };
        let mut parts = file.splitn(3, '/');
        let (Some(owner), Some(backend), Some(rest)) = (parts.next(), parts.next(), parts.next()) else { continue };
        let set = built
            .entry((owner.to_owned(), backend.to_owned()))
            .or_insert_with(|| platform_driver::artifacts(fe, owner, backend).map(|(set, _)| set));
        let artifact = set.as_ref().zip(platform_ir::RelPath::new(rest)).and_then(|(set, rel)| set.0.get(&rel));
        let Some((_, span)) = artifact.and_then(|a| crate::provenance::origin(a, key)) else { continue };
        let f = fe.sources.get(span.file);
        let (line, col) = f.line_col(span.start);
        o.input = Some(format!("{}:{line}:{col}", f.path));
    }
}

/// The two sides of a review, built.
struct Compared<'a> {
    new_fe: &'a Frontend,
    old: &'a Tree,
    new: &'a Tree,
    impossible: &'a [platform_ir::Diagnostic],
    risks: &'a [platform_compiler::risks::Risk],
    sides: &'a Sides<'a>,
    /// Old name → new name of the services renamed with their history.
    renames: &'a BTreeMap<String, String>,
}

/// Print the review in the asked format; the exit status. `base` names the base: a
/// revision or a generated directory.
fn report(a: &InputArgs, o: &Options, base: &str, c: &Compared<'_>) -> anyhow::Result<ExitCode> {
    let (stat, exit_code) = (o.stat, o.exit_code);
    let (old, new, impossible, risks, sides, new_fe) = (c.old, c.new, c.impossible, c.risks, c.sides, c.new_fe);
    let denied = o.deny.is_some_and(|d| risks.iter().any(|r| r.accepted.is_none() && r.grade >= d.grade()));
    let mut changes: Vec<(String, &'static str, String)> = Vec::new();
    for (p, bytes) in new {
        match old.get(p) {
            None => changes.push((p.clone(), "added", platform_emit::unified_diff(p, b"", bytes))),
            Some(o) if o != bytes => changes.push((p.clone(), "changed", platform_emit::unified_diff(p, o, bytes))),
            Some(_) => {}
        }
    }
    for (p, bytes) in old {
        if !new.contains_key(p) {
            changes.push((p.clone(), "removed", platform_emit::unified_diff(p, bytes, b"")));
        }
    }
    changes.sort();
    let mirrors = crate::changes::mirrors(old, new);
    let mut objects = crate::changes::model(&crate::changes::renamed(old, c.renames), new);
    objects.retain(|o| !mirrors.contains_key(&o.root));
    trace(new_fe, &mut objects);
    // Without `--exit-code`: 1 only for a change no apply can make or a denied risk. With it,
    // like `git diff --exit-code`: 0 nothing changed, 1 changes, 2 either of those.
    let status = if !impossible.is_empty() || denied {
        ExitCode::from(if exit_code { 2 } else { 1 })
    } else if exit_code && !changes.is_empty() {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    };
    print!("{}", crate::review::render(a.format, sides, risks, crate::color_stdout()));
    match a.format {
        Format::Short => {
            for (p, kind, _) in &changes {
                println!("{p}: {kind}");
            }
            return Ok(status);
        }
        Format::Github => {
            for (p, kind, _) in &changes {
                println!("::notice file={}::{kind} since {}", crate::render::inert(p), crate::render::inert(base));
            }
            return Ok(status);
        }
        Format::Markdown => {
            let review = crate::comment::Review {
                base,
                impossible,
                head: &new_fe.sources,
                risks,
                sides,
                objects: &objects,
                files: &changes,
                mirrors: &mirrors,
                stat,
            };
            print!("{}", crate::comment::render(&review));
            return Ok(status);
        }
        Format::Json | Format::Human => {}
    }
    if a.format == Format::Json {
        // `--stat` leaves the hunks out.
        let items: Vec<serde_json::Value> = changes
            .iter()
            .map(|(p, kind, d)| {
                let mut item = serde_json::json!({ "path": p, "change": kind });
                if !stat {
                    item["diff"] = serde_json::json!(d);
                }
                if let Some(of) = mirrors.get(p) {
                    item["mirrorOf"] = serde_json::json!(of);
                }
                item
            })
            .collect();
        println!(
            "{}",
            serde_json::to_string_pretty(&serde_json::json!({
                "$schema": JSON_SCHEMA,
                "base": base,
                "risks": crate::review::json(sides, risks),
                "objects": crate::changes::json(&objects),
                "changes": items
            }))?
        );
        return Ok(status);
    }
    // Summary by service and backend: what a reviewer reads first.
    let mut groups: BTreeMap<String, BTreeMap<&str, usize>> = BTreeMap::new();
    for (p, kind, _) in &changes {
        let mut parts = p.splitn(3, '/');
        let key = format!("{}/{}", parts.next().unwrap_or(""), parts.next().unwrap_or(""));
        *groups.entry(key).or_default().entry(kind).or_default() += 1;
    }
    if changes.is_empty() {
        println!("no change to the generated files since `{base}`");
        return Ok(status);
    }
    if !objects.is_empty() {
        println!("what changes, by service (- destroy, -/+ replace, ~ update, + create):");
        print!("{}", crate::changes::human(&objects));
        println!();
    }
    println!("generated files changed since `{base}`:");
    for (g, kinds) in &groups {
        let parts: Vec<String> = kinds.iter().map(|(k, n)| format!("{n} {k}")).collect();
        println!("  {g:<48} {}", parts.join(", "));
    }
    for (mirror, of) in &mirrors {
        println!("  {mirror} repeats {}: its diff is shown once", of.join(", "));
    }
    if !stat {
        println!();
        for (p, _, d) in &changes {
            if !mirrors.contains_key(p) {
                print!("{d}");
            }
        }
    }
    Ok(status)
}

/// A temporary directory removed on drop (std only).
mod tempfile_dir {
    use std::path::{Path, PathBuf};

    /// The directory.
    pub struct TempDir(PathBuf);

    impl TempDir {
        /// Create a fresh, empty directory under the system temp dir.
        pub fn new() -> std::io::Result<TempDir> {
            for n in 0..1000u32 {
                let p = std::env::temp_dir().join(format!("platform-diff-{}-{n}", std::process::id()));
                match std::fs::create_dir(&p) {
                    Ok(()) => return Ok(TempDir(p)),
                    Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
                    Err(e) => return Err(e),
                }
            }
            Err(std::io::Error::other("no free temporary directory name"))
        }

        /// Its path.
        pub fn path(&self) -> &Path {
            &self.0
        }
    }

    impl Drop for TempDir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }
}
