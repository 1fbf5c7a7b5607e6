//! The external actions the pipelines use, looked up in the org's lock table
//! (`spec.actions`): every `uses:` is `owner/repo@<40-hex sha> # <tag>`.

use std::collections::BTreeSet;

use platform_ir::{ActionPin, Org};
use serde_json::Value;

use crate::doc::commented;
use crate::guard::{Guard, Kind};

/// An external action, by its key in the lock table.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Action {
    /// `actions/checkout`.
    Checkout,
    /// `actions/setup-node`.
    SetupNode,
    /// `actions/setup-go`.
    SetupGo,
    /// `actions/setup-python`.
    SetupPython,
    /// `actions/setup-java`.
    SetupJava,
    /// `aws-actions/configure-aws-credentials`.
    ConfigureAwsCredentials,
    /// `docker/setup-buildx-action`.
    SetupBuildx,
    /// `docker/login-action`.
    DockerLogin,
    /// `docker/build-push-action`.
    BuildPush,
    /// `sigstore/cosign-installer`.
    CosignInstaller,
    /// `aquasecurity/trivy-action`.
    Trivy,
    /// `azure/setup-helm`.
    SetupHelm,
    /// `hashicorp/setup-terraform`.
    SetupTerraform,
}

impl Action {
    /// Key in `spec.actions`.
    pub const fn key(self) -> &'static str {
        match self {
            Action::Checkout => "checkout",
            Action::SetupNode => "setup-node",
            Action::SetupGo => "setup-go",
            Action::SetupPython => "setup-python",
            Action::SetupJava => "setup-java",
            Action::ConfigureAwsCredentials => "configure-aws-credentials",
            Action::SetupBuildx => "setup-buildx",
            Action::DockerLogin => "docker-login",
            Action::BuildPush => "build-push",
            Action::CosignInstaller => "cosign-installer",
            Action::Trivy => "trivy",
            Action::SetupHelm => "setup-helm",
            Action::SetupTerraform => "setup-terraform",
        }
    }

    /// The upstream repository, for messages.
    pub const fn upstream(self) -> &'static str {
        match self {
            Action::Checkout => "actions/checkout",
            Action::SetupNode => "actions/setup-node",
            Action::SetupGo => "actions/setup-go",
            Action::SetupPython => "actions/setup-python",
            Action::SetupJava => "actions/setup-java",
            Action::ConfigureAwsCredentials => "aws-actions/configure-aws-credentials",
            Action::SetupBuildx => "docker/setup-buildx-action",
            Action::DockerLogin => "docker/login-action",
            Action::BuildPush => "docker/build-push-action",
            Action::CosignInstaller => "sigstore/cosign-installer",
            Action::Trivy => "aquasecurity/trivy-action",
            Action::SetupHelm => "azure/setup-helm",
            Action::SetupTerraform => "hashicorp/setup-terraform",
        }
    }
}

/// Pins looked up while building the workflows; remembers which were missing.
pub struct Pins<'a> {
    org: &'a Org,
    missing: BTreeSet<Action>,
}

impl<'a> Pins<'a> {
    /// Pins of `org`.
    pub fn new(org: &'a Org) -> Self {
        Pins { org, missing: BTreeSet::new() }
    }

    /// The `uses:` value of an action: `owner/repo@sha # version`. A missing pin is recorded
    /// (reported once by [`Pins::finish`]) and written as a placeholder that is never output,
    /// because a missing pin is an error and errors stop the writer.
    pub fn uses(&mut self, g: &mut Guard, action: Action) -> Value {
        let Some(pin) = self.org.actions.get(action.key()) else {
            self.missing.insert(action);
            return Value::String(format!("{}@unpinned", action.upstream()));
        };
        commented(reference(g, pin), &g.text(&pin.version, Kind::Version))
    }

    /// Report every missing pin.
    pub fn finish(self, g: &mut Guard) {
        for action in self.missing {
            g.missing_pin(self.org, action);
        }
    }
}

fn reference(g: &mut Guard, pin: &ActionPin) -> String {
    let uses = g.text(&pin.uses, Kind::ActionRef);
    let sha = g.text(&pin.sha, Kind::Sha);
    format!("{uses}@{sha}")
}
