//! `lockcheck list`: the models, properties and scenarios.

use std::path::Path;

use lockcheck::compare::scenario_files;
use lockcheck::properties::PropertyName;
use lockcheck::registry;
use lockcheck::scenario::{Scenario, Tier};

use super::exit;
use super::load_expectations;

pub(super) fn list(scenarios_dir: &Path, expectations_dir: &Path) -> u8 {
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
    println!("\nReal servers (`replay TRACE --against SERVER`):");
    let mut by_program = std::collections::BTreeMap::new();
    for m in &entries {
        if let Some(real) = m.real_server {
            by_program
                .entry(real.program.name())
                .or_insert_with(Vec::new)
                .push(m.id);
        }
    }
    for (program, ids) in &by_program {
        println!("  {program:<28}  models: {}", ids.join(", "));
    }
    println!(
        "  {:<28}  Redis you run, in real time (Redlock: a URL per master, comma-separated)",
        "redis://HOST:PORT"
    );
    println!(
        "  {:<28}  a PostgreSQL you run, in real time (tables in the schema `lockcheck`)",
        "postgres://USER@HOST:PORT/DB"
    );
    println!(
        "  {:<28}  a ZooKeeper you run (its nodes under /lockcheck)",
        "zk://HOST:PORT"
    );
    println!(
        "  {:<28}  an etcd you run (its client URL; etcd:// also works)",
        "http://HOST:PORT"
    );
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
