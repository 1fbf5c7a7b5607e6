//! The bounded fuzz run of the test suite (issue 16): mutated golden inputs and
//! schema-generated documents through the whole pipeline, checked for panics, budgets,
//! parsable output, byte-identical rebuilds and the writer. The long run is
//! `platform fuzz --inputs 1000000` (CONTRIBUTING.md); its result is in the book.

mod support;

use std::time::Duration;

use platform_cli::fuzz;

#[test]
fn a_bounded_fuzz_run_finds_nothing() {
    let corpus = fuzz::corpus(&fuzz::default_corpus(&support::repo()));
    assert!(corpus.len() > 50, "corpus of {} cases", corpus.len());
    let settings = fuzz::Settings { inputs: 400, seed: 7, threads: 2, budget: Duration::from_secs(30), failures: None };
    let o = fuzz::run_inputs(&corpus, &settings);
    assert_eq!(o.inputs, 400);
    assert!(o.built > 10, "only {} of the inputs built: the generator no longer reaches the backends", o.built);
    assert!(o.failures.is_empty(), "{}", o.failures.join("\n"));
}

#[test]
fn the_format_checks_see_broken_files() {
    assert!(fuzz::unparsable("a/terraform/main.tf", b"resource \"x\" \"y\" {\n  a = \"b\"\n").is_some());
    assert!(fuzz::unparsable("a/terraform/main.tf", b"locals {\n  a = \"${b}\"\n  c = [1, 2]\n}\n").is_none());
    assert!(fuzz::unparsable("a/terraform/main.tf", b"x = \"open\n").is_some());
    assert!(fuzz::unparsable("a/x.json", b"{\"a\": }").is_some());
    assert!(fuzz::unparsable("a/catalog-info.yaml", b"a: 1\n---\nb: 2\n").is_none());
    assert!(fuzz::unparsable("a/values.yaml", b"a: [1\n").is_some());
    assert!(fuzz::unparsable("a/helm/x/templates/a.yaml", b"{{ if .x }}\n").is_some());
    assert!(fuzz::unparsable("a/helm/x/templates/a.yaml", b"{{- if .x }}\na: {{ .y }}\n{{- end }}\n").is_none());
    assert!(fuzz::unparsable("a/README.md", b"\xff").is_some());
}
