//! The per-language steps of the reusable workflows: set up the org's toolchain, then build,
//! test or audit. Each step runs only for its language (`if: inputs.language == 'go'`), so one
//! reusable workflow serves every language of the org.
//!
//! The golden path's project layout per language, as `platform new service` scaffolds it:
//! TypeScript `package.json` + `package-lock.json` (`npm ci`, `npm run build`, `npm test`);
//! Go modules; Python `unittest` tests under `tests/` (and `requirements.txt` when there are
//! dependencies); Rust `Cargo.lock`; Java a Maven `pom.xml`.

use platform_ir::{Language, Org, Toolchain};
use serde_json::{Value, json};

use crate::doc::map;
use crate::guard::{Guard, Kind};
use crate::pins::{Action, Pins};
use crate::scripts;
use crate::wf::{self, with_if};

/// What the steps are for.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    /// Compile.
    Build,
    /// Run the tests.
    Test,
    /// Audit dependencies with the language's own tool (TypeScript only: `npm audit`).
    Audit,
}

/// Steps for every language the org has a toolchain for.
pub fn steps(g: &mut Guard, pins: &mut Pins<'_>, org: &Org, purpose: Purpose) -> Vec<Value> {
    let mut out = Vec::new();
    for (lang, tc) in &org.languages {
        let script = match (lang, purpose) {
            (Language::Typescript, Purpose::Build) => scripts::NPM_BUILD,
            (Language::Typescript, Purpose::Test) => scripts::NPM_TEST,
            (Language::Typescript, Purpose::Audit) => scripts::NPM_AUDIT,
            (Language::Go, Purpose::Build) => scripts::GO_BUILD,
            (Language::Go, Purpose::Test) => scripts::GO_TEST,
            (Language::Python, Purpose::Build) => scripts::PIP_BUILD,
            (Language::Python, Purpose::Test) => scripts::PIP_TEST,
            (Language::Rust, Purpose::Build) => scripts::CARGO_BUILD,
            (Language::Rust, Purpose::Test) => scripts::CARGO_TEST,
            (Language::Java, Purpose::Build) => scripts::MAVEN_BUILD,
            (Language::Java, Purpose::Test) => scripts::MAVEN_TEST,
            (_, Purpose::Audit) => continue,
        };
        let cond = condition(*lang);
        out.push(with_if(setup(g, pins, *lang, tc), &cond));
        let verb = match purpose {
            Purpose::Build => "Build",
            Purpose::Test => "Test",
            Purpose::Audit => "Audit dependencies",
        };
        out.push(with_if(wf::run(&format!("{verb} ({})", label(*lang)), map([]), script), &cond));
    }
    out
}

/// `inputs.language == 'go'`.
pub fn condition(lang: Language) -> String {
    format!("inputs.language == '{}'", lang.as_str())
}

fn label(lang: Language) -> &'static str {
    match lang {
        Language::Typescript => "TypeScript",
        Language::Go => "Go",
        Language::Python => "Python",
        Language::Rust => "Rust",
        Language::Java => "Java",
    }
}

/// The step that installs the org's toolchain. Package caches stay off: the build workflow
/// publishes an image, and a cache written by one run could poison the next (zizmor
/// `cache-poisoning`).
fn setup(g: &mut Guard, pins: &mut Pins<'_>, lang: Language, tc: &Toolchain) -> Value {
    let version = g.text(&tc.version, Kind::Version);
    match lang {
        Language::Typescript => wf::uses(
            g,
            pins,
            "Set up Node.js",
            Action::SetupNode,
            Some(map([("node-version", json!(version)), ("package-manager-cache", json!(false))])),
        ),
        Language::Go => wf::uses(
            g,
            pins,
            "Set up Go",
            Action::SetupGo,
            Some(map([("go-version", json!(version)), ("cache", json!(false))])),
        ),
        Language::Python => {
            wf::uses(g, pins, "Set up Python", Action::SetupPython, Some(map([("python-version", json!(version))])))
        }
        Language::Java => wf::uses(
            g,
            pins,
            "Set up Java",
            Action::SetupJava,
            Some(map([("distribution", json!("temurin")), ("java-version", json!(version))])),
        ),
        Language::Rust => wf::run("Set up Rust", map([("RUST_VERSION", json!(version))]), scripts::RUSTUP),
    }
}
