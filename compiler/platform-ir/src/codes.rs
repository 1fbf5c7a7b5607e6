//! Codes the IR layer itself would report (scope `IR`). It has none today: user-facing
//! codes live with the crate that finds the problem (`SYN`, `LOW`, `VAL`, `DRV`, backends),
//! and broken invariants inside the compiler are bugs (`debug_assert!`), not diagnostics.

use crate::diagnostic::Code;

/// Every code of this crate, for the registry.
pub const ALL: &[&Code] = &[];
