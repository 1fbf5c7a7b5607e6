//! The `platform` command as a library: commands, renderers and the bench, so tests can
//! drive them in-process. The binary (`main.rs`) only parses arguments.
#![allow(clippy::print_stdout, clippy::print_stderr)]

pub mod bench;
pub mod changes;
pub mod cmd;
pub mod comment;
pub mod diff;
pub mod fuzz;
pub mod new;
pub mod ops;
pub mod origin;
pub mod provenance;
pub mod render;
pub mod report;
pub mod review;

use std::io::IsTerminal;
use std::path::PathBuf;

/// Options shared by commands that read inputs.
#[derive(clap::Args, Debug, Clone)]
pub struct InputArgs {
    /// A directory to search for `platform.yaml` files (respecting .gitignore), or one file.
    #[arg(default_value = ".")]
    pub path: PathBuf,
    /// Org file to use instead of the nearest `platform-org.yaml` above each service.
    #[arg(long, value_name = "FILE")]
    pub org: Option<PathBuf>,
    /// How to print diagnostics.
    #[arg(long, value_enum, default_value_t = render::Format::Human)]
    pub format: render::Format,
}

/// Whether to color what goes to standard error: a terminal, and `NO_COLOR` unset or empty.
pub fn color() -> bool {
    std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()) && std::io::stderr().is_terminal()
}

/// Whether to color what goes to standard output, by the same rule.
pub fn color_stdout() -> bool {
    std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()) && std::io::stdout().is_terminal()
}
