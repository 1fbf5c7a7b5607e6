//! YAML 1.2 into a spanned node tree.
//!
//! Built on `saphyr-parser` events. This layer owns every YAML-level rule: one document, no
//! duplicate keys, string keys only, no custom tags, bounded nesting and alias expansion,
//! YAML 1.2 core-schema scalars (so `NO` and `yes` are strings, not booleans).

use std::collections::BTreeMap;
use std::collections::BTreeSet;

use platform_ir::{Diagnostic, FileId, Span};
use saphyr_parser::{Event, Parser, ScalarStyle};

use crate::codes;

/// Deepest nesting accepted.
pub const MAX_DEPTH: usize = 64;
/// Most nodes a document may have after alias expansion.
pub const MAX_NODES: usize = 100_000;
/// Most bytes of text (scalars and keys) a document may hold after alias expansion: four
/// times the largest file ([`crate::read::MAX_FILE_BYTES`]), so aliases may repeat a value a
/// few times, never blow one long string up a thousandfold.
pub const MAX_EXPANDED_BYTES: usize = 4 << 20;

/// A YAML node with the span of its source text.
#[derive(Clone, Debug, PartialEq)]
pub struct Node {
    /// What it is.
    pub kind: Kind,
    /// Where it was written (for an alias: where the alias was written).
    pub span: Span,
}

/// Node kinds after YAML 1.2 core-schema resolution.
#[derive(Clone, Debug, PartialEq)]
pub enum Kind {
    /// `~`, `null`, or nothing.
    Null,
    /// `true` / `false`.
    Bool(bool),
    /// An integer, with its source text.
    Int(i64, String),
    /// A float, with its source text (kept for exact decimals).
    Float(f64, String),
    /// A string (quoted, block, or a plain scalar that is nothing else).
    Str(String),
    /// A sequence.
    Seq(Vec<Node>),
    /// A mapping, in source order; keys are strings with their spans.
    Map(Vec<(Key, Node)>),
}

/// A mapping key.
#[derive(Clone, Debug, PartialEq)]
pub struct Key {
    /// The key text.
    pub name: String,
    /// Its span.
    pub span: Span,
}

impl Kind {
    /// What to call this kind in a message: "a string `abc`", "a mapping".
    pub fn describe(&self) -> String {
        match self {
            Kind::Null => "nothing (null)".into(),
            Kind::Bool(b) => format!("the boolean `{b}`"),
            Kind::Int(_, t) => format!("the number `{t}`"),
            Kind::Float(_, t) => format!("the number `{t}`"),
            Kind::Str(s) if s.chars().count() <= 40 => format!("the string `{s}`"),
            Kind::Str(_) => "a string".into(),
            Kind::Seq(_) => "a list".into(),
            Kind::Map(_) => "a mapping".into(),
        }
    }
}

/// When the line of a syntax error is indented to no level open above it, the cause is
/// almost always the indentation: say so, and name the levels it could belong to.
fn indentation_help(text: &str, at: usize) -> Option<String> {
    let line_start = text[..at.min(text.len())].rfind('\n').map_or(0, |i| i + 1);
    let indent = |l: &str| l.len() - l.trim_start_matches(' ').len();
    let content = |l: &str| !l.trim().is_empty() && !l.trim_start().starts_with('#');
    let line = text[line_start..].lines().next().unwrap_or("");
    if !content(line) {
        return None;
    }
    // The indentation levels open at this line: each content line closes the deeper ones.
    let mut open: Vec<usize> = Vec::new();
    for l in text[..line_start].lines().filter(|l| content(l)) {
        let i = indent(l);
        while open.last().is_some_and(|&top| top > i) {
            open.pop();
        }
        if open.last() != Some(&i) {
            open.push(i);
        }
    }
    let here = indent(line);
    if open.contains(&here) || open.is_empty() {
        return None;
    }
    let levels: Vec<String> = open.iter().map(|n| format!("{n}")).collect();
    let lineno = text[..line_start].matches('\n').count() + 1;
    Some(format!(
        "check the indentation: line {lineno} is indented {here} space{}, but the keys above it are at {} spaces; indent it like the key it belongs with",
        if here == 1 { "" } else { "s" },
        levels.join(", ")
    ))
}

/// Parse one YAML document. On a YAML-level error the file yields no tree, and one
/// diagnostic says why (nothing after a syntax error can be trusted).
pub fn parse(text: &str, file: FileId) -> Result<Node, Diagnostic> {
    if let Some(d) = tab_indentation(text, file) {
        return Err(d);
    }
    let offsets = CharOffsets::new(text);
    let mut b = Builder {
        file,
        offsets,
        anchors: BTreeMap::new(),
        nodes: 0,
        bytes: 0,
        aliased: false,
        stack: Vec::new(),
        root: None,
    };
    let mut parser = Parser::new_from_str(text);
    let mut docs = 0usize;
    while let Some(ev) = parser.next_event() {
        let (ev, span) = match ev {
            Ok(x) => x,
            Err(e) => {
                let at = b.offsets.byte(e.marker().index());
                if e.info().contains("recursion") {
                    return Err(Diagnostic::error(
                        &codes::SYN007,
                        format!("the YAML is nested more than {MAX_DEPTH} levels deep"),
                        Span::new(file, at, at),
                        "too deep here",
                        "flatten the structure; no platform field needs this depth",
                    ));
                }
                let help = indentation_help(text, at as usize)
                    .unwrap_or_else(|| "fix the YAML syntax at this place".to_owned());
                return Err(Diagnostic::error(
                    &codes::SYN001,
                    format!("invalid YAML: {}", e.info()),
                    Span::new(file, at, at),
                    "the parser stopped here",
                    help,
                ));
            }
        };
        let sp = b.span(span.start.index(), span.end.index());
        match ev {
            Event::DocumentStart(_) => {
                docs += 1;
                if docs > 1 {
                    return Err(Diagnostic::error(
                        &codes::SYN005,
                        "a second YAML document starts here",
                        sp,
                        "second document",
                        "put one service (or org) in each file; remove the `---` and what follows, or move it to its own file",
                    ));
                }
            }
            Event::StreamEnd => break,
            other => b.event(other, sp)?,
        }
    }
    match b.root {
        Some(root) => Ok(root),
        None => Err(Diagnostic::error(
            &codes::SYN003,
            "the file is empty",
            Span::new(file, 0, u32::try_from(text.len()).unwrap_or(0)),
            "no YAML document here",
            "describe the service with `kind`, `metadata` and `spec`, or run `platform new service NAME`",
        )),
    }
}

fn tab_indentation(text: &str, file: FileId) -> Option<Diagnostic> {
    let mut off = 0usize;
    let mut in_block_scalar = false;
    for line in text.split_inclusive('\n') {
        let indent: &str = &line[..line.len() - line.trim_start_matches([' ', '\t']).len()];
        let rest = line.trim_start_matches([' ', '\t']);
        let _ = in_block_scalar;
        if let Some(pos) = indent.find('\t')
            && !rest.trim().is_empty()
            && !rest.starts_with('#')
        {
            let at = u32::try_from(off + pos).unwrap_or(0);
            return Some(Diagnostic::error(
                &codes::SYN002,
                "a tab is used for indentation",
                Span::new(file, at, at + 1),
                "tab character",
                "YAML allows only spaces for indentation; replace the tab with spaces",
            ));
        }
        in_block_scalar = false;
        off += line.len();
    }
    None
}

/// Maps saphyr's character indices to byte offsets.
struct CharOffsets {
    /// `None` for ASCII text, where they are equal.
    table: Option<Vec<u32>>,
    len: u32,
}

impl CharOffsets {
    fn new(text: &str) -> Self {
        let len = u32::try_from(text.len()).unwrap_or(u32::MAX);
        if text.is_ascii() {
            return CharOffsets { table: None, len };
        }
        let mut table: Vec<u32> = text.char_indices().map(|(i, _)| u32::try_from(i).unwrap_or(u32::MAX)).collect();
        table.push(len);
        CharOffsets { table: Some(table), len }
    }

    fn byte(&self, char_index: usize) -> u32 {
        match &self.table {
            None => u32::try_from(char_index).unwrap_or(u32::MAX).min(self.len),
            Some(t) => t.get(char_index).copied().unwrap_or(self.len),
        }
    }
}

enum Frame {
    Seq {
        items: Vec<Node>,
        start: Span,
        anchor: usize,
    },
    Map {
        entries: Vec<(Key, Node)>,
        pending: Option<Key>,
        seen: BTreeSet<String>,
        first: BTreeMap<String, Span>,
        start: Span,
        anchor: usize,
    },
}

struct Builder {
    file: FileId,
    offsets: CharOffsets,
    anchors: BTreeMap<usize, Node>,
    nodes: usize,
    /// Bytes of text so far, aliases expanded.
    bytes: usize,
    /// Whether an alias has been expanded.
    aliased: bool,
    stack: Vec<Frame>,
    root: Option<Node>,
}

impl Builder {
    fn span(&self, start: usize, end: usize) -> Span {
        let s = self.offsets.byte(start);
        let e = self.offsets.byte(end).max(s);
        Span::new(self.file, s, e)
    }

    /// Count `n` more nodes holding `bytes` more bytes of text.
    fn count(&mut self, n: usize, bytes: usize, span: Span) -> Result<(), Diagnostic> {
        self.nodes += n;
        self.bytes += bytes;
        if self.nodes <= MAX_NODES && self.bytes <= MAX_EXPANDED_BYTES {
            return Ok(());
        }
        let (message, help) = match (self.aliased, self.nodes > MAX_NODES) {
            (true, true) => (
                format!("aliases expand the document to more than {MAX_NODES} values"),
                "write the values out instead of nesting aliases; a platform file never needs this many values",
            ),
            (true, false) => (
                format!("aliases expand the document to more than {} MiB of text", MAX_EXPANDED_BYTES >> 20),
                "write the value out once instead of repeating a long one through aliases",
            ),
            (false, _) => (
                format!("the document has more than {MAX_NODES} values"),
                "split the configuration: a platform file never needs this many values",
            ),
        };
        Err(Diagnostic::error(&codes::SYN008, message, span, "limit reached here", help))
    }

    fn event(&mut self, ev: Event<'_>, sp: Span) -> Result<(), Diagnostic> {
        match ev {
            Event::Scalar(value, style, anchor, tag) => {
                self.count(1, value.len(), sp)?;
                let forced_str = match tag.as_deref() {
                    None => false,
                    Some(t) if t.handle == "tag:yaml.org,2002:" && t.suffix == "str" => true,
                    Some(t) if t.handle == "!!" && t.suffix == "str" => true,
                    Some(t) => {
                        return Err(Diagnostic::error(
                            &codes::SYN013,
                            format!("the YAML tag `{}{}` is not supported", t.handle, t.suffix),
                            sp,
                            "custom tag",
                            "remove the tag; platform files take plain values",
                        ));
                    }
                };
                let kind = if forced_str || style != ScalarStyle::Plain {
                    Kind::Str(value.into_owned())
                } else {
                    resolve_plain(&value)
                };
                let node = Node { kind, span: sp };
                if anchor > 0 {
                    self.anchors.insert(anchor, node.clone());
                }
                self.push(node)
            }
            Event::Alias(id) => {
                let Some(target) = self.anchors.get(&id).cloned() else {
                    return Err(Diagnostic::error(
                        &codes::SYN001,
                        "alias to an unknown anchor",
                        sp,
                        "unknown alias",
                        "define the anchor (`&name`) before using it",
                    ));
                };
                self.aliased = true;
                let (nodes, bytes) = size(&target);
                self.count(nodes, bytes, sp)?;
                self.push(Node { kind: target.kind, span: sp })
            }
            Event::SequenceStart(anchor, tag) | Event::MappingStart(anchor, tag) if tag.is_some() => {
                let _ = anchor;
                let t = tag.map(|t| format!("{}{}", t.handle, t.suffix)).unwrap_or_default();
                Err(Diagnostic::error(
                    &codes::SYN013,
                    format!("the YAML tag `{t}` is not supported"),
                    sp,
                    "custom tag",
                    "remove the tag",
                ))
            }
            Event::SequenceStart(anchor, _) => {
                self.open(sp)?;
                self.stack.push(Frame::Seq { items: Vec::new(), start: sp, anchor });
                Ok(())
            }
            Event::MappingStart(anchor, _) => {
                self.open(sp)?;
                self.stack.push(Frame::Map {
                    entries: Vec::new(),
                    pending: None,
                    seen: BTreeSet::new(),
                    first: BTreeMap::new(),
                    start: sp,
                    anchor,
                });
                Ok(())
            }
            Event::SequenceEnd | Event::MappingEnd => {
                let Some(frame) = self.stack.pop() else { return Ok(()) };
                let (kind, start, anchor) = match frame {
                    Frame::Seq { items, start, anchor } => (Kind::Seq(items), start, anchor),
                    Frame::Map { entries, start, anchor, .. } => (Kind::Map(entries), start, anchor),
                };
                let end = sp.end.max(start.end);
                let node = Node { kind, span: Span::new(self.file, start.start, end) };
                if anchor > 0 {
                    self.anchors.insert(anchor, node.clone());
                }
                self.push(node)
            }
            _ => Ok(()),
        }
    }

    fn open(&mut self, sp: Span) -> Result<(), Diagnostic> {
        self.count(1, 0, sp)?;
        if let Some(Frame::Map { pending: None, .. }) = self.stack.last() {
            return Err(Diagnostic::error(
                &codes::SYN013,
                "a mapping or list is used as a key",
                sp,
                "complex key",
                "keys must be plain strings",
            ));
        }
        if self.stack.len() >= MAX_DEPTH {
            return Err(Diagnostic::error(
                &codes::SYN007,
                format!("the YAML is nested more than {MAX_DEPTH} levels deep"),
                sp,
                "too deep here",
                "flatten the structure; no platform field needs this depth",
            ));
        }
        Ok(())
    }

    fn push(&mut self, node: Node) -> Result<(), Diagnostic> {
        match self.stack.last_mut() {
            None => {
                self.root = Some(node);
                Ok(())
            }
            Some(Frame::Seq { items, .. }) => {
                items.push(node);
                Ok(())
            }
            Some(Frame::Map { entries, pending, seen, first, .. }) => match pending.take() {
                Some(key) => {
                    entries.push((key, node));
                    Ok(())
                }
                None => {
                    let name = match node.kind {
                        Kind::Str(s) => s,
                        Kind::Int(_, t) | Kind::Float(_, t) => t,
                        Kind::Bool(b) => b.to_string(),
                        Kind::Null => {
                            return Err(Diagnostic::error(
                                &codes::SYN013,
                                "a mapping key is empty (null)",
                                node.span,
                                "empty key",
                                "write a key name before the colon",
                            ));
                        }
                        Kind::Seq(_) | Kind::Map(_) => {
                            return Err(Diagnostic::error(
                                &codes::SYN013,
                                "a mapping or list is used as a key",
                                node.span,
                                "complex key",
                                "keys must be plain strings",
                            ));
                        }
                    };
                    if !seen.insert(name.clone()) {
                        let mut d = Diagnostic::error(
                            &codes::SYN009,
                            format!("the key `{name}` appears twice in this mapping"),
                            node.span,
                            "duplicate key",
                            "keep one of the two; YAML tools disagree on which one wins",
                        );
                        if let Some(f) = first.get(&name) {
                            d = d.with_label(*f, "first defined here");
                        }
                        return Err(d);
                    }
                    first.insert(name.clone(), node.span);
                    *pending = Some(Key { name, span: node.span });
                    Ok(())
                }
            },
        }
    }
}

/// Nodes and bytes of text (scalars and keys) of a node, as [`Builder::count`] counts them.
fn size(n: &Node) -> (usize, usize) {
    let add = |(a, b): (usize, usize), (c, d): (usize, usize)| (a + c, b + d);
    match &n.kind {
        Kind::Seq(items) => items.iter().map(size).fold((1, 0), add),
        Kind::Map(entries) => entries.iter().map(|(k, v)| add((1, k.name.len()), size(v))).fold((1, 0), add),
        Kind::Str(s) | Kind::Int(_, s) | Kind::Float(_, s) => (1, s.len()),
        Kind::Null | Kind::Bool(_) => (1, 0),
    }
}

/// YAML 1.2 core schema resolution of a plain scalar.
fn resolve_plain(s: &str) -> Kind {
    match s {
        "" | "~" | "null" | "Null" | "NULL" => return Kind::Null,
        "true" | "True" | "TRUE" => return Kind::Bool(true),
        "false" | "False" | "FALSE" => return Kind::Bool(false),
        _ => {}
    }
    let digits = s.strip_prefix(['-', '+']).unwrap_or(s);
    if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) {
        if let Ok(v) = s.parse::<i64>() {
            return Kind::Int(v, s.to_owned());
        }
        return Kind::Float(s.parse().unwrap_or(f64::INFINITY), s.to_owned());
    }
    if let Some(h) = s.strip_prefix("0x")
        && let Ok(v) = i64::from_str_radix(h, 16)
    {
        return Kind::Int(v, s.to_owned());
    }
    if let Some(o) = s.strip_prefix("0o")
        && let Ok(v) = i64::from_str_radix(o, 8)
    {
        return Kind::Int(v, s.to_owned());
    }
    if is_float(digits)
        && let Ok(v) = s.parse::<f64>()
    {
        return Kind::Float(v, s.to_owned());
    }
    match s {
        ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF" => Kind::Float(f64::INFINITY, s.to_owned()),
        "-.inf" | "-.Inf" | "-.INF" => Kind::Float(f64::NEG_INFINITY, s.to_owned()),
        ".nan" | ".NaN" | ".NAN" => Kind::Float(f64::NAN, s.to_owned()),
        _ => Kind::Str(s.to_owned()),
    }
}

/// `(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?`
fn is_float(s: &str) -> bool {
    let (mant, exp) = match s.find(['e', 'E']) {
        Some(i) => (&s[..i], Some(&s[i + 1..])),
        None => (s, None),
    };
    let mant_ok = match mant.split_once('.') {
        Some((a, b)) => {
            a.bytes().all(|c| c.is_ascii_digit())
                && b.bytes().all(|c| c.is_ascii_digit())
                && !(a.is_empty() && b.is_empty())
        }
        None => !mant.is_empty() && mant.bytes().all(|c| c.is_ascii_digit()),
    };
    let exp_ok = exp.is_none_or(|e| {
        let e = e.strip_prefix(['-', '+']).unwrap_or(e);
        !e.is_empty() && e.bytes().all(|c| c.is_ascii_digit())
    });
    mant_ok && exp_ok && (mant.contains('.') || exp.is_some())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &str) -> Result<Node, Diagnostic> {
        parse(s, FileId(0))
    }

    #[test]
    fn core_schema_scalars() {
        let n = p("a: NO\nb: yes\nc: 1.10\nd: 0755\ne: true\nf: ~\ng: '1'\nh: 99.9\n").unwrap();
        let Kind::Map(m) = n.kind else { panic!() };
        let kinds: Vec<_> = m.iter().map(|(_, v)| v.kind.clone()).collect();
        assert_eq!(kinds[0], Kind::Str("NO".into()));
        assert_eq!(kinds[1], Kind::Str("yes".into()));
        assert_eq!(kinds[2], Kind::Float(1.1, "1.10".into()));
        assert_eq!(kinds[3], Kind::Int(755, "0755".into()));
        assert_eq!(kinds[4], Kind::Bool(true));
        assert_eq!(kinds[5], Kind::Null);
        assert_eq!(kinds[6], Kind::Str("1".into()));
        assert_eq!(kinds[7], Kind::Float(99.9, "99.9".into()));
    }

    #[test]
    fn spans_are_bytes() {
        let src = "name: é\nport: 80\n";
        let n = p(src).unwrap();
        let Kind::Map(m) = n.kind else { panic!() };
        let port = &m[1].1;
        assert_eq!(&src[port.span.start as usize..port.span.end as usize], "80");
    }

    #[test]
    fn yaml_level_errors() {
        let code = |s: &str| p(s).unwrap_err().code.id;
        assert_eq!(code("a: 1\na: 2\n"), "SYN009");
        assert_eq!(code("a:\n\tb: 1\n"), "SYN002");
        assert_eq!(code(""), "SYN003");
        assert_eq!(code("# only a comment\n"), "SYN003");
        assert_eq!(code("a: 1\n---\nb: 2\n"), "SYN005");
        assert_eq!(code("a: [1, 2\n"), "SYN001");
        let help = |t: &str| parse(t, FileId(0)).unwrap_err().help;
        assert!(
            help("spec:\n  language: go\n   port: 8080\n")
                .contains("line 3 is indented 3 spaces, but the keys above it are at 0, 2 spaces")
        );
        assert!(help("metadata:\n  name: api\n team: x\n").contains("line 3 is indented 1 space,"));
        assert_eq!(help("a: [1, 2\n"), "fix the YAML syntax at this place");
        assert_eq!(code("a: !include x.yaml\n"), "SYN013");
        let deep = format!("x: {}1{}\n", "[".repeat(5000), "]".repeat(5000));
        assert_eq!(code(&deep), "SYN007");
    }

    #[test]
    fn alias_bomb_is_refused() {
        let mut s = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x]\n");
        for i in 1..10 {
            let prev = format!("*a{}", i - 1);
            s.push_str(&format!("a{i}: &a{i} [{p}, {p}, {p}, {p}, {p}, {p}, {p}, {p}, {p}]\n", p = prev));
        }
        assert_eq!(p(&s).unwrap_err().code.id, "SYN008");
    }

    #[test]
    fn long_strings_repeated_through_aliases_are_refused() {
        // One 500 000-byte string, referenced 1 000 times: few nodes, 500 MB of text.
        let mut s = format!("a: &big {}\nb:\n", "x".repeat(500_000));
        for _ in 0..1000 {
            s.push_str("  - *big\n");
        }
        let started = std::time::Instant::now();
        let e = p(&s).unwrap_err();
        assert_eq!(e.code.id, "SYN008");
        assert!(e.message.contains("MiB of text"), "{}", e.message);
        assert!(started.elapsed().as_secs() < 5, "refused only after {:?}", started.elapsed());
        // A few repeats of a modest value are fine.
        let ok = format!("a: &v {}\nb: [*v, *v, *v]\n", "y".repeat(10_000));
        assert!(p(&ok).is_ok());
    }

    #[test]
    fn many_plain_values_are_not_called_an_alias_expansion() {
        let s: String = (0..100_001).map(|i| format!("k{i}: 1\n")).collect();
        let e = p(&s).unwrap_err();
        assert_eq!(e.code.id, "SYN008");
        assert!(e.message.starts_with("the document has more than"), "{}", e.message);
    }
}
