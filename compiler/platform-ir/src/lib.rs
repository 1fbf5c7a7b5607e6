//! `platform-ir` is the one API boundary of the compiler (STYLE A3).
//!
//! It holds the resolved intermediate representation ([`Service`], [`Org`]), source
//! positions ([`Span`], [`Sp`]), [`Diagnostic`]s, the [`ArtifactSet`] a backend returns and the
//! [`Backend`] trait itself. Front end, backends and writer all speak these types; nothing
//! here reads files, clocks or the environment.

pub mod artifact;
pub mod backend;
pub mod codes;
pub mod deploy;
pub mod diagnostic;
pub mod model;
pub mod naming;
pub mod quantity;
pub mod ratio;
pub mod slo;
pub mod source;
pub mod span;
pub mod text;

pub use artifact::{Artifact, ArtifactSet, Format, RelPath};
pub use backend::{Backend, BackendId, Emitted};
pub use diagnostic::{Code, Diagnostic, Label, Severity};
pub use model::*;
pub use quantity::{Cpu, Memory};
pub use ratio::Ratio;
pub use source::{SourceFile, Sources};
pub use span::{FileId, Sp, Span};
