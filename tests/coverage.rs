//! Every model runs under every standard scenario: a standard scenario must
//! name each model, in `expect` or, when it is too large to check in CI, in
//! `on_demand_models`.

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
            let named = scenario.expect.keys().any(|k| k.0 == m.id)
                || scenario.on_demand_models.iter().any(|k| k.0 == m.id);
            if !named {
                missing.push(format!(
                    "{} names {} neither in `expect` nor in `on_demand_models`",
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

/// Every (model, scenario) pair that `lockcheck check` runs by default is
/// pinned in a `tests/*_models.rs` file, so the test suite checks everything
/// the main job checks (and CI need not run both).
#[test]
fn every_default_check_is_pinned() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut pinned = std::collections::BTreeSet::new();
    for entry in std::fs::read_dir(root.join("tests")).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        if !name.ends_with("_models.rs") {
            continue;
        }
        for line in std::fs::read_to_string(&path).unwrap().lines() {
            // `    name: "model", "scenario", 1234, "verdicts";`
            let quoted: Vec<&str> = line.split('"').collect();
            if quoted.len() >= 6 && line.trim_end().ends_with("\";") {
                pinned.insert((quoted[1].to_string(), quoted[3].to_string()));
            }
        }
    }
    let mut missing = Vec::new();
    for entry in std::fs::read_dir(root.join("scenarios")).unwrap() {
        let file = entry.unwrap().path();
        let scenario = Scenario::load(&file).unwrap_or_else(|e| panic!("{e}"));
        if scenario.tier == Tier::OnDemand {
            continue;
        }
        let name = Scenario::name_of(&file);
        for model in scenario.expect.keys() {
            let on_demand = scenario.on_demand_models.iter().any(|m| m == model);
            if !on_demand && !pinned.contains(&(model.0.clone(), name.clone())) {
                missing.push(format!("{model} under {name}"));
            }
        }
    }
    missing.sort();
    assert!(
        missing.is_empty(),
        "not pinned in tests/*_models.rs:\n{}",
        missing.join("\n")
    );
}
