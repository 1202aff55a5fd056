//! The grid: the knobs a frontier sweeps, their values, and the scenario at
//! each point.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::registry::ModelEntry;
use crate::scenario::{NetworkMode, PauseSpec, Scenario, Targets, Tier};

/// The format name written into every frontier file.
pub const FORMAT: &str = "lockcheck-frontier";
pub const FORMAT_VERSION: u32 = 1;

/// The knobs of the world that can be swept, besides the model's own
/// parameters, with what each sets.
pub const WORLD_AXES: &[(&str, &str)] = &[
    (
        "pause_ticks_max",
        "faults.pause.ticks_max: the longest process pause, in real ticks (0: no pause; a base without a pause gets one pause of a client)",
    ),
    (
        "drift_percent_max",
        "faults.clock.drift_percent_max: how far a clock's rate may be from real time, in percent",
    ),
    (
        "skew_ticks_max",
        "faults.clock.skew_ticks_max: how far apart clocks may start, in ticks",
    ),
    (
        "delay_ticks_max",
        "network.delay_ticks_max: the longest a message takes, in ticks (bounded networks only)",
    ),
    (
        "work_ticks",
        "work_ticks: how long a holder works between its read and its write, in real ticks while it runs",
    ),
];

/// The default base scenarios, used when no `--scenario` is given. They are
/// read when the sweep starts (from the current directory, like `compare`'s
/// `scenarios/`), so editing one rebuilds nothing.
const GC_PAUSE: &str = "scenarios/gc-pause.json";
const CLOCK_DRIFT: &str = "scenarios/clock-drift.json";

/// The most points one sweep may have (each is an exhaustive check).
pub const POINTS_MAX: usize = 2000;

/// One swept knob: the values `lo`, `lo + step`, ... up to `hi` inclusive.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Axis {
    pub name: String,
    pub lo: u32,
    pub hi: u32,
    pub step: u32,
}

impl Axis {
    pub fn values(&self) -> Vec<u32> {
        (self.lo..=self.hi).step_by(self.step as usize).collect()
    }

    /// The unit, read from the name's suffix (units come last in names).
    pub fn unit(&self) -> &'static str {
        unit_of(&self.name)
    }

    /// `ttl_ticks (ticks)`.
    pub fn label(&self) -> String {
        match self.unit() {
            "" => self.name.clone(),
            u => format!("{} ({u})", self.name),
        }
    }

    /// `2..12` or `2..12:2`, as on the command line.
    pub fn range_text(&self) -> String {
        match (self.lo == self.hi, self.step) {
            (true, _) => self.lo.to_string(),
            (false, 1) => format!("{}..{}", self.lo, self.hi),
            (false, s) => format!("{}..{}:{s}", self.lo, self.hi),
        }
    }
}

fn unit_of(name: &str) -> &'static str {
    if name.contains("_ticks") {
        "ticks"
    } else if name.contains("_percent") {
        "%"
    } else {
        ""
    }
}

/// Parses `NAME=LO..HI[:STEP]` (inclusive) or `NAME=VALUE`.
pub fn parse_axis(text: &str) -> Result<Axis, String> {
    let bad = |why: &str| {
        format!(
            "--axis `{text}`: {why}; expected NAME=LO..HI[:STEP], e.g. ttl_ticks=2..8 or pause_ticks_max=0..12:2"
        )
    };
    let (name, range) = text.split_once('=').ok_or_else(|| bad("no `=`"))?;
    let name = name.trim();
    if name.is_empty()
        || !name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
    {
        return Err(bad(
            "the name must be a parameter or knob name such as ttl_ticks",
        ));
    }
    let (range, step) = match range.split_once(':') {
        Some((r, s)) => (r, Some(s)),
        None => (range, None),
    };
    let number = |s: &str, what: &str| -> Result<u32, String> {
        s.trim()
            .parse::<u32>()
            .map_err(|_| bad(&format!("{what} `{}` is not a whole number", s.trim())))
    };
    let (lo, hi) = match range.split_once("..") {
        Some((lo, hi)) => {
            let hi = hi.strip_prefix('=').unwrap_or(hi);
            (number(lo, "the low end")?, number(hi, "the high end")?)
        }
        None => {
            let v = number(range, "the value")?;
            (v, v)
        }
    };
    let step = match step {
        Some(s) => number(s, "the step")?,
        None => 1,
    };
    if lo > hi {
        return Err(bad(&format!("the low end {lo} is above the high end {hi}")));
    }
    if step == 0 {
        return Err(bad("the step is 0"));
    }
    Ok(Axis {
        name: name.to_string(),
        lo,
        hi,
        step,
    })
}

/// The sweep when no axis is given: the lease against the longest pause
/// (143 points; about 30 s for `redis_set_px` on 2 cores), or the pause alone
/// for a model without a TTL.
pub fn default_axes(entry: &ModelEntry) -> Vec<Axis> {
    let pause = Axis {
        name: "pause_ticks_max".into(),
        lo: 0,
        hi: 12,
        step: 1,
    };
    if entry.params.iter().any(|p| p.name == "ttl_ticks") {
        vec![
            Axis {
                name: "ttl_ticks".into(),
                lo: 2,
                hi: 12,
                step: 1,
            },
            pause,
        ]
    } else {
        vec![pause]
    }
}

/// The default base scenario for these axes: clock-drift when a clock knob is
/// swept without the pause, gc-pause otherwise. Returns its file and the
/// scenario.
pub fn default_base(axes: &[Axis]) -> Result<(PathBuf, Scenario), String> {
    let clock = axes
        .iter()
        .any(|a| a.name == "drift_percent_max" || a.name == "skew_ticks_max");
    let pause = axes.iter().any(|a| a.name == "pause_ticks_max");
    let path = PathBuf::from(if clock && !pause {
        CLOCK_DRIFT
    } else {
        GC_PAUSE
    });
    let scenario = Scenario::load(&path).map_err(|e| {
        format!(
            "{e} (the default base scenario; run from the lockcheck checkout, or give --scenario)"
        )
    })?;
    Ok((path, scenario))
}

/// Checks the axes against the model: known names, at most two, no repeats,
/// a parameter the model reads, values the knob accepts.
pub fn validate_axes(entry: &ModelEntry, axes: &[Axis]) -> Result<(), String> {
    if axes.is_empty() {
        return Err("no axis to sweep".into());
    }
    if axes.len() > 2 {
        return Err(format!(
            "{} axes given; a frontier sweeps one or two",
            axes.len()
        ));
    }
    if axes.len() == 2 && axes[0].name == axes[1].name {
        return Err(format!("axis `{}` is given twice", axes[0].name));
    }
    for axis in axes {
        let world = WORLD_AXES.iter().any(|(n, _)| *n == axis.name);
        let param = entry.params.iter().any(|p| p.name == axis.name);
        if !world && !param {
            let reads: Vec<&str> = entry.params.iter().map(|p| p.name).collect();
            let is_someones = crate::models::param_names().contains(&axis.name.as_str());
            let why = if is_someones {
                format!("model `{}` does not read `{}`", entry.id, axis.name)
            } else {
                format!("`{}` is no parameter or knob", axis.name)
            };
            let mut sweepable: Vec<&str> = reads.clone();
            sweepable.extend(WORLD_AXES.iter().map(|(n, _)| *n));
            return Err(format!(
                "{why}; the axes it can sweep: {}",
                sweepable.join(", ")
            ));
        }
        if param && axis.lo == 0 {
            return Err(format!(
                "axis `{}`: a parameter must be at least 1, the range starts at 0",
                axis.name
            ));
        }
        if axis.name == "drift_percent_max" && axis.hi >= 100 {
            return Err(format!(
                "axis `drift_percent_max`: {} is not below 100 (a clock that stops or runs backwards is a jump, not drift)",
                axis.hi
            ));
        }
    }
    let points: usize = axes.iter().map(|a| a.values().len()).product();
    if points > POINTS_MAX {
        return Err(format!(
            "{points} grid points; at most {POINTS_MAX} (each is an exhaustive check): use a coarser :STEP"
        ));
    }
    Ok(())
}

/// The base scenario made ready for sweeping. The model is expected nothing
/// there: a frontier reports verdicts, it does not compare them.
pub(super) fn template(base: &Scenario) -> Scenario {
    let mut s = base.clone();
    s.tier = Tier::Extra;
    s
}

/// The scenario at one grid point: the template with the knobs set, then
/// validated as a scenario file is.
pub fn point_scenario(
    template: &Scenario,
    base_file: &Path,
    axes: &[Axis],
    values: &[u32],
) -> Result<Scenario, String> {
    let mut s = template.clone();
    for (axis, &v) in axes.iter().zip(values) {
        match axis.name.as_str() {
            "pause_ticks_max" => {
                if v == 0 {
                    s.faults.pause = None;
                } else {
                    match &mut s.faults.pause {
                        Some(p) => p.ticks_max = v,
                        None => {
                            s.faults.pause = Some(PauseSpec {
                                max: 1,
                                ticks_max: v,
                                targets: Targets::Clients,
                            })
                        }
                    }
                }
            }
            "drift_percent_max" => s.faults.clock.drift_percent_max = v,
            "skew_ticks_max" => s.faults.clock.skew_ticks_max = v,
            "work_ticks" => s.work_ticks = v,
            "delay_ticks_max" => {
                if s.network.mode != NetworkMode::Bounded {
                    return Err(format!(
                        "{}: axis `delay_ticks_max` needs a bounded network; this one is {:?}",
                        base_file.display(),
                        s.network.mode
                    ));
                }
                s.network.delay_ticks_max = Some(v);
            }
            name => {
                s.params.0.insert(name.to_string(), v);
            }
        }
    }
    let at: Vec<String> = axes
        .iter()
        .zip(values)
        .map(|(a, v)| format!("{}={v}", a.name))
        .collect();
    s.description = format!("{} [frontier point {}]", s.description, at.join(", "));
    // The same validation as a file: write it out and read it back.
    let text = serde_json::to_string_pretty(&s)
        .map_err(|e| format!("cannot serialize the scenario: {e}"))?;
    let label = PathBuf::from(format!("{} at {}", base_file.display(), at.join(", ")));
    Scenario::parse(&label, &text).map_err(|e| e.to_string())
}
