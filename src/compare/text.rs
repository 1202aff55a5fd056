//! The comparison as text: the terminal matrix and the Markdown report.

use std::fmt::Write;

use super::{Cell, CellStatus, Comparison, anchor};
use crate::check::{Verdict, replay_command};
use crate::properties::PropertyKind;

/// The notation, shared by the terminal, Markdown and HTML.
pub const LEGEND: &str = "ok: every property as expected and holding; `mutex ✗20`: mutual_exclusion violated, \
shortest counterexample 20 steps (`resource`: resource_safe, `progress`: bounded progress, `acquired`: \
no client can ever acquire); `deadlock ✗24+7`: deadlock_free violated by a lasso, 24 steps to a \
cycle of 7 repeated forever under fairness (`starvation`: starvation_free); `(live)`: both liveness \
properties checked and holding; `(vacuous)`: no fault of the scenario could ever strike while a client \
held the lock, so its `holds` says nothing about those faults; `?`: inconclusive (a search bound was hit before a verdict; a seeded \
simulation of the same scenario found no violation either); `mutex ✗~26`: the exhaustive search hit a \
bound, and the seeded simulation found a violation, shrunk to 26 steps (a real counterexample, not \
necessarily the shortest); `!`: differs from the model's expectation; `n/a`: the scenario does not \
apply to the model.";

/// `text` broken at spaces into lines of at most `width` characters (a
/// longer word gets a line of its own), for the terminal.
pub fn wrap(text: &str, width: usize) -> String {
    let mut out = String::new();
    let mut line_chars = 0;
    for word in text.split_whitespace() {
        let chars = word.chars().count();
        if line_chars > 0 && line_chars + 1 + chars > width {
            out.push('\n');
            line_chars = 0;
        } else if line_chars > 0 {
            out.push(' ');
            line_chars += 1;
        }
        out.push_str(word);
        line_chars += chars;
    }
    out
}

/// One property's entry in a cell, or `None` when it holds as expected.
pub(super) fn entry(p: &crate::check::PropertyReport) -> Option<String> {
    let mark = if p.as_expected() { "" } else { "!" };
    let short = p.property.short();
    let loop_start = p.path.as_ref().and_then(|path| path.loop_start);
    match &p.verdict {
        Verdict::Holds { .. } if p.as_expected() => None,
        Verdict::Holds { .. } => Some(format!("{short} ✓{mark}")),
        Verdict::Violated { steps: Some(n) } => Some(match loop_start {
            // A lasso: the stem, then the cycle repeated forever.
            Some(k) => format!("{short} ✗{k}+{}{mark}", n - k),
            // Found by simulation after the search hit a bound.
            None if p.simulation.is_some() => format!("{short} ✗~{n}{mark}"),
            None => format!("{short} ✗{n}{mark}"),
        }),
        Verdict::Violated { steps: None } => Some(format!("{short} ✗{mark}")),
        Verdict::Inconclusive { .. } => Some(format!("{short} ?")),
    }
}

/// " (live)" when the liveness properties were checked and all hold.
pub(super) fn live_suffix(report: &crate::check::CheckReport) -> &'static str {
    let mut live = report
        .properties
        .iter()
        .filter(|p| p.property.kind() == PropertyKind::Liveness)
        .peekable();
    if live.peek().is_some() && live.all(|p| matches!(p.verdict, Verdict::Holds { .. })) {
        " (live)"
    } else {
        ""
    }
}

/// A cell in the matrix notation (see [`LEGEND`]).
pub fn cell_text(cell: &Cell) -> String {
    cell_with(cell, |_, e| e)
}

/// A cell: `ok`, or the entries worth saying (see [`entry`]), each passed
/// through `decorate` (which may link it), then "(live)".
pub(super) fn cell_with(
    cell: &Cell,
    decorate: impl Fn(&crate::check::PropertyReport, String) -> String,
) -> String {
    match cell.status {
        CellStatus::NotApplicable => "n/a".into(),
        CellStatus::Checked => {
            let Some(report) = &cell.report else {
                return "?".into();
            };
            let entries: Vec<String> = report
                .properties
                .iter()
                .filter_map(|p| entry(p).map(|e| decorate(p, e)))
                .collect();
            let mut text = if entries.is_empty() {
                "ok".to_string()
            } else {
                entries.join(", ")
            };
            text.push_str(live_suffix(report));
            text.push_str(vacuous_suffix(report));
            text
        }
    }
}

/// " (vacuous)" after a cell whose scenario's faults could never strike a
/// holder (see `SearchStats::vacuous`).
pub(super) fn vacuous_suffix(report: &crate::check::CheckReport) -> &'static str {
    if report.stats.vacuous {
        " (vacuous)"
    } else {
        ""
    }
}

/// The width [`render_matrix`] keeps to: a terminal's, or a code review's.
pub const MATRIX_COLUMNS: usize = 100;

/// The matrix for a terminal, within [`MATRIX_COLUMNS`] columns: one entry
/// per model saying under which scenarios it breaks (or is undecided, or
/// differs from its expectation), in column order; every scenario not named
/// is `ok`. A long entry wraps under itself. [`render_matrix_wide`] gives
/// the full grid.
pub fn render_matrix(c: &Comparison) -> String {
    let name_width = c
        .rows
        .iter()
        .map(|r| r.id.chars().count())
        .chain(["model".len()])
        .max()
        .unwrap_or(0);
    let indent = name_width + 2;
    let room = MATRIX_COLUMNS.saturating_sub(indent).max(40);
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{:name_width$}  where it breaks (every scenario not named: ok)",
        "model"
    );
    let _ = writeln!(out, "{}", "-".repeat((indent + room).min(MATRIX_COLUMNS)));
    for (r, row) in c.rows.iter().enumerate() {
        let mut ok = 0;
        let mut applicable = 0;
        let mut live = true;
        let mut items = Vec::new();
        for (col, column) in c.columns.iter().enumerate() {
            let cell = c.cell(r, col);
            if cell.status == CellStatus::NotApplicable {
                continue;
            }
            applicable += 1;
            let text = cell_text(cell);
            match text.strip_suffix(" (live)") {
                Some("ok") => ok += 1,
                _ if text == "ok" => {
                    ok += 1;
                    live = false;
                }
                _ => {
                    live &= text.ends_with(" (live)");
                    let text = text.trim_end_matches(" (live)");
                    items.push(format!("{}: {text}", column.name));
                }
            }
        }
        let head = match (items.is_empty(), live && applicable > 0) {
            (true, true) => format!("ok under all {applicable} (live)"),
            (true, false) => format!("ok under all {applicable}"),
            (false, _) => format!("ok under {ok} of {applicable};"),
        };
        // Pieces to pack: each scenario with its entries, broken after
        // their commas only when it does not fit on a line of its own.
        let mut pieces = Vec::new();
        for (i, item) in items.iter().enumerate() {
            let parts: Vec<&str> = if item.chars().count() < room {
                vec![item.as_str()]
            } else {
                item.split(", ").collect()
            };
            for (j, part) in parts.iter().enumerate() {
                let end = if j + 1 < parts.len() {
                    ","
                } else if i + 1 < items.len() {
                    ";"
                } else {
                    ""
                };
                pieces.push(format!("{part}{end}"));
            }
        }
        let mut lines = vec![head];
        for piece in pieces {
            let last = lines.last_mut().expect("one line at least");
            if last.chars().count() + 1 + piece.chars().count() <= room {
                last.push(' ');
                last.push_str(&piece);
            } else {
                lines.push(piece);
            }
        }
        for (i, line) in lines.iter().enumerate() {
            let name = if i == 0 { row.id.as_str() } else { "" };
            let _ = writeln!(out, "{name:name_width$}  {line}");
        }
    }
    out
}

/// The matrix as an aligned plain-text grid: a column per scenario, as wide
/// as its longest cell (`compare --wide`).
pub fn render_matrix_wide(c: &Comparison) -> String {
    let mut table: Vec<Vec<String>> = Vec::new();
    let mut header = vec!["model".to_string()];
    header.extend(c.columns.iter().map(|col| col.name.clone()));
    table.push(header);
    for (r, row) in c.rows.iter().enumerate() {
        let mut line = vec![row.id.clone()];
        line.extend((0..c.columns.len()).map(|col| cell_text(c.cell(r, col))));
        table.push(line);
    }
    let widths: Vec<usize> = (0..table[0].len())
        .map(|i| {
            table
                .iter()
                .map(|l| l[i].chars().count())
                .max()
                .unwrap_or(0)
        })
        .collect();
    let mut out = String::new();
    for (n, line) in table.iter().enumerate() {
        let mut text = String::new();
        for (i, cell) in line.iter().enumerate() {
            let pad = widths[i] - cell.chars().count();
            text.push_str(cell);
            text.push_str(&" ".repeat(pad));
            text.push_str("  ");
        }
        let _ = writeln!(out, "{}", text.trim_end());
        if n == 0 {
            let total: usize = widths.iter().sum::<usize>() + 2 * (widths.len() - 1);
            let _ = writeln!(out, "{}", "-".repeat(total));
        }
    }
    out
}

/// Every verdict that differs from its expectation, one line each.
pub fn render_mismatches(c: &Comparison) -> String {
    let mut out = String::new();
    for d in c.differences() {
        let _ = writeln!(out, "DIFFERS: {}", d.describe());
    }
    out
}

fn checked_count(c: &Comparison) -> (usize, usize) {
    let checked = c.cells.iter().filter(|x| x.report.is_some()).count();
    let unexpected = c
        .cells
        .iter()
        .filter(|x| !x.differences().is_empty())
        .count();
    (checked, unexpected)
}

/// One line saying how the run went.
pub fn render_summary(c: &Comparison) -> String {
    let (checked, unexpected) = checked_count(c);
    let undecided = c
        .cells
        .iter()
        .filter(|x| x.report.as_ref().is_some_and(|r| r.any_inconclusive()))
        .count();
    let mut line = format!(
        "{checked} check{}: {} as expected, {unexpected} not",
        if checked == 1 { "" } else { "s" },
        checked - unexpected
    );
    if undecided > 0 {
        let _ = write!(
            line,
            "; {undecided} with a property the search could not decide within its limits"
        );
    }
    line
}

/// A Markdown table with a row per model and a column per scenario, each
/// cell's text given by `text`.
fn markdown_matrix(c: &Comparison, text: impl Fn(&Cell) -> String) -> String {
    let mut out = String::new();
    let _ = write!(out, "| model |");
    for col in &c.columns {
        let _ = write!(out, " {} |", col.name);
    }
    out.push('\n');
    out.push_str(&"|---".repeat(c.columns.len() + 1));
    out.push_str("|\n");
    for (r, row) in c.rows.iter().enumerate() {
        let _ = write!(out, "| `{}` |", row.id);
        for col in 0..c.columns.len() {
            let _ = write!(out, " {} |", text(c.cell(r, col)));
        }
        out.push('\n');
    }
    out
}

/// The matrix as a Markdown table; with `links`, each violation links to its
/// counterexample's section.
pub fn markdown_table(c: &Comparison, links: bool) -> String {
    markdown_matrix(c, |cell| {
        cell_with(cell, |p, e| {
            match (&p.verdict, &p.path, &cell.report, links) {
                (Verdict::Violated { steps: Some(_) }, Some(_), Some(report), true) => format!(
                    "[{e}](#{})",
                    anchor(&cell.model, &report.scenario, p.property)
                ),
                _ => e,
            }
        })
    })
}

/// The failure-rate table of `--estimate`, in Markdown; empty without it.
pub fn estimate_table(c: &Comparison) -> String {
    let any = c.cells.iter().find_map(|x| x.estimate.as_ref());
    let Some(first) = any else {
        return String::new();
    };
    let mut out = String::new();
    let _ = writeln!(
        out,
        "Seeded random simulation of each scenario (seed {}, {} runs per cell unless the scenario says otherwise, \
         {}% of steps faults): the share of runs that violated each property, with its 95% Wilson interval. \
         A rate is a rate under the simulator's scheduling policy, not a production probability; P(success) = 1 − P(failure).\n",
        first.seed, first.runs, first.fault_percent
    );
    out.push_str(&markdown_matrix(c, |cell| match &cell.estimate {
        None => "n/a".to_string(),
        Some(e) => {
            let hits: Vec<String> = e
                .properties
                .iter()
                .filter(|p| p.runs_hit > 0)
                .map(|p| {
                    format!(
                        "{} {:.1}% [{:.1}–{:.1}]",
                        p.property.short(),
                        100.0 * p.rate,
                        100.0 * p.ci95.0,
                        100.0 * p.ci95.1
                    )
                })
                .collect();
            if hits.is_empty() {
                format!("0/{} [0–{:.1}%]", e.runs, 100.0 * wilson_upper(e.runs))
            } else {
                hits.join(", ")
            }
        }
    }));
    out
}

fn wilson_upper(runs: u64) -> f64 {
    crate::check::simulate::wilson_interval(0, runs).1
}

/// The Markdown report: the table, the differences, the failure rates, the
/// extra `sections` (each with its own heading: the safety frontiers), then
/// every counterexample as a Mermaid sequence diagram with its replay command.
pub fn render_markdown(c: &Comparison, sections: &[String]) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "# Which lock survives which fault\n");
    let _ = writeln!(
        out,
        "Written by `{}` (lockcheck {}). Each cell is a search of every behaviour of the model under \
         the column's own scenario, up to the scenario's horizon; where the search reaches a limit \
         first, the cell says so (`?`), or shows the violation a seeded simulation of the same scenario \
         found (`~`). `lockcheck list` describes the models and scenarios, and each model's source file \
         explains its verdicts.\n",
        c.command, c.lockcheck_version
    );
    out.push_str(&markdown_table(c, true));
    let _ = writeln!(out, "\n{LEGEND}\n");
    let _ = writeln!(out, "{}.\n", render_summary(c));
    let diffs = c.differences();
    let _ = writeln!(out, "## Differences from the expectations\n");
    if diffs.is_empty() {
        let _ = writeln!(
            out,
            "None: every verdict is what its model expects (a known bug is an expected violation).\n"
        );
    } else {
        for d in &diffs {
            let _ = writeln!(out, "- {}", d.describe());
        }
        out.push('\n');
    }
    let estimates = estimate_table(c);
    if !estimates.is_empty() {
        let _ = writeln!(out, "## Probability of failure\n\n{estimates}");
    }
    for section in sections {
        let _ = writeln!(out, "{section}");
    }
    let violations = c.violations();
    if !violations.is_empty() {
        let _ = writeln!(out, "## Counterexamples\n");
        let _ = writeln!(
            out,
            "The counterexample of every violation (the shortest one, unless the cell marks it `~`: \
             found by simulation where the search hit a bound), as a sequence diagram (arrows are messages, \
             crossed arrows lost messages, notes timers and faults, bars a client that believes it holds \
             the lock). The replay command re-executes the trace file this run wrote; the reproduce \
             command searches again.\n"
        );
    }
    for (cell, p) in violations {
        let report = cell.report.as_ref().expect("violations come from reports");
        let path = p.path.as_ref().expect("violations have paths");
        let steps = path.rows.len() - 1;
        let how = match path.loop_start {
            Some(k) => format!(
                "violated by a lasso: {k} steps, then a cycle of {} repeated forever",
                steps - k
            ),
            None => format!("violated in {steps} steps"),
        };
        let _ = writeln!(
            out,
            "<a id=\"{}\"></a>\n### `{}` under {}: {} {how}\n",
            anchor(&cell.model, &report.scenario, p.property),
            cell.model,
            report.scenario,
            p.property
        );
        let expected = match p.expected {
            Some(e) if p.as_expected() => format!("Expected {e}: a known, documented weakness."),
            Some(e) => format!("**Expected {e}: this violation is a regression.**"),
            None => "No expectation.".to_string(),
        };
        let bounded = if p.property.kind() == PropertyKind::BoundedLiveness {
            " (Bounded: some client is not done when real time reaches the horizon.)"
        } else {
            ""
        };
        let _ = writeln!(out, "{expected}{bounded}\n");
        let _ = writeln!(
            out,
            "```mermaid\n{}```\n",
            path.diagram.mermaid(&format!("{} VIOLATED", p.property))
        );
        if let Some(file) = &path.trace_file {
            let _ = writeln!(out, "- replay: `{}`", replay_command(file));
        }
        let _ = writeln!(out, "- reproduce: `{}`\n", path.reproduce);
    }
    out
}

/// The short summary for `$GITHUB_STEP_SUMMARY`: the table and the
/// differences, without counterexamples.
pub fn render_step_summary(c: &Comparison) -> String {
    let mut out = String::from("## lockcheck compare\n\n");
    out.push_str(&markdown_table(c, false));
    let _ = writeln!(out, "\n{LEGEND}\n\n{}.\n", render_summary(c));
    for d in c.differences() {
        let _ = writeln!(out, "- **{}**", d.describe());
    }
    out
}
