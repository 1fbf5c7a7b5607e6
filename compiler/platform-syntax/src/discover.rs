//! Finding inputs: every `platform.yaml` under a path, and the org file for each.

use std::path::{Component, Path, PathBuf};

/// The service file name.
pub const SERVICE_FILE: &str = "platform.yaml";
/// The org file name, found by walking up from a service directory.
pub const ORG_FILE: &str = "platform-org.yaml";
/// A file the writer puts in every output root; directories holding it are never searched.
pub const OUTPUT_MARKER: &str = ".platform-generated";

/// Every `platform.yaml` under `root` (or `root` itself if it is a file), sorted by path.
/// `.gitignore`d and hidden directories are skipped, and so are output trees of earlier
/// builds. Errors of the walk (unreadable directories) are returned as messages.
pub fn service_files(root: &Path) -> (Vec<PathBuf>, Vec<String>) {
    if root.is_file() {
        return (vec![root.to_path_buf()], Vec::new());
    }
    let mut found = Vec::new();
    let mut errors = Vec::new();
    let walker = ignore::WalkBuilder::new(root)
        .hidden(true)
        .git_ignore(true)
        .git_exclude(false)
        .git_global(false)
        .require_git(false)
        .sort_by_file_name(|a, b| a.cmp(b))
        .filter_entry(|e| !(e.file_type().is_some_and(|t| t.is_dir()) && e.path().join(OUTPUT_MARKER).exists()))
        .build();
    let inside = std::fs::canonicalize(root).ok();
    for entry in walker {
        match entry {
            Ok(e) if e.file_type().is_some_and(|t| t.is_file()) && e.file_name() == SERVICE_FILE => {
                found.push(e.into_path());
            }
            // A linked service file is followed within the build root, and reported otherwise:
            // never skipped without a word.
            Ok(e) if e.path_is_symlink() && e.file_name() == SERVICE_FILE => {
                match std::fs::canonicalize(e.path()) {
                    Ok(target) if inside.as_ref().is_some_and(|r| target.starts_with(r)) && target.is_file() => {
                        found.push(e.into_path());
                    }
                    Ok(target) => errors.push(format!(
                        "`{}` is a symbolic link to `{}`, outside the build root (or not a file); copy the file, or link to one inside the build",
                        e.path().display(),
                        target.display()
                    )),
                    Err(err) => errors.push(format!(
                        "`{}` is a symbolic link that leads nowhere ({err}); remove it or point it at a service file",
                        e.path().display()
                    )),
                }
            }
            Ok(_) => {}
            Err(err) => errors.push(err.to_string()),
        }
    }
    found.sort();
    (found, errors)
}

/// The nearest `platform-org.yaml` at or above `dir`, stopping at the repository root (a
/// directory with `.git`) or the filesystem root. The walk is over the absolute path (see
/// [`absolute`]), so a relative `dir` such as `.` still reaches the repository root. Any
/// entry with that name counts, a directory or a FIFO too: reading it then reports what it
/// is, rather than the walk passing it by and silently using another org.
pub fn org_file_for(dir: &Path) -> Option<PathBuf> {
    org_files_for([dir]).pop().flatten()
}

/// [`org_file_for`] of each of `dirs`, in order. Services of one repository share most of
/// their ancestors, so each directory is looked at once however many services are below it
/// (10 000 services used to cost 10 000 walks to the repository root).
pub fn org_files_for<'a>(dirs: impl IntoIterator<Item = &'a Path>) -> Vec<Option<PathBuf>> {
    let mut known: std::collections::BTreeMap<PathBuf, Option<PathBuf>> = std::collections::BTreeMap::new();
    let mut out = Vec::new();
    for dir in dirs {
        let dir = absolute(dir);
        // The directories walked up through, until one with an answer (known or found).
        let mut walked = Vec::new();
        let mut cur = Some(dir.as_path());
        let found = loop {
            let Some(d) = cur else { break None };
            if let Some(k) = known.get(d) {
                break k.clone();
            }
            walked.push(d.to_path_buf());
            let candidate = d.join(ORG_FILE);
            if candidate.symlink_metadata().is_ok() {
                break Some(candidate);
            }
            if d.join(".git").exists() {
                break None;
            }
            cur = d.parent();
        };
        for d in walked {
            known.insert(d, found.clone());
        }
        out.push(found);
    }
    out
}

/// Where the repository's build runs for a service in `dir`: the directory of its org file
/// (`org`), else the repository root (the nearest directory with `.git`), else `dir`
/// itself. Absolute.
pub fn build_root(dir: &Path, org: Option<&Path>) -> PathBuf {
    let dir = absolute(dir);
    let found = match org {
        Some(o) => absolute(o).parent().map(Path::to_path_buf),
        None => dir.ancestors().find(|a| a.join(".git").exists()).map(Path::to_path_buf),
    };
    found.unwrap_or(dir)
}

/// `path` made absolute against the current directory and normalised lexically (`.` and
/// `..` resolved without following symlinks), so one file has one spelling however the
/// user wrote it. Falls back to `path` itself if the current directory is unreadable.
pub fn absolute(path: &Path) -> PathBuf {
    let abs = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    let mut out = PathBuf::new();
    for c in abs.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                if !out.pop() {
                    out.push(c);
                }
            }
            other => out.push(other),
        }
    }
    out
}

/// `path` relative to the directory `base` (both made [`absolute`]), with `/` separators and
/// `..` where `path` is not below `base`; `.` when they are the same.
pub fn relative(base: &Path, path: &Path) -> String {
    let (base, path) = (absolute(base), absolute(path));
    let b: Vec<Component<'_>> = base.components().collect();
    let p: Vec<Component<'_>> = path.components().collect();
    let common = b.iter().zip(&p).take_while(|(x, y)| x == y).count();
    let mut parts: Vec<String> = vec!["..".to_owned(); b.len() - common];
    parts.extend(p[common..].iter().map(|c| c.as_os_str().to_string_lossy().into_owned()));
    if parts.is_empty() { ".".to_owned() } else { parts.join("/") }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn respects_gitignore_hidden_dirs_and_output_trees() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path();
        for d in ["a", "ignored/b", ".hidden/c", "generated/d", "z/e"] {
            std::fs::create_dir_all(root.join(d)).unwrap();
            std::fs::write(root.join(d).join(SERVICE_FILE), "kind: Service\n").unwrap();
        }
        std::fs::write(root.join(".gitignore"), "ignored/\n").unwrap();
        std::fs::write(root.join("generated").join(OUTPUT_MARKER), "").unwrap();
        let (found, errors) = service_files(root);
        assert!(errors.is_empty());
        let rel: Vec<String> =
            found.iter().map(|p| p.strip_prefix(root).unwrap().to_string_lossy().into_owned()).collect();
        assert_eq!(rel, ["a/platform.yaml", "z/e/platform.yaml"]);
    }

    #[test]
    fn org_file_is_found_walking_up_to_the_repository_root() {
        let tmp = tempfile::tempdir().unwrap();
        let repo = tmp.path().join("repo");
        std::fs::create_dir_all(repo.join(".git")).unwrap();
        std::fs::create_dir_all(repo.join("services/x")).unwrap();
        std::fs::write(tmp.path().join(ORG_FILE), "outside the repo").unwrap();
        assert_eq!(org_file_for(&repo.join("services/x")), None);
        std::fs::write(repo.join(ORG_FILE), "").unwrap();
        assert_eq!(org_file_for(&repo.join("services/x")), Some(repo.join(ORG_FILE)));
        // `..` is resolved on the path as written, before the walk.
        assert_eq!(org_file_for(&repo.join("services/x/../x/.")), Some(repo.join(ORG_FILE)));
    }

    /// Many directories at once find what each would alone: a nearer org file, the shared
    /// one above, none past the repository root, in the order asked.
    #[test]
    fn org_files_of_many_directories_are_each_ones_own() {
        let tmp = tempfile::tempdir().unwrap();
        let repo = tmp.path().join("repo");
        for d in ["services/a", "services/b", "teams/t/c", "other/.git", "other/d"] {
            std::fs::create_dir_all(repo.join(d)).unwrap();
        }
        std::fs::create_dir_all(repo.join(".git")).unwrap();
        std::fs::write(repo.join(ORG_FILE), "").unwrap();
        std::fs::write(repo.join("teams").join(ORG_FILE), "").unwrap();
        let dirs: Vec<PathBuf> =
            ["services/a", "teams/t/c", "services/b", "other/d", "services/a"].map(|d| repo.join(d)).to_vec();
        let one_by_one: Vec<Option<PathBuf>> = dirs.iter().map(|d| org_file_for(d)).collect();
        assert_eq!(org_files_for(dirs.iter().map(PathBuf::as_path)), one_by_one);
        let shared = Some(repo.join(ORG_FILE));
        assert_eq!(one_by_one, [shared.clone(), Some(repo.join("teams").join(ORG_FILE)), shared.clone(), None, shared]);
    }

    #[test]
    fn an_org_entry_that_is_not_a_file_is_found_not_skipped() {
        let tmp = tempfile::tempdir().unwrap();
        let repo = tmp.path().join("repo");
        std::fs::create_dir_all(repo.join(".git")).unwrap();
        std::fs::create_dir_all(repo.join("svc").join(ORG_FILE)).unwrap();
        std::fs::write(repo.join(ORG_FILE), "").unwrap();
        assert_eq!(org_file_for(&repo.join("svc")), Some(repo.join("svc").join(ORG_FILE)));
    }

    #[test]
    fn the_build_root_is_the_org_files_directory_else_the_repository_root() {
        let tmp = tempfile::tempdir().unwrap();
        let repo = tmp.path().join("repo");
        std::fs::create_dir_all(repo.join(".git")).unwrap();
        std::fs::create_dir_all(repo.join("services/x")).unwrap();
        let x = repo.join("services/x");
        assert_eq!(build_root(&x, None), repo);
        assert_eq!(build_root(&x, Some(&repo.join("services").join(ORG_FILE))), repo.join("services"));
        assert_eq!(build_root(tmp.path(), None), tmp.path());
    }

    #[test]
    fn relative_paths_go_up_with_dotdot_and_ignore_spelling() {
        let base = Path::new("/r/services/a");
        assert_eq!(relative(base, Path::new("/r/platform-org.yaml")), "../../platform-org.yaml");
        assert_eq!(relative(base, Path::new("/r/services/a/./b/../platform.yaml")), "platform.yaml");
        assert_eq!(relative(base, base), ".");
        assert_eq!(absolute(Path::new("/r/x/../y/./z")), Path::new("/r/y/z"));
    }
}
