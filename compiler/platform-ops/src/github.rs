//! Reading the deployment records back from GitHub through `gh api`.
//!
//! `gh` replaces `{owner}/{repo}` with the repository of the current directory's git
//! remote, or the one given. Calls, for a window: the list of the repository's `deploy`
//! deployments (every page), the statuses of each production deploy created in the window
//! (and of each service's last one before it, the base of its first deploy's commits), and
//! the commits each deploy that reached production brought: `compare/BASE...HEAD` from the
//! service's previous deploy that reached production, or the deployed commit alone for a
//! service's first.

use std::collections::BTreeMap;

use crate::dora::{Commit, Deployment, Status, Window};
use crate::tool::{Command, Error, GH, Runner};

fn lines<T: serde::de::DeserializeOwned>(out: &str, what: &str) -> Result<Vec<T>, Error> {
    out.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            serde_json::from_str(l).map_err(|e| Error::Unexpected(format!("`gh api` gave {what} I cannot read: {e}")))
        })
        .collect()
}

fn api(repo: &str, path: &str, jq: &str, paginate: bool) -> Command {
    let mut args = vec!["api".to_owned()];
    if paginate {
        args.push("--paginate".into());
    }
    args.extend([format!("repos/{repo}/{path}"), "--jq".into(), jq.into()]);
    Command::new(&GH, args)
}

/// The production deploy records of `repo` (`OWNER/NAME`, or `{owner}/{repo}`: the current
/// directory's) that the window's figures need, with their statuses and commits.
pub fn deployments(run: &mut Runner, repo: &str, w: Window) -> Result<Vec<Deployment>, Error> {
    let list = run.output(api(
        repo,
        "deployments?task=deploy&per_page=100",
        ".[] | select(.production_environment) | {id, sha, environment, created_at, production_environment, task, payload}",
        true,
    ))?;
    let mut all: Vec<Deployment> = lines(&list, "a deployment")?;
    all.retain(|d| d.created().is_some_and(|t| t < w.until) && d.service().is_some());
    all.sort_by_key(|d| (d.created(), d.id));
    // Per service: the last deploy before the window (a base for commits), and all in it.
    let mut by_service: BTreeMap<String, Vec<Deployment>> = BTreeMap::new();
    for d in all {
        by_service.entry(d.service().unwrap_or_default().to_owned()).or_default().push(d);
    }
    let mut out = Vec::new();
    for (_, mut deploys) in by_service {
        let first_in = deploys.iter().position(|d| d.created().is_some_and(|t| t >= w.since));
        let Some(first_in) = first_in else { continue };
        // The deploy just before the window, if any, is read only as a base for commits.
        let earlier = usize::from(first_in > 0);
        let mut keep = deploys.split_off(first_in - earlier);
        for d in &mut keep {
            d.statuses = lines::<Status>(
                &run.output(api(
                    repo,
                    &format!("deployments/{}/statuses?per_page=100", d.id),
                    ".[] | {state, created_at, description}",
                    true,
                ))?,
                "a deployment status",
            )?;
        }
        let mut base: Option<String> = None;
        for (i, d) in keep.iter_mut().enumerate() {
            if d.succeeded_at().is_some() {
                if i >= earlier {
                    let jq = "{sha, committed_at: .commit.committer.date}";
                    d.commits = match &base {
                        Some(b) => lines(
                            &run.output(api(
                                repo,
                                &format!("compare/{b}...{}", d.sha),
                                &format!(".commits[] | {jq}"),
                                false,
                            ))?,
                            "a commit",
                        )?,
                        None => lines::<Commit>(
                            &run.output(api(repo, &format!("commits/{}", d.sha), jq, false))?,
                            "a commit",
                        )?,
                    };
                }
                base = Some(d.sha.clone());
            }
        }
        out.extend(keep.into_iter().skip(earlier));
    }
    Ok(out)
}
