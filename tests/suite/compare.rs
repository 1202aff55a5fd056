//! `lockcheck compare` as a user and a CI system meet it: the matrix, the
//! three reports and their determinism, `--check` and its exit codes, JUnit's
//! structure, the GitHub step summary, `--estimate`, and bad input.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use lockcheck::compare::spacetime_svg;
use lockcheck::world::{Diagram, DiagramEvent, EventKind, Fate, FaultEvent};

fn lockcheck(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_lockcheck"));
    cmd.args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env_remove("GITHUB_STEP_SUMMARY");
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().expect("the binary runs")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

const SMALL: &[&str] = &[
    "compare",
    "--model",
    "redis_setnx",
    "--model",
    "redis_set_px_fenced",
    "--model",
    "redis_failover",
    "--scenario",
    "scenarios/no-faults.json",
    "--scenario",
    "scenarios/holder-crash.json",
    "--scenario",
    "scenarios/gc-pause.json",
];

/// Runs the small comparison into `dir` with `threads` threads.
fn small(dir: &Path, threads: &str) -> Output {
    let mut args = SMALL.to_vec();
    let junit = dir.join("junit.xml");
    args.extend([
        "--report-dir",
        dir.to_str().unwrap(),
        "--junit",
        junit.to_str().unwrap(),
        "--threads",
        threads,
    ]);
    lockcheck(&args, &[])
}

#[test]
fn the_matrix_shows_each_model_under_each_fault_and_the_reports_are_deterministic() {
    let one = temp_dir("compare-small-1");
    let two = temp_dir("compare-small-2");
    let a = small(&one, "1");
    assert_eq!(a.status.code(), Some(0), "{}", stderr(&a));
    let text = stdout(&a);
    let matrix: Vec<&str> = text.lines().take(5).collect();
    assert_eq!(
        matrix,
        [
            "model                where it breaks (every scenario not named: ok)",
            &"-".repeat(100),
            "redis_set_px_fenced  ok under 2 of 3; gc-pause: mutex ✗20",
            "redis_setnx          ok under 2 of 3; holder-crash: progress ✗54, deadlock ✗24+7, starvation ✗24+7",
            "redis_failover       ok under 2 of 3; gc-pause: mutex ✗27, resource ✗33",
        ],
        "{text}"
    );
    assert!(text.contains("9 checks: 9 as expected, 0 not"), "{text}");
    for line in text.lines().filter(|l| !l.starts_with("wrote ")) {
        assert!(
            line.chars().count() <= 100,
            "wider than 100 columns: {line}"
        );
    }

    let b = small(&two, "2");
    assert_eq!(b.status.code(), Some(0), "{}", stderr(&b));
    assert_eq!(
        text,
        stdout(&b).replace(two.to_str().unwrap(), one.to_str().unwrap()),
        "stdout depends on the thread count"
    );
    for file in [
        "comparison.md",
        "comparison.json",
        "comparison.html",
        "junit.xml",
    ] {
        let (x, y) = (read(&one.join(file)), read(&two.join(file)));
        if file == "junit.xml" {
            // Only the measured times may differ.
            let strip = |s: &str| {
                s.lines()
                    .map(|l| match l.find(" time=\"") {
                        Some(i) => l[..i].to_string(),
                        None => l.to_string(),
                    })
                    .collect::<Vec<_>>()
            };
            assert_eq!(strip(&x), strip(&y));
        } else {
            assert!(
                x == y.replace(two.to_str().unwrap(), one.to_str().unwrap()),
                "{file} differs between --threads 1 and 2"
            );
        }
    }

    // Markdown: every violation links to a section with a Mermaid diagram and
    // a replay command.
    let md = read(&one.join("comparison.md"));
    let links: Vec<&str> = md
        .match_indices("](#")
        .map(|(i, _)| {
            let rest = &md[i + 3..];
            &rest[..rest.find(')').unwrap()]
        })
        .collect();
    assert_eq!(links.len(), 6, "{md}");
    for link in &links {
        let section = md
            .split(&format!("<a id=\"{link}\"></a>"))
            .nth(1)
            .unwrap_or_else(|| panic!("no section for #{link}"));
        let section = section.split("<a id=").next().unwrap();
        assert!(
            section.contains("```mermaid\nsequenceDiagram\n"),
            "{section}"
        );
        assert!(
            section.contains("- replay: `cargo run --release -- replay "),
            "{section}"
        );
    }

    // JSON: every cell, with its status.
    let json: serde_json::Value =
        serde_json::from_str(&read(&one.join("comparison.json"))).unwrap();
    assert_eq!(json["cells"].as_array().unwrap().len(), 9);
    assert_eq!(json["cells"][8]["status"], "checked");
    assert_eq!(json["cells"][8]["report"]["scenario"], "gc-pause");
    assert_eq!(
        json["cells"][4]["report"]["properties"][0]["verdict"],
        "holds"
    );

    // HTML: self-contained, internal links resolve, every SVG is well-formed.
    let html = read(&one.join("comparison.html"));
    assert!(html.starts_with("<!DOCTYPE html>"));
    for needle in ["<script", "src=", "<link", "@import", "url(http"] {
        assert!(!html.contains(needle), "the page loads something: {needle}");
    }
    for (i, _) in html.match_indices("href=\"") {
        let target = &html[i + 6..];
        let target = &target[..target.find('"').unwrap()];
        let id = target
            .strip_prefix('#')
            .unwrap_or_else(|| panic!("an external link: {target}"));
        assert!(html.contains(&format!("id=\"{id}\"")), "no #{id}");
    }
    let svgs: Vec<&str> = html
        .match_indices("<svg ")
        .map(|(i, _)| {
            let rest = &html[i..];
            &rest[..rest.find("</svg>").unwrap() + 6]
        })
        .collect();
    assert_eq!(svgs.len(), 6);
    for svg in svgs {
        roxmltree::Document::parse(svg).expect("well-formed SVG");
    }
}

#[test]
fn junit_output_has_the_structure_ci_reporters_read() {
    let dir = temp_dir("compare-junit");
    let out = small(&dir, "2");
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let xml = read(&dir.join("junit.xml"));
    let doc = roxmltree::Document::parse(&xml).expect("well-formed XML");
    let root = doc.root_element();
    assert_eq!(root.tag_name().name(), "testsuites");
    let attr = |n: roxmltree::Node, a: &str| -> usize {
        n.attribute(a)
            .unwrap_or_else(|| panic!("<{}> has no {a}", n.tag_name().name()))
            .parse()
            .unwrap_or_else(|_| panic!("{a} is not a count"))
    };
    let suites: Vec<_> = root.children().filter(|n| n.is_element()).collect();
    let names: Vec<&str> = suites
        .iter()
        .map(|s| s.attribute("name").unwrap())
        .collect();
    assert_eq!(names, ["no-faults", "holder-crash", "gc-pause"]);
    let (mut tests, mut failures, mut errors, mut skipped) = (0, 0, 0, 0);
    for suite in &suites {
        assert_eq!(suite.tag_name().name(), "testsuite");
        assert!(suite.attribute("time").unwrap().parse::<f64>().is_ok());
        let cases: Vec<_> = suite.children().filter(|n| n.is_element()).collect();
        assert_eq!(attr(*suite, "tests"), cases.len());
        let count = |tag: &str| {
            cases
                .iter()
                .filter(|c| c.children().any(|k| k.tag_name().name() == tag))
                .count()
        };
        assert_eq!(attr(*suite, "failures"), count("failure"));
        assert_eq!(attr(*suite, "errors"), count("error"));
        assert_eq!(attr(*suite, "skipped"), count("skipped"));
        for case in &cases {
            assert_eq!(case.tag_name().name(), "testcase");
            assert!(case.attribute("name").is_some() && case.attribute("classname").is_some());
            assert!(case.attribute("time").unwrap().parse::<f64>().is_ok());
        }
        tests += cases.len();
        failures += count("failure");
        errors += count("error");
        skipped += count("skipped");
    }
    assert_eq!(attr(root, "tests"), tests);
    assert_eq!(attr(root, "failures"), failures);
    assert_eq!(attr(root, "errors"), errors);
    assert_eq!(attr(root, "skipped"), skipped);
    // 9 cells of 4 properties, plus the 2 liveness properties in each, all
    // as expected.
    assert_eq!((tests, failures, errors, skipped), (54, 0, 0, 0));
}

/// A scenario directory holding no-faults, and an expectations directory in
/// which redis_setnx expects a bug there that it does not have.
fn doctored_scenarios(name: &str) -> (PathBuf, PathBuf) {
    let dir = temp_dir(name);
    let scenarios = dir.join("scenarios");
    let expectations = dir.join("expectations");
    std::fs::create_dir_all(&scenarios).unwrap();
    std::fs::create_dir_all(&expectations).unwrap();
    std::fs::copy("scenarios/no-faults.json", scenarios.join("no-faults.json")).unwrap();
    let text = read(Path::new("models/redis_setnx.expect.json"));
    let mut json: serde_json::Value = serde_json::from_str(&text).unwrap();
    json["redis_setnx"]["no-faults"]["mutual_exclusion"] = "violated".into();
    std::fs::write(
        expectations.join("redis_setnx.expect.json"),
        serde_json::to_string_pretty(&json).unwrap(),
    )
    .unwrap();
    (scenarios, expectations)
}

#[test]
fn check_exits_1_naming_each_verdict_that_differs_and_junit_and_the_step_summary_show_it() {
    let (scenarios, expectations) = doctored_scenarios("compare-doctored");
    let reports = temp_dir("compare-doctored-reports");
    let summary = reports.join("step-summary.md");
    std::fs::write(&summary, "earlier step\n").unwrap();
    let junit = reports.join("junit.xml");
    let mut args = vec![
        "compare",
        "--model",
        "redis_setnx",
        "--scenarios-dir",
        scenarios.to_str().unwrap(),
        "--expectations-dir",
        expectations.to_str().unwrap(),
        "--report-dir",
        reports.to_str().unwrap(),
        "--junit",
        junit.to_str().unwrap(),
    ];
    let env = [("GITHUB_STEP_SUMMARY", summary.to_str().unwrap())];
    let plain = lockcheck(&args, &env);
    assert_eq!(
        plain.status.code(),
        Some(0),
        "without --check it only reports"
    );
    args.push("--check");
    let checked = lockcheck(&args, &env);
    assert_eq!(checked.status.code(), Some(1), "{}", stderr(&checked));
    let text = stdout(&checked);
    assert!(
        text.contains(
            "DIFFERS: redis_setnx under no-faults: mutual_exclusion expected violated, got holds: an expected bug is no longer found"
        ),
        "{text}"
    );
    assert!(
        text.contains("redis_setnx  ok under 0 of 1; no-faults: mutex ✓!"),
        "{text}"
    );

    let xml = read(&junit);
    let doc = roxmltree::Document::parse(&xml).unwrap();
    let failure = doc
        .descendants()
        .find(|n| n.tag_name().name() == "failure")
        .expect("a failure element");
    assert_eq!(
        failure.attribute("message"),
        Some("expected violated, got holds")
    );
    assert_eq!(
        failure.parent().unwrap().attribute("name"),
        Some("mutual_exclusion")
    );

    let steps = read(&summary);
    assert!(
        steps.starts_with("earlier step\n## lockcheck compare\n"),
        "{steps}"
    );
    assert_eq!(steps.matches("## lockcheck compare").count(), 2);
    assert!(
        steps.contains("| `redis_setnx` | mutex ✓! (live) |"),
        "{steps}"
    );
    assert!(steps.contains("- **redis_setnx under no-faults: mutual_exclusion"));

    let html = read(&reports.join("comparison.html"));
    assert!(
        html.contains("<td class=\"differs\">"),
        "the cell is marked"
    );
}

#[test]
fn estimate_reports_failure_rates_with_intervals_reproducibly() {
    let args = [
        "compare",
        "--model",
        "redis_py_lock",
        "--scenario",
        "scenarios/message-loss.json",
        "--estimate",
        "--runs",
        "300",
        "--seed",
        "7",
        "--json",
        "--no-reports",
    ];
    let a = lockcheck(&args, &[]);
    assert_eq!(a.status.code(), Some(0), "{}", stderr(&a));
    let json: serde_json::Value = serde_json::from_slice(&a.stdout).unwrap();
    let e = &json["cells"][0]["estimate"];
    assert_eq!(e["runs"], 300);
    assert_eq!(e["seed"], "7");
    let props: Vec<&str> = e["properties"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["property"].as_str().unwrap())
        .collect();
    assert_eq!(props, ["mutual_exclusion", "resource_safe", "progress"]);
    for p in e["properties"].as_array().unwrap() {
        let (hit, rate) = (p["runs_hit"].as_u64().unwrap(), p["rate"].as_f64().unwrap());
        assert!((rate - hit as f64 / 300.0).abs() < 1e-12);
        let (lo, hi) = (
            p["ci95"][0].as_f64().unwrap(),
            p["ci95"][1].as_f64().unwrap(),
        );
        assert!(lo <= rate && rate <= hi && 0.0 <= lo && hi <= 1.0);
    }
    assert!(
        e["command"]
            .as_str()
            .unwrap()
            .starts_with("cargo run --release -- simulate --model redis_py_lock")
    );
    let b = lockcheck(&args, &[]);
    assert_eq!(a.stdout, b.stdout, "the same seed gives the same estimate");
}

#[test]
fn bad_input_is_a_clear_error_with_exit_4() {
    let unknown = lockcheck(&["compare", "--model", "no_such_lock", "--no-reports"], &[]);
    assert_eq!(unknown.status.code(), Some(4));
    assert!(stderr(&unknown).contains("unknown model `no_such_lock`"));

    let dir = temp_dir("compare-bad-scenario");
    std::fs::write(
        dir.join("typo.json"),
        read(Path::new("scenarios/no-faults.json")).replacen("\"rounds\"", "\"roundz\"", 1),
    )
    .unwrap();
    let bad = lockcheck(
        &[
            "compare",
            "--scenarios-dir",
            dir.to_str().unwrap(),
            "--no-reports",
        ],
        &[],
    );
    assert_eq!(bad.status.code(), Some(4));
    let err = stderr(&bad);
    assert!(
        err.contains("typo.json:") && err.contains("roundz"),
        "{err}"
    );
}

/// A hand-made path: c1 acquires, its release is lost, c2 acquires while c1
/// is paused and still believes it holds the lock.
fn diagram() -> Diagram {
    let ev = |step, tick, kind, label: &str, holders: Vec<usize>| DiagramEvent {
        step,
        tick,
        kind,
        label: label.into(),
        holders,
    };
    Diagram {
        nodes: vec!["srv".into(), "c1".into(), "c2".into(), "res".into()],
        clients: vec![1, 2],
        initial_holders: vec![],
        loop_start: Some(4),
        events: vec![
            ev(
                1,
                0,
                EventKind::Message {
                    from: 1,
                    to: 0,
                    sent_step: 0,
                    fate: Fate::Delivered,
                },
                "lock <c1> & go",
                vec![],
            ),
            ev(
                2,
                0,
                EventKind::Message {
                    from: 0,
                    to: 1,
                    sent_step: 1,
                    fate: Fate::Delivered,
                },
                "granted",
                vec![1],
            ),
            ev(
                3,
                0,
                EventKind::Fault {
                    node: Some(1),
                    fault: FaultEvent::Pause,
                },
                "PAUSES",
                vec![1],
            ),
            ev(4, 1, EventKind::Tick, "time passes", vec![1]),
            ev(
                5,
                1,
                EventKind::Message {
                    from: 2,
                    to: 0,
                    sent_step: 0,
                    fate: Fate::Lost,
                },
                "lock c2",
                vec![1],
            ),
            ev(6, 1, EventKind::Timer { node: 2 }, "retry", vec![1]),
            ev(
                7,
                1,
                EventKind::Message {
                    from: 0,
                    to: 2,
                    sent_step: 6,
                    fate: Fate::Delivered,
                },
                "granted",
                vec![1, 2],
            ),
        ],
    }
}

#[test]
fn the_space_time_diagram_draws_messages_faults_and_overlapping_holders() {
    let svg = spacetime_svg(&diagram(), "a \"quoted\" <title>");
    let doc = roxmltree::Document::parse(&svg).expect("well-formed SVG");
    let root = doc.root_element();
    assert_eq!(root.tag_name().name(), "svg");
    let count = |tag: &str| {
        doc.descendants()
            .filter(|n| n.tag_name().name() == tag)
            .count()
    };
    // A lane line per node, plus the arrows of the delivered messages.
    let arrows = doc
        .descendants()
        .filter(|n| n.attribute("marker-end") == Some("url(#arrowhead)"))
        .count();
    assert_eq!(arrows, 3);
    // The lost message is dashed red and crossed.
    assert!(
        doc.descendants()
            .any(|n| n.attribute("stroke") == Some("#c62828")
                && n.attribute("stroke-dasharray").is_some())
    );
    // The pause is a shaded span to the end; the timer a circle.
    assert!(
        doc.descendants()
            .any(|n| n.tag_name().name() == "rect" && n.attribute("fill") == Some("#ffcc80"))
    );
    assert_eq!(count("circle"), 1);
    // Two holding bars, and a red band at the step where both hold.
    assert_eq!(
        doc.descendants()
            .filter(|n| n.attribute("fill") == Some("#2e7d32"))
            .count(),
        2
    );
    assert_eq!(
        doc.descendants()
            .filter(|n| n.attribute("fill") == Some("#ffcdd2"))
            .count(),
        1
    );
    // Labels are escaped text, not markup.
    assert!(svg.contains("lock &lt;c1&gt; &amp; go"));
    // The lasso's cycle is bracketed.
    assert!(svg.contains("from step 5 on, these steps repeat forever"));
}

#[test]
fn the_mermaid_diagram_marks_a_lasso_and_balances_activations() {
    let text = diagram().mermaid("deadlock_free VIOLATED");
    let lines: Vec<&str> = text.lines().collect();
    let open = lines
        .iter()
        .position(|l| l.trim() == "loop after step 4, forever")
        .expect("a loop block");
    // The loop opens before step 5's event and closes before the final note.
    assert!(lines[open + 1].contains(": 5 t=1 LOST lock c2"), "{text}");
    assert_eq!(lines[lines.len() - 2].trim(), "end", "{text}");
    assert!(lines[lines.len() - 1].contains("Note over c1,c2: deadlock_free VIOLATED"));
    let mut active = std::collections::BTreeMap::new();
    for l in &lines {
        if let Some(p) = l.trim().strip_prefix("activate ") {
            *active.entry(p).or_insert(0) += 1;
        }
        if let Some(p) = l.trim().strip_prefix("deactivate ") {
            *active.entry(p).or_insert(0) -= 1;
        }
    }
    assert!(active.values().all(|n| *n == 0 || *n == 1), "{text}");
}

#[test]
fn a_frontier_report_that_no_longer_parses_is_left_out_with_a_warning() {
    let dir = temp_dir("compare-stale-frontier");
    std::fs::create_dir_all(dir.join("frontier")).unwrap();
    std::fs::write(dir.join("frontier/old.json"), "{\"model\": 3}").unwrap();
    let o = lockcheck(
        &[
            "compare",
            "--model",
            "redis_setnx",
            "--scenario",
            "scenarios/no-faults.json",
            "--report-dir",
            dir.to_str().unwrap(),
        ],
        &[],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("frontier/old.json:1:") && stderr(&o).contains("leave it out"),
        "{}",
        stderr(&o)
    );
    let md = read(&dir.join("comparison.md"));
    assert!(md.contains("redis_setnx"), "{md}");
    assert!(!md.contains("Safety frontier"), "{md}");
}

/// `--wide` prints the whole grid, a column per scenario.
#[test]
fn wide_prints_the_whole_grid() {
    let mut args = SMALL.to_vec();
    args.extend(["--no-reports", "--wide"]);
    let out = lockcheck(&args, &[]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    let matrix: Vec<&str> = text.lines().take(5).collect();
    assert_eq!(
        matrix,
        [
            "model                no-faults  holder-crash                                    gc-pause",
            "--------------------------------------------------------------------------------------------------------------",
            "redis_set_px_fenced  ok (live)  ok (live)                                       mutex ✗20 (live)",
            "redis_setnx          ok (live)  progress ✗54, deadlock ✗24+7, starvation ✗24+7  ok (live)",
            "redis_failover       ok (live)  ok (live)                                       mutex ✗27, resource ✗33 (live)",
        ],
        "{text}"
    );
}

/// A plain run writes under target/lockcheck, never into the committed
/// reports/; `--update-reports` writes there.
#[test]
fn only_update_reports_writes_into_reports() {
    let cwd = temp_dir("compare-report-dirs");
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let run = |extra: &[&str]| {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_lockcheck"));
        cmd.current_dir(&cwd).args([
            "compare",
            "--model",
            "no_lock",
            "--scenario",
            root.join("scenarios/no-faults.json").to_str().unwrap(),
            "--scenarios-dir",
            root.join("scenarios").to_str().unwrap(),
            "--expectations-dir",
            root.join("models").to_str().unwrap(),
        ]);
        cmd.args(extra);
        let out = cmd.output().unwrap();
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    };
    run(&[]);
    assert!(cwd.join("target/lockcheck/comparison.md").is_file());
    assert!(cwd.join("target/lockcheck/traces").is_dir());
    assert!(!cwd.join("reports").exists());
    run(&["--update-reports"]);
    assert!(cwd.join("reports/comparison.md").is_file());
}

/// A whole matrix's report directory holds its traces and no others: a
/// trace an earlier run wrote for a verdict that has changed since is
/// removed, so that nothing replays it as current. A run of part of the
/// matrix leaves the others alone.
#[test]
fn a_whole_matrix_removes_the_traces_no_cell_of_it_wrote() {
    let scenarios = temp_dir("compare-prune-scenarios");
    let mut tiny: serde_json::Value =
        serde_json::from_str(&read(Path::new("scenarios/no-faults.json"))).unwrap();
    tiny["horizon_ticks"] = 6.into();
    tiny["simulation"]["runs"] = 10.into();
    std::fs::write(scenarios.join("tiny.json"), tiny.to_string()).unwrap();
    let reports = temp_dir("compare-prune-reports");
    let traces = reports.join("traces");
    let run = |models: &[&str]| {
        std::fs::create_dir_all(&traces).unwrap();
        std::fs::write(traces.join("stale.tiny.mutual_exclusion.json"), "{}").unwrap();
        std::fs::write(traces.join("notes.txt"), "mine").unwrap();
        let mut args = vec![
            "compare",
            "--scenarios-dir",
            scenarios.to_str().unwrap(),
            "--report-dir",
            reports.to_str().unwrap(),
        ];
        for m in models {
            args.extend(["--model", m]);
        }
        let out = lockcheck(&args, &[]);
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        stdout(&out)
    };
    let text = run(&[]);
    assert!(
        text.contains("removed 1 trace file(s) from")
            && !traces.join("stale.tiny.mutual_exclusion.json").exists(),
        "{text}"
    );
    assert!(traces.join("notes.txt").exists(), "only traces go");
    // Every trace the comparison names is there.
    let json: serde_json::Value =
        serde_json::from_str(&read(&reports.join("comparison.json"))).unwrap();
    let named = json.to_string().matches("\"trace_file\"").count();
    assert!(named > 10, "{named}");
    let present = std::fs::read_dir(&traces)
        .unwrap()
        .filter(|e| {
            e.as_ref()
                .unwrap()
                .path()
                .extension()
                .is_some_and(|x| x == "json")
        })
        .count();
    assert_eq!(present, named);

    let text = run(&["no_lock"]);
    assert!(!text.contains("removed"), "{text}");
    assert!(traces.join("stale.tiny.mutual_exclusion.json").exists());
}

/// A comparison without what differs by where and how it was run: the
/// command and the trace files' directories.
fn comparable(file: &Path) -> serde_json::Value {
    let mut v: serde_json::Value = serde_json::from_str(&read(file)).unwrap();
    v.as_object_mut().unwrap().remove("command");
    for cell in v["cells"].as_array_mut().unwrap() {
        if let Some(properties) = cell["report"]["properties"].as_array_mut() {
            for p in properties {
                if let Some(path) = p.get_mut("path").and_then(|x| x.as_object_mut()) {
                    path.remove("trace_file");
                }
            }
        }
    }
    v
}

#[test]
fn comparisons_split_by_models_or_by_scenarios_merge_into_the_whole() {
    let d = temp_dir("compare-merge");
    let run = |name: &str, models: &[&str], scenarios: &[&str]| {
        let dir = d.join(name);
        let mut args = vec!["compare", "--report-dir", dir.to_str().unwrap()];
        for m in models {
            args.extend(["--model", m]);
        }
        for s in scenarios {
            args.extend(["--scenario", s]);
        }
        let o = lockcheck(&args, &[]);
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
        dir.join("comparison.json")
    };
    let both = ["redis_setnx", "no_lock"];
    let scenarios = ["scenarios/no-faults.json", "scenarios/gc-pause.json"];
    let whole = run("whole", &both, &scenarios);
    let parts = [
        // By models, given in the other order: rows come out in the registry's.
        (
            run("no_lock", &["no_lock"], &scenarios),
            run("setnx", &["redis_setnx"], &scenarios),
        ),
        // By scenarios, given in the other order: columns come out in compare's.
        (
            run("pause", &both, &scenarios[1..]),
            run("baseline", &both, &scenarios[..1]),
        ),
    ];
    for (a, b) in &parts {
        let merged = d.join("merged.json");
        let o = lockcheck(
            &[
                "merge",
                a.to_str().unwrap(),
                b.to_str().unwrap(),
                "-o",
                merged.to_str().unwrap(),
            ],
            &[],
        );
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
        assert_eq!(comparable(&merged), comparable(&whole));
    }
    // The same model twice, or a split by neither: refused.
    let (no_lock, pause) = (&parts[0].0, &parts[1].0);
    for (a, b, says) in [
        (no_lock, no_lock, "in two of the comparisons"),
        (no_lock, pause, "share neither"),
    ] {
        let o = lockcheck(&["merge", a.to_str().unwrap(), b.to_str().unwrap()], &[]);
        assert_eq!(o.status.code(), Some(4), "{}", stderr(&o));
        assert!(stderr(&o).contains(says), "{}", stderr(&o));
    }
}
