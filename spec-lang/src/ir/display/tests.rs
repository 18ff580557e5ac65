//! Snapshots of the IR as `specc check --dump-ir` prints it.

use crate::assert_user_sees;
use crate::testing::check_ok;

/// Snapshots the IR of a spec; a macro so that the snapshot is named after
/// the test.
macro_rules! dump {
    ($src:expr $(,)?) => {{
        let src: &str = $src;
        assert_user_sees!(src, check_ok(src).to_string());
    }};
}

#[test]
fn prints_two_phase_commit() {
    dump!(
        "protocol TwoPhaseCommit

param RMS: 1..9 = 3

role TM {
  var phase: enum { Init, Committed, Aborted } = Init
  var prepared: set<RM> = {}
}

role RM[RMS] symmetric {
  persistent var state: enum { Working, Prepared, Committed, Aborted } = Working
}

message Prepared { rm: RM }
message Commit
message Abort

network set

on RM[r] step prepare when state == Working {
  state := Prepared
  send Prepared { rm: r } to TM
}
on RM[r] step abort when r.state == Working { r.state := Aborted }
on TM receive Prepared { rm } when phase == Init { prepared := prepared + {rm} }
on TM step commit when phase == Init and prepared == RM {
  phase := Committed
  broadcast Commit to RM
}
on TM step abort when phase == Init { phase := Aborted; broadcast Abort to RM }
on RM[r] receive Commit { r.state := Committed }
on RM[r] receive Abort { r.state := Aborted }

invariant Consistent: not (exists a, b in RM: a.state == Committed and b.state == Aborted)
fair TM.commit, TM.abort, RM.receive
property Decided: eventually (forall r in RM: r.state in {Committed, Aborted})
",
    );
}

#[test]
fn prints_functions_records_faults_and_every_kind_of_expression() {
    dump!(
        "protocol Log

param N: 2..4 = 3
const Majority = N / 2 + 1
type Entry = record { term: int, value: bool }

role Server[N] {
  var term: 0..5 = 0
  var log: seq<Entry, 3> = []
  var votes: map<Server, bool> = [s in Server -> false]
  var leader: option<Server> = none
}

message Append { entries: seq<Entry>, term: int }
message Ack { ok: bool }

network fifo max_in_flight 6
fault loss max 2
fault crash_recover Server max 1

fn quorum(s: set<Server>) -> bool = 2 * size(s) > N
fn granted(v: map<Server, bool>) -> set<Server> = {s in keys(v) where v[s]}

on Server[me] timeout elect when term < 5 and is_none(leader) {
  term := term + 1
  votes := votes with [me -> true]
  if quorum(granted(votes)) { leader := some(me) } else { skip }
}
on Server[me] step replicate when leader == some(me) and size(log) < 3 {
  let e = { term: term, value: term % 2 == 0 }
  log := append(log, e)
  for s in Server { if s != me { send Append { entries: [e], term: term } to s } }
}
on Server receive Append { entries, term: t } when t >= term {
  log := take(log ++ entries, 3)
  reply Ack { ok: true }
}
on Server receive Ack { ok: true } from peer { votes[peer] := true }

invariant OneLeader: forall a, b in Server: is_some(a.leader) and is_some(b.leader) => a.leader == b.leader
invariant Bounded: (sum s in Server: size(s.log)) <= 3 * N
constraint forall s in Server: s.term <= 4
terminal when forall s in Server: s.term == 5
property Progress: (exists s in Server: s.term > 0) leads_to (exists s in Server: is_some(s.leader))
fair strong Server.elect
fair delivery Append
",
    );
}
