//! `explore` serves stateright's Explorer over the world, and the path it
//! prints for a trace is one the Explorer can follow.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn get(port: u16, path: &str) -> Option<String> {
    get_for(port, path, "localhost")
}

fn get_for(port: u16, path: &str, host: &str) -> Option<String> {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).ok()?;
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .ok()?;
    write!(stream, "GET {path} HTTP/1.0\r\nHost: {host}\r\n\r\n").ok()?;
    let mut response = String::new();
    stream.read_to_string(&mut response).ok()?;
    Some(response)
}

#[test]
fn explorer_serves_the_world_and_opens_a_trace() {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("explore");
    let _ = std::fs::remove_dir_all(&dir);
    let check = Command::new(env!("CARGO_BIN_EXE_lockcheck"))
        .args([
            "check",
            "--model",
            "redis_set_px",
            "--scenario",
            "scenarios/clock-jump.json",
        ])
        .args([
            "--property",
            "mutual_exclusion",
            "--report-dir",
            dir.to_str().unwrap(),
        ])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap();
    assert_eq!(check.status.code(), Some(0));
    let trace = dir.join("traces/redis_set_px.clock-jump.mutual_exclusion.json");

    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut server = Command::new(env!("CARGO_BIN_EXE_lockcheck"))
        .args([
            "explore",
            "--trace",
            trace.to_str().unwrap(),
            "--port",
            &port.to_string(),
        ])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let started = Instant::now();
    let status = loop {
        if let Some(r) = get(port, "/.status") {
            break r;
        }
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "the Explorer did not start"
        );
        std::thread::sleep(Duration::from_millis(100));
    };
    let page = get(port, "/").unwrap_or_default();
    // A page of another site that rebinds its name to 127.0.0.1 is turned away.
    let rebound = get_for(port, "/.status", "evil.example:80").unwrap_or_default();
    // The path the trace takes, as `explore` printed it (clock-jump's 5 steps).
    let steps = get(port, "/.states/0/0/0/3/1/0").unwrap_or_default();
    let _ = server.kill();
    let _ = server.wait();
    let mut out = String::new();
    server
        .stdout
        .take()
        .unwrap()
        .read_to_string(&mut out)
        .unwrap();

    assert!(
        status.starts_with("HTTP/1.1 200") || status.starts_with("HTTP/1.0 200"),
        "{status}"
    );
    assert!(status.contains("mutual_exclusion"), "{status}");
    assert!(rebound.starts_with("HTTP/1.1 403"), "{rebound}");
    assert!(
        page.contains("<html") || page.contains("<!DOCTYPE"),
        "the UI page is served"
    );
    assert!(out.contains("#/steps/0/0/0/3/1/0"), "{out}");
    assert!(
        steps.contains(" 200 "),
        "the trace's path is one the Explorer follows: {steps}"
    );
    assert!(
        steps.contains("CLOCK JUMPS") || steps.contains("svg"),
        "{steps}"
    );
}
