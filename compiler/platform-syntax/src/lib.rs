//! `platform-syntax`: the only crate that reads input files (STYLE A1).
//!
//! - [`read`] loads a file with size, UTF-8 and binary checks.
//! - [`yaml`] parses YAML 1.2 into a spanned [`yaml::Node`] tree: duplicate keys, tabs,
//!   multiple documents, alias bombs and deep nesting are errors with spans.
//! - [`de`] decodes a node tree into serde types, *recovering* from errors: a wrong value is
//!   reported and decoding goes on, so one run reports every mistake in a file.
//! - [`discover`] finds `platform.yaml` files under a path (respecting `.gitignore`) and the
//!   org file for each.

pub mod codes;
pub mod de;
pub mod discover;
pub mod edit;
pub mod field;
pub mod read;
pub mod yaml;

pub use field::Field;
