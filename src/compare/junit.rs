//! The comparison as JUnit XML, for CI test reporters: a `<testsuite>` per
//! scenario checked, a `<testcase>` per (model, property). A verdict that
//! differs from the expectation is a `<failure>` (with the counterexample's
//! timeline and replay command), an unexpected inconclusive one an `<error>`,
//! and one the model expects to be out of the search's reach `<skipped>`. Case times are not
//! measured per property, so they are 0; the suite's is the sum of its
//! checks' wall-clock time, passed in by the caller.

use std::collections::BTreeMap;
use std::fmt::Write;

use super::{CellStatus, Comparison};
use crate::check::{Verdict, render_rows, replay_command};

use super::escape;

#[derive(Default)]
struct Suite {
    cases: Vec<String>,
    failures: usize,
    errors: usize,
    skipped: usize,
}

/// JUnit XML for the comparison. `seconds` gives each suite's time by
/// scenario name (missing: 0).
pub fn render_junit(c: &Comparison, seconds: &BTreeMap<String, f64>) -> String {
    let mut suites: BTreeMap<String, Suite> = BTreeMap::new();
    let mut order: Vec<String> = Vec::new();
    for cell in &c.cells {
        let scenario = cell
            .report
            .as_ref()
            .map_or(cell.scenario.clone(), |r| r.scenario.clone());
        let classname = format!("lockcheck.{scenario}.{}", cell.model);
        match cell.status {
            CellStatus::NotApplicable => continue,
            CellStatus::Checked => {
                let Some(report) = &cell.report else { continue };
                let suite = suites.entry(scenario.clone()).or_default();
                for p in &report.properties {
                    let mut case = format!(
                        "    <testcase name=\"{}\" classname=\"{}\" time=\"0\">\n",
                        p.property,
                        escape(&classname)
                    );
                    let expected = p
                        .expected
                        .map_or("no expectation".to_string(), |e| format!("expected {e}"));
                    match &p.verdict {
                        // Expected to be out of the search's reach: not a
                        // pass, so it is reported as skipped, with why.
                        Verdict::Inconclusive { reason } if p.as_expected() => {
                            suite.skipped += 1;
                            let _ = writeln!(
                                case,
                                "      <skipped message=\"{}\"/>",
                                escape(&format!("inconclusive: {reason}"))
                            );
                        }
                        _ if p.as_expected() => {}
                        Verdict::Inconclusive { reason } => {
                            suite.errors += 1;
                            let _ = writeln!(
                                case,
                                "      <error message=\"{}\" type=\"inconclusive\"/>",
                                escape(&format!("inconclusive ({expected}): {reason}"))
                            );
                        }
                        verdict => {
                            suite.failures += 1;
                            let got = match verdict {
                                Verdict::Holds { .. } => "holds".to_string(),
                                Verdict::Violated { steps: Some(n) } => {
                                    format!("violated in {n} steps")
                                }
                                _ => "violated".to_string(),
                            };
                            let mut body = String::new();
                            if let Some(path) = &p.path {
                                body.push_str(&render_rows(&path.rows, None));
                                if let Some(f) = &path.trace_file {
                                    let _ = writeln!(body, "replay: {}", replay_command(f));
                                }
                                let _ = writeln!(body, "reproduce: {}", path.reproduce);
                            }
                            let _ = writeln!(
                                case,
                                "      <failure message=\"{}\" type=\"unexpected_verdict\">{}</failure>",
                                escape(&format!("{expected}, got {got}")),
                                escape(&body)
                            );
                        }
                    }
                    if case.ends_with(">\n") && !case.contains("</") && !case.contains("/>") {
                        // No failure or error: an empty element.
                        case.truncate(case.len() - 2);
                        case.push_str("/>\n");
                    } else {
                        case.push_str("    </testcase>\n");
                    }
                    suite.cases.push(case);
                }
            }
        }
    }
    // Suites in column order.
    let rows = c.rows.len();
    for col in 0..c.columns.len() {
        for row in 0..rows {
            let cell = c.cell(row, col);
            let scenario = cell
                .report
                .as_ref()
                .map_or(cell.scenario.clone(), |r| r.scenario.clone());
            if suites.contains_key(&scenario) && !order.contains(&scenario) {
                order.push(scenario);
            }
        }
    }
    let (mut tests, mut failures, mut errors, mut skipped) = (0, 0, 0, 0);
    let mut body = String::new();
    let mut total_time = 0.0;
    for name in &order {
        let s = &suites[name];
        let time = seconds.get(name).copied().unwrap_or(0.0);
        total_time += time;
        tests += s.cases.len();
        failures += s.failures;
        errors += s.errors;
        skipped += s.skipped;
        let _ = writeln!(
            body,
            "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{}\" errors=\"{}\" skipped=\"{}\" time=\"{time:.3}\">",
            escape(name),
            s.cases.len(),
            s.failures,
            s.errors,
            s.skipped
        );
        for case in &s.cases {
            body.push_str(case);
        }
        body.push_str("  </testsuite>\n");
    }
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"lockcheck compare\" tests=\"{tests}\" failures=\"{failures}\" errors=\"{errors}\" skipped=\"{skipped}\" time=\"{total_time:.3}\">\n{body}</testsuites>\n"
    )
}
