//! Servers the user runs, for `replay TRACE --against redis://HOST:PORT,...`:
//! what a replay may ask of it, and when it sends each request.

use super::conformance::Timing;
use crate::trace::TraceFile;

/// Servers the user runs, which a replay cannot crash, restart or set the
/// clocks of: the trace's requests go to them in real time instead, paced
/// by the trace's readings of its servers' wall clocks, one tick lasting
/// `tick_ms` milliseconds (durations in the requests scaled to match), and
/// the replay's data lives under keys that start with `key_prefix`.
#[derive(Clone, Debug)]
pub struct Remote {
    /// One per server of the trace, in its order: `redis://host:port[/db]`.
    pub urls: Vec<String>,
    pub tick_ms: u64,
    pub key_prefix: String,
}

impl Remote {
    /// The URLs as given, comma-separated, each password masked.
    pub fn shown(&self) -> String {
        let shown: Vec<String> = self.urls.iter().map(|u| redacted(u)).collect();
        shown.join(",")
    }
}

/// A server's version as a replay prints it: `version`, and on a server
/// the user runs, where (its password masked).
pub fn version_at(version: String, url: Option<&str>) -> String {
    match url {
        Some(url) => format!("{version} at {}", redacted(url)),
        None => version,
    }
}

/// `url` with its password, if it has one, as `***`: what a replay prints
/// of a server's URL (its output ends up in CI logs).
pub fn redacted(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_string();
    };
    let (authority, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
    match authority.rsplit_once('@') {
        Some((userinfo, host)) => {
            let user = userinfo.split_once(':').map_or(userinfo, |(user, _)| user);
            let masked = if userinfo.contains(':') {
                format!("{user}:***")
            } else {
                user.to_string()
            };
            format!("{scheme}://{masked}@{host}{path}")
        }
        None => url.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::redacted;

    #[test]
    fn a_password_is_masked_and_nothing_else() {
        assert_eq!(
            redacted("redis://alice:s3cret@db.example:6379/2"),
            "redis://alice:***@db.example:6379/2"
        );
        assert_eq!(
            redacted("redis://:s3cret@db.example:6379"),
            "redis://:***@db.example:6379"
        );
        assert_eq!(redacted("redis://127.0.0.1:6379"), "redis://127.0.0.1:6379");
        assert_eq!(redacted("redis://alice@h:1"), "redis://alice@h:1");
    }
}

/// The least time between two requests of a replay on servers the user
/// runs, in milliseconds: the requests of one tick run that far apart, in
/// the trace's order, so that the network's jitter cannot reorder them
/// against an expiry.
pub const REMOTE_GAP_MS_MIN: u64 = 5;

/// When each request of a trace is sent to the servers the user runs:
/// request `i` (in the trace's order), which server `n` takes at its wall
/// clock reading `wall` in the trace, at `(wall - w0[n]) * tick_ms + i *
/// gap_ms` milliseconds after the start, `w0[n]` being server `n`'s reading
/// in the trace's first state. Request `i` of a tick thus runs `i * gap_ms` into
/// it, as the `i`-th request runs at millisecond `i` of its second on a
/// server lockcheck starts ([`Timing::InOrder`]): a key that request `i` set
/// to expire `k` ticks later is gone for request `j > i` in the tick of its
/// expiry and there for every request before it, on the server as in the
/// model. Where the model runs every request of a tick at one instant
/// ([`Timing::SameInstant`]: PostgreSQL's `NOW()`), the gap is halved, so
/// that every request runs in the first half of its tick, and the program
/// lengthens its expiries by half a tick (see
/// `crate::real::postgres::Session::connect_remote`). Each server
/// keeps time only against itself, so the servers' clocks may be skewed
/// against one another in the trace, as long as the times this gives are
/// in the trace's order.
#[derive(Clone, Debug)]
pub struct RemoteSchedule {
    /// Per server, its wall clock reading in the trace's first state.
    first_walls: Vec<i64>,
    tick_ms: u64,
    pub gap_ms: u64,
}

impl RemoteSchedule {
    /// The schedule of `trace`'s requests to its `servers` servers (nodes
    /// `0..servers`), or why servers the user runs cannot take them.
    pub fn of(
        trace: &TraceFile,
        servers: usize,
        remote: &Remote,
        request: &str,
        timing: Timing,
    ) -> Result<RemoteSchedule, String> {
        if let Some(why) = crashes_a_server(trace, servers) {
            return Err(why);
        }
        let mut requests = Vec::new();
        for (i, action) in trace.actions.iter().enumerate() {
            let Some((n, _)) = super::replay::server_request(action, servers, request) else {
                continue;
            };
            requests.push((i, n, trace.steps[i].state.clocks[n].wall));
        }
        // The requests of a tick run within its first `1 / parts`.
        let parts = match timing {
            Timing::InOrder => 1,
            Timing::SameInstant => 2,
        };
        let slots = parts * (requests.len() as u64 + 1);
        let gap_ms = remote.tick_ms / slots;
        if gap_ms < REMOTE_GAP_MS_MIN {
            return Err(format!(
                "--tick-ms {} leaves {gap_ms} ms between the trace's {} requests; give at \
                 least {} so that they run {REMOTE_GAP_MS_MIN} ms apart",
                remote.tick_ms,
                requests.len(),
                slots * REMOTE_GAP_MS_MIN
            ));
        }
        let first = &trace.steps[0].state.clocks;
        let schedule = RemoteSchedule {
            first_walls: (0..servers).map(|n| first[n].wall).collect(),
            tick_ms: remote.tick_ms,
            gap_ms,
        };
        let mut last: Option<(usize, std::time::Duration)> = None;
        let mut last_walls = schedule.first_walls.clone();
        for (k, &(i, n, wall)) in requests.iter().enumerate() {
            let before = std::mem::replace(&mut last_walls[n], wall);
            if wall < before {
                return Err(format!(
                    "the wall clock of {} goes back at step {} (to tick {wall} from {before}), \
                     and a server you run keeps its own clock (without a URL, lockcheck starts \
                     servers on clocks it sets)",
                    trace.nodes.get(n).map_or("a server", |s| s.as_str()),
                    i + 1
                ));
            }
            let at = schedule.at(k, n, wall);
            if let Some((j, before)) = last
                && at < before
            {
                return Err(format!(
                    "step {}'s request would go before step {}'s: the servers' clocks in the \
                     trace disagree in a way that servers you run, whose clocks run alike, \
                     cannot show (without a URL, lockcheck starts servers on clocks it sets)",
                    i + 1,
                    j + 1
                ));
            }
            last = Some((i, at));
        }
        Ok(schedule)
    }

    /// When request `k` (counting requests only), taken by server `n` at
    /// its `wall`, is sent: this long after the start.
    pub fn at(&self, k: usize, n: usize, wall: i64) -> std::time::Duration {
        let ms = (wall - self.first_walls[n]).max(0) as u64 * self.tick_ms + k as u64 * self.gap_ms;
        std::time::Duration::from_millis(ms)
    }
}

/// Why `trace` cannot replay on servers the user runs, if one of its
/// `servers` (nodes `0..servers`) crashes or restarts in it: a replay
/// cannot do that to a server it did not start.
pub fn crashes_a_server(trace: &TraceFile, servers: usize) -> Option<String> {
    trace.actions.iter().enumerate().find_map(|(i, action)| {
        let on_server = |key: &str| {
            action
                .get(key)
                .and_then(|n| n.as_u64())
                .is_some_and(|n| (n as usize) < servers)
        };
        (on_server("crash") || on_server("restart")).then(|| {
            format!(
                "step {} crashes or restarts a server, which a replay cannot do to a \
                 server you run (without a URL, lockcheck starts servers it can crash)",
                i + 1
            )
        })
    })
}
