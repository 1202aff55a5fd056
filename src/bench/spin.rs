//! Running SPIN on `bench/peer/lock.pml`: generate and compile the verifier
//! once, then time `./pan` runs, each measured with `wait4` (CPU time and
//! peak RSS of pan alone).
//!
//! The recipe: `spin -DN=<clients> -DMAXT=<horizon> -a lock.pml && gcc -O2
//! -DNOCLAIM -o pan pan.c && ./pan -A -m1000000 -w21`, in a temporary
//! directory. `-DNOCLAIM` leaves the LTL claim out and `-A` ignores the inline
//! assertion, so pan stores every reachable state, as our search does.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

use super::LOCK_PML;

/// `spin` and `gcc`, found on PATH.
pub struct Tools {
    pub spin: PathBuf,
    pub gcc: PathBuf,
    pub version: String,
}

/// A compiled verifier in its temporary directory (removed on drop).
pub struct Prepared {
    pub dir: PathBuf,
    pub version: String,
    pub generate_seconds: f64,
    pub compile_seconds: f64,
    pub command: String,
}

impl Drop for Prepared {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// One pan run.
#[derive(Clone, Debug)]
pub struct PanMeasurement {
    pub states: u64,
    pub transitions: u64,
    pub depth: u32,
    pub cpu_seconds: f64,
    pub wall_seconds: f64,
    pub peak_rss_kib: Option<u64>,
}

fn which(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(name))
        .find(|p| is_executable(p))
}

#[cfg(unix)]
fn is_executable(p: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(p).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

#[cfg(not(unix))]
fn is_executable(p: &Path) -> bool {
    p.is_file()
}

/// Finds `spin` and `gcc`, or says why SPIN is skipped.
pub fn find_tools() -> Result<Tools, String> {
    if !cfg!(unix) {
        return Err("timing SPIN needs a Unix system".into());
    }
    let spin = which("spin").ok_or("`spin` is not on PATH")?;
    let gcc = which("gcc").ok_or("`gcc` is not on PATH (SPIN compiles its verifier with it)")?;
    let out = Command::new(&spin)
        .arg("-V")
        .output()
        .map_err(|e| format!("cannot run {}: {e}", spin.display()))?;
    let version = String::from_utf8_lossy(&out.stdout).trim().to_string();
    Ok(Tools { spin, gcc, version })
}

fn run_step(cmd: &mut Command, what: &str) -> Result<f64, String> {
    let started = Instant::now();
    let out = cmd
        .output()
        .map_err(|e| format!("cannot run {what}: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "{what} failed ({}): {}{}",
            out.status,
            String::from_utf8_lossy(&out.stdout).trim(),
            String::from_utf8_lossy(&out.stderr).trim()
        ));
    }
    Ok(started.elapsed().as_secs_f64())
}

/// Writes lock.pml to a fresh temporary directory, generates pan.c and
/// compiles it.
pub fn prepare(tools: &Tools, clients: u8, horizon: u8) -> Result<Prepared, String> {
    let stamp = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    let dir = std::env::temp_dir().join(format!("lockcheck-bench-{}-{stamp}", std::process::id()));
    std::fs::create_dir_all(&dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    let mut prepared = Prepared {
        dir: dir.clone(),
        version: tools.version.clone(),
        generate_seconds: 0.0,
        compile_seconds: 0.0,
        command: format!(
            "spin -DN={clients} -DMAXT={horizon} -a lock.pml && gcc -O2 -DNOCLAIM -o pan pan.c && ./pan -A -m1000000 -w21"
        ),
    };
    std::fs::write(dir.join("lock.pml"), LOCK_PML)
        .map_err(|e| format!("cannot write lock.pml: {e}"))?;
    prepared.generate_seconds = run_step(
        Command::new(&tools.spin)
            .args([
                &format!("-DN={clients}"),
                &format!("-DMAXT={horizon}"),
                "-a",
                "lock.pml",
            ])
            .current_dir(&dir),
        "spin -a",
    )?;
    prepared.compile_seconds = run_step(
        Command::new(&tools.gcc)
            .args(["-O2", "-DNOCLAIM", "-o", "pan", "pan.c"])
            .current_dir(&dir),
        "gcc",
    )?;
    Ok(prepared)
}

/// The number before `marker` on the line that contains it.
fn number_before(output: &str, marker: &str) -> Option<u64> {
    let line = output.lines().find(|l| l.contains(marker))?;
    line.split(marker)
        .next()?
        .split_whitespace()
        .last()?
        .parse()
        .ok()
}

/// Reads pan's summary: states stored, transitions, depth reached.
pub fn parse_pan(output: &str) -> Result<(u64, u64, u32), String> {
    if output.contains("max search depth too small") {
        return Err("pan: the search depth limit (-m) was too small".into());
    }
    let states = number_before(output, "states, stored")
        .ok_or_else(|| format!("pan printed no \"states, stored\":\n{output}"))?;
    let transitions = number_before(output, "transitions (= stored+matched)")
        .ok_or_else(|| format!("pan printed no \"transitions\":\n{output}"))?;
    let depth = output
        .lines()
        .find_map(|l| {
            let rest = l.split("depth reached ").nth(1)?;
            rest.split(|c: char| !c.is_ascii_digit())
                .next()?
                .parse()
                .ok()
        })
        .unwrap_or(0);
    Ok((states, transitions, depth))
}

/// Runs the compiled verifier once and measures it.
#[cfg(unix)]
pub fn run_pan(prepared: &Prepared) -> Result<PanMeasurement, String> {
    use std::io::Read;
    let stderr_file = prepared.dir.join("pan.stderr");
    let stderr = std::fs::File::create(&stderr_file)
        .map_err(|e| format!("cannot create {}: {e}", stderr_file.display()))?;
    let started = Instant::now();
    let mut child = Command::new(prepared.dir.join("pan"))
        .args(["-A", "-m1000000", "-w21"])
        .current_dir(&prepared.dir)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(stderr)
        .spawn()
        .map_err(|e| format!("cannot run pan: {e}"))?;
    let mut output = String::new();
    if let Some(mut out) = child.stdout.take() {
        out.read_to_string(&mut output)
            .map_err(|e| format!("cannot read pan's output: {e}"))?;
    }
    let mut status = 0;
    // SAFETY: wait4 reaps our own child and writes only the two out-parameters.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let reaped = unsafe { libc::wait4(child.id() as libc::pid_t, &mut status, 0, &mut usage) };
    let wall_seconds = started.elapsed().as_secs_f64();
    if reaped < 0 {
        return Err(format!(
            "waiting for pan failed: {}",
            std::io::Error::last_os_error()
        ));
    }
    if !(libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0) {
        let err = std::fs::read_to_string(&stderr_file).unwrap_or_default();
        return Err(format!(
            "pan failed (wait status {status}): {}{}",
            output.trim(),
            err.trim()
        ));
    }
    let (states, transitions, depth) = parse_pan(&output)?;
    // ru_maxrss is in KiB on Linux, in bytes on macOS.
    let maxrss = usage.ru_maxrss as u64;
    let peak_rss_kib = if cfg!(target_os = "macos") {
        maxrss / 1024
    } else {
        maxrss
    };
    Ok(PanMeasurement {
        states,
        transitions,
        depth,
        cpu_seconds: super::rusage_cpu_seconds(&usage),
        wall_seconds,
        peak_rss_kib: Some(peak_rss_kib),
    })
}

#[cfg(not(unix))]
pub fn run_pan(_prepared: &Prepared) -> Result<PanMeasurement, String> {
    Err("timing SPIN needs a Unix system".into())
}
