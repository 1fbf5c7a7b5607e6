//! `platform-emit`: the only crate that writes files (STYLE A1).
//!
//! - [`header`] stamps the do-not-edit line on every file whose format has comments.
//! - [`Writer`] takes files one by one (from many threads) and either
//!   - **writes**: into a staging directory next to the output, then swaps it in, so a
//!     failed or killed build leaves the previous tree as it was; files whose bytes did not
//!     change are carried over as hard links, never rewritten; files no longer produced are
//!     dropped, but only inside the output directory the writer owns (it carries a
//!     [`MARKER`] file); or
//!   - **checks**: writes nothing and reports every drift with a unified diff.

mod header;
mod writer;

pub use header::header;
pub use writer::{Drift, EmitError, MARKER, Mode, Report, Scope, Writer, read_generated, unified_diff};
