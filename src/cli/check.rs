//! `lockcheck check`: models under scenarios, each against its expectations.

use std::path::PathBuf;
use std::time::Instant;

use lockcheck::check::{self, CheckOptions, CheckReport, Verdict};
use lockcheck::compare::scenario_files;
use lockcheck::expectations::Expectations;
use lockcheck::properties::PropertyName;
use lockcheck::registry;
use lockcheck::scenario::{Scenario, Tier};

use super::exit;

pub(super) struct CheckArgs {
    pub(super) models: Vec<String>,
    pub(super) scenarios: Vec<PathBuf>,
    pub(super) properties: Vec<PropertyName>,
    pub(super) overrides: (Option<u64>, Option<u32>, Option<u64>, Option<u64>),
    pub(super) threads: usize,
    pub(super) report_dir: Option<PathBuf>,
    pub(super) timelines: bool,
    pub(super) json: bool,
    pub(super) scenarios_dir: PathBuf,
    pub(super) expectations: Expectations,
    pub(super) on_demand: bool,
    pub(super) reproduce_flags: Vec<String>,
    pub(super) simulation_runs: Option<u64>,
    pub(super) symmetry: bool,
    pub(super) request_ids: bool,
    pub(super) time_merge: bool,
    pub(super) liveness_orbits: bool,
}

pub(super) fn run_checks(args: CheckArgs) -> u8 {
    super::finish_on_interrupt();
    for id in &args.models {
        if let Err(e) = registry::lookup(id) {
            eprintln!("error: {e}");
            return exit::BAD_INPUT;
        }
    }
    let explicit_scenarios = !args.scenarios.is_empty();
    let files = if explicit_scenarios {
        args.scenarios.clone()
    } else {
        match scenario_files(&args.scenarios_dir) {
            Ok(f) => f,
            Err(e) => {
                eprintln!("error: {e}");
                return exit::BAD_INPUT;
            }
        }
    };
    // Validate every scenario before running anything.
    let mut loaded = Vec::new();
    let mut bad = false;
    for file in &files {
        match Scenario::load(file) {
            Ok(s) => loaded.push((file.clone(), s)),
            Err(e) => {
                eprintln!("error: {e}");
                bad = true;
            }
        }
    }
    if bad {
        return exit::BAD_INPUT;
    }

    // The (model, scenario) pairs to run, in scenario order then model order.
    let mut runs = Vec::new();
    let mut skipped = Vec::new();
    for (file, scenario) in &loaded {
        if scenario.tier == Tier::OnDemand && !explicit_scenarios && !args.on_demand {
            skipped.push(Scenario::name_of(file));
            continue;
        }
        for m in registry::all() {
            if args
                .expectations
                .runs(m.id, file, scenario.tier, explicit_scenarios, &args.models)
            {
                runs.push((file.clone(), scenario, m.id.to_string()));
            }
        }
    }
    if runs.is_empty() {
        eprintln!(
            "error: nothing to check: the given model(s) run under no scenario in the directory (a standard scenario runs every model; another, the models with an expectation for it)"
        );
        return exit::BAD_INPUT;
    }

    if !skipped.is_empty() && !args.json {
        println!(
            "skipping the on-demand scenarios (run them with --on-demand, or name them with --scenario): {}\n",
            skipped.join(", ")
        );
    }
    let single = runs.len() == 1;
    let mut reports: Vec<CheckReport> = Vec::new();
    let mut code = exit::OK;
    for (file, scenario, id) in runs {
        let entry = registry::find(&id).expect("validated above");
        let expected = args.expectations.for_cell(&id, &file);
        let (states_max, depth_max, seconds_max, memory_max) = args.overrides;
        let options = CheckOptions {
            limits: check::resolve_limits(
                scenario,
                &expected,
                states_max,
                depth_max,
                seconds_max,
                memory_max,
            ),
            threads: args.threads,
            report_dir: args.report_dir.clone(),
            progress: !args.json,
            reproduce_flags: args.reproduce_flags.clone(),
            liveness: args
                .properties
                .iter()
                .copied()
                .filter(|p| p.kind() == lockcheck::properties::PropertyKind::Liveness)
                .collect(),
            simulation_runs: args.simulation_runs,
            symmetry: args.symmetry,
            only: args.properties.clone(),
            request_ids: args.request_ids,
            time_merge: args.time_merge,
            liveness_orbits: args.liveness_orbits,
            liveness_states_max: check::resolve_liveness_states_max(&expected, states_max),
        };
        let started = Instant::now();
        let mut report = match entry.run(scenario, &file, &expected, &options) {
            Ok(r) => r,
            Err(e) => {
                eprintln!("error: {e}");
                return exit::BAD_INPUT;
            }
        };
        if !args.properties.is_empty() {
            report
                .properties
                .retain(|r| args.properties.contains(&r.property));
        }
        // Timing goes to stderr so that stdout is the same on every run.
        eprintln!(
            "checked {id} under {} in {:.1} s",
            report.scenario,
            started.elapsed().as_secs_f64()
        );
        if !report.all_as_expected() {
            let decided_mismatch =
                report.properties.iter().any(|p| {
                    !p.as_expected() && !matches!(p.verdict, Verdict::Inconclusive { .. })
                }) || report.vacuity_difference().is_some();
            code = if decided_mismatch {
                exit::UNEXPECTED
            } else if code == exit::OK {
                exit::INCONCLUSIVE
            } else {
                code
            };
        }
        if !args.json {
            print!(
                "{}",
                check::render_report(&report, scenario, single || args.timelines)
            );
            if !(single || args.timelines) {
                for p in &report.properties {
                    if let (Verdict::Violated { steps: Some(_) }, Some(path)) =
                        (&p.verdict, &p.path)
                    {
                        match &path.trace_file {
                            Some(t) => println!(
                                "  {:<17} replay: {}",
                                p.property.as_str(),
                                check::replay_command(t)
                            ),
                            None => println!(
                                "  {:<17} reproduce: {}",
                                p.property.as_str(),
                                path.reproduce
                            ),
                        }
                    }
                }
            }
            println!();
        }
        reports.push(report);
    }

    if args.json {
        match serde_json::to_string_pretty(&reports) {
            Ok(text) => println!("{text}"),
            Err(e) => {
                eprintln!("error: cannot serialize the reports: {e}");
                return exit::BAD_INPUT;
            }
        }
    } else if !single {
        let unexpected = reports.iter().filter(|r| !r.all_as_expected()).count();
        println!(
            "{} checks: {} as expected, {} not ({})",
            reports.len(),
            reports.len() - unexpected,
            unexpected,
            match code {
                exit::OK => "all verdicts as expected",
                exit::INCONCLUSIVE => "some verdicts inconclusive",
                _ => "some verdicts differ from the scenarios' expectations",
            }
        );
    }
    super::unless_interrupted(code)
}
