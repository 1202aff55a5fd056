//! The examples in the README and in `docs/` are what the commands print.
//!
//! Every fenced block whose first line is `$ cargo run --release -- ARGS`
//! is run as `lockcheck ARGS`, in the order the file shows them, from a
//! directory that has the repository's `scenarios/` and `models/`, as a new
//! user's clone has; so a later example may use what an earlier one wrote
//! (the README's replay reads the trace its check wrote). What it prints
//! must be the rest of the block (see `tests/support/doc_examples.rs`).
//! The examples that replay on a real server are run by
//! `tests/real_servers.rs`.

use std::path::Path;

#[path = "../support/doc_examples.rs"]
mod support;

use support::{examples, matches, run, user_dir};

const PROMPT: &str = "$ cargo run --release -- ";

/// Runs one file's examples; returns how many ran.
fn check_file(file: &str) -> usize {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(root.join(file)).unwrap();
    let cwd = user_dir(&format!("doc-examples-{}", file.replace('/', "-")));
    let found = examples(&text, PROMPT);
    for example in &found {
        run(file, example, &cwd);
    }
    found.len()
}

#[test]
fn the_readme_examples_print_what_they_show() {
    assert_eq!(check_file("README.md"), 2);
}

#[test]
fn the_docs_examples_print_what_they_show() {
    let docs = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs");
    let mut files: Vec<String> = std::fs::read_dir(docs)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "md"))
        .map(|p| format!("docs/{}", p.file_name().unwrap().to_str().unwrap()))
        .collect();
    files.sort();
    let ran: usize = files.iter().map(|f| check_file(f)).sum();
    // frontier.md 1, properties.md 2, simulation.md 1: a mistyped prompt
    // would otherwise leave an example unchecked without a word.
    assert_eq!(ran, 4);
}

#[test]
fn an_elided_example_matches_only_what_it_elides() {
    let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>();
    assert!(matches(&s(&["a", "...", "d"]), &s(&["a", "b", "c", "d"])));
    assert!(matches(&s(&["a", "...", "d"]), &s(&["a", "d"])));
    assert!(!matches(&s(&["a", "...", "d"]), &s(&["a", "b", "c"])));
    assert!(!matches(&s(&["a", "b"]), &s(&["a", "b", "c"])));
    assert!(!matches(&s(&["a", "x", "...", "d"]), &s(&["a", "b", "d"])));
}
