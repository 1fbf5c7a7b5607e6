//! Registry of `GHA` codes: problems the GitHub Actions backend finds while writing the
//! pipelines. Append-only (STYLE D2).

use platform_ir::Code;

/// An action the pipelines use has no pin in the org's lock table.
pub const GHA001: Code = Code {
    id: "GHA001",
    name: "missing-action-pin",
    summary: "an action the generated pipelines need has no pin in the org's `spec.actions` lock table",
    docs: "Every external action in a generated workflow is pinned to a full commit SHA taken from the \
           org file's lock table (`spec.actions`), with the tag as a trailing comment. The built-in \
           defaults pin every action the pipelines use; this error means the table the build sees \
           lacks one of them, for example because an org file replaced an entry with a different key.\n\n\
           Why it matters: a workflow that names an action by tag (`@v4`) runs whatever the tag points \
           to today; tags of popular actions have been moved to malicious commits (trivy-action, \
           March 2026). The backend refuses to write an unpinned `uses:`.\n\n\
           Example: an org file whose `spec.actions` has no `checkout` entry.\n\n\
           Fix: add the entry, e.g. `checkout: {uses: actions/checkout, sha: <40 hex digits>, \
           version: v7.0.1}`, taking the SHA from the action's release page (`git ls-remote`).",
};

/// A service's language has no CI toolchain in the org file.
pub const GHA002: Code = Code {
    id: "GHA002",
    name: "missing-toolchain",
    summary: "the service's language has no CI toolchain in the org file",
    docs: "The reusable build, test and security workflows set up one toolchain per language from \
           the org file's `spec.languages` (Node 22 for TypeScript, Go 1.23, ...). A service whose \
           `spec.language` has no entry there cannot be built.\n\n\
           Why it matters: the caller would run the org's build workflow for a language it has no \
           steps for, and the pipeline would build nothing and still pass.\n\n\
           Example: an org file whose `spec.languages` lacks `java`, and a service with \
           `language: java`.\n\n\
           Fix: add the language to the org file's `spec.languages` (with its `version`), or \
           change the service's language.",
};

/// A service directory that cannot be used safely as a path filter or a shell word.
pub const GHA003: Code = Code {
    id: "GHA003",
    name: "unsafe-service-path",
    summary: "the service's directory has characters that are not safe in a workflow path filter",
    docs: "A service's caller workflow runs on pushes and pull requests that touch the service's \
           directory (`on.push.paths: [services/payment-api/**]`) and builds in that directory. \
           The directory must consist of letters, digits, `.`, `_`, `-` and `/` only.\n\n\
           Why it matters: spaces, quotes and `$` in a path end up next to a shell, and `*`, `?`, \
           `[`, `]`, `!`, `{`, `}` and `+` are glob syntax in a path filter: `services/[a-z]*` \
           would trigger (and deploy) this service for changes to every other service. `${{` would \
           be evaluated by GitHub as an expression.\n\n\
           Example: a service in `services/payment api/platform.yaml`.\n\n\
           Fix: rename the directory, e.g. `services/payment-api`.",
};

/// A value that would be written into a workflow is not inert there.
pub const GHA004: Code = Code {
    id: "GHA004",
    name: "unsafe-workflow-value",
    summary: "a value the workflows would contain could be read as an expression or a shell word",
    docs: "Every value the backend writes into a workflow (image names, namespaces, cluster names, \
           AWS regions and accounts, URLs, tool versions, action versions) is checked before it is \
           written: it must not contain `${{` or control characters, and each kind has a character \
           set (a cluster name is letters, digits, `.`, `_` and `-`).\n\n\
           Why it matters: GitHub evaluates `${{ ... }}` anywhere in a workflow, including in `env:` \
           and `with:` values, before any step runs. A value carrying an expression could read \
           secrets or change what a step does. Values never reach `run:` directly (they pass \
           through `env:`), but the check keeps them inert everywhere.\n\n\
           Example: an org file with `cluster: \"prod-${{ secrets.AWS_KEY }}\"`.\n\n\
           Fix: write the value with the characters its kind allows.",
};

/// Two generated workflows would share a file name in `.github/workflows/`.
pub const GHA005: Code = Code {
    id: "GHA005",
    name: "workflow-name-collision",
    summary: "two generated workflows would have the same file name in `.github/workflows/`",
    docs: "GitHub reads workflows from one flat directory, `.github/workflows/`, so every generated \
           workflow needs a distinct file name: `<service>.yml` and the org's `platform-*.yml`.\n\n\
           Why it matters: copying the generated files into `.github/workflows/` would silently \
           overwrite one pipeline with another.\n\n\
           Example: a service named `platform-build`.\n\n\
           Fix: rename one of the services.",
};

/// A deploy job would run longer than a GitHub-hosted runner allows.
pub const GHA006: Code = Code {
    id: "GHA006",
    name: "deploy-longer-than-a-hosted-job",
    summary: "a deploy would run longer than the 6 hours a GitHub-hosted runner gives one job",
    docs: "A deploy job applies the service's Terraform, runs `helm upgrade`, and follows the \
           canary until it is promoted or aborted, in one job. The job's time budget is Terraform \
           (45 minutes), Helm (10 minutes), 10 minutes of setup, and in production the canary: its \
           pauses, ten analysis intervals per analysis step, and 15 minutes for pods to start. The \
           job's `timeout-minutes` and the AWS session it asks for (which the deploy role allows, \
           up to 12 hours) follow that budget.\n\n\
           Why it matters: GitHub cancels a job on a GitHub-hosted runner after 6 hours, in the \
           middle of the canary, and the deploy is reported as failed while the rollout goes on.\n\n\
           Example: `canary: {steps: [{setWeight: 10}, {pause: 6h}, {setWeight: 100}]}`.\n\n\
           Fix: shorten the canary's pauses (let the analysis decide instead of long waits), or \
           run the org's deploy workflows on self-hosted runners.",
};

/// Every code of this crate, in order.
pub const ALL: &[&Code] = &[&GHA001, &GHA002, &GHA003, &GHA004, &GHA005, &GHA006];
