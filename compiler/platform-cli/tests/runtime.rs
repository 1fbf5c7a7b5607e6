//! Runtime contracts over every generated tree (the golden ok trees, which the examples'
//! builds match): what a real deploy relies on that no static validator sees. Each test
//! names the contract; the book's "What a deploy relies on" chapter lists them.

mod support;

use std::path::{Path, PathBuf};

/// Every file under `dir` whose name ends with `suffix`, sorted.
fn files(dir: &Path, suffix: &str) -> Vec<PathBuf> {
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

fn trees() -> Vec<PathBuf> {
    support::cases(&support::repo().join("golden-tests/ok")).into_iter().map(|c| c.join("expected")).collect()
}

/// Helm 4's default `--wait` (the kstatus watcher) reads an Argo Rollout as `Unknown` until
/// the timeout, so a production canary deploy hangs and is rolled back (helm/helm#32615).
/// Contract: every `helm upgrade` and `helm rollback` waits with `--wait="${HELM_WAIT}"`,
/// and `HELM_WAIT` is `legacy` in every workflow that sets up Helm 4 (`true` for Helm 3).
#[test]
fn helm_never_waits_with_the_kstatus_watcher() {
    let mut problems = Vec::new();
    let mut checked = 0;
    for tree in trees() {
        for wf in files(&tree, ".yml") {
            let text = std::fs::read_to_string(&wf).unwrap();
            if !text.contains("helm upgrade") && !text.contains("helm rollback") {
                continue;
            }
            checked += 1;
            let at = wf.strip_prefix(support::repo()).unwrap_or(&wf).display().to_string();
            for (i, line) in text.lines().enumerate() {
                let mut rest = line;
                while let Some(pos) = rest.find("--wait") {
                    rest = &rest[pos + "--wait".len()..];
                    if !rest.starts_with("=\"${HELM_WAIT}\"") {
                        problems.push(format!("{at}:{}: helm waits without the strategy: {}", i + 1, line.trim()));
                    }
                }
            }
            let helm_major = text
                .lines()
                .skip_while(|l| !l.contains("azure/setup-helm"))
                .find_map(|l| l.trim().strip_prefix("version: v"))
                .and_then(|v| v.split('.').next()?.parse::<u32>().ok());
            let want = match helm_major {
                Some(m) if m < 4 => "true",
                Some(_) => "legacy",
                None => {
                    problems.push(format!("{at}: runs helm but sets up no pinned Helm version"));
                    continue;
                }
            };
            let waits: Vec<&str> = text.lines().filter_map(|l| l.trim().strip_prefix("HELM_WAIT: ")).collect();
            if waits.is_empty() || waits.iter().any(|w| *w != want) {
                problems.push(format!("{at}: HELM_WAIT is {waits:?}, expected {want} for Helm {helm_major:?}"));
            }
        }
    }
    assert!(checked > 0, "no workflow runs helm");
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
