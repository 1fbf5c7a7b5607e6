//! Registry of `GRAF` codes. Append-only.
//!
//! The dashboard has no user-facing diagnostics of its own yet: everything it needs is
//! checked before it runs (the uid length by `LOW005`, names by `LOW004`, metric names and
//! the error selector by `LOW019`), and the SLO checks belong to the `prometheus` backend
//! (`PROM001`, `PROM002`), so they are reported once.

use platform_ir::Code;

/// Every code of this crate, in order.
pub const ALL: &[&Code] = &[];
