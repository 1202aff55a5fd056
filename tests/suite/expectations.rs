//! The models' expectation files (`models/<file>.expect.json`): bad ones are
//! refused with their position, a scenario that still carries `expect` is
//! told where it went, and each model file's doc table is generated from its
//! expectations, so the two never disagree.
//!
//! `LOCKCHECK_BLESS=1 cargo test --test suite expectations::` rewrites the doc tables.

use crate::common;

use std::path::{Path, PathBuf};

use lockcheck::expectations::Expectations;
use lockcheck::registry;
use lockcheck::scenario::Scenario;

/// Parses `text` as `models/<module>.expect.json` and returns the error.
fn rejected(module: &str, text: &str) -> lockcheck::scenario::ScenarioError {
    let file = PathBuf::from(format!("models/{module}.expect.json"));
    let mut e = Expectations::none();
    match e.add_text(&file, text) {
        Ok(()) => panic!("accepted:\n{text}"),
        Err(err) => {
            assert_eq!(err.file, file);
            err
        }
    }
}

fn assert_mentions(e: &lockcheck::scenario::ScenarioError, mentions: &[&str]) {
    for m in mentions {
        assert!(e.to_string().contains(m), "{m:?} not in: {e}");
    }
}

#[test]
fn an_unknown_model_is_named_with_the_known_ones() {
    // `"redis_setnz"` spans columns 3 to 15 of line 2.
    let text = "{\n  \"redis_setnz\": { \"no-faults\": { \"mutual_exclusion\": \"holds\" } }\n}";
    let e = rejected("redis_setnx", text);
    assert_eq!((e.line, e.column), (2, 15), "{e}");
    assert_mentions(&e, &["unknown model `redis_setnz`", "redis_set_px"]);
}

#[test]
fn an_unknown_property_or_verdict_is_named_with_the_known_ones() {
    let text = "{\n  \"redis_setnx\": { \"no-faults\": { \"mutex\": \"holds\" } }\n}";
    let e = rejected("redis_setnx", text);
    assert_eq!(e.line, 2, "{e}");
    assert_mentions(&e, &["`mutex`", "`mutual_exclusion`"]);

    let text = "{\n  \"redis_setnx\": { \"no-faults\": { \"mutual_exclusion\": \"hold\" } }\n}";
    let e = rejected("redis_setnx", text);
    assert_eq!(e.line, 2, "{e}");
    assert_mentions(&e, &["`hold`", "`holds`", "`violated`"]);
}

#[test]
fn a_model_belongs_in_the_file_beside_its_code() {
    let text = "{\n  \"redlock\": { \"no-faults\": { \"mutual_exclusion\": \"holds\" } }\n}";
    let e = rejected("redis_setnx", text);
    assert_eq!((e.line, e.column), (2, 3), "{e}");
    assert_mentions(&e, &["models/redlock.rs", "redlock.expect.json"]);
}

#[test]
fn a_scenario_without_verdicts_and_a_model_stated_twice_are_refused() {
    let text = "{\n  \"redis_setnx\": { \"no-faults\": {} }\n}";
    let e = rejected("redis_setnx", text);
    assert_mentions(&e, &["no verdict"]);

    let file = PathBuf::from("models/redis_setnx.expect.json");
    let text = "{ \"redis_setnx\": { \"no-faults\": { \"progress\": \"holds\" } } }";
    let mut e = Expectations::none();
    e.add_text(&file, text).unwrap();
    let err = e.add_text(&file, text).unwrap_err();
    assert!(err.message.contains("already has expectations"), "{err}");
}

#[test]
fn a_scenario_that_carries_expect_is_told_where_expectations_live() {
    let text = r#"{
  "description": "d",
  "clients": 2,
  "rounds": 1,
  "horizon_ticks": 24,
  "faults_until_ticks": 0,
  "network": { "mode": "bounded", "delay_ticks_max": 1 },
  "params": { "ttl_ticks": 8, "retry_ticks": 2 },
  "expect": { "redis_setnx": { "mutual_exclusion": "holds" } }
}"#;
    let e = Scenario::parse(Path::new("x.json"), text).unwrap_err();
    assert_eq!((e.line, e.column), (10, 1), "{e}");
    assert!(e.message.contains("models/<file>.expect.json"), "{e}");
}

#[test]
fn the_shipped_expectations_load_and_every_model_has_its_file() {
    let expectations = common::expectations();
    for m in registry::all() {
        let file = expectations
            .file_of(m.id)
            .unwrap_or_else(|| panic!("{} has no expectations", m.id));
        assert_eq!(
            file.file_name().unwrap().to_string_lossy(),
            format!("{}.expect.json", m.module)
        );
    }
}

/// Standard scenarios in their column order, then the rest by name.
fn scenario_order() -> Vec<String> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios");
    let mut loaded: Vec<(Option<u32>, String)> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .map(|p| (Scenario::load(&p).unwrap().column, Scenario::name_of(&p)))
        .collect();
    loaded.sort_by_key(|(c, n)| (c.unwrap_or(u32::MAX), n.clone()));
    loaded.into_iter().map(|(_, n)| n).collect()
}

const BEGIN: &str = "//! <!-- expectations: generated from ";
const END: &str = "//! <!-- /expectations -->";

/// Every model file's module doc holds the table of its expectations, as
/// generated from its `.expect.json`.
#[test]
fn every_model_doc_shows_its_expectations() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let expectations = common::expectations();
    let order = scenario_order();
    let bless = std::env::var_os("LOCKCHECK_BLESS").is_some();
    let mut modules: Vec<&str> = registry::all().iter().map(|m| m.module).collect();
    modules.sort_unstable();
    modules.dedup();
    let mut stale = Vec::new();
    for module in modules {
        let Some(table) = expectations.doc_table(module, &order) else {
            continue;
        };
        let mut block = format!(
            "{BEGIN}{module}.expect.json by `LOCKCHECK_BLESS=1 cargo test --test suite expectations::` -->\n"
        );
        for line in table.lines() {
            block.push_str(&format!("//! {line}\n"));
        }
        block.push_str(END);
        let path = root.join("models").join(format!("{module}.rs"));
        let source = std::fs::read_to_string(&path).unwrap();
        let (Some(start), Some(end)) = (source.find(BEGIN), source.find(END)) else {
            stale.push(format!(
                "{}: no `{BEGIN}...` block; add one (two lines, `{BEGIN}{module}.expect.json -->` and `{END}`) to the module doc, then bless",
                path.display()
            ));
            continue;
        };
        let current = &source[start..end + END.len()];
        if current != block {
            if bless {
                let updated = format!("{}{block}{}", &source[..start], &source[end + END.len()..]);
                std::fs::write(&path, updated).unwrap();
            } else {
                stale.push(format!(
                    "{}: the expectations table differs from {module}.expect.json:\n{block}",
                    path.display()
                ));
            }
        }
    }
    assert!(
        stale.is_empty(),
        "{}\n(LOCKCHECK_BLESS=1 cargo test --test suite expectations:: rewrites the tables)",
        stale.join("\n")
    );
}

#[test]
fn a_state_limit_of_zero_is_refused_for_either_search() {
    for key in ["states_max", "liveness_states_max"] {
        let text = format!(
            "{{\n  \"redis_setnx\": {{ \"no-faults\": {{ \"deadlock_free\": \"holds\", \"{key}\": 0 }} }}\n}}"
        );
        let e = rejected("redis_setnx", &text);
        assert_eq!(e.line, 2, "{e}");
        assert_mentions(&e, &[&format!("`{key}` is 0, expected at least 1")]);
    }
}
