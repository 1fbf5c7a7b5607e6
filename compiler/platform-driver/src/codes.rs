//! Registry of `DRV` codes: problems with the set of inputs as a whole.

use platform_ir::Code;

/// Services of one build resolve to different org files.
pub const DRV001: Code = Code {
    id: "DRV001",
    name: "multiple-org-files",
    summary: "services of one build are under different org files",
    docs: "A build compiles against one golden path. When the services found under the build path resolve to different `platform-org.yaml` files (walking up from each service), the build stops.\n\nFix: build each org's directory separately, or pass one org file with `--org`.",
};

/// Every code of this crate.
pub const ALL: &[&Code] = &[&DRV001];
