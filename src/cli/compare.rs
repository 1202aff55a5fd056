//! `lockcheck compare`: the model × fault matrix and its reports.

use std::path::{Path, PathBuf};
use std::time::Instant;

use super::exit;

/// The safety frontiers `lockcheck frontier` wrote under `dir/frontier/`, as
/// Markdown and HTML sections for the comparison reports, in model order.
/// Each says which command wrote it, since the comparison does not rerun it.
/// A report that can no longer be read (written by an older lockcheck, or
/// edited) is left out with a warning: it must not cost the comparison its
/// own results.
pub(super) fn frontier_sections(dir: &Path) -> (Vec<String>, Vec<String>) {
    use lockcheck::frontier;
    let folder = dir.join("frontier");
    let Ok(entries) = std::fs::read_dir(&folder) else {
        return (Vec::new(), Vec::new());
    };
    let mut files: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    let (mut md, mut html) = (Vec::new(), Vec::new());
    for file in files {
        let text = match std::fs::read_to_string(&file) {
            Ok(t) => t,
            Err(e) => {
                eprintln!(
                    "warning: {}: cannot read: {e}; the reports leave this frontier out",
                    file.display()
                );
                continue;
            }
        };
        let report: frontier::FrontierReport = match serde_json::from_str(&text) {
            Ok(r) => r,
            Err(e) => {
                eprintln!(
                    "warning: {}:{}:{}: not a frontier report this lockcheck can read ({e}); the reports leave it out (rerun `frontier` to rewrite it)",
                    file.display(),
                    e.line(),
                    e.column()
                );
                continue;
            }
        };
        let origin = format!(
            "Written by `cargo run --release -- frontier --model {}` (lockcheck {}) to `{}`; `compare` embeds it as it is, so rerun `frontier` after changing the model.",
            report.model,
            report.lockcheck_version,
            file.display()
        );
        md.push(format!(
            "## Safety frontier: `{}`\n\n{origin}\n\n{}",
            report.model,
            frontier::render_markdown(&report)
        ));
        html.push(format!(
            "{}\n<p><small>{}</small></p>",
            frontier::render_html_section(&report),
            origin.replace('`', "")
        ));
    }
    (md, html)
}

pub(super) struct CompareArgs {
    pub(super) selection: lockcheck::compare::Selection,
    pub(super) check: bool,
    pub(super) junit: Option<PathBuf>,
    /// `(runs, seed)` with --estimate.
    pub(super) estimate: Option<(Option<u64>, String)>,
    pub(super) report_dir: Option<PathBuf>,
    pub(super) json: bool,
    /// The full grid instead of the 100-column list.
    pub(super) wide: bool,
    pub(super) threads: usize,
    pub(super) memory_max: Option<u64>,
    pub(super) symmetry: bool,
    pub(super) request_ids: bool,
    pub(super) time_merge: bool,
    pub(super) liveness_orbits: bool,
}

/// The command a report says produced it: the options that change its
/// content, not --threads or where it was written.
pub(super) fn compare_command(args: &CompareArgs) -> String {
    let sel = &args.selection;
    let mut cmd = String::from("cargo run --release -- compare");
    for m in &sel.models {
        cmd.push_str(&format!(" --model {m}"));
    }
    for s in &sel.scenarios {
        cmd.push_str(&format!(" --scenario {}", s.display()));
    }
    for p in &sel.properties {
        cmd.push_str(&format!(" --property {p}"));
    }
    if sel.on_demand {
        cmd.push_str(" --on-demand");
    }
    if !args.symmetry {
        cmd.push_str(" --no-symmetry");
    }
    if !args.request_ids {
        cmd.push_str(" --no-renumber-ids");
    }
    if !args.time_merge {
        cmd.push_str(" --no-time-merge");
    }
    if args.liveness_orbits {
        cmd.push_str(" --liveness-orbits");
    }
    if let Some((runs, seed)) = &args.estimate {
        cmd.push_str(" --estimate");
        if let Some(r) = runs {
            cmd.push_str(&format!(" --runs {r}"));
        }
        if seed != "0" {
            cmd.push_str(&format!(" --seed {seed}"));
        }
    }
    cmd
}

pub(super) fn compare(args: CompareArgs) -> u8 {
    use lockcheck::compare;
    use std::io::IsTerminal;

    super::finish_on_interrupt();
    let plan = match compare::plan(&args.selection) {
        Ok(p) => p,
        Err(errors) => {
            for e in errors {
                eprintln!("error: {e}");
            }
            return exit::BAD_INPUT;
        }
    };
    let estimate = match &args.estimate {
        Some((runs, seed_text)) => match lockcheck::check::simulate::parse_seed(seed_text) {
            Ok(seed) => Some(compare::EstimateOptions {
                runs: *runs,
                seed,
                seed_text: seed_text.clone(),
            }),
            Err(e) => {
                eprintln!("error: --seed: {e}");
                return exit::BAD_INPUT;
            }
        },
        None => None,
    };
    let total = plan.checks()
        + if estimate.is_some() {
            plan.cells
                .iter()
                .filter(|c| c.status != compare::CellStatus::NotApplicable)
                .count()
        } else {
            0
        };
    // A bar on a terminal; in CI (stderr not a terminal), a quiet line per check.
    let terminal = std::io::stderr().is_terminal();
    let bar = terminal.then(|| {
        let bar = indicatif::ProgressBar::new(total as u64);
        bar.set_style(
            indicatif::ProgressStyle::with_template(
                "{bar:30} {pos}/{len} [{elapsed_precise}, about {eta} left] {msg}",
            )
            .expect("a valid template"),
        );
        bar
    });
    // Checks run in parallel: the counters are shared.
    let progress =
        std::sync::Mutex::new((0usize, std::collections::BTreeMap::<String, f64>::new()));
    let on_start = |model: &str, scenario: &str| {
        if let Some(bar) = &bar {
            bar.set_message(format!("{model} under {scenario}"));
        }
    };
    let on_cell = |cell: &compare::Cell, secs: f64| {
        let mut guard = progress.lock().expect("progress lock");
        let (done, seconds) = &mut *guard;
        *done += 1;
        let scenario = cell
            .report
            .as_ref()
            .map_or(cell.scenario.clone(), |r| r.scenario.clone());
        *seconds.entry(scenario.clone()).or_default() += secs;
        match &bar {
            Some(bar) => bar.inc(1),
            None => eprintln!(
                "[{done:>3}/{total}] {} under {scenario}: {} ({secs:.1} s)",
                cell.model,
                compare::cell_text(cell)
            ),
        }
    };
    let started = Instant::now();
    let run_options = compare::RunOptions {
        threads: args.threads,
        memory_max: args.memory_max,
        report_dir: args.report_dir.clone(),
        estimate,
        command: compare_command(&args),
        symmetry: args.symmetry,
        request_ids: args.request_ids,
        time_merge: args.time_merge,
        liveness_orbits: args.liveness_orbits,
    };
    let result = compare::run(plan, &args.selection, &run_options, &on_start, &on_cell);
    if let Some(bar) = &bar {
        bar.finish_and_clear();
    }
    let comparison = match result {
        Ok(c) => c,
        Err(e) => {
            eprintln!("error: {e}");
            return exit::BAD_INPUT;
        }
    };
    eprintln!(
        "compared {} cells in {:.1} s",
        comparison.cells.len(),
        started.elapsed().as_secs_f64()
    );

    let json = match serde_json::to_string_pretty(&comparison) {
        Ok(j) => j,
        Err(e) => {
            eprintln!("error: cannot serialize the comparison: {e}");
            return exit::BAD_INPUT;
        }
    };
    if args.json {
        println!("{json}");
    } else {
        if args.wide {
            print!("{}", compare::render_matrix_wide(&comparison));
        } else {
            print!("{}", compare::render_matrix(&comparison));
        }
        println!(
            "\n{}\n",
            compare::wrap(compare::LEGEND, compare::MATRIX_COLUMNS)
        );
        print!("{}", compare::render_mismatches(&comparison));
        println!("{}", compare::render_summary(&comparison));
    }

    let mut writes: Vec<(PathBuf, String)> = Vec::new();
    if let Some(dir) = &args.report_dir {
        let (md_sections, html_sections) = frontier_sections(dir);
        writes.push((
            dir.join("comparison.md"),
            compare::render_markdown(&comparison, &md_sections),
        ));
        writes.push((dir.join("comparison.json"), json + "\n"));
        writes.push((
            dir.join("comparison.html"),
            compare::render_html(&comparison, &html_sections),
        ));
    }
    if let Some(file) = &args.junit {
        writes.push((
            file.clone(),
            compare::render_junit(&comparison, &progress.lock().expect("progress lock").1),
        ));
    }
    for (path, text) in &writes {
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty())
            && let Err(e) = std::fs::create_dir_all(parent)
        {
            eprintln!("error: cannot create {}: {e}", parent.display());
            return exit::BAD_INPUT;
        }
        if let Err(e) = lockcheck::files::write_atomically(path, text.as_bytes()) {
            eprintln!("error: cannot write {}: {e}", path.display());
            return exit::BAD_INPUT;
        }
        if !args.json {
            println!("wrote {}", path.display());
        }
    }
    // A whole matrix's traces are the directory's: one an earlier run wrote
    // for a verdict that has changed since would otherwise stay beside
    // them, and be replayed as if current.
    let whole_matrix = args.selection.models.is_empty()
        && args.selection.scenarios.is_empty()
        && args.selection.properties.is_empty();
    if let Some(dir) = &args.report_dir
        && whole_matrix
        && !lockcheck::engine::interrupt::requested()
    {
        match prune_traces(&dir.join("traces"), &comparison) {
            Ok(0) => {}
            Ok(n) if !args.json => println!(
                "removed {n} trace file(s) from {} that no cell of this comparison wrote",
                dir.join("traces").display()
            ),
            Ok(_) => {}
            Err(e) => {
                eprintln!("error: {e}");
                return exit::BAD_INPUT;
            }
        }
    }
    if let Some(summary) = std::env::var_os("GITHUB_STEP_SUMMARY").filter(|s| !s.is_empty()) {
        use std::io::Write;
        let appended = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&summary)
            .and_then(|mut f| f.write_all(compare::render_step_summary(&comparison).as_bytes()));
        if let Err(e) = appended {
            eprintln!(
                "warning: cannot append to $GITHUB_STEP_SUMMARY ({}): {e}",
                PathBuf::from(&summary).display()
            );
        }
    }

    if lockcheck::engine::interrupt::requested() {
        eprintln!("interrupted: the cells not decided before Ctrl-C are inconclusive");
        return exit::INTERRUPTED;
    }
    if !args.check {
        return exit::OK;
    }
    let diffs = comparison.differences();
    if diffs.iter().any(|d| !d.inconclusive()) {
        exit::UNEXPECTED
    } else if !diffs.is_empty() {
        exit::INCONCLUSIVE
    } else {
        exit::OK
    }
}

/// Removes the `*.json` files in `traces` that no cell of `comparison`
/// names as its trace (`trace_file`, anywhere in its report); how many.
fn prune_traces(
    traces: &Path,
    comparison: &lockcheck::compare::Comparison,
) -> Result<usize, String> {
    fn names(value: &serde_json::Value, into: &mut std::collections::BTreeSet<String>) {
        match value {
            serde_json::Value::Object(map) => {
                for (key, v) in map {
                    if key == "trace_file"
                        && let Some(file) = v.as_str()
                        && let Some(name) = Path::new(file).file_name()
                    {
                        into.insert(name.to_string_lossy().into_owned());
                    }
                    names(v, into);
                }
            }
            serde_json::Value::Array(items) => items.iter().for_each(|v| names(v, into)),
            _ => {}
        }
    }
    let value = serde_json::to_value(comparison)
        .map_err(|e| format!("cannot serialize the comparison: {e}"))?;
    let mut written = std::collections::BTreeSet::new();
    names(&value, &mut written);
    let Ok(entries) = std::fs::read_dir(traces) else {
        return Ok(0);
    };
    let mut removed = 0;
    for entry in entries.flatten() {
        let path = entry.path();
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.ends_with(".json") && !written.contains(&name) {
            std::fs::remove_file(&path)
                .map_err(|e| format!("cannot remove {}: {e}", path.display()))?;
            removed += 1;
        }
    }
    Ok(removed)
}
