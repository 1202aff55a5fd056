//! `lockcheck bench`: how fast the search engine is, and what the world costs
//! on top of it.
//!
//! Three searches of the same lock protocol, each in a fresh process so that
//! its peak memory is its own:
//! 1. the abstract peer model ([`peer::PeerLock`], the model of
//!    `bench/peer/lock.pml` and `bench/peer/Lock.tla`) on our engine
//!    [`crate::engine::bfs::search`];
//! 2. the closest lockcheck world (`redis_set_px` under
//!    `bench/world-lock.json`) on the same engine, stopped at a state cap;
//! 3. SPIN on `lock.pml`, when `spin` and `gcc` are on PATH; its state and
//!    transition counts must equal the peer model's.
//!
//! Every search explores its whole space (up to the cap): properties are
//! evaluated at every state, as in a check, but never stop the search (see
//! [`Exhaustive`]). Times are the search's CPU time (user + system), from
//! before the first initial state to the end of the search; wall time is
//! reported too.

pub mod peer;
pub mod spin;

use std::hint::black_box;
use std::path::Path;
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};
use stateright::{Model, Property};

use crate::engine::bfs::{self, SearchLimits, Stop};
use crate::node::LockModel;
use crate::scenario::Scenario;
use crate::world::{PackedStore, World, WorldConfig};

/// `bench/peer/lock.pml`, the SPIN model, as committed.
pub const LOCK_PML: &str = include_str!("../../bench/peer/lock.pml");
/// The world scenario, as committed.
pub const WORLD_SCENARIO: &str = include_str!("../../bench/world-lock.json");
pub const WORLD_SCENARIO_FILE: &str = "bench/world-lock.json";
pub const WORLD_MODEL: &str = "redis_set_px";

/// How the world differs from the peer model (printed with the results).
pub const WORLD_DIFFERENCES: &[&str] = &[
    "the world's clients also read and write the protected resource inside the critical section",
    "clients carry round counts (2 rounds each) where the peer model's clients loop forever",
    "a client step is a message delivery, with the reply in the same step (atomic network)",
    "a failed SET is retried after 1 tick (a timer), not polled again at once",
    "a holder stays in its critical section across a tick only while paused (one pause of up to 3 ticks)",
    "at the horizon the world stops; the peer model's clients keep acting at MAXT",
    "the world has at most 8 clients",
];

/// Runs a model's search to exhaustion: every property of the inner model is
/// evaluated at every state (the work a check does), but the only property
/// the search sees always holds, so it never stops early.
pub struct Exhaustive<M: Model> {
    pub inner: M,
    properties: Vec<Property<M>>,
}

impl<M: Model> Exhaustive<M> {
    pub fn new(inner: M) -> Exhaustive<M> {
        let properties = inner.properties();
        Exhaustive { inner, properties }
    }
}

impl<M: Model> Model for Exhaustive<M> {
    type State = M::State;
    type Action = M::Action;

    fn init_states(&self) -> Vec<M::State> {
        self.inner.init_states()
    }
    fn actions(&self, state: &M::State, actions: &mut Vec<M::Action>) {
        self.inner.actions(state, actions)
    }
    fn next_state(&self, state: &M::State, action: M::Action) -> Option<M::State> {
        self.inner.next_state(state, action)
    }
    fn properties(&self) -> Vec<Property<Self>> {
        vec![Property::always(
            "every property evaluated",
            |m: &Exhaustive<M>, s: &M::State| {
                for p in &m.properties {
                    black_box((p.condition)(&m.inner, s));
                }
                true
            },
        )]
    }
}

/// Which search a measurement is of.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Target {
    /// The abstract peer model on our engine.
    Peer,
    /// `redis_set_px` in the world on our engine.
    World,
}

impl Target {
    pub fn parse(s: &str) -> Option<Target> {
        match s {
            "peer" => Some(Target::Peer),
            "world" => Some(Target::World),
            _ => None,
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            Target::Peer => "peer",
            Target::World => "world",
        }
    }
}

/// One search, measured from inside the process that ran it.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Measurement {
    pub states: u64,
    /// Successor states generated, duplicates included, plus the initial
    /// states: SPIN's "transitions (= stored+matched)", the count the peer
    /// models publish.
    pub transitions: u64,
    pub depth: u32,
    /// Whether the whole space was searched (not stopped at the state cap).
    pub complete: bool,
    /// CPU time (user + system) of the search.
    pub cpu_seconds: f64,
    pub wall_seconds: f64,
    /// Resident memory just before the search, and the peak after it (KiB);
    /// `None` where `/proc/self/status` is not available.
    pub rss_before_kib: Option<u64>,
    pub peak_rss_kib: Option<u64>,
}

impl Measurement {
    /// Peak RSS growth during the search per stored state.
    pub fn bytes_per_state(&self) -> Option<f64> {
        let (before, peak) = (self.rss_before_kib?, self.peak_rss_kib?);
        Some(peak.saturating_sub(before) as f64 * 1024.0 / self.states.max(1) as f64)
    }
}

/// The world scenario at a size: `bench/world-lock.json` with `clients`,
/// `horizon_ticks` and `faults_until_ticks` set.
pub fn world_scenario(clients: u8, horizon: u8) -> Result<Scenario, String> {
    let mut scenario = Scenario::parse(Path::new(WORLD_SCENARIO_FILE), WORLD_SCENARIO)
        .map_err(|e| e.to_string())?;
    if clients == 0 || clients > 8 {
        return Err(format!(
            "the world has 1 to 8 clients; --clients is {clients}"
        ));
    }
    scenario.clients = clients;
    scenario.horizon_ticks = horizon as u32;
    scenario.faults_until_ticks = horizon as u32;
    Ok(scenario)
}

/// The world model the benchmark searches.
pub fn world(
    clients: u8,
    horizon: u8,
) -> Result<World<crate::models::redis_set_px::RedisSetPx>, String> {
    let scenario = world_scenario(clients, horizon)?;
    let model = crate::models::redis_set_px::RedisSetPx::new(WORLD_MODEL, &scenario.params)?;
    Ok(World::new(
        model,
        WorldConfig::from_scenario(&scenario),
        crate::properties::properties::<crate::models::redis_set_px::RedisSetPx>,
    ))
}

/// Runs one search in this process and measures it.
pub fn measure(
    target: Target,
    clients: u8,
    horizon: u8,
    states_max: Option<u64>,
    threads: usize,
) -> Result<Measurement, String> {
    match target {
        Target::Peer => Ok(measure_model(
            &Exhaustive::new(peer::PeerLock::new(clients, horizon)),
            &bfs::Plain,
            states_max,
            threads,
        )),
        Target::World => Ok(measure_model(
            &Exhaustive::new(world(clients, horizon)?),
            &PackedStore::new(),
            states_max,
            threads,
        )),
    }
}

fn measure_model<M, St>(
    model: &M,
    store: &St,
    states_max: Option<u64>,
    threads: usize,
) -> Measurement
where
    M: Model + Sync,
    M::State: std::hash::Hash + Clone + Send + Sync,
    M::Action: Clone + Send,
    St: bfs::StateStore<M::State>,
{
    let limits = SearchLimits {
        states_max: states_max.unwrap_or(u64::MAX),
        depth_max: None,
        time_max: Duration::from_secs(24 * 3600),
        // The benchmark measures memory; it does not bound it.
        memory: None,
    };
    let rss_before_kib = proc_status_kib("VmRSS");
    let cpu_before = process_cpu_seconds();
    let started = Instant::now();
    let outcome = bfs::search_with(model, store, &limits, threads.max(1), &mut |_, _| {});
    let wall_seconds = started.elapsed().as_secs_f64();
    let cpu_seconds = process_cpu_seconds() - cpu_before;
    let peak_rss_kib = proc_status_kib("VmHWM");
    Measurement {
        states: outcome.unique_states,
        transitions: outcome.transitions + outcome.init_states as u64,
        depth: outcome.depth,
        complete: outcome.stop == Stop::Exhausted,
        cpu_seconds,
        wall_seconds,
        rss_before_kib,
        peak_rss_kib,
    }
}

/// This process's CPU time so far (user + system), in seconds.
fn process_cpu_seconds() -> f64 {
    #[cfg(unix)]
    {
        // SAFETY: getrusage only writes the struct it is given.
        let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
        if unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut usage) } == 0 {
            return rusage_cpu_seconds(&usage);
        }
    }
    0.0
}

#[cfg(unix)]
pub(crate) fn rusage_cpu_seconds(usage: &libc::rusage) -> f64 {
    let tv = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 / 1e6;
    tv(usage.ru_utime) + tv(usage.ru_stime)
}

/// A `kB` field of `/proc/self/status` (`VmRSS`, `VmHWM`).
fn proc_status_kib(field: &str) -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status.lines().find_map(|line| {
        let rest = line.strip_prefix(field)?.strip_prefix(':')?;
        rest.trim().strip_suffix("kB")?.trim().parse().ok()
    })
}

/// What `lockcheck bench` is asked to do.
#[derive(Clone, Debug, Serialize)]
pub struct BenchOptions {
    pub clients: u8,
    pub horizon: u8,
    /// How many times each search runs (interleaved); medians are reported.
    pub repeat: usize,
    pub threads: usize,
    /// The world search's state cap; `None`: the peer model's state count.
    pub world_states_max: Option<u64>,
    /// Skip SPIN even when it is installed.
    pub no_spin: bool,
}

/// One search's figures over its runs: counts, median times and memory.
#[derive(Clone, Debug, Serialize)]
pub struct Figures {
    pub states: u64,
    pub transitions: u64,
    pub depth: u32,
    pub complete: bool,
    /// Median CPU seconds (user + system) of the search.
    pub cpu_seconds: f64,
    /// Every run's CPU seconds, in the order they ran.
    pub cpu_seconds_runs: Vec<f64>,
    /// Median wall-clock seconds.
    pub wall_seconds: f64,
    /// Per CPU second.
    pub states_per_second: f64,
    pub transitions_per_second: f64,
    /// Median peak RSS growth per stored state (for SPIN: its whole peak
    /// RSS, including its preallocated hash table, per stored state).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bytes_per_state: Option<f64>,
}

fn median(values: &[f64]) -> f64 {
    let mut v = values.to_vec();
    v.sort_by(|a, b| a.total_cmp(b));
    match v.len() {
        0 => f64::NAN,
        n if n % 2 == 1 => v[n / 2],
        n => (v[n / 2 - 1] + v[n / 2]) / 2.0,
    }
}

impl Figures {
    fn from_runs(
        states: u64,
        transitions: u64,
        depth: u32,
        complete: bool,
        cpu: &[f64],
        wall: &[f64],
        bytes: &[Option<f64>],
    ) -> Figures {
        let cpu_seconds = median(cpu);
        let bytes: Option<Vec<f64>> = bytes.iter().copied().collect();
        Figures {
            states,
            transitions,
            depth,
            complete,
            cpu_seconds,
            cpu_seconds_runs: cpu.to_vec(),
            wall_seconds: median(wall),
            states_per_second: states as f64 / cpu_seconds,
            transitions_per_second: transitions as f64 / cpu_seconds,
            bytes_per_state: bytes.map(|b| median(&b)),
        }
    }

    fn from_measurements(runs: &[Measurement]) -> Result<Figures, String> {
        let first = &runs[0];
        if let Some(r) = runs
            .iter()
            .find(|r| (r.states, r.transitions) != (first.states, first.transitions))
        {
            return Err(format!(
                "the search is not deterministic: {} states / {} transitions, then {} / {}",
                first.states, first.transitions, r.states, r.transitions
            ));
        }
        let cpu: Vec<f64> = runs.iter().map(|r| r.cpu_seconds).collect();
        let wall: Vec<f64> = runs.iter().map(|r| r.wall_seconds).collect();
        let bytes: Vec<Option<f64>> = runs.iter().map(Measurement::bytes_per_state).collect();
        Ok(Figures::from_runs(
            first.states,
            first.transitions,
            first.depth,
            first.complete,
            &cpu,
            &wall,
            &bytes,
        ))
    }
}

/// SPIN's part of the report.
#[derive(Clone, Debug, Serialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum SpinReport {
    Ran {
        version: String,
        /// `spin -a` and `gcc`, wall seconds (not part of the search time).
        generate_seconds: f64,
        compile_seconds: f64,
        command: String,
        #[serde(flatten)]
        figures: Figures,
        /// Whether SPIN's "states stored" and "transitions" equal the peer
        /// model's states and transitions on our engine.
        counts_match: bool,
    },
    Skipped {
        reason: String,
    },
    Failed {
        error: String,
    },
}

/// Ratios between the searches (`None` where a side is missing).
#[derive(Clone, Debug, Serialize)]
pub struct Ratios {
    /// lockcheck's CPU time on the peer model / SPIN's (same states).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub engine_vs_spin_cpu: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub engine_vs_spin_wall: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub engine_vs_spin_bytes_per_state: Option<f64>,
    /// The world's CPU time per stored state / the peer model's.
    pub world_vs_engine_time_per_state: f64,
    /// The same per transition.
    pub world_vs_engine_time_per_transition: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub world_vs_engine_bytes_per_state: Option<f64>,
}

#[derive(Clone, Debug, Serialize)]
pub struct BenchReport {
    pub lockcheck_version: String,
    pub options: BenchOptions,
    pub ttl_ticks: u8,
    pub time: &'static str,
    pub peer: Figures,
    pub world: WorldReport,
    pub spin: SpinReport,
    pub ratios: Ratios,
}

#[derive(Clone, Debug, Serialize)]
pub struct WorldReport {
    pub model: &'static str,
    pub scenario_file: &'static str,
    pub states_max: u64,
    #[serde(flatten)]
    pub figures: Figures,
    pub differences: Vec<&'static str>,
}

/// Runs one search in a child process (`lockcheck bench-run`) and reads its
/// measurement.
fn run_child(
    exe: &Path,
    target: Target,
    options: &BenchOptions,
    states_max: Option<u64>,
) -> Result<Measurement, String> {
    let mut cmd = std::process::Command::new(exe);
    cmd.args([
        "bench-run",
        "--target",
        target.as_str(),
        "--clients",
        &options.clients.to_string(),
        "--horizon",
        &options.horizon.to_string(),
        "--threads",
        &options.threads.to_string(),
    ]);
    if let Some(n) = states_max {
        cmd.args(["--states-max", &n.to_string()]);
    }
    let out = cmd
        .output()
        .map_err(|e| format!("cannot run {}: {e}", exe.display()))?;
    if !out.status.success() {
        return Err(format!(
            "the {} search failed ({}): {}",
            target.as_str(),
            out.status,
            String::from_utf8_lossy(&out.stderr).trim()
        ));
    }
    serde_json::from_slice(&out.stdout)
        .map_err(|e| format!("the {} search's output is unreadable: {e}", target.as_str()))
}

/// Runs the benchmark. `progress` receives a line per finished search.
pub fn run(options: &BenchOptions, progress: &mut dyn FnMut(&str)) -> Result<BenchReport, String> {
    let exe = std::env::current_exe().map_err(|e| format!("cannot find lockcheck itself: {e}"))?;
    let spin_setup = if options.no_spin {
        Err("--no-spin".to_string())
    } else {
        spin::find_tools()
    };
    let prepared = match &spin_setup {
        Ok(tools) => Some(spin::prepare(tools, options.clients, options.horizon)),
        Err(_) => None,
    };
    if let Some(Ok(p)) = &prepared {
        progress(&format!(
            "spin -a: {:.2} s, gcc: {:.2} s (not part of SPIN's search time)",
            p.generate_seconds, p.compile_seconds
        ));
    }

    let (mut peer_runs, mut world_runs, mut spin_runs) = (Vec::new(), Vec::new(), Vec::new());
    let mut spin_error = None;
    let mut world_cap = options.world_states_max;
    for round in 1..=options.repeat.max(1) {
        let m = run_child(&exe, Target::Peer, options, None)?;
        progress(&format!(
            "run {round}: peer model, lockcheck: {} states in {:.2} s CPU",
            m.states, m.cpu_seconds
        ));
        let cap = *world_cap.get_or_insert(m.states);
        peer_runs.push(m);
        let m = run_child(&exe, Target::World, options, Some(cap))?;
        progress(&format!(
            "run {round}: world, lockcheck: {} states in {:.2} s CPU",
            m.states, m.cpu_seconds
        ));
        world_runs.push(m);
        if let Some(Ok(p)) = &prepared
            && spin_error.is_none()
        {
            match spin::run_pan(p) {
                Ok(m) => {
                    progress(&format!(
                        "run {round}: peer model, SPIN: {} states in {:.2} s CPU",
                        m.states, m.cpu_seconds
                    ));
                    spin_runs.push(m);
                }
                Err(e) => spin_error = Some(e),
            }
        }
    }

    let peer = Figures::from_measurements(&peer_runs)?;
    let world = Figures::from_measurements(&world_runs)?;
    let spin = match (spin_setup, prepared) {
        (Err(reason), _) => SpinReport::Skipped { reason },
        (Ok(_), Some(Err(error))) => SpinReport::Failed { error },
        (Ok(_), Some(Ok(p))) => match spin_error {
            Some(error) => SpinReport::Failed { error },
            None => {
                let first = &spin_runs[0];
                let cpu: Vec<f64> = spin_runs.iter().map(|r| r.cpu_seconds).collect();
                let wall: Vec<f64> = spin_runs.iter().map(|r| r.wall_seconds).collect();
                let bytes: Vec<Option<f64>> = spin_runs
                    .iter()
                    .map(|r| {
                        r.peak_rss_kib
                            .map(|k| k as f64 * 1024.0 / r.states.max(1) as f64)
                    })
                    .collect();
                let figures = Figures::from_runs(
                    first.states,
                    first.transitions,
                    first.depth,
                    true,
                    &cpu,
                    &wall,
                    &bytes,
                );
                SpinReport::Ran {
                    version: p.version.clone(),
                    generate_seconds: p.generate_seconds,
                    compile_seconds: p.compile_seconds,
                    command: p.command.clone(),
                    counts_match: figures.states == peer.states
                        && figures.transitions == peer.transitions,
                    figures,
                }
            }
        },
        (Ok(_), None) => unreachable!("SPIN is prepared whenever its tools are found"),
    };
    let per = |f: &Figures, x: u64| f.cpu_seconds / x.max(1) as f64;
    let spin_figures = match &spin {
        SpinReport::Ran { figures, .. } => Some(figures),
        _ => None,
    };
    let ratios = Ratios {
        engine_vs_spin_cpu: spin_figures.map(|s| peer.cpu_seconds / s.cpu_seconds),
        engine_vs_spin_wall: spin_figures.map(|s| peer.wall_seconds / s.wall_seconds),
        engine_vs_spin_bytes_per_state: spin_figures
            .and_then(|s| Some(peer.bytes_per_state? / s.bytes_per_state?)),
        world_vs_engine_time_per_state: per(&world, world.states) / per(&peer, peer.states),
        world_vs_engine_time_per_transition: per(&world, world.transitions)
            / per(&peer, peer.transitions),
        world_vs_engine_bytes_per_state: world
            .bytes_per_state
            .zip(peer.bytes_per_state)
            .map(|(w, p)| w / p),
    };
    Ok(BenchReport {
        lockcheck_version: env!("CARGO_PKG_VERSION").to_string(),
        options: options.clone(),
        ttl_ticks: 2,
        time: "CPU seconds (user + system) of the search alone; wall seconds also given",
        peer,
        world: WorldReport {
            model: WORLD_MODEL,
            scenario_file: WORLD_SCENARIO_FILE,
            states_max: world_cap.unwrap_or(0),
            figures: world,
            differences: WORLD_DIFFERENCES.to_vec(),
        },
        spin,
        ratios,
    })
}

fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

fn row(name: &str, f: &Figures) -> String {
    let bytes = f
        .bytes_per_state
        .map_or("-".to_string(), |b| format!("{b:.0}"));
    format!(
        "{name:<22} {:>12} {:>13} {:>8.3} {:>8.3} {:>11} {:>13} {:>11}\n",
        thousands(f.states),
        thousands(f.transitions),
        f.cpu_seconds,
        f.wall_seconds,
        thousands(f.states_per_second.round() as u64),
        thousands(f.transitions_per_second.round() as u64),
        bytes
    )
}

/// The report as text.
pub fn render_text(r: &BenchReport) -> String {
    let o = &r.options;
    let mut s = format!(
        "lockcheck bench: N={} clients, MAXT={} ticks, TTL {} ticks; {} search thread{}; median of {} run{} each\n\
         times: CPU seconds (user + system) of the search alone, and wall seconds; rates per CPU second;\n\
         transitions: states generated, duplicates and initial states included (SPIN's stored+matched);\n\
         bytes/state: peak RSS growth during the search / stored states\n\n",
        o.clients,
        o.horizon,
        r.ttl_ticks,
        o.threads,
        if o.threads == 1 { "" } else { "s" },
        o.repeat,
        if o.repeat == 1 { "" } else { "s" },
    );
    s.push_str(&format!(
        "{:<22} {:>12} {:>13} {:>8} {:>8} {:>11} {:>13} {:>11}\n",
        "search",
        "states",
        "transitions",
        "CPU s",
        "wall s",
        "states/s",
        "transitions/s",
        "bytes/state"
    ));
    s.push_str(&row("peer model, lockcheck", &r.peer));
    s.push_str(&row("world, lockcheck", &r.world.figures));
    if let SpinReport::Ran { figures, .. } = &r.spin {
        s.push_str(&row("peer model, SPIN", figures));
    }
    let runs = |f: &Figures| {
        f.cpu_seconds_runs
            .iter()
            .map(|c| format!("{c:.2}"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    s.push_str(&format!(
        "\nCPU seconds per run: peer model {}; world {}",
        runs(&r.peer),
        runs(&r.world.figures)
    ));
    if let SpinReport::Ran { figures, .. } = &r.spin {
        s.push_str(&format!("; SPIN {}", runs(figures)));
    }
    s.push('\n');

    s.push_str(&format!(
        "\npeer model: bench/peer/lock.pml as a stateright::Model (src/bench/peer.rs), searched to the end (depth {}).\n",
        r.peer.depth
    ));
    let w = &r.world;
    s.push_str(&format!(
        "world: {} under {} with {} clients and horizon {}; {}.\n",
        w.model,
        w.scenario_file,
        o.clients,
        o.horizon,
        if w.figures.complete {
            format!("its whole space searched (depth {})", w.figures.depth)
        } else {
            format!(
                "stopped at the state cap of {} (depth {}; the world's full space at this size is larger)",
                thousands(w.states_max),
                w.figures.depth
            )
        }
    ));
    s.push_str("  how the world differs from the peer model:\n");
    for d in &w.differences {
        s.push_str(&format!("  - {d}\n"));
    }

    match &r.spin {
        SpinReport::Ran {
            version,
            generate_seconds,
            compile_seconds,
            command,
            figures,
            counts_match,
        } => {
            s.push_str(&format!(
                "SPIN: {version}; {command}\n  generating pan.c took {generate_seconds:.2} s and compiling it {compile_seconds:.2} s (wall; not part of the search time); bytes/state is pan's whole peak RSS (with its preallocated hash table) / states stored\n"
            ));
            if *counts_match {
                s.push_str(&format!(
                    "  SPIN's states stored and transitions equal lockcheck's: {} / {}\n",
                    thousands(figures.states),
                    thousands(figures.transitions)
                ));
            } else {
                s.push_str(&format!(
                    "  MISMATCH: SPIN stored {} states and {} transitions, lockcheck found {} / {}\n",
                    thousands(figures.states),
                    thousands(figures.transitions),
                    thousands(r.peer.states),
                    thousands(r.peer.transitions)
                ));
            }
        }
        SpinReport::Skipped { reason } => {
            s.push_str(&format!(
                "SPIN: skipped ({reason}). To compare with SPIN, install it (Debian/Ubuntu: apt-get install spin; it needs gcc) and rerun.\n"
            ));
        }
        SpinReport::Failed { error } => s.push_str(&format!("SPIN: failed: {error}\n")),
    }

    let ra = &r.ratios;
    s.push_str("\nratios (median CPU time):\n");
    if r.peer.states < 100_000 {
        s.push_str("  (at this size fixed start-up costs dominate, SPIN's preallocated hash table and stack above all: take the ratios from the default size)\n");
    }
    if let Some(x) = ra.engine_vs_spin_cpu {
        s.push_str(&format!(
            "  lockcheck engine / SPIN on the peer model: {x:.2}x the CPU time (wall {:.2}x){}\n",
            ra.engine_vs_spin_wall.unwrap_or(f64::NAN),
            ra.engine_vs_spin_bytes_per_state
                .map_or(String::new(), |b| format!(", {b:.2}x the bytes per state"))
        ));
    }
    s.push_str(&format!(
        "  world / bare engine: {:.1}x the CPU time per state, {:.1}x per transition{}\n",
        ra.world_vs_engine_time_per_state,
        ra.world_vs_engine_time_per_transition,
        ra.world_vs_engine_bytes_per_state
            .map_or(String::new(), |b| format!(", {b:.1}x the bytes per state"))
    ));
    s
}
