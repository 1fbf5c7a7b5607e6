//! Keeping input values inert: every string that goes into a workflow passes through
//! [`Guard::text`], which reports a `GHA004` at the value's span when it could be read as a
//! GitHub expression (`${{`) or carries characters its kind does not allow.
//!
//! Values never reach a `run:` script directly: scripts are constants of this crate
//! ([`crate::scripts`]) and read values from `env:` as quoted shell variables. The guard is the
//! second fence: an `env:` or `with:` value is still evaluated by GitHub for `${{ }}`.

use platform_ir::{Diagnostic, Org, Service, Sp};

use crate::codes;
use crate::pins::Action;

/// What a value is, which decides its allowed characters.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// Kubernetes, AWS and GitHub names: letters, digits, `.`, `_`, `-`.
    Name,
    /// A relative path: a name plus `/`.
    Path,
    /// A container image repository: lowercase letters, digits, `.`, `_`, `-`, `/`, `:`.
    Image,
    /// A tool or action version: letters, digits, `.`, `_`, `+`, `-`.
    Version,
    /// `owner/repo[/path]` of an action.
    ActionRef,
    /// A 40-digit lowercase hex commit SHA.
    Sha,
    /// A SHA-256 digest: 64 lowercase hex digits.
    Sha256,
    /// An AWS account id: 12 digits.
    Account,
    /// An `https://` URL without quotes, spaces, `$`, braces or backslashes.
    Url,
}

impl Kind {
    pub fn allows(self, s: &str) -> bool {
        let name = |b: u8| b.is_ascii_alphanumeric() || b"._-".contains(&b);
        match self {
            Kind::Name => !s.is_empty() && s.bytes().all(name),
            Kind::Path => !s.is_empty() && s.bytes().all(|b| name(b) || b == b'/'),
            Kind::Image => {
                !s.is_empty()
                    && s.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"._-/:".contains(&b))
            }
            Kind::Version => !s.is_empty() && s.bytes().all(|b| name(b) || b == b'+'),
            Kind::ActionRef => s.split('/').count() >= 2 && s.bytes().all(|b| name(b) || b == b'/'),
            Kind::Sha => s.len() == 40 && s.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)),
            Kind::Sha256 => s.len() == 64 && s.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)),
            Kind::Account => s.len() == 12 && s.bytes().all(|b| b.is_ascii_digit()),
            Kind::Url => {
                s.starts_with("https://")
                    && s.len() > "https://".len()
                    && s.bytes().all(|b| b.is_ascii_graphic() && !b"\"'`$\\{}<>|^ ".contains(&b))
            }
        }
    }

    fn describe(self) -> &'static str {
        match self {
            Kind::Name => "letters, digits, `.`, `_` and `-`",
            Kind::Path => "letters, digits, `.`, `_`, `-` and `/`",
            Kind::Image => "lowercase letters, digits, `.`, `_`, `-`, `/` and `:`",
            Kind::Version => "letters, digits, `.`, `_`, `+` and `-` (e.g. `v4.2.3`)",
            Kind::ActionRef => "`owner/repo` of letters, digits, `.`, `_` and `-`",
            Kind::Sha => "the 40 lowercase hex digits of a commit",
            Kind::Sha256 => "the 64 lowercase hex digits of a SHA-256 digest",
            Kind::Account => "the 12 digits of an AWS account id",
            Kind::Url => "an `https://` URL without quotes, spaces, `$`, braces or backslashes",
        }
    }
}

/// Collects the diagnostics of one backend run.
#[derive(Default)]
pub struct Guard {
    /// Problems found so far.
    pub diagnostics: Vec<Diagnostic>,
}

impl Guard {
    /// The value, checked for its kind. A bad value is reported and returned as is: errors stop
    /// the writer, so it never reaches a file.
    pub fn text(&mut self, v: &Sp<String>, kind: Kind) -> String {
        let s = &v.value;
        let expression = s.contains("${{");
        if expression || !kind.allows(s) {
            let shown: String = s.chars().flat_map(char::escape_debug).take(60).collect();
            let why = if expression {
                "GitHub would evaluate the `${{ }}` in it"
            } else {
                "it has characters its kind cannot have"
            };
            self.diagnostics.push(Diagnostic::error(
                &codes::GHA004,
                format!("`{shown}` cannot be written into a GitHub Actions workflow: {why}"),
                v.span,
                "not inert in a workflow",
                format!("write this value with {} only", kind.describe()),
            ));
        }
        s.clone()
    }

    /// The service's directory, checked for use as a path filter, a working directory and a
    /// shell word (`GHA003` at the service's name, since a directory has no span of its own).
    pub fn service_dir(&mut self, svc: &Service) -> String {
        let dir = &svc.dir;
        if dir == "." || is_safe_path(dir) {
            return dir.clone();
        }
        let shown: String = dir.chars().flat_map(char::escape_debug).take(80).collect();
        self.diagnostics.push(Diagnostic::error(
            &codes::GHA003,
            format!("the directory `{shown}` of service `{}` is not safe in a workflow path filter", svc.name.value),
            svc.name.span,
            "its directory has unsafe characters",
            "rename the directory to use only letters, digits, `.`, `_`, `-` and `/`",
        ));
        dir.clone()
    }

    /// An action the pipelines need has no pin (`GHA001`, at the org's name).
    pub fn missing_pin(&mut self, org: &Org, action: Action) {
        self.diagnostics.push(Diagnostic::error(
            &codes::GHA001,
            format!("the org's action lock table has no pin for `{}` (key `{}`)", action.upstream(), action.key()),
            org.name.span,
            "action lock table incomplete",
            format!(
                "add `spec.actions.{}: {{uses: {}, sha: <full commit SHA>, version: <tag>}}` to the org file",
                action.key(),
                action.upstream()
            ),
        ));
    }

    /// The service's language has no toolchain (`GHA002`, at the service's `language`).
    pub fn missing_toolchain(&mut self, svc: &Service) {
        self.diagnostics.push(Diagnostic::error(
            &codes::GHA002,
            format!("the org file has no CI toolchain for `{}`", svc.language.value),
            svc.language.span,
            "no toolchain for this language",
            format!("add `spec.languages.{}` (with its `version`) to the org file", svc.language.value),
        ));
    }

    /// Two generated workflows share a file name (`GHA005`, at the later service's name).
    pub fn collision(&mut self, file: &str, svc: &Service, other: &str) {
        self.diagnostics.push(Diagnostic::error(
            &codes::GHA005,
            format!("the workflow `{file}` of service `{}` has the same file name as {other}", svc.name.value),
            svc.name.span,
            "workflow file name taken",
            "rename the service so that its workflow gets a distinct file name in `.github/workflows/`",
        ));
    }
}

/// A relative path of safe segments: no glob, shell or expression syntax, no `..`.
pub fn is_safe_path(dir: &str) -> bool {
    !dir.is_empty()
        && !dir.starts_with('/')
        && dir.split('/').all(|seg| {
            !seg.is_empty()
                && seg != "."
                && seg != ".."
                && seg.bytes().all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_with_globs_spaces_or_expressions_are_unsafe() {
        for ok in ["services/payment-api", "a", "svc/v1.2/x_y"] {
            assert!(is_safe_path(ok), "{ok}");
        }
        for bad in [
            "services/payment api",
            "services/*",
            "services/[a-z]",
            "services/a?b",
            "services/!a",
            "services/{a,b}",
            "services/a+",
            "services/$(id)",
            "services/a;b",
            "services/`x`",
            "services/${{ github.token }}",
            "services/a\"b",
            "../escape",
            "/abs",
            "a//b",
            "a/./b",
            "a\nb",
            "",
        ] {
            assert!(!is_safe_path(bad), "{bad:?}");
        }
    }

    #[test]
    fn kinds_reject_expressions_everywhere() {
        for kind in [Kind::Name, Kind::Path, Kind::Image, Kind::Version, Kind::Url] {
            assert!(!kind.allows("${{ secrets.X }}"), "{kind:?}");
        }
        assert!(Kind::Url.allows("https://grafana.example.com/a?b=c"));
        assert!(!Kind::Url.allows("http://grafana.example.com"));
        assert!(!Kind::Url.allows("https://x/$(id)"));
        assert!(Kind::Image.allows("ghcr.io/example-org/payment-api"));
        assert!(!Kind::Image.allows("ghcr.io/Example/x"));
        assert!(Kind::Sha.allows("3d3c42e5aac5ba805825da76410c181273ba90b1"));
        assert!(!Kind::Sha.allows("3d3c42e"));
        assert!(Kind::Version.allows("v7.0.1") && Kind::Version.allows("0.35.0") && !Kind::Version.allows("v1 # x"));
    }
}
