//! `platform fuzz`: the whole pipeline (read, YAML, decode, lower, validate, every backend,
//! the writer) on generated inputs, on stable Rust and with no dependency: a seeded
//! generator, so every failure reproduces from its seed and index.
//!
//! Inputs are of two kinds, alternating: byte-level mutations of the corpus (every golden
//! input and example: flipped, inserted and deleted bytes, repeated, swapped and spliced
//! lines, hostile values), and documents generated from the JSON Schemas (every property,
//! enum and type, with boundary numbers and hostile strings). Each input is checked for:
//!
//! - no panic;
//! - a time budget per input and a memory budget for the run;
//! - every generated file parses in its format (YAML, JSON, HCL structure, Go template
//!   delimiters, UTF-8);
//! - two builds byte-identical;
//! - the writer's tree equal to the files built (every 16th input, in a temporary directory).
//!
//! A failing input is saved under the failures directory, to become a golden case.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use serde_json::Value;

/// The most memory a run may take (KiB): inputs are at most 1 MiB and expand at most 4 MiB.
pub const MEMORY_BUDGET_KIB: u64 = 2 * 1024 * 1024;

/// One input: an optional org file and service files by directory.
#[derive(Clone, Debug, Default)]
pub struct Case {
    /// The org file's bytes.
    pub org: Option<Vec<u8>>,
    /// `(directory, platform.yaml bytes)`.
    pub services: Vec<(String, Vec<u8>)>,
}

/// How a run went.
#[derive(Debug, Default)]
pub struct Outcome {
    /// Inputs run.
    pub inputs: usize,
    /// Inputs that compiled to files.
    pub built: usize,
    /// Files checked.
    pub files: usize,
    /// Failures, each `input <i>: why`.
    pub failures: Vec<String>,
    /// The slowest input.
    pub slowest: Duration,
}

/// The run's settings.
pub struct Settings {
    /// Inputs to run.
    pub inputs: usize,
    /// Generator seed.
    pub seed: u64,
    /// Worker threads.
    pub threads: usize,
    /// Most time one input may take (both builds).
    pub budget: Duration,
    /// Where failing inputs are saved (none: not saved).
    pub failures: Option<PathBuf>,
}

/// A small, seeded generator (xorshift64*).
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Rng {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        if n == 0 { 0 } else { (self.next() % n as u64) as usize }
    }
    fn chance(&mut self, one_in: usize) -> bool {
        self.below(one_in) == 0
    }
    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

/// Values that have broken tools before: expressions, templates, line breaks, quotes,
/// control characters, huge and tiny numbers, YAML 1.1 words.
const HOSTILE: &[&str] = &[
    "${{ github.token }}",
    "{{ .Values.x }}",
    "$(id)",
    "a\u{2028}b: c",
    "x\u{85}y",
    "\u{1b}[31mred",
    "\"quoted\"",
    "it's",
    "a\nb: c",
    "",
    " ",
    "..",
    "../../etc/passwd",
    "/",
    "-",
    "yes",
    "no",
    "on",
    "null",
    "~",
    "0x1F",
    "1e400",
    "-1",
    "4294967296",
    "18446744073709551616",
    "99.999999999",
    "AKIAIOSFODNN7EXAMPLE",
    "https://javascript:alert(1)",
    "\u{202e}txt.exe",
    "ÄÖÜ-名前",
];

/// Bytes inserted by mutations: YAML's structure, and multi-byte line breaks.
const BYTES: &[&[u8]] = &[
    b":",
    b"-",
    b" ",
    b"\n",
    b"\t",
    b"{",
    b"}",
    b"[",
    b"]",
    b"\"",
    b"'",
    b"&a",
    b"*a",
    b"!",
    b"#",
    b"|",
    b">",
    b"%",
    b"@",
    b"\xe2\x80\xa8",
    b"\xc2\x85",
    b"\x00",
    b"\xff",
    b"0",
    b"999999999999",
];

/// Every `platform.yaml` and `platform-org.yaml` under `dir`, grouped into cases by the
/// directory holding `input/` (golden cases) or by top directory.
pub fn corpus(dirs: &[PathBuf]) -> Vec<Case> {
    let mut cases: BTreeMap<PathBuf, Case> = BTreeMap::new();
    fn walk(root: &Path, dir: &Path, cases: &mut BTreeMap<PathBuf, Case>) {
        let Ok(rd) = std::fs::read_dir(dir) else { return };
        let mut entries: Vec<_> = rd.flatten().collect();
        entries.sort_by_key(std::fs::DirEntry::file_name);
        for e in entries {
            let p = e.path();
            let name = e.file_name().to_string_lossy().into_owned();
            if e.file_type().is_ok_and(|t| t.is_dir()) {
                if name != "expected" && name != "generated" && !name.starts_with('.') {
                    walk(root, &p, cases);
                }
                continue;
            }
            let Ok(bytes) = std::fs::read(&p) else { continue };
            let rel = p.strip_prefix(root).unwrap_or(&p);
            let key = rel.ancestors().find(|a| a.ends_with("input")).map_or_else(
                || root.join(rel.components().next().map_or(Path::new(""), |c| Path::new(c.as_os_str()))),
                |a| root.join(a),
            );
            let case = cases.entry(key.clone()).or_default();
            if name == "platform-org.yaml" {
                case.org = Some(bytes);
            } else if name == "platform.yaml" {
                let dir = p
                    .parent()
                    .and_then(|d| d.strip_prefix(&key).ok())
                    .map_or(String::new(), |d| d.to_string_lossy().into_owned());
                case.services.push((dir, bytes));
            }
        }
    }
    for d in dirs {
        walk(d, d, &mut cases);
    }
    cases.into_values().filter(|c| !c.services.is_empty() || c.org.is_some()).collect()
}

/// Mutate `bytes` a few times.
fn mutate(rng: &mut Rng, bytes: &[u8], donor: &[u8]) -> Vec<u8> {
    let mut out = bytes.to_vec();
    // Mostly one change, so that many inputs still compile and reach every backend.
    let changes = if rng.chance(3) { 1 + rng.below(4) } else { 1 };
    for _ in 0..changes {
        let at = rng.below(out.len() + 1);
        match rng.below(10) {
            0 if !out.is_empty() => {
                let i = rng.below(out.len());
                out[i] ^= 1 << rng.below(8);
            }
            1 => {
                let b = rng.pick(BYTES);
                out.splice(at..at, b.iter().copied());
            }
            2 if !out.is_empty() => {
                let len = rng.below(16).min(out.len() - at.min(out.len()));
                out.drain(at.min(out.len())..at.min(out.len()) + len);
            }
            3 | 4 => {
                // Whole lines: repeat one, swap two, or bring one from another file.
                let text = String::from_utf8_lossy(&out).into_owned();
                let mut lines: Vec<String> = text.lines().map(str::to_owned).collect();
                let donor_lines: Vec<String> = String::from_utf8_lossy(donor).lines().map(str::to_owned).collect();
                if lines.is_empty() {
                    continue;
                }
                let i = rng.below(lines.len());
                let j = rng.below(lines.len());
                match rng.below(3) {
                    0 => lines.insert(i, lines[j].clone()),
                    1 => lines.swap(i, j),
                    _ if !donor_lines.is_empty() => lines.insert(i, rng.pick(&donor_lines).clone()),
                    _ => {}
                }
                out = (lines.join("\n") + "\n").into_bytes();
            }
            5 | 6 => {
                // A value of one file under the same key in another: combinations the corpus
                // does not hold, most of them valid.
                let text = String::from_utf8_lossy(&out).into_owned();
                let donor_text = String::from_utf8_lossy(donor).into_owned();
                let keyed = |t: &str| -> Vec<(String, String)> {
                    t.lines()
                        .filter_map(|l| l.split_once(": ").map(|(k, v)| (k.to_owned(), v.to_owned())))
                        .filter(|(_, v)| !v.is_empty())
                        .collect()
                };
                let mine = keyed(&text);
                let theirs = keyed(&donor_text);
                if mine.is_empty() {
                    continue;
                }
                let (k, v) = rng.pick(&mine).clone();
                let options: Vec<&(String, String)> = theirs.iter().filter(|(dk, _)| dk.trim() == k.trim()).collect();
                if options.is_empty() {
                    continue;
                }
                let (_, nv) = *rng.pick(&options);
                out = text.replacen(&format!("{k}: {v}"), &format!("{k}: {nv}"), 1).into_bytes();
            }
            _ => {
                // A scalar after `: ` becomes a hostile value.
                let text = String::from_utf8_lossy(&out).into_owned();
                let colons: Vec<usize> = text.match_indices(": ").map(|(i, _)| i + 2).collect();
                if colons.is_empty() {
                    continue;
                }
                let start = *rng.pick(&colons);
                let end = text[start..].find('\n').map_or(text.len(), |e| start + e);
                let v = rng.pick(HOSTILE);
                let quoted = serde_json::to_string(v).unwrap_or_default();
                let value = if rng.chance(2) { quoted } else { (*v).to_owned() };
                out = format!("{}{value}{}", &text[..start], &text[end..]).into_bytes();
            }
        }
    }
    out
}

/// A document from a JSON Schema: every property at random, enums, boundary numbers,
/// examples and hostile strings. Printed as JSON, which is YAML.
fn generate(rng: &mut Rng, schema: &Value, node: &Value, depth: usize) -> Value {
    let node = match node.get("$ref").and_then(Value::as_str) {
        Some(r) => r.rsplit('/').next().and_then(|n| schema.pointer(&format!("/$defs/{n}"))).unwrap_or(&Value::Null),
        None => node,
    };
    if let Some(options) = node.get("anyOf").or_else(|| node.get("oneOf")).and_then(Value::as_array)
        && !options.is_empty()
    {
        let option = rng_pick_value(rng, options);
        return generate(rng, schema, option, depth);
    }
    if let Some(values) = node.get("enum").and_then(Value::as_array)
        && !values.is_empty()
    {
        return rng_pick_value(rng, values).clone();
    }
    if let Some(c) = node.get("const") {
        return c.clone();
    }
    let ty = match node.get("type") {
        Some(Value::String(t)) => t.clone(),
        Some(Value::Array(ts)) => {
            ts.iter().filter_map(Value::as_str).find(|t| *t != "null").unwrap_or("null").to_owned()
        }
        _ if node.get("properties").is_some() => "object".to_owned(),
        _ => "string".to_owned(),
    };
    match ty.as_str() {
        "object" if depth < 8 => {
            let mut map = serde_json::Map::new();
            let required: Vec<&str> = node
                .get("required")
                .and_then(Value::as_array)
                .map(|r| r.iter().filter_map(Value::as_str).collect())
                .unwrap_or_default();
            if let Some(props) = node.get("properties").and_then(Value::as_object) {
                for (k, v) in props {
                    if required.contains(&k.as_str()) || rng.chance(2) {
                        map.insert(k.clone(), generate(rng, schema, v, depth + 1));
                    }
                }
            }
            if let Some(extra) = node.get("additionalProperties").filter(|a| a.is_object())
                && rng.chance(2)
            {
                let key = (*rng.pick(&["x", "LOG_LEVEL", "staging", "production", "DB_PASSWORD", "a b"])).to_owned();
                map.insert(key, generate(rng, schema, extra, depth + 1));
            }
            Value::Object(map)
        }
        "array" if depth < 8 => {
            let item = node.get("items").cloned().unwrap_or(Value::Null);
            Value::Array((0..rng.below(4)).map(|_| generate(rng, schema, &item, depth + 1)).collect())
        }
        "integer" | "number" => {
            let n: &[i64] = &[0, 1, 2, 3, 10, 99, 100, 443, 8080, 65535, 65536, -1, 4_294_967_295, i64::MAX];
            Value::from(*rng.pick(n))
        }
        "boolean" => Value::Bool(rng.chance(2)),
        _ => {
            let examples: Vec<&Value> =
                node.get("examples").and_then(Value::as_array).map(|e| e.iter().collect()).unwrap_or_default();
            match rng.below(3) {
                0 if !examples.is_empty() => (*rng.pick(&examples)).clone(),
                1 => Value::String((*rng.pick(HOSTILE)).to_owned()),
                _ => Value::String(
                    (*rng.pick(&[
                        "api", "payments", "staging", "99.9", "5m", "500m", "512Mi", "/healthz", "small", "postgres",
                        "go",
                    ]))
                    .to_owned(),
                ),
            }
        }
    }
}

fn rng_pick_value<'a>(rng: &mut Rng, values: &'a [Value]) -> &'a Value {
    &values[rng.below(values.len())]
}

/// Input `i` of a run: half of them start from a corpus case that builds.
fn input(rng: &mut Rng, corpus: &[Case], valid: &[usize], schemas: &(Value, Value)) -> Case {
    let base = match (corpus.is_empty(), valid.is_empty() || rng.chance(2)) {
        (true, _) => Case::default(),
        (false, true) => rng.pick(corpus).clone(),
        (false, false) => corpus[*rng.pick(valid)].clone(),
    };
    let donor = if corpus.is_empty() {
        Vec::new()
    } else {
        rng.pick(corpus).services.first().map(|s| s.1.clone()).unwrap_or_default()
    };
    let mut case = base;
    if rng.chance(3) {
        // From the schemas.
        let (service, org) = schemas;
        let doc = generate(rng, service, service, 0);
        let text = serde_json::to_string_pretty(&doc).unwrap_or_default().into_bytes();
        match case.services.first_mut() {
            Some(s) => s.1 = text,
            None => case.services.push((String::new(), text)),
        }
        if rng.chance(4) {
            case.org = Some(serde_json::to_string_pretty(&generate(rng, org, org, 0)).unwrap_or_default().into_bytes());
        }
    } else if case.org.is_some() && rng.chance(4) {
        case.org = case.org.map(|o| mutate(rng, &o, &donor));
    } else if !case.services.is_empty() {
        let i = rng.below(case.services.len());
        case.services[i].1 = mutate(rng, &case.services[i].1, &donor);
    }
    case
}

/// Write a case into `dir` (emptied first), as a repository.
fn lay_out(case: &Case, dir: &Path) -> std::io::Result<()> {
    if dir.exists() {
        std::fs::remove_dir_all(dir)?;
    }
    std::fs::create_dir_all(dir.join(".git"))?;
    if let Some(org) = &case.org {
        std::fs::write(dir.join("platform-org.yaml"), org)?;
    }
    for (sub, bytes) in &case.services {
        let d = dir.join(sub);
        std::fs::create_dir_all(&d)?;
        std::fs::write(d.join("platform.yaml"), bytes)?;
    }
    Ok(())
}

type Files = BTreeMap<String, Vec<u8>>;

/// One build in memory: its files, or `None` when the inputs do not compile.
fn build(dir: &Path) -> Option<Files> {
    let fe = platform_driver::load(&platform_driver::Inputs { root: dir.to_path_buf(), org: None }).ok()?;
    if fe.has_errors() {
        return None;
    }
    let files = std::sync::Mutex::new(Files::new());
    let backends = platform_driver::backends();
    let (diags, res) = platform_driver::emit(&fe, &backends, &|p, b| {
        files.lock().map_err(|_| ())?.insert(p.as_str().to_owned(), b.to_vec());
        Ok::<(), ()>(())
    });
    if res.is_err() || diags.iter().any(platform_ir::Diagnostic::is_error) {
        return None;
    }
    files.into_inner().ok()
}

/// Why a generated file does not parse in its format, if it does not.
pub fn unparsable(path: &str, bytes: &[u8]) -> Option<String> {
    let Ok(text) = std::str::from_utf8(bytes) else { return Some("not UTF-8".into()) };
    let template = path.contains("/templates/") || path.ends_with(".tpl");
    if template {
        return go_template_structure(text).err();
    }
    if path.ends_with(".json") {
        return serde_json::from_str::<Value>(text).err().map(|e| format!("JSON: {e}"));
    }
    if path.ends_with(".yaml") || path.ends_with(".yml") {
        // A stream of documents (`---` lines, as a catalog file holds): each parses.
        let mut docs = vec![String::new()];
        for line in text.lines() {
            if line == "---" {
                docs.push(String::new());
            } else if let Some(d) = docs.last_mut() {
                d.push_str(line);
                d.push('\n');
            }
        }
        return docs
            .iter()
            .filter(|d| !d.trim().is_empty())
            .find_map(|d| platform_syntax::yaml::parse(d, platform_ir::FileId(0)).err())
            .map(|d| format!("YAML: {}", d.message));
    }
    if path.ends_with(".tf") || path.ends_with(".tfvars") || path.ends_with(".hcl") {
        return hcl_structure(text).err();
    }
    None
}

/// A Go template's structure: every action closed, and every `if`, `range`, `with`,
/// `define` and `block` ended by its `end`.
fn go_template_structure(text: &str) -> Result<(), String> {
    let mut depth = 0usize;
    let mut rest = text;
    while let Some(open) = rest.find("{{") {
        let after = &rest[open + 2..];
        let Some(close) = after.find("}}") else { return Err("Go template: an action is not closed".into()) };
        let action = after[..close].trim_start_matches('-').trim_end_matches('-').trim();
        if !action.starts_with("/*") {
            match action.split_whitespace().next() {
                Some("if" | "range" | "with" | "define" | "block") => depth += 1,
                Some("end") => {
                    depth = depth.checked_sub(1).ok_or("Go template: an `end` ends nothing")?;
                }
                _ => {}
            }
        }
        rest = &after[close + 2..];
    }
    if rest.contains("}}") {
        return Err("Go template: `}}` closes nothing".into());
    }
    if depth != 0 {
        return Err(format!("Go template: {depth} block(s) without `end`"));
    }
    Ok(())
}

/// HCL's structure: strings closed on their line, brackets balanced and closed in order,
/// comments and heredocs skipped.
fn hcl_structure(text: &str) -> Result<(), String> {
    let mut stack: Vec<char> = Vec::new();
    let mut heredoc: Option<String> = None;
    for (n, line) in text.lines().enumerate() {
        if let Some(end) = &heredoc {
            if line.trim() == end {
                heredoc = None;
            }
            continue;
        }
        let mut chars = line.chars().peekable();
        let mut in_string = false;
        let mut depth_interp = 0usize;
        while let Some(c) = chars.next() {
            if in_string {
                match c {
                    '\\' => {
                        chars.next();
                    }
                    '$' if chars.peek() == Some(&'{') => {
                        chars.next();
                        depth_interp += 1;
                    }
                    '}' if depth_interp > 0 => depth_interp -= 1,
                    '"' if depth_interp == 0 => in_string = false,
                    _ => {}
                }
                continue;
            }
            match c {
                '#' => break,
                '/' if chars.peek() == Some(&'/') => break,
                '"' => in_string = true,
                '<' if chars.peek() == Some(&'<') => {
                    let rest: String = chars.collect();
                    let id = rest.trim_start_matches(['<', '-']).trim().to_owned();
                    if !id.is_empty() {
                        heredoc = Some(id);
                    }
                    break;
                }
                '{' | '[' | '(' => stack.push(c),
                '}' | ']' | ')' => {
                    let open = match c {
                        '}' => '{',
                        ']' => '[',
                        _ => '(',
                    };
                    if stack.pop() != Some(open) {
                        return Err(format!("HCL: `{c}` closes nothing at line {}", n + 1));
                    }
                }
                _ => {}
            }
        }
        if in_string {
            return Err(format!("HCL: a string is not closed at line {}", n + 1));
        }
    }
    if heredoc.is_some() || !stack.is_empty() {
        return Err("HCL: a block or heredoc is not closed".into());
    }
    Ok(())
}

/// Run one input in `dir`; `Err` says what broke.
fn check(case: &Case, dir: &Path, write: bool, budget: Duration) -> Result<Option<usize>, String> {
    lay_out(case, dir).map_err(|e| format!("laying out the input: {e}"))?;
    let started = Instant::now();
    let first = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| build(dir)))
        .map_err(|e| format!("panic: {}", panic_text(&e)))?;
    let second = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| build(dir)))
        .map_err(|e| format!("panic: {}", panic_text(&e)))?;
    if started.elapsed() > budget {
        return Err(format!("two builds took {:?}, over the budget of {budget:?}", started.elapsed()));
    }
    if first != second {
        return Err("two builds of the same input differ".into());
    }
    let Some(files) = first else { return Ok(None) };
    for (path, bytes) in &files {
        if let Some(why) = unparsable(path, bytes) {
            return Err(format!("{path} does not parse: {why}"));
        }
    }
    if write {
        let out = dir.join("generated");
        let writer = platform_emit::Writer::begin(&out, platform_emit::Mode::Write).map_err(|e| e.to_string())?;
        for (p, b) in &files {
            let rel = platform_ir::RelPath::new(p).ok_or_else(|| format!("`{p}` is no relative path"))?;
            writer.put(&rel, b).map_err(|e| e.to_string())?;
        }
        writer.finish().map_err(|e| e.to_string())?;
        for (p, b) in &files {
            if std::fs::read(out.join(p)).ok().as_deref() != Some(b.as_slice()) {
                return Err(format!("the writer's {p} differs from the file built"));
            }
        }
    }
    Ok(Some(files.len()))
}

fn panic_text(e: &Box<dyn std::any::Any + Send>) -> String {
    e.downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| e.downcast_ref::<String>().cloned())
        .unwrap_or_default()
}

/// Run `settings.inputs` inputs over `corpus` on `settings.threads` threads.
pub fn run_inputs(corpus: &[Case], settings: &Settings) -> Outcome {
    let schemas = (
        serde_json::from_str(&platform_compiler::schema::service_schema()).unwrap_or(Value::Null),
        serde_json::from_str(&platform_compiler::schema::org_schema()).unwrap_or(Value::Null),
    );
    // The corpus cases that build as they are.
    let probe = std::env::temp_dir().join(format!("platform-fuzz-{}-probe", std::process::id()));
    let valid: Vec<usize> =
        (0..corpus.len()).filter(|&i| lay_out(&corpus[i], &probe).is_ok() && build(&probe).is_some()).collect();
    let _ = std::fs::remove_dir_all(&probe);
    let next = AtomicUsize::new(0);
    let stop = AtomicBool::new(false);
    let results = std::sync::Mutex::new(Outcome::default());
    std::thread::scope(|scope| {
        for worker in 0..settings.threads.max(1) {
            let (next, stop, results, schemas, valid) = (&next, &stop, &results, &schemas, &valid);
            scope.spawn(move || {
                let dir = std::env::temp_dir().join(format!("platform-fuzz-{}-{worker}", std::process::id()));
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    if i >= settings.inputs || stop.load(Ordering::Relaxed) {
                        break;
                    }
                    let mut rng = Rng::new(settings.seed ^ (i as u64).wrapping_mul(0xD6E8_FEB8_6659_FD93));
                    let case = input(&mut rng, corpus, valid, schemas);
                    let started = Instant::now();
                    let result = check(&case, &dir, i % 16 == 0, settings.budget);
                    let took = started.elapsed();
                    let mut r = results.lock().unwrap_or_else(|e| e.into_inner());
                    r.inputs += 1;
                    r.slowest = r.slowest.max(took);
                    match result {
                        Ok(Some(n)) => {
                            r.built += 1;
                            r.files += n;
                        }
                        Ok(None) => {}
                        Err(why) => {
                            r.failures.push(format!("input {i} (seed {}): {why}", settings.seed));
                            if let Some(f) = &settings.failures {
                                let _ = lay_out(&case, &f.join(format!("seed-{}-input-{i}", settings.seed)));
                            }
                            if r.failures.len() >= 20 {
                                stop.store(true, Ordering::Relaxed);
                            }
                        }
                    }
                    if r.inputs.is_multiple_of(10_000) {
                        eprintln!("fuzz: {} inputs, {} built, {} failures", r.inputs, r.built, r.failures.len());
                    }
                }
                let _ = std::fs::remove_dir_all(&dir);
            });
        }
    });
    results.into_inner().unwrap_or_else(|e| e.into_inner())
}

/// `platform fuzz`.
pub fn run(corpus_dirs: &[PathBuf], settings: &Settings) -> anyhow::Result<ExitCode> {
    let corpus = corpus(corpus_dirs);
    anyhow::ensure!(!corpus.is_empty(), "no `platform.yaml` under {corpus_dirs:?}: pass the corpus with `--corpus`");
    eprintln!(
        "fuzz: {} corpus cases, {} inputs, seed {}, {} threads",
        corpus.len(),
        settings.inputs,
        settings.seed,
        settings.threads
    );
    let started = Instant::now();
    let o = run_inputs(&corpus, settings);
    let peak = crate::bench::peak_rss_kib().map_or("n/a".into(), |k| format!("{:.0} MiB", k as f64 / 1024.0));
    println!(
        "fuzz: {} inputs in {:.0} s ({} built to {} files), slowest input {:.2} s, peak memory {peak}, {} failures",
        o.inputs,
        started.elapsed().as_secs_f64(),
        o.built,
        o.files,
        o.slowest.as_secs_f64(),
        o.failures.len()
    );
    let mut failures = o.failures;
    if crate::bench::peak_rss_kib().is_some_and(|k| k > MEMORY_BUDGET_KIB) {
        failures.push(format!("the run's peak memory {peak} is over the budget of {} MiB", MEMORY_BUDGET_KIB / 1024));
    }
    for f in &failures {
        println!("  {f}");
    }
    Ok(if failures.is_empty() { ExitCode::SUCCESS } else { ExitCode::from(1) })
}

/// The default corpus under the repository root `root`.
pub fn default_corpus(root: &Path) -> Vec<PathBuf> {
    ["golden-tests", "examples"].iter().map(|d| root.join(d)).filter(|d| d.is_dir()).collect()
}
