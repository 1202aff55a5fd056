//! The command line: its arguments (clap), one module per command, and the
//! exit codes they share.

mod bench;
mod check;
mod compare;
mod frontier;
mod host_guard;
mod list;
mod simulate;
mod trace;

use std::path::{Path, PathBuf};

use clap::{Parser, Subcommand};

use lockcheck::expectations::Expectations;
use lockcheck::properties::PropertyName;

use bench::{bench, bench_run};
use check::{CheckArgs, run_checks};
use compare::{CompareArgs, compare};
use frontier::{FrontierArgs, frontier};
use list::list;
use simulate::{SimulateArgs, simulate};
use trace::{explore, export, replay};

/// Where `check`, `simulate`, `compare` and `frontier` write by default:
/// under cargo's `target/`, which git ignores, so that a local run never
/// changes the committed results in [`COMMITTED_REPORT_DIR`].
const LOCAL_REPORT_DIR: &str = "target/lockcheck";

/// The results committed with the project, written only when asked
/// (`--update-reports`).
const COMMITTED_REPORT_DIR: &str = "reports";

/// The report directory of a command that can update the committed results.
fn report_dir_of(report_dir: Option<PathBuf>, update_reports: bool) -> PathBuf {
    match (report_dir, update_reports) {
        (_, true) => PathBuf::from(COMMITTED_REPORT_DIR),
        (Some(dir), false) => dir,
        (None, false) => PathBuf::from(LOCAL_REPORT_DIR),
    }
}

/// `--expectations-dir`, shared by the commands that read expectations.
#[derive(clap::Args, Debug)]
struct ExpectationsDir {
    /// Where the models' expectation files (`<model file>.expect.json`)
    /// are. A model with no expectation for a scenario is reported as
    /// observed.
    #[arg(long, default_value = "models")]
    expectations_dir: PathBuf,
}

/// `--scenarios-dir`, shared by the commands that find scenarios.
#[derive(clap::Args, Debug)]
struct ScenariosDir {
    /// Where the scenario files are: the ones run when no --scenario is
    /// given, and the ones `list` shows.
    #[arg(long, default_value = "scenarios")]
    scenarios_dir: PathBuf,
}

/// How the search runs, shared by `check` and `compare`.
#[derive(clap::Args, Debug)]
struct SearchFlags {
    /// Search every state, not one per orbit under permutations of
    /// identical clients and servers (symmetry is used by default where
    /// the model declares it; verdicts and counterexample lengths are
    /// the same either way, state counts are not).
    #[arg(long)]
    no_symmetry: bool,
    /// Keep request ids as they are, instead of renumbering each
    /// client's ids (its outstanding request's, its stale ones, its
    /// next one) so that states differing only in them count once
    /// (used by default where the model keeps its ids in
    /// `node::Requests`; verdicts and counterexample lengths are the
    /// same either way, state counts are not).
    #[arg(long)]
    no_renumber_ids: bool,
    /// Keep every instant and nonce the model holds as it is, instead of
    /// merging the instants that have passed for good (an expiry long
    /// gone) and renumbering each client's nonces (values drawn once per
    /// acquisition), so that states differing only in how long ago
    /// something expired, or in how many values a client drew before,
    /// count once (used by default where the model keeps its times as
    /// `node::Instant`s; verdicts and counterexample lengths are the same
    /// either way, state counts are not).
    #[arg(long)]
    no_time_merge: bool,
    /// Build the liveness graph one state per orbit of identical clients
    /// (and servers), where at most six permutations apply, and unfold it
    /// into the real graph: the same states, edges and verdicts for fewer
    /// steps of the model. A lasso may differ from the one the graph
    /// built state by state reports (same verdict, another loop).
    #[arg(long)]
    liveness_orbits: bool,
    /// Also run the scenarios marked `"tier": "on_demand"` (too large for
    /// the default run).
    #[arg(long)]
    on_demand: bool,
}

/// Exit codes, as documented in the README.
pub(crate) mod exit {
    pub const OK: u8 = 0;
    pub const UNEXPECTED: u8 = 1;
    pub const INCONCLUSIVE: u8 = 3;
    pub const BAD_INPUT: u8 = 4;
    /// Ctrl-C: what was decided before it is printed and written.
    pub const INTERRUPTED: u8 = 130;
}

/// On Ctrl-C, running searches stop at their next poll and end
/// inconclusive, searches not yet started stop at once, and the command
/// prints and writes what it has, then exits with [`exit::INTERRUPTED`]. A
/// second Ctrl-C quits at once.
pub(crate) fn finish_on_interrupt() {
    let installed = ctrlc::set_handler(|| {
        if lockcheck::engine::interrupt::requested() {
            std::process::exit(exit::INTERRUPTED.into());
        }
        lockcheck::engine::interrupt::request();
        eprintln!(
            "\ninterrupted: stopping the searches and writing what is decided (Ctrl-C again quits at once)"
        );
    });
    if let Err(e) = installed {
        eprintln!("warning: Ctrl-C will not write partial results: {e}");
    }
}

/// `code`, unless the run was interrupted.
pub(crate) fn unless_interrupted(code: u8) -> u8 {
    if lockcheck::engine::interrupt::requested() {
        exit::INTERRUPTED
    } else {
        code
    }
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
        expectation); 1 a verdict differs from the model's expectation; 2 usage error; 3 a verdict is inconclusive; 4 unreadable or invalid input; 130 interrupted by Ctrl-C (what was decided is still printed and written). \
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
        /// A trace written by `check` (target/lockcheck/traces/*.json, or
        /// under the --report-dir it was given).
        trace: PathBuf,
        /// Print the whole initial state (every node, timer and message in
        /// flight), then under each step what it changed: `~ c2: step:
        /// Acquiring → Sleeping` for a changed field, `+`/`-` for a message
        /// sent or gone (delivered or lost).
        #[arg(long)]
        step: bool,
        /// Also replay it on real servers, one process per server of the
        /// trace on a loopback port with a fake wall clock: each gets every
        /// request the trace delivers to it, over its client's own
        /// connection, at the step and clock reading that delivers it; a
        /// crash kills the process and a restart starts it again.
        /// `redis-server` (the Debian package's, or `LOCKCHECK_REDIS_SERVER`)
        /// for the single-instance Redis locks and Redlock; `postgres`
        /// (Debian's newest, or `LOCKCHECK_POSTGRES_BIN`) for the database
        /// locks; `zookeeper` (Debian's, on `java`) for the ZooKeeper locks,
        /// each session of the trace a real one, which the replay lets
        /// expire where the trace's server expires it; `etcd` (Debian's
        /// `etcd-server`, or `LOCKCHECK_ETCD`) for the etcd locks, each
        /// lease a real one, let expire likewise. On Redis and
        /// PostgreSQL the protected counter is real too, fenced as the
        /// world's, and the replay says how many updates it lost.
        /// `lockcheck list` names each model's server. A lasso runs
        /// unrolled in real time: its stem, then its loop three times over.
        /// Exit codes: 0 the server answered every request as the model
        /// does, so the violation happens on it; 1 it answered one
        /// differently (the model and the server disagree); 3 the server
        /// could not be started (or, given by URL, reached); 4 bad input, a trace of a model whose
        /// servers are not that program, or a
        /// `redlock_delayed_restart` trace that restarts a master.
        ///
        /// Or Redis servers you run: `--against redis://HOST:PORT[/DB]`
        /// (Redlock: one URL per master, comma-separated, in the trace's
        /// order) sends the trace's requests to them in real time, paced by
        /// the trace's readings of its servers' clocks (see --tick-ms), on
        /// keys under --key-prefix, which the replay deletes first. A server
        /// you run cannot be crashed or have its clock set, so a trace whose
        /// server crashes, restarts or has its clock go back, or whose
        /// servers' clocks drift apart in a way real clocks cannot follow,
        /// is refused (exit 4); a replay that falls behind its schedule ends
        /// inconclusive (exit 3). Or a PostgreSQL you run:
        /// `--against postgres://USER[:PASSWORD]@HOST:PORT/DB` (without TLS),
        /// paced the same way, with every statement of a tick in its first
        /// half and each TTL on the database's clock half a tick longer, so
        /// that `NOW()` judges a row as the model's tick does; the tables
        /// live in the schema `lockcheck`, which the replay empties first.
        /// Or a ZooKeeper you run: `--against zk://HOST:PORT`, the same
        /// replay as on a ZooKeeper lockcheck starts (ZooKeeper times the
        /// sessions itself), under the node `/lockcheck`. Or an etcd you run:
        /// `--against http://HOST:PORT` (or `etcd://HOST:PORT`), its client
        /// URL, where the replay is as on an etcd lockcheck starts (etcd
        /// times the leases itself), on keys under `/lockcheck/lock/`. Neither
        /// is crashed by a replay: a trace that crashes or restarts its
        /// server is refused there (exit 4).
        #[arg(long, value_name = "SERVER|URL", value_parser = trace::parse_against)]
        against: Option<trace::Against>,
        /// With `--against redis://...` or `postgres://...`: how long a tick
        /// of the trace lasts on the server, in milliseconds. The durations
        /// in the requests (a TTL of 6 ticks) are scaled to match, and the
        /// requests of one tick run in the trace's order, evenly apart
        /// within the tick. Default: 1000.
        #[arg(long, value_name = "MS",
              value_parser = clap::value_parser!(u64).range(1..=3_600_000))]
        tick_ms: Option<u64>,
        /// With `--against redis://...`: the prefix of the keys the replay uses
        /// (the lock, its fencing counter and the protected counter).
        /// Default: `lockcheck:`.
        #[arg(long, value_name = "PREFIX")]
        key_prefix: Option<String>,
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
        #[arg(long, default_value_t = default_threads(), value_parser = parse_threads)]
        threads: usize,
        /// Where counterexample traces are written (under traces/).
        #[arg(long, default_value = LOCAL_REPORT_DIR)]
        report_dir: PathBuf,
        #[arg(long)]
        no_traces: bool,
        /// Print one JSON report on stdout instead of text.
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        expectations: ExpectationsDir,
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
    /// Merges the shards of one simulation, or of one comparison matrix,
    /// into one report.
    ///
    /// Given the `--json` reports of `simulate --shard 1/N` to `N/N`, it
    /// gives the report of the unsharded sweep: counts added, the first violating
    /// run the lowest of the shards', with its counterexample. Refuses
    /// reports of different sweeps (model, scenario, seed, runs, faults,
    /// lockcheck version), a shard given twice, or a missing shard (exit 4).
    ///
    /// Given `comparison.json` files of `compare` runs over disjoint models
    /// (the same scenarios) or disjoint scenarios (the same models), it
    /// merges them into the JSON comparison of the whole matrix.
    Merge {
        /// The shards' JSON reports, or the comparisons' comparison.json.
        #[arg(required = true)]
        reports: Vec<PathBuf>,
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
    /// the extra scenarios that are faults of their own). The terminal shows,
    /// per model, only the scenarios under which it does not hold, within 100
    /// columns (--wide: the whole grid). Each cell is an
    /// exhaustive check of the column's scenario: `ok`, or the properties
    /// that do not hold (`mutex ✗20`: mutual_exclusion violated, shortest
    /// counterexample 20 steps; `?` inconclusive: a search bound was hit and a
    /// seeded simulation of the same scenario found no violation; `mutex ✗~26`:
    /// the bound was hit and the simulation found a violation, not necessarily
    /// the shortest; `!` differs from the model's expectation). Writes
    /// <report-dir>/comparison.md (with a Mermaid diagram and replay command
    /// per counterexample), comparison.json and comparison.html (one
    /// self-contained page with a space-time diagram per counterexample), and
    /// the trace files under <report-dir>/traces/ (a run of the whole matrix
    /// removes the other `*.json` there); the report directory is
    /// target/lockcheck unless --report-dir names another, or
    /// --update-reports asks for reports/, the results committed with the
    /// project. Appends the table to $GITHUB_STEP_SUMMARY when that is set.
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
        /// Only this property (repeatable); each search stops as soon as the
        /// properties named are decided. Naming deadlock_free or
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
        /// Where the reports and traces are written (default:
        /// target/lockcheck, which git ignores).
        #[arg(long)]
        report_dir: Option<PathBuf>,
        /// Write the reports into reports/, the results committed with the
        /// project, instead of target/lockcheck.
        #[arg(long, conflicts_with_all = ["report_dir", "no_reports"])]
        update_reports: bool,
        /// Write no report or trace files (print the matrix only).
        #[arg(long)]
        no_reports: bool,
        /// Print comparison.json on stdout instead of the matrix.
        #[arg(long)]
        json: bool,
        /// Print the full grid, a column per scenario, instead of the list
        /// of what breaks each model (which keeps within 100 columns).
        #[arg(long, conflicts_with = "json")]
        wide: bool,
        /// Threads: up to this many checks run at once, each searched by one
        /// thread (fewer checks share the threads). Results and reports are
        /// the same for any number.
        #[arg(long, default_value_t = default_threads(), value_parser = parse_threads)]
        threads: usize,
        /// Megabytes the whole comparison may use; the checks running at once
        /// share it equally (default: 80% of the memory available when the
        /// run starts). A check that reaches its share stops, inconclusive;
        /// the other cells keep their results.
        #[arg(long, value_name = "MB", value_parser = clap::value_parser!(u64).range(1..))]
        memory_max: Option<u64>,
        #[command(flatten)]
        expectations: ExpectationsDir,
        #[command(flatten)]
        scenarios_dir: ScenariosDir,
        #[command(flatten)]
        search: SearchFlags,
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
        #[arg(long, default_value_t = 1, value_parser = parse_threads)]
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
        #[arg(long, default_value_t = 1, value_parser = parse_threads)]
        threads: usize,
    },
    /// Lists the models, their parameters, the properties and the scenarios.
    List {
        #[command(flatten)]
        expectations: ExpectationsDir,
        #[command(flatten)]
        scenarios_dir: ScenariosDir,
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
        /// Decide and report only this property (mutual_exclusion,
        /// resource_safe, lock_acquired, progress, deadlock_free,
        /// starvation_free; repeatable); the search stops as soon as the
        /// properties named are decided. The liveness properties
        /// (deadlock_free, starvation_free) are checked when the model
        /// expects a verdict on them or when named here.
        #[arg(long = "property", value_parser = parse_property)]
        properties: Vec<PropertyName>,
        /// Stop after this many unique states, in the search and in the
        /// liveness graph (overrides limits.states_max and the model
        /// expectation's states_max and liveness_states_max).
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
        #[arg(long, default_value_t = default_threads(), value_parser = parse_threads)]
        threads: usize,
        /// Where counterexample traces are written (under traces/).
        #[arg(long, default_value = LOCAL_REPORT_DIR)]
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
        #[command(flatten)]
        expectations: ExpectationsDir,
        #[command(flatten)]
        scenarios_dir: ScenariosDir,
        #[command(flatten)]
        search: SearchFlags,
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
    /// .html (target/lockcheck unless --report-dir names another directory;
    /// --update-reports: reports/, where `compare --update-reports` embeds
    /// it in the committed comparison).
    ///
    /// Axes: any parameter the model reads (ttl_ticks, retry_ticks, ...; see
    /// `lockcheck list`) and the world's knobs pause_ticks_max (0: no pause),
    /// drift_percent_max, skew_ticks_max, delay_ticks_max, work_ticks (a
    /// holder's work in its critical section). Without --axis:
    /// ttl_ticks=2..12 × pause_ticks_max=0..12 (pause_ticks_max=0..12 alone
    /// for a model without a TTL). Without --scenario the base is
    /// scenarios/gc-pause.json, or scenarios/clock-drift.json when a clock
    /// knob is swept without the pause, read from the current directory.
    ///
    /// Exit codes: 0 every point decided; 3 some point is inconclusive (a
    /// search bound was reached: no boundary is claimed across it); 4 bad
    /// input (an unknown model, an axis the model does not read, a malformed
    /// range, an invalid scenario). A violation is a finding, not a failure.
    Frontier {
        /// A model id (see `lockcheck list`).
        #[arg(long, value_name = "ID")]
        model: String,
        /// The base scenario (default: scenarios/gc-pause.json or
        /// scenarios/clock-drift.json, see above).
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
        #[arg(long, default_value_t = default_threads(), value_parser = parse_threads)]
        threads: usize,
        /// Where the frontier files go, under frontier/ (default:
        /// target/lockcheck, which git ignores).
        #[arg(long)]
        report_dir: Option<PathBuf>,
        /// Write the frontier into reports/frontier/, the results committed
        /// with the project, instead of target/lockcheck.
        #[arg(long, conflicts_with = "report_dir")]
        update_reports: bool,
        /// Print the report as one JSON object on stdout instead of text.
        #[arg(long)]
        json: bool,
    },
}

pub(crate) fn default_threads() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

/// At most this many search threads per core: more only adds stacks and
/// contention, and thousands fail to spawn under a memory limit.
const THREADS_PER_CORE_MAX: usize = 4;

/// `--threads`: from 1 to a few per core.
pub(crate) fn parse_threads(s: &str) -> Result<usize, String> {
    let n: usize = s
        .parse()
        .map_err(|_| format!("`{s}` is not a number of threads"))?;
    let max = default_threads() * THREADS_PER_CORE_MAX;
    match n {
        0 => Err("at least 1 thread is needed".into()),
        n if n > max => Err(format!(
            "{n} threads is more than {THREADS_PER_CORE_MAX} per core ({max} on this machine), which only adds contention"
        )),
        n => Ok(n),
    }
}

pub(crate) fn parse_property(s: &str) -> Result<PropertyName, String> {
    PropertyName::parse(s).ok_or_else(|| {
        let names: Vec<&str> = PropertyName::every().map(|p| p.as_str()).collect();
        format!(
            "unknown property `{s}`, expected one of: {}",
            names.join(", ")
        )
    })
}

/// The models' expectations in `dir` (none if it does not exist), or the
/// exit code after printing why they cannot be read.
pub(crate) fn load_expectations(dir: &Path) -> Result<Expectations, u8> {
    Expectations::load_if_present(dir).map_err(|e| {
        eprintln!("error: {e}");
        exit::BAD_INPUT
    })
}

/// Runs the command line; returns the exit code.
pub fn run() -> u8 {
    // Like other command-line tools, end quietly when the reader of stdout
    // goes away (`lockcheck export ... | head`) instead of panicking.
    #[cfg(unix)]
    // SAFETY: restoring the default action of SIGPIPE before any thread
    // starts touches no Rust state.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
    let cli = Cli::parse();
    match cli.command {
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
            expectations,
        } => list(&scenarios_dir.scenarios_dir, &expectations.expectations_dir),
        Command::Replay {
            trace,
            step,
            against,
            tick_ms,
            key_prefix,
        } => replay(&trace, step, against, tick_ms, key_prefix),
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
        Command::Merge { reports, output } => simulate::merge(&reports, output.as_deref()),
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
            expectations,
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
            expectations_dir: expectations.expectations_dir,
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
            update_reports,
            no_reports,
            json,
            wide,
            threads,
            memory_max,
            scenarios_dir,
            expectations,
            search,
        } => compare(CompareArgs {
            selection: lockcheck::compare::Selection {
                models,
                scenarios,
                properties,
                scenarios_dir: scenarios_dir.scenarios_dir,
                on_demand: search.on_demand,
                expectations: match load_expectations(&expectations.expectations_dir) {
                    Ok(e) => e,
                    Err(code) => return code,
                },
            },
            check,
            junit,
            estimate: estimate.then_some((runs, seed)),
            report_dir: (!no_reports).then(|| report_dir_of(report_dir, update_reports)),
            json,
            wide,
            threads,
            memory_max,
            symmetry: !search.no_symmetry,
            request_ids: !search.no_renumber_ids,
            time_merge: !search.no_time_merge,
            liveness_orbits: search.liveness_orbits,
        }),
        Command::Check {
            models,
            scenarios,
            properties,
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
            expectations,
            search,
        } => {
            let expectations = match load_expectations(&expectations.expectations_dir) {
                Ok(e) => e,
                Err(code) => return code,
            };
            let mut reproduce_flags = Vec::new();
            if search.no_symmetry {
                reproduce_flags.push("--no-symmetry".to_string());
            }
            if search.no_renumber_ids {
                reproduce_flags.push("--no-renumber-ids".to_string());
            }
            if search.no_time_merge {
                reproduce_flags.push("--no-time-merge".to_string());
            }
            if search.liveness_orbits {
                reproduce_flags.push("--liveness-orbits".to_string());
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
                properties,
                overrides: (states_max, depth_max, seconds_max, memory_max),
                threads: threads.max(1),
                report_dir: (!no_traces).then_some(report_dir),
                timelines,
                json,
                scenarios_dir: scenarios_dir.scenarios_dir,
                expectations,
                on_demand: search.on_demand,
                reproduce_flags,
                simulation_runs,
                symmetry: !search.no_symmetry,
                request_ids: !search.no_renumber_ids,
                time_merge: !search.no_time_merge,
                liveness_orbits: search.liveness_orbits,
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
            update_reports,
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
            report_dir: report_dir_of(report_dir, update_reports),
            json,
        }),
    }
}
