//! The declarative half of `secrets set` and `db create`: a change of configuration is a
//! change of `platform.yaml`. The edit adds lines and keeps the rest as written
//! (`platform_syntax::edit`), is compiled before it is kept (on an error the file is put
//! back and the diagnostics are shown), the output is rebuilt, and the person is told what to
//! commit: the merge's pipeline applies it.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use platform_driver::Frontend;
use platform_syntax::discover;

use super::{OpsArgs, REFUSED, capitalized};

/// The service file of service `i`: the file its source text was read from.
fn service_file(a: &OpsArgs, fe: &Frontend, i: usize) -> Result<PathBuf, (u8, String)> {
    let source = fe.sources.get(fe.services[i].source);
    let base = if a.path.is_file() { a.path.parent().unwrap_or(Path::new(".")) } else { a.path.as_path() };
    [base.join(&source.path), PathBuf::from(&source.path)]
        .into_iter()
        .map(|p| without_dots(&p))
        .find(|p| std::fs::read_to_string(p).is_ok_and(|t| *t == *source.text))
        .ok_or_else(|| (REFUSED, format!("cannot find `{}` to edit it", source.path)))
}

/// `p` without its `./` parts, as people write a path.
fn without_dots(p: &Path) -> PathBuf {
    p.components().filter(|c| !matches!(c, std::path::Component::CurDir)).collect()
}

/// Write `text` to `file` through a temporary file beside it, so a reader never sees half.
fn write(file: &Path, text: &str) -> Result<(), (u8, String)> {
    let tmp = file.with_extension("yaml.platform-edit");
    std::fs::write(&tmp, text)
        .and_then(|()| std::fs::rename(&tmp, file))
        .map_err(|e| (3, format!("cannot write `{}`: {e}", file.display())))
}

/// The lines `new` adds to `old`, with their line numbers (an edit only adds lines).
fn added(old: &str, new: &str) -> Vec<(usize, String)> {
    let (a, b): (Vec<&str>, Vec<&str>) = (old.lines().collect(), new.lines().collect());
    let prefix = a.iter().zip(&b).take_while(|(x, y)| x == y).count();
    let suffix = a[prefix..].iter().rev().zip(b[prefix..].iter().rev()).take_while(|(x, y)| x == y).count();
    b[prefix..b.len() - suffix].iter().enumerate().map(|(i, l)| (prefix + i + 1, (*l).to_owned())).collect()
}

/// Apply `edit` to the file of service `i`, check it compiles, rebuild, and say what to
/// commit; `what` names the change, `then` what follows the merge.
pub(super) fn declare(
    a: &OpsArgs,
    fe: &Frontend,
    i: usize,
    edit: &dyn Fn(&str) -> Result<String, String>,
    what: &str,
    then: &str,
) -> Result<ExitCode, (u8, String)> {
    let file = service_file(a, fe, i)?;
    let old = std::fs::read_to_string(&file).map_err(|e| (3, format!("cannot read `{}`: {e}", file.display())))?;
    let new = edit(&old).map_err(|e| (REFUSED, format!("cannot {what} in `{}`: {e}", file.display())))?;
    let lines = added(&old, &new);
    if a.dry_run {
        eprintln!("would {what}, adding to `{}`:", file.display());
        for (n, l) in &lines {
            println!("{}:{n}: +{l}", file.display());
        }
        return Ok(ExitCode::SUCCESS);
    }
    write(&file, &new)?;
    let inputs = platform_driver::Inputs { root: file.clone(), org: a.org.clone() };
    let check = platform_driver::load_one_in_context(&inputs);
    let errors = match &check {
        Ok(fe) if fe.has_errors() => {
            Some(crate::render::render(crate::render::Format::Human, &fe.sources, &fe.diagnostics, crate::color()))
        }
        Ok(_) => None,
        Err(e) => Some(e.to_string()),
    };
    if let Some(errors) = errors {
        write(&file, &old)?;
        eprint!("{errors}");
        return Err((REFUSED, format!("the edit would not compile; `{}` is unchanged", file.display())));
    }
    let dir = file.parent().filter(|d| !d.as_os_str().is_empty()).map_or_else(|| PathBuf::from("."), Path::to_path_buf);
    let org = a.org.clone().or_else(|| discover::org_file_for(&discover::absolute(&dir)));
    let root = discover::build_root(&discover::absolute(&dir), org.as_deref());
    let cwd = discover::absolute(Path::new("."));
    let root = if root.starts_with(&cwd) { PathBuf::from(discover::relative(&cwd, &root)) } else { root };
    let build = crate::InputArgs { path: root.clone(), org: a.org.clone(), format: crate::render::Format::Human };
    let code = crate::cmd::build(&build, None, None, false, &[]).map_err(|e| (3, format!("{e:#}")))?;
    if code != ExitCode::SUCCESS {
        return Ok(code);
    }
    eprintln!("{}: {}", capitalized(what), file.display());
    for (n, l) in &lines {
        eprintln!("  {n} + {l}");
    }
    let out = without_dots(&crate::cmd::default_out(&root));
    eprintln!("next: commit `{}` and `{}`, and open a pull request; {then}", file.display(), out.display());
    Ok(ExitCode::SUCCESS)
}
