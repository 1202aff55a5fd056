//! Every shipped model states what it expects under every standard scenario,
//! in `models/<file>.expect.json` beside its code, and every expectation names
//! a shipped scenario. (Where the search cannot decide a cell within the
//! scenario's limits, the expectation says `inconclusive`, and the cell shows
//! it with what a seeded simulation found.)

use crate::common;

use std::path::Path;

use lockcheck::registry;
use lockcheck::scenario::{Scenario, Tier};

fn shipped_scenarios() -> Vec<(String, Scenario)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    files
        .iter()
        .map(|f| {
            let s = Scenario::load(f).unwrap_or_else(|e| panic!("{e}"));
            (Scenario::name_of(f), s)
        })
        .collect()
}

#[test]
fn every_model_expects_something_under_every_standard_scenario() {
    let expectations = common::expectations();
    let scenarios = shipped_scenarios();
    let standard: Vec<&String> = scenarios
        .iter()
        .filter(|(_, s)| s.tier == Tier::Standard)
        .map(|(n, _)| n)
        .collect();
    assert!(
        standard.len() >= 6,
        "the standard fault matrix has {} scenarios",
        standard.len()
    );
    let mut missing = Vec::new();
    for m in registry::all() {
        for name in &standard {
            if expectations.get(m.id, name).is_none() {
                missing.push(format!(
                    "models/{}.expect.json has no expectation for {} under {name}",
                    m.module, m.id
                ));
            }
        }
    }
    assert!(missing.is_empty(), "{}", missing.join("\n"));
}

#[test]
fn every_expectation_names_a_shipped_scenario() {
    let names: Vec<String> = shipped_scenarios().into_iter().map(|(n, _)| n).collect();
    let expectations = common::expectations();
    let stray: Vec<String> = expectations
        .pairs()
        .filter(|(_, scenario, _)| !names.iter().any(|n| n == scenario))
        .map(|(model, scenario, _)| format!("{model}: `{scenario}` is not in scenarios/"))
        .collect();
    assert!(stray.is_empty(), "{}", stray.join("\n"));
}

#[test]
fn scenarios_carry_no_expectations() {
    // A scenario is the fault; the verdicts belong to the models.
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/scenarios");
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        Scenario::load(&path).unwrap_or_else(|e| panic!("{e}"));
    }
}
