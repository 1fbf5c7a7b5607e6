//! `platform-compiler`: the middle of the pipeline, pure and file-system free.
//!
//! `syntax::Node` trees come in (the org file's and every `platform.yaml`'s); the resolved
//! IR and diagnostics come out:
//!
//! 1. the org file is merged over the built-in defaults ([`defaults`], [`merge`]) and
//!    decoded into [`raw::OrgFile`], then lowered to an [`ir::Org`];
//! 2. each service file is decoded into [`raw::ServiceFile`] and lowered against its org
//!    ([`lower::service`]), environment overrides merged in;
//! 3. [`validate`] binds dependencies across services and enforces tier policies;
//! 4. [`changes`] compares two builds of the same services for changes no apply can make
//!    (`platform diff --base`), and [`risks`] for what a reviewer must see first.

pub mod changes;
pub mod codes;
pub mod defaults;
pub mod lower;
pub mod merge;
pub mod raw;
pub mod risks;
pub mod schema;
pub mod validate;

use platform_ir as ir;
use platform_ir::{Diagnostic, FileId};
use platform_syntax::de::{decode, decode_with};
use platform_syntax::yaml::Node;

/// One org of a build: the built-in defaults, and the org file if there is one.
pub struct OrgInput<'a> {
    /// The parsed built-in defaults (see [`defaults::BUILTIN`]).
    pub builtin: &'a Node,
    /// The parsed org file, if any.
    pub file: Option<&'a Node>,
}

/// One service file of a build.
pub struct ServiceInput<'a> {
    /// Its parsed tree.
    pub node: &'a Node,
    /// Directory relative to the build root.
    pub dir: &'a str,
    /// Index into the build's orgs.
    pub org: usize,
}

/// The result of compiling a build.
#[derive(Debug, Default)]
pub struct Compiled {
    /// Resolved orgs (one per org file; an org with errors is missing and its services
    /// are skipped).
    pub orgs: Vec<Option<ir::Org>>,
    /// Resolved services, in input order.
    pub services: Vec<ir::Service>,
    /// Every diagnostic, sorted.
    pub diagnostics: Vec<Diagnostic>,
}

/// Lower one org.
pub fn compile_org(input: &OrgInput<'_>) -> (Option<ir::Org>, Vec<Diagnostic>) {
    let merged = match input.file {
        Some(file) => merge::merge(input.builtin, file),
        None => input.builtin.clone(),
    };
    let (raw, mut diags) = decode::<raw::OrgFile>(&merged);
    let mut lx = lower::Lx::default();
    let org = raw.and_then(|raw| lower::org::lower(&mut lx, &raw, merged.span));
    diags.extend(lx.diags);
    (org, diags)
}

/// Lower one service against its org (no cross-service checks).
pub fn compile_service(org: &ir::Org, input: &ServiceInput<'_>) -> (Option<ir::Service>, Vec<Diagnostic>) {
    let (raw, mut diags) = decode_with::<raw::ServiceFile>(input.node, Some(schema::service_key_places));
    let mut lx = lower::Lx::default();
    let origin = lower::service::Origin { dir: input.dir, org_index: input.org };
    let service = raw.and_then(|raw| lower::service::lower(&mut lx, org, input.node, &raw, &origin));
    diags.extend(lx.diags);
    (service, diags)
}

/// Sort and de-duplicate diagnostics (an environment merge decodes base values again).
pub fn finish(diags: &mut Vec<Diagnostic>) {
    ir::diagnostic::sort(diags);
    diags.dedup_by(|a, b| a.code == b.code && a.primary.span == b.primary.span && a.message == b.message);
}

/// The file id the built-in defaults must be registered under, by convention the first.
pub const BUILTIN_FILE: FileId = FileId(0);
