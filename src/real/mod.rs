//! Real servers: the models' servers checked against the programs they
//! model.
//!
//! A model's server is a state machine (`models::redis::RedisServer` runs
//! one Redis command atomically at a wall-clock time). [`redis`] runs
//! seeded random sequences of the model's commands against that state
//! machine and against a real `redis-server`, and compares every reply
//! (a conformance test), shrinking a disagreement to the shortest sequence
//! that still shows it.
//!
//! Time is the hard part: a model's expiry is exact to the tick, a real
//! server's to the millisecond of its wall clock. [`LocalServer`] starts
//! the server on a loopback port in a throwaway directory with a fake wall
//! clock ([`FakeClock`], `fake_clock.c` preloaded): the clock stands still
//! at the time the test writes, so a sequence runs in milliseconds of real
//! time and gives the same replies on every run, however loaded the
//! machine.

pub mod conformance;
pub mod etcd;
pub mod postgres;
pub mod redis;
pub mod remote;
pub mod replay;
pub mod zookeeper;

use std::cell::RefCell;
use std::io::Write;
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// Why a real server could not be started: the program or a C compiler is
/// missing, or it did not come up.
#[derive(Debug)]
pub struct Unavailable(pub String);

impl std::fmt::Display for Unavailable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// A file that a preloaded `fake_clock.c` reads as the wall clock.
pub struct FakeClock {
    path: PathBuf,
}

impl FakeClock {
    /// Sets the wall clock to `unix_ms` milliseconds since the epoch. The
    /// file is replaced in one rename, so the server never reads half of it.
    pub fn set_ms(&self, unix_ms: u64) -> std::io::Result<()> {
        let next = self.path.with_extension("next");
        std::fs::write(&next, format!("{unix_ms}\n"))?;
        std::fs::rename(&next, &self.path)
    }

    /// Gives the server the machine's wall clock back: the shim reads the
    /// real clock while the file is absent (a server under test that plays
    /// one the user runs).
    pub fn release(&self) -> std::io::Result<()> {
        std::fs::remove_file(&self.path)
    }
}

/// A server process started for a test, on `127.0.0.1:port`, in its own
/// directory, under a fake wall clock. Dropping it kills the process and
/// removes the directory.
pub struct LocalServer {
    /// The running process; a cell, so that a replay can crash and restart
    /// the server that its clients' connections borrow.
    child: RefCell<Child>,
    dir: PathBuf,
    pub port: u16,
    pub clock: FakeClock,
    /// The command that starts it (again, after [`LocalServer::crash`]).
    command: Box<dyn Fn() -> Command>,
    log_file: &'static str,
    /// What kills it as a crash would.
    crash_signal: libc::c_int,
}

/// The fake clock's source, compiled with the system's C compiler (`cc`,
/// or `CC`).
const FAKE_CLOCK_C: &str = include_str!("fake_clock.c");

/// The length of a local ZooKeeper's tick (`tickTime`), in milliseconds:
/// its session tracker expires sessions on tick boundaries.
pub const ZOOKEEPER_TICK_MS: u64 = 100;

/// Where a fresh fake clock starts: 2026-01-01T00:00:00Z.
pub const CLOCK_START_UNIX_MS: u64 = 1_767_225_600_000;

impl LocalServer {
    /// Starts `redis-server` (from `PATH`, or `LOCKCHECK_REDIS_SERVER`),
    /// without persistence, its wall clock standing at
    /// [`CLOCK_START_UNIX_MS`].
    pub fn redis() -> Result<LocalServer, Unavailable> {
        LocalServer::redis_trying_first(None)
    }

    /// [`LocalServer::redis`], trying `port` before any free one (for the
    /// test of a port another process holds).
    fn redis_trying_first(first_port: Option<u16>) -> Result<LocalServer, Unavailable> {
        let program =
            std::env::var("LOCKCHECK_REDIS_SERVER").unwrap_or_else(|_| "redis-server".into());
        let dir = scratch_dir("redis")?;
        let dir_arg = dir.display().to_string();
        let command_on = move |port: u16| {
            let args: Vec<String> = [
                "--port",
                &port.to_string(),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--daemonize",
                "no",
                "--dir",
                &dir_arg,
                "--logfile",
                "redis.log",
            ]
            .iter()
            .map(|s| s.to_string())
            .collect();
            let program = program.clone();
            let command = move || {
                let mut command = Command::new(&program);
                command
                    .args(&args)
                    .stdout(Stdio::null())
                    .stderr(Stdio::null());
                command
            };
            Ok(Box::new(command) as Box<dyn Fn() -> Command>)
        };
        // No persistence: a killed server comes back empty.
        LocalServer::start(&command_on, "redis.log", libc::SIGKILL, dir, first_port)
    }

    /// Starts PostgreSQL (Debian's newest under `/usr/lib/postgresql`, or
    /// the `bin` directory `LOCKCHECK_POSTGRES_BIN` names) in a fresh
    /// cluster: one superuser `postgres`, trusted on loopback, no fsync.
    /// PostgreSQL refuses to run as root, so as root it runs as the
    /// `postgres` user the Debian package creates.
    pub fn postgres() -> Result<LocalServer, Unavailable> {
        use std::os::unix::process::CommandExt;
        let bin = match std::env::var("LOCKCHECK_POSTGRES_BIN") {
            Ok(bin) => PathBuf::from(bin),
            Err(_) => newest_postgres_bin().ok_or_else(|| {
                Unavailable("no PostgreSQL under /usr/lib/postgresql/*/bin".into())
            })?,
        };
        let dir = scratch_dir("postgres")?;
        let fail = |dir: &Path, why: String| {
            let _ = std::fs::remove_dir_all(dir);
            Unavailable(why)
        };
        let user = if unsafe { libc::geteuid() } == 0 {
            match postgres_user() {
                Some((uid, gid)) => {
                    if let Err(e) = std::os::unix::fs::chown(&dir, Some(uid), Some(gid)) {
                        return Err(fail(
                            &dir,
                            format!("cannot give {} to postgres: {e}", dir.display()),
                        ));
                    }
                    Some((uid, gid))
                }
                None => {
                    return Err(fail(
                        &dir,
                        "running as root, and there is no `postgres` user".into(),
                    ));
                }
            }
        } else {
            None
        };
        let as_user = |command: &mut Command| {
            if let Some((uid, gid)) = user {
                command.uid(uid).gid(gid);
            }
        };
        let mut initdb = Command::new(bin.join("initdb"));
        initdb
            .args([
                "-D",
                "data",
                "-U",
                "postgres",
                "-A",
                "trust",
                "-E",
                "UTF8",
                "--no-sync",
            ])
            .current_dir(&dir)
            .stdin(Stdio::null());
        as_user(&mut initdb);
        match initdb.output() {
            Ok(out) if out.status.success() => {}
            Ok(out) => {
                return Err(fail(
                    &dir,
                    format!(
                        "initdb failed: {}",
                        String::from_utf8_lossy(&out.stderr).trim()
                    ),
                ));
            }
            Err(e) => {
                return Err(fail(
                    &dir,
                    format!("cannot run {}: {e}", bin.join("initdb").display()),
                ));
            }
        }
        let socket_dir = dir.display().to_string();
        let log_path = dir.join("postgres.log");
        let command_on = move |port: u16| {
            let (bin, socket_dir, log_path) = (bin.clone(), socket_dir.clone(), log_path.clone());
            let command = move || {
                let mut command = Command::new(bin.join("postgres"));
                command
                    .args(["-D", "data", "-p", &port.to_string()])
                    .args(["-c", "listen_addresses=127.0.0.1"])
                    .args(["-c", &format!("unix_socket_directories={socket_dir}")])
                    // No fsync: a committed row is written to the operating
                    // system before the commit returns (synchronous commit), so
                    // it survives the server's crash, though not the machine's.
                    .args(["-c", "fsync=off", "-c", "full_page_writes=off"])
                    .args(["-c", "max_connections=20", "-c", "shared_buffers=16MB"])
                    // Shared memory in files of the data directory, which goes
                    // with it, rather than in /dev/shm.
                    .args(["-c", "dynamic_shared_memory_type=mmap"])
                    .stdout(Stdio::null());
                if let Ok(log) = std::fs::OpenOptions::new()
                    .create(true)
                    .append(true)
                    .open(&log_path)
                {
                    command.stderr(log);
                } else {
                    command.stderr(Stdio::null());
                }
                if let Some((uid, gid)) = user {
                    command.uid(uid).gid(gid);
                }
                command
            };
            Ok(Box::new(command) as Box<dyn Fn() -> Command>)
        };
        // SIGQUIT is PostgreSQL's immediate shutdown: every process exits
        // at once, nothing is checkpointed, and the next start recovers from
        // the write-ahead log, as after a crash.
        LocalServer::start(&command_on, "postgres.log", libc::SIGQUIT, dir, None)
    }

    /// Starts a standalone ZooKeeper (`ZooKeeperServerMain`, run by `java`
    /// from `PATH` or `LOCKCHECK_JAVA`, from the classpath
    /// `LOCKCHECK_ZOOKEEPER_CLASSPATH` or else Debian's
    /// `/usr/share/java/zookeeper.jar`, whose manifest names the jars it
    /// needs). Its data directory is in the scratch directory; ticks are
    /// [`ZOOKEEPER_TICK_MS`] long, so a session may time out after two
    /// ticks; the admin server is off; the four-letter words `srvr` and
    /// `dump` are on. The fake wall clock is preloaded into the JVM as into
    /// any server, and the JVM runs under it (`System.currentTimeMillis()`
    /// reads it); ZooKeeper's session expiry reads the monotonic clock
    /// (`System.nanoTime()`), which stays real.
    pub fn zookeeper() -> Result<LocalServer, Unavailable> {
        let java = std::env::var("LOCKCHECK_JAVA").unwrap_or_else(|_| "java".into());
        let classpath = std::env::var("LOCKCHECK_ZOOKEEPER_CLASSPATH")
            .unwrap_or_else(|_| "/usr/share/java/zookeeper.jar".into());
        if let Some(missing) = std::env::split_paths(&classpath).find(|p| !p.exists()) {
            return Err(Unavailable(format!(
                "no {} (the ZooKeeper server's classpath)",
                missing.display()
            )));
        }
        let dir = scratch_dir("zookeeper")?;
        let data_dir = dir.join("data");
        let config_path = dir.join("zoo.cfg");
        let log_path = dir.join("zookeeper.log");
        let command_on = move |port: u16| {
            let config = format!(
                "tickTime={ZOOKEEPER_TICK_MS}\n\
             dataDir={}\n\
             clientPort={port}\n\
             clientPortAddress=127.0.0.1\n\
             maxClientCnxns=0\n\
             minSessionTimeout={}\n\
             maxSessionTimeout=60000\n\
             admin.enableServer=false\n\
             4lw.commands.whitelist=srvr,dump\n\
             forceSync=no\n",
                data_dir.display(),
                2 * ZOOKEEPER_TICK_MS,
            );
            std::fs::write(&config_path, config)
                .map_err(|e| Unavailable(format!("cannot write zoo.cfg: {e}")))?;
            let (java, classpath, log_path) = (java.clone(), classpath.clone(), log_path.clone());
            let command = move || {
                let mut command = Command::new(&java);
                command
                    // A small, quickly started JVM: ZooKeeper needs little here.
                    .args(["-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1"])
                    .arg("-cp")
                    .arg(&classpath)
                    .args(["org.apache.zookeeper.server.ZooKeeperServerMain", "zoo.cfg"]);
                let log = std::fs::OpenOptions::new()
                    .create(true)
                    .append(true)
                    .open(&log_path);
                match log.and_then(|log| Ok((log.try_clone()?, log))) {
                    Ok((out, err)) => command.stdout(out).stderr(err),
                    Err(_) => command.stdout(Stdio::null()).stderr(Stdio::null()),
                };
                command
            };
            Ok(Box::new(command) as Box<dyn Fn() -> Command>)
        };
        // A crash loses what was not synced (`forceSync=no`).
        LocalServer::start(&command_on, "zookeeper.log", libc::SIGKILL, dir, None)
    }

    /// Starts a single-member etcd (`etcd` from `PATH`, or
    /// `LOCKCHECK_ETCD`) on loopback, its data directory in the scratch
    /// directory. Heartbeats every 10 ms and an election timeout of 100 ms
    /// make it the leader within a fraction of a second and let a lease
    /// live as short as a second. Its JSON gateway (`/v3/...`) is on the
    /// client port. Leases expire on Go's monotonic clock, which the fake
    /// wall clock does not fake, so expiry runs in real time.
    pub fn etcd() -> Result<LocalServer, Unavailable> {
        let program = std::env::var("LOCKCHECK_ETCD").unwrap_or_else(|_| "etcd".into());
        let dir = scratch_dir("etcd")?;
        let data_dir = dir.join("data");
        let log_path = dir.join("etcd.log");
        let command_on = move |port: u16| {
            // Its peer port is checked by its exit alone: a member that cannot
            // bind it does not start.
            let peer_port = free_port()?;
            let client_url = format!("http://127.0.0.1:{port}");
            let peer_url = format!("http://127.0.0.1:{peer_port}");
            let args: Vec<String> = [
                "--name",
                "lockcheck",
                "--data-dir",
                &data_dir.display().to_string(),
                "--listen-client-urls",
                &client_url,
                "--advertise-client-urls",
                &client_url,
                "--listen-peer-urls",
                &peer_url,
                "--initial-advertise-peer-urls",
                &peer_url,
                "--initial-cluster",
                &format!("lockcheck={peer_url}"),
                "--heartbeat-interval",
                "10",
                "--election-timeout",
                "100",
                "--logger",
                "zap",
                "--log-level",
                "warn",
            ]
            .iter()
            .map(|s| s.to_string())
            .collect();
            let (program, log_path) = (program.clone(), log_path.clone());
            let command = move || {
                let mut command = Command::new(&program);
                command.args(&args).stdout(Stdio::null());
                match std::fs::OpenOptions::new()
                    .create(true)
                    .append(true)
                    .open(&log_path)
                {
                    Ok(log) => command.stderr(log),
                    Err(_) => command.stderr(Stdio::null()),
                };
                command
            };
            Ok(Box::new(command) as Box<dyn Fn() -> Command>)
        };
        // etcd logs every write before it answers: a killed etcd comes
        // back with its keys, leases and revision.
        LocalServer::start(&command_on, "etcd.log", libc::SIGKILL, dir, None)
    }

    /// Starts the server in `dir` on a free loopback port (`first_port`
    /// first, if given), and waits until it listens there. Picking a free
    /// port races with every other process doing the same (eight replays
    /// at once, say): when another process holds the port by the time the
    /// server binds it, the server cannot start, and it starts again on
    /// another port, up to [`PORT_ATTEMPTS`] times.
    fn start(
        command_on: &dyn Fn(u16) -> Result<Box<dyn Fn() -> Command>, Unavailable>,
        log_file: &'static str,
        crash_signal: libc::c_int,
        dir: PathBuf,
        first_port: Option<u16>,
    ) -> Result<LocalServer, Unavailable> {
        let fail = |dir: &Path, why: String| {
            let _ = std::fs::remove_dir_all(dir);
            Unavailable(why)
        };
        let clock = FakeClock {
            path: dir.join("clock"),
        };
        let mut taken = Vec::new();
        for attempt in 0..PORT_ATTEMPTS {
            let port = match (attempt, first_port) {
                (0, Some(port)) => port,
                _ => match free_port() {
                    Ok(port) => port,
                    Err(why) => return Err(fail(&dir, why.0)),
                },
            };
            let command = match command_on(port) {
                Ok(command) => command,
                Err(why) => return Err(fail(&dir, why.0)),
            };
            if let Err(e) = clock.set_ms(CLOCK_START_UNIX_MS) {
                return Err(fail(
                    &dir,
                    format!("cannot write {}: {e}", clock.path.display()),
                ));
            }
            let mut child = match spawn(&command, &dir, &clock) {
                Ok(child) => child,
                Err(why) => return Err(fail(&dir, why)),
            };
            match listening(&mut child, &command, port, &dir, log_file) {
                Ok(()) => {
                    return Ok(LocalServer {
                        child: RefCell::new(child),
                        dir,
                        port,
                        clock,
                        command,
                        log_file,
                        crash_signal,
                    });
                }
                Err(NotListening::PortTaken) => {
                    let _ = child.kill();
                    let _ = child.wait();
                    taken.push(port.to_string());
                }
                Err(NotListening::Failed(why)) => {
                    let _ = child.kill();
                    let _ = child.wait();
                    return Err(fail(&dir, why));
                }
            }
        }
        Err(fail(
            &dir,
            format!(
                "another process took each port it tried ({})",
                taken.join(", ")
            ),
        ))
    }

    /// Kills the server as a crash would (Redis: SIGKILL; PostgreSQL: an
    /// immediate shutdown), and waits until it is gone. Its connections
    /// die with it; its directory and clock stay.
    pub fn crash(&self) {
        self.signal(self.crash_signal);
        let _ = self.child.borrow_mut().wait();
    }

    /// Sends `signal` to the server, unless it has already exited and been
    /// waited for (its pid may then belong to another process).
    fn signal(&self, signal: libc::c_int) {
        let mut child = self.child.borrow_mut();
        if matches!(child.try_wait(), Ok(None)) {
            let pid = child.id() as libc::pid_t;
            // SAFETY: a signal to our own child, which has not been waited
            // for, so its pid is still its own.
            unsafe { libc::kill(pid, signal) };
        }
    }

    /// Starts the server again after [`LocalServer::crash`], in the same
    /// directory, on the same port and clock: what it persisted, it has.
    pub fn restart(&self) -> Result<(), Unavailable> {
        let mut child = self.child.borrow_mut();
        *child = spawn(&self.command, &self.dir, &self.clock).map_err(Unavailable)?;
        listening(
            &mut child,
            &self.command,
            self.port,
            &self.dir,
            self.log_file,
        )
        .map_err(|e| {
            Unavailable(match e {
                NotListening::PortTaken => format!(
                    "another process took port {} while the server was down",
                    self.port
                ),
                NotListening::Failed(why) => why,
            })
        })
    }
}

/// How many ports [`LocalServer::start`] tries before it gives up.
const PORT_ATTEMPTS: usize = 5;

/// Why a server did not come up.
enum NotListening {
    /// Another process listens on the port.
    PortTaken,
    Failed(String),
}

/// Waits until `child` listens on `port`. It is not enough that something
/// accepts connections there: that may be another process, which took the
/// port between [`free_port`] and the server's own bind, and a test would
/// then talk to someone else's server. So the listening socket must be the
/// child's own (on Linux; elsewhere any listener counts).
fn listening(
    child: &mut Child,
    command: &dyn Fn() -> Command,
    port: u16,
    dir: &Path,
    log_file: &str,
) -> Result<(), NotListening> {
    let program = command().get_program().to_string_lossy().into_owned();
    let mut foreign = false;
    // Up in well under a second here; allow a loaded machine ten.
    for _ in 0..1000 {
        match listener_owner(port, child.id()) {
            Some(Listener::Ours) => return Ok(()),
            Some(Listener::Foreign) => foreign = true,
            Some(Listener::Nobody) => {}
            None => {
                if TcpStream::connect(("127.0.0.1", port)).is_ok() {
                    return Ok(());
                }
            }
        }
        if let Ok(Some(status)) = child.try_wait() {
            if foreign {
                return Err(NotListening::PortTaken);
            }
            // The directory goes with the server: keep the log's end.
            let log = std::fs::read_to_string(dir.join(log_file)).unwrap_or_default();
            let tail: Vec<&str> = log.lines().rev().take(5).collect();
            let tail: Vec<&str> = tail.into_iter().rev().collect();
            return Err(NotListening::Failed(format!(
                "{program} exited ({status}) before it listened on port {port}: {}",
                tail.join(" / ")
            )));
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    if foreign {
        return Err(NotListening::PortTaken);
    }
    Err(NotListening::Failed(format!(
        "{program} did not listen on port {port} within 10 s"
    )))
}

/// Who listens on a loopback port.
#[derive(Debug, PartialEq)]
enum Listener {
    /// The process `pid`, or one of its descendants.
    Ours,
    Foreign,
    Nobody,
}

/// Who listens on TCP `port`, as far as `pid` is concerned; `None` where
/// the kernel's socket tables are not readable (not Linux).
fn listener_owner(port: u16, pid: u32) -> Option<Listener> {
    let inodes = listening_inodes(port)?;
    if inodes.is_empty() {
        return Some(Listener::Nobody);
    }
    let ours = family(pid).iter().any(|&pid| holds_socket(pid, &inodes));
    Some(if ours {
        Listener::Ours
    } else {
        Listener::Foreign
    })
}

/// The inodes of the sockets that listen on TCP `port` (IPv4 or IPv6),
/// from `/proc/net/tcp` and `/proc/net/tcp6`.
fn listening_inodes(port: u16) -> Option<Vec<u64>> {
    const LISTEN: &str = "0A";
    let mut inodes = Vec::new();
    let mut readable = false;
    for table in ["/proc/net/tcp", "/proc/net/tcp6"] {
        let Ok(text) = std::fs::read_to_string(table) else {
            continue;
        };
        readable = true;
        for line in text.lines().skip(1) {
            let fields: Vec<&str> = line.split_whitespace().collect();
            let (Some(local), Some(state), Some(inode)) =
                (fields.get(1), fields.get(3), fields.get(9))
            else {
                continue;
            };
            let local_port = local
                .rsplit_once(':')
                .and_then(|(_, hex)| u16::from_str_radix(hex, 16).ok());
            if local_port == Some(port) && *state == LISTEN {
                inodes.extend(inode.parse::<u64>().ok());
            }
        }
    }
    readable.then_some(inodes)
}

/// `pid` and its descendants, from each process's parent in
/// `/proc/<pid>/stat`: a server may fork the process that listens.
fn family(pid: u32) -> Vec<u32> {
    let mut parents: Vec<(u32, u32)> = std::fs::read_dir("/proc")
        .into_iter()
        .flatten()
        .filter_map(|entry| {
            let child: u32 = entry.ok()?.file_name().to_str()?.parse().ok()?;
            let stat = std::fs::read_to_string(format!("/proc/{child}/stat")).ok()?;
            // `pid (comm) state ppid ...`; comm may hold spaces and parentheses.
            let after_comm = &stat[stat.rfind(')')? + 1..];
            let parent = after_comm.split_whitespace().nth(1)?.parse().ok()?;
            Some((parent, child))
        })
        .collect();
    parents.sort_unstable();
    let mut family = vec![pid];
    let mut next = 0;
    while next < family.len() {
        let parent = family[next];
        let first = parents.partition_point(|&(p, _)| p < parent);
        family.extend(
            parents[first..]
                .iter()
                .take_while(|&&(p, _)| p == parent)
                .map(|&(_, child)| child),
        );
        next += 1;
    }
    family
}

/// Whether process `pid` has one of the sockets `inodes` open.
fn holds_socket(pid: u32, inodes: &[u64]) -> bool {
    let Ok(fds) = std::fs::read_dir(format!("/proc/{pid}/fd")) else {
        return false;
    };
    fds.flatten().any(|fd| {
        std::fs::read_link(fd.path()).is_ok_and(|target| {
            target
                .to_str()
                .and_then(|t| t.strip_prefix("socket:[")?.strip_suffix(']')?.parse().ok())
                .is_some_and(|inode: u64| inodes.contains(&inode))
        })
    })
}

/// Runs `command` in `dir` under the fake clock.
fn spawn(command: &dyn Fn() -> Command, dir: &Path, clock: &FakeClock) -> Result<Child, String> {
    let shim = compile_fake_clock()?;
    let mut command = command();
    let program = command.get_program().to_string_lossy().into_owned();
    command
        .current_dir(dir)
        .env("LD_PRELOAD", &shim)
        .env("LOCKCHECK_FAKE_CLOCK", &clock.path)
        .stdin(Stdio::null())
        .spawn()
        .map_err(|e| format!("cannot run {program}: {e}"))
}

impl Drop for LocalServer {
    /// Asks the server to shut down (SIGINT: PostgreSQL's fast shutdown,
    /// which frees its shared memory; Redis saves nothing, having no
    /// persistence), then kills it if it is still there after ten seconds.
    fn drop(&mut self) {
        self.signal(libc::SIGINT);
        let child = self.child.get_mut();
        for _ in 0..1000 {
            if !matches!(child.try_wait(), Ok(None)) {
                break;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        let _ = child.kill();
        let _ = child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// The `bin` directory of the newest PostgreSQL Debian installed.
fn newest_postgres_bin() -> Option<PathBuf> {
    let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .filter_map(|e| {
            let e = e.ok()?;
            let version = e.file_name().to_str()?.parse::<u32>().ok()?;
            let bin = e.path().join("bin");
            bin.join("postgres").exists().then_some((version, bin))
        })
        .collect();
    versions.sort();
    versions.pop().map(|(_, bin)| bin)
}

/// The `postgres` user's uid and gid, from `/etc/passwd`.
fn postgres_user() -> Option<(u32, u32)> {
    let passwd = std::fs::read_to_string("/etc/passwd").ok()?;
    passwd.lines().find_map(|line| {
        let fields: Vec<&str> = line.split(':').collect();
        (fields.first() == Some(&"postgres") && fields.len() > 3)
            .then(|| Some((fields[2].parse().ok()?, fields[3].parse().ok()?)))
            .flatten()
    })
}

fn scratch_dir(what: &str) -> Result<PathBuf, Unavailable> {
    use std::sync::atomic::{AtomicU32, Ordering};
    static SERIAL: AtomicU32 = AtomicU32::new(0);
    let dir = std::env::temp_dir().join(format!(
        "lockcheck-{what}-{}-{}",
        std::process::id(),
        SERIAL.fetch_add(1, Ordering::Relaxed)
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir)
        .map_err(|e| Unavailable(format!("cannot create {}: {e}", dir.display())))?;
    Ok(dir)
}

/// A loopback port nobody listens on now. Another process may take it
/// before the server does: [`listening`] finds out.
fn free_port() -> Result<u16, Unavailable> {
    TcpListener::bind(("127.0.0.1", 0))
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .map_err(|e| Unavailable(format!("no free loopback port: {e}")))
}

/// The fake clock's shared library, compiled once per source: under a
/// name that hashes the source, in the temporary directory, where later
/// servers (and later runs) find it.
fn compile_fake_clock() -> Result<PathBuf, String> {
    static SHIM: std::sync::OnceLock<Result<PathBuf, String>> = std::sync::OnceLock::new();
    SHIM.get_or_init(|| {
        let hash = xxhash_rust::xxh3::xxh3_64(FAKE_CLOCK_C.as_bytes());
        let shim = std::env::temp_dir().join(format!("lockcheck-fake-clock-{hash:016x}.so"));
        if shim.exists() {
            return Ok(shim);
        }
        let dir = scratch_dir("fake-clock").map_err(|e| e.0)?;
        let built = build_fake_clock(&dir).and_then(|built| {
            // Another process may have put it there meanwhile: the same bytes.
            std::fs::rename(&built, &shim)
                .map_err(|e| format!("cannot move the fake clock to {}: {e}", shim.display()))
        });
        let _ = std::fs::remove_dir_all(&dir);
        built.map(|()| shim)
    })
    .clone()
}

fn build_fake_clock(dir: &Path) -> Result<PathBuf, String> {
    let source = dir.join("fake_clock.c");
    let shim = dir.join("fake_clock.so");
    std::fs::File::create(&source)
        .and_then(|mut f| f.write_all(FAKE_CLOCK_C.as_bytes()))
        .map_err(|e| format!("cannot write {}: {e}", source.display()))?;
    let cc = std::env::var("CC").unwrap_or_else(|_| "cc".into());
    let out = Command::new(&cc)
        .args(["-O2", "-shared", "-fPIC", "-o"])
        .arg(&shim)
        .arg(&source)
        .output()
        .map_err(|e| format!("the fake clock needs a C compiler ({cc}): {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "{cc} could not compile the fake clock: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        ));
    }
    Ok(shim)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_listener_is_ours_only_if_the_process_or_a_descendant_holds_it() {
        let listener = TcpListener::bind(("127.0.0.1", 0)).unwrap();
        let port = listener.local_addr().unwrap().port();
        if listening_inodes(port).is_none() {
            println!("note: no /proc/net/tcp here; nothing to check");
            return;
        }
        assert_eq!(
            listener_owner(port, std::process::id()),
            Some(Listener::Ours)
        );
        let mut other = Command::new("sleep").arg("5").spawn().unwrap();
        assert_eq!(listener_owner(port, other.id()), Some(Listener::Foreign));
        let _ = other.kill();
        let _ = other.wait();
        // This process is a descendant of its parent.
        let parent = std::os::unix::process::parent_id();
        assert_eq!(listener_owner(port, parent), Some(Listener::Ours));
        // Once closed, the socket is no longer ours. The port itself is
        // free for anyone from then on (a server another test starts, a
        // JVM's ephemeral port), so ask about this socket's inode, not
        // about whoever listens on the port next.
        let inodes = listening_inodes(port).expect("readable above");
        drop(listener);
        assert!(!holds_socket(std::process::id(), &inodes));
    }

    /// Two servers given the same port: the second finds the first's
    /// listener, not its own, and starts on another port.
    #[test]
    fn a_server_whose_port_another_process_took_starts_on_another() {
        let held = TcpListener::bind(("127.0.0.1", 0)).unwrap();
        let port = held.local_addr().unwrap().port();
        let server = match LocalServer::redis_trying_first(Some(port)) {
            Ok(server) => server,
            Err(why) if std::env::var("LOCKCHECK_REAL_SERVERS").as_deref() == Ok("required") => {
                panic!("a real server is required and could not be started: {why}")
            }
            Err(why) => {
                println!("note: skipped: {why} (apt-get install redis-server gcc)");
                return;
            }
        };
        assert_ne!(server.port, port);
        let pid = server.child.borrow().id();
        if listening_inodes(server.port).is_some() {
            assert_eq!(listener_owner(server.port, pid), Some(Listener::Ours));
            assert_eq!(listener_owner(port, pid), Some(Listener::Foreign));
        }
    }
}
