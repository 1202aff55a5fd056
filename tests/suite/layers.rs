//! The house's floors: every `crate::` path in `src/` and `models/` points
//! to its own floor or one below, so the imports run one way (models → node
//! API ← world ← checker ← reports) and no circle can form.
//!
//! Floors, lowest first. A file may name anything on its own floor or below.

use std::path::{Path, PathBuf};

/// (file or folder, module path it is named by, floor).
const FLOORS: &[(&str, &str, u32)] = &[
    // The ground: what models are written against, and the bare search.
    ("src/node/", "node", 0),
    ("src/engine/", "engine", 0),
    ("src/files.rs", "files", 0),
    // The locks and their registry (which names model types, nothing else).
    ("models/", "models", 1),
    // Faults as data.
    ("src/scenario.rs", "scenario", 2),
    // Time, network, faults, the workload and the resource.
    ("src/world/", "world", 3),
    // What is checked of every world state.
    ("src/properties.rs", "properties", 4),
    // What each model is expected to do; the trace file format.
    ("src/expectations.rs", "expectations", 5),
    ("src/trace/mod.rs", "trace", 5),
    // The checker.
    ("src/check/", "check", 6),
    // Reading traces back, and the benchmark.
    ("src/trace/replay.rs", "trace::replay", 7),
    ("src/trace/changes.rs", "trace::changes", 7),
    ("src/trace/export.rs", "trace::export", 7),
    ("src/bench/", "bench", 7),
    // Real servers: the models' servers and traces run on them.
    ("src/real/", "real", 7),
    // Every model instantiated for every command.
    ("src/registry.rs", "registry", 8),
    // Reports over many checks.
    ("src/compare/", "compare", 9),
    ("src/frontier/", "frontier", 9),
];

fn floor_of_file(relative: &str) -> Option<u32> {
    FLOORS
        .iter()
        .filter(|(place, _, _)| {
            relative == *place || (place.ends_with('/') && relative.starts_with(place))
        })
        .map(|(_, _, floor)| *floor)
        .next()
}

/// The floor of `crate::<path>`: the longest module path that prefixes it.
/// Names at the crate root that are not modules are the node API's macros.
fn floor_of_path(path: &str) -> u32 {
    FLOORS
        .iter()
        .filter(|(_, module, _)| path == *module || path.starts_with(&format!("{module}::")))
        .max_by_key(|(_, module, _)| module.len())
        .map_or(0, |(_, _, floor)| *floor)
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("readable source folder") {
        let path = entry.expect("a directory entry").path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// Every `crate::a::b` path in the code (comments left out), with its line.
fn crate_paths(text: &str) -> Vec<(usize, String)> {
    let mut found = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let code = line.split("//").next().unwrap_or("");
        let mut rest = code;
        while let Some(at) = rest.find("crate::") {
            let after = &rest[at + "crate::".len()..];
            let path: String = after
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_' || *c == ':')
                .collect();
            let path = path.trim_end_matches(':').to_string();
            // `use crate::{a, b}` names several: each is checked.
            if path.is_empty() && after.starts_with('{') {
                let inner = &after[1..after.find('}').unwrap_or(after.len())];
                for name in inner.split(',') {
                    let name = name.trim().split("::").collect::<Vec<_>>().join("::");
                    if !name.is_empty() {
                        found.push((n + 1, name));
                    }
                }
            } else if !path.is_empty() {
                found.push((n + 1, path));
            }
            rest = after;
        }
    }
    found
}

#[test]
fn imports_run_down_the_floors() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    rust_files(&root.join("src"), &mut files);
    rust_files(&root.join("models"), &mut files);
    files.sort();
    let mut wrong = Vec::new();
    let mut checked = 0;
    for file in files {
        let relative = file
            .strip_prefix(root)
            .expect("under the crate")
            .to_string_lossy()
            .replace('\\', "/");
        let Some(floor) = floor_of_file(&relative) else {
            continue; // main.rs and lib.rs: the top, which may name anything.
        };
        let text = std::fs::read_to_string(&file).expect("readable source");
        for (line, path) in crate_paths(&text) {
            checked += 1;
            let target = floor_of_path(&path);
            if target > floor {
                wrong.push(format!(
                    "{relative}:{line}: names crate::{path} (floor {target}) from floor {floor}"
                ));
            }
        }
    }
    assert!(checked > 100, "the scan found only {checked} paths");
    assert!(
        wrong.is_empty(),
        "imports that run up a floor:\n{}",
        wrong.join("\n")
    );
}

#[test]
fn the_node_api_names_nothing_of_the_crate() {
    let mut files = Vec::new();
    rust_files(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("src/node"),
        &mut files,
    );
    assert!(files.len() > 1, "the node API's files: {files:?}");
    // `#[macro_export]` puts the API's own macros at the crate's root, so
    // one of them calling another names it as `$crate::name`.
    let own_macros: Vec<String> = files
        .iter()
        .flat_map(|f| {
            let text = std::fs::read_to_string(f).expect("readable");
            text.lines()
                .filter_map(|l| l.trim().strip_prefix("macro_rules! "))
                .map(|rest| rest.trim_end_matches(" {").trim().to_string())
                .collect::<Vec<_>>()
        })
        .collect();
    for file in files {
        let text = std::fs::read_to_string(&file).expect("readable");
        let named: Vec<String> = crate_paths(&text)
            .into_iter()
            .filter(|(_, p)| !p.starts_with("node") && !own_macros.contains(p))
            .map(|(line, p)| format!("{}:{line}: crate::{p}", file.display()))
            .collect();
        assert!(named.is_empty(), "{}", named.join("\n"));
    }
}

#[test]
fn the_floor_scan_sees_an_upward_import() {
    // The scan itself can fail: a world file naming the checker is caught.
    let paths = crate_paths(
        "use crate::check::CheckOptions; // crate::compare\nuse crate::{node::NodeId, registry};",
    );
    let names: Vec<&str> = paths.iter().map(|(_, p)| p.as_str()).collect();
    assert_eq!(names, ["check::CheckOptions", "node::NodeId", "registry"]);
    assert!(floor_of_path("check::CheckOptions") > floor_of_file("src/world/mod.rs").unwrap());
    assert_eq!(floor_of_path("trace::replay::run"), 7);
    assert_eq!(floor_of_path("trace::TraceFile"), 5);
    assert_eq!(floor_of_path("rename_fields"), 0);
}
