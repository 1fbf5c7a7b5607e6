//! `platform report --format html`: one self-contained page — adoption and, with deployment
//! records, the DORA figures — with its charts drawn as inline SVG. No script, no font, no
//! stylesheet or image from elsewhere: the page reads the same offline, attached to a CI
//! run or opened from disk. Every name on it is escaped.

use std::fmt::Write;

use platform_ops::dora::Dora;

use super::{Adoption, FEATURES};

/// Escape text for HTML content and attribute values.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in crate::render::inert(s).chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

const STYLE: &str = "body{font:15px/1.45 system-ui,sans-serif;margin:2rem auto;max-width:72rem;padding:0 1rem;color:#1b1f24}\
h1{font-size:1.6rem}h2{margin-top:2.2rem;border-bottom:1px solid #d0d7de}\
table{border-collapse:collapse;margin:1rem 0;font-variant-numeric:tabular-nums}\
th,td{padding:.3rem .6rem;border-bottom:1px solid #eaeef2;text-align:left}th{background:#f6f8fa}\
td.yes{color:#1a7f37}td.no{color:#8c959f}td.bad{color:#cf222e}tr.total td{font-weight:600}\
.cards{display:flex;flex-wrap:wrap;gap:1rem}.card{border:1px solid #d0d7de;border-radius:6px;padding:.8rem 1.2rem;min-width:11rem}\
.card b{display:block;font-size:1.5rem}.note{color:#57606a}svg text{font:13px system-ui,sans-serif}";

/// A horizontal bar chart: one bar per label, `value` of `max`, with its text.
fn bars(title: &str, rows: &[(String, f64, String)], max: f64) -> String {
    const LABEL: usize = 200;
    const WIDTH: usize = 420;
    let height = rows.len() * 24 + 8;
    let mut svg = format!(
        "<svg role=\"img\" aria-label=\"{}\" width=\"{}\" height=\"{height}\" viewBox=\"0 0 {} {height}\">",
        escape(title),
        LABEL + WIDTH + 90,
        LABEL + WIDTH + 90
    );
    for (i, (label, value, text)) in rows.iter().enumerate() {
        let y = i * 24 + 4;
        let w = if max > 0.0 { (value / max).clamp(0.0, 1.0) * WIDTH as f64 } else { 0.0 };
        let _ = write!(
            svg,
            "<text x=\"0\" y=\"{}\">{}</text><rect x=\"{LABEL}\" y=\"{y}\" width=\"{w:.1}\" height=\"18\" fill=\"#0969da\"/>\
             <text x=\"{:.1}\" y=\"{}\">{}</text>",
            y + 14,
            escape(label),
            LABEL as f64 + w + 6.0,
            y + 14,
            escape(text)
        );
    }
    svg.push_str("</svg>");
    svg
}

fn table(out: &mut String, head: &[&str], rows: &[Vec<(String, &str)>]) {
    out.push_str("<table><thead><tr>");
    for h in head {
        let _ = write!(out, "<th>{}</th>", escape(h));
    }
    out.push_str("</tr></thead><tbody>");
    for row in rows {
        out.push_str("<tr>");
        for (cell, class) in row {
            if class.is_empty() {
                let _ = write!(out, "<td>{}</td>", escape(cell));
            } else {
                let _ = write!(out, "<td class=\"{class}\">{}</td>", escape(cell));
            }
        }
        out.push_str("</tr>");
    }
    out.push_str("</tbody></table>");
}

fn card(out: &mut String, value: &str, label: &str) {
    let _ = write!(out, "<div class=\"card\"><b>{}</b>{}</div>", escape(value), escape(label));
}

fn adoption(out: &mut String, rows: &[Adoption]) {
    let total = rows.len();
    let share = |n: usize| if total == 0 { 0.0 } else { n as f64 * 100.0 / total as f64 };
    out.push_str("<h2>Golden path adoption</h2><div class=\"cards\">");
    card(out, &total.to_string(), "services");
    card(out, &super::teams(rows).len().to_string(), "teams");
    card(out, &super::percent(rows.iter().filter(|r| r.policy.is_empty()).count(), total), "meet their tier policy");
    card(out, &super::percent(rows.iter().filter(|r| r.output == "current").count(), total), "output current");
    out.push_str("</div>");
    let chart: Vec<(String, f64, String)> = FEATURES
        .iter()
        .enumerate()
        .map(|(i, f)| {
            let n = rows.iter().filter(|r| r.features[i]).count();
            ((*f).to_owned(), share(n), format!("{} ({n} of {total})", super::percent(n, total)))
        })
        .collect();
    out.push_str(&bars("services using each feature", &chart, 100.0));
    let head = super::columns();
    let body: Vec<Vec<(String, &str)>> = rows
        .iter()
        .map(|r| {
            let mut row = vec![(r.service.clone(), ""), (r.team.clone(), ""), (r.tier.clone(), "")];
            row.extend(r.features.iter().map(|f| if *f { ("yes".to_owned(), "yes") } else { ("-".to_owned(), "no") }));
            row.push(if r.policy.is_empty() { ("meets".into(), "yes") } else { (r.policy.join(", "), "bad") });
            row.push((r.output.to_owned(), if r.output == "current" { "yes" } else { "bad" }));
            row
        })
        .collect();
    table(out, &head, &body);
    out.push_str("<h3>By team</h3>");
    let head = super::team_columns();
    let body: Vec<Vec<(String, &str)>> = super::teams(rows)
        .into_iter()
        .map(|(team, (n, used))| {
            let mut row = vec![(team.to_owned(), ""), (n.to_string(), "")];
            row.extend(used.iter().map(|u| (super::percent(*u, n), "")));
            row
        })
        .collect();
    table(out, &head, &body);
}

fn dora(out: &mut String, d: &Dora) {
    use super::dora::{HEAD, duration, per_week, rate, window_text};
    let _ = write!(
        out,
        "<h2>DORA metrics</h2><p class=\"note\">Production deploys from {}, read from the deployment records the \
         generated workflows create.</p><div class=\"cards\">",
        escape(&window_text(d.window))
    );
    card(out, &per_week(&d.overall), "deploys per week");
    card(out, &duration(d.overall.lead_time), "lead time for changes (median)");
    card(out, &rate(d.overall.change_failure_rate), "change failure rate");
    card(out, &duration(d.overall.time_to_restore), "time to restore (median)");
    out.push_str("</div>");
    let max = d.services.iter().map(|(_, _, f)| f.per_week).fold(0.0, f64::max);
    let chart: Vec<(String, f64, String)> =
        d.services.iter().map(|(s, _, f)| (s.clone(), f.per_week, format!("{}/week", per_week(f)))).collect();
    out.push_str(&bars("deploys per week by service", &chart, max));
    let head: Vec<&str> = ["service", "team"].into_iter().chain(HEAD).collect();
    let cells = |f: &platform_ops::dora::Figures| -> Vec<(String, &'static str)> {
        let mut cells: Vec<(String, &str)> = super::dora::cells(f).into_iter().map(|c| (c, "")).collect();
        if let Some(unrestored) = cells.last_mut().filter(|_| f.unrestored > 0) {
            unrestored.1 = "bad";
        }
        cells
    };
    let mut body: Vec<Vec<(String, &str)>> = d
        .services
        .iter()
        .map(|(s, t, f)| {
            let mut row = vec![(s.clone(), ""), (t.clone(), "")];
            row.extend(cells(f));
            row
        })
        .collect();
    let mut total = vec![("all services".to_owned(), ""), (String::new(), "")];
    total.extend(cells(&d.overall));
    body.push(total);
    table(out, &head, &body);
    out.push_str("<h3>By team</h3>");
    let body: Vec<Vec<(String, &str)>> = d
        .teams
        .iter()
        .map(|(t, f)| {
            let mut row = vec![(t.clone(), "")];
            row.extend(cells(f));
            row
        })
        .collect();
    let head: Vec<&str> = ["team"].into_iter().chain(HEAD).collect();
    table(out, &head, &body);
}

/// The page.
pub fn page(rows: Option<&[Adoption]>, d: Option<&Dora>) -> String {
    let mut out = format!(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>Platform report</title><style>{STYLE}</style></head><body><h1>Platform report</h1>"
    );
    if let Some(rows) = rows {
        adoption(&mut out, rows);
    }
    match d {
        Some(d) => dora(&mut out, d),
        None if rows.is_some() => out.push_str(
            "<h2>DORA metrics</h2><p class=\"note\">No deployment records were read: run \
             <code>platform report --format html --dora</code>, or <code>--from FILE</code>.</p>",
        ),
        None => {}
    }
    out.push_str("</body></html>\n");
    out
}
