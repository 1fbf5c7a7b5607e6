//! The merge rule, applied on YAML trees before decoding so every value keeps the span of
//! the file it came from: mappings merge key by key (recursively), anything else in the
//! overlay replaces the base.

use platform_syntax::yaml::{Kind, Node};

/// `overlay` over `base`.
pub fn merge(base: &Node, overlay: &Node) -> Node {
    match (&base.kind, &overlay.kind) {
        (Kind::Map(b), Kind::Map(o)) => {
            let mut out = b.clone();
            for (k, v) in o {
                match out.iter_mut().find(|(bk, _)| bk.name == k.name) {
                    Some((bk, bv)) => {
                        *bv = merge(bv, v);
                        *bk = k.clone();
                    }
                    None => out.push((k.clone(), v.clone())),
                }
            }
            Node { kind: Kind::Map(out), span: overlay.span }
        }
        _ => overlay.clone(),
    }
}

/// The value under `key` of a mapping node.
pub fn get<'a>(node: &'a Node, key: &str) -> Option<&'a Node> {
    match &node.kind {
        Kind::Map(entries) => entries.iter().find(|(k, _)| k.name == key).map(|(_, v)| v),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use platform_ir::FileId;
    use platform_syntax::yaml::parse;

    use super::*;

    #[test]
    fn maps_merge_and_lists_replace() {
        let base = parse("a: {x: 1, y: 2}\nl: [1, 2]\ns: base\n", FileId(0)).unwrap();
        let over = parse("a: {y: 3}\nl: [9]\n", FileId(1)).unwrap();
        let m = merge(&base, &over);
        let a = get(&m, "a").unwrap();
        assert_eq!(get(a, "x").unwrap().span.file, FileId(0));
        assert_eq!(get(a, "y").unwrap().span.file, FileId(1));
        let Kind::Seq(l) = &get(&m, "l").unwrap().kind else { panic!() };
        assert_eq!(l.len(), 1);
        assert_eq!(get(&m, "s").unwrap().span.file, FileId(0));
    }
}
