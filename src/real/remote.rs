//! A server the user runs, for `replay TRACE --against redis://HOST:PORT`:
//! what a replay may ask of it, and when it sends each request.

use crate::trace::TraceFile;

/// A server the user runs, which a replay cannot crash, restart or set the
/// clock of: the trace's requests go to it in real time instead, paced by
/// the trace's reading of its server's wall clock, one tick lasting
/// `tick_ms` milliseconds (durations in the requests scaled to match), and
/// the replay's data lives under keys that start with `key_prefix`.
#[derive(Clone, Debug)]
pub struct Remote {
    /// `redis://host:port[/db]`.
    pub url: String,
    pub tick_ms: u64,
    pub key_prefix: String,
}

/// The least time between two requests of a replay on a server the user
/// runs, in milliseconds: the requests of one tick run that far apart, in
/// the trace's order, so that the network's jitter cannot reorder them
/// against an expiry.
pub const REMOTE_GAP_MS_MIN: u64 = 5;

/// When each request of a one-server trace is sent to a server the user
/// runs: request `i` (in the trace's order) at `(wall - first wall) *
/// tick_ms + i * gap_ms` milliseconds after the start, `wall` being the
/// server's clock in the trace as it takes the request. Request `i` of a
/// tick thus runs `i * gap_ms` into it, as the `i`-th request runs at
/// millisecond `i` of its second on a server lockcheck starts: a key that
/// request `i` set to expire `k` ticks later is gone for request `j > i` in
/// the tick of its expiry and there for every request before it, on the
/// server as in the model.
#[derive(Clone, Copy, Debug)]
pub struct RemoteSchedule {
    first_wall: i64,
    tick_ms: u64,
    pub gap_ms: u64,
}

impl RemoteSchedule {
    /// The schedule of `trace`'s requests to its server (node 0), or why
    /// a server the user runs cannot take them.
    pub fn of(trace: &TraceFile, remote: &Remote, request: &str) -> Result<RemoteSchedule, String> {
        let mut walls = Vec::new();
        for (i, action) in trace.actions.iter().enumerate() {
            let on_server = |key: &str| action.get(key).and_then(|n| n.as_u64()) == Some(0);
            if on_server("crash") || on_server("restart") {
                return Err(format!(
                    "step {} crashes or restarts the server, which a replay cannot do to a \
                     server you run (without a URL, lockcheck starts a server it can crash)",
                    i + 1
                ));
            }
            let Some(deliver) = action.get("deliver") else {
                continue;
            };
            if deliver.get("dst").and_then(|d| d.as_u64()) != Some(0)
                || deliver.pointer(request).is_none()
            {
                continue;
            }
            let wall = trace.steps[i].state.clocks[0].wall;
            if let Some(&last) = walls.last()
                && wall < last
            {
                return Err(format!(
                    "the server's wall clock goes back at step {} (from tick {last} to {wall}), \
                     and a server you run keeps its own clock (without a URL, lockcheck starts \
                     a server on a clock it sets)",
                    i + 1
                ));
            }
            walls.push(wall);
        }
        let gap_ms = remote.tick_ms / (walls.len() as u64 + 1);
        if gap_ms < REMOTE_GAP_MS_MIN {
            return Err(format!(
                "--tick-ms {} leaves {gap_ms} ms between the trace's {} requests; give at \
                 least {} so that they run {REMOTE_GAP_MS_MIN} ms apart",
                remote.tick_ms,
                walls.len(),
                (walls.len() as u64 + 1) * REMOTE_GAP_MS_MIN
            ));
        }
        Ok(RemoteSchedule {
            first_wall: walls.first().copied().unwrap_or(0),
            tick_ms: remote.tick_ms,
            gap_ms,
        })
    }

    /// When request `i`, taken at the server's `wall`, is sent: this long
    /// after the start.
    pub fn at(&self, i: usize, wall: i64) -> std::time::Duration {
        let ms = (wall - self.first_wall) as u64 * self.tick_ms + i as u64 * self.gap_ms;
        std::time::Duration::from_millis(ms)
    }
}
