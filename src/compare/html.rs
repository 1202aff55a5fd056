//! The comparison as one self-contained HTML page: the matrix with coloured
//! cells, the differences, the failure rates, any extra sections (the safety
//! frontier), and every counterexample as a space-time diagram with its
//! timeline and replay command. No script, no network: it opens from disk.

use std::fmt::Write;

use super::text::{LEGEND, render_summary};
use super::{Cell, CellStatus, Comparison, anchor, spacetime_svg};
use crate::check::{Verdict, render_rows, replay_command};

use super::escape;

const STYLE: &str = "
body { font-family: system-ui, sans-serif; margin: 1.5em; color: #222; }
h1 { font-size: 1.5em; } h2 { margin-top: 2em; } h3 { font-size: 1.05em; margin-top: 2em; }
table.matrix { border-collapse: collapse; font-size: 12px; }
table.matrix th, table.matrix td { border: 1px solid #bbb; padding: 3px 6px; vertical-align: top; }
table.matrix th { background: #eee; position: sticky; top: 0; }
table.matrix td.model { font-family: monospace; white-space: nowrap; }
td.ok { background: #c8e6c9; }
td.bug { background: #ffe0b2; }
td.differs { background: #e1bee7; outline: 2px solid #6a1b9a; }
td.unknown { background: #e0e0e0; }
td.na { background: #fafafa; color: #999; }
td a { color: inherit; }
code, pre { font-family: monospace; font-size: 12px; }
pre { background: #f6f6f6; padding: 8px; overflow-x: auto; }
.legend { font-size: 12px; color: #444; max-width: 70em; }
.swatch { display: inline-block; width: 1em; height: 1em; vertical-align: middle; border: 1px solid #999; }
svg.spacetime { border: 1px solid #ddd; max-width: 100%; height: auto; }
";

fn cell_class(cell: &Cell) -> &'static str {
    match cell.status {
        CellStatus::NotApplicable => "na",
        CellStatus::Checked => {
            let Some(r) = &cell.report else {
                return "unknown";
            };
            let differs = |p: &&crate::check::PropertyReport| !p.as_expected();
            let decided = |p: &crate::check::PropertyReport| {
                !matches!(p.verdict, Verdict::Inconclusive { .. })
            };
            if r.properties.iter().filter(differs).any(decided) {
                "differs"
            } else if r.properties.iter().any(|p| !p.as_expected() || !decided(p)) {
                "unknown"
            } else if r.properties.iter().any(|p| {
                matches!(p.verdict, Verdict::Violated { .. })
                    && p.property.kind() != crate::properties::PropertyKind::Reachability
            }) {
                "bug"
            } else {
                "ok"
            }
        }
    }
}

fn cell_html(cell: &Cell) -> String {
    let Some(report) = &cell.report else {
        return escape(&super::cell_text(cell));
    };
    let mut parts = Vec::new();
    for p in &report.properties {
        let text = match &p.verdict {
            Verdict::Inconclusive { reason } => {
                let short = p.property.short();
                parts.push(format!(
                    "<span title=\"{}\">{short} ?</span>",
                    escape(reason)
                ));
                continue;
            }
            _ => match super::text::entry(p) {
                Some(t) => t,
                None => continue,
            },
        };
        match (&p.verdict, &p.path) {
            (Verdict::Violated { steps: Some(_) }, Some(_)) => parts.push(format!(
                "<a href=\"#{}\">{}</a>",
                anchor(&cell.model, &report.scenario, p.property),
                escape(&text)
            )),
            _ => parts.push(escape(&text)),
        }
    }
    let mut html = if parts.is_empty() {
        "ok".to_string()
    } else {
        parts.join("<br>")
    };
    html.push_str(super::text::live_suffix(report));
    html.push_str(super::text::vacuous_suffix(report));
    html
}

/// The whole page. `sections` are extra HTML fragments (each with its own
/// heading) placed after the failure rates.
pub fn render_html(c: &Comparison, sections: &[String]) -> String {
    let mut out = String::new();
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>lockcheck: which lock survives which fault</title>\n<style>{STYLE}</style>\n</head>\n<body>\n\
         <h1>Which lock survives which fault</h1>\n\
         <p>Written by <code>{}</code> (lockcheck {}). Each cell is a search of every behaviour \
         of the model under the column's own scenario, up to the scenario's horizon; where the search \
         reaches a limit first, the cell says so (?), or shows the violation a seeded simulation of the \
         same scenario found (~). Hover a column for its scenario, a row for its model.</p>\n",
        escape(&c.command),
        escape(&c.lockcheck_version)
    );
    out.push_str("<table class=\"matrix\" id=\"matrix\">\n<tr><th>model</th>");
    for col in &c.columns {
        let _ = write!(
            out,
            "<th title=\"{}\">{}</th>",
            escape(&col.description),
            escape(&col.name)
        );
    }
    out.push_str("</tr>\n");
    for (r, row) in c.rows.iter().enumerate() {
        let _ = write!(
            out,
            "<tr><td class=\"model\" title=\"{}\">{}</td>",
            escape(&row.summary),
            escape(&row.id)
        );
        for col in 0..c.columns.len() {
            let cell = c.cell(r, col);
            let _ = write!(
                out,
                "<td class=\"{}\">{}</td>",
                cell_class(cell),
                cell_html(cell)
            );
        }
        out.push_str("</tr>\n");
    }
    out.push_str("</table>\n");
    let _ = write!(
        out,
        "<p class=\"legend\"><span class=\"swatch\" style=\"background:#c8e6c9\"></span> every property holds \
         &nbsp; <span class=\"swatch\" style=\"background:#ffe0b2\"></span> a violation the model expects (a known bug) \
         &nbsp; <span class=\"swatch\" style=\"background:#e1bee7\"></span> differs from the expectation \
         &nbsp; <span class=\"swatch\" style=\"background:#e0e0e0\"></span> inconclusive<br>{}</p>\n\
         <p>{}.</p>\n",
        escape(LEGEND),
        escape(&render_summary(c))
    );
    let diffs = c.differences();
    out.push_str("<h2 id=\"differences\">Differences from the expectations</h2>\n");
    if diffs.is_empty() {
        out.push_str("<p>None: every verdict is what its model expects.</p>\n");
    } else {
        out.push_str("<ul>\n");
        for d in &diffs {
            let _ = writeln!(out, "<li>{}</li>", escape(&d.describe()));
        }
        out.push_str("</ul>\n");
    }
    let estimates = super::text::estimate_table(c);
    if !estimates.is_empty() {
        out.push_str("<h2 id=\"estimates\">Probability of failure</h2>\n");
        out.push_str(&markdown_table_to_html(&estimates));
    }
    for s in sections {
        out.push_str(s);
        out.push('\n');
    }
    let violations = c.violations();
    if !violations.is_empty() {
        out.push_str(
            "<h2 id=\"counterexamples\">Counterexamples</h2>\n<p>Each shortest counterexample as a space-time \
             diagram: one lane per node, time going down (real ticks on the left), messages as arrows from \
             sending to arrival (lost ones dashed and crossed, duplicates dotted blue), timers as circles, \
             faults as red squares and shaded spans (red: crashed, orange: paused, purple: partitioned), a \
             green bar while a client believes it holds the lock, and a red band where two do. Hover for \
             the full text.</p>\n",
        );
    }
    for (cell, p) in violations {
        let report = cell.report.as_ref().expect("violations come from reports");
        let path = p.path.as_ref().expect("violations have paths");
        let steps = path.rows.len() - 1;
        let title = match path.loop_start {
            Some(k) => format!(
                "{} under {}: {} violated by a lasso: {k} steps, then a cycle of {} repeated forever",
                cell.model,
                report.scenario,
                p.property,
                steps - k
            ),
            None => format!(
                "{} under {}: {} violated in {steps} steps",
                cell.model, report.scenario, p.property
            ),
        };
        let expected = match p.expected {
            Some(e) if p.as_expected() => format!("Expected {e}: a known, documented weakness."),
            Some(e) => format!("Expected {e}: this violation is a regression."),
            None => "No expectation.".to_string(),
        };
        let _ = write!(
            out,
            "<section id=\"{}\">\n<h3>{}</h3>\n<p>{}</p>\n{}\n\
             <details><summary>timeline</summary><pre>{}</pre></details>\n<p>",
            anchor(&cell.model, &report.scenario, p.property),
            escape(&title),
            escape(&expected),
            spacetime_svg(&path.diagram, &title),
            escape(&render_rows(&path.rows, None))
        );
        if let Some(file) = &path.trace_file {
            let _ = write!(
                out,
                "replay: <code>{}</code><br>",
                escape(&replay_command(file))
            );
        }
        let _ = writeln!(
            out,
            "reproduce: <code>{}</code></p>\n<p><a href=\"#matrix\">back to the matrix</a></p>\n</section>",
            escape(&path.reproduce)
        );
    }
    out.push_str("</body>\n</html>\n");
    out
}

/// The estimate table is written once, as Markdown; this turns it into HTML.
fn markdown_table_to_html(md: &str) -> String {
    let mut out = String::new();
    let mut in_table = false;
    for line in md.lines() {
        if let Some(inner) = line.strip_prefix('|') {
            if line.starts_with("|---") {
                continue;
            }
            if !in_table {
                out.push_str("<table class=\"matrix\">\n");
                in_table = true;
            }
            out.push_str("<tr>");
            for cell in inner.trim_end_matches('|').split(" |") {
                let text = cell.trim().trim_matches('`');
                let _ = write!(out, "<td>{}</td>", escape(text));
            }
            out.push_str("</tr>\n");
        } else if !line.trim().is_empty() {
            let _ = writeln!(out, "<p>{}</p>", escape(line));
        }
    }
    if in_table {
        out.push_str("</table>\n");
    }
    out
}
