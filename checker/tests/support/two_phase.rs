//! Gray and Lamport's TwoPhase, built as IR by hand: what
//! specs/classic/two_phase.spec compiles to.
#![allow(dead_code)]

use spec_lang::ir::*;

use super::build::*;

/// The spec text this IR mirrors (shown beside snapshots).
pub const SOURCE: &str = "\
protocol TwoPhase
param RMS: 1..9 = 3
role TM {
  var tmState: enum { TMInit, TMCommitted, TMAborted } = TMInit
  var tmPrepared: set<RM> = {}
}
role RM[RMS] {
  var rmState: enum { Working, Prepared, Committed, Aborted } = Working
}
message PreparedMsg { rm: RM }
message CommitMsg
message AbortMsg
network set
on TM receive PreparedMsg { rm } as TMRcvPrepared when tmState == TMInit {
  tmPrepared := tmPrepared + {rm}
}
on TM step TMCommit when tmState == TMInit and tmPrepared == RM {
  tmState := TMCommitted
  broadcast CommitMsg to RM
}
on TM step TMAbort when tmState == TMInit {
  tmState := TMAborted
  broadcast AbortMsg to RM
}
on RM[r] step RMPrepare when r.rmState == Working {
  r.rmState := Prepared
  send PreparedMsg { rm: r } to TM
}
on RM[r] step RMChooseToAbort when r.rmState == Working { r.rmState := Aborted }
on RM[r] receive CommitMsg as RMRcvCommitMsg { r.rmState := Committed }
on RM[r] receive AbortMsg as RMRcvAbortMsg { r.rmState := Aborted }
invariant TCConsistent:
  forall r1, r2 in RM: not (r1.rmState == Aborted and r2.rmState == Committed)
";

/// The bug variant: TMCommit without `and tmPrepared == RM`.
pub const BUG_SOURCE_CHANGE: &str =
    "on TM step TMCommit when tmState == TMInit {   // the check of tmPrepared is missing";

pub struct Options {
    pub rms: u32,
    pub symmetric: bool,
    /// The TM commits without waiting for every RM to prepare.
    pub commit_early: bool,
}

pub fn two_phase(o: Options) -> Spec {
    let mut b = B::new("TwoPhase");
    let tm = b.singleton("TM");
    let rm = b.indexed("RM", o.rms, o.symmetric);
    let tm_enum = b.enumeration("TmState", &["TMInit", "TMCommitted", "TMAborted"]);
    let rm_enum = b.enumeration("RmState", &["Working", "Prepared", "Committed", "Aborted"]);
    let tm_state = b.var(tm, "tmState", Type::Enum(tm_enum), variant(tm_enum, 0));
    let rm_set = set_ty(Type::Role(rm));
    let prepared = b.var(
        tm,
        "tmPrepared",
        rm_set.clone(),
        set_of(vec![], Type::Role(rm)),
    );
    let rm_state = b.var(rm, "rmState", Type::Enum(rm_enum), variant(rm_enum, 0));
    let prepared_msg = b.message("PreparedMsg", &[("rm", Type::Role(rm))]);
    let commit_msg = b.message("CommitMsg", &[]);
    let abort_msg = b.message("AbortMsg", &[]);
    b.network(NetworkKind::Set);

    let tm_init = eq(b.own(tm_state), variant(tm_enum, 0));
    let mut s = receive("TMRcvPrepared", tm, prepared_msg, rm);
    let r = s.local("rm", Type::Role(rm));
    let body = vec![assign(
        prepared,
        bin(
            BinaryOp::Union,
            b.own(prepared),
            set_of(vec![r.clone()], Type::Role(rm)),
        ),
    )];
    b.step(s.bind(0, &r).guard(tm_init.clone()).body(body));

    let commit_guard = if o.commit_early {
        tm_init.clone()
    } else {
        and(tm_init.clone(), eq(b.own(prepared), role_set(rm)))
    };
    b.step(internal("TMCommit", tm).guard(commit_guard).body(vec![
        assign(tm_state, variant(tm_enum, 1)),
        broadcast(commit_msg, vec![], role_set(rm)),
    ]));
    b.step(internal("TMAbort", tm).guard(tm_init).body(vec![
        assign(tm_state, variant(tm_enum, 2)),
        broadcast(abort_msg, vec![], role_set(rm)),
    ]));

    let working = eq(b.own(rm_state), variant(rm_enum, 0));
    b.step(internal("RMPrepare", rm).guard(working.clone()).body(vec![
        assign(rm_state, variant(rm_enum, 1)),
        send(prepared_msg, vec![me(rm)], inst(tm, 0)),
    ]));
    b.step(
        internal("RMChooseToAbort", rm)
            .guard(working)
            .body(vec![assign(rm_state, variant(rm_enum, 3))]),
    );
    b.step(
        receive("RMRcvCommitMsg", rm, commit_msg, tm)
            .body(vec![assign(rm_state, variant(rm_enum, 2))]),
    );
    b.step(
        receive("RMRcvAbortMsg", rm, abort_msg, tm)
            .body(vec![assign(rm_state, variant(rm_enum, 3))]),
    );

    let r1 = local(LocalId(0), Type::Role(rm));
    let r2 = local(LocalId(1), Type::Role(rm));
    let consistent = forall(
        vec![(r1.clone(), role_set(rm)), (r2.clone(), role_set(rm))],
        not(and(
            eq(b.of(rm_state, r1), variant(rm_enum, 3)),
            eq(b.of(rm_state, r2), variant(rm_enum, 2)),
        )),
    );
    b.invariant(
        "TCConsistent",
        &[("r1", Type::Role(rm)), ("r2", Type::Role(rm))],
        consistent,
    );
    b.build()
}
