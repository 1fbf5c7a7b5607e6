//! F6: the committed JSON Schemas are the ones the input types generate.

mod support;

#[test]
fn committed_schemas_match_the_input_types() {
    let dir = support::repo().join("schemas");
    for (file, text) in [
        ("platform.schema.json", platform_compiler::schema::service_schema()),
        ("platform-org.schema.json", platform_compiler::schema::org_schema()),
    ] {
        let path = dir.join(file);
        if support::bless() {
            std::fs::write(&path, &text).unwrap();
            continue;
        }
        let committed = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(committed == text, "schemas/{file} is stale: run `PLATFORM_BLESS=1 cargo test --test schema`");
    }
}
