//! Registry of `SCAF` codes: problems with a `platform new` request, its target or the
//! org's scaffolding templates. Append-only.

platform_ir::codes! {
    SCAF001 "unknown-language" "the language is not one the org's golden path offers"
        "`platform new service --lang` takes a language that both `platform` knows (`typescript`, `go`, `python`, `rust`, `java`) and the org file lists under `spec.languages`, because the org's metric conventions for the language decide the metric names the skeleton app exposes.\n\nExample: `platform new service quote-api --lang node`\n\nFix: use one of the languages the help lists, e.g. `--lang typescript`.";
    SCAF002 "unknown-database" "the database is not `none` or an engine the org offers"
        "`--db` is `none` or an engine of the org file's `spec.databases` (`postgres`, `redis`).\n\nExample: `--db mysql`\n\nFix: use one of the values the help lists, or ask the platform team to offer the engine.";
    SCAF003 "unknown-tier" "the tier is not `critical`, `standard` or `experimental`"
        "The tier decides the service's policies (minimum replicas, paging, backups), the same three as `metadata.tier` in `platform.yaml`.\n\nFix: `--tier critical`, `--tier standard` (the default) or `--tier experimental`.";
    SCAF004 "unknown-team" "the team is not a valid team name, or not one of the org's teams"
        "`--team` becomes `metadata.team`: a DNS-1123 label and, when the org file lists `spec.teams`, one of them (the alerts are routed by it).\n\nFix: use a team the help lists, or ask the platform team to add yours to the org file.";
    SCAF005 "target-exists" "the directory to create already exists"
        "`platform new` never overwrites anything: it writes the new directory under a temporary name and renames it into place, and refuses when the target exists, even when it is empty.\n\nFix: choose another name or `--dir`/`--out`, or remove the directory yourself.";
    SCAF006 "template-error" "a scaffolding template does not render"
        "An override template from the org's `spec.scaffold.templates` directory has a syntax error, uses an unknown variable (templates are rendered strictly), or has a path that cannot be written (absolute, `..`, or two templates for one file). The built-in templates are tested for every language and database.\n\nFix: correct the template at the marked line; the variables are listed in the book's scaffolding chapter.";
    SCAF007 "missing-value" "a required value was not given and there is no terminal to ask"
        "`platform new service` prompts for a missing name, language, database or team when standard input is a terminal. In CI or a pipe nothing can be asked, so every missing value is reported at once.\n\nFix: pass the flags the help names, e.g. `--lang typescript --db none --team payments`.";
    SCAF008 "org-value-not-plain" "an org setting that goes into scaffolded files is not a plain word"
        "Values from the org file (registry, org name, toolchain versions, database size names) are written into the scaffolded `platform.yaml`, Dockerfile and build files. They must be plain words (letters, digits and `.`, `_`, `-`, `/`, `:`, `~`, `+`, `@`) so they cannot change the structure of those files.\n\nFix: correct the org setting at the marked place.";
}
