//! Characters no generated line and no printed diagnostic may carry as they are.

/// True for a character that would break a line or change how it reads: control characters
/// (a terminal acts on escapes; a carriage return overwrites the line), the Unicode line and
/// paragraph separators U+2028 and U+2029 (YAML 1.1 readers and editors break lines there),
/// and the bidirectional embeddings, overrides and isolates (text shown in another order
/// than it is). Tab and newline are left to the caller.
pub fn is_unsafe(c: char) -> bool {
    (c.is_control() && c != '\t' && c != '\n')
        || matches!(c, '\u{2028}' | '\u{2029}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

#[cfg(test)]
mod tests {
    #[test]
    fn breaks_and_overrides_are_unsafe_text_is_not() {
        for c in ['\u{1b}', '\r', '\u{85}', '\u{2028}', '\u{2029}', '\u{202e}', '\u{2066}', '\0'] {
            assert!(super::is_unsafe(c), "{c:?}");
        }
        for c in ['a', 'é', '名', '\t', '\n', ' ', '\u{200b}'] {
            assert!(!super::is_unsafe(c), "{c:?}");
        }
    }
}
