//! A small typed HCL document and the one printer that writes it exactly as `terraform fmt`
//! would (STYLE C3).
//!
//! Why not hcl-rs: its formatter never aligns `=` (see the reference notes on `terraform fmt`),
//! and the documents here need only a small part of HCL. The printer follows the rules of
//! `hclwrite`'s formatter, which `terraform fmt` runs:
//!
//! - Indentation is two spaces per line that opens brackets (`jsonencode({` opens one level,
//!   not two), closed by the line that closes them.
//! - The `=` of consecutive single-line attributes (and object items) is aligned one space
//!   after the longest key. A blank line, a comment line, a nested block or a line that opens
//!   a multi-line value ends the run.
//! - Spaces: `key = value`, `f(a, b)`, `[a, b]`, `{ a = 1 }` (never printed: objects are
//!   always multi-line here), `a ? b : c`, `a == b`, `!a`, `[for x in y : z]`.
//!
//! Strings written by users only ever reach the output through [`Expr::Str`] or a
//! [`Part::Lit`] of a template, which escape `"`, `\`, control characters, `${` and `%{`.
//! References are built from identifiers that are checked ([`is_identifier`]).

use std::fmt::Write as _;

/// A file, or the inside of a block: attributes, blocks and comments in order.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Body(pub Vec<Item>);

/// One entry of a body.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Item {
    /// `key = value`.
    Attr(String, Expr),
    /// `type "label" { … }`.
    Block(Block),
    /// `# text` on its own line (single line; newlines are replaced by spaces).
    Comment(String),
    /// An empty line between two groups of attributes.
    Blank,
}

/// A block: type, labels, body.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Block {
    /// Block type, e.g. `resource`.
    pub kind: String,
    /// Labels, printed as quoted strings.
    pub labels: Vec<String>,
    /// Contents.
    pub body: Body,
}

/// An object key: an identifier when it is one, else a quoted string.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Key(pub String);

/// An expression.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Expr {
    /// `null`.
    Null,
    /// `true` / `false`.
    Bool(bool),
    /// A whole number.
    Num(i64),
    /// A quoted string literal; escaped when printed.
    Str(String),
    /// A quoted template: literal parts and `${…}` interpolations.
    Template(Vec<Part>),
    /// A reference: `var.x`, `aws_iam_role.service.arn`, `a.b[0].c`, `var.m["k"]`.
    Ref(Vec<Step>),
    /// Steps applied to any expression: `tolist(x)[0].name`.
    Traverse(Box<Expr>, Vec<Step>),
    /// A function call (also type constructors: `list(string)`).
    Call(String, Vec<Expr>),
    /// A list: `[a, b]`, or one item per line when an item is multi-line or the list is long.
    List(Vec<Expr>),
    /// An object, always one item per line.
    Object(Vec<(Key, Expr)>),
    /// `a <op> b` with an operator from a fixed set.
    Binary(Box<Expr>, BinOp, Box<Expr>),
    /// `!a`.
    Not(Box<Expr>),
    /// `c ? a : b`.
    Cond(Box<Expr>, Box<Expr>, Box<Expr>),
    /// `[for <var> in <collection> : <value>]`.
    ForList(String, Box<Expr>, Box<Expr>),
}

/// A piece of a template.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Part {
    /// Literal text; escaped when printed.
    Lit(String),
    /// `${expr}`.
    Interp(Expr),
}

/// One step of a reference.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Step {
    /// `.name` (or the root name).
    Attr(String),
    /// `[n]`.
    Index(u32),
    /// `["key"]`; escaped when printed.
    Key(String),
    /// `[expr]`: an index computed by an expression.
    By(Box<Expr>),
}

/// Binary operators.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BinOp {
    /// `==`.
    Eq,
    /// `!=`.
    Ne,
    /// `<=`.
    Le,
    /// `>=`.
    Ge,
    /// `&&`.
    And,
    /// `||`.
    Or,
}

impl BinOp {
    fn as_str(self) -> &'static str {
        match self {
            BinOp::Eq => "==",
            BinOp::Ne => "!=",
            BinOp::Le => "<=",
            BinOp::Ge => ">=",
            BinOp::And => "&&",
            BinOp::Or => "||",
        }
    }
}

/// An HCL identifier: a letter or `_`, then letters, digits, `_` and `-`.
pub fn is_identifier(s: &str) -> bool {
    let mut chars = s.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

impl Block {
    /// A block with labels and an empty body.
    pub fn new<'a>(kind: &str, labels: impl IntoIterator<Item = &'a str>) -> Self {
        Block { kind: kind.to_owned(), labels: labels.into_iter().map(str::to_owned).collect(), body: Body::default() }
    }

    /// Add an attribute.
    #[must_use]
    pub fn attr(mut self, key: &str, value: Expr) -> Self {
        self.body.push_attr(key, value);
        self
    }

    /// Add a nested block.
    #[must_use]
    pub fn block(mut self, block: Block) -> Self {
        self.body.0.push(Item::Block(block));
        self
    }

    /// Add a comment line.
    #[must_use]
    pub fn comment(mut self, text: &str) -> Self {
        self.body.0.push(Item::Comment(text.to_owned()));
        self
    }

    /// Add a blank line (ends an alignment run).
    #[must_use]
    pub fn blank(mut self) -> Self {
        self.body.0.push(Item::Blank);
        self
    }

    /// Add an item when `Some`.
    #[must_use]
    pub fn maybe(mut self, item: Option<Item>) -> Self {
        self.body.0.extend(item);
        self
    }
}

impl Body {
    /// Add an attribute.
    pub fn push_attr(&mut self, key: &str, value: Expr) {
        debug_assert!(is_identifier(key), "attribute name {key:?} is not an identifier");
        self.0.push(Item::Attr(key.to_owned(), value));
    }

    /// Add a block.
    pub fn push_block(&mut self, block: Block) {
        self.0.push(Item::Block(block));
    }
}

impl Expr {
    /// A string literal.
    pub fn str(s: impl Into<String>) -> Expr {
        Expr::Str(s.into())
    }

    /// A reference from a dotted path of identifiers, each optionally followed by `[n]`:
    /// `data.aws_eks_cluster.this.vpc_config[0].vpc_id`. The path is code, never user text;
    /// a malformed path is a bug (checked in debug builds).
    pub fn path(path: &str) -> Expr {
        let mut steps = Vec::new();
        for seg in path.split('.') {
            let (name, rest) = seg.split_once('[').map_or((seg, None), |(n, r)| (n, Some(r)));
            debug_assert!(is_identifier(name), "bad reference segment {seg:?} in {path:?}");
            steps.push(Step::Attr(name.to_owned()));
            if let Some(rest) = rest {
                let idx = rest.strip_suffix(']').and_then(|n| n.parse().ok());
                debug_assert!(idx.is_some(), "bad index in {path:?}");
                steps.push(Step::Index(idx.unwrap_or(0)));
            }
        }
        Expr::Ref(steps)
    }

    /// A reference from separate names, for labels that come from input (secret names):
    /// `["aws_secretsmanager_secret", "stripe-key", "arn"]`.
    pub fn reference<'a>(names: impl IntoIterator<Item = &'a str>) -> Expr {
        Expr::Ref(
            names
                .into_iter()
                .map(|n| {
                    debug_assert!(is_identifier(n), "reference name {n:?} is not an identifier");
                    Step::Attr(n.to_owned())
                })
                .collect(),
        )
    }

    /// This expression followed by more steps: `tolist(x)[0].name`.
    #[must_use]
    pub fn then(self, steps: Vec<Step>) -> Expr {
        match self {
            Expr::Ref(mut s) => {
                s.extend(steps);
                Expr::Ref(s)
            }
            other => Expr::Traverse(Box::new(other), steps),
        }
    }

    /// A function call.
    pub fn call(name: &str, args: Vec<Expr>) -> Expr {
        debug_assert!(is_identifier(name));
        Expr::Call(name.to_owned(), args)
    }

    /// A list of string literals.
    pub fn strs<S: AsRef<str>>(items: impl IntoIterator<Item = S>) -> Expr {
        Expr::List(items.into_iter().map(|s| Expr::str(s.as_ref())).collect())
    }

    /// An object from `(key, value)` pairs.
    pub fn object<K: Into<String>>(items: impl IntoIterator<Item = (K, Expr)>) -> Expr {
        Expr::Object(items.into_iter().map(|(k, v)| (Key(k.into()), v)).collect())
    }

    /// `a <op> b`.
    pub fn binary(a: Expr, op: BinOp, b: Expr) -> Expr {
        Expr::Binary(Box::new(a), op, Box::new(b))
    }

    /// `c ? a : b`.
    pub fn cond(c: Expr, a: Expr, b: Expr) -> Expr {
        Expr::Cond(Box::new(c), Box::new(a), Box::new(b))
    }

    /// `!a`.
    pub fn negate(a: Expr) -> Expr {
        Expr::Not(Box::new(a))
    }

    /// `[for v in coll : value]`.
    pub fn for_list(var: &str, coll: Expr, value: Expr) -> Expr {
        debug_assert!(is_identifier(var));
        Expr::ForList(var.to_owned(), Box::new(coll), Box::new(value))
    }

    /// A type constraint keyword (`string`, `number`, `bool`).
    pub fn keyword(k: &str) -> Expr {
        Expr::path(k)
    }
}

impl Expr {
    /// Replace every reference `f` maps (by its steps) with what it returns, anywhere in
    /// the expression: a reference inside a template, a call, an index.
    pub fn map_refs(&mut self, f: &mut dyn FnMut(&[Step]) -> Option<Expr>) {
        match self {
            Expr::Ref(steps) => {
                if let Some(e) = f(steps) {
                    *self = e;
                    return;
                }
                for s in steps {
                    if let Step::By(e) = s {
                        e.map_refs(f);
                    }
                }
            }
            Expr::Template(parts) => {
                for p in parts {
                    if let Part::Interp(e) = p {
                        e.map_refs(f);
                    }
                }
            }
            Expr::Traverse(e, steps) => {
                e.map_refs(f);
                for s in steps {
                    if let Step::By(e) = s {
                        e.map_refs(f);
                    }
                }
            }
            Expr::Call(_, args) | Expr::List(args) => args.iter_mut().for_each(|a| a.map_refs(f)),
            Expr::Object(items) => items.iter_mut().for_each(|(_, v)| v.map_refs(f)),
            Expr::Binary(a, _, b) => {
                a.map_refs(f);
                b.map_refs(f);
            }
            Expr::Not(a) => a.map_refs(f),
            Expr::Cond(c, a, b) => {
                c.map_refs(f);
                a.map_refs(f);
                b.map_refs(f);
            }
            Expr::ForList(_, c, v) => {
                c.map_refs(f);
                v.map_refs(f);
            }
            Expr::Null | Expr::Bool(_) | Expr::Num(_) | Expr::Str(_) => {}
        }
    }

    /// Every reference in the expression, by its steps.
    pub fn refs<'e>(&'e self, out: &mut Vec<&'e [Step]>) {
        match self {
            Expr::Ref(steps) => {
                out.push(steps);
                steps.iter().for_each(|s| {
                    if let Step::By(e) = s {
                        e.refs(out)
                    }
                });
            }
            Expr::Template(parts) => parts.iter().for_each(|p| {
                if let Part::Interp(e) = p {
                    e.refs(out)
                }
            }),
            Expr::Traverse(e, steps) => {
                e.refs(out);
                steps.iter().for_each(|s| {
                    if let Step::By(e) = s {
                        e.refs(out)
                    }
                });
            }
            Expr::Call(_, args) | Expr::List(args) => args.iter().for_each(|a| a.refs(out)),
            Expr::Object(items) => items.iter().for_each(|(_, v)| v.refs(out)),
            Expr::Binary(a, _, b) => {
                a.refs(out);
                b.refs(out);
            }
            Expr::Not(a) => a.refs(out),
            Expr::Cond(c, a, b) => {
                c.refs(out);
                a.refs(out);
                b.refs(out);
            }
            Expr::ForList(_, c, v) => {
                c.refs(out);
                v.refs(out);
            }
            Expr::Null | Expr::Bool(_) | Expr::Num(_) | Expr::Str(_) => {}
        }
    }
}

impl Block {
    /// [`Expr::map_refs`] over every attribute of the block and its nested blocks.
    pub fn map_refs(&mut self, f: &mut dyn FnMut(&[Step]) -> Option<Expr>) {
        for item in &mut self.body.0 {
            match item {
                Item::Attr(_, e) => e.map_refs(f),
                Item::Block(b) => b.map_refs(f),
                Item::Comment(_) | Item::Blank => {}
            }
        }
    }

    /// [`Expr::refs`] of every attribute of the block and its nested blocks.
    pub fn refs<'e>(&'e self, out: &mut Vec<&'e [Step]>) {
        for item in &self.body.0 {
            match item {
                Item::Attr(_, e) => e.refs(out),
                Item::Block(b) => b.refs(out),
                Item::Comment(_) | Item::Blank => {}
            }
        }
    }
}

/// A reference's steps as a dotted path (`aws_db_instance.this.address`, indexes as
/// `[0]`, keys as `["k"]`).
pub fn dotted(steps: &[Step]) -> String {
    let mut out = String::new();
    for s in steps {
        match s {
            Step::Attr(a) if out.is_empty() => out.push_str(a),
            Step::Attr(a) => {
                out.push('.');
                out.push_str(a);
            }
            Step::Index(i) => {
                let _ = write!(out, "[{i}]");
            }
            Step::Key(k) => {
                let _ = write!(out, "[{k:?}]");
            }
            Step::By(_) => out.push_str("[…]"),
        }
    }
    out
}

/// Shorthand for a template from parts.
pub fn template(parts: Vec<Part>) -> Expr {
    Expr::Template(parts)
}

/// A literal template part.
pub fn lit(s: impl Into<String>) -> Part {
    Part::Lit(s.into())
}

/// An interpolated template part.
pub fn interp(e: Expr) -> Part {
    Part::Interp(e)
}

// ---------------------------------------------------------------------------------------
// Printing.
// ---------------------------------------------------------------------------------------

/// Lists longer than this on one line are printed one item per line.
const MAX_INLINE_LIST: usize = 80;

/// Print a file body: top-level items, exactly one trailing newline.
pub fn print(body: &Body) -> String {
    let mut out = String::new();
    body_into(&mut out, body, 0);
    out
}

fn indent(out: &mut String, level: usize) {
    for _ in 0..level {
        out.push_str("  ");
    }
}

/// One aligned line or a break, as the alignment pass sees it.
enum Line<'a> {
    /// A `key = value` whose value fits one line: part of an alignment run.
    Single(String, String),
    /// Anything else: ends the run.
    Other(&'a Item),
}

fn body_into(out: &mut String, body: &Body, level: usize) {
    let items: Vec<&Item> = body.0.iter().collect();
    // Blank lines: explicit ones (never leading, trailing or doubled), and one around blocks.
    let mut lines: Vec<Option<Line<'_>>> = Vec::new(); // None = blank line
    let mut prev: Option<&Item> = None;
    for item in items {
        let want_blank = match (prev, item) {
            (None, _) => false,
            (Some(Item::Blank), _) => false,
            (_, Item::Blank) => true,
            (Some(Item::Comment(_)), _) => false,
            (Some(Item::Block(_)), _) | (_, Item::Block(_)) => true,
            _ => false,
        };
        if matches!(item, Item::Blank) {
            if prev.is_some() && !matches!(prev, Some(Item::Blank)) {
                lines.push(None);
            }
            prev = Some(item);
            continue;
        }
        if want_blank && !matches!(lines.last(), Some(None)) {
            lines.push(None);
        }
        match item {
            Item::Attr(k, v) if !is_multiline(v) => lines.push(Some(Line::Single(k.clone(), inline(v)))),
            _ => lines.push(Some(Line::Other(item))),
        }
        prev = Some(item);
    }
    while matches!(lines.last(), Some(None)) {
        lines.pop();
    }
    emit_lines(out, &lines, level);
}

/// Write lines, aligning the `=` of each run of single-line attributes.
fn emit_lines(out: &mut String, lines: &[Option<Line<'_>>], level: usize) {
    let mut i = 0;
    while i < lines.len() {
        if let Some(Line::Single(..)) = &lines[i] {
            let mut j = i;
            let mut width = 0;
            while let Some(Some(Line::Single(k, _))) = lines.get(j) {
                width = width.max(k.chars().count());
                j += 1;
            }
            for line in &lines[i..j] {
                if let Some(Line::Single(k, v)) = line {
                    indent(out, level);
                    out.push_str(k);
                    for _ in k.chars().count()..width {
                        out.push(' ');
                    }
                    out.push_str(" = ");
                    out.push_str(v);
                    out.push('\n');
                }
            }
            i = j;
            continue;
        }
        match &lines[i] {
            None => out.push('\n'),
            Some(Line::Other(Item::Attr(k, v))) => {
                indent(out, level);
                out.push_str(k);
                out.push_str(" = ");
                multiline_into(out, v, level);
                out.push('\n');
            }
            Some(Line::Other(Item::Block(b))) => block_into(out, b, level),
            Some(Line::Other(Item::Comment(c))) => {
                indent(out, level);
                out.push_str("# ");
                out.push_str(&c.replace(['\n', '\r'], " "));
                out.push('\n');
            }
            Some(Line::Other(Item::Blank)) | Some(Line::Single(..)) => {}
        }
        i += 1;
    }
}

fn block_into(out: &mut String, b: &Block, level: usize) {
    indent(out, level);
    out.push_str(&b.kind);
    for l in &b.labels {
        out.push(' ');
        quoted_into(out, l);
    }
    if b.body.0.iter().all(|i| matches!(i, Item::Blank)) {
        out.push_str(" {}\n");
        return;
    }
    out.push_str(" {\n");
    body_into(out, &b.body, level + 1);
    indent(out, level);
    out.push_str("}\n");
}

/// True when the expression is printed over several lines.
fn is_multiline(e: &Expr) -> bool {
    match e {
        Expr::Object(items) => !items.is_empty(),
        Expr::List(items) => list_is_multiline(items),
        Expr::Call(_, args) => args.iter().any(is_multiline),
        _ => false,
    }
}

fn list_is_multiline(items: &[Expr]) -> bool {
    if items.iter().any(is_multiline) {
        return true;
    }
    let width: usize = items.iter().map(|i| inline(i).len() + 2).sum();
    width > MAX_INLINE_LIST
}

/// A multi-line expression whose first line continues the current line at `level`.
fn multiline_into(out: &mut String, e: &Expr, level: usize) {
    match e {
        Expr::Object(items) if !items.is_empty() => {
            out.push_str("{\n");
            object_items_into(out, items, level + 1);
            indent(out, level);
            out.push('}');
        }
        Expr::List(items) if list_is_multiline(items) => {
            out.push('[');
            one_per_line(out, items, level);
            out.push(']');
        }
        Expr::Call(name, args) if args.iter().rev().skip(1).any(is_multiline) => {
            // More than the last argument spans lines: one argument per line.
            out.push_str(name);
            out.push('(');
            one_per_line(out, args, level);
            out.push(')');
        }
        Expr::Call(name, args) if args.iter().any(is_multiline) => {
            // `f(a, {` opens one indent level however many brackets it opens.
            out.push_str(name);
            out.push('(');
            for (n, a) in args.iter().enumerate() {
                if n > 0 {
                    out.push_str(", ");
                }
                if is_multiline(a) {
                    debug_assert!(n + 1 == args.len(), "only the last argument may span lines");
                    multiline_into(out, a, level);
                } else {
                    out.push_str(&inline(a));
                }
            }
            out.push(')');
        }
        other => out.push_str(&inline(other)),
    }
}

/// Items one per line at `level + 1`, each followed by a comma, from a new line to the
/// closing bracket's indentation at `level`.
fn one_per_line(out: &mut String, items: &[Expr], level: usize) {
    out.push('\n');
    for item in items {
        indent(out, level + 1);
        if is_multiline(item) {
            multiline_into(out, item, level + 1);
        } else {
            out.push_str(&inline(item));
        }
        out.push_str(",\n");
    }
    indent(out, level);
}

/// Object items at `level`, one per line, `=` aligned in runs.
fn object_items_into(out: &mut String, items: &[(Key, Expr)], level: usize) {
    let mut i = 0;
    while i < items.len() {
        if !is_multiline(&items[i].1) {
            let mut j = i;
            let mut width = 0;
            while j < items.len() && !is_multiline(&items[j].1) {
                width = width.max(key_text(&items[j].0).chars().count());
                j += 1;
            }
            for (k, v) in &items[i..j] {
                let k = key_text(k);
                indent(out, level);
                out.push_str(&k);
                for _ in k.chars().count()..width {
                    out.push(' ');
                }
                out.push_str(" = ");
                out.push_str(&inline(v));
                out.push('\n');
            }
            i = j;
            continue;
        }
        let (k, v) = &items[i];
        indent(out, level);
        out.push_str(&key_text(k));
        out.push_str(" = ");
        multiline_into(out, v, level);
        out.push('\n');
        i += 1;
    }
}

/// Object keys are bare identifiers unless they hold a `-` (which reads as a minus) or other
/// characters; then they are quoted.
fn key_text(k: &Key) -> String {
    if is_identifier(&k.0) && !k.0.contains('-') {
        k.0.clone()
    } else {
        let mut s = String::new();
        quoted_into(&mut s, &k.0);
        s
    }
}

/// The single-line form of an expression (multi-line parts are never passed here).
fn inline(e: &Expr) -> String {
    let mut s = String::new();
    inline_into(&mut s, e);
    s
}

fn inline_into(out: &mut String, e: &Expr) {
    match e {
        Expr::Null => out.push_str("null"),
        Expr::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Expr::Num(n) => {
            let _ = write!(out, "{n}");
        }
        Expr::Str(s) => quoted_into(out, s),
        Expr::Template(parts) => {
            out.push('"');
            for p in parts {
                match p {
                    Part::Lit(s) => escape_into(out, s),
                    Part::Interp(e) => {
                        out.push_str("${");
                        inline_into(out, e);
                        out.push('}');
                    }
                }
            }
            out.push('"');
        }
        Expr::Ref(steps) => steps_into(out, steps, true),
        Expr::Traverse(base, steps) => {
            inline_into(out, base);
            steps_into(out, steps, false);
        }
        Expr::Call(name, args) => {
            out.push_str(name);
            out.push('(');
            for (n, a) in args.iter().enumerate() {
                if n > 0 {
                    out.push_str(", ");
                }
                inline_into(out, a);
            }
            out.push(')');
        }
        Expr::List(items) => {
            out.push('[');
            for (n, a) in items.iter().enumerate() {
                if n > 0 {
                    out.push_str(", ");
                }
                inline_into(out, a);
            }
            out.push(']');
        }
        Expr::Object(items) => {
            debug_assert!(items.is_empty(), "non-empty objects are printed over several lines");
            out.push_str("{}");
        }
        Expr::Binary(a, op, b) => {
            operand_into(out, a);
            out.push(' ');
            out.push_str(op.as_str());
            out.push(' ');
            operand_into(out, b);
        }
        Expr::Not(a) => {
            out.push('!');
            operand_into(out, a);
        }
        Expr::Cond(c, a, b) => {
            operand_into(out, c);
            out.push_str(" ? ");
            operand_into(out, a);
            out.push_str(" : ");
            operand_into(out, b);
        }
        Expr::ForList(var, coll, value) => {
            out.push_str("[for ");
            out.push_str(var);
            out.push_str(" in ");
            inline_into(out, coll);
            out.push_str(" : ");
            inline_into(out, value);
            out.push(']');
        }
    }
}

fn steps_into(out: &mut String, steps: &[Step], rooted: bool) {
    for (n, st) in steps.iter().enumerate() {
        match st {
            Step::Attr(a) => {
                if n > 0 || !rooted {
                    out.push('.');
                }
                out.push_str(a);
            }
            Step::Index(i) => {
                let _ = write!(out, "[{i}]");
            }
            Step::Key(k) => {
                out.push('[');
                quoted_into(out, k);
                out.push(']');
            }
            Step::By(e) => {
                out.push('[');
                inline_into(out, e);
                out.push(']');
            }
        }
    }
}

/// Operands of operators are parenthesised when they are operators themselves.
fn operand_into(out: &mut String, e: &Expr) {
    if matches!(e, Expr::Binary(..) | Expr::Cond(..)) {
        out.push('(');
        inline_into(out, e);
        out.push(')');
    } else {
        inline_into(out, e);
    }
}

fn quoted_into(out: &mut String, s: &str) {
    out.push('"');
    escape_into(out, s);
    out.push('"');
}

/// Escape text for the inside of an HCL quoted string: `"`, `\`, control characters, and
/// the template openers `${` and `%{` (doubled: `$${`, `%%{`).
fn escape_into(out: &mut String, s: &str) {
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '$' | '%' if chars.peek() == Some(&'{') => {
                out.push(c);
                out.push(c);
            }
            c if c.is_control() => {
                let _ = write!(out, "\\u{:04X}", u32::from(c));
            }
            c => out.push(c),
        }
    }
}

/// The escaped form of a string literal, quotes included (for docs and tests).
pub fn quote(s: &str) -> String {
    let mut out = String::new();
    quoted_into(&mut out, s);
    out
}

/// One line however long, objects as `{ a = 1, b = 2 }` (for the README, not for HCL files).
pub fn compact(e: &Expr) -> String {
    match e {
        Expr::Object(items) if !items.is_empty() => {
            let inner: Vec<String> = items.iter().map(|(k, v)| format!("{} = {}", key_text(k), compact(v))).collect();
            format!("{{ {} }}", inner.join(", "))
        }
        Expr::List(items) => format!("[{}]", items.iter().map(compact).collect::<Vec<_>>().join(", ")),
        other => inline(other),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(body: Body, want: &str) {
        assert_eq!(print(&body), want);
    }

    #[test]
    fn aligns_runs_of_single_line_attributes() {
        let b = Block::new("resource", ["aws_x", "y"])
            .attr("name", Expr::str("a"))
            .attr("description", Expr::str("b"))
            .blank()
            .attr("n", Expr::Num(1))
            .attr("tags", Expr::object([("Team", Expr::str("t")), ("kubernetes.io/role", Expr::str("1"))]))
            .attr("after", Expr::Bool(true));
        check(
            Body(vec![Item::Block(b)]),
            "resource \"aws_x\" \"y\" {\n  name        = \"a\"\n  description = \"b\"\n\n  n = 1\n  tags = {\n    Team                 = \"t\"\n    \"kubernetes.io/role\" = \"1\"\n  }\n  after = true\n}\n",
        );
    }

    #[test]
    fn blocks_are_separated_by_blank_lines_and_comments_stick() {
        let b = Block::new("data", ["aws_iam_policy_document", "p"])
            .comment("checkov:skip=CKV_AWS_1:reason")
            .attr("version", Expr::str("2012-10-17"))
            .block(Block::new("statement", []).attr("actions", Expr::strs(["a:b"])))
            .block(Block::new("statement", []).attr("actions", Expr::strs(["c:d"])));
        check(
            Body(vec![Item::Block(b), Item::Block(Block::new("terraform", []))]),
            "data \"aws_iam_policy_document\" \"p\" {\n  # checkov:skip=CKV_AWS_1:reason\n  version = \"2012-10-17\"\n\n  statement {\n    actions = [\"a:b\"]\n  }\n\n  statement {\n    actions = [\"c:d\"]\n  }\n}\n\nterraform {}\n",
        );
    }

    #[test]
    fn calls_with_an_object_open_one_level() {
        let e = Expr::call("jsonencode", vec![Expr::object([("a", Expr::Num(1)), ("bb", Expr::path("x.y"))])]);
        check(Body(vec![Item::Attr("v".into(), e)]), "v = jsonencode({\n  a  = 1\n  bb = x.y\n})\n");
        let t = Expr::call("object", vec![Expr::object([("name", Expr::keyword("string"))])]);
        check(Body(vec![Item::Attr("type".into(), t)]), "type = object({\n  name = string\n})\n");
    }

    #[test]
    fn long_lists_and_lists_of_objects_go_one_item_per_line() {
        let long =
            Expr::strs(["aaaaaaaaaaaaaaaaaaaa", "bbbbbbbbbbbbbbbbbbbbbbbbb", "cccccccccccccccccccccccccc", "dddddd"]);
        let out = print(&Body(vec![Item::Attr("x".into(), long)]));
        assert!(out.starts_with("x = [\n  \"aaaaaaaaaaaaaaaaaaaa\",\n"), "{out}");
        assert!(out.ends_with("  \"dddddd\",\n]\n"), "{out}");
        let objs = Expr::List(vec![Expr::object([("a", Expr::Num(1))])]);
        assert_eq!(print(&Body(vec![Item::Attr("x".into(), objs)])), "x = [\n  {\n    a = 1\n  },\n]\n");
    }

    #[test]
    fn expressions_use_terraform_spacing() {
        let e = Expr::binary(Expr::call("length", vec![Expr::path("var.x")]), BinOp::Le, Expr::Num(64));
        assert_eq!(inline(&e), "length(var.x) <= 64");
        let c = Expr::cond(Expr::path("var.a.multi_az"), Expr::Num(2), Expr::Num(1));
        assert_eq!(inline(&c), "var.a.multi_az ? 2 : 1");
        let f = Expr::call(
            "alltrue",
            vec![Expr::for_list("n", Expr::call("values", vec![Expr::path("var.m")]), Expr::negate(Expr::path("n.x")))],
        );
        assert_eq!(inline(&f), "alltrue([for n in values(var.m) : !n.x])");
        assert_eq!(
            inline(&Expr::path("data.aws_eks_cluster.this.vpc_config[0].vpc_id")),
            "data.aws_eks_cluster.this.vpc_config[0].vpc_id"
        );
        let t = Expr::call("tolist", vec![Expr::path("a.b")]).then(vec![Step::Index(0), Step::Attr("name".into())]);
        assert_eq!(inline(&t), "tolist(a.b)[0].name");
        assert_eq!(
            inline(&Expr::path("var.names.secrets").then(vec![Step::Key("a\"${b}".into())])),
            r#"var.names.secrets["a\"$${b}"]"#
        );
        assert_eq!(
            inline(&Expr::binary(Expr::binary(Expr::Num(1), BinOp::Ge, Expr::Num(0)), BinOp::And, Expr::Bool(true))),
            "(1 >= 0) && true"
        );
    }

    #[test]
    fn user_strings_are_escaped() {
        assert_eq!(quote("a\"b\\c"), r#""a\"b\\c""#);
        assert_eq!(quote("${var.x} %{if} $x %x"), r#""$${var.x} %%{if} $x %x""#);
        assert_eq!(quote("line\nnext\ttab\u{7}"), r#""line\nnext\ttab\u0007""#);
        let t = template(vec![lit("arn:${x}:"), interp(Expr::path("var.region"))]);
        assert_eq!(inline(&t), r#""arn:$${x}:${var.region}""#);
        let k = Body(vec![Item::Attr("tags".into(), Expr::object([("a\"b", Expr::str("v"))]))]);
        assert_eq!(print(&k), "tags = {\n  \"a\\\"b\" = \"v\"\n}\n");
    }

    #[test]
    fn blank_lines_are_never_doubled_leading_or_trailing() {
        let b = Body(vec![
            Item::Blank,
            Item::Attr("a".into(), Expr::Num(1)),
            Item::Blank,
            Item::Blank,
            Item::Block(Block::new("b", [])),
            Item::Blank,
        ]);
        assert_eq!(print(&b), "a = 1\n\nb {}\n");
    }

    #[test]
    fn identifiers() {
        assert!(is_identifier("stripe-key"));
        assert!(is_identifier("_x1"));
        assert!(!is_identifier("1x"));
        assert!(!is_identifier("a.b"));
        assert!(!is_identifier(""));
    }
}
