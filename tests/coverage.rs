//! Every model runs under every standard scenario: a standard scenario must
//! name each model in `expect`. (Where the search cannot decide a cell within
//! the scenario's limits, the expectation says `inconclusive`, and the cell
//! shows it with what a seeded simulation found.)

use std::path::Path;

use lockcheck::models;
use lockcheck::scenario::{Scenario, Tier};

#[test]
fn every_standard_scenario_names_every_model() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios");
    let mut standard = 0;
    let mut missing = Vec::new();
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    for file in files {
        let scenario = Scenario::load(&file).unwrap_or_else(|e| panic!("{e}"));
        if scenario.tier != Tier::Standard {
            continue;
        }
        standard += 1;
        for m in models::all() {
            if !scenario.expect.keys().any(|k| k.0 == m.id) {
                missing.push(format!(
                    "{} does not name {} in `expect`",
                    file.display(),
                    m.id
                ));
            }
        }
    }
    assert!(
        standard >= 6,
        "the standard fault matrix has {standard} scenarios"
    );
    assert!(missing.is_empty(), "{}", missing.join("\n"));
}
