//! The human-readable output of `check`. Everything here is a pure function of
//! the report, so the same search prints the same bytes.

use std::fmt::Write;

use super::{CheckReport, PropertyReport, SearchStats, TimelineRow, Verdict};
use crate::properties::PropertyKind;
use crate::scenario::Scenario;

/// How the state count was taken, e.g. " (one per orbit of interchangeable
/// nodes, request ids renumbered)"; empty for a plain search.
fn reductions_note(s: &SearchStats) -> String {
    let parts: Vec<&str> = [
        (s.symmetry, "one per orbit of interchangeable nodes"),
        (s.request_ids, "request ids renumbered"),
        (s.time_merge, "passed times merged, nonces renumbered"),
    ]
    .into_iter()
    .filter_map(|(used, what)| used.then_some(what))
    .collect();
    if parts.is_empty() {
        String::new()
    } else {
        format!(" ({})", parts.join(", "))
    }
}

/// The verdict table for one (model, scenario), then, when `timelines` is set,
/// every counterexample as a timeline.
pub fn render_report(report: &CheckReport, scenario: &Scenario, timelines: bool) -> String {
    let mut out = String::new();
    let s = &report.stats;
    let _ = writeln!(
        out,
        "{} under {}: {} unique states{}, depth {}, {} ({} search, {} initial state{})",
        report.model,
        report.scenario,
        s.unique_states,
        reductions_note(s),
        s.depth,
        s.stop,
        s.engine,
        s.init_states,
        if s.init_states == 1 { "" } else { "s" }
    );
    if s.vacuous {
        let _ = writeln!(
            out,
            "  vacuous: no fault of this scenario can strike while a client holds the lock, so `holds` says nothing about those faults{}",
            if report.vacuous_expected == Some(true) {
                " (as the model's expectation declares)"
            } else {
                ""
            }
        );
    }
    if let Some(why) = report.vacuity_difference() {
        let _ = writeln!(out, "  ! differs from the expectation: {why}");
    }
    if let Some(l) = &report.liveness {
        let shift = match (l.shift_from_tick, l.shift_period_ticks) {
            (Some(t), Some(p)) => format!(", time shifted from tick {t} in steps of {p}"),
            _ => String::new(),
        };
        if !l.complete && l.unique_states == 0 {
            // Not built, or stopped before it counted anything: no sizes
            // to give, only why.
            let _ = writeln!(out, "  liveness graph: {}{shift}", l.stop);
        } else {
            // Over orbits, a graph cut short counts orbits only.
            let states = match l.orbit_states {
                Some(n) if l.complete => {
                    format!("{} states (unfolded from {n} orbits)", l.unique_states)
                }
                Some(_) => format!("{} orbits", l.unique_states),
                None => format!("{} states", l.unique_states),
            };
            let _ = writeln!(
                out,
                "  liveness graph: {states}, {} transitions, depth {}, {}{shift}",
                l.transitions, l.depth, l.stop
            );
        }
    }
    for p in &report.properties {
        let verdict = match &p.verdict {
            Verdict::Holds { steps: Some(n) } => format!("holds (example in {n} steps)"),
            Verdict::Holds { steps: None } => "holds".to_string(),
            Verdict::Violated { steps: Some(n) } => {
                match p.path.as_ref().and_then(|x| x.loop_start) {
                    Some(k) => format!("VIOLATED: lasso {k}+{}", n - k),
                    None if p.simulation.is_some() => format!("VIOLATED in {n} steps (simulation)"),
                    None => format!("VIOLATED in {n} steps"),
                }
            }
            Verdict::Violated { steps: None } => "VIOLATED (no example exists)".to_string(),
            Verdict::Inconclusive { .. } => "inconclusive".to_string(),
        };
        let expectation = match p.expected {
            Some(e) if p.as_expected() => format!("expected {e:<8}  ok"),
            Some(e) => format!("expected {e:<8}  UNEXPECTED"),
            None if matches!(p.verdict, Verdict::Violated { .. }) => {
                "observed (no expectation)".to_string()
            }
            None if p.as_expected() => String::new(),
            None => "no expectation".to_string(),
        };
        let line = format!(
            "  {:<17} {:<30} {}",
            p.property.as_str(),
            verdict,
            expectation
        );
        let _ = writeln!(out, "{}", line.trim_end());
        if let Verdict::Inconclusive { reason } = &p.verdict {
            let _ = writeln!(out, "  {:<17} {reason}", "");
        }
        if let (Some(sim), Verdict::Violated { .. } | Verdict::Holds { .. }) =
            (&p.simulation, &p.verdict)
        {
            let _ = writeln!(
                out,
                "  {:<17} (the search hit a bound first; found by a seeded simulation of this scenario: {} of {} runs, seed {})",
                "", sim.runs_hit, sim.runs, sim.seed
            );
        }
        if p.property.kind() == PropertyKind::BoundedLiveness {
            let _ = writeln!(
                out,
                "  {:<17} (bounded: every client that has not crashed for good is done by tick {}, faults stop at tick {}; not liveness under fairness)",
                "", scenario.horizon_ticks, scenario.faults_until_ticks
            );
        }
    }
    if timelines {
        for p in &report.properties {
            if matches!(p.verdict, Verdict::Violated { steps: Some(_) }) {
                out.push('\n');
                out.push_str(&render_timeline(report, p));
            }
        }
    }
    out
}

/// One counterexample as a table: step, real time, acting node, event, and
/// what every client believes afterwards; then where the trace is and the
/// command that reproduces it.
pub fn render_timeline(report: &CheckReport, p: &PropertyReport) -> String {
    let mut out = String::new();
    let Some(path) = &p.path else {
        return out;
    };
    let steps = path.rows.len() - 1;
    match path.loop_start {
        Some(k) => {
            let _ = writeln!(
                out,
                "VIOLATED {}  model={} scenario={}  (lasso: {k} steps to the loop, then {} steps repeated forever under fairness)",
                p.property,
                report.model,
                report.scenario,
                steps - k
            );
        }
        None if p.simulation.is_some() => {
            let _ = writeln!(
                out,
                "VIOLATED {}  model={} scenario={}  (counterexample found by simulation after the search hit a bound, shrunk to {steps} steps; not necessarily the shortest)",
                p.property, report.model, report.scenario
            );
        }
        None => {
            let _ = writeln!(
                out,
                "VIOLATED {}  model={} scenario={}  (shortest counterexample: {steps} steps)",
                p.property, report.model, report.scenario
            );
        }
    }
    out.push_str(&render_lasso_rows(&path.rows, None, path.loop_start));
    let _ = writeln!(out, "  reproduce: {}", path.reproduce);
    if let Some(file) = &path.trace_file {
        let _ = writeln!(out, "  trace:     {}", file.display());
        let _ = writeln!(out, "  replay:    {}", replay_command(file));
    }
    out
}

/// A timeline as a table; with `details`, each row is followed by the full
/// state after it (`details[i]` for row `i`).
pub fn render_rows(rows: &[TimelineRow], details: Option<&[Vec<String>]>) -> String {
    render_lasso_rows(rows, details, None)
}

/// [`render_rows`] for a lasso: a line `from step k, forever:` before the
/// first step of the loop (the one after row `k`), and a closing line after
/// the last, which returns to row `k`'s state.
pub fn render_lasso_rows(
    rows: &[TimelineRow],
    details: Option<&[Vec<String>]>,
    loop_start: Option<usize>,
) -> String {
    let mut out = String::new();
    let actor_w = rows.iter().map(|r| r.actor.len()).max().unwrap_or(1).max(5);
    let event_w = rows
        .iter()
        .map(|r| r.event.chars().count())
        .max()
        .unwrap_or(1)
        .min(72);
    let beliefs: Vec<String> = rows.iter().map(|r| r.beliefs.join(", ")).collect();
    let beliefs_w = beliefs.iter().map(|b| b.len()).max().unwrap_or(1);
    let _ = writeln!(
        out,
        "  {:>4}  {:>4}  {:<actor_w$}  {:<event_w$}  {:<beliefs_w$}  resource",
        "step", "tick", "node", "event", "beliefs"
    );
    for (i, (row, belief)) in rows.iter().zip(&beliefs).enumerate() {
        if loop_start.is_some_and(|k| i == k + 1) {
            let _ = writeln!(
                out,
                "  from step {}, forever:",
                loop_start.unwrap_or_default()
            );
        }
        let _ = writeln!(
            out,
            "  {:>4}  {:>4}  {:<actor_w$}  {:<event_w$}  {:<beliefs_w$}  {}",
            row.step, row.tick, row.actor, row.event, belief, row.resource
        );
        if let Some(lines) = details.and_then(|d| d.get(i)) {
            for l in lines {
                let _ = writeln!(out, "            {l}");
            }
        }
    }
    if let Some(k) = loop_start {
        let _ = writeln!(
            out,
            "  (step {} is back in the state of step {k}, but for later times and higher ids, tokens and counts: the loop repeats forever)",
            rows.len() - 1
        );
    }
    out
}

/// The command that replays a trace file step by step.
pub fn replay_command(trace_file: &std::path::Path) -> String {
    format!("cargo run --release -- replay {}", trace_file.display())
}
