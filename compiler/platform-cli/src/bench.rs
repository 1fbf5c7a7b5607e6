//! `platform bench`: N synthetic services, built by a child `platform build`, compared with
//! `cp -r` of the same output tree. Reports the output's files and bytes, wall time, peak
//! memory and a no-change rebuild; the services build against the org packages
//! (`spec.packages.mode: packaged`, the default), or with `--vendored` each carries the
//! golden path.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};

const LANGS: &[&str] = &["typescript", "go", "python", "rust", "java"];
const TIERS: &[&str] = &["critical", "standard", "experimental"];

/// A synthetic service: varied language, tier, database and dependencies.
fn service(i: usize, n: usize) -> String {
    let name = format!("svc-{i:05}");
    let tier = TIERS[i % TIERS.len()];
    let mut s = format!(
        "kind: Service\nmetadata:\n  name: {name}\n  team: team-{team}\n  tier: {tier}\nspec:\n  language: {lang}\n  runtime:\n    replicas: {replicas}\n    cpu: \"250m\"\n    memory: \"256Mi\"\n",
        team = i % 50,
        lang = LANGS[i % LANGS.len()],
        replicas = if tier == "critical" { 3 } else { 2 },
    );
    match i % 3 {
        0 => s.push_str("  database:\n    type: postgres\n    size: small\n"),
        1 => s.push_str("  database:\n    type: redis\n"),
        _ => {}
    }
    s.push_str("  secrets:\n    - name: api-key\n  ingress:\n    exposure: public\n");
    if i > 0 {
        let _ = write!(s, "  dependsOn:\n    - component:svc-{:05}\n", (i * 7919) % i);
        if i > 1 && n > 2 {
            let _ = writeln!(s, "    - component:svc-{:05}", i - 1);
        }
    }
    let _ = write!(
        s,
        "  monitoring:\n    alerts: true\n    slo: 99.{}\n  deployment:\n    canary: {}\n",
        5 + i % 5,
        i.is_multiple_of(2)
    );
    s
}

fn peak_of(stderr: &str) -> Option<u64> {
    stderr.lines().find_map(|l| l.strip_prefix("peak-rss-kib: ")).and_then(|v| v.trim().parse().ok())
}

fn timed(cmd: &mut Command) -> anyhow::Result<(Duration, String)> {
    let t = Instant::now();
    let out = cmd.output().context("running a child process")?;
    let d = t.elapsed();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    if !out.status.success() {
        bail!("{:?} failed: {stderr}", cmd);
    }
    Ok((d, stderr))
}

/// Files and bytes under `dir`.
fn size(dir: &Path) -> (u64, u64) {
    let (mut files, mut bytes) = (0, 0);
    let Ok(rd) = std::fs::read_dir(dir) else { return (0, 0) };
    for e in rd.flatten() {
        let Ok(t) = e.file_type() else { continue };
        if t.is_dir() {
            let (f, b) = size(&e.path());
            files += f;
            bytes += b;
        } else if t.is_file() {
            files += 1;
            bytes += e.metadata().map_or(0, |m| m.len());
        }
    }
    (files, bytes)
}

/// Run the benchmark.
pub fn run(n: usize, dir: Option<PathBuf>, packaged: bool) -> anyhow::Result<ExitCode> {
    let (root, cleanup) = match dir {
        Some(d) => (d, false),
        None => (std::env::temp_dir().join(format!("platform-bench-{n}-{}", std::process::id())), true),
    };
    let src = root.join("src");
    let out = root.join("out");
    let copy = root.join("copy");
    for p in [&out, &copy] {
        if p.exists() {
            std::fs::remove_dir_all(p)?;
        }
    }
    eprintln!("generating {n} services in {}", src.display());
    for i in 0..n {
        let d = src.join("services").join(format!("svc-{i:05}"));
        std::fs::create_dir_all(&d)?;
        std::fs::write(d.join("platform.yaml"), service(i, n))?;
    }
    let org = src.join("platform-org.yaml");
    // The mode said explicitly, whatever the built-in default.
    let mode = if packaged { "packaged" } else { "vendored" };
    std::fs::write(
        &org,
        format!("kind: Platform\nmetadata:\n  name: bench\nspec:\n  packages:\n    mode: {mode}\n    version: 1.0.0\n"),
    )?;
    let exe = std::env::current_exe()?;
    let build = |out: &Path| {
        let mut c = Command::new(&exe);
        c.arg("build").arg(&src).arg("--out").arg(out).arg("--report-peak-memory");
        c
    };
    let (t_build, err1) = timed(&mut build(&out))?;
    let (t_cp, _) = timed(Command::new("cp").arg("-r").arg(&out).arg(&copy))?;
    let (t_rebuild, err2) = timed(&mut build(&out))?;
    let files = err1.lines().find(|l| l.starts_with("built ")).unwrap_or("").to_owned();
    let rebuilt = err2.lines().find(|l| l.starts_with("built ")).unwrap_or("").to_owned();
    let peak = peak_of(&err1).map_or("n/a".into(), |k| format!("{:.1} MiB", k as f64 / 1024.0));
    let peak2 = peak_of(&err2).map_or("n/a".into(), |k| format!("{:.1} MiB", k as f64 / 1024.0));
    let (files_out, bytes_out) = size(&out);
    let per = |x: u64| x as f64 / n.max(1) as f64;
    println!("services:            {n} ({})", if packaged { "packaged" } else { "vendored" });
    println!(
        "output:              {files_out} files, {:.1} MiB; per service {:.1} files, {:.1} KiB",
        bytes_out as f64 / 1048576.0,
        per(files_out),
        per(bytes_out) / 1024.0
    );
    println!("first build:         {:.2} s  ({files})", t_build.as_secs_f64());
    println!("cp -r of the output: {:.2} s", t_cp.as_secs_f64());
    println!("build / cp -r:       {:.2}x", t_build.as_secs_f64() / t_cp.as_secs_f64().max(1e-9));
    println!("peak memory (build): {peak}");
    println!("no-change rebuild:   {:.2} s  ({rebuilt}); peak {peak2}", t_rebuild.as_secs_f64());
    if cleanup {
        let _ = std::fs::remove_dir_all(&root);
    }
    Ok(ExitCode::SUCCESS)
}

/// Peak resident set size of this process in KiB (Linux), for `--report-peak-memory`.
pub fn peak_rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
}
