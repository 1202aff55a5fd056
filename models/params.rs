//! Scenario parameters that several lock families read, so that one scenario
//! means the same thing for every model it runs ("the lease is 8 ticks").

use crate::node::Param;

pub const TTL_TICKS: Param = Param {
    name: "ttl_ticks",
    meaning: "a lease's length: a key's expiry, a row's or file's staleness age, a session or visibility timeout (on the clock of whoever judges it)",
};
pub const RETRY_TICKS: Param = Param {
    name: "retry_ticks",
    meaning: "how long a client sleeps before asking again for a busy lock",
};
pub const REQUEST_TIMEOUT_TICKS: Param = Param {
    name: "request_timeout_ticks",
    meaning: "resend a request unanswered for this long (a client library's socket timeout); absent: wait forever",
};
