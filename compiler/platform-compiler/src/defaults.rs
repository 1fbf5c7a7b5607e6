//! The built-in golden path, embedded so `platform build` works with no org file. It is a
//! real YAML file, so a defaulted value still has a span to explain.

/// Display name of the built-in defaults in diagnostics and `explain`.
pub const BUILTIN_NAME: &str = "<built-in defaults>";

/// The text of the built-in org file.
pub const BUILTIN: &str = include_str!("defaults/platform-org.yaml");
