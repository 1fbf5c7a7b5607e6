//! Codes the IR layer itself reports (scope `IR`): internal invariants only. User-facing
//! codes live with the crate that finds the problem (`SYN`, `LOW`, `VAL`, backends).

use crate::diagnostic::Code;

/// A backend produced a path that is not a clean relative path.
pub const IR001: Code = Code {
    id: "IR001",
    name: "invalid-artifact-path",
    summary: "a backend produced an artifact path that is not a clean relative path",
    docs: "This is a bug in a backend: artifact paths must be relative, `/`-separated and \
           free of `..`. Please report it.",
};

/// Every code of this crate, for the registry.
pub const ALL: &[&Code] = &[&IR001];
