//! `lockcheck frontier`: where a lock's safety stops holding over a grid of its numbers.

use std::path::PathBuf;
use std::time::Instant;

use lockcheck::properties::PropertyName;
use lockcheck::registry;
use lockcheck::scenario::Scenario;

use super::exit;

pub(super) struct FrontierArgs {
    pub(super) model: String,
    pub(super) scenario: Option<PathBuf>,
    pub(super) axes: Vec<String>,
    pub(super) property: Option<PropertyName>,
    pub(super) states_max: Option<u64>,
    pub(super) seconds_max: Option<u64>,
    pub(super) memory_max: Option<u64>,
    pub(super) threads: usize,
    pub(super) report_dir: PathBuf,
    pub(super) json: bool,
}

pub(super) fn frontier(args: FrontierArgs) -> u8 {
    use lockcheck::frontier::{self, FrontierOptions};
    let bad = |message: String| {
        eprintln!("error: {message}");
        exit::BAD_INPUT
    };
    let entry = match registry::lookup(&args.model) {
        Ok(e) => e,
        Err(e) => return bad(e),
    };
    let axes = if args.axes.is_empty() {
        frontier::default_axes(&entry)
    } else {
        match args
            .axes
            .iter()
            .map(|a| frontier::parse_axis(a))
            .collect::<Result<Vec<_>, _>>()
        {
            Ok(a) => a,
            Err(e) => return bad(e),
        }
    };
    if let Err(e) = frontier::validate_axes(&entry, &axes) {
        return bad(e);
    }
    let (base_file, base) = match &args.scenario {
        Some(file) => match Scenario::load(file) {
            Ok(s) => (file.clone(), s),
            Err(e) => return bad(e.to_string()),
        },
        None => match frontier::default_base(&axes) {
            Ok(b) => b,
            Err(e) => return bad(e),
        },
    };
    let options = FrontierOptions {
        axes,
        properties: args.property.into_iter().collect(),
        threads: args.threads.max(1),
        states_max: args.states_max,
        seconds_max: args.seconds_max,
        memory_max: args.memory_max,
    };
    let points: usize = options.axes.iter().map(|a| a.values().len()).product();
    let bar = indicatif::ProgressBar::new(points as u64);
    bar.set_style(
        indicatif::ProgressStyle::with_template("{msg} [{bar:30}] {pos}/{len} points, {elapsed}")
            .expect("a valid template")
            .progress_chars("=> "),
    );
    bar.set_message(format!("frontier of {}", entry.id));
    let started = Instant::now();
    let result = frontier::run(&entry, &base, &base_file, &options, &mut |done, _| {
        bar.set_position(done as u64)
    });
    bar.finish_and_clear();
    let report = match result {
        Ok(r) => r,
        Err(e) => return bad(e),
    };
    // Timing goes to stderr so that stdout is the same on every run.
    eprintln!(
        "swept {} points of {} in {:.1} s",
        report.points.len(),
        report.model,
        started.elapsed().as_secs_f64()
    );
    let dir = args.report_dir.join("frontier");
    let json = match serde_json::to_string_pretty(&report) {
        Ok(j) => j,
        Err(e) => return bad(format!("cannot serialize the report: {e}")),
    };
    let files = [
        (
            dir.join(format!("{}.json", report.model)),
            format!("{json}\n"),
        ),
        (
            dir.join(format!("{}.svg", report.model)),
            frontier::render_svg(&report),
        ),
        (
            dir.join(format!("{}.html", report.model)),
            frontier::render_html_page(&report),
        ),
    ];
    if let Err(e) = std::fs::create_dir_all(&dir) {
        return bad(format!("cannot create {}: {e}", dir.display()));
    }
    for (file, text) in &files {
        if let Err(e) = lockcheck::files::write_atomically(file, text.as_bytes()) {
            return bad(format!("cannot write {}: {e}", file.display()));
        }
    }
    if args.json {
        println!("{json}");
    } else {
        print!("{}", frontier::render_text(&report));
        for (file, _) in &files {
            println!("wrote {}", file.display());
        }
    }
    if report.any_inconclusive() {
        exit::INCONCLUSIVE
    } else {
        exit::OK
    }
}
