//! Reading the examples of a Markdown file and matching a command's output
//! against them; shared by the suite (the examples it can run anywhere)
//! and `tests/real_servers.rs` (those that replay on a real server).
//!
//! An example is a fenced block whose first line is a prompt followed by
//! the command's arguments; the rest of the block is its standard output,
//! line for line, except that a line reading `...` stands for any number
//! of lines, and trailing blanks are ignored.

use std::path::{Path, PathBuf};
use std::process::Command;

/// One example: where it is, the arguments after the prompt and the
/// output shown.
pub struct Example {
    pub line: usize,
    pub args: Vec<String>,
    pub shown: Vec<String>,
}

/// The examples of one Markdown file that start with `prompt`, in order.
pub fn examples(markdown: &str, prompt: &str) -> Vec<Example> {
    let mut found = Vec::new();
    let mut lines = markdown.lines().enumerate();
    while let Some((_, line)) = lines.next() {
        if !line.starts_with("```") {
            continue;
        }
        let mut block: Vec<(usize, &str)> = Vec::new();
        for (n, inner) in lines.by_ref() {
            if inner.starts_with("```") {
                break;
            }
            block.push((n + 1, inner));
        }
        if let Some(((line, first), rest)) = block.split_first()
            && let Some(args) = first.strip_prefix(prompt)
        {
            found.push(Example {
                line: *line,
                args: args.split_whitespace().map(str::to_string).collect(),
                shown: trimmed(rest.iter().map(|(_, l)| *l)),
            });
        }
    }
    found
}

/// Lines without trailing blanks, and without blank lines at the end.
fn trimmed<'a>(lines: impl Iterator<Item = &'a str>) -> Vec<String> {
    let mut out: Vec<String> = lines.map(|l| l.trim_end().to_string()).collect();
    while out.last().is_some_and(|l| l.is_empty()) {
        out.pop();
    }
    out
}

/// Whether `actual` is `shown`, where a shown line `...` (after trimming)
/// stands for any run of actual lines.
pub fn matches(shown: &[String], actual: &[String]) -> bool {
    match shown.split_first() {
        None => actual.is_empty(),
        Some((first, rest)) if first.trim() == "..." => {
            (0..=actual.len()).any(|skip| matches(rest, &actual[skip..]))
        }
        Some((first, rest)) => actual.first() == Some(first) && matches(rest, &actual[1..]),
    }
}

/// Runs `example` as `lockcheck ARGS` in `cwd` and panics, showing both,
/// where its output is not the one shown.
pub fn run(file: &str, example: &Example, cwd: &Path) {
    let out = Command::new(env!("CARGO_BIN_EXE_lockcheck"))
        .args(&example.args)
        .current_dir(cwd)
        .output()
        .unwrap();
    let actual = trimmed(String::from_utf8_lossy(&out.stdout).lines());
    assert!(
        matches(&example.shown, &actual),
        "{file}:{}: `lockcheck {}` no longer prints what the example shows \
         (exit {:?}).\n--- shown ---\n{}\n--- printed ---\n{}\n--- stderr ---\n{}",
        example.line,
        example.args.join(" "),
        out.status.code(),
        example.shown.join("\n"),
        actual.join("\n"),
        String::from_utf8_lossy(&out.stderr),
    );
}

/// A fresh directory `name` under the tests' scratch space holding only
/// the repository's `scenarios/` and `models/`, as a new user's clone has
/// them: where the examples run.
pub fn user_dir(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    for shared in ["scenarios", "models"] {
        std::os::unix::fs::symlink(root.join(shared), dir.join(shared)).unwrap();
    }
    dir
}
