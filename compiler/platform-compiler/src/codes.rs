//! Registry of `LOW` (lowering: one file's meaning) and `VAL` (validation across services
//! and against the org's policies) codes. Append-only.

platform_ir::codes! {
    LOW001 "missing-field" "a required field is missing"
        "The marked mapping lacks a field that has no default, such as `metadata.name`, `metadata.team` or `spec.language`.\n\nFix: add the field named in the help.";
    LOW002 "unknown-api-version" "the apiVersion is not one this compiler knows"
        "`apiVersion` is optional; when written it must be `platform.dev/v1`.\n\nWhy: a file written for a newer schema must not be half-understood by an older compiler.\n\nFix: write `apiVersion: platform.dev/v1` or remove the line.";
    LOW003 "wrong-kind" "the kind does not fit the file"
        "A `platform.yaml` has `kind: Service`; an org file (`platform-org.yaml`) has `kind: Platform`.\n\nFix: correct the kind, or rename the file.";
    LOW004 "invalid-name" "a name is not a DNS-1123 label"
        "Service, secret and environment names become Kubernetes, AWS and Grafana names, so they must be DNS-1123 labels: lowercase letters, digits and `-`, starting with a letter and ending with a letter or digit.\n\nExample: `name: Payment_API`\n\nFix: `name: payment-api`.";
    LOW005 "name-too-long" "a name is too long for a name derived from it"
        "The service name is used in derived identifiers with hard limits: Grafana uids (40), Helm releases (53), IAM roles (64) for every service; RDS identifiers (63) for PostgreSQL and ElastiCache replication group ids (40) for Redis, only when the service has that database in some environment. The check uses the longest environment name.\n\nFix: shorten the name; the message says which identifier overflows and by how much.";
    LOW006 "invalid-quantity" "a cpu or memory quantity is malformed or implausible"
        "CPU is written in millicores (`\"500m\"`) or cores (`\"2\"`); memory needs a unit (`\"512Mi\"`). `cpu: 500` would ask for 500 cores and `memory: 512` for 512 bytes, which is never what is meant.\n\nFix: write the quantity with its unit, as the help suggests.";
    LOW007 "value-out-of-range" "a number is outside its allowed range"
        "Replicas (1 to 100), ports (1 to 65535), autoscaling bounds, canary weights (1 to 100) and similar numbers have ranges.\n\nFix: use a value within the range the message gives.";
    LOW008 "slo-out-of-range" "an objective is not strictly between 0 and 100 percent"
        "An SLO of 100 leaves no error budget (every burn-rate alert divides by zero); 0 or less, or more than 100, is not a percentage. Objectives are written as plain numbers: `slo: 99.9`.\n\nFix: pick a percentage such as 99, 99.5, 99.9 or 99.95.";
    LOW009 "literal-secret-value" "a secret value is written in the file"
        "`platform.yaml` is committed to git and its values are copied into generated files; a secret written there is leaked. Secrets are declared by name under `spec.secrets` and their values live in the secret store.\n\nA value is taken for a secret by the variable's name (`PASSWORD`, `PASS`, `PASSPHRASE`, `SECRET`, `TOKEN`, `CREDENTIALS`, `SALT`, `DSN`, a final `KEY` such as `STRIPE_KEY`, `DATABASE_URL`, `WEBHOOK_URL`; not a setting about one such as `PASSWORD_MIN_LENGTH`, `TOKEN_TTL_SECONDS` or `SECRET_NAME`, and never a number or a boolean), and anywhere a string reaches a file (`env` values, the description, links, the org's repository and module URLs) by its shape: a well-known prefix (`AKIA`, `ghp_`, `sk_live_`, `npm_`, `SG.`, …), a JWT, an AWS secret access key, a long hexadecimal key, a URL with credentials, a long random string.\n\nExample: `env: {DB_PASSWORD: hunter2}` or `secrets: [{name: stripe-key, value: sk_live_...}]`\n\nFix: remove the value, declare `secrets: [{name: db-password}]`, and put the value in the secret store; rotate a value that was ever committed. A variable that only reads as a secret gets a waiver with its reason: `runtime.envNotSecret: {PASSWORD_POLICY: \"the policy's name, not a password\"}`.";
    LOW010 "unknown-size" "a database size that the org does not define"
        "Database sizes map to instance classes in the org file (`spec.databases.<engine>.sizes`).\n\nFix: use one of the sizes listed in the help, or ask the platform team to add one.";
    LOW011 "version-not-allowed" "a database version that the org does not allow"
        "The org file pins the engine versions it supports (`allowedVersions`).\n\nFix: use an allowed version or remove `version` to get the default.";
    LOW012 "invalid-env-var-name" "an environment variable name is not valid"
        "Names must match `[A-Za-z_][A-Za-z0-9_]*`.\n\nFix: rename the variable.";
    LOW013 "duplicate-entry" "the same name is declared twice in a list"
        "Secrets, tags and dependencies are sets; a second entry with the same name is a mistake.\n\nFix: remove one of them.";
    LOW014 "unknown-environment" "an environment the org does not define"
        "`environments.<name>` overrides must name an environment of the org file.\n\nFix: use one of the names in the help.";
    LOW015 "not-overridable" "a field that cannot be overridden per environment"
        "Only `runtime`, `database` and `ingress` may differ between environments; everything else describes the service itself.\n\nFix: move the field to `spec`.";
    LOW016 "invalid-duration" "a duration is malformed"
        "Durations are a whole number and a unit: `30s`, `5m`, `1h`, `1d`.\n\nFix: write it that way.";
    LOW017 "invalid-canary" "canary steps are inconsistent"
        "Canary weights must rise and stay between 1 and 99, and a canary needs at least one `setWeight` step.\n\nFix: order the steps by rising weight.";
    LOW018 "invalid-reference" "a dependency reference is malformed"
        "Dependencies are written `component:<service-name>`.\n\nFix: write the reference in that form.";
    LOW019 "invalid-value" "a value does not have the required form"
        "Hosts must be DNS names, paths must start with `/`, URLs must be `https://`, AWS account ids are 12 digits, tags are lowercase words.\n\nFix: correct the value as the help says.";
    LOW020 "invalid-burn-window" "an alert window of the org's catalog is inconsistent"
        "Each burn-rate window pair needs a short window shorter than its long window, a budget share between 0 and 100 percent, and severity `page` or `ticket`.\n\nFix: correct the window in the org file.";
    LOW021 "unknown-egress-destination" "an egress destination the org file does not admit"
        "A service reaches destinations outside the cluster only through its `egress` list: `to: <name>` names a destination of the org file (`spec.egress.destinations`, the org's allow list), and `cidr` with `ports` declares one of its own where the org allows that (`spec.egress.custom`, true by default). A NetworkPolicy matches addresses and ports, never host names.\n\nExample: `egress: [{to: stirpe}]` when the org names `stripe`.\n\nFix: name one of the org's destinations, or ask the platform team to add it.";
    VAL001 "duplicate-service-name" "two services have the same name"
        "Service names are unique in a build: they name Kubernetes objects, AWS resources and catalog entities.\n\nFix: rename one of the services.";
    VAL002 "unknown-dependency" "a dependency names no service in the build"
        "`dependsOn` entries are checked against the services compiled together, so network policies and the catalog never point at nothing.\n\nFix: correct the name (a close one is suggested), or build the directory that holds both services.";
    VAL003 "self-dependency" "a service depends on itself"
        "A service never needs a network policy or catalog edge to itself.\n\nFix: remove the entry.";
    VAL004 "tier-min-replicas" "fewer replicas than the tier requires"
        "The org's tier policy sets a minimum replica count (a `critical` service needs at least 2, so a node failure is not an outage).\n\nFix: raise `runtime.replicas` (and every environment override), or change the tier.";
    VAL005 "tier-requires-alerts" "the tier requires alerts but they are off"
        "A `critical` service must page someone when its SLO burns.\n\nFix: set `monitoring.alerts: true` (and give an `slo`), or change the tier.";
    VAL006 "unknown-team" "a team the org file does not know"
        "When the org file lists teams, every service's team must be one of them, so alerts are routed and the catalog owner exists.\n\nFix: use a listed team or add the team to the org file.";
    VAL007 "slo-required" "alerts are on but no objective is given"
        "SLO burn-rate alerts need an availability objective.\n\nFix: add `monitoring.slo`, e.g. `slo: 99.9`, or set `alerts: false`.";
    VAL008 "previous-name-taken" "a previous name of one service is another service's name"
        "`metadata.previousNames` lists the names a service had before: its AWS resources and Terraform state keep the oldest, and the org root moves its CI deploy module from each. Another service with that name (now or as a previous name) would share those resources and state.\n\nExample: service `ledger` with `previousNames: [billing]` built together with a service `billing`.\n\nFix: give the other service a name no service has had.";
    VAL009 "database-version-downgrade" "a database version is lower than the one it runs"
        "`platform diff --base` builds the services at the base revision and now. A database whose version (PostgreSQL or Redis, in any environment) is lower than at the base cannot be applied: RDS and ElastiCache upgrade in place but refuse a lower engine version, so `terraform apply` would fail halfway through a deploy.\n\nExample: `version: \"15.8\"` where the base had `version: \"16.4\"`.\n\nFix: keep the version. To go back, restore a snapshot into a new database and move the service to it.";
    VAL010 "database-storage-shrink" "a PostgreSQL database gets less storage than it has"
        "`platform diff --base` builds the services at the base revision and now. RDS never shrinks a database's allocated storage, so a size class (or an org size table) with less storage than at the base cannot be applied.\n\nExample: `size: small` (20 GiB) where the base had `size: medium` (100 GiB).\n\nFix: keep a size with at least the storage the database has, or move the data to a new, smaller database.";
}
