//! Shared helpers of the integration tests: run the pipeline in memory, compare trees.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use platform_driver::{Frontend, Inputs};

/// The repository root.
pub fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").canonicalize().unwrap()
}

/// True when expectations should be rewritten.
pub fn bless() -> bool {
    std::env::var_os("PLATFORM_BLESS").is_some_and(|v| v == "1")
}

/// Sorted subdirectories of `dir`.
pub fn cases(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|r| r.filter_map(|e| e.ok()).map(|e| e.path()).filter(|p| p.is_dir()).collect())
        .unwrap_or_default();
    v.sort();
    v
}

/// Every file of the build, in memory, by output path.
pub fn build(fe: &Frontend) -> (BTreeMap<String, Vec<u8>>, Vec<platform_ir::Diagnostic>) {
    in_memory(fe, platform_driver::emit)
}

/// A driver entry point: `platform_driver::emit` or `emit_packages`.
type Emit = fn(
    &Frontend,
    &[&dyn platform_ir::Backend],
    &platform_driver::Sink<'_, ()>,
) -> (Vec<platform_ir::Diagnostic>, Result<(), ()>);

/// The files one driver entry point hands its sink, with the backends' diagnostics.
fn in_memory(fe: &Frontend, emit: Emit) -> (BTreeMap<String, Vec<u8>>, Vec<platform_ir::Diagnostic>) {
    let files = std::sync::Mutex::new(BTreeMap::new());
    let backends = platform_driver::backends();
    let (diags, res) = emit(fe, &backends, &|p, b| {
        files.lock().unwrap().insert(p.as_str().to_owned(), b.to_vec());
        Ok(())
    });
    res.unwrap();
    (files.into_inner().unwrap(), diags)
}

/// Build the org packages of a loaded case in memory (`platform build --org-packages`).
pub fn build_packages(fe: &Frontend) -> (BTreeMap<String, Vec<u8>>, Vec<platform_ir::Diagnostic>) {
    in_memory(fe, platform_driver::emit_packages)
}

/// Load a case's `input/` directory.
pub fn load(input: &Path) -> Frontend {
    platform_driver::load(&Inputs { root: input.to_path_buf(), org: None })
        .unwrap_or_else(|e| panic!("{}: {e}", input.display()))
}

/// Every file under `dir`, by relative path.
pub fn read_tree(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    fn walk(root: &Path, dir: &Path, out: &mut BTreeMap<String, Vec<u8>>) {
        let Ok(rd) = std::fs::read_dir(dir) else { return };
        for e in rd.flatten() {
            let p = e.path();
            if p.is_dir() {
                walk(root, &p, out);
            } else {
                let rel = p.strip_prefix(root).unwrap().to_string_lossy().replace('\\', "/");
                out.insert(rel, std::fs::read(&p).unwrap());
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(dir, dir, &mut out);
    out
}

/// Replace `dir` with exactly `files`.
pub fn write_tree(dir: &Path, files: &BTreeMap<String, Vec<u8>>) {
    let _ = std::fs::remove_dir_all(dir);
    for (rel, bytes) in files {
        let p = dir.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, bytes).unwrap();
    }
}

/// Copy the files under `from` to `to` (which is replaced).
pub fn copy_tree(from: &Path, to: &Path) {
    write_tree(to, &read_tree(from));
}

/// Differences between an expected and an actual tree, as readable text.
pub fn compare(expected: &BTreeMap<String, Vec<u8>>, actual: &BTreeMap<String, Vec<u8>>) -> Vec<String> {
    let mut problems = Vec::new();
    for (p, want) in expected {
        match actual.get(p) {
            None => problems.push(format!("missing file: {p}")),
            Some(got) if got != want => {
                let diff = similar::TextDiff::from_lines(
                    std::str::from_utf8(want).unwrap_or(""),
                    std::str::from_utf8(got).unwrap_or(""),
                )
                .unified_diff()
                .header(&format!("expected/{p}"), &format!("actual/{p}"))
                .to_string();
                problems.push(format!("changed file: {p}\n{diff}"));
            }
            Some(_) => {}
        }
    }
    for p in actual.keys().filter(|p| !expected.contains_key(*p)) {
        problems.push(format!("extra file: {p}"));
    }
    problems
}

/// Short-format diagnostics with the case's input path stripped.
pub fn short(fe: &Frontend, diags: &[platform_ir::Diagnostic], input: &Path) -> String {
    let text = platform_cli::render::short::render_detailed(&fe.sources, diags);
    text.replace(&format!("{}/", input.display()), "")
}

/// Every file under `dir` whose path ends with `suffix`, sorted.
pub fn files(dir: &Path, suffix: &str) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if p.to_string_lossy().ends_with(suffix) {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

/// Fake tools first on `PATH`: each of `tools` is an executable in `dir/bin` that logs its
/// argv (one argument per line, then `---`) and its standard input (after `stdin:`, when
/// there is any) to `dir/log`, then answers with the file of `dir/answers` named after its
/// first `repos/…` or otherwise its first two arguments (`/?&=.` and spaces as `_`) — from
/// the second call on, the file with `.then` added, if there is one — or fails with status 4
/// printing the file with `.fail` added, if there is one, or with status 1 saying it has no
/// answer. Returns the `PATH` to run with.
pub fn fake_tools(dir: &Path, tools: &[&str]) -> std::ffi::OsString {
    use std::os::unix::fs::PermissionsExt;
    let bin = dir.join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    std::fs::create_dir_all(dir.join("answers")).unwrap();
    let script = format!(
        r#"#!/bin/sh
log="{log}"
printf '%s\n' "$(basename "$0")" "$@" >>"$log"
if [ ! -t 0 ]; then input="$(cat)"; [ -n "$input" ] && printf 'stdin:%s\n' "$input" >>"$log"; fi
echo --- >>"$log"
all="$(basename "$0") $*"
if [ -f "{answers}/match" ]; then
  while IFS='	' read -r pat file; do
    case "$all" in *"$pat"*) cat "{answers}/$file"; exit 0;; esac
  done <"{answers}/match"
fi
key="$1 $2"
for a in "$@"; do case "$a" in repos/*) key="$a"; break;; esac; done
f="{answers}/$(basename "$0")_$(printf '%s' "$key" | tr '/?&=. ' '______')"
if [ -f "$f.fail" ]; then cat "$f.fail" >&2; exit 4; fi
if [ -f "$f.then" ] && [ -f "$f.used" ]; then cat "$f.then"; exit 0; fi
if [ -f "$f" ]; then touch "$f.used"; cat "$f"; exit 0; fi
echo "fake $(basename "$0"): no answer for $key ($f)" >&2
exit 1
"#,
        log = dir.join("log").display(),
        answers = dir.join("answers").display()
    );
    for t in tools {
        let p = bin.join(t);
        std::fs::write(&p, &script).unwrap();
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    let mut path = std::ffi::OsString::from(bin.as_os_str());
    path.push(":/usr/bin:/bin");
    path
}

/// The answer file a fake tool reads for `key` (see [`fake_tools`]).
pub fn fake_answer(dir: &Path, tool: &str, key: &str, text: &str) {
    let name: String = key.chars().map(|c| if "/?&=. ".contains(c) { '_' } else { c }).collect();
    std::fs::write(dir.join("answers").join(format!("{tool}_{name}")), text).unwrap();
}

/// The commands the fake tools ran, each as its argv (tool first).
pub fn fake_log(dir: &Path) -> Vec<Vec<String>> {
    let text = std::fs::read_to_string(dir.join("log")).unwrap_or_default();
    let mut out = vec![];
    let mut cur = vec![];
    for line in text.lines() {
        if line == "---" {
            out.push(std::mem::take(&mut cur));
        } else {
            cur.push(line.to_owned());
        }
    }
    out
}

/// Answer any call of a fake tool whose name and arguments contain `pattern` with `text`
/// (see [`fake_tools`]; the first pattern added wins).
pub fn fake_match(dir: &Path, pattern: &str, text: &str) {
    use std::io::Write;
    let answers = dir.join("answers");
    let n = std::fs::read_dir(&answers).map(|d| d.count()).unwrap_or(0);
    let file = format!("match-{n}");
    std::fs::write(answers.join(&file), text).unwrap();
    let mut m = std::fs::OpenOptions::new().create(true).append(true).open(answers.join("match")).unwrap();
    writeln!(m, "{pattern}\t{file}").unwrap();
}
