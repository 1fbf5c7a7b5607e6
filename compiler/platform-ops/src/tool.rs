//! Running the platform's tools as child processes, or printing what would run.
//!
//! Every verb goes through a [`Runner`]: with `dry_run` it runs nothing and records the
//! commands, which the CLI prints; otherwise it runs them, and turns a missing tool or an
//! expired login into an [`Error`] that says which tool and what to do. A secret travels
//! only on standard input ([`Command::stdin_secret`]); it never reaches argv, the
//! environment, a file, or the printed command.

use std::fmt;
use std::io::Write;
use std::process::Stdio;

/// A tool the verbs run, with what to tell someone who lacks it.
#[derive(Debug, PartialEq, Eq)]
pub struct Tool {
    /// The executable, found on `PATH`.
    pub program: &'static str,
    /// How to install it.
    pub install: &'static str,
    /// How to log in when it answers that it is not.
    pub login: &'static str,
    /// Parts of its error output that mean "not logged in" (lowercase).
    pub logged_out: &'static [&'static str],
}

/// The GitHub CLI.
pub const GH: Tool = Tool {
    program: "gh",
    install: "install the GitHub CLI: https://cli.github.com (`apt install gh`, `brew install gh`)",
    login: "run `gh auth login` (in CI: set GH_TOKEN)",
    logged_out: &["gh auth login", "not logged into", "authentication required", "bad credentials", "http 401"],
};

/// kubectl.
pub const KUBECTL: Tool = Tool {
    program: "kubectl",
    install: "install kubectl: https://kubernetes.io/docs/tasks/tools/",
    login: "refresh your cluster credentials (`aws eks update-kubeconfig --name CLUSTER`, after `aws sso login`)",
    logged_out: &["unauthorized", "provide credentials", "token has expired", "expiredtoken"],
};

/// The AWS CLI.
pub const AWS: Tool = Tool {
    program: "aws",
    install: "install the AWS CLI v2: https://docs.aws.amazon.com/cli/latest/userguide/getting-started-install.html",
    login: "run `aws sso login` (or set AWS_PROFILE to a profile with access)",
    logged_out: &[
        "unable to locate credentials",
        "expiredtoken",
        "token has expired",
        "sso session",
        "invalidclienttokenid",
    ],
};

/// A value that must not be shown: its `Debug` says so instead.
#[derive(Clone, PartialEq, Eq)]
struct Secret(String);

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(..)")
    }
}

/// One command line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Command {
    /// Which tool.
    pub tool: &'static Tool,
    /// Its arguments.
    pub args: Vec<String>,
    /// What goes to its standard input: never printed, never in argv.
    stdin: Option<Secret>,
}

impl Command {
    /// `tool args…`.
    pub fn new<S: Into<String>>(tool: &'static Tool, args: impl IntoIterator<Item = S>) -> Self {
        Self { tool, args: args.into_iter().map(Into::into).collect(), stdin: None }
    }

    /// The same command, with a secret on its standard input.
    #[must_use]
    pub fn stdin_secret(mut self, value: String) -> Self {
        self.stdin = Some(Secret(value));
        self
    }

    /// Whether a secret goes to its standard input.
    pub fn has_stdin(&self) -> bool {
        self.stdin.is_some()
    }
}

/// Quote a word for a POSIX shell, only when it needs it.
pub fn quote(word: &str) -> String {
    let plain = |b: u8| b.is_ascii_alphanumeric() || b"-_./:=@%+,".contains(&b);
    if !word.is_empty() && word.bytes().all(plain) {
        word.to_owned()
    } else {
        format!("'{}'", word.replace('\'', r"'\''"))
    }
}

impl fmt::Display for Command {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.tool.program)?;
        for a in &self.args {
            write!(f, " {}", quote(a))?;
        }
        if self.stdin.is_some() {
            f.write_str(" < (the value, on standard input)")?;
        }
        Ok(())
    }
}

/// Why a command did not do its job.
#[derive(Debug, PartialEq, Eq)]
pub enum Error {
    /// The tool is not on `PATH`.
    Missing(&'static Tool),
    /// The tool answered that it is not logged in.
    LoggedOut(&'static Tool, String),
    /// The tool failed.
    Failed {
        /// The command, as printed.
        command: String,
        /// Its exit status (`None`: killed by a signal).
        status: Option<i32>,
        /// What it said on standard error (trimmed).
        stderr: String,
    },
    /// A command's output was not what the verb expected.
    Unexpected(String),
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Missing(t) => write!(f, "`{}` was not found on PATH\n  help: {}", t.program, t.install),
            Self::LoggedOut(t, said) => write!(f, "`{}` is not logged in: {said}\n  help: {}", t.program, t.login),
            Self::Failed { command, status, stderr } => {
                let status = status.map_or_else(|| "a signal".to_owned(), |s| format!("status {s}"));
                write!(f, "`{command}` failed with {status}")?;
                if !stderr.is_empty() {
                    write!(f, ":\n{stderr}")?;
                }
                Ok(())
            }
            Self::Unexpected(what) => f.write_str(what),
        }
    }
}

impl std::error::Error for Error {}

/// Runs commands, or records them under `--dry-run`.
#[derive(Debug, Default)]
pub struct Runner {
    /// Record instead of running: nothing runs, not even a command that only reads.
    pub dry_run: bool,
    /// Every command, in order, run or not.
    pub commands: Vec<Command>,
}

impl Runner {
    /// A runner; `dry_run` runs nothing.
    pub fn new(dry_run: bool) -> Self {
        Self { dry_run, commands: Vec::new() }
    }

    /// Run `cmd` and return its standard output; under `--dry-run`, an empty string.
    pub fn output(&mut self, cmd: Command) -> Result<String, Error> {
        self.commands.push(cmd.clone());
        if self.dry_run {
            return Ok(String::new());
        }
        let out = spawn(&cmd, Stdio::piped())?;
        String::from_utf8(out).map_err(|_| Error::Unexpected(format!("`{cmd}` printed something that is not UTF-8")))
    }

    /// Run `cmd` with its output going to ours (logs, a followed run).
    pub fn stream(&mut self, cmd: Command) -> Result<(), Error> {
        self.commands.push(cmd.clone());
        if self.dry_run {
            return Ok(());
        }
        spawn(&cmd, Stdio::inherit()).map(drop)
    }
}

fn spawn(cmd: &Command, stdout: Stdio) -> Result<Vec<u8>, Error> {
    let mut child = std::process::Command::new(cmd.tool.program)
        .args(&cmd.args)
        .stdin(if cmd.stdin.is_some() { Stdio::piped() } else { Stdio::null() })
        .stdout(stdout)
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound | std::io::ErrorKind::PermissionDenied => Error::Missing(cmd.tool),
            _ => Error::Failed { command: cmd.to_string(), status: None, stderr: e.to_string() },
        })?;
    if let (Some(Secret(value)), Some(mut pipe)) = (&cmd.stdin, child.stdin.take()) {
        // A tool that exits before reading all of it reports its own error below.
        let _ = pipe.write_all(value.as_bytes());
    }
    let out = child.wait_with_output().map_err(|e| Error::Failed {
        command: cmd.to_string(),
        status: None,
        stderr: e.to_string(),
    })?;
    if out.status.success() {
        return Ok(out.stdout);
    }
    let stderr = String::from_utf8_lossy(&out.stderr).trim().to_owned();
    let lower = stderr.to_lowercase();
    if cmd.tool.logged_out.iter().any(|m| lower.contains(m)) {
        let first = stderr.lines().next().unwrap_or_default().to_owned();
        return Err(Error::LoggedOut(cmd.tool, first));
    }
    Err(Error::Failed { command: cmd.to_string(), status: out.status.code(), stderr })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn printed_commands_quote_what_a_shell_would_split_and_hide_the_secret() {
        let c = Command::new(&GH, ["workflow", "run", "payment-api.yml", "-f", "canary-weight=10"]);
        assert_eq!(c.to_string(), "gh workflow run payment-api.yml -f canary-weight=10");
        let c = Command::new(&AWS, ["x", "it's a b", ""]).stdin_secret("hunter2".into());
        assert_eq!(c.to_string(), r"aws x 'it'\''s a b' '' < (the value, on standard input)");
        assert!(!format!("{c:?}").contains("hunter2") && !c.to_string().contains("hunter2"));
    }

    #[test]
    fn a_dry_run_records_changes_without_running_them() {
        let mut r = Runner::new(true);
        let out = r.output(Command::new(&GH, ["workflow", "run", "x.yml"]));
        assert_eq!(out, Ok(String::new()));
        assert_eq!(r.commands.len(), 1);
    }

    #[test]
    fn a_missing_tool_is_named_with_how_to_install_it() {
        static NOPE: Tool = Tool { program: "platform-no-such-tool", install: "get it", login: "", logged_out: &[] };
        let err = Runner::new(false).output(Command::new(&NOPE, ["x"])).unwrap_err();
        assert_eq!(err, Error::Missing(&NOPE));
        assert!(err.to_string().contains("`platform-no-such-tool` was not found on PATH\n  help: get it"));
    }
}
