//! `terraform fmt` is the judge of the printer: every golden `terraform/` tree (the services'
//! `<service>/terraform/` with their `ci-deploy/` modules, and the org-level `_org/terraform/`), and a sample document using
//! every construct the printer has, must come out of `terraform fmt` unchanged. Runs when a terraform binary is found (`$TERRAFORM`, the conformance toolchain's
//! `.tools/bin/terraform`, or `terraform` on `PATH`) and says so loudly when none is.
#![allow(clippy::print_stderr)]

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use platform_terraform::hcl::{self, BinOp, Block, Body, Expr, Item, Step};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// A terraform binary that runs, if any.
fn terraform() -> Option<PathBuf> {
    let mut candidates: Vec<PathBuf> = Vec::new();
    if let Some(t) = std::env::var_os("TERRAFORM") {
        candidates.push(t.into());
    }
    candidates.push(repo().join(".tools/bin/terraform"));
    candidates.push("terraform".into());
    candidates.into_iter().find(|c| {
        Command::new(c).arg("version").stdout(Stdio::null()).stderr(Stdio::null()).status().is_ok_and(|s| s.success())
    })
}

fn command(tf: &Path) -> Command {
    let mut c = Command::new(tf);
    c.env("CHECKPOINT_DISABLE", "1").env("TF_IN_AUTOMATION", "1");
    let rc = repo().join(".tools/share/terraformrc");
    if rc.is_file() {
        c.env("TF_CLI_CONFIG_FILE", rc);
    }
    c
}

/// `terraform fmt -` of `text`: the formatted text.
fn fmt_stdin(tf: &Path, text: &str) -> String {
    let mut child = command(tf)
        .args(["fmt", "-no-color", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(text.as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "terraform fmt - failed: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

fn golden_trees() -> Vec<PathBuf> {
    let mut out = Vec::new();
    let Ok(cases) = std::fs::read_dir(repo().join("golden-tests/ok")) else { return out };
    for case in cases.flatten() {
        let Ok(services) = std::fs::read_dir(case.path().join("expected")) else { continue };
        for svc in services.flatten() {
            let tf = svc.path().join("terraform");
            if tf.is_dir() {
                out.push(tf);
            }
        }
    }
    out.sort();
    out
}

#[test]
fn golden_terraform_trees_are_terraform_fmt_clean() {
    let Some(tf) = terraform() else {
        eprintln!(
            "SKIPPED: no terraform binary ($TERRAFORM, .tools/bin/terraform or PATH); `terraform fmt` was NOT checked"
        );
        return;
    };
    let trees = golden_trees();
    assert!(!trees.is_empty(), "no golden terraform trees found");
    assert!(trees.iter().any(|t| t.ends_with("_org/terraform")), "no golden _org/terraform tree found");
    let mut failures = Vec::new();
    for dir in &trees {
        // `.tf` and `.tfvars`.
        let out = command(&tf)
            .args(["fmt", "-check", "-diff", "-recursive", "-no-color", "."])
            .current_dir(dir)
            .output()
            .unwrap();
        if !out.status.success() {
            failures.push(format!("{}:\n{}", dir.display(), String::from_utf8_lossy(&out.stdout)));
        }
        // The backend partial configurations (`.hcl`), which `fmt` only reads from stdin.
        for e in std::fs::read_dir(dir).unwrap().flatten() {
            let p = e.path();
            if p.extension().is_some_and(|x| x == "hcl") {
                let text = std::fs::read_to_string(&p).unwrap();
                if fmt_stdin(&tf, &text) != text {
                    failures.push(format!("{} is not fmt-clean", p.display()));
                }
            }
        }
    }
    eprintln!("terraform fmt checked {} golden trees with {}", trees.len(), tf.display());
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Every construct of the printer, nested the ways the backend nests them.
fn sample() -> Body {
    let obj = Expr::object([
        ("a", Expr::Num(1)),
        ("long_name", Expr::str("x")),
        ("nested", Expr::object([("k", Expr::Bool(true)), ("kubernetes.io/role", Expr::str("1"))])),
        ("after", Expr::Null),
        ("list", Expr::List(vec![Expr::object([("x", Expr::Num(1))]), Expr::object([("yy", Expr::Num(2))])])),
    ]);
    let res = Block::new("resource", ["aws_thing", "stripe-key"])
        .comment("checkov:skip=CKV_X:reason with \"quotes\"")
        .attr("name", Expr::path("var.names.secrets").then(vec![Step::Key("stripe-key".into())]))
        .attr("picked", Expr::path("local.by_env").then(vec![Step::By(Box::new(Expr::path("var.environment")))]))
        .attr("description", Expr::str("a \"quoted\" ${not_interpolated} %{not_a_directive} back\\slash\nnew line"))
        .attr("count", Expr::cond(Expr::path("var.on"), Expr::Num(1), Expr::Num(0)))
        .blank()
        .attr("doc", Expr::call("jsonencode", vec![obj.clone()]))
        .attr("o", obj)
        .attr("short", Expr::strs(["a", "b"]))
        .attr(
            "long",
            Expr::strs([
                "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
                "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb",
                "cccccccccccccccccccccccccc",
            ]),
        )
        .attr("first", Expr::call("tolist", vec![Expr::path("a.b")]).then(vec![Step::Index(0), Step::Attr("c".into())]))
        .attr(
            "check",
            Expr::call(
                "alltrue",
                vec![Expr::for_list(
                    "n",
                    Expr::call("values", vec![Expr::path("var.m")]),
                    Expr::binary(
                        Expr::negate(Expr::path("n.x")),
                        BinOp::Or,
                        Expr::binary(Expr::call("length", vec![Expr::path("n.y")]), BinOp::Le, Expr::Num(3)),
                    ),
                )],
            ),
        )
        .attr("tpl", hcl::template(vec![hcl::lit("arn:"), hcl::interp(Expr::path("var.p")), hcl::lit(":x/${y}")]))
        .block(Block::new("lifecycle", []).attr("create_before_destroy", Expr::Bool(true)))
        .block(Block::new("empty", []))
        .attr("tail", Expr::Num(1));
    let var = Block::new("variable", ["x"]).attr("description", Expr::str("d")).attr(
        "type",
        Expr::call(
            "object",
            vec![Expr::object([
                ("a", Expr::keyword("string")),
                ("bb", Expr::call("map", vec![Expr::keyword("string")])),
            ])],
        ),
    );
    Body(vec![
        Item::Comment("header".into()),
        Item::Block(res),
        Item::Block(var),
        Item::Attr("top".into(), Expr::Num(1)),
        Item::Attr("top_longer".into(), Expr::str("v")),
    ])
}

#[test]
fn the_printer_prints_what_terraform_fmt_prints() {
    let Some(tf) = terraform() else {
        eprintln!(
            "SKIPPED: no terraform binary ($TERRAFORM, .tools/bin/terraform or PATH); the printer was NOT checked against `terraform fmt`"
        );
        return;
    };
    let text = hcl::print(&sample());
    let formatted = fmt_stdin(&tf, &text);
    assert_eq!(formatted, text, "terraform fmt changed the printer's output:\n{text}");
}
