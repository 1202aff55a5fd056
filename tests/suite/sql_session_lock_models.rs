//! The SQL session locks' verdicts, pinned: for every (model, scenario) pair
//! the verdict of each property, the length of the shortest counterexample (or
//! of the shortest example, for `lock_acquired`) and the number of unique
//! states as a tripwire. `models/sql_session_lock.rs` explains each verdict;
//! the notation is described in `tests/suite/common.rs`. Every pinned
//! counterexample's trace is replayed.

pins! {
    pg_no_faults: "pg_advisory_lock", "no-faults", 435, "holds holds holds:2 holds holds holds";
    pg_holder_crash: "pg_advisory_lock", "holder-crash", 3177, "holds violated:12 holds:2 holds holds holds";
    pg_gc_pause: "pg_advisory_lock", "gc-pause", 7180, "holds holds holds:2 holds holds holds";
    pg_message_loss: "pg_advisory_lock", "message-loss", 27907, "holds holds holds:2 holds holds holds";
    pg_partition: "pg_advisory_lock", "partition", 13391, "holds holds holds:2 holds holds holds";
    pg_server_restart: "pg_advisory_lock", "server-restart", 35024, "violated:7 violated:13 holds:2 holds holds holds";
    pg_async_network: "pg_advisory_lock", "async-network", 7199, "holds holds holds:2 violated:14 holds holds";
    pg_endless_contention: "pg_advisory_lock", "endless-contention", 2799, "holds holds holds:4 holds holds holds";

    // Through PgBouncer in transaction pooling: the second client's lock call
    // lands on the backend that holds the lock and is granted re-entrantly.
    pooled_no_faults: "pg_advisory_lock_pooled", "no-faults", 1848, "violated:4 violated:10 holds:2 holds holds holds";
    pooled_holder_crash: "pg_advisory_lock_pooled", "holder-crash", 9898, "violated:4 violated:10 holds:2 holds holds holds";
    pooled_partition: "pg_advisory_lock_pooled", "partition", 78149, "violated:4 violated:10 holds:2 holds holds holds";
    pooled_endless_contention: "pg_advisory_lock_pooled", "endless-contention", 163473, "violated:6 violated:15 holds:4 holds holds holds";

    mysql_no_faults: "mysql_get_lock", "no-faults", 435, "holds holds holds:2 holds holds holds";
    mysql_message_loss: "mysql_get_lock", "message-loss", 27907, "holds holds holds:2 holds holds holds";
    mysql_server_restart: "mysql_get_lock", "server-restart", 35024, "violated:7 violated:13 holds:2 holds holds holds";

    autoreconnect_no_faults: "mysql_get_lock_autoreconnect", "no-faults", 435, "holds holds holds:2 holds holds holds";
    autoreconnect_message_loss: "mysql_get_lock_autoreconnect", "message-loss", 27907, "holds holds holds:2 holds holds holds";
    autoreconnect_server_restart: "mysql_get_lock_autoreconnect", "server-restart", 11851, "violated:7 violated:13 holds:2 holds holds holds";

    // `SELECT ... FOR UPDATE` under `idle_in_transaction_session_timeout`:
    // the server ends a holder's transaction that stays idle for the TTL.
    // With the write in that transaction the resource stays safe; a
    // resource outside the database does not.
    tx_no_faults: "pg_select_for_update", "no-faults", 685, "holds holds holds:2 holds holds holds";
    tx_holder_crash: "pg_select_for_update", "holder-crash", 5493, "holds holds holds:2 holds holds holds";
    tx_gc_pause: "pg_select_for_update", "gc-pause", 16584, "violated:15 holds holds:2 holds holds holds";
    tx_server_restart: "pg_select_for_update", "server-restart", 40933, "violated:7 holds holds:2 holds holds holds";
    tx_endless_contention: "pg_select_for_update", "endless-contention", 5251, "holds holds holds:4 holds holds holds";
    tx_long_work: "pg_select_for_update", "long-work", 1059, "violated:15 holds holds:2 holds holds holds";
    external_holder_crash: "pg_select_for_update_external", "holder-crash", 5416, "holds violated:12 holds:2 holds holds holds";
    external_gc_pause: "pg_select_for_update_external", "gc-pause", 18244, "violated:15 violated:21 holds:2 holds holds holds";
    external_clock_drift: "pg_select_for_update_external", "clock-drift", 5132, "violated:11 violated:15 holds:2 holds holds holds";
    external_server_restart: "pg_select_for_update_external", "server-restart", 48960, "violated:7 violated:13 holds:2 holds holds holds";
    external_endless_contention: "pg_select_for_update_external", "endless-contention", 5251, "holds holds holds:4 holds holds holds";
    external_long_work: "pg_select_for_update_external", "long-work", 1059, "violated:15 violated:35 holds:2 holds holds holds";
}

mod connection_ids {
    //! Why the server tells a client's connections apart: a client whose
    //! connection broke connects again and calls `pg_advisory_lock` on the
    //! new connection before the server notices that the old one closed.
    //! The late close must release the old connection's lock only, and
    //! hand the lock to the new connection's blocked call.

    use std::path::Path;

    use stateright::Model;

    use lockcheck::models::sql_session_lock::{Holder, Msg, SqlSessionLock};
    use lockcheck::node::{ConnId, LockModel, NodeId};
    use lockcheck::scenario::Scenario;
    use lockcheck::world::{Action, Payload, World, WorldConfig, WorldState};

    type W = World<SqlSessionLock>;
    type S = WorldState<SqlSessionLock>;

    fn world() -> W {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/message-loss.json");
        let scenario = Scenario::load(&path).unwrap_or_else(|e| panic!("{e}"));
        let model = SqlSessionLock::new("pg_advisory_lock", &scenario.params).unwrap();
        World::new(
            model,
            WorldConfig::from_scenario(&scenario),
            lockcheck::properties::properties::<SqlSessionLock>,
        )
    }

    /// Takes the first offered action that `pick` accepts.
    fn take(w: &W, s: &S, what: &str, pick: impl Fn(&Action<Msg, ()>) -> bool) -> S {
        let mut offered = Vec::new();
        w.actions(s, &mut offered);
        let action = offered
            .into_iter()
            .find(|a| pick(a))
            .unwrap_or_else(|| panic!("{what} is not offered in {s:?}"));
        w.next_state(s, action).expect("a successor")
    }

    fn holder(s: &S) -> Option<(Holder, u8)> {
        s.servers[0].state.as_ref().expect("the server runs").holder
    }

    #[test]
    fn a_late_close_releases_only_the_old_connections_lock() {
        let w = world();
        let (db, c1) = (NodeId(0), w.client_id(0));
        let mut s = w.init_states().remove(0);
        s = take(
            &w,
            &s,
            "c1's lock call",
            |a| matches!(a, Action::Deliver(e) if e.src == c1 && e.payload == Payload::Lock(Msg::Lock)),
        );
        let on = |conn| Holder::Session {
            client: c1,
            conn: ConnId(conn),
        };
        assert_eq!(holder(&s), Some((on(0), 1)));
        // The grant is lost: the connection breaks.
        s = take(
            &w,
            &s,
            "losing the grant",
            |a| matches!(a, Action::Drop(e) if e.dst == c1 && e.payload == Payload::Lock(Msg::Granted)),
        );
        // The client notices first, connects again and calls again.
        s = take(
            &w,
            &s,
            "c1's close notice",
            |a| matches!(a, Action::Deliver(e) if e.dst == c1 && e.payload == Payload::Closed),
        );
        assert_eq!(s.clients[0].conns, vec![1]);
        s = take(
            &w,
            &s,
            "c1's second lock call",
            |a| matches!(a, Action::Deliver(e) if e.src == c1 && e.payload == Payload::Lock(Msg::Lock)),
        );
        // The old connection still holds the lock: the new call waits.
        assert_eq!(holder(&s), Some((on(0), 1)));
        // The server notices that connection 0 closed: its lock goes to
        // the call waiting on connection 1.
        s = take(
            &w,
            &s,
            "the server's close notice",
            |a| matches!(a, Action::Deliver(e) if e.dst == db && e.payload == Payload::Closed && e.conn == 0),
        );
        assert_eq!(holder(&s), Some((on(1), 1)));
        assert!(
            s.network
                .iter()
                .any(|e| e.dst == c1 && e.payload == Payload::Lock(Msg::Granted)),
            "the grant goes to the new connection: {:?}",
            s.network
        );
    }
}
