//! Registry of `TF` codes: problems the Terraform backend finds (STYLE D3). Append-only.
//!
//! `TF006` (`database-storage-out-of-range`) is reserved: it was retired before the first
//! release because the compiler already reports that storage (LOW007).

use platform_ir::Code;

macro_rules! codes {
    ($($id:ident $name:literal $summary:literal $docs:literal;)*) => {
        $(
            #[doc = $summary]
            pub const $id: Code = Code { id: stringify!($id), name: $name, summary: $summary, docs: $docs };
        )*
        /// Every code of this crate, in order.
        pub const ALL: &[&Code] = &[$(&$id),*];
    };
}

codes! {
    TF001 "invalid-aws-identifier" "a name derived from the service breaks an AWS naming rule"
        "Lengths are checked by the compiler (LOW005); this code is about characters. RDS instance identifiers and ElastiCache replication group ids may not contain two hyphens in a row, and security group names may not start with `sg-`. A service name that is a valid DNS label can still break these rules once it becomes part of an AWS identifier.\n\nWhy: `terraform plan` would accept the name and `terraform apply` would fail halfway.\n\nExample: `name: pay--api` gives the RDS identifier `pay--api-production`.\n\nFix: rename the service as the help suggests.";
    TF002 "invalid-state-backend" "the state bucket or lock table of an environment is not a valid AWS name"
        "`spec.terraform.stateBucket` is a pattern: `{env}` becomes the environment name and `{account}` its AWS account id, and the result must be an S3 bucket name (3 to 63 lowercase letters, digits, `.` and `-`, starting and ending with a letter or digit). `lockTable` must be a DynamoDB table name (3 to 255 letters, digits, `_`, `-` and `.`).\n\nWhy: `terraform init -backend-config=backend-<env>.hcl` would fail in CI for every service.\n\nExample: `stateBucket: Acme_{env}_State`\n\nFix: correct the pattern in the org file.";
    TF003 "invalid-version-constraint" "a Terraform or provider version constraint is malformed"
        "`requiredVersion`, `awsProvider` and `randomProvider` are Terraform version constraints: one or more comma-separated `<operator> <version>` terms, with operators `=`, `!=`, `>`, `>=`, `<`, `<=` and `~>`.\n\nWhy: `terraform init` rejects a malformed constraint before doing anything else.\n\nExample: `awsProvider: \"5.x\"`\n\nFix: write e.g. `\"~> 5.99\"`.";
    TF004 "database-differs-between-environments" "the database engine is not the same in every environment"
        "One Terraform root serves every environment, so a service has the same kind of database everywhere, or none anywhere; only its size, version and retention may differ through `environments.<env>.database`.\n\nExample: `type: postgres` in `spec.database` and `type: redis` in `environments.staging.database`.\n\nFix: use one engine in every environment.";
    TF005 "secret-name-collision" "a declared secret has the name of the database credentials secret"
        "The database credentials are stored in Secrets Manager as `<env>/<service>/database`, the name a declared secret called `database` would get too.\n\nFix: rename the declared secret, e.g. `database-url`.";
    TF007 "invalid-instance-class" "a size class names an instance class of the wrong family"
        "PostgreSQL sizes need an RDS instance class (`db.<family>.<size>`, e.g. `db.t4g.small`); Redis sizes need an ElastiCache node type (`cache.<family>.<size>`, e.g. `cache.t4g.small`).\n\nWhy: `terraform plan` accepts any string and `apply` fails.\n\nFix: correct `instanceClass` in the org's size table.";
    TF008 "module-source-not-pinned" "the org's platform module is not pinned to a commit"
        "When `spec.terraform.moduleSource` is set, every service's `main.tf` calls that module. Its source must be a local path (`./…`, `../…`) or a git source pinned by a full commit hash: `git::https://github.com/acme/terraform-modules.git//platform-service?ref=<40-hex sha>`.\n\nWhy: a branch or tag can move, so the same `main.tf` would apply different infrastructure on different days (checkov CKV_TF_1 reports the same).\n\nFix: pin the source to the commit the tag points at.";
    TF009 "invalid-github-repository" "the org's GitHub repository is not `owner/repo`"
        "`spec.catalog.githubRepo` names the repository whose GitHub Actions deploy every service. The org-level Terraform root (`_org/terraform/`) writes it into the trust policy of every CI deploy role: the role trusts GitHub's OIDC tokens for exactly the subject `repo:<owner>/<repo>:environment:<env>`. It must be a GitHub owner (letters, digits and single hyphens, at most 39 characters) and a repository name (letters, digits, `.`, `_` and `-`, at most 100 characters), separated by one `/`.\n\nWhy: a wrong repository makes every deploy fail to assume its role; a pattern character would be taken literally by the trust policy, never as a wildcard.\n\nExample: `githubRepo: https://github.com/acme/monorepo`\n\nFix: write `acme/monorepo`.";
}
