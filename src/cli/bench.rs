//! `lockcheck bench`: the engine against SPIN, and the world against the bare engine.

use super::exit;

pub(super) fn bench(options: &lockcheck::bench::BenchOptions, json: bool) -> u8 {
    use lockcheck::bench::{self, SpinReport};
    let report = match bench::run(options, &mut |line| eprintln!("{line}")) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: {e}");
            return exit::BAD_INPUT;
        }
    };
    if json {
        match serde_json::to_string_pretty(&report) {
            Ok(text) => println!("{text}"),
            Err(e) => {
                eprintln!("error: cannot serialize the report: {e}");
                return exit::BAD_INPUT;
            }
        }
    } else {
        print!("{}", bench::render_text(&report));
    }
    match report.spin {
        SpinReport::Ran {
            counts_match: false,
            ..
        } => exit::UNEXPECTED,
        SpinReport::Failed { .. } => exit::BAD_INPUT,
        _ => exit::OK,
    }
}

pub(super) fn bench_run(
    target: &str,
    clients: u8,
    horizon: u8,
    states_max: Option<u64>,
    threads: usize,
) -> u8 {
    use lockcheck::bench;
    let Some(target) = bench::Target::parse(target) else {
        eprintln!("error: unknown target `{target}`, expected peer or world");
        return exit::BAD_INPUT;
    };
    match bench::measure(target, clients, horizon, states_max, threads) {
        Ok(m) => match serde_json::to_string(&m) {
            Ok(text) => {
                println!("{text}");
                exit::OK
            }
            Err(e) => {
                eprintln!("error: cannot serialize the measurement: {e}");
                exit::BAD_INPUT
            }
        },
        Err(e) => {
            eprintln!("error: {e}");
            exit::BAD_INPUT
        }
    }
}
