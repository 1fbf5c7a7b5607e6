//! Loading a file: size limit, binary and UTF-8 checks. The one place input is read.

use std::io::Read;
use std::path::Path;

use platform_ir::{Diagnostic, FileId, SourceFile, Span};

use crate::codes;

/// Largest input file accepted.
pub const MAX_FILE_BYTES: u64 = 1 << 20;

/// Read `path`, shown to people as `display`. Always returns a [`SourceFile`] (empty text
/// when unreadable) so a diagnostic can name the file; the diagnostic says why it failed.
pub fn read_file(path: &Path, display: &str, id: FileId) -> (SourceFile, Option<Diagnostic>) {
    let at = Span::new(id, 0, 0);
    let fail = |code, msg: String, help: &str| {
        (SourceFile::new(display, ""), Some(Diagnostic::error(code, msg, at, "here", help)))
    };
    // Look before opening: opening a FIFO blocks until a writer comes, and a directory
    // or a device is never a platform file.
    match std::fs::metadata(path) {
        Ok(m) if !m.is_file() => {
            return fail(
                &codes::SYN015,
                format!("`{display}` is {}, not a regular file", kind_of(&m.file_type())),
                "platform files are regular YAML files; remove or rename this entry",
            );
        }
        _ => {}
    }
    let file = match std::fs::File::open(path) {
        Ok(f) => f,
        Err(e) => {
            return fail(&codes::SYN015, format!("cannot read `{display}`: {e}"), "check the path and its permissions");
        }
    };
    let mut bytes = Vec::new();
    if let Err(e) = file.take(MAX_FILE_BYTES + 1).read_to_end(&mut bytes) {
        return fail(&codes::SYN015, format!("cannot read `{display}`: {e}"), "check the path and its permissions");
    }
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return fail(
            &codes::SYN006,
            format!("`{display}` is larger than {} KiB", MAX_FILE_BYTES / 1024),
            "a platform file is a few hundred lines at most; check that the right file has this name",
        );
    }
    from_bytes(bytes, display, id)
}

/// What a non-regular file is, for a message.
fn kind_of(t: &std::fs::FileType) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if t.is_fifo() {
            return "a FIFO";
        }
        if t.is_socket() {
            return "a socket";
        }
        if t.is_block_device() || t.is_char_device() {
            return "a device";
        }
    }
    if t.is_dir() { "a directory" } else { "a special file" }
}

/// Check raw bytes: a NUL or invalid UTF-8 make it binary. A BOM is dropped.
pub fn from_bytes(bytes: Vec<u8>, display: &str, id: FileId) -> (SourceFile, Option<Diagnostic>) {
    if let Some(pos) = bytes.iter().position(|&b| b == 0) {
        let text = String::from_utf8_lossy(&bytes[..pos]).into_owned();
        let off = u32::try_from(text.len()).unwrap_or(0);
        let d = Diagnostic::error(
            &codes::SYN004,
            format!("`{display}` is a binary file (it contains a NUL byte)"),
            Span::new(id, off, off),
            "NUL byte here",
            "platform files are UTF-8 YAML text; check that the right file has this name",
        );
        return (SourceFile::new(display, text), Some(d));
    }
    match String::from_utf8(bytes) {
        Ok(mut text) => {
            if text.starts_with('\u{feff}') {
                text.drain(..3);
            }
            (SourceFile::new(display, text), None)
        }
        Err(e) => {
            let good = e.utf8_error().valid_up_to();
            let text = String::from_utf8_lossy(&e.as_bytes()[..good]).into_owned();
            let off = u32::try_from(good).unwrap_or(0);
            let d = Diagnostic::error(
                &codes::SYN004,
                format!("`{display}` is not valid UTF-8"),
                Span::new(id, off, off),
                "invalid byte here",
                "save the file as UTF-8",
            );
            (SourceFile::new(display, text), Some(d))
        }
    }
}
