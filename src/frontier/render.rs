//! The frontier as text, Markdown, SVG and HTML.

use std::fmt::Write as _;

use crate::properties::PropertyName;

use super::fit::outcome_at;
use super::{Axis, FrontierReport, Outcome};

/// The rows (first axis) and columns (last axis) of the table; a one-axis
/// sweep is one row.
fn table_shape(report: &FrontierReport) -> (Option<&Axis>, &Axis) {
    match report.axes.as_slice() {
        [only] => (None, only),
        [rows, cols, ..] => (Some(rows), cols),
        [] => panic!("a frontier has at least one axis"),
    }
}

fn coords(row: Option<u32>, col: u32) -> Vec<u32> {
    match row {
        Some(r) => vec![r, col],
        None => vec![col],
    }
}

fn cell_text(
    report: &FrontierReport,
    property: PropertyName,
    row: Option<u32>,
    col: u32,
) -> String {
    outcome_at(report, property, &coords(row, col))
        .map(|o| o.cell())
        .unwrap_or_else(|| "·".into())
}

/// `0..6`, `0..2, 5`, `none`.
fn holds_text(
    report: &FrontierReport,
    property: PropertyName,
    row: Option<u32>,
    cols: &[u32],
) -> String {
    let holding: Vec<u32> = cols
        .iter()
        .copied()
        .filter(|&c| outcome_at(report, property, &coords(row, c)) == Some(Outcome::Holds))
        .collect();
    if holding.is_empty() {
        return "none".into();
    }
    // Runs of adjacent grid values.
    let mut runs: Vec<(u32, u32)> = Vec::new();
    for &c in &holding {
        let idx = cols.iter().position(|&x| x == c).unwrap();
        match runs.last_mut() {
            Some((_, end)) if idx > 0 && cols[idx - 1] == *end => *end = c,
            _ => runs.push((c, c)),
        }
    }
    runs.iter()
        .map(|&(a, b)| {
            if a == b {
                a.to_string()
            } else {
                format!("{a}..{b}")
            }
        })
        .collect::<Vec<_>>()
        .join(", ")
}

fn header_line(report: &FrontierReport) -> String {
    let grid: Vec<String> = report
        .axes
        .iter()
        .map(|a| format!("{} {}", a.name, a.range_text()))
        .collect();
    format!(
        "safety frontier of {} over {} (base scenario {}, {} points)",
        report.model,
        grid.join(" × "),
        report.base_scenario_file.display(),
        report.points.len()
    )
}

fn width(s: &str) -> usize {
    s.chars().count()
}

fn pad_left(s: &str, w: usize) -> String {
    format!("{}{s}", " ".repeat(w.saturating_sub(width(s))))
}

/// The terminal table: per property, rows the first axis, columns the last;
/// `✓` holds, `✗k` violated in k steps, `?` inconclusive; then the statement.
pub fn render_text(report: &FrontierReport) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "{}", header_line(report));
    let (rows_axis, cols_axis) = table_shape(report);
    let rows: Vec<Option<u32>> = match rows_axis {
        Some(a) => a.values().into_iter().map(Some).collect(),
        None => vec![None],
    };
    let cols = cols_axis.values();
    for f in &report.frontiers {
        let property = f.property;
        let _ = writeln!(out);
        let _ = writeln!(out, "{property}:");
        let row_label = rows_axis.map(|a| a.label()).unwrap_or_default();
        let row_w = width(&row_label).max(
            rows.iter()
                .map(|r| r.map_or(0, |v| v.to_string().len()))
                .max()
                .unwrap_or(0),
        );
        let cells: Vec<Vec<String>> = rows
            .iter()
            .map(|&r| {
                cols.iter()
                    .map(|&c| cell_text(report, property, r, c))
                    .collect()
            })
            .collect();
        let col_w = cols
            .iter()
            .enumerate()
            .map(|(k, c)| {
                cells
                    .iter()
                    .map(|row| width(&row[k]))
                    .max()
                    .unwrap_or(1)
                    .max(c.to_string().len())
            })
            .collect::<Vec<_>>();
        let _ = writeln!(out, "  {}   {} →", " ".repeat(row_w), cols_axis.label());
        let mut head = format!("  {}", pad_left(&row_label, row_w));
        for (k, c) in cols.iter().enumerate() {
            let _ = write!(head, "  {}", pad_left(&c.to_string(), col_w[k]));
        }
        let _ = write!(head, "  holds at");
        let _ = writeln!(out, "{}", head.trim_end());
        for (ri, &r) in rows.iter().enumerate() {
            let label = r.map(|v| v.to_string()).unwrap_or_default();
            let mut line = format!("  {}", pad_left(&label, row_w));
            for (k, cell) in cells[ri].iter().enumerate() {
                let _ = write!(line, "  {}", pad_left(cell, col_w[k]));
            }
            let _ = write!(line, "  {}", holds_text(report, property, r, &cols));
            let _ = writeln!(out, "{line}");
        }
        let _ = writeln!(out, "  {}", f.statement);
    }
    let _ = writeln!(out);
    let _ = writeln!(
        out,
        "✓ holds   ✗k violated (shortest counterexample: k steps)   ? inconclusive (a search bound was reached)"
    );
    for n in &report.notes {
        let _ = writeln!(out, "note: {n}");
    }
    out
}

/// The same tables in GitHub-flavoured Markdown.
pub fn render_markdown(report: &FrontierReport) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "{}\n", header_line(report));
    let (rows_axis, cols_axis) = table_shape(report);
    let rows: Vec<Option<u32>> = match rows_axis {
        Some(a) => a.values().into_iter().map(Some).collect(),
        None => vec![None],
    };
    let cols = cols_axis.values();
    for f in &report.frontiers {
        let property = f.property;
        let _ = writeln!(out, "**{property}**: {}\n", f.statement.replace('|', "\\|"));
        let corner = match rows_axis {
            Some(r) => format!("{} \\ {}", r.label(), cols_axis.label()),
            None => cols_axis.label(),
        };
        let mut head = format!("| {corner} |");
        let mut rule = String::from("|---|");
        for c in &cols {
            let _ = write!(head, " {c} |");
            rule.push_str("---|");
        }
        head.push_str(" holds at |");
        rule.push_str("---|");
        let _ = writeln!(out, "{head}\n{rule}");
        for &r in &rows {
            let mut line = format!("| {} |", r.map(|v| v.to_string()).unwrap_or_default());
            for &c in &cols {
                let _ = write!(line, " {} |", cell_text(report, property, r, c));
            }
            let _ = write!(line, " {} |", holds_text(report, property, r, &cols));
            let _ = writeln!(out, "{line}");
        }
        let _ = writeln!(out);
    }
    let _ = writeln!(
        out,
        "✓ holds, ✗k violated (shortest counterexample: k steps), ? inconclusive (a search bound was reached)."
    );
    for n in &report.notes {
        let _ = writeln!(out, "\nNote: {n}");
    }
    out
}

/// Escapes text for XML and HTML content and attribute values.
fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for ch in s.chars() {
        match ch {
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

const HOLDS_FILL: &str = "#7fc97f";
const VIOLATED_FILL: &str = "#f0776e";
const INCONCLUSIVE_FILL: &str = "#c8c8c8";

fn fill(outcome: Option<&Outcome>) -> &'static str {
    match outcome {
        Some(Outcome::Holds) => HOLDS_FILL,
        Some(Outcome::Violated { .. }) => VIOLATED_FILL,
        _ => INCONCLUSIVE_FILL,
    }
}

fn describe(outcome: Option<&Outcome>) -> String {
    match outcome {
        Some(Outcome::Holds) => "holds".into(),
        Some(Outcome::Violated { steps }) => format!("violated in {steps} steps"),
        Some(Outcome::Inconclusive { reason }) => format!("inconclusive: {reason}"),
        None => "not checked".into(),
    }
}

/// A self-contained SVG: one panel per property, a cell per grid point
/// coloured by verdict (the last axis across, the first axis up), the
/// boundary drawn between adjacent decided cells whose verdicts differ.
pub fn render_svg(report: &FrontierReport) -> String {
    const CELL: usize = 26;
    const LEFT: usize = 64;
    const TOP: usize = 44;
    const GAP: usize = 36;
    const BOTTOM: usize = 96;
    let (rows_axis, cols_axis) = table_shape(report);
    let rows: Vec<Option<u32>> = match rows_axis {
        Some(a) => a.values().into_iter().map(Some).collect(),
        None => vec![None],
    };
    let cols = cols_axis.values();
    let panel_w = LEFT + cols.len() * CELL;
    let panel_h = rows.len() * CELL;
    let n = report.frontiers.len().max(1);
    let width = 12 + n * panel_w + (n - 1) * GAP + 12;
    let height = TOP + panel_h + BOTTOM + 14 * report.frontiers.len();
    let mut s = String::new();
    let _ = writeln!(
        s,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="11">"#
    );
    let _ = writeln!(s, "<title>{}</title>", esc(&header_line(report)));
    let _ = writeln!(
        s,
        r#"<rect width="{width}" height="{height}" fill="white"/>"#
    );
    let _ = writeln!(
        s,
        r#"<text x="12" y="16" font-size="12" font-weight="bold">{}</text>"#,
        esc(&format!("{}: safety frontier", report.model))
    );
    for (pi, f) in report.frontiers.iter().enumerate() {
        let x0 = 12 + pi * (panel_w + GAP) + LEFT;
        let y0 = TOP;
        let property = f.property;
        let _ = writeln!(s, r#"<g class="panel" data-property="{property}">"#);
        let _ = writeln!(
            s,
            r#"<text x="{}" y="{}" font-weight="bold">{property}</text>"#,
            x0,
            y0 - 8
        );
        // Rows go up: the first row value at the bottom.
        let cell_xy = |ri: usize, ci: usize| (x0 + ci * CELL, y0 + (rows.len() - 1 - ri) * CELL);
        for (ri, &r) in rows.iter().enumerate() {
            for (ci, &c) in cols.iter().enumerate() {
                let o = outcome_at(report, property, &coords(r, c));
                let (x, y) = cell_xy(ri, ci);
                let at: Vec<String> = report
                    .axes
                    .iter()
                    .zip(coords(r, c))
                    .map(|(a, v)| format!("{}={v}", a.name))
                    .collect();
                let _ = writeln!(
                    s,
                    r##"<rect x="{x}" y="{y}" width="{CELL}" height="{CELL}" fill="{}" stroke="#ffffff" stroke-width="1"><title>{}</title></rect>"##,
                    fill(o.as_ref()),
                    esc(&format!(
                        "{}: {property} {}",
                        at.join(", "),
                        describe(o.as_ref())
                    ))
                );
                let label = match &o {
                    Some(Outcome::Holds) => "✓".to_string(),
                    Some(Outcome::Violated { steps }) => steps.to_string(),
                    _ => "?".to_string(),
                };
                let _ = writeln!(
                    s,
                    r#"<text x="{}" y="{}" text-anchor="middle" font-size="9" fill="black">{}</text>"#,
                    x + CELL / 2,
                    y + CELL / 2 + 3,
                    esc(&label)
                );
            }
        }
        // The boundary: every edge between two adjacent decided cells whose
        // verdicts differ.
        let decided = |ri: usize, ci: usize| {
            outcome_at(report, property, &coords(rows[ri], cols[ci])).and_then(|o| o.decided())
        };
        let mut path = String::new();
        for ri in 0..rows.len() {
            for ci in 0..cols.len() {
                let Some(here) = decided(ri, ci) else {
                    continue;
                };
                if ci + 1 < cols.len() && decided(ri, ci + 1).is_some_and(|d| d != here) {
                    let (x, y) = cell_xy(ri, ci + 1);
                    let _ = write!(path, "M{x} {y}V{} ", y + CELL);
                }
                if ri + 1 < rows.len() && decided(ri + 1, ci).is_some_and(|d| d != here) {
                    // Row ri + 1 is drawn above row ri: the shared edge is
                    // the top of row ri.
                    let (x, y) = cell_xy(ri, ci);
                    let _ = write!(path, "M{x} {y}H{} ", x + CELL);
                }
            }
        }
        if !path.is_empty() {
            let _ = writeln!(
                s,
                r#"<path class="boundary" d="{}" fill="none" stroke="black" stroke-width="3" stroke-linecap="square"/>"#,
                path.trim_end()
            );
        }
        // Axes: tick labels and names with units.
        for (ci, &c) in cols.iter().enumerate() {
            let (x, _) = cell_xy(0, ci);
            let _ = writeln!(
                s,
                r#"<text x="{}" y="{}" text-anchor="middle">{c}</text>"#,
                x + CELL / 2,
                y0 + panel_h + 14
            );
        }
        let _ = writeln!(
            s,
            r#"<text x="{}" y="{}" text-anchor="middle">{}</text>"#,
            x0 + cols.len() * CELL / 2,
            y0 + panel_h + 32,
            esc(&cols_axis.label())
        );
        if let Some(ra) = rows_axis {
            for (ri, &r) in rows.iter().enumerate() {
                let (_, y) = cell_xy(ri, 0);
                let _ = writeln!(
                    s,
                    r#"<text x="{}" y="{}" text-anchor="end">{}</text>"#,
                    x0 - 6,
                    y + CELL / 2 + 4,
                    r.unwrap_or(0)
                );
            }
            let cx = x0 - 40;
            let cy = y0 + panel_h / 2;
            let _ = writeln!(
                s,
                r#"<text x="{cx}" y="{cy}" text-anchor="middle" transform="rotate(-90 {cx} {cy})">{}</text>"#,
                esc(&ra.label())
            );
        }
        let _ = writeln!(s, "</g>");
    }
    // Legend.
    let ly = TOP + panel_h + 52;
    let mut lx = 12 + LEFT;
    for (fill, text) in [
        (HOLDS_FILL, "holds"),
        (
            VIOLATED_FILL,
            "violated (k: steps of the shortest counterexample)",
        ),
        (INCONCLUSIVE_FILL, "inconclusive"),
    ] {
        let _ = writeln!(
            s,
            r#"<rect x="{lx}" y="{}" width="12" height="12" fill="{fill}"/><text x="{}" y="{}">{}</text>"#,
            ly - 10,
            lx + 16,
            ly,
            esc(text)
        );
        lx += 16 + text.chars().count() * 6 + 16;
    }
    let _ = writeln!(
        s,
        r#"<path d="M{lx} {}H{}" stroke="black" stroke-width="3"/><text x="{}" y="{ly}">boundary</text>"#,
        ly - 4,
        lx + 16,
        lx + 20
    );
    let _ = writeln!(
        s,
        r#"<text x="{}" y="{}" font-size="10">{}</text>"#,
        12 + LEFT,
        ly + 22,
        esc(&format!(
            "base scenario {}; every point searched exhaustively up to the horizon",
            report.base_scenario_file.display()
        ))
    );
    for (i, f) in report.frontiers.iter().enumerate() {
        let _ = writeln!(
            s,
            r#"<text x="{}" y="{}" font-size="10">{}</text>"#,
            12 + LEFT,
            ly + 38 + 14 * i,
            esc(&f.statement)
        );
    }
    s.push_str("</svg>\n");
    s
}

/// An HTML fragment: a heading, the statements, the tables and the inline
/// SVG; no scripts, no external resources.
pub fn render_html_section(report: &FrontierReport) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        r#"<section class="lockcheck-frontier" id="frontier-{}">"#,
        esc(&report.model)
    );
    let _ = writeln!(out, "<h2>Safety frontier: {}</h2>", esc(&report.model));
    let _ = writeln!(out, "<p>{}</p>", esc(&header_line(report)));
    let _ = writeln!(out, "<ul>");
    for f in &report.frontiers {
        let _ = writeln!(out, "<li>{}</li>", esc(&f.statement));
    }
    let _ = writeln!(out, "</ul>");
    let (rows_axis, cols_axis) = table_shape(report);
    let rows: Vec<Option<u32>> = match rows_axis {
        Some(a) => a.values().into_iter().map(Some).collect(),
        None => vec![None],
    };
    let cols = cols_axis.values();
    let td = "border:1px solid #ddd;padding:2px 5px;text-align:center";
    for f in &report.frontiers {
        let property = f.property;
        let _ = writeln!(
            out,
            r#"<table style="border-collapse:collapse;font-family:monospace;margin:0.5em 0"><caption style="text-align:left;font-weight:bold">{property}</caption>"#
        );
        let corner = match rows_axis {
            Some(r) => format!("{} \\ {}", r.label(), cols_axis.label()),
            None => cols_axis.label(),
        };
        let mut head = format!(r#"<tr><th style="{td}">{}</th>"#, esc(&corner));
        for c in &cols {
            let _ = write!(head, r#"<th style="{td}">{c}</th>"#);
        }
        let _ = write!(head, r#"<th style="{td}">holds at</th></tr>"#);
        let _ = writeln!(out, "{head}");
        for &r in &rows {
            let mut line = format!(
                r#"<tr><th style="{td}">{}</th>"#,
                r.map(|v| v.to_string()).unwrap_or_default()
            );
            for &c in &cols {
                let o = outcome_at(report, property, &coords(r, c));
                let _ = write!(
                    line,
                    r#"<td style="{td};background:{}" title="{}">{}</td>"#,
                    fill(o.as_ref()),
                    esc(&describe(o.as_ref())),
                    esc(&cell_text(report, property, r, c))
                );
            }
            let _ = write!(
                line,
                r#"<td style="{td}">{}</td></tr>"#,
                esc(&holds_text(report, property, r, &cols))
            );
            let _ = writeln!(out, "{line}");
        }
        let _ = writeln!(out, "</table>");
    }
    let _ = writeln!(
        out,
        "<p>✓ holds, ✗k violated (shortest counterexample: k steps), ? inconclusive (a search bound was reached).</p>"
    );
    for n in &report.notes {
        let _ = writeln!(out, "<p>Note: {}</p>", esc(n));
    }
    out.push_str(&render_svg(report));
    out.push_str("</section>\n");
    out
}

/// The section as a standalone page.
pub fn render_html_page(report: &FrontierReport) -> String {
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>{}</title>\n</head>\n<body style=\"font-family:sans-serif;margin:1.5em\">\n{}</body>\n</html>\n",
        esc(&format!("lockcheck frontier: {}", report.model)),
        render_html_section(report)
    )
}
