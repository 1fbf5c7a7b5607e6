//! `platform deploy`, `platform deploy promote`, `platform deploy rollback`: each dispatches
//! the service's generated workflow through `gh workflow run`, never `helm` or `terraform`
//! from a laptop, and follows the run with `gh run watch`.
//!
//! The workflow files, their inputs and the weights a canary may start at come from the
//! resolved IR by the rules the GitHub Actions backend writes them with
//! ([`platform_ir::naming::workflow_file`], [`platform_ir::deploy::first_weight`]).

use platform_ir::{Org, Service, deploy, naming};

use crate::tool::{Command, GH, Runner};
use crate::{Refused, refused};

/// The branch the generated workflows deploy from.
pub const MAIN: &str = "main";

/// What a person asks for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Action {
    /// Deploy through the pipeline, up to and including this environment, with this first
    /// canary weight (percent).
    Deploy {
        /// The environment.
        environment: String,
        /// The canary's first weight, if picked.
        canary: Option<u32>,
    },
    /// Promote the production canary to all the traffic.
    Promote,
    /// Roll the production environments back to the previous release.
    Rollback,
}

/// A weight as people write it: `10%` or `10`.
pub fn parse_weight(s: &str) -> Option<u32> {
    let n = s.trim().strip_suffix('%').unwrap_or(s.trim());
    (!n.is_empty() && n.bytes().all(|b| b.is_ascii_digit())).then(|| n.parse().ok()).flatten()
}

/// The dispatch of `action` for `svc`: the workflow file and its `-f key=value` inputs.
pub fn dispatch(org: &Org, svc: &Service, action: &Action) -> Result<(String, Vec<(String, String)>), Refused> {
    let name = &svc.name.value;
    let production: Vec<&str> = svc
        .environments
        .iter()
        .filter(|e| org.environment(e).production.value)
        .map(|e| e.name.value.as_str())
        .collect();
    match action {
        Action::Deploy { environment, canary } => {
            let env = crate::environment(svc, environment, "deploy to one of")?;
            let mut inputs =
                vec![("action".to_owned(), "deploy".to_owned()), ("environment".to_owned(), environment.clone())];
            if let Some(weight) = canary {
                let Some(c) = svc.deployment.canary.as_ref() else {
                    return Err(refused(
                        format!("{name} deploys without a canary"),
                        "leave out --canary, or turn the canary on in platform.yaml (`deployment.canary: true`)".into(),
                    ));
                };
                if deploy::canary(svc, org.environment(env)).is_none() {
                    return Err(refused(
                        format!(
                            "{name} deploys to {environment} without a canary: only production environments take one"
                        ),
                        format!("leave out --canary, or deploy to {}", production.join(", ")),
                    ));
                }
                let Some(first) = deploy::first_weight(c) else {
                    return Err(refused(
                        format!("the canary steps of {name} set no weight"),
                        "leave out --canary".into(),
                    ));
                };
                if !first.allowed.contains(weight) {
                    let allowed: Vec<String> = first.allowed.iter().map(|w| format!("{w}%")).collect();
                    return Err(refused(
                        format!("{name} cannot start its canary at {weight}%"),
                        format!(
                            "pick one of {} (at most the first step's {}%, which the org's canary steps set)",
                            allowed.join(", "),
                            first.default
                        ),
                    ));
                }
                inputs.push(("canary-weight".into(), weight.to_string()));
            }
            Ok((naming::workflow_file(name), inputs))
        }
        Action::Promote => {
            if svc.deployment.canary.is_none() || production.is_empty() {
                return Err(refused(
                    format!("{name} has no canary to promote"),
                    "a deploy without a canary goes to all the traffic at once; nothing waits for a promotion".into(),
                ));
            }
            Ok((naming::workflow_file(name), vec![("action".to_owned(), "promote".to_owned())]))
        }
        Action::Rollback => Ok((naming::workflow_file(name), vec![("action".to_owned(), "rollback".to_owned())])),
    }
}

/// `gh workflow run FILE --ref main -f k=v…`, for `repo` if given.
pub fn run_command(file: &str, inputs: &[(String, String)], repo: Option<&str>) -> Command {
    let mut args = vec!["workflow".to_owned(), "run".into(), file.to_owned(), "--ref".into(), MAIN.into()];
    for (k, v) in inputs {
        args.extend(["-f".to_owned(), format!("{k}={v}")]);
    }
    if let Some(r) = repo {
        args.extend(["--repo".to_owned(), r.to_owned()]);
    }
    Command::new(&GH, args)
}

/// The run a dispatch started, as `gh run list` shows it.
#[derive(Clone, Debug, PartialEq, Eq, serde::Deserialize, serde::Serialize)]
pub struct Run {
    /// Its id.
    #[serde(rename(deserialize = "databaseId", serialize = "id"))]
    pub id: u64,
    /// Its page.
    pub url: String,
    /// When it was created (RFC 3339).
    #[serde(rename = "createdAt")]
    pub created_at: String,
}

/// `gh run list` for the newest dispatched run of `file`.
pub fn list_command(file: &str, repo: Option<&str>) -> Command {
    let mut args: Vec<String> = ["run", "list", "--workflow", file, "--event", "workflow_dispatch", "--branch", MAIN]
        .into_iter()
        .map(str::to_owned)
        .collect();
    args.extend(["--limit", "1", "--json", "databaseId,url,createdAt"].map(str::to_owned));
    if let Some(r) = repo {
        args.extend(["--repo".to_owned(), r.to_owned()]);
    }
    Command::new(&GH, args)
}

/// `gh run watch ID --exit-status`.
pub fn watch_command(id: &str, repo: Option<&str>) -> Command {
    let mut args: Vec<String> = ["run", "watch", id, "--exit-status"].into_iter().map(str::to_owned).collect();
    if let Some(r) = repo {
        args.extend(["--repo".to_owned(), r.to_owned()]);
    }
    Command::new(&GH, args)
}

/// The newest dispatched run of `file` (`None` under `--dry-run`, or when there is none).
pub fn newest(run: &mut Runner, file: &str, repo: Option<&str>) -> Result<Option<Run>, crate::tool::Error> {
    let out = run.output(list_command(file, repo))?;
    if run.dry_run {
        return Ok(None);
    }
    let runs: Vec<Run> = serde_json::from_str(&out)
        .map_err(|e| crate::tool::Error::Unexpected(format!("`gh run list` gave something I cannot read: {e}")))?;
    Ok(runs.into_iter().next())
}

/// After a dispatch: the run it started, the newest one that is not `before` (the newest
/// before the dispatch). GitHub creates the run a moment after the dispatch returns, so ask
/// again, a few times; no clock is compared.
pub fn started_run(
    run: &mut Runner,
    file: &str,
    repo: Option<&str>,
    before: Option<u64>,
) -> Result<Option<Run>, crate::tool::Error> {
    for attempt in 0..15 {
        if attempt > 0 {
            std::thread::sleep(std::time::Duration::from_secs(2));
        }
        match newest(run, file, repo)? {
            Some(r) if Some(r.id) != before => return Ok(Some(r)),
            _ if run.dry_run => return Ok(None),
            _ => {}
        }
    }
    Ok(None)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weights_read_with_or_without_a_percent_sign() {
        assert_eq!((parse_weight("10%"), parse_weight(" 5 "), parse_weight("10")), (Some(10), Some(5), Some(10)));
        for bad in ["", "%", "ten", "-5", "1.5%", "10%%"] {
            assert_eq!(parse_weight(bad), None, "{bad}");
        }
    }

    #[test]
    fn the_dispatch_names_the_repository_only_when_asked() {
        let inputs = [("environment".to_owned(), "staging".to_owned())];
        assert_eq!(
            run_command("a.yml", &inputs, None).to_string(),
            "gh workflow run a.yml --ref main -f environment=staging"
        );
        assert!(run_command("a.yml", &[], Some("o/r")).to_string().ends_with("--repo o/r"));
    }
}
