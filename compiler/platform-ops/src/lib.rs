//! The operational side of `platform`: what a developer does after the build (deploy,
//! promote, roll back) and what a platform team measures (DORA), through the tools a
//! platform already runs — `gh`, `kubectl`, `aws` — as child processes.
//!
//! The compiler crates never talk to a network; this crate is where that happens, and only
//! through [`tool::Runner`], which can print every command instead of running it
//! (`--dry-run`), never passes a secret value in argv, and names the tool to install or log
//! in to when one is missing. Where a verb looks (workflow files, namespaces, release names)
//! is computed from the resolved IR by the same rules the artifacts use.

pub mod deploy;
pub mod dora;
pub mod github;
pub mod time;
pub mod tool;
