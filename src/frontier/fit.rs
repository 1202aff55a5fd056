//! From the points to the boundaries: where each property changes between
//! adjacent decided points, and the one formula (if any) that every decided
//! point agrees with.

use crate::properties::PropertyName;

use super::{
    Atom, Axis, FrontierReport, LineBoundary, Outcome, PropertyFrontier, Relation, Transition,
    WORLD_AXES,
};

/// Derives the boundaries and statements from the points (pure: the report's
/// `frontiers` are ignored).
pub fn analyze(report: &FrontierReport) -> Vec<PropertyFrontier> {
    report
        .properties
        .iter()
        .map(|&property| analyze_property(report, property))
        .collect()
}

pub(super) fn outcome_at(
    report: &FrontierReport,
    property: PropertyName,
    values: &[u32],
) -> Option<Outcome> {
    report
        .point(values)
        .and_then(|p| p.verdicts.get(&property).cloned())
}

fn line(
    report: &FrontierReport,
    property: PropertyName,
    fixed: Option<u32>,
    along: &[u32],
    at: impl Fn(u32) -> Vec<u32>,
) -> LineBoundary {
    let outcomes: Vec<(u32, Option<Outcome>)> = along
        .iter()
        .map(|&v| (v, outcome_at(report, property, &at(v))))
        .collect();
    let holding: Vec<u32> = outcomes
        .iter()
        .filter(|(_, o)| matches!(o, Some(Outcome::Holds)))
        .map(|(v, _)| *v)
        .collect();
    let transitions = outcomes
        .windows(2)
        .filter_map(|w| {
            let a = w[0].1.as_ref()?.decided()?;
            let b = w[1].1.as_ref()?.decided()?;
            (a != b).then_some(Transition {
                from: w[0].0,
                to: w[1].0,
                holds_after: b,
            })
        })
        .collect();
    LineBoundary {
        fixed,
        holds_min: holding.first().copied(),
        holds_max: holding.last().copied(),
        transitions,
        inconclusive: outcomes
            .iter()
            .filter(|(_, o)| o.as_ref().and_then(Outcome::decided).is_none())
            .map(|(v, _)| *v)
            .collect(),
    }
}

fn analyze_property(report: &FrontierReport, property: PropertyName) -> PropertyFrontier {
    let axes = &report.axes;
    let mut holds = 0;
    let mut violated = 0;
    let mut inconclusive = 0;
    for p in &report.points {
        match p.verdicts.get(&property).and_then(Outcome::decided) {
            Some(true) => holds += 1,
            Some(false) => violated += 1,
            None => inconclusive += 1,
        }
    }
    let (by_row, by_column) = match axes.len() {
        1 => (
            vec![line(report, property, None, &axes[0].values(), |v| vec![v])],
            Vec::new(),
        ),
        _ => {
            let rows = axes[0].values();
            let cols = axes[1].values();
            (
                rows.iter()
                    .map(|&r| line(report, property, Some(r), &cols, |c| vec![r, c]))
                    .collect(),
                cols.iter()
                    .map(|&c| line(report, property, Some(c), &rows, |r| vec![r, c]))
                    .collect(),
            )
        }
    };
    let decided: Vec<(Vec<u32>, bool)> = report
        .points
        .iter()
        .filter_map(|p| {
            let d = p.verdicts.get(&property)?.decided()?;
            Some((p.values.clone(), d))
        })
        .collect();
    // The fitted relation is checked once more against every decided point:
    // a formula that some point contradicts is never stated.
    let relation = if holds > 0 && violated > 0 {
        fit(axes, &decided).filter(|r| decided.iter().all(|(values, h)| r.eval(axes, values) == *h))
    } else {
        None
    };
    let grid: Vec<String> = axes
        .iter()
        .map(|a| format!("{} {}", a.name, a.range_text()))
        .collect();
    let scope = if inconclusive == 0 {
        format!("on the grid {}", grid.join(", "))
    } else {
        format!(
            "on the {} decided points of the grid {}; {inconclusive} inconclusive",
            holds + violated,
            grid.join(", ")
        )
    };
    let statement = if holds + violated == 0 {
        format!("{property}: no point was decided ({scope})")
    } else if violated == 0 {
        format!("{property} holds at every point ({scope})")
    } else if holds == 0 {
        format!("{property} is violated at every point ({scope})")
    } else {
        match &relation {
            Some(r) => format!("{property} holds exactly when {} ({scope})", r.text()),
            None => format!(
                "{property}: no simple linear relation fits the checker's verdicts; see the table ({scope})"
            ),
        }
    };
    PropertyFrontier {
        property,
        holds,
        violated,
        inconclusive,
        by_row,
        by_column,
        relation,
        statement,
    }
}

/// Whether a world knob (the environment) rather than a model parameter: the
/// environment reads best on the left ("pause < ttl - 5").
fn is_world(name: &str) -> bool {
    WORLD_AXES.iter().any(|(n, _)| *n == name)
}

/// The steepest slope a fitted relation may have: a lease must outlast each
/// message of a critical section, so `ttl_ticks >= 5 * delay_ticks_max + 1`
/// is the kind of relation to find; steeper ones would fit by accident.
const SLOPE_MAX: i64 = 10;

/// Finds the simplest relation that matches every decided point: one atom,
/// else two joined by `and`, else two joined by `or`. Atoms compare one axis
/// with a constant, or one axis with 1 to `SLOPE_MAX` times the other plus a
/// constant. Returns `None` when nothing of that shape fits.
fn fit(axes: &[Axis], decided: &[(Vec<u32>, bool)]) -> Option<Relation> {
    // Truth values over the decided points, as bit sets.
    let words = decided.len().div_ceil(64);
    let bits = |f: &dyn Fn(&[u32]) -> bool| -> Vec<u64> {
        let mut set = vec![0u64; words];
        for (k, (values, _)) in decided.iter().enumerate() {
            if f(values) {
                set[k / 64] |= 1 << (k % 64);
            }
        }
        set
    };
    let target = bits(&|values| {
        decided
            .iter()
            .find(|(v, _)| v == values)
            .is_some_and(|(_, h)| *h)
    });
    let all_set = bits(&|_| true);

    // Candidate atoms, simplest first; a candidate whose truth on the decided
    // points equals an earlier one's is dropped.
    let mut atoms: Vec<(Atom, Vec<u64>, u32)> = Vec::new();
    let mut seen: std::collections::HashSet<Vec<u64>> = std::collections::HashSet::new();
    let mut push = |atom: Atom, cost: u32| {
        let t = bits(&|values| atom.eval(axes, values));
        if t.iter().all(|&w| w == 0) || t == all_set || !seen.insert(t.clone()) {
            return;
        }
        atoms.push((atom, t, cost));
    };
    let mut order: Vec<usize> = (0..axes.len()).collect();
    // The environment on the left when one axis is a world knob.
    order.sort_by_key(|&i| (!is_world(&axes[i].name), std::cmp::Reverse(i)));
    for &i in &order {
        let vals = axes[i].values();
        let (min, max) = (vals[0] as i64, *vals.last()? as i64);
        // `x < c`: the smallest c that fits is tightest around the holding
        // points; `x >= c`: the largest.
        for c in (min + 1)..=max {
            push(atom(&axes[i].name, "<", None, 0, c), 0);
        }
        for c in ((min + 1)..=max).rev() {
            push(atom(&axes[i].name, ">=", None, 0, c), 0);
        }
    }
    if axes.len() == 2 {
        for slope in 1..=SLOPE_MAX {
            for &i in &order {
                let j = 1 - i;
                let diffs: Vec<i64> = decided
                    .iter()
                    .map(|(v, _)| v[i] as i64 - slope * v[j] as i64)
                    .collect();
                let (lo, hi) = (*diffs.iter().min()?, *diffs.iter().max()?);
                for c in (lo + 1)..=hi {
                    push(
                        atom(&axes[i].name, "<", Some(&axes[j].name), slope, c),
                        slope as u32,
                    );
                }
                for c in ((lo + 1)..=hi).rev() {
                    push(
                        atom(&axes[i].name, ">=", Some(&axes[j].name), slope, c),
                        slope as u32,
                    );
                }
            }
        }
    }

    if let Some((a, _, _)) = atoms.iter().find(|(_, t, _)| *t == target) {
        return Some(Relation {
            combine: "all".into(),
            atoms: vec![a.clone()],
        });
    }
    let zip = |a: &[u64], b: &[u64], f: fn(u64, u64) -> u64| -> Vec<u64> {
        a.iter().zip(b).map(|(x, y)| f(*x, *y)).collect()
    };
    for combine in ["all", "any"] {
        // For `and`, both atoms must be true wherever the property holds;
        // for `or`, both false wherever it is violated.
        let candidates: Vec<&(Atom, Vec<u64>, u32)> = atoms
            .iter()
            .filter(|(_, t, _)| {
                if combine == "all" {
                    zip(t, &target, |x, y| x & y) == target
                } else {
                    zip(t, &target, |x, y| x | y) == target
                }
            })
            .collect();
        let mut best: Option<(u32, usize, usize)> = None;
        for i in 0..candidates.len() {
            for j in (i + 1)..candidates.len() {
                let (ta, tb) = (&candidates[i].1, &candidates[j].1);
                let joint = if combine == "all" {
                    zip(ta, tb, |x, y| x & y)
                } else {
                    zip(ta, tb, |x, y| x | y)
                };
                if joint == target {
                    let cost = candidates[i].2 + candidates[j].2;
                    if best.is_none_or(|(c, _, _)| cost < c) {
                        best = Some((cost, i, j));
                    }
                }
            }
        }
        if let Some((_, i, j)) = best {
            return Some(Relation {
                combine: combine.into(),
                atoms: vec![candidates[i].0.clone(), candidates[j].0.clone()],
            });
        }
    }
    None
}

fn atom(left: &str, op: &str, right: Option<&str>, slope: i64, offset: i64) -> Atom {
    Atom {
        left: left.to_string(),
        op: op.to_string(),
        right: right.map(str::to_string),
        slope,
        offset,
    }
}
