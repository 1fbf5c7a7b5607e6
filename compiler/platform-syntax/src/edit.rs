//! Edits of an input file that keep everything else as written, like `cargo add`: comments,
//! key order, quoting and blank lines. An edit adds lines; it never re-serializes the file.
//! The caller checks the result by compiling it, and writes nothing when that fails.
//!
//! Only block collections can be extended; a flow mapping or sequence (`{…}`, `[…]`) is
//! refused with a message, since adding to it would mean rewriting what the author wrote.

use platform_ir::FileId;

use crate::yaml::{self, Kind, Node};

/// The line (0-based) and column (in bytes) of byte `at`.
fn line_col(text: &str, at: usize) -> (usize, usize) {
    let before = &text[..at.min(text.len())];
    let line = before.bytes().filter(|b| *b == b'\n').count();
    let col = before.rfind('\n').map_or(before.len(), |nl| before.len() - nl - 1);
    (line, col)
}

/// The byte just after the end of the line holding byte `at` (after its `\n`).
fn end_of_line(text: &str, at: usize) -> usize {
    text[at.min(text.len())..].find('\n').map_or(text.len(), |i| at + i + 1)
}

fn find<'a>(root: &'a Node, path: &[&str]) -> Result<&'a Node, String> {
    let mut node = root;
    for (i, key) in path.iter().enumerate() {
        let Kind::Map(entries) = &node.kind else {
            return Err(format!("`{}` is not a mapping", path[..i].join(".")));
        };
        node = entries
            .iter()
            .find(|(k, _)| k.name == *key)
            .map(|(_, v)| v)
            .ok_or_else(|| format!("there is no `{}`", path[..=i].join(".")))?;
    }
    Ok(node)
}

/// The last byte any entry of a block collection spans: where new lines go after.
/// (A block collection's own span runs on to the next token, maybe lines later; its entries'
/// do not.)
fn last_byte(node: &Node) -> usize {
    let own = node.span.end as usize;
    match &node.kind {
        Kind::Map(entries) if !entries.is_empty() => {
            entries.iter().map(|(k, v)| last_byte(v).max(k.span.end as usize)).max().unwrap_or(own)
        }
        Kind::Seq(items) if !items.is_empty() => items.iter().map(last_byte).max().unwrap_or(own),
        _ => own,
    }
}

fn is_flow(text: &str, node: &Node) -> bool {
    let s = node.span.start as usize;
    text[s..].trim_start().starts_with(['{', '['])
}

/// Indent every line of `block` by `indent` spaces, ending with a newline.
fn indented(block: &str, indent: usize) -> String {
    block.lines().map(|l| format!("{}{l}\n", " ".repeat(indent))).collect()
}

/// `text` with `lines` at byte `at` (the start of a line, or the end of the text, which gets
/// its final newline first).
fn insert(text: &str, at: usize, lines: &str) -> String {
    let mut out = text.to_owned();
    if at >= text.len() {
        if !out.is_empty() && !out.ends_with('\n') {
            out.push('\n');
        }
        out.push_str(lines);
    } else {
        out.insert_str(at, lines);
    }
    out
}

fn parse(text: &str) -> Result<Node, String> {
    yaml::parse(text, FileId(0)).map_err(|d| format!("the file does not parse: {}", d.message))
}

/// Add `key:` with `block` (YAML lines, indented relative to the key; one plain scalar goes
/// on the key's line) at the end of the block mapping at `path` (`[]`: the document). Fails when the key exists or the mapping is not a
/// block mapping.
pub fn add_key(text: &str, path: &[&str], key: &str, block: &str) -> Result<String, String> {
    let root = parse(text)?;
    let map = find(&root, path)?;
    let Kind::Map(entries) = &map.kind else {
        return Err(format!("`{}` is not a mapping", path.join(".")));
    };
    if entries.iter().any(|(k, _)| k.name == key) {
        return Err(format!("`{}` is already there", [path, &[key]].concat().join(".")));
    }
    if is_flow(text, map) && !entries.is_empty() {
        return Err(format!("`{}` is written in flow style ({{…}}); add `{key}` by hand", path.join(".")));
    }
    let Some((first, _)) = entries.first() else {
        return Err(format!("`{}` is empty; add `{key}` by hand", path.join(".")));
    };
    let (_, indent) = line_col(text, first.span.start as usize);
    let at = end_of_line(text, last_byte(map).saturating_sub(1).max(first.span.start as usize));
    let scalar = block.lines().count() == 1 && !block.contains(": ") && !block.starts_with('-');
    let lines = if scalar {
        format!("{}{key}: {}\n", " ".repeat(indent), block.trim())
    } else {
        format!("{}{key}:\n{}", " ".repeat(indent), indented(block, indent + 2))
    };
    Ok(insert(text, at, &lines))
}

/// Append an item (`block`: YAML lines of the item, the first one after `- `) to the block
/// sequence at `path`.
pub fn append_item(text: &str, path: &[&str], block: &str) -> Result<String, String> {
    let root = parse(text)?;
    let seq = find(&root, path)?;
    let Kind::Seq(items) = &seq.kind else {
        return Err(format!("`{}` is not a list", path.join(".")));
    };
    if is_flow(text, seq) {
        return Err(format!("`{}` is written in flow style ([…]); add the item by hand", path.join(".")));
    }
    let Some(first) = items.first() else {
        return Err(format!("`{}` is empty; add the item by hand", path.join(".")));
    };
    // The dash of the first item: the last `-` before the item's text.
    let start = first.span.start as usize;
    let dash = text[..start].rfind('-').ok_or_else(|| format!("`{}`: no `-` before its first item", path.join(".")))?;
    let (_, dash_col) = line_col(text, dash);
    let (_, item_col) = line_col(text, start);
    let mut lines = String::new();
    for (i, l) in block.lines().enumerate() {
        if i == 0 {
            lines.push_str(&format!("{}-{}{l}\n", " ".repeat(dash_col), " ".repeat(item_col - dash_col - 1)));
        } else {
            lines.push_str(&format!("{}{l}\n", " ".repeat(item_col)));
        }
    }
    let at = end_of_line(text, last_byte(seq).saturating_sub(1));
    Ok(insert(text, at, &lines))
}

#[cfg(test)]
mod tests {
    use super::*;

    const SERVICE: &str = "# a comment that stays\nkind: Service\nmetadata:\n  name: api   # trailing\n  team: core\nspec:\n  language: go\n  secrets:\n    - name: stripe-key\n      rotationDays: 90\n  # a note about monitoring\n  monitoring:\n    slo: 99.9\n";

    #[test]
    fn a_key_goes_after_the_last_entry_at_its_siblings_indentation() {
        let out = add_key(SERVICE, &["spec"], "database", "type: postgres\nsize: medium").unwrap();
        assert_eq!(out, format!("{SERVICE}  database:\n    type: postgres\n    size: medium\n"));
        let out = add_key(SERVICE, &["metadata"], "tier", "critical").unwrap();
        assert_eq!(out, SERVICE.replace("  team: core\n", "  team: core\n  tier: critical\n"));
        // A file without a final newline gets one before the new lines.
        let out = add_key("spec:\n  language: go", &["spec"], "framework", "gin").unwrap();
        assert_eq!(out, "spec:\n  language: go\n  framework: gin\n");
    }

    #[test]
    fn an_item_goes_after_the_last_item_with_the_same_dash() {
        let out = append_item(SERVICE, &["spec", "secrets"], "name: api-key").unwrap();
        assert_eq!(
            out,
            SERVICE.replace("      rotationDays: 90\n", "      rotationDays: 90\n    - name: api-key\n"),
            "{out}"
        );
    }

    #[test]
    fn flow_collections_and_existing_keys_are_refused() {
        let flow = "kind: Service\nspec: {language: go}\n";
        assert!(add_key(flow, &["spec"], "database", "type: redis").unwrap_err().contains("flow style"));
        let flow = "spec:\n  secrets: [{name: a}]\n";
        assert!(append_item(flow, &["spec", "secrets"], "name: b").unwrap_err().contains("flow style"));
        assert!(add_key(SERVICE, &["spec"], "language", "go").unwrap_err().contains("already there"));
    }
}
