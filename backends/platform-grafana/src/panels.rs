//! Panel building blocks: grid placement, targets, stat / time-series / logs / row panels.
//!
//! Only the fields of Grafana's classic JSON model that the dashboard schema knows are
//! written; panel-plugin `options` follow the shapes Grafana itself saves.

use platform_ir::slo::Rational;
use serde_json::{Map, Value, json};

/// The Prometheus datasource reference every Prometheus panel and target uses: the
/// `datasource` template variable, never a hard-coded uid or an `__inputs` placeholder.
pub fn prometheus() -> Value {
    json!({ "type": "prometheus", "uid": "${datasource}" })
}

/// The logs datasource reference (the `logs` template variable).
pub fn logs_datasource() -> Value {
    json!({ "type": "loki", "uid": "${logs}" })
}

/// Places panels on Grafana's 24-column grid, left to right, top to bottom, and numbers them.
pub struct Grid {
    next_id: u32,
    x: u32,
    y: u32,
    line_height: u32,
    panels: Vec<Value>,
}

impl Grid {
    /// An empty dashboard grid.
    pub fn new() -> Grid {
        Grid { next_id: 1, x: 0, y: 0, line_height: 0, panels: Vec::new() }
    }

    /// A row header across the whole width; with `repeat`, Grafana repeats the row and its
    /// panels once per value of that variable.
    pub fn row(&mut self, title: &str, repeat: Option<&str>) {
        self.new_line();
        let id = self.take_id();
        let mut row = json!({
            "type": "row",
            "id": id,
            "title": title,
            "collapsed": false,
            "gridPos": { "h": 1, "w": 24, "x": 0, "y": self.y },
            "panels": [],
        });
        if let (Some(var), Value::Object(m)) = (repeat, &mut row) {
            m.insert("repeat".into(), json!(var));
        }
        self.panels.push(row);
        self.y += 1;
    }

    /// Add a panel `w` columns wide and `h` units high; sets its `id` and `gridPos`.
    pub fn add(&mut self, w: u32, h: u32, mut panel: Map<String, Value>) {
        if self.x + w > 24 {
            self.new_line();
        }
        let id = self.take_id();
        let mut out = Map::new();
        out.insert("id".into(), json!(id));
        out.insert("gridPos".into(), json!({ "h": h, "w": w, "x": self.x, "y": self.y }));
        out.append(&mut panel);
        self.panels.push(Value::Object(out));
        self.x += w;
        self.line_height = self.line_height.max(h);
    }

    /// Every panel, in order.
    pub fn finish(self) -> Vec<Value> {
        self.panels
    }

    fn new_line(&mut self) {
        self.y += self.line_height;
        self.x = 0;
        self.line_height = 0;
    }

    fn take_id(&mut self) -> u32 {
        let id = self.next_id;
        self.next_id += 1;
        id
    }
}

/// A Prometheus query of a panel.
pub fn target(ref_id: &str, expr: &str, legend: &str) -> Value {
    json!({
        "datasource": prometheus(),
        "refId": ref_id,
        "expr": expr,
        "legendFormat": legend,
        "range": true,
        "instant": false,
    })
}

/// A query that only feeds a server-side expression and is not drawn itself.
pub fn hidden_target(ref_id: &str, expr: &str) -> Value {
    let mut t = target(ref_id, expr, ref_id);
    if let Value::Object(m) = &mut t {
        m.insert("hide".into(), json!(true));
    }
    t
}

/// A Grafana server-side math expression over other queries (`$A / $B`).
pub fn math(ref_id: &str, expression: &str) -> Value {
    json!({
        "datasource": { "type": "__expr__", "uid": "__expr__" },
        "refId": ref_id,
        "type": "math",
        "expression": expression,
    })
}

/// Threshold steps: a base colour, then `(value, colour)` pairs in ascending order.
pub fn thresholds(base: &str, steps: &[(Value, &str)]) -> Value {
    let mut list = vec![json!({ "color": base, "value": null })];
    list.extend(steps.iter().map(|(v, c)| json!({ "color": c, "value": v })));
    json!({ "mode": "absolute", "steps": list })
}

/// What a panel shows, apart from its kind.
pub struct Spec<'a> {
    /// Title.
    pub title: &'a str,
    /// Description (the panel's info tooltip).
    pub description: &'a str,
    /// Queries.
    pub targets: Vec<Value>,
    /// Grafana unit id (`percentunit`, `reqps`, `s`, `bytes`).
    pub unit: &'a str,
    /// `fieldConfig.defaults.thresholds`.
    pub thresholds: Value,
}

/// A single-value panel (last value, coloured by the thresholds).
pub fn stat(spec: Spec) -> Map<String, Value> {
    let mut p = common("stat", &spec, prometheus());
    p.insert(
        "fieldConfig".into(),
        json!({
            "defaults": { "unit": spec.unit, "color": { "mode": "thresholds" }, "thresholds": spec.thresholds },
            "overrides": [],
        }),
    );
    p.insert(
        "options".into(),
        json!({
            "reduceOptions": { "calcs": ["lastNotNull"], "fields": "", "values": false },
            "orientation": "auto",
            "textMode": "value",
            "colorMode": "value",
            "graphMode": "none",
            "justifyMode": "auto",
            "wideLayout": true,
            "showPercentChange": false,
            "percentChangeColorMode": "standard",
        }),
    );
    p
}

/// A time-series panel; with `threshold_lines` the thresholds are drawn as dashed lines.
pub fn timeseries(spec: Spec, threshold_lines: bool) -> Map<String, Value> {
    let mut p = common("timeseries", &spec, prometheus());
    let style = if threshold_lines { "dashed" } else { "off" };
    p.insert(
        "fieldConfig".into(),
        json!({
            "defaults": {
                "unit": spec.unit,
                "min": 0,
                "color": { "mode": "palette-classic" },
                "thresholds": spec.thresholds,
                "custom": {
                    "drawStyle": "line",
                    "lineWidth": 1,
                    "fillOpacity": 10,
                    "showPoints": "never",
                    "spanNulls": false,
                    "thresholdsStyle": { "mode": style },
                },
            },
            "overrides": [],
        }),
    );
    p.insert(
        "options".into(),
        json!({
            "legend": { "displayMode": "list", "placement": "bottom", "showLegend": true, "calcs": [] },
            "tooltip": { "mode": "multi", "sort": "desc" },
        }),
    );
    p
}

/// A logs panel over the logs datasource.
pub fn logs(title: &str, description: &str, expr: &str) -> Map<String, Value> {
    let spec = Spec {
        title,
        description,
        targets: vec![json!({ "datasource": logs_datasource(), "refId": "A", "expr": expr })],
        unit: "",
        thresholds: Value::Null,
    };
    let mut p = common("logs", &spec, logs_datasource());
    p.insert(
        "options".into(),
        json!({
            "showTime": true,
            "wrapLogMessage": true,
            "prettifyLogMessage": false,
            "enableLogDetails": true,
            "dedupStrategy": "none",
            "sortOrder": "Descending",
            "showCommonLabels": false,
            "showLabels": false,
        }),
    );
    p
}

fn common(kind: &str, spec: &Spec, datasource: Value) -> Map<String, Value> {
    let mut p = Map::new();
    p.insert("type".into(), json!(kind));
    p.insert("title".into(), json!(spec.title));
    p.insert("description".into(), json!(spec.description));
    p.insert("datasource".into(), datasource);
    p.insert("targets".into(), Value::Array(spec.targets.clone()));
    p
}

/// An exact decimal as a JSON number: integers stay integers (`6`, not `6.0`).
pub fn number(decimal: &str) -> Value {
    if let Ok(i) = decimal.parse::<u64>() {
        return json!(i);
    }
    decimal.parse::<f64>().map_or(Value::Null, |f| json!(f))
}

/// A fraction as a JSON number for display: exact when it has a decimal, else rounded to 4
/// places (a threshold line at 0.9333 for 14/15 is as good as exact on a chart).
pub fn rational(r: Rational) -> Value {
    match r.decimal() {
        Some(d) => number(&d),
        None => {
            let scaled = (r.num.saturating_mul(10_000) + r.den / 2) / r.den.max(1);
            number(&platform_ir::ratio::decimal(u64::try_from(scaled).unwrap_or(u64::MAX), 4))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_exact_or_rounded_for_display() {
        assert_eq!(number("6"), json!(6));
        assert_eq!(number("0.999").to_string(), "0.999");
        assert_eq!(rational(Rational::new(72, 5)).to_string(), "14.4");
        assert_eq!(rational(Rational::new(14, 15)).to_string(), "0.9333");
    }

    #[test]
    fn grid_wraps_rows_and_numbers_panels() {
        let mut g = Grid::new();
        g.row("a", None);
        for w in [12, 12, 8] {
            g.add(w, 4, Map::new());
        }
        let pos: Vec<(u64, String)> =
            g.finish().iter().map(|p| (p["id"].as_u64().unwrap(), p["gridPos"].to_string())).collect();
        assert_eq!(
            pos,
            [
                (1, r#"{"h":1,"w":24,"x":0,"y":0}"#.to_owned()),
                (2, r#"{"h":4,"w":12,"x":0,"y":1}"#.to_owned()),
                (3, r#"{"h":4,"w":12,"x":12,"y":1}"#.to_owned()),
                (4, r#"{"h":4,"w":8,"x":0,"y":5}"#.to_owned()),
            ]
        );
    }
}
