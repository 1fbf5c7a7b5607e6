//! Literal text inside a Helm template.
//!
//! Helm templates are Go templates: the only thing that is not copied through verbatim is
//! an action, which starts at `{{`. [`go_template_text`] makes any text inert by replacing
//! each `{{` with the action `{{ "{{" }}`, which prints `{{`. Nothing else needs escaping:
//! `}}` outside an action is plain text. The text must already be valid YAML in its place
//! (this crate serializes it with the YAML printer first), so quotes, newlines, `: ` and
//! leading `*`/`&` are the serializer's job.

/// `text` escaped so that a Go template prints it back unchanged.
pub fn go_template_text(text: &str) -> String {
    text.replace("{{", "{{ \"{{\" }}")
}

#[cfg(test)]
mod tests {
    use super::go_template_text;

    /// The action the escape inserts.
    const ACTION: &str = "{{ \"{{\" }}";

    /// What a Go template prints for escaped text: each inserted action prints `{{`; every
    /// other byte is plain text, which is only true if no other `{{` is left.
    fn render(escaped: &str) -> String {
        let parts: Vec<&str> = escaped.split(ACTION).collect();
        for p in &parts {
            assert!(!p.contains("{{"), "an action would start in {p:?} of {escaped:?}");
        }
        parts.join("{{")
    }

    #[test]
    fn every_opening_delimiter_becomes_an_inert_action() {
        for s in [
            "",
            "plain",
            "{{ .Values.x }}",
            "{{{",
            "{{{{",
            "a{{b}}c{{",
            "{{- fail \"x\" -}}",
            "{{/* comment */}}",
            "}} {{ }}",
            "{ {",
            "{{\"{{\"}}",
        ] {
            let e = go_template_text(s);
            assert_eq!(render(&e), s, "{s:?} -> {e:?}");
        }
        for n in 0..12 {
            let s: String = (0..n).map(|i| if i % 3 == 2 { '}' } else { '{' }).collect();
            assert_eq!(render(&go_template_text(&s)), s);
        }
    }
}
