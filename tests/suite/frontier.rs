//! The safety frontier: a small grid of redis_set_px pinned (verdicts and the
//! statement), the same result for any thread count, the errors for axes a
//! model does not read or ranges that do not parse, honesty about
//! inconclusive and contradicting points, well-formed SVG, and the command
//! line.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use lockcheck::frontier::{
    self, Axis, FrontierOptions, FrontierPoint, FrontierReport, Outcome, parse_axis,
};
use lockcheck::properties::PropertyName;
use lockcheck::registry;
use lockcheck::scenario::Scenario;

fn axis(text: &str) -> Axis {
    parse_axis(text).unwrap_or_else(|e| panic!("{e}"))
}

fn sweep(model: &str, axes: &[&str], threads: usize) -> FrontierReport {
    let entry = registry::find(model).expect("registered model");
    let axes: Vec<Axis> = axes.iter().map(|a| axis(a)).collect();
    let (file, base) = frontier::default_base(&axes).expect("built-in base");
    let options = FrontierOptions {
        axes,
        properties: Vec::new(),
        threads,
        states_max: None,
        seconds_max: None,
        memory_max: None,
    };
    frontier::run(&entry, &base, &file, &options, &mut |_, _| {}).unwrap_or_else(|e| panic!("{e}"))
}

/// The verdict grid of one property, a row per line: `✓`, `✗k`, `?`.
fn grid(report: &FrontierReport, property: PropertyName) -> String {
    let cols = report.axes.last().unwrap().values().len();
    report
        .points
        .chunks(cols)
        .map(|row| {
            row.iter()
                .map(|p| p.verdicts[&property].cell())
                .collect::<Vec<_>>()
                .join(" ")
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn redis_set_px_frontier_on_a_small_grid_is_pinned() {
    let report = sweep(
        "redis_set_px",
        &["ttl_ticks=6..8", "pause_ticks_max=0..3"],
        2,
    );
    assert_eq!(report.points.len(), 12);
    assert_eq!(
        grid(&report, PropertyName::MutualExclusion),
        "✓ ✗20 ✗20 ✗18\n\
         ✓ ✓ ✗21 ✗21\n\
         ✓ ✓ ✓ ✗22"
    );
    assert_eq!(
        grid(&report, PropertyName::ResourceSafe),
        "✓ ✓ ✗24 ✗24\n\
         ✓ ✓ ✓ ✗25\n\
         ✓ ✓ ✓ ✓"
    );
    let statements: Vec<&str> = report
        .frontiers
        .iter()
        .map(|f| f.statement.as_str())
        .collect();
    assert_eq!(
        statements,
        [
            "mutual_exclusion holds exactly when pause_ticks_max < ttl_ticks - 5 (on the grid ttl_ticks 6..8, pause_ticks_max 0..3)",
            "resource_safe holds exactly when pause_ticks_max < ttl_ticks - 4 (on the grid ttl_ticks 6..8, pause_ticks_max 0..3)",
        ]
    );
    // The boundary along each row: ttl 7 holds up to a pause of 1 and is
    // violated from 2.
    let mutex = &report.frontiers[0];
    let ttl7 = &mutex.by_row[1];
    assert_eq!(ttl7.fixed, Some(7));
    assert_eq!((ttl7.holds_min, ttl7.holds_max), (Some(0), Some(1)));
    assert_eq!(
        ttl7.transitions,
        [frontier::Transition {
            from: 1,
            to: 2,
            holds_after: false
        }]
    );
    // And down each column: a pause of 2 needs a TTL of 8.
    let pause2 = &mutex.by_column[2];
    assert_eq!((pause2.fixed, pause2.holds_min), (Some(2), Some(8)));
    assert!(!report.any_inconclusive());
    assert!(report.points.iter().all(|p| p.lock_acquired));

    // The text table shows the same cells and the statement.
    let text = frontier::render_text(&report);
    assert!(text.contains("ttl_ticks (ticks)"), "{text}");
    assert!(text.contains("pause_ticks_max (ticks)"), "{text}");
    assert!(
        text.lines()
            .any(|l| l.split_whitespace().collect::<Vec<_>>()
                == ["7", "✓", "✓", "✗21", "✗21", "0..1"]),
        "{text}"
    );
    assert!(text.contains(statements[0]), "{text}");
    let markdown = frontier::render_markdown(&report);
    assert!(
        markdown.contains("| 7 | ✓ | ✓ | ✗21 | ✗21 | 0..1 |"),
        "{markdown}"
    );

    // The report survives JSON both ways.
    let json = serde_json::to_string(&report).unwrap();
    let back: FrontierReport = serde_json::from_str(&json).unwrap();
    assert_eq!(serde_json::to_string(&back).unwrap(), json);
}

#[test]
fn the_result_is_the_same_for_any_thread_count() {
    let axes = ["ttl_ticks=7..8", "pause_ticks_max=1..2"];
    let one = serde_json::to_string(&sweep("redis_set_px_fenced", &axes, 1)).unwrap();
    let three = serde_json::to_string(&sweep("redis_set_px_fenced", &axes, 3)).unwrap();
    assert_eq!(one, three);
}

#[test]
fn an_axis_the_model_does_not_read_is_an_error() {
    let setnx = registry::find("redis_setnx").unwrap();
    let e = frontier::validate_axes(&setnx, &[axis("ttl_ticks=2..8")]).unwrap_err();
    assert!(
        e.contains("model `redis_setnx` does not read `ttl_ticks`"),
        "{e}"
    );
    assert!(
        e.contains("pause_ticks_max"),
        "names what it can sweep: {e}"
    );
    let px = registry::find("redis_set_px").unwrap();
    let e = frontier::validate_axes(&px, &[axis("lease_ms=2..8")]).unwrap_err();
    assert!(e.contains("`lease_ms` is no parameter or knob"), "{e}");
    let e = frontier::validate_axes(&px, &[axis("ttl_ticks=0..3")]).unwrap_err();
    assert!(e.contains("at least 1"), "{e}");
    let e = frontier::validate_axes(
        &px,
        &[
            axis("ttl_ticks=2..3"),
            axis("pause_ticks_max=1..2"),
            axis("delay_ticks_max=1..2"),
        ],
    )
    .unwrap_err();
    assert!(e.contains("one or two"), "{e}");
    let e = frontier::validate_axes(&px, &[axis("ttl_ticks=2..3"), axis("ttl_ticks=4..5")])
        .unwrap_err();
    assert!(e.contains("twice"), "{e}");
    // Without a TTL, the default sweep is the pause alone.
    let defaults: Vec<String> = frontier::default_axes(&setnx)
        .iter()
        .map(|a| a.name.clone())
        .collect();
    assert_eq!(defaults, ["pause_ticks_max"]);
}

#[test]
fn malformed_ranges_are_errors() {
    assert_eq!(
        axis("ttl_ticks=2..8:2").values(),
        [2, 4, 6, 8],
        "inclusive, with a step"
    );
    assert_eq!(axis("pause_ticks_max=0..=3").values(), [0, 1, 2, 3]);
    assert_eq!(axis("ttl_ticks=5").values(), [5]);
    for (text, why) in [
        ("ttl_ticks", "no `=`"),
        ("ttl_ticks=8..2", "above the high end"),
        ("ttl_ticks=a..3", "not a whole number"),
        ("ttl_ticks=2..-3", "not a whole number"),
        ("ttl_ticks=2..8:0", "the step is 0"),
        ("=2..8", "the name"),
    ] {
        let e = parse_axis(text).unwrap_err();
        assert!(
            e.contains(why) && e.contains("NAME=LO..HI[:STEP]"),
            "{text}: {e}"
        );
    }
}

#[test]
fn every_point_passes_the_scenario_files_validation() {
    // gc-pause-1tick's messages take at least one tick: a delay bound of 0
    // is rejected exactly as it would be in a file.
    let file = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/scenarios/gc-pause-1tick.json");
    let base = Scenario::load(&file).unwrap();
    let entry = registry::find("redis_set_px").unwrap();
    let options = FrontierOptions {
        axes: vec![axis("delay_ticks_max=0..2")],
        properties: Vec::new(),
        threads: 1,
        states_max: None,
        seconds_max: None,
        memory_max: None,
    };
    let e = frontier::run(&entry, &base, &file, &options, &mut |_, _| {}).unwrap_err();
    assert!(
        e.contains("at delay_ticks_max=0") && e.contains("is greater than `delay_ticks_max` (0)"),
        "{e}"
    );
    // A pause of 0 is no pause; the others set the bound.
    let template = Scenario::load(&file).unwrap();
    let at = |v| {
        frontier::point_scenario(&template, &file, &[axis("pause_ticks_max=0..4")], &[v]).unwrap()
    };
    assert!(at(0).faults.pause.is_none());
    assert_eq!(at(4).faults.pause.unwrap().ticks_max, 4);
}

/// A hand-made report: the analysis and the renderers are pure.
fn synthetic(cells: &[&[Option<bool>]]) -> FrontierReport {
    let axes = vec![axis("ttl_ticks=1..3"), axis("pause_ticks_max=0..3")];
    let (file, base) = frontier::default_base(&axes).unwrap();
    let mut points = Vec::new();
    for (r, row) in cells.iter().enumerate() {
        for (c, cell) in row.iter().enumerate() {
            let outcome = match cell {
                Some(true) => Outcome::Holds,
                Some(false) => Outcome::Violated { steps: 10 + c },
                None => Outcome::Inconclusive {
                    reason: "the state limit (10 unique states) was reached before a verdict"
                        .into(),
                },
            };
            points.push(FrontierPoint {
                values: vec![1 + r as u32, c as u32],
                verdicts: BTreeMap::from([(PropertyName::MutualExclusion, outcome)]),
                lock_acquired: true,
                unique_states: 10,
                depth: 5,
                stop: "complete".into(),
            });
        }
    }
    let mut report = FrontierReport {
        format: frontier::FORMAT.into(),
        format_version: frontier::FORMAT_VERSION,
        lockcheck_version: "test".into(),
        model: "redis_set_px".into(),
        base_scenario_file: file,
        base_scenario: base,
        axes,
        properties: vec![PropertyName::MutualExclusion],
        states_max: 10,
        seconds_max: 600,
        points,
        frontiers: Vec::new(),
        notes: Vec::new(),
    };
    report.frontiers = frontier::analyze(&report);
    report
}

const H: Option<bool> = Some(true);
const V: Option<bool> = Some(false);
const Q: Option<bool> = None;

#[test]
fn a_boundary_is_claimed_only_between_adjacent_decided_points() {
    let report = synthetic(&[&[H, V, V, V], &[H, Q, V, V], &[H, H, H, V]]);
    let f = &report.frontiers[0];
    assert_eq!(f.inconclusive, 1);
    // Row ttl=2: holds at 0, ? at 1, violated at 2: no transition claimed.
    assert_eq!(f.by_row[1].transitions, []);
    assert_eq!(f.by_row[1].inconclusive, [1]);
    assert_eq!(f.by_row[0].transitions.len(), 1);
    assert!(
        f.statement.ends_with(
            "(on the 11 decided points of the grid ttl_ticks 1..3, pause_ticks_max 0..3; 1 inconclusive)"
        ),
        "{}",
        f.statement
    );
    assert!(report.any_inconclusive());
    assert!(frontier::render_text(&report).contains(" ? "));
}

#[test]
fn a_formula_some_point_contradicts_is_never_stated() {
    // pause < ttl everywhere but one point: no simple relation fits the
    // checkerboard corner, and none is claimed.
    let fits = synthetic(&[&[H, V, V, V], &[H, H, V, V], &[H, H, H, V]]);
    assert_eq!(
        fits.frontiers[0].statement,
        "mutual_exclusion holds exactly when pause_ticks_max < ttl_ticks (on the grid ttl_ticks 1..3, pause_ticks_max 0..3)"
    );
    // A steeper relation is found too.
    let steep = synthetic(&[&[H, V, V, V], &[H, V, V, V], &[H, H, V, V]]);
    assert_eq!(
        steep.frontiers[0].statement,
        "mutual_exclusion holds exactly when ttl_ticks >= 2 * pause_ticks_max + 1 (on the grid ttl_ticks 1..3, pause_ticks_max 0..3)"
    );
    let odd = synthetic(&[&[H, V, H, V], &[V, H, V, H], &[H, V, H, V]]);
    let f = &odd.frontiers[0];
    assert!(f.relation.is_none(), "{:?}", f.relation);
    assert!(
        f.statement.contains("no simple linear relation fits"),
        "{}",
        f.statement
    );
    // Every relation the analysis states agrees with every decided point.
    for report in [&fits, &steep, &odd] {
        for f in &report.frontiers {
            if let Some(r) = &f.relation {
                for p in &report.points {
                    if let Some(h) = match p.verdicts[&f.property] {
                        Outcome::Holds => Some(true),
                        Outcome::Violated { .. } => Some(false),
                        Outcome::Inconclusive { .. } => None,
                    } {
                        assert_eq!(r.eval(&report.axes, &p.values), h, "{:?}", p.values);
                    }
                }
            }
        }
    }
}

/// Parses `xml` strictly: matching end tags, well-formed attributes, known
/// entities only, one root element named `root`.
fn assert_well_formed(xml: &str, root: &str) {
    use quick_xml::events::Event;
    let mut reader = quick_xml::Reader::from_str(xml);
    let mut stack: Vec<String> = Vec::new();
    let mut roots = Vec::new();
    loop {
        match reader.read_event() {
            Ok(Event::Start(e)) => {
                let name = e.name().as_ref().to_string();
                for a in e.attributes().with_checks(true) {
                    let a = a.unwrap_or_else(|err| panic!("attribute of <{name}>: {err}"));
                    a.normalized_value(quick_xml::XmlVersion::Implicit1_0)
                        .expect("attribute value escapes");
                }
                if stack.is_empty() {
                    roots.push(name.clone());
                }
                stack.push(name);
            }
            Ok(Event::Empty(e)) => {
                for a in e.attributes().with_checks(true) {
                    a.expect("well-formed attribute")
                        .normalized_value(quick_xml::XmlVersion::Implicit1_0)
                        .expect("attribute value escapes");
                }
                if stack.is_empty() {
                    roots.push(e.name().as_ref().to_string());
                }
            }
            Ok(Event::End(e)) => {
                let name = e.name().as_ref().to_string();
                assert_eq!(stack.pop().as_deref(), Some(name.as_str()));
            }
            Ok(Event::GeneralRef(r)) => {
                let entity: &str = &r;
                assert!(
                    r.is_char_ref() || ["amp", "lt", "gt", "quot", "apos"].contains(&entity),
                    "unknown entity &{entity};"
                );
            }
            Ok(Event::Text(t)) => assert!(
                !stack.is_empty() || t.xml10_content().trim().is_empty(),
                "text outside the root element"
            ),
            Ok(Event::Eof) => break,
            Ok(Event::DocType(_)) | Ok(Event::Decl(_)) | Ok(Event::PI(_)) => {
                panic!("no declarations expected")
            }
            Ok(_) => {}
            Err(e) => panic!("not well-formed at {}: {e}", reader.buffer_position()),
        }
    }
    assert!(stack.is_empty(), "unclosed elements: {stack:?}");
    assert_eq!(roots, [root]);
}

#[test]
fn the_svg_and_the_html_section_are_well_formed() {
    let report = synthetic(&[&[H, V, V, V], &[H, Q, V, V], &[H, H, H, V]]);
    let svg = frontier::render_svg(&report);
    assert_well_formed(&svg, "svg");
    assert!(svg.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\""));
    // Self-contained: no scripts, no external references.
    for banned in ["<script", "href", "@import", "url("] {
        assert!(!svg.contains(banned), "{banned}");
    }
    assert!(svg.contains("ttl_ticks (ticks)") && svg.contains("pause_ticks_max (ticks)"));
    assert!(svg.contains(r#"class="boundary""#));
    assert_eq!(
        svg.matches("<rect x=").count() - 3,
        12,
        "a cell per point and 3 legend keys"
    );
    let section = frontier::render_html_section(&report);
    assert_well_formed(&section, "section");
    assert!(section.contains("<h2>Safety frontier: redis_set_px</h2>"));
    // The statement, escaped: `pause_ticks_max < ttl_ticks ...`.
    let statement = &report.frontiers[0].statement;
    assert!(statement.contains(" < "));
    assert!(section.contains(&statement.replace('<', "&lt;")));
    let page = frontier::render_html_page(&report);
    assert!(page.starts_with("<!DOCTYPE html>") && page.contains(&section));
}

fn lockcheck(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_lockcheck"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("the binary runs")
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn the_command_prints_the_table_and_writes_json_svg_and_html() {
    let dir = temp_dir("cli-frontier");
    let dir = dir.to_str().unwrap();
    let o = lockcheck(&[
        "frontier",
        "--model",
        "redis_set_px",
        "--axis",
        "ttl_ticks=7..8",
        "--axis",
        "pause_ticks_max=1..2",
        "--report-dir",
        dir,
    ]);
    let text = String::from_utf8_lossy(&o.stdout);
    assert_eq!(o.status.code(), Some(0), "{text}");
    assert!(text.contains("safety frontier of redis_set_px over ttl_ticks 7..8 × pause_ticks_max 1..2 (base scenario scenarios/gc-pause.json, 4 points)"), "{text}");
    assert!(
        text.contains("mutual_exclusion holds exactly when"),
        "{text}"
    );
    let json = std::fs::read_to_string(Path::new(dir).join("frontier/redis_set_px.json")).unwrap();
    let report: FrontierReport = serde_json::from_str(&json).unwrap();
    assert_eq!(report.points.len(), 4);
    assert_eq!(
        report.points[2].verdicts[&PropertyName::MutualExclusion],
        Outcome::Holds,
        "ttl 8, pause 1"
    );
    for ext in ["svg", "html"] {
        assert!(
            Path::new(dir)
                .join(format!("frontier/redis_set_px.{ext}"))
                .exists()
        );
    }

    // --json prints the same report alone on stdout.
    let o = lockcheck(&[
        "frontier",
        "--model",
        "redis_set_px",
        "--axis",
        "ttl_ticks=7..8",
        "--axis",
        "pause_ticks_max=1..2",
        "--report-dir",
        dir,
        "--json",
        "--threads",
        "1",
    ]);
    assert_eq!(o.status.code(), Some(0));
    let printed: FrontierReport = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(
        serde_json::to_string(&printed).unwrap(),
        serde_json::to_string(&report).unwrap()
    );
}

#[test]
fn the_command_exits_3_when_a_point_is_inconclusive_and_4_on_bad_input() {
    let dir = temp_dir("cli-frontier-exit");
    let dir = dir.to_str().unwrap();
    let o = lockcheck(&[
        "frontier",
        "--model",
        "redis_set_px",
        "--axis",
        "pause_ticks_max=1..2",
        "--states-max",
        "100",
        "--report-dir",
        dir,
    ]);
    let text = String::from_utf8_lossy(&o.stdout);
    assert_eq!(o.status.code(), Some(3), "{text}");
    assert!(
        text.contains("mutual_exclusion: no point was decided"),
        "{text}"
    );

    for (args, message) in [
        (
            vec!["--model", "redis_setnx", "--axis", "ttl_ticks=2..4"],
            "model `redis_setnx` does not read `ttl_ticks`",
        ),
        (
            vec!["--model", "redis_set_px", "--axis", "ttl_ticks=8..2"],
            "the low end 8 is above the high end 2",
        ),
        (
            vec!["--model", "no_such_model"],
            "unknown model `no_such_model`",
        ),
        (
            vec!["--model", "redis_set_px", "--property", "progress"],
            "not a safety property",
        ),
        (
            vec![
                "--model",
                "redis_set_px",
                "--scenario",
                "scenarios/does-not-exist.json",
            ],
            "cannot read the scenario file",
        ),
    ] {
        let mut all = vec!["frontier", "--report-dir", dir];
        all.extend(args);
        let o = lockcheck(&all);
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(4), "{all:?}: {err}");
        assert!(err.contains(message), "{all:?}: {err}");
    }
}
