//! `platform-deploy.yml`: one environment of one service, in one job that declares the
//! GitHub environment (protection rules and the deploy role's OIDC subject) and records the
//! deploy as the service's own GitHub deployment, in `<environment>/<service>`, for DORA:
//! Terraform plan then apply, `helm upgrade` with the environment's values file and the
//! commit's image tag, following the canary when there is one, and a Grafana annotation.
//!
//! A service with a database gets its pods' security groups into the chart: after `apply`,
//! a step reads the Terraform outputs `pod_security_group_id` (the group the database
//! admits) and `cluster_security_group_id` (the cluster's own group, which DNS, probes and
//! every other pod traffic need once a `SecurityGroupPolicy` replaces the node's groups),
//! checks each is a security group id, and hands them to `helm upgrade` as
//! `--set-json podSecurityGroups=[…]` through `env:`; the script checks them again before
//! it builds the JSON.

use serde_json::{Value, json};

use crate::Cx;
use crate::doc::{map, push};
use crate::pins::Action;
use crate::scripts;
use crate::wf::{self, Input, Type, with_id, with_if};

/// File name.
pub const FILE: &str = "platform-deploy.yml";

/// Id of the step that reads the pods' security groups from the Terraform outputs.
const SECURITY_GROUPS_STEP: &str = "security-groups";
/// Id of the step that records the deploy as the service's own GitHub deployment.
const RECORD_STEP: &str = "record";

/// Inputs between the role and the dashboard.
pub(crate) const EXTRA: &[Input] = &[
    Input(
        "chart-dir",
        Type::Optional,
        "the service's generated Helm chart; empty: <generated>/<service>/helm/<service>",
    ),
    Input("terraform-dir", Type::Optional, "the service's generated Terraform; empty: <generated>/<service>/terraform"),
    Input("canary", Type::Boolean, "the service deploys with a canary (Argo Rollouts)"),
    Input(
        "canary-weight",
        Type::Optional,
        "the canary's first traffic weight a person picked (`platform deploy --canary`); empty: the configured steps",
    ),
    Input(
        "dashboard-manifest",
        Type::Optional,
        "the service's dashboard object (generated), applied into Grafana's namespace; empty: no dashboard",
    ),
    Input("production", Type::Boolean, "the environment is production: users reach it (the deployment record says so)"),
    Input(
        "database",
        Type::Boolean,
        "the service has a database: its pods get the security groups of the Terraform outputs",
    ),
    Input(
        "secrets",
        Type::Optional,
        "Secrets Manager names of the service's declared secrets here, space-separated: each must have a value before Helm runs",
    ),
    Input(
        "retired-releases",
        Type::Optional,
        "Helm releases of the service's previous names in this namespace, space-separated: uninstalled once the new release serves",
    ),
    Input("rollback-on-failure", Type::Boolean, "roll back without a person when the release does not become ready"),
    Input("helm-timeout", Type::String, "how long helm waits for the release to become ready"),
    Input("canary-timeout-seconds", Type::Number, "how long to follow the canary before giving up"),
    Input("timeout-minutes", Type::Number, "how long the job may run: Terraform, Helm and the canary"),
    Input(
        "aws-session-seconds",
        Type::Number,
        "how long the AWS session lasts (the deploy role allows it): as long as the job",
    ),
];

/// The workflow.
pub fn workflow(cx: &mut Cx<'_>) -> Value {
    let ci_tf = cx.ci.terraform_version.clone();
    let ci_helm = cx.ci.helm_version.clone();
    let helm_wait = cx.ci.helm_wait;
    // Where a service's generated files are unless its caller says otherwise: the org's
    // layout (the generated directory is a path of the org file's, checked as one).
    let generated = cx.ci.generated_dir.clone();
    let terraform_dir =
        json!(format!("${{{{ inputs.terraform-dir || format('{generated}/{{0}}/terraform', inputs.service) }}}}"));
    let chart_dir =
        json!(format!("${{{{ inputs.chart-dir || format('{generated}/{{0}}/helm/{{0}}', inputs.service) }}}}"));
    let mut steps = vec![
        wf::checkout(&mut cx.g, &mut cx.pins),
        with_id(
            wf::run(
                "Record the deployment",
                map([
                    ("SERVICE", wf::input("service")),
                    ("ENVIRONMENT", wf::input("environment")),
                    ("PRODUCTION", wf::input("production")),
                    ("GH_TOKEN", json!("${{ github.token }}")),
                ]),
                scripts::RECORD_DEPLOYMENT,
            ),
            RECORD_STEP,
        ),
        aws_credentials(cx, true),
    ];
    steps.push(wf::uses(
        &mut cx.g,
        &mut cx.pins,
        "Set up Terraform",
        Action::SetupTerraform,
        Some(map([("terraform_version", json!(ci_tf)), ("terraform_wrapper", json!(false))])),
    ));
    steps.push(wf::run(
        "Terraform plan and apply",
        map([
            ("SERVICE", wf::input("service")),
            ("ENVIRONMENT", wf::input("environment")),
            ("TERRAFORM_DIR", terraform_dir.clone()),
            ("TF_IN_AUTOMATION", json!("1")),
        ]),
        scripts::TERRAFORM,
    ));
    steps.push(with_id(
        with_if(
            wf::run(
                "Read the pods' security groups",
                map([("TERRAFORM_DIR", terraform_dir)]),
                scripts::POD_SECURITY_GROUPS,
            ),
            "inputs.database",
        ),
        SECURITY_GROUPS_STEP,
    ));
    steps.push(wf::run(
        "Every declared secret has a value",
        map([("SECRETS", wf::input("secrets"))]),
        scripts::SECRET_VALUES,
    ));
    steps.push(wf::uses(
        &mut cx.g,
        &mut cx.pins,
        "Set up Helm",
        Action::SetupHelm,
        Some(map([("version", json!(ci_helm))])),
    ));
    steps.extend(wf::chart_login(cx.org));
    steps.push(kubeconfig());
    steps.push(handover("Keep the old workload serving if the workload changes kind", scripts::HANDOVER_KEEP));
    steps.push(wf::run(
        "Helm upgrade",
        map([
            ("RELEASE", wf::input("service")),
            ("NAMESPACE", wf::input("namespace")),
            ("ENVIRONMENT", wf::input("environment")),
            ("CHART_DIR", chart_dir),
            ("IMAGE_TAG", json!("${{ github.sha }}")),
            ("HELM_TIMEOUT", wf::input("helm-timeout")),
            ("HELM_WAIT", json!(helm_wait)),
            ("ROLLBACK_ON_FAILURE", wf::input("rollback-on-failure")),
            ("CANARY", wf::input("canary")),
            ("CANARY_WEIGHT", wf::input("canary-weight")),
            ("DATABASE", wf::input("database")),
            ("POD_SECURITY_GROUP_ID", json!(format!("${{{{ steps.{SECURITY_GROUPS_STEP}.outputs.pod }}}}"))),
            ("CLUSTER_SECURITY_GROUP_ID", json!(format!("${{{{ steps.{SECURITY_GROUPS_STEP}.outputs.cluster }}}}"))),
        ]),
        scripts::HELM_UPGRADE,
    ));
    steps.push(wf::run(
        "Deliver the dashboard",
        map([("DASHBOARD_MANIFEST", wf::input("dashboard-manifest"))]),
        scripts::DASHBOARD,
    ));
    steps.push(with_if(
        wf::run(
            "Follow the canary",
            map([
                ("RELEASE", wf::input("service")),
                ("NAMESPACE", wf::input("namespace")),
                ("CANARY_TIMEOUT_SECONDS", wf::input("canary-timeout-seconds")),
            ]),
            scripts::CANARY_WAIT,
        ),
        "inputs.canary",
    ));
    steps.push(handover("Retire the old workload", scripts::HANDOVER_RETIRE));
    steps.push(with_if(
        wf::run(
            "Uninstall the releases of the service's previous names",
            map([("RETIRED", wf::input("retired-releases")), ("NAMESPACE", wf::input("namespace"))]),
            scripts::RETIRE_RELEASES,
        ),
        "inputs.retired-releases != ''",
    ));
    steps.push(annotate("deploy"));
    steps.push(with_if(
        wf::run(
            "Record how the deployment ended",
            map([
                ("SERVICE", wf::input("service")),
                ("DEPLOYMENT_ID", json!(format!("${{{{ steps.{RECORD_STEP}.outputs.id }}}}"))),
                ("JOB_STATUS", json!("${{ job.status }}")),
                ("GH_TOKEN", json!("${{ github.token }}")),
            ]),
            scripts::RECORD_OUTCOME,
        ),
        "${{ always() }}",
    ));

    let grants = wf::pulling_charts(cx.org, wf::DEPLOY);
    super::EnvironmentWorkflow {
        name: "platform deploy",
        job: "deploy",
        title: "Deploy ${{ inputs.service }} to ${{ inputs.environment }}",
        permissions: &grants,
        timeout: true,
        extra: EXTRA,
        steps,
        defaults: &super::defaults(cx.org),
    }
    .build()
}

/// A step of the move between a Deployment and a Rollout ([`scripts::HANDOVER_KEEP`]).
fn handover(name: &str, script: &'static str) -> Value {
    wf::run(
        name,
        map([
            ("RELEASE", wf::input("service")),
            ("NAMESPACE", wf::input("namespace")),
            ("CANARY", wf::input("canary")),
        ]),
        script,
    )
}

/// Assume the environment's deploy role through GitHub's OIDC provider (no static keys), for
/// `inputs.aws-session-seconds` when `long` (a deploy), else for the action's default hour.
pub fn aws_credentials(cx: &mut Cx<'_>, long: bool) -> Value {
    let mut with = map([("role-to-assume", wf::input("aws-role-arn")), ("aws-region", wf::input("aws-region"))]);
    if long {
        push(&mut with, "role-duration-seconds", wf::input("aws-session-seconds"));
    }
    wf::uses(&mut cx.g, &mut cx.pins, "Configure AWS credentials", Action::ConfigureAwsCredentials, Some(with))
}

/// Point kubectl and helm at the environment's cluster.
pub fn kubeconfig() -> Value {
    wf::run(
        "Connect to the cluster",
        map([("CLUSTER", wf::input("cluster")), ("AWS_REGION", wf::input("aws-region"))]),
        scripts::KUBECONFIG,
    )
}

/// Annotate the service's Grafana dashboard with this event and the job's outcome, unless
/// the run was cancelled.
pub fn annotate(event: &str) -> Value {
    with_if(
        wf::run(
            "Annotate the Grafana dashboard",
            map([
                ("GRAFANA_URL", wf::input("grafana-url")),
                ("GRAFANA_TOKEN", json!("${{ secrets.grafana-token }}")),
                ("DASHBOARD_UID", wf::input("dashboard-uid")),
                ("SERVICE", wf::input("service")),
                ("ENVIRONMENT", wf::input("environment")),
                ("EVENT", json!(event)),
                ("JOB_STATUS", json!("${{ job.status }}")),
            ]),
            scripts::ANNOTATE,
        ),
        "${{ !cancelled() }}",
    )
}
