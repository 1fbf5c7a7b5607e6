//! `metadata.acceptedRisks` of a service or org file: each key a risk code `platform diff`
//! knows, each value the reason in three words or more, so a reviewer reads why next to
//! the code.

use platform_ir as ir;
use platform_syntax::Field;

use super::Lx;
use crate::codes;
use crate::risks;

/// The valid entries; every other one is reported (LOW019).
pub fn lower(lx: &mut Lx, map: &Field<std::collections::BTreeMap<String, Field<String>>>) -> Vec<ir::AcceptedRisk> {
    let Some(map) = map.get() else { return Vec::new() };
    let mut out = Vec::new();
    for (code, reason) in &map.value {
        let Some(reason) = reason.get() else { continue };
        if !risks::codes::ALL.iter().any(|c| c.id == code) {
            let known: Vec<String> = risks::codes::ALL.iter().map(|c| format!("`{}` ({})", c.id, c.name)).collect();
            lx.error(
                &codes::LOW019,
                format!("`{code}` is not a risk code"),
                reason.span,
                "no such risk",
                format!("accept one of the risks `platform diff` reports: {}", known.join(", ")),
            );
            continue;
        }
        if reason.value.split_whitespace().count() < 3 {
            lx.error(
                &codes::LOW019,
                format!("the acceptance of {code} gives no reason"),
                reason.span,
                "say why",
                "write in a few words why the risk is acceptable, e.g. `the data moved to orders-db on 3 December`",
            );
            continue;
        }
        out.push(ir::AcceptedRisk { code: code.clone(), reason: reason.clone() });
    }
    out
}
