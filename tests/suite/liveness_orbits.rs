//! The liveness graph built one state per orbit of interchangeable clients
//! and unfolded (`check::liveness::unfold`), cross-checked against the
//! graph built state by state: on every (model, scenario) cell whose graph
//! ends within `STATES_MAX` states, the unfolded graph must have exactly
//! as many states and edges, each liveness verdict must be the same, and
//! every lasso it reports must replay as a fair loop of the real world.

use std::path::{Path, PathBuf};

use lockcheck::check::{CheckOptions, CheckReport, Verdict, bfs::SearchLimits};
use lockcheck::expectations::Entry;
use lockcheck::properties::PropertyName;
use lockcheck::registry;
use lockcheck::scenario::Scenario;
use lockcheck::trace::replay::ReplayOutcome;

/// Cells whose graph passes this many states are skipped.
const STATES_MAX: u64 = 20_000;

const LIVENESS: [PropertyName; 2] = [PropertyName::DeadlockFree, PropertyName::StarvationFree];

fn check(
    entry: &registry::ModelEntry,
    file: &Path,
    scenario: &Scenario,
    orbits: bool,
    report_dir: PathBuf,
) -> Option<CheckReport> {
    let options = CheckOptions {
        limits: SearchLimits {
            states_max: STATES_MAX,
            depth_max: None,
            time_max: std::time::Duration::from_secs(600),
            memory: None,
        },
        threads: 1,
        report_dir: Some(report_dir),
        progress: false,
        reproduce_flags: Vec::new(),
        liveness: LIVENESS.to_vec(),
        simulation_runs: Some(0),
        symmetry: true,
        only: LIVENESS.to_vec(),
        request_ids: true,
        time_merge: true,
        liveness_orbits: orbits,
        liveness_states_max: Some(STATES_MAX),
    };
    entry.run(scenario, file, &Entry::default(), &options).ok()
}

fn kind(v: &Verdict) -> &'static str {
    match v {
        Verdict::Holds { .. } => "holds",
        Verdict::Violated { .. } => "violated",
        _ => "inconclusive",
    }
}

#[test]
fn the_graph_unfolded_from_orbits_is_the_real_graph() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files: Vec<PathBuf> = std::fs::read_dir(root.join("scenarios"))
        .expect("scenarios/")
        .map(|e| e.expect("an entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    let scratch = Path::new(env!("CARGO_TARGET_TMPDIR")).join("liveness_orbits");
    let _ = std::fs::remove_dir_all(&scratch);
    let models = registry::all();
    let (mut compared, mut lassos, mut failures) = (0, 0, Vec::new());
    for file in &files {
        let scenario = Scenario::load(file).unwrap_or_else(|e| panic!("{e}"));
        // Bigger groups are not unfolded (see `check::check_liveness`).
        if scenario.clients > 3 {
            continue;
        }
        let name = Scenario::name_of(file);
        for entry in &models {
            let cell = format!("{} under {name}", entry.id);
            let dir = scratch.join(format!("{}.{name}", entry.id));
            let Some(plain) = check(entry, file, &scenario, false, dir.join("plain")) else {
                continue;
            };
            let Some(live) = plain.liveness.as_ref().filter(|l| l.complete) else {
                continue;
            };
            let unfolded = check(entry, file, &scenario, true, dir.join("orbits"))
                .unwrap_or_else(|| panic!("{cell}: the check with orbits fails"));
            let mine = unfolded.liveness.as_ref().expect("liveness stats");
            compared += 1;
            if (mine.complete, mine.unique_states, mine.transitions)
                != (true, live.unique_states, live.transitions)
            {
                failures.push(format!(
                    "{cell}: unfolded graph {} states, {} edges (complete: {}), real {} and {}",
                    mine.unique_states,
                    mine.transitions,
                    mine.complete,
                    live.unique_states,
                    live.transitions
                ));
                continue;
            }
            for p in &plain.properties {
                let Some(q) = unfolded
                    .properties
                    .iter()
                    .find(|q| q.property == p.property)
                else {
                    continue;
                };
                if kind(&p.verdict) != kind(&q.verdict) {
                    failures.push(format!(
                        "{cell}: {} {:?} without orbits, {:?} with",
                        p.property, p.verdict, q.verdict
                    ));
                    continue;
                }
                let Some(path) = q.path.as_ref().filter(|_| LIVENESS.contains(&q.property)) else {
                    continue;
                };
                let trace_file = path.trace_file.as_ref().expect("a trace file");
                let trace = lockcheck::trace::read(trace_file).unwrap_or_else(|e| panic!("{e}"));
                match (entry.replay)(trace_file, &trace, false) {
                    Ok(r) if r.outcome == ReplayOutcome::Reproduced => lassos += 1,
                    Ok(r) => failures.push(format!(
                        "{cell}: the {} lasso does not replay: {:?}",
                        q.property, r.outcome
                    )),
                    Err(e) => failures.push(format!(
                        "{cell}: the {} lasso does not replay: {e}",
                        q.property
                    )),
                }
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    println!("{compared} cells compared, {lassos} lassos replayed");
    assert!(compared >= 100, "only {compared} cells were small enough");
    assert!(lassos >= 20, "only {lassos} lassos");
}
