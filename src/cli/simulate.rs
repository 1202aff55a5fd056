//! `lockcheck simulate`: seeded random runs of one model under one scenario.

use std::path::PathBuf;
use std::time::Instant;

use lockcheck::check::{self};
use lockcheck::registry;
use lockcheck::scenario::Scenario;

use super::exit;
use super::load_expectations;

pub(super) struct SimulateArgs {
    pub(super) model: String,
    pub(super) scenario: PathBuf,
    pub(super) seed: String,
    pub(super) runs: Option<u64>,
    pub(super) shard: String,
    pub(super) fault_percent: Option<u32>,
    pub(super) steps_max: Option<usize>,
    pub(super) threads: usize,
    pub(super) report_dir: Option<PathBuf>,
    pub(super) json: bool,
    pub(super) expectations_dir: PathBuf,
}

pub(super) fn simulate(args: SimulateArgs) -> u8 {
    use lockcheck::check::simulate::{self, SimOptions};
    let bad = |message: String| {
        eprintln!("error: {message}");
        exit::BAD_INPUT
    };
    let entry = match registry::lookup(&args.model) {
        Ok(e) => e,
        Err(e) => return bad(e),
    };
    let expectations = match load_expectations(&args.expectations_dir) {
        Ok(e) => e,
        Err(code) => return code,
    };
    let scenario = match Scenario::load(&args.scenario) {
        Ok(s) => s,
        Err(e) => return bad(e.to_string()),
    };
    let expected = expectations.for_cell(&args.model, &args.scenario);
    let seed = match simulate::parse_seed(&args.seed) {
        Ok(s) => s,
        Err(e) => return bad(format!("--seed: {e}")),
    };
    let shard = match simulate::parse_shard(&args.shard) {
        Ok(s) => s,
        Err(e) => return bad(format!("--shard: {e}")),
    };
    let fault_percent = args
        .fault_percent
        .unwrap_or(scenario.simulation.fault_percent);
    if fault_percent > 100 {
        return bad(format!(
            "--fault-percent {fault_percent}: expected 0 to 100"
        ));
    }
    let options = SimOptions {
        counterexamples: true,
        counterexamples_of: Vec::new(),
        seed,
        seed_text: args.seed.clone(),
        runs: args.runs.unwrap_or(scenario.simulation.runs),
        shard,
        fault_percent,
        steps_max: args.steps_max.unwrap_or(scenario.simulation.steps_max),
        threads: args.threads.max(1),
        report_dir: args.report_dir.clone(),
    };
    if !args.json {
        // The seed and the resolved options come first, so a run that is
        // interrupted can still be repeated.
        println!(
            "simulate: model={} scenario={} seed={} runs={} shard={}/{} fault_percent={} steps_max={} clients={} horizon_ticks={}",
            args.model,
            args.scenario.display(),
            args.seed,
            options.runs,
            shard.0,
            shard.1,
            options.fault_percent,
            options.steps_max,
            scenario.clients,
            scenario.horizon_ticks
        );
    }
    let started = Instant::now();
    let report = match (entry.simulate)(&args.model, &scenario, &args.scenario, &expected, &options)
    {
        Ok(r) => r,
        Err(e) => return bad(e),
    };
    eprintln!(
        "simulated {} runs in {:.1} s",
        report.runs,
        started.elapsed().as_secs_f64()
    );
    let mut code = exit::OK;
    for p in &report.properties {
        if p.property.kind() != lockcheck::properties::PropertyKind::Reachability
            && p.runs_hit > 0
            && p.expected
                .is_some_and(|e| e != lockcheck::expectations::ExpectedVerdict::Violated)
        {
            code = exit::UNEXPECTED;
        }
    }
    if args.json {
        match serde_json::to_string_pretty(&report) {
            Ok(text) => println!("{text}"),
            Err(e) => return bad(format!("cannot serialize the report: {e}")),
        }
        return code;
    }
    for p in &report.properties {
        let (low, high) = simulate::wilson_interval(p.runs_hit, report.runs);
        let what = if p.property.kind() == lockcheck::properties::PropertyKind::Reachability {
            "reached it"
        } else {
            "violated it"
        };
        let expectation = match p.expected {
            Some(e) => format!("  (expected {e})"),
            None => String::new(),
        };
        println!(
            "  {:<17} {} of {} runs {what}: {:.1}% (95% CI {:.1}%-{:.1}%){expectation}",
            p.property.as_str(),
            p.runs_hit,
            report.runs,
            100.0 * p.runs_hit as f64 / report.runs.max(1) as f64,
            100.0 * low,
            100.0 * high
        );
    }
    if report.runs_cut_at_steps_max > 0 {
        println!(
            "  note: {} runs stopped at steps_max before the horizon",
            report.runs_cut_at_steps_max
        );
    }
    println!(
        "  (a simulation samples behaviours: no violation in N runs is not a proof that a property holds)"
    );
    for p in &report.properties {
        if let Some(c) = &p.counterexample {
            println!(
                "\nVIOLATED {}  model={} scenario={}  run {} of seed {}: shrunk from {} to {} steps",
                p.property,
                report.model,
                report.scenario,
                c.run,
                report.seed,
                c.original_steps,
                c.shrunk_steps
            );
            print!("{}", check::render_rows(&c.rows, None));
            if let Some(file) = &c.trace_file {
                println!("  trace:     {}", file.display());
                println!("  replay:    {}", check::replay_command(file));
            }
        }
    }
    code
}

/// `lockcheck merge`: the shards' reports read, merged and written.
pub(super) fn merge(files: &[std::path::PathBuf], output: Option<&std::path::Path>) -> u8 {
    let bad = |message: String| {
        eprintln!("error: {message}");
        exit::BAD_INPUT
    };
    let mut reports = Vec::new();
    for file in files {
        let name = file.display().to_string();
        let text = match std::fs::read_to_string(file) {
            Ok(t) => t,
            Err(e) => return bad(format!("{name}: cannot read: {e}")),
        };
        match serde_json::from_str::<serde_json::Value>(&text) {
            Ok(v) => reports.push((name, v)),
            Err(e) => {
                return bad(format!(
                    "{name}:{}:{}: not valid JSON: {e}",
                    e.line(),
                    e.column()
                ));
            }
        }
    }
    // A comparison has cells; a simulation report has a shard.
    let comparisons = reports
        .first()
        .is_some_and(|(_, r)| r.get("cells").is_some());
    let merged = if comparisons {
        lockcheck::compare::merge::merge_comparisons(&reports)
    } else {
        check::simulate::merge_shards(&reports)
    };
    let merged = match merged {
        Ok(m) => m,
        Err(e) => return bad(e),
    };
    let mut text = serde_json::to_string_pretty(&merged).expect("JSON values serialize");
    text.push('\n');
    match output {
        Some(file) => {
            if let Err(e) = lockcheck::files::write_atomically(file, text.as_bytes()) {
                return bad(format!("cannot write {}: {e}", file.display()));
            }
            eprintln!("wrote {}", file.display());
        }
        None => print!("{text}"),
    }
    exit::OK
}
