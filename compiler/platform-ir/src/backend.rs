//! The Backend trait (STYLE C): a pure function from the IR to files plus diagnostics.

use std::fmt;

use crate::artifact::ArtifactSet;
use crate::diagnostic::Diagnostic;
use crate::model::{Org, Service};

/// A backend's stable, kebab-case id: crate suffix, output directory and diagnostic scope.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct BackendId(pub &'static str);

impl fmt::Display for BackendId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0)
    }
}

/// The directory of a service's files from one backend, relative to the output root: the
/// layout the driver writes, `<service>/<backend>`.
pub fn service_dir(service: &str, backend: BackendId) -> String {
    format!("{service}/{backend}")
}

/// The directory of a backend's org-wide files, relative to the output root: `_org/<backend>`.
pub fn org_dir(backend: BackendId) -> String {
    format!("_org/{backend}")
}

/// The directory of a backend's org packages, relative to the packages directory
/// (`platform build --org-packages DIR`): `<backend>`.
pub fn packages_dir(backend: BackendId) -> String {
    backend.0.to_owned()
}

/// The backend whose file `rel` (relative to the output root) is, by the layout of
/// [`service_dir`] and [`org_dir`]: `<service or _org>/<backend>/<file>`.
pub fn backend_of(rel: &str) -> Option<&str> {
    let mut parts = rel.splitn(3, '/');
    let (_, backend, file) = (parts.next()?, parts.next()?, parts.next()?);
    (!file.is_empty()).then_some(backend)
}

/// The path from a backend's org directory ([`org_dir`]) to a service's directory of another
/// (or the same) backend ([`service_dir`]), for org files that refer to service files.
pub fn org_to_service(service: &str, backend: BackendId) -> String {
    format!("../../{}", service_dir(service, backend))
}

/// The path from a directory `below` levels under a service's backend directory
/// ([`service_dir`]) to the same backend's org directory ([`org_dir`]), for service files that
/// refer to org files (a chart's dependency on the org's library chart: `below` is 1).
pub fn service_to_org(backend: BackendId, below: usize) -> String {
    format!("{}{}", "../".repeat(2 + below), org_dir(backend))
}

/// Files and findings from one backend run.
#[derive(Clone, Debug, Default)]
pub struct Emitted {
    /// Files, relative to the backend's own root.
    pub artifacts: ArtifactSet,
    /// Problems found (spans point at the user's YAML).
    pub diagnostics: Vec<Diagnostic>,
}

/// A code generator. Object-safe: the driver holds `&[&dyn Backend]` (STYLE C1).
///
/// Backends are pure: no I/O, no globals, no clocks. Each service is emitted on its own, so
/// the driver can run services in parallel; what a service needs of others (dependencies,
/// dependents) is already resolved into its [`Service`].
pub trait Backend: Send + Sync {
    /// Stable id, e.g. `helm`.
    fn id(&self) -> BackendId;

    /// Files for one service, relative to `<out>/<service>/<id>/`.
    fn emit_service(&self, org: &Org, service: &Service) -> Emitted;

    /// Org-wide files (e.g. reusable workflows), relative to `<out>/_org/<id>/`. Most
    /// backends have none.
    fn emit_org(&self, _org: &Org, _services: &[&Service]) -> Emitted {
        Emitted::default()
    }

    /// The org's shared packages (`platform build --org-packages DIR`), relative to
    /// `<DIR>/<id>/` ([`packages_dir`]), each laid out as its ecosystem publishes it: what
    /// services reference instead of a copy. Most backends have none.
    fn emit_packages(&self, _org: &Org) -> Emitted {
        Emitted::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backend_of_reads_the_layout_back() {
        let helm = BackendId("helm");
        assert_eq!(backend_of(&format!("{}/Chart.yaml", service_dir("api", helm))), Some("helm"));
        assert_eq!(backend_of(&format!("{}/x/y.yml", org_dir(helm))), Some("helm"));
        assert_eq!(backend_of("api/helm"), None);
        assert_eq!(backend_of(".platform-generated"), None);
        assert_eq!(service_to_org(helm, 1), "../../../_org/helm");
    }
}
