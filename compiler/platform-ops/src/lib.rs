//! The operational side of `platform`: what a developer does after the build (deploy,
//! promote, roll back) and what a platform team measures (DORA), through the tools a
//! platform already runs — `gh`, `kubectl`, `aws` — as child processes.
//!
//! The compiler crates never talk to a network; this crate is where that happens, and only
//! through [`tool::Runner`], which can print every command instead of running it
//! (`--dry-run`), never passes a secret value in argv, and names the tool to install or log
//! in to when one is missing. Where a verb looks (workflow files, namespaces, release names)
//! is computed from the resolved IR by the same rules the artifacts use.

pub mod aws;
pub mod deploy;
pub mod dora;
pub mod github;
pub mod time;
pub mod tool;

pub mod kube;

/// Why a request cannot be carried out: what was asked, and what would be right.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Refused {
    /// What is wrong.
    pub message: String,
    /// What to do instead.
    pub help: String,
}

impl std::fmt::Display for Refused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}\n  help: {}", self.message, self.help)
    }
}

pub(crate) fn refused(message: String, help: String) -> Refused {
    Refused { message, help }
}

/// The environment `name` of `svc`, or why not: the environments it has, after `help` (`one
/// of`, `deploy to one of`).
pub(crate) fn environment<'a>(
    svc: &'a platform_ir::Service,
    name: &str,
    help: &str,
) -> Result<&'a platform_ir::ServiceEnvironment, Refused> {
    svc.environments.iter().find(|e| e.name.value == name).ok_or_else(|| {
        let names: Vec<&str> = svc.environments.iter().map(|e| e.name.value.as_str()).collect();
        refused(format!("{} has no environment `{name}`", svc.name.value), format!("{help}: {}", names.join(", ")))
    })
}
