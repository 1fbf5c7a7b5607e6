//! Registry of `SYN` codes: problems found while reading and decoding YAML.

platform_ir::codes! {
    SYN001 "invalid-yaml" "the file is not valid YAML"
        "The YAML parser stopped at the marked place.\n\nWhy it matters: nothing in the file can be read past a syntax error.\n\nFix: correct the syntax there; the parser's own message says what it expected.";
    SYN002 "tab-indentation" "a tab character is used for indentation"
        "YAML forbids tabs for indentation.\n\nExample:\n```yaml\nspec:\n\tlanguage: go\n```\n\nFix: indent with spaces (two per level is the house style).";
    SYN003 "empty-file" "the file is empty"
        "A `platform.yaml` or org file must hold one mapping with `kind`, `metadata` and `spec`.\n\nFix: write the service description, or run `platform new service NAME`.";
    SYN004 "not-text" "the file is not UTF-8 text"
        "The file holds a NUL byte or bytes that are not UTF-8, so it is binary or in another encoding.\n\nFix: save it as UTF-8 text.";
    SYN005 "multiple-documents" "the file holds more than one YAML document"
        "One file describes one service (or one org). A second `---` document is not read.\n\nFix: move the second document to its own directory's `platform.yaml`.";
    SYN006 "file-too-large" "the file is larger than the limit"
        "Files over 1 MiB are refused before parsing: no real service description is that large, and a limit keeps a build from being stalled by a stray file.\n\nFix: check that the right file is named `platform.yaml`.";
    SYN007 "nesting-too-deep" "the YAML is nested too deeply"
        "More than 64 levels of nesting are refused (a defence against nesting bombs).\n\nFix: flatten the structure; no field of `platform.yaml` needs that depth.";
    SYN008 "alias-expansion-too-large" "aliases expand to too many nodes or too much text"
        "Anchors and aliases (`&a`, `*a`) are expanded while reading. A document may hold at most 100 000 values and 4 MiB of text once expanded, which stops a 'billion laughs' file, or one long string repeated a thousand times, from exhausting memory and time. A file with that many values written out gets the same code.\n\nFix: write the values out, or use fewer nested aliases.";
    SYN009 "duplicate-key" "a mapping has the same key twice"
        "YAML parsers disagree on which of two equal keys wins, so a duplicate is always an error.\n\nExample:\n```yaml\nruntime:\n  replicas: 2\n  replicas: 3\n```\n\nFix: keep one of them.";
    SYN010 "unknown-key" "a key that the schema does not know"
        "Unknown keys are errors, not silently ignored: a typo such as `replica:` would otherwise leave the default in force.\n\nFix: use the suggested name, or see `platform schema` for the fields that exist.";
    SYN011 "wrong-type" "a value of the wrong type"
        "The field expects another type, e.g. a number where a string was written (`slo: \"99.9\"`) or a list where a mapping was written.\n\nFix: write the value in the expected type; the label says which.";
    SYN012 "unknown-variant" "a value that is not one of the allowed words"
        "Fields such as `tier`, `database.type` and `deployment.strategy` take one word from a fixed list.\n\nExample: `tier: critcal`\n\nFix: use one of the listed words; a close match is suggested.";
    SYN013 "unsupported-yaml" "a YAML feature that platform files do not support"
        "Custom tags (`!include`), complex keys (a mapping used as a key) and non-string keys are not supported.\n\nFix: write plain keys and values.";
    SYN014 "missing-field" "a required field is missing"
        "The marked mapping lacks a field that has no default.\n\nFix: add the field; the help names it.";
    SYN015 "file-unreadable" "the file could not be read"
        "The operating system refused to read the file (permissions, or it vanished during the build).\n\nFix: check the path and permissions.";
}
