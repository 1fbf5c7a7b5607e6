//! The rule-group file: `groups:` in Prometheus' `rule_files` format, keys in the order
//! Prometheus documents them.

use platform_ir::slo::RuleGroup;
use serde_json::json;

/// The YAML text of a rule file holding `groups`.
pub fn file(groups: &[RuleGroup]) -> String {
    let doc = json!({ "groups": groups });
    let mut s = serde_saphyr::to_string(&doc).unwrap_or_default();
    if !s.ends_with('\n') {
        s.push('\n');
    }
    s
}
