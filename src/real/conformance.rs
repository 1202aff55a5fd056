//! Seeded random command sequences run against a model's server and a real
//! one, every reply compared, a disagreement shrunk: the part of a
//! conformance test that is the same for every server.
//!
//! **Time.** Tick `t` of a sequence is the fake wall-clock second `t` past
//! the sequence's start. The model has no time within a tick; it runs a
//! tick's commands in order. Under [`Timing::InOrder`] so does the real
//! server, a millisecond apart: the `i`-th command runs at millisecond `i`
//! of its second, so a sequence is at most [`SEQUENCE_LEN_MAX`] commands
//! long. Under [`Timing::SameInstant`] a tick's commands all run at its
//! first millisecond.

use rand_chacha::ChaCha8Rng;
use rand_chacha::rand_core::SeedableRng;

use super::{FakeClock, Unavailable};
use crate::node::Instant;

/// The longest sequence: its `i`-th command runs at millisecond `i` of
/// its tick.
pub const SEQUENCE_LEN_MAX: usize = 999;

/// Where a tick's commands fall within its second on the real server's
/// clock.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Timing {
    /// The `i`-th command of a sequence at millisecond `i`: each command of
    /// a tick runs later than the ones before it, as in a real run.
    InOrder,
    /// Every command of tick `t` at millisecond 0 of second `t`, at one
    /// instant.
    SameInstant,
}

impl Timing {
    /// Where the `i`-th command of a sequence falls within its tick's
    /// second, in milliseconds.
    pub fn offset_ms(self, i: usize) -> u64 {
        match self {
            Timing::InOrder => i as u64,
            Timing::SameInstant => 0,
        }
    }
}

/// A server state machine that runs one command at a wall-clock time: a
/// model's server, or, in a test, one broken on purpose.
pub trait Execute<C, R>: Clone {
    fn execute(&mut self, now: Instant, cmd: &C) -> R;
}

/// A real server, through one connection.
pub trait RealServer {
    type Cmd: Clone + std::fmt::Display;
    type Reply: Clone + PartialEq + std::fmt::Display;
    /// Empties the server (no lock, counters back at their start) for a
    /// sequence whose tick 0 is the Unix millisecond `start_ms`: the
    /// model's instants in commands are ticks past it.
    fn clear(&mut self, start_ms: u64) -> Result<(), Unavailable>;
    fn clock(&self) -> &FakeClock;
    /// Runs one command; its answer as the model's reply, or why it cannot
    /// be read as one.
    fn run(&mut self, cmd: &Self::Cmd) -> Result<Self::Reply, String>;
    /// The server's name and version, e.g. `redis-server 7.0.15`.
    fn version(&mut self) -> Result<String, Unavailable>;
}

/// One step of a sequence: let `wait_ticks` pass, then run `cmd`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Op<C> {
    pub wait_ticks: u32,
    pub cmd: C,
}

/// The first command of a sequence on which the model and the server
/// answer differently.
#[derive(Clone, Debug)]
pub struct Disagreement<C, R> {
    /// The server's name and version.
    pub server: String,
    /// The sequence, shrunk: no command can be left out, and no wait made
    /// shorter, without the disagreement going away.
    pub ops: Vec<Op<C>>,
    /// The command (an index into `ops`) answered differently.
    pub at: usize,
    pub model: R,
    /// The server's answer, or why it could not be read as a reply.
    pub real: Result<R, String>,
}

impl<C: std::fmt::Display, R: std::fmt::Display> std::fmt::Display for Disagreement<C, R> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(
            f,
            "the model and {} disagree after {} command(s):",
            self.server,
            self.at + 1
        )?;
        let mut tick = 0;
        for (i, op) in self.ops.iter().enumerate().take(self.at + 1) {
            tick += op.wait_ticks;
            let cmd = op.cmd.to_string();
            if i == self.at {
                let real = match &self.real {
                    Ok(reply) => reply.to_string(),
                    Err(why) => why.clone(),
                };
                writeln!(
                    f,
                    "  tick {tick:>3}  {cmd:<40}  model: {}   real: {real}",
                    self.model
                )?;
            } else {
                writeln!(f, "  tick {tick:>3}  {cmd}")?;
            }
        }
        Ok(())
    }
}

/// A disagreement of server `S`'s.
pub type DisagreementOf<S> = Disagreement<<S as RealServer>::Cmd, <S as RealServer>::Reply>;

/// What a conformance run did when every reply agreed.
#[derive(Clone, Debug)]
pub struct Agreement {
    /// The server's name and version.
    pub server: String,
    pub sequences: usize,
    pub commands: usize,
}

/// Runs `sequences` sequences that `generate` draws (from one generator
/// seeded by `seed`) against a fresh copy of `model` and against `server`,
/// emptied before each. Every reply agrees, or the first disagreement
/// comes back shrunk. A failure to talk to the server is an error.
pub fn run<S: RealServer, M: Execute<S::Cmd, S::Reply>>(
    server: &mut S,
    model: &M,
    timing: Timing,
    seed: u64,
    sequences: usize,
    mut generate: impl FnMut(&mut ChaCha8Rng) -> Vec<Op<S::Cmd>>,
) -> Result<Result<Agreement, DisagreementOf<S>>, Unavailable> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut session = Session {
        server,
        timing,
        next_start_ms: super::CLOCK_START_UNIX_MS,
    };
    let mut commands = 0;
    for _ in 0..sequences {
        let ops = generate(&mut rng);
        assert!(
            ops.len() <= SEQUENCE_LEN_MAX,
            "a sequence is at most 999 commands"
        );
        commands += ops.len();
        if let Some(first) = session.run(model, &ops)? {
            let shrunk = session.shrink(model, first)?;
            return Ok(Err(shrunk));
        }
    }
    Ok(Ok(Agreement {
        server: session.server.version()?,
        sequences,
        commands,
    }))
}

/// A server, and where its fake clock stands.
struct Session<'a, S> {
    server: &'a mut S,
    timing: Timing,
    /// The fake clock's tick 0 for the next sequence, in Unix ms.
    next_start_ms: u64,
}

impl<S: RealServer> Session<'_, S> {
    /// Runs `ops` from an empty server and a fresh model; the first
    /// disagreement, if any.
    fn run<M: Execute<S::Cmd, S::Reply>>(
        &mut self,
        model: &M,
        ops: &[Op<S::Cmd>],
    ) -> Result<Option<DisagreementOf<S>>, Unavailable> {
        let mut model = model.clone();
        let io = |e: std::io::Error| Unavailable(format!("cannot set the fake clock: {e}"));
        let start_ms = self.next_start_ms;
        self.server.clock().set_ms(start_ms).map_err(io)?;
        self.server.clear(start_ms)?;
        let mut tick = 0u64;
        let mut result = None;
        for (i, op) in ops.iter().enumerate() {
            tick += op.wait_ticks as u64;
            self.server
                .clock()
                .set_ms(start_ms + tick * 1000 + self.timing.offset_ms(i))
                .map_err(io)?;
            let expected = model.execute(Instant::from_ticks(tick as i64), &op.cmd);
            let real = self.server.run(&op.cmd);
            if real.as_ref() != Ok(&expected) {
                result = Some(Disagreement {
                    server: self.server.version()?,
                    ops: ops.to_vec(),
                    at: i,
                    model: expected,
                    real,
                });
                break;
            }
        }
        // The next sequence starts well after this one's last tick, so its
        // clock never goes back.
        self.next_start_ms = start_ms + (tick + 10) * 1000;
        Ok(result)
    }

    /// The shortest sequence found from the first disagreement's: commands
    /// after the disagreement dropped, then single commands left out (a
    /// left-out command's wait goes to the next one, so the others keep
    /// their ticks), then waits shortened, until nothing more goes.
    fn shrink<M: Execute<S::Cmd, S::Reply>>(
        &mut self,
        model: &M,
        first: DisagreementOf<S>,
    ) -> Result<DisagreementOf<S>, Unavailable> {
        let mut best = first;
        best.ops.truncate(best.at + 1);
        loop {
            let mut shorter = None;
            for i in 0..best.ops.len() {
                let mut candidate = best.ops.clone();
                let removed = candidate.remove(i);
                if let Some(next) = candidate.get_mut(i) {
                    next.wait_ticks += removed.wait_ticks;
                }
                if let Some(found) = self.run(model, &candidate)? {
                    shorter = Some(found);
                    break;
                }
            }
            if shorter.is_none() {
                for i in 0..best.ops.len() {
                    if best.ops[i].wait_ticks == 0 {
                        continue;
                    }
                    let mut candidate = best.ops.clone();
                    candidate[i].wait_ticks -= 1;
                    if let Some(found) = self.run(model, &candidate)? {
                        shorter = Some(found);
                        break;
                    }
                }
            }
            match shorter {
                Some(mut found) => {
                    found.ops.truncate(found.at + 1);
                    best = found;
                }
                None => return Ok(best),
            }
        }
    }
}
