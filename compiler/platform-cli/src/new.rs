//! `platform new`: scaffold a service, or the Backstage software template of the golden path.
//!
//! The scaffolder ([`platform_scaffold`]) is pure; this module finds and compiles the org,
//! reads its override templates, asks for missing values on a terminal, reports problems
//! against a source made of the command line, and writes the result atomically: into a
//! temporary directory beside the target, renamed into place. It never overwrites.

use std::io::{BufRead, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use platform_ir::{Diagnostic, FileId, Org, Severity, SourceFile, Sources, Sp, Span};
use platform_scaffold::{Part, Scaffold, ServiceRequest, TemplateFile};
use platform_syntax::discover;

use crate::render::{self, Format};

/// What to scaffold.
#[derive(clap::Subcommand, Debug)]
pub enum NewCommand {
    /// Create a service directory: platform.yaml, a runnable app with its test, Dockerfile, README.
    Service(ServiceArgs),
    /// Write the Backstage software template (template.yaml and skeleton/) of the golden path.
    BackstageTemplate(TemplateArgs),
}

/// `platform new service`.
#[derive(clap::Args, Debug)]
pub struct ServiceArgs {
    /// Service name, a DNS-1123 label (asked for on a terminal when missing).
    pub name: Option<String>,
    /// Language: typescript, go, python, rust or java.
    #[arg(long = "lang", value_name = "LANG")]
    pub language: Option<String>,
    /// Database: none, postgres or redis.
    #[arg(long, value_name = "DB")]
    pub db: Option<String>,
    /// Owning team (default: the org's only team, when it lists exactly one).
    #[arg(long, value_name = "TEAM")]
    pub team: Option<String>,
    /// Tier: critical, standard or experimental.
    #[arg(long, value_name = "TIER", default_value = "standard")]
    pub tier: String,
    /// Directory to create (default: `./NAME`); it must not exist.
    #[arg(long, value_name = "DIR")]
    pub dir: Option<PathBuf>,
    /// Org, overrides, dry run, output format.
    #[command(flatten)]
    pub common: CommonArgs,
}

/// `platform new backstage-template`.
#[derive(clap::Args, Debug)]
pub struct TemplateArgs {
    /// Directory to create (default: `./backstage-template`); it must not exist.
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Org, overrides, dry run, output format.
    #[command(flatten)]
    pub common: CommonArgs,
}

/// Options of both.
#[derive(clap::Args, Debug)]
pub struct CommonArgs {
    /// Org file (default: the nearest `platform-org.yaml` above the directory to create).
    #[arg(long, value_name = "FILE")]
    pub org: Option<PathBuf>,
    /// Directory of template overrides, instead of the org file's `spec.scaffold.templates`.
    #[arg(long, value_name = "DIR")]
    pub templates: Option<PathBuf>,
    /// Print what would be written, and write nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// How to print diagnostics.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub format: Format,
}

/// Run `platform new …`.
pub fn run(cmd: NewCommand) -> anyhow::Result<ExitCode> {
    match cmd {
        NewCommand::Service(a) => service(a),
        NewCommand::BackstageTemplate(a) => backstage_template(a),
    }
}

/// The command line as a source file, so a bad value is shown where it was given.
struct CommandLine {
    text: String,
}

impl CommandLine {
    fn new(words: &str) -> Self {
        CommandLine { text: format!("platform new {words}") }
    }

    /// Append ` flag value` (or just ` value` for a positional) and span the value.
    fn push(&mut self, file: FileId, flag: Option<&str>, value: &str) -> Sp<String> {
        if let Some(f) = flag {
            self.text.push(' ');
            self.text.push_str(f);
        }
        self.text.push(' ');
        let start = u32::try_from(self.text.len()).unwrap_or(u32::MAX);
        self.text.push_str(value);
        let end = u32::try_from(self.text.len()).unwrap_or(u32::MAX);
        Sp::new(value.to_owned(), Span::new(file, start, end))
    }

    /// The end of the line: where a missing value would have gone.
    fn end(&self, file: FileId) -> Span {
        let n = u32::try_from(self.text.len()).unwrap_or(u32::MAX);
        Span::new(file, n, n)
    }
}

/// The org and everything read to get it.
struct Loaded {
    sources: Sources,
    org: Option<Org>,
    diags: Vec<Diagnostic>,
    org_path: Option<PathBuf>,
    /// A usage problem (a bad flag), reported without a span.
    usage: Option<String>,
}

/// Compile the org: `explicit`, or the nearest org file at or above `dir` (or its nearest
/// existing ancestor), or the built-in defaults.
fn load_org(explicit: Option<&Path>, dir: &Path) -> Loaded {
    let mut sources = Sources::default();
    let builtin_id =
        sources.add(SourceFile::new(platform_compiler::defaults::BUILTIN_NAME, platform_compiler::defaults::BUILTIN));
    let builtin = match platform_syntax::yaml::parse(platform_compiler::defaults::BUILTIN, builtin_id) {
        Ok(n) => n,
        Err(d) => unreachable!("the built-in defaults must parse: {}", d.message),
    };
    let org_path = explicit.map(Path::to_path_buf).or_else(|| {
        let existing = dir.ancestors().find(|a| a.is_dir()).unwrap_or(Path::new("."));
        discover::org_file_for(existing)
    });
    let mut diags = Vec::new();
    let node = match &org_path {
        None => None,
        Some(p) => {
            let id = FileId(u32::try_from(sources.len()).unwrap_or(u32::MAX));
            let (file, problem) = platform_syntax::read::read_file(p, &p.to_string_lossy(), id);
            let text = file.text.clone();
            sources.add(file);
            let parsed = match problem {
                Some(d) => Err(d),
                None => platform_syntax::yaml::parse(&text, id),
            };
            match parsed {
                Ok(n) => Some(n),
                Err(d) => {
                    diags.push(d);
                    return Loaded { sources, org: None, diags, org_path, usage: None };
                }
            }
        }
    };
    let (org, org_diags) =
        platform_compiler::compile_org(&platform_compiler::OrgInput { builtin: &builtin, file: node.as_ref() });
    diags.extend(org_diags);
    let org = if diags.iter().any(Diagnostic::is_error) { None } else { org };
    // Like every command: say which golden path the scaffold follows.
    match &org_path {
        Some(p) => eprintln!("note: org file `{}`", platform_driver::display(p)),
        None => eprintln!("note: no `platform-org.yaml` found up to the repository root; using the built-in defaults"),
    }
    Loaded { sources, org, diags, org_path, usage: None }
}

/// Read the override templates: `--templates`, else the org's `spec.scaffold.templates`
/// (relative to the org file). Problems become diagnostics.
fn load_overrides(l: &mut Loaded, explicit: Option<&Path>) -> Vec<TemplateFile> {
    let Some(org) = &l.org else { return Vec::new() };
    let (dir, setting) = match (explicit, &org.scaffold.templates) {
        (Some(d), _) => (d.to_path_buf(), None),
        (None, Some(t)) => {
            let base = l.org_path.as_deref().and_then(Path::parent).unwrap_or(Path::new("."));
            (base.join(&t.value), Some(t.span))
        }
        (None, None) => return Vec::new(),
    };
    if !dir.is_dir() {
        let problem = format!("template directory `{}` does not exist", dir.display());
        match setting {
            Some(span) => l.diags.push(platform_scaffold::diagnostics::template_path(span, &problem)),
            None => l.usage = Some(format!("--templates: {problem}")),
        }
        return Vec::new();
    }
    let mut paths = Vec::new();
    collect(&dir, &dir, &mut paths);
    paths.sort();
    let mut out = Vec::new();
    for (rel, path) in paths {
        let id = FileId(u32::try_from(l.sources.len()).unwrap_or(u32::MAX));
        let (file, problem) = platform_syntax::read::read_file(&path, &path.to_string_lossy(), id);
        let text = file.text.to_string();
        l.sources.add(file);
        match problem {
            Some(d) => l.diags.push(d),
            None => out.push(TemplateFile { path: rel, text, file: id }),
        }
    }
    out
}

/// Every regular file under `dir`, with its `/`-separated path relative to `root`.
fn collect(root: &Path, dir: &Path, out: &mut Vec<(String, PathBuf)>) {
    let Ok(rd) = std::fs::read_dir(dir) else { return };
    for e in rd.flatten() {
        let p = e.path();
        let Ok(meta) = std::fs::symlink_metadata(&p) else { continue };
        if meta.is_dir() {
            collect(root, &p, out);
        } else if meta.is_file() {
            let rel = p.strip_prefix(root).unwrap_or(&p).to_string_lossy().replace('\\', "/");
            out.push((rel, p));
        }
    }
}

fn report(format: Format, sources: &Sources, diags: &[Diagnostic]) {
    let text = render::render(format, sources, diags, crate::color());
    match format {
        Format::Json => print!("{text}"),
        _ => eprint!("{text}"),
    }
    let errors = diags.iter().filter(|d| d.severity == Severity::Error).count();
    if format == Format::Human && errors > 0 {
        eprintln!("error: nothing written: {errors} error{}", if errors == 1 { "" } else { "s" });
    }
}

/// Ask for a value on the terminal until it passes `check` (an empty answer takes
/// `default`). `None` at end of input.
fn ask(
    question: &str,
    choices: &[String],
    default: Option<&str>,
    check: &dyn Fn(&str) -> Vec<Diagnostic>,
) -> Option<String> {
    let stdin = std::io::stdin();
    loop {
        let mut prompt = question.to_owned();
        if !choices.is_empty() {
            prompt.push_str(&format!(" [{}]", choices.join(", ")));
        }
        if let Some(d) = default {
            prompt.push_str(&format!(" ({d})"));
        }
        eprint!("{prompt}: ");
        let _ = std::io::stderr().flush();
        let mut line = String::new();
        if stdin.lock().read_line(&mut line).ok()? == 0 {
            return None;
        }
        let answer = line.trim();
        let answer = if answer.is_empty() { default.unwrap_or("") } else { answer };
        if answer.is_empty() {
            continue;
        }
        match check(answer).first() {
            None => return Some(answer.to_owned()),
            Some(d) => eprintln!("  {}; {}", d.message, d.help),
        }
    }
}

fn service(a: ServiceArgs) -> anyhow::Result<ExitCode> {
    let fmt = a.common.format;
    let guess_dir = a.dir.clone().unwrap_or_else(|| PathBuf::from(a.name.as_deref().unwrap_or(".")));
    let parent = guess_dir.parent().map(Path::to_path_buf).unwrap_or_default();
    let mut l = load_org(a.common.org.as_deref(), if parent.as_os_str().is_empty() { Path::new(".") } else { &parent });
    let overrides = load_overrides(&mut l, a.common.templates.as_deref());
    if let Some(u) = &l.usage {
        eprintln!("error: {u}");
        return Ok(ExitCode::from(2));
    }
    let Some(org) = l.org.clone() else {
        report(fmt, &l.sources, &l.diags);
        return Ok(ExitCode::from(1));
    };
    if l.diags.iter().any(Diagnostic::is_error) {
        report(fmt, &l.sources, &l.diags);
        return Ok(ExitCode::from(1));
    }

    // Gather the values: flags, then the terminal, else report what is missing.
    let interactive = std::io::stdin().is_terminal();
    let check = |part: Part| {
        let org = &org;
        let overrides = &overrides;
        move |v: &str| platform_scaffold::check(org, part, &Sp::new(v.to_owned(), Span::default()), overrides)
    };
    let choices = |part| platform_scaffold::choices(&org, part, &overrides);
    let mut missing: Vec<(&str, &str, &str)> = Vec::new();
    let mut get = |given: Option<String>,
                   part: Part,
                   question: &str,
                   default: Option<String>,
                   flag_hint: (&'static str, &'static str, &'static str)| {
        if given.is_some() {
            return given;
        }
        if let (Some(d), Part::Team) = (&default, part) {
            return Some(d.clone());
        }
        if interactive {
            return ask(question, &choices(part), default.as_deref(), &check(part));
        }
        missing.push(flag_hint);
        None
    };
    let name = get(a.name.clone(), Part::Name, "Service name", None, ("a service name", "NAME", "my-service"));
    let language = get(a.language.clone(), Part::Language, "Language", None, ("a language", "--lang", "typescript"));
    let database = get(a.db.clone(), Part::Database, "Database", Some("none".into()), ("a database", "--db", "none"));
    let team =
        get(a.team.clone(), Part::Team, "Team", platform_scaffold::default_team(&org), ("a team", "--team", "my-team"));

    // The command line as a source: every value has a span there.
    let line_id = FileId(u32::try_from(l.sources.len()).unwrap_or(u32::MAX));
    let mut line = CommandLine::new("service");
    let name_sp = name.as_deref().map(|v| line.push(line_id, None, v));
    let lang_sp = language.as_deref().map(|v| line.push(line_id, Some("--lang"), v));
    let db_sp = database.as_deref().map(|v| line.push(line_id, Some("--db"), v));
    let team_sp = team.as_deref().map(|v| line.push(line_id, Some("--team"), v));
    let tier_sp = line.push(line_id, Some("--tier"), &a.tier);
    let dir_sp = a.dir.as_ref().map(|d| line.push(line_id, Some("--dir"), &d.to_string_lossy()));
    let end = line.end(line_id);
    l.sources.add(SourceFile::new("<command line>", line.text.clone()));

    if !missing.is_empty() {
        // Report the given values' problems too, so one run shows everything.
        let given =
            [(Part::Name, &name_sp), (Part::Language, &lang_sp), (Part::Database, &db_sp), (Part::Team, &team_sp)];
        let mut diags: Vec<Diagnostic> = given
            .iter()
            .filter_map(|(part, v)| v.as_ref().map(|v| platform_scaffold::check(&org, *part, v, &overrides)))
            .flatten()
            .collect();
        diags.extend(platform_scaffold::check(&org, Part::Tier, &tier_sp, &overrides));
        diags.extend(
            missing.iter().map(|(what, flag, ex)| platform_scaffold::diagnostics::missing_value(end, what, flag, ex)),
        );
        report(fmt, &l.sources, &diags);
        return Ok(ExitCode::from(2));
    }
    let (Some(name), Some(language), Some(database), Some(team)) = (name_sp, lang_sp, db_sp, team_sp) else {
        // End of input while asking.
        eprintln!("error: nothing written: no answer");
        return Ok(ExitCode::from(2));
    };
    let target = a.dir.clone().unwrap_or_else(|| PathBuf::from(&name.value));
    let mut diags = Vec::new();
    if std::fs::symlink_metadata(&target).is_ok() {
        let span = dir_sp.as_ref().map_or(name.span, |d| d.span);
        diags.push(platform_scaffold::diagnostics::target_exists(span, &target.to_string_lossy()));
    }
    let req = ServiceRequest { name, language, database, team, tier: tier_sp };
    let (scaffold, more) = platform_scaffold::service(&org, &req, &overrides);
    diags.extend(more);
    let (shown, scaffold) = match write_scaffold(fmt, &l.sources, diags, scaffold, &target, a.common.dry_run) {
        Ok(Some(written)) => written,
        Ok(None) => return Ok(ExitCode::SUCCESS),
        Err(code) => return Ok(code),
    };
    eprintln!("created `{shown}/`: {} files", scaffold.files.len());
    eprint!("{}", next_steps(&target, l.org_path.as_deref()));
    Ok(ExitCode::SUCCESS)
}

/// What to run after `platform new service`: the build from the root that holds the org
/// file (or the repository root), never a second build inside the service with its own
/// `_org/`, then the copy that puts generated workflows where GitHub runs them.
fn next_steps(target: &Path, org_path: Option<&Path>) -> String {
    let target = discover::absolute(target);
    let root = discover::build_root(&target, org_path);
    let cwd = discover::absolute(Path::new("."));
    let shown = |p: &Path| discover::relative(&cwd, p);
    let r = shown(&root);
    let prefix = if r == "." { String::new() } else { format!("{r}/") };
    let build = if r == "." { "platform build".to_owned() } else { format!("platform build {r}") };
    format!(
        "next:\n  \
         {build}\n      compiles every service of the repository, this one too, into {prefix}generated/\n  \
         mkdir -p {prefix}.github/workflows && cp {prefix}generated/*/github-actions/workflows/*.yml {prefix}.github/workflows/\n      \
         GitHub runs workflows only from .github/workflows; commit both\n  \
         then run the app's test: see {}/README.md\n",
        shown(&target)
    )
}

fn backstage_template(a: TemplateArgs) -> anyhow::Result<ExitCode> {
    let fmt = a.common.format;
    let target = a.out.clone().unwrap_or_else(|| PathBuf::from("backstage-template"));
    let parent = target.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let mut l = load_org(a.common.org.as_deref(), parent);
    let overrides = load_overrides(&mut l, a.common.templates.as_deref());
    if let Some(u) = &l.usage {
        eprintln!("error: {u}");
        return Ok(ExitCode::from(2));
    }
    let line_id = FileId(u32::try_from(l.sources.len()).unwrap_or(u32::MAX));
    let mut line = CommandLine::new("backstage-template");
    let out_sp = line.push(line_id, Some("--out"), &target.to_string_lossy());
    l.sources.add(SourceFile::new("<command line>", line.text.clone()));
    let Some(org) = l.org.clone().filter(|_| !l.diags.iter().any(Diagnostic::is_error)) else {
        report(fmt, &l.sources, &l.diags);
        return Ok(ExitCode::from(1));
    };
    let mut diags = Vec::new();
    if std::fs::symlink_metadata(&target).is_ok() {
        diags.push(platform_scaffold::diagnostics::target_exists(out_sp.span, &out_sp.value));
    }
    let (scaffold, more) = platform_scaffold::backstage_template(&org, &overrides, out_sp.span);
    diags.extend(more);
    let (shown, scaffold) = match write_scaffold(fmt, &l.sources, diags, scaffold, &target, a.common.dry_run) {
        Ok(Some(written)) => written,
        Ok(None) => return Ok(ExitCode::SUCCESS),
        Err(code) => return Ok(code),
    };
    eprintln!("created `{shown}/`: template.yaml and {} skeleton files", scaffold.files.len() - 1);
    eprintln!("next: commit it and register `{shown}/template.yaml` in Backstage's catalog");
    Ok(ExitCode::SUCCESS)
}

/// `--dry-run`: the files, one per line, with their sizes.
/// Report the diagnostics, then write the scaffold into the new directory `target`, or only
/// print the plan with `--dry-run`. `Ok(Some((shown target, scaffold)))`: written;
/// `Ok(None)`: planned; `Err(code)`: nothing written, exit with `code`.
fn write_scaffold(
    fmt: Format,
    sources: &Sources,
    mut diags: Vec<Diagnostic>,
    scaffold: Option<Scaffold>,
    target: &Path,
    dry_run: bool,
) -> Result<Option<(String, Scaffold)>, ExitCode> {
    platform_compiler::finish(&mut diags);
    if !diags.is_empty() {
        report(fmt, sources, &diags);
    }
    let Some(scaffold) = scaffold.filter(|_| !diags.iter().any(Diagnostic::is_error)) else {
        if diags.is_empty() {
            eprintln!("error: nothing written");
        }
        return Err(ExitCode::from(1));
    };
    let shown = target.display().to_string();
    if dry_run {
        print_plan(&shown, &scaffold);
        return Ok(None);
    }
    if let Err(e) = write_new_dir(target, &scaffold) {
        eprintln!("error: nothing written: {e}");
        return Err(ExitCode::from(3));
    }
    Ok(Some((shown, scaffold)))
}

fn print_plan(target: &str, s: &Scaffold) {
    println!("would create {target}/");
    for (path, text) in &s.files {
        println!("  {path} ({} bytes)", text.len());
    }
    println!("{} files; nothing written (--dry-run)", s.files.len());
}

/// Write `s` into a new directory `target`: first into a hidden sibling, then renamed into
/// place, so a failure leaves nothing and an existing directory is never touched.
pub fn write_new_dir(target: &Path, s: &Scaffold) -> std::io::Result<()> {
    if std::fs::symlink_metadata(target).is_ok() {
        return Err(std::io::Error::new(
            std::io::ErrorKind::AlreadyExists,
            format!("`{}` already exists", target.display()),
        ));
    }
    let parent = target.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let base = target.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "new".into());
    std::fs::create_dir_all(parent)?;
    let staging = parent.join(format!(".{base}.platform-new-{}", std::process::id()));
    std::fs::create_dir(&staging)?;
    let result = (|| {
        for (path, text) in &s.files {
            let p = staging.join(path);
            if let Some(dir) = p.parent() {
                std::fs::create_dir_all(dir)?;
            }
            std::fs::write(&p, text)?;
        }
        if std::fs::symlink_metadata(target).is_ok() {
            return Err(std::io::Error::new(
                std::io::ErrorKind::AlreadyExists,
                format!("`{}` appeared meanwhile", target.display()),
            ));
        }
        std::fs::rename(&staging, target)
    })();
    if result.is_err() {
        let _ = std::fs::remove_dir_all(&staging);
    }
    result
}
