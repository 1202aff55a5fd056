//! The `lockcheck` command line.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use clap::{Parser, Subcommand};

use lockcheck::check::{self, CheckOptions, CheckReport, Verdict};
use lockcheck::expectations::Expectations;
use lockcheck::properties::PropertyName;
use lockcheck::registry;
use lockcheck::scenario::{Scenario, Tier};
use lockcheck::trace::replay::ReplayOutcome;

// The search allocates and frees a state per transition; mimalloc does that
// several times faster than the system allocator. The wrapper counts what
// each thread holds, for the memory bound (`check::memory`).
#[global_allocator]
static GLOBAL: check::memory::Counting<Mimalloc> = check::memory::Counting(Mimalloc);

/// mimalloc, asked for plain blocks whenever the alignment allows. The
/// `mimalloc` crate asks for aligned blocks every time, and mimalloc's
/// aligned path falls back to a slow generic one whenever the size class has
/// no free block at hand (12% of a world search's instructions went
/// there).
struct Mimalloc;

/// Every mimalloc block is aligned to a word at least.
const MIMALLOC_ALIGN: usize = 8;

// SAFETY: plain blocks are used only when their guaranteed alignment
// suffices; anything else goes to mimalloc's aligned functions, as the
// `mimalloc` crate does. Both kinds are freed by `mi_free`.
unsafe impl std::alloc::GlobalAlloc for Mimalloc {
    #[inline]
    unsafe fn alloc(&self, layout: std::alloc::Layout) -> *mut u8 {
        use libmimalloc_sys::{mi_malloc, mi_malloc_aligned};
        // SAFETY: mimalloc accepts any size.
        unsafe {
            if layout.align() <= MIMALLOC_ALIGN {
                mi_malloc(layout.size()) as *mut u8
            } else {
                mi_malloc_aligned(layout.size(), layout.align()) as *mut u8
            }
        }
    }
    #[inline]
    unsafe fn alloc_zeroed(&self, layout: std::alloc::Layout) -> *mut u8 {
        use libmimalloc_sys::{mi_zalloc, mi_zalloc_aligned};
        // SAFETY: as in `alloc`.
        unsafe {
            if layout.align() <= MIMALLOC_ALIGN {
                mi_zalloc(layout.size()) as *mut u8
            } else {
                mi_zalloc_aligned(layout.size(), layout.align()) as *mut u8
            }
        }
    }
    #[inline]
    unsafe fn dealloc(&self, ptr: *mut u8, _layout: std::alloc::Layout) {
        // SAFETY: `ptr` came from this allocator.
        unsafe { libmimalloc_sys::mi_free(ptr as *mut std::ffi::c_void) }
    }
    #[inline]
    unsafe fn realloc(&self, ptr: *mut u8, layout: std::alloc::Layout, new_size: usize) -> *mut u8 {
        use libmimalloc_sys::{mi_realloc, mi_realloc_aligned};
        let ptr = ptr as *mut std::ffi::c_void;
        // SAFETY: `ptr` came from this allocator with `layout`.
        unsafe {
            if layout.align() <= MIMALLOC_ALIGN {
                mi_realloc(ptr, new_size) as *mut u8
            } else {
                mi_realloc_aligned(ptr, new_size, layout.align()) as *mut u8
            }
        }
    }
}

/// Exit codes, as documented in the README.
mod exit {
    pub const OK: u8 = 0;
    pub const UNEXPECTED: u8 = 1;
    pub const INCONCLUSIVE: u8 = 3;
    pub const BAD_INPUT: u8 = 4;
}

#[derive(Parser)]
#[command(
    name = "lockcheck",
    version,
    about = "Model-checks distributed lock algorithms under network, clock and process faults",
    long_about = "Model-checks distributed lock algorithms under network, clock and process faults.\n\n\
        Each lock algorithm runs as actors in a deterministic simulated world (real time, skewed and \
        drifting clocks, delayed and lost messages, crashes, pauses, partitions). `check` searches \
        every behaviour up to the scenario's horizon and reports, per property, holds / VIOLATED (with \
        the shortest counterexample) / inconclusive (a search bound was reached).\n\n\
        Exit codes of `check`: 0 every verdict as expected (or observed, where the model has no \
        expectation); 1 a verdict differs from the model's expectation; 2 usage error; 3 a verdict is inconclusive; 4 unreadable or invalid input. \
        `compare`, `frontier`, `replay` and `simulate` give theirs in their own --help."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Re-executes a counterexample trace step by step through the same
    /// world and says whether the violation still happens.
    ///
    /// Exit codes: 0 the recorded violation reproduces; 1 every step replays
    /// but the violation no longer happens (the bug was fixed); 4 the trace
    /// does not fit the model any more (the error names the first step that
    /// diverged and what differed), or the file is not a readable trace.
    Replay {
        /// A trace written by `check` (reports/traces/*.json).
        trace: PathBuf,
        /// Print the whole state (every node, timer and message in flight)
        /// after each step.
        #[arg(long)]
        step: bool,
    },
    /// Runs seeded random walks through the world: for configurations too
    /// large to search exhaustively, and to estimate how often a fault
    /// breaks a lock.
    ///
    /// Prints the seed and options first, then per property how many runs
    /// violated it (with a 95% confidence interval), then the first violating
    /// run's counterexample, shrunk, ending with the command that replays it.
    /// A simulation never claims that a property holds. Exit codes: 0 no
    /// violation the model's expectations rule out; 1 one they rule out; 4
    /// bad input.
    Simulate {
        #[arg(long, value_name = "ID")]
        model: String,
        #[arg(long, value_name = "FILE")]
        scenario: PathBuf,
        /// A number, or a 40-hex-digit commit hash (e.g. `$(git rev-parse HEAD)`).
        #[arg(long, default_value = "0", env = "LOCKCHECK_SEED")]
        seed: String,
        /// How many runs (default: the scenario's simulation.runs).
        #[arg(long)]
        runs: Option<u64>,
        /// Run only part K of N of the sweep (runs whose index is K-1 modulo
        /// N); the parts' counts add up exactly to the whole sweep's.
        #[arg(long, value_name = "K/N", default_value = "1/1")]
        shard: String,
        /// Chance in percent that a step is a fault (default: the scenario's
        /// simulation.fault_percent).
        #[arg(long)]
        fault_percent: Option<u32>,
        /// Stop a run after this many steps (default: the scenario's
        /// simulation.steps_max).
        #[arg(long)]
        steps_max: Option<usize>,
        #[arg(long, default_value_t = default_threads())]
        threads: usize,
        /// Where counterexample traces are written (under traces/).
        #[arg(long, default_value = "reports")]
        report_dir: PathBuf,
        #[arg(long)]
        no_traces: bool,
        /// Print one JSON report on stdout instead of text.
        #[arg(long)]
        json: bool,
        /// Where the models' expectation files (`<model file>.expect.json`)
        /// are. A model with no expectation for a scenario is reported as
        /// observed.
        #[arg(long, default_value = "models")]
        expectations_dir: PathBuf,
    },
    /// Exports a trace for other tools: ITF (Apalache/Quint, the ITF Trace
    /// Viewer), a Mermaid sequence diagram (GitHub Markdown), or the clients'
    /// operation history in Jepsen's op shape (EDN or JSON lines).
    Export {
        /// A trace written by `check` or `simulate`.
        trace: PathBuf,
        #[arg(long, value_enum)]
        format: lockcheck::trace::export::ExportFormat,
        /// Write here instead of to stdout.
        #[arg(long, short)]
        output: Option<PathBuf>,
    },
    /// Serves stateright's Explorer on localhost for stepping through the
    /// world interactively: every enabled action at each state, each state
    /// rendered readably, the path drawn as a sequence diagram.
    ///
    /// Runs until interrupted. With --trace it prints the URL that opens the
    /// trace's path. The Explorer explores on demand and ignores symmetry.
    Explore {
        #[arg(long, value_name = "ID")]
        model: Option<String>,
        #[arg(long, value_name = "FILE")]
        scenario: Option<PathBuf>,
        /// A trace to open: its model and inline scenario are used unless
        /// --model / --scenario are given.
        #[arg(long, value_name = "TRACE")]
        trace: Option<PathBuf>,
        #[arg(long, default_value_t = 3000)]
        port: u16,
    },
    /// Runs every model under every fault scenario and prints the matrix:
    /// which lock survives which fault.
    ///
    /// One row per model, one column per scenario (the standard faults, then
    /// the extra scenarios that are faults of their own). Each cell is an
    /// exhaustive check of the column's scenario: `ok`, or the properties
    /// that do not hold (`mutex ✗20`: mutual_exclusion violated, shortest
    /// counterexample 20 steps; `?` inconclusive: a search bound was hit and a
    /// seeded simulation of the same scenario found no violation; `mutex ✗~26`:
    /// the bound was hit and the simulation found a violation, not necessarily
    /// the shortest; `!` differs from the model's expectation). Writes
    /// <report-dir>/comparison.md (with a Mermaid diagram and replay command
    /// per counterexample), comparison.json and comparison.html (one
    /// self-contained page with a space-time diagram per counterexample), and
    /// the trace files under <report-dir>/traces/. Appends the table to
    /// $GITHUB_STEP_SUMMARY when that is set.
    ///
    /// Exit codes: 0 done (with --check: every verdict as expected); 1 with
    /// --check, some verdict differs from its expectation (each is named); 3
    /// with --check, some verdict is inconclusive; 4 bad input.
    Compare {
        /// Only this model (repeatable). Default: every model.
        #[arg(long = "model", value_name = "ID")]
        models: Vec<String>,
        /// Only this scenario (repeatable). Default: every standard scenario in
        /// --scenarios-dir, then every extra one that does not stand in for
        /// another.
        #[arg(long = "scenario", value_name = "FILE")]
        scenarios: Vec<PathBuf>,
        /// Only this property (repeatable). Naming deadlock_free or
        /// starvation_free checks it even where the scenario does not expect
        /// it.
        #[arg(long = "property", value_parser = parse_property)]
        properties: Vec<PropertyName>,
        /// Exit 1 if any verdict differs from the model's expectation (an
        /// unexpected violation, or an expected bug no longer found).
        #[arg(long)]
        check: bool,
        /// Also write JUnit XML here: a suite per scenario, a case per
        /// (model, property).
        #[arg(long, value_name = "FILE")]
        junit: Option<PathBuf>,
        /// Also estimate, per cell, the probability that a run violates each
        /// property, by seeded random simulation (with 95% intervals).
        #[arg(long)]
        estimate: bool,
        /// Simulated runs per cell for --estimate (default: each scenario's
        /// simulation.runs).
        #[arg(long, requires = "estimate")]
        runs: Option<u64>,
        /// The simulation seed for --estimate: a number or a commit hash.
        #[arg(long, default_value = "0", env = "LOCKCHECK_SEED")]
        seed: String,
        /// Where the reports and traces are written.
        #[arg(long, default_value = "reports")]
        report_dir: PathBuf,
        /// Write no report or trace files (print the matrix only).
        #[arg(long)]
        no_reports: bool,
        /// Print comparison.json on stdout instead of the matrix.
        #[arg(long)]
        json: bool,
        /// Threads: up to this many checks run at once, each searched by one
        /// thread (fewer checks share the threads). Results and reports are
        /// the same for any number.
        #[arg(long, default_value_t = default_threads())]
        threads: usize,
        /// Megabytes the whole comparison may use; the checks running at once
        /// share it equally (default: 80% of the memory available when the
        /// run starts). A check that reaches its share stops, inconclusive;
        /// the other cells keep their results.
        #[arg(long, value_name = "MB", value_parser = clap::value_parser!(u64).range(1..))]
        memory_max: Option<u64>,
        /// Where the models' expectation files (`<model file>.expect.json`)
        /// are. A model with no expectation for a scenario is reported as
        /// observed.
        #[arg(long, default_value = "models")]
        expectations_dir: PathBuf,
        /// Where scenario files are looked for.
        #[arg(long, default_value = "scenarios")]
        scenarios_dir: PathBuf,
        /// Search every state, not one per orbit under permutations of
        /// identical clients and servers (symmetry is used by default where
        /// the model declares it; verdicts and counterexample lengths are
        /// the same either way, state counts are not).
        #[arg(long)]
        no_symmetry: bool,
        /// Also run the scenarios marked `"tier": "on_demand"` (too large for
        /// the default run).
        #[arg(long)]
        on_demand: bool,
    },
    /// Measures the search engine against SPIN, and the world's cost over the
    /// bare engine, on one lock protocol.
    ///
    /// Runs, each in a fresh process and one search thread by default: (1)
    /// the abstract lock model of bench/peer/lock.pml (the same model as
    /// bench/peer/Lock.tla) on lockcheck's engine, to the end of its space;
    /// (2) redis_set_px under bench/world-lock.json, the closest world, with
    /// the same clients and horizon, stopped at a state cap (by default the
    /// peer model's state count); (3) when `spin` and `gcc` are on PATH, SPIN
    /// on lock.pml, whose state and transition counts must equal (1)'s.
    /// Prints states, transitions, CPU and wall seconds of the search, states
    /// and transitions per CPU second, bytes per state (peak RSS growth /
    /// states), and the ratios. Each search runs --repeat times, interleaved;
    /// the medians are reported.
    ///
    /// Exit codes: 0 done (SPIN agreed or was skipped); 1 SPIN's counts
    /// differ from lockcheck's; 4 a search, or SPIN, failed to run.
    Bench {
        /// Clients (1 to 8; default 8).
        #[arg(long, value_parser = clap::value_parser!(u8).range(1..=8))]
        clients: Option<u8>,
        /// The clock horizon MAXT in ticks (1 to 250; default 30).
        #[arg(long, value_parser = clap::value_parser!(u8).range(1..=250))]
        horizon: Option<u8>,
        /// A small configuration, N=3 MAXT=10, that runs in a few seconds (too
        /// small for meaningful ratios).
        #[arg(long, conflicts_with_all = ["clients", "horizon"])]
        quick: bool,
        /// Runs of each search; the medians are reported.
        #[arg(long, default_value_t = 3, value_parser = clap::value_parser!(u64).range(1..=99))]
        repeat: u64,
        /// Search threads for lockcheck's searches (SPIN's pan is
        /// single-threaded).
        #[arg(long, default_value_t = 1)]
        threads: usize,
        /// Stop the world's search at this many states (default: the peer
        /// model's state count at the same size).
        #[arg(long, value_name = "N")]
        world_states_max: Option<u64>,
        /// Do not run SPIN even when it is installed.
        #[arg(long)]
        no_spin: bool,
        /// Print one JSON report on stdout instead of text.
        #[arg(long)]
        json: bool,
    },
    /// One measured search of `bench`, run in its own process; prints the
    /// measurement as JSON.
    #[command(hide = true)]
    BenchRun {
        #[arg(long)]
        target: String,
        #[arg(long)]
        clients: u8,
        #[arg(long)]
        horizon: u8,
        #[arg(long)]
        states_max: Option<u64>,
        #[arg(long, default_value_t = 1)]
        threads: usize,
    },
    /// Lists the models, their parameters, the properties and the scenarios.
    List {
        /// Where the models' expectation files (`<model file>.expect.json`)
        /// are. A model with no expectation for a scenario is reported as
        /// observed.
        #[arg(long, default_value = "models")]
        expectations_dir: PathBuf,
        /// Where the scenario files are.
        #[arg(long, default_value = "scenarios")]
        scenarios_dir: PathBuf,
    },
    /// Exhaustively checks models under scenarios and compares the verdicts
    /// with what each model expects.
    ///
    /// With no arguments, checks every model under every standard scenario in
    /// --scenarios-dir, and under each other scenario the models with an
    /// expectation for it (models/<file>.expect.json). --scenario and --model
    /// narrow that down; a scenario named with --scenario that no model
    /// expects runs every model, and its verdicts are reported as observed.
    /// A single model under a single scenario prints each counterexample as a
    /// timeline.
    Check {
        /// A model id (see `lockcheck list`); repeatable. Default: every model
        /// under a standard scenario, the models expecting it under another.
        #[arg(long = "model", value_name = "ID")]
        models: Vec<String>,
        /// A scenario file; repeatable. Default: every *.json in --scenarios-dir.
        #[arg(long = "scenario", value_name = "FILE")]
        scenarios: Vec<PathBuf>,
        /// Report only this property (mutual_exclusion, resource_safe,
        /// lock_acquired, progress, deadlock_free, starvation_free). The
        /// liveness properties (deadlock_free, starvation_free) are checked
        /// when the model expects a verdict on them or when named here.
        #[arg(long, value_parser = parse_property)]
        property: Option<PropertyName>,
        /// Stop after this many unique states (overrides limits.states_max).
        #[arg(long)]
        states_max: Option<u64>,
        /// Do not search deeper than this many steps (overrides limits.depth_max).
        #[arg(long)]
        depth_max: Option<u32>,
        /// Give up after this many seconds (overrides limits.seconds_max).
        #[arg(long)]
        seconds_max: Option<u64>,
        /// When a bound stops the search before it decides a property, run
        /// this many seeded random runs of the same scenario looking for a
        /// violation of it (default: the scenario's simulation.runs; 0: none).
        /// A violation found this way is real and replays, but is not
        /// necessarily the shortest; finding none leaves it inconclusive.
        #[arg(long, value_name = "RUNS")]
        simulation_runs: Option<u64>,
        /// Stop a search that holds this many megabytes (overrides
        /// limits.memory_mb; default: 80% of the memory available when the
        /// run starts). A search that reaches it is inconclusive (exit 3).
        #[arg(long, value_name = "MB", value_parser = clap::value_parser!(u64).range(1..))]
        memory_max: Option<u64>,
        /// Search threads. Results are the same for any number.
        #[arg(long, default_value_t = default_threads())]
        threads: usize,
        /// Where counterexample traces are written (under traces/).
        #[arg(long, default_value = "reports")]
        report_dir: PathBuf,
        /// Write no trace files.
        #[arg(long)]
        no_traces: bool,
        /// Print counterexample timelines even when checking several runs.
        #[arg(long)]
        timelines: bool,
        /// Print one JSON array of reports on stdout instead of text.
        #[arg(long)]
        json: bool,
        /// Where the models' expectation files (`<model file>.expect.json`)
        /// are. A model with no expectation for a scenario is reported as
        /// observed.
        #[arg(long, default_value = "models")]
        expectations_dir: PathBuf,
        /// Where scenario files are looked for when no --scenario is given.
        #[arg(long, default_value = "scenarios")]
        scenarios_dir: PathBuf,
        /// Search every state, not one per orbit under permutations of
        /// identical clients and servers (symmetry is used by default where
        /// the model declares it; verdicts and counterexample lengths are
        /// the same either way, state counts are not).
        #[arg(long)]
        no_symmetry: bool,
        /// Also run the scenarios marked `"tier": "on_demand"` (too large for
        /// the default run).
        #[arg(long)]
        on_demand: bool,
    },
    /// Sweeps a lease-based lock's numbers (the TTL, the longest pause, clock
    /// drift, network delay) over a grid and reports, per safety property,
    /// where it stops holding.
    ///
    /// Every grid point is the base scenario with the axes set, checked
    /// exhaustively. Prints a table per property (rows: the first axis,
    /// columns: the second; ✓ holds, ✗k violated with a shortest
    /// counterexample of k steps, ? inconclusive) and a one-line statement of
    /// the boundary, a formula checked against every decided point when a
    /// simple one fits. Writes <report-dir>/frontier/<model>.json, .svg and
    /// .html.
    ///
    /// Axes: any parameter the model reads (ttl_ticks, retry_ticks, ...; see
    /// `lockcheck list`) and the world's knobs pause_ticks_max (0: no pause),
    /// drift_percent_max, skew_ticks_max, delay_ticks_max. Without --axis:
    /// ttl_ticks=2..12 × pause_ticks_max=0..12 (pause_ticks_max=0..12 alone
    /// for a model without a TTL). Without --scenario the base is a built-in
    /// copy of scenarios/gc-pause.json, or of scenarios/clock-drift.json when
    /// a clock knob is swept without the pause.
    ///
    /// Exit codes: 0 every point decided; 3 some point is inconclusive (a
    /// search bound was reached: no boundary is claimed across it); 4 bad
    /// input (an unknown model, an axis the model does not read, a malformed
    /// range, an invalid scenario). A violation is a finding, not a failure.
    Frontier {
        /// A model id (see `lockcheck list`).
        #[arg(long, value_name = "ID")]
        model: String,
        /// The base scenario (default: built in, see above).
        #[arg(long, value_name = "FILE")]
        scenario: Option<PathBuf>,
        /// An axis to sweep, NAME=LO..HI[:STEP] (inclusive), e.g.
        /// ttl_ticks=2..8; at most two. The first gives the rows.
        #[arg(long = "axis", value_name = "NAME=LO..HI[:STEP]")]
        axes: Vec<String>,
        /// Report only this safety property (mutual_exclusion or
        /// resource_safe); default both.
        #[arg(long, value_parser = parse_property)]
        property: Option<PropertyName>,
        /// Stop each point's search after this many unique states
        /// (overrides the base scenario's limits.states_max).
        #[arg(long)]
        states_max: Option<u64>,
        /// Give up on a point after this many seconds (overrides
        /// limits.seconds_max).
        #[arg(long)]
        seconds_max: Option<u64>,
        /// Megabytes the whole sweep may use; the points checked at once
        /// share it equally (default: 80% of the memory available when the
        /// run starts). A point that reaches its share is inconclusive.
        #[arg(long, value_name = "MB", value_parser = clap::value_parser!(u64).range(1..))]
        memory_max: Option<u64>,
        /// Points checked at once. Results are the same for any number.
        #[arg(long, default_value_t = default_threads())]
        threads: usize,
        /// Where the frontier files go (under frontier/).
        #[arg(long, default_value = "reports")]
        report_dir: PathBuf,
        /// Print the report as one JSON object on stdout instead of text.
        #[arg(long)]
        json: bool,
    },
}

fn default_threads() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

fn parse_property(s: &str) -> Result<PropertyName, String> {
    PropertyName::parse(s).ok_or_else(|| {
        let names: Vec<&str> = PropertyName::every().map(|p| p.as_str()).collect();
        format!(
            "unknown property `{s}`, expected one of: {}",
            names.join(", ")
        )
    })
}

fn main() -> ExitCode {
    // Like other command-line tools, end quietly when the reader of stdout
    // goes away (`lockcheck export ... | head`) instead of panicking.
    #[cfg(unix)]
    // SAFETY: restoring the default action of SIGPIPE before any thread
    // starts touches no Rust state.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
    let cli = Cli::parse();
    let code = match cli.command {
        Command::Bench {
            clients,
            horizon,
            quick,
            repeat,
            threads,
            world_states_max,
            no_spin,
            json,
        } => {
            let (default_clients, default_horizon) = if quick { (3, 10) } else { (8, 30) };
            bench(
                &lockcheck::bench::BenchOptions {
                    clients: clients.unwrap_or(default_clients),
                    horizon: horizon.unwrap_or(default_horizon),
                    repeat: repeat as usize,
                    threads: threads.max(1),
                    world_states_max,
                    no_spin,
                },
                json,
            )
        }
        Command::BenchRun {
            target,
            clients,
            horizon,
            states_max,
            threads,
        } => bench_run(&target, clients, horizon, states_max, threads),
        Command::List {
            scenarios_dir,
            expectations_dir,
        } => list(&scenarios_dir, &expectations_dir),
        Command::Replay { trace, step } => replay(&trace, step),
        Command::Explore {
            model,
            scenario,
            trace,
            port,
        } => explore(model, scenario, trace, port),
        Command::Export {
            trace,
            format,
            output,
        } => export(&trace, format, output.as_deref()),
        Command::Simulate {
            model,
            scenario,
            seed,
            runs,
            shard,
            fault_percent,
            steps_max,
            threads,
            report_dir,
            no_traces,
            json,
            expectations_dir,
        } => simulate(SimulateArgs {
            model,
            scenario,
            seed,
            runs,
            shard,
            fault_percent,
            steps_max,
            threads,
            report_dir: (!no_traces).then_some(report_dir),
            json,
            expectations_dir,
        }),
        Command::Compare {
            models,
            scenarios,
            properties,
            check,
            junit,
            estimate,
            runs,
            seed,
            report_dir,
            no_reports,
            json,
            threads,
            memory_max,
            scenarios_dir,
            expectations_dir,
            on_demand,
            no_symmetry,
        } => compare(CompareArgs {
            selection: lockcheck::compare::Selection {
                models,
                scenarios,
                properties,
                scenarios_dir,
                on_demand,
                expectations: match load_expectations(&expectations_dir) {
                    Ok(e) => e,
                    Err(code) => return ExitCode::from(code),
                },
            },
            check,
            junit,
            estimate: estimate.then_some((runs, seed)),
            report_dir: (!no_reports).then_some(report_dir),
            json,
            threads,
            memory_max,
            symmetry: !no_symmetry,
        }),
        Command::Check {
            models,
            scenarios,
            property,
            states_max,
            depth_max,
            seconds_max,
            simulation_runs,
            memory_max,
            threads,
            report_dir,
            no_traces,
            timelines,
            json,
            scenarios_dir,
            expectations_dir,
            on_demand,
            no_symmetry,
        } => {
            let expectations = match load_expectations(&expectations_dir) {
                Ok(e) => e,
                Err(code) => return ExitCode::from(code),
            };
            let mut reproduce_flags = Vec::new();
            if no_symmetry {
                reproduce_flags.push("--no-symmetry".to_string());
            }
            if let Some(n) = states_max {
                reproduce_flags.push(format!("--states-max {n}"));
            }
            if let Some(n) = depth_max {
                reproduce_flags.push(format!("--depth-max {n}"));
            }
            if let Some(n) = seconds_max {
                reproduce_flags.push(format!("--seconds-max {n}"));
            }
            if let Some(n) = memory_max {
                reproduce_flags.push(format!("--memory-max {n}"));
            }
            run_checks(CheckArgs {
                models,
                scenarios,
                property,
                overrides: (states_max, depth_max, seconds_max, memory_max),
                threads: threads.max(1),
                report_dir: (!no_traces).then_some(report_dir),
                timelines,
                json,
                scenarios_dir,
                expectations,
                on_demand,
                reproduce_flags,
                simulation_runs,
                symmetry: !no_symmetry,
            })
        }
        Command::Frontier {
            model,
            scenario,
            axes,
            property,
            states_max,
            seconds_max,
            memory_max,
            threads,
            report_dir,
            json,
        } => frontier(FrontierArgs {
            model,
            scenario,
            axes,
            property,
            states_max,
            seconds_max,
            memory_max,
            threads,
            report_dir,
            json,
        }),
    };
    ExitCode::from(code)
}

struct SimulateArgs {
    model: String,
    scenario: PathBuf,
    seed: String,
    runs: Option<u64>,
    shard: String,
    fault_percent: Option<u32>,
    steps_max: Option<usize>,
    threads: usize,
    report_dir: Option<PathBuf>,
    json: bool,
    expectations_dir: PathBuf,
}

fn simulate(args: SimulateArgs) -> u8 {
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

fn export(
    path: &Path,
    format: lockcheck::trace::export::ExportFormat,
    output: Option<&Path>,
) -> u8 {
    let (trace, entry) = match load_trace(path) {
        Ok(loaded) => loaded,
        Err(code) => return code,
    };
    let text = match (entry.export)(path, &trace, format) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("error: the trace does not fit the model: {e}");
            return exit::BAD_INPUT;
        }
    };
    match output {
        Some(file) => {
            if let Err(e) = std::fs::write(file, text) {
                eprintln!("error: cannot write {}: {e}", file.display());
                return exit::BAD_INPUT;
            }
            eprintln!("wrote {}", file.display());
        }
        None => print!("{text}"),
    }
    exit::OK
}

fn explore(
    model: Option<String>,
    scenario: Option<PathBuf>,
    trace: Option<PathBuf>,
    port: u16,
) -> u8 {
    let bad = |message: String| {
        eprintln!("error: {message}");
        exit::BAD_INPUT
    };
    let trace = match trace.as_deref().map(lockcheck::trace::read).transpose() {
        Ok(t) => t,
        Err(e) => return bad(e.to_string()),
    };
    let (scenario, scenario_file) = match (scenario, &trace) {
        (Some(file), _) => match Scenario::load(&file) {
            Ok(s) => (s, file),
            Err(e) => return bad(e.to_string()),
        },
        (None, Some(t)) => (t.scenario.clone(), t.scenario_file.clone()),
        (None, None) => return bad("give --scenario or --trace".into()),
    };
    let Some(id) = model.or_else(|| trace.as_ref().map(|t| t.model.clone())) else {
        return bad("give --model or --trace".into());
    };
    let entry = match registry::lookup(&id) {
        Ok(e) => e,
        Err(e) => return bad(e),
    };
    let steps = match &trace {
        Some(t) => match (entry.explorer_path)(t) {
            Ok(p) => Some(p),
            Err(e) => return bad(format!("the trace does not fit the model: {e}")),
        },
        None => None,
    };
    let address = format!("localhost:{port}");
    println!(
        "Explorer for {id} under {} at http://{address}/ (Ctrl-C to stop)",
        scenario_file.display()
    );
    if let Some(p) = steps {
        println!("the trace's path: http://{address}/#/steps/{p}");
    }
    match (entry.explore)(&id, &scenario, &address) {
        Ok(()) => exit::OK,
        Err(e) => bad(e),
    }
}

/// Reads a trace and finds its model, or says why not (exit code 4).
fn load_trace(path: &Path) -> Result<(lockcheck::trace::TraceFile, registry::ModelEntry), u8> {
    let trace = lockcheck::trace::read(path).map_err(|e| {
        eprintln!("error: {e}");
        exit::BAD_INPUT
    })?;
    match registry::find(&trace.model) {
        Some(entry) => Ok((trace, entry)),
        None => {
            eprintln!(
                "error: {}: the trace is of model `{}`, which this lockcheck does not have",
                path.display(),
                trace.model
            );
            Err(exit::BAD_INPUT)
        }
    }
}

fn replay(path: &Path, detail: bool) -> u8 {
    let (trace, entry) = match load_trace(path) {
        Ok(loaded) => loaded,
        Err(code) => return code,
    };
    println!(
        "replaying {}: model={} scenario={} property={} ({} steps, recorded by lockcheck {})",
        path.display(),
        trace.model,
        Scenario::name_of(&trace.scenario_file),
        trace.property,
        trace.actions.len(),
        trace.lockcheck_version
    );
    let report = match (entry.replay)(path, &trace, detail) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: the trace does not fit the model: {e}");
            return exit::BAD_INPUT;
        }
    };
    print!(
        "{}",
        check::render_lasso_rows(&report.rows, report.details.as_deref(), report.loop_start)
    );
    match report.outcome {
        ReplayOutcome::Reproduced => {
            println!(
                "REPRODUCED: {} is violated after step {}, as recorded.",
                report.property, report.steps
            );
            exit::OK
        }
        ReplayOutcome::NoLongerViolated { difference } => {
            println!(
                "NOT REPRODUCED: every step replays, but {} now holds after step {}: the bug was fixed.",
                report.property, report.steps
            );
            if let Some(d) = difference {
                println!("  the last step now differs from the recording: {d}");
            }
            exit::UNEXPECTED
        }
    }
}

use lockcheck::compare::scenario_files;

fn list(scenarios_dir: &Path, expectations_dir: &Path) -> u8 {
    let expectations = match load_expectations(expectations_dir) {
        Ok(e) => e,
        Err(code) => return code,
    };
    println!("Models:");
    let entries = registry::all();
    let width = entries.iter().map(|m| m.id.len()).max().unwrap_or(0);
    for m in &entries {
        println!("  {:<width$}  {}", m.id, m.summary);
    }
    println!("\nParameters (the scenario's `params`):");
    let mut seen = std::collections::BTreeMap::new();
    for m in &entries {
        for p in m.params {
            seen.entry(p.name)
                .or_insert_with(|| (p.meaning, Vec::new()))
                .1
                .push(m.id);
        }
    }
    for (name, (meaning, users)) in &seen {
        println!("  {name:<22}  {meaning}");
        println!("  {:<22}  read by: {}", "", users.join(", "));
    }
    println!("\nProperties:");
    for p in PropertyName::every() {
        println!("  {:<16}  {}", p.as_str(), p.claim());
    }
    println!("\nScenarios (in {}):", scenarios_dir.display());
    let files = match scenario_files(scenarios_dir) {
        Ok(f) => f,
        Err(e) => {
            eprintln!("error: {e}");
            return exit::BAD_INPUT;
        }
    };
    let mut code = exit::OK;
    for file in files {
        match Scenario::load(&file) {
            Ok(s) => {
                let models: Vec<String> = if s.tier == Tier::Standard {
                    vec!["every model".to_string()]
                } else {
                    expectations.models_for(&Scenario::name_of(&file))
                };
                let tier = match s.tier {
                    Tier::Standard => "",
                    Tier::Extra => "[extra] ",
                    Tier::OnDemand => "[on demand] ",
                };
                println!(
                    "  {:<16}  {tier}{}",
                    Scenario::name_of(&file),
                    s.description
                );
                println!("  {:<16}  models: {}", "", models.join(", "));
            }
            Err(e) => {
                println!("  {:<16}  INVALID: {e}", Scenario::name_of(&file));
                code = exit::BAD_INPUT;
            }
        }
    }
    code
}

struct CheckArgs {
    models: Vec<String>,
    scenarios: Vec<PathBuf>,
    property: Option<PropertyName>,
    overrides: (Option<u64>, Option<u32>, Option<u64>, Option<u64>),
    threads: usize,
    report_dir: Option<PathBuf>,
    timelines: bool,
    json: bool,
    scenarios_dir: PathBuf,
    expectations: Expectations,
    on_demand: bool,
    reproduce_flags: Vec<String>,
    simulation_runs: Option<u64>,
    symmetry: bool,
}

/// The models' expectations in `dir` (none if it does not exist), or the
/// exit code after printing why they cannot be read.
fn load_expectations(dir: &Path) -> Result<Expectations, u8> {
    Expectations::load_if_present(dir).map_err(|e| {
        eprintln!("error: {e}");
        exit::BAD_INPUT
    })
}

fn run_checks(args: CheckArgs) -> u8 {
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
        // Every model runs under a standard scenario; under another, the
        // models with an expectation for it, or, for a scenario named on the
        // command line that no model expects, every model.
        let expected = args.expectations.models_for(&Scenario::name_of(file));
        let everyone =
            scenario.tier == Tier::Standard || (explicit_scenarios && expected.is_empty());
        let candidates: Vec<String> = if everyone {
            registry::all().iter().map(|m| m.id.to_string()).collect()
        } else {
            expected
        };
        let ids: Vec<String> = if args.models.is_empty() {
            candidates
        } else if explicit_scenarios {
            args.models.clone()
        } else {
            args.models
                .iter()
                .filter(|id| candidates.contains(id))
                .cloned()
                .collect()
        };
        for id in ids {
            runs.push((file.clone(), scenario, id));
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
                .property
                .filter(|p| p.kind() == lockcheck::properties::PropertyKind::Liveness)
                .into_iter()
                .collect(),
            simulation_runs: args.simulation_runs,
            symmetry: args.symmetry,
        };
        let started = Instant::now();
        let mut report = match entry.run(scenario, &file, &expected, &options) {
            Ok(r) => r,
            Err(e) => {
                eprintln!("error: {e}");
                return exit::BAD_INPUT;
            }
        };
        if let Some(p) = args.property {
            report.properties.retain(|r| r.property == p);
        }
        // Timing goes to stderr so that stdout is the same on every run.
        eprintln!(
            "checked {id} under {} in {:.1} s",
            report.scenario,
            started.elapsed().as_secs_f64()
        );
        if !report.all_as_expected() {
            let decided_mismatch = report
                .properties
                .iter()
                .any(|p| !p.as_expected() && !matches!(p.verdict, Verdict::Inconclusive { .. }));
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
    code
}

/// The safety frontiers `lockcheck frontier` wrote under `dir/frontier/`, as
/// Markdown and HTML sections for the comparison reports, in model order.
/// Each says which command wrote it, since the comparison does not rerun it.
fn frontier_sections(dir: &Path) -> Result<(Vec<String>, Vec<String>), String> {
    use lockcheck::frontier;
    let folder = dir.join("frontier");
    let Ok(entries) = std::fs::read_dir(&folder) else {
        return Ok((Vec::new(), Vec::new()));
    };
    let mut files: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    let (mut md, mut html) = (Vec::new(), Vec::new());
    for file in files {
        let text = std::fs::read_to_string(&file)
            .map_err(|e| format!("{}: cannot read: {e}", file.display()))?;
        let report: frontier::FrontierReport = serde_json::from_str(&text).map_err(|e| {
            format!(
                "{}:{}:{}: not a frontier report: {e}",
                file.display(),
                e.line(),
                e.column()
            )
        })?;
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
    Ok((md, html))
}

struct CompareArgs {
    selection: lockcheck::compare::Selection,
    check: bool,
    junit: Option<PathBuf>,
    /// `(runs, seed)` with --estimate.
    estimate: Option<(Option<u64>, String)>,
    report_dir: Option<PathBuf>,
    json: bool,
    threads: usize,
    memory_max: Option<u64>,
    symmetry: bool,
}

/// The command a report says produced it: the options that change its
/// content, not --threads or where it was written.
fn compare_command(args: &CompareArgs) -> String {
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

fn compare(args: CompareArgs) -> u8 {
    use lockcheck::compare;
    use std::io::IsTerminal;

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
        print!("{}", compare::render_matrix(&comparison));
        println!("\n{}\n", compare::LEGEND);
        print!("{}", compare::render_mismatches(&comparison));
        println!("{}", compare::render_summary(&comparison));
    }

    let mut writes: Vec<(PathBuf, String)> = Vec::new();
    if let Some(dir) = &args.report_dir {
        let (md_sections, html_sections) = match frontier_sections(dir) {
            Ok(s) => s,
            Err(e) => {
                eprintln!("error: {e}");
                return exit::BAD_INPUT;
            }
        };
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
        if let Err(e) = std::fs::write(path, text) {
            eprintln!("error: cannot write {}: {e}", path.display());
            return exit::BAD_INPUT;
        }
        if !args.json {
            println!("wrote {}", path.display());
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

struct FrontierArgs {
    model: String,
    scenario: Option<PathBuf>,
    axes: Vec<String>,
    property: Option<PropertyName>,
    states_max: Option<u64>,
    seconds_max: Option<u64>,
    memory_max: Option<u64>,
    threads: usize,
    report_dir: PathBuf,
    json: bool,
}

fn frontier(args: FrontierArgs) -> u8 {
    use lockcheck::frontier::{self, FrontierOptions};
    let bad = |message: String| {
        eprintln!("error: {message}");
        exit::BAD_INPUT
    };
    let entry = match registry::lookup(&args.model) {
        Ok(e) => e,
        Err(e) => return bad(e),
    };
    let axes = if args.axes.is_empty() {
        frontier::default_axes(&entry)
    } else {
        match args
            .axes
            .iter()
            .map(|a| frontier::parse_axis(a))
            .collect::<Result<Vec<_>, _>>()
        {
            Ok(a) => a,
            Err(e) => return bad(e),
        }
    };
    if let Err(e) = frontier::validate_axes(&entry, &axes) {
        return bad(e);
    }
    let (base_file, base) = match &args.scenario {
        Some(file) => match Scenario::load(file) {
            Ok(s) => (file.clone(), s),
            Err(e) => return bad(e.to_string()),
        },
        None => match frontier::default_base(&axes) {
            Ok(b) => b,
            Err(e) => return bad(e),
        },
    };
    let options = FrontierOptions {
        axes,
        properties: args.property.into_iter().collect(),
        threads: args.threads.max(1),
        states_max: args.states_max,
        seconds_max: args.seconds_max,
        memory_max: args.memory_max,
    };
    let points: usize = options.axes.iter().map(|a| a.values().len()).product();
    let bar = indicatif::ProgressBar::new(points as u64);
    bar.set_style(
        indicatif::ProgressStyle::with_template("{msg} [{bar:30}] {pos}/{len} points, {elapsed}")
            .expect("a valid template")
            .progress_chars("=> "),
    );
    bar.set_message(format!("frontier of {}", entry.id));
    let started = Instant::now();
    let result = frontier::run(&entry, &base, &base_file, &options, &mut |done, _| {
        bar.set_position(done as u64)
    });
    bar.finish_and_clear();
    let report = match result {
        Ok(r) => r,
        Err(e) => return bad(e),
    };
    // Timing goes to stderr so that stdout is the same on every run.
    eprintln!(
        "swept {} points of {} in {:.1} s",
        report.points.len(),
        report.model,
        started.elapsed().as_secs_f64()
    );
    let dir = args.report_dir.join("frontier");
    let json = match serde_json::to_string_pretty(&report) {
        Ok(j) => j,
        Err(e) => return bad(format!("cannot serialize the report: {e}")),
    };
    let files = [
        (
            dir.join(format!("{}.json", report.model)),
            format!("{json}\n"),
        ),
        (
            dir.join(format!("{}.svg", report.model)),
            frontier::render_svg(&report),
        ),
        (
            dir.join(format!("{}.html", report.model)),
            frontier::render_html_page(&report),
        ),
    ];
    if let Err(e) = std::fs::create_dir_all(&dir) {
        return bad(format!("cannot create {}: {e}", dir.display()));
    }
    for (file, text) in &files {
        if let Err(e) = std::fs::write(file, text) {
            return bad(format!("cannot write {}: {e}", file.display()));
        }
    }
    if args.json {
        println!("{json}");
    } else {
        print!("{}", frontier::render_text(&report));
        for (file, _) in &files {
            println!("wrote {}", file.display());
        }
    }
    if report.any_inconclusive() {
        exit::INCONCLUSIVE
    } else {
        exit::OK
    }
}

fn bench(options: &lockcheck::bench::BenchOptions, json: bool) -> u8 {
    use lockcheck::bench::{self, SpinReport};
    let report = match bench::run(options, &mut |line| eprintln!("{line}")) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: {e}");
            return exit::BAD_INPUT;
        }
    };
    if json {
        match serde_json::to_string_pretty(&report) {
            Ok(text) => println!("{text}"),
            Err(e) => {
                eprintln!("error: cannot serialize the report: {e}");
                return exit::BAD_INPUT;
            }
        }
    } else {
        print!("{}", bench::render_text(&report));
    }
    match report.spin {
        SpinReport::Ran {
            counts_match: false,
            ..
        } => exit::UNEXPECTED,
        SpinReport::Failed { .. } => exit::BAD_INPUT,
        _ => exit::OK,
    }
}

fn bench_run(
    target: &str,
    clients: u8,
    horizon: u8,
    states_max: Option<u64>,
    threads: usize,
) -> u8 {
    use lockcheck::bench;
    let Some(target) = bench::Target::parse(target) else {
        eprintln!("error: unknown target `{target}`, expected peer or world");
        return exit::BAD_INPUT;
    };
    match bench::measure(target, clients, horizon, states_max, threads) {
        Ok(m) => match serde_json::to_string(&m) {
            Ok(text) => {
                println!("{text}");
                exit::OK
            }
            Err(e) => {
                eprintln!("error: cannot serialize the measurement: {e}");
                exit::BAD_INPUT
            }
        },
        Err(e) => {
            eprintln!("error: {e}");
            exit::BAD_INPUT
        }
    }
}
