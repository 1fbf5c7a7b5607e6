//! Registry of `DRV` codes: problems with the set of inputs as a whole.

use platform_ir::Code;

/// Services of one build resolve to different org files.
pub const DRV001: Code = Code {
    id: "DRV001",
    name: "multiple-org-files",
    summary: "services of one build are under different org files",
    docs: "A build compiles against one golden path. Each service's org is the nearest `platform-org.yaml` walking up from its own directory to the repository root, or the built-in defaults when there is none. When the services found under the build path resolve to different orgs (two org files, or an org file for some and none for others), the build stops: the services under another org than the build's are named, with both orgs, and none of them is compiled against an org that is not its own.\n\nFix: build each org's directory separately, or pass one org file for all with `--org`.",
};

/// Every code of this crate.
pub const ALL: &[&Code] = &[&DRV001];
