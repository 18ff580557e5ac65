//! The key-value application around one generated Raft server.
//!
//! The spec's log entries are terms only; a leader creates at most one
//! entry per index in a term, so (index, term) names an entry uniquely (the
//! log matching property). The application keeps the command of each entry
//! under that name: the leader remembers it (durably, through the node)
//! before the `client_request` step creates the entry; a follower
//! remembers it from the data that travels beside the AppendEntries
//! carrying the entry, before the message is offered (and refuses such a
//! message without the data). Entries are applied in order up to the
//! spec's commitIndex; a client is answered when its entry is applied.
//!
//! Everything Raft leaves to an implementation and the spec leaves open is
//! decided here, and only by offering spec steps: when to stand for
//! election (a randomised timeout restarted by AppendEntries of the current
//! term and by granting a vote), heartbeats (a `replicate` to every
//! follower each tick), which follower and which previous index a
//! `replicate` uses (the spec's `choose`: a next index per follower, moved
//! forward optimistically up to a window and back to the follower's
//! matchIndex after a refusal), and a no-op entry at the start of each
//! term, so that entries of earlier terms commit without waiting for a
//! client.

use std::collections::{BTreeMap, VecDeque};
use std::net::SocketAddr;

use raft::{Message, Node, Raft, ServerState, server};
use runtime::tokio::sync::oneshot;
use runtime::{Cx, Effects, Event, InstanceId, Json};
use serde::{Deserialize, Serialize};

use crate::wire::{Op, Response};

/// Entries sent to one follower beyond its matchIndex before a reply.
const WINDOW: i64 = 32;

/// What a log entry means to the key-value store.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub enum Command {
    Put {
        key: String,
        value: String,
    },
    Get {
        key: String,
    },
    /// The entry a new leader appends to commit its predecessors' entries.
    Noop,
}

/// A client request, with where to send the answer.
#[derive(Debug)]
pub struct Input {
    pub op: Op,
    pub reply: oneshot::Sender<Response>,
}

/// The application state of one server (all volatile except the commands,
/// which the node keeps durably).
#[derive(Debug)]
pub struct KvApp {
    /// Every server's client address, to redirect clients to the leader.
    clients: BTreeMap<InstanceId, SocketAddr>,
    commands: BTreeMap<(i64, i64), Command>,
    kv: BTreeMap<String, String>,
    applied: i64,
    /// Requests offered as `client_request`, in offer order.
    awaiting: VecDeque<(i64, i64, Option<oneshot::Sender<Response>>)>,
    /// Entries created for clients, by index: the entry's term and the answer.
    pending: BTreeMap<i64, (i64, oneshot::Sender<Response>)>,
    next: BTreeMap<InstanceId, i64>,
    leader: Option<InstanceId>,
    was_leader: bool,
    stalled: bool,
}

fn key(index: i64, term: i64) -> String {
    format!("entry/{index}/{term}")
}

fn server(node: &Node) -> &server::State {
    let Node::Server(s) = node;
    s
}

impl KvApp {
    pub fn new(clients: BTreeMap<InstanceId, SocketAddr>) -> KvApp {
        KvApp {
            clients,
            commands: BTreeMap::new(),
            kv: BTreeMap::new(),
            applied: 0,
            awaiting: VecDeque::new(),
            pending: BTreeMap::new(),
            next: BTreeMap::new(),
            leader: None,
            was_leader: false,
            stalled: false,
        }
    }

    /// The followers of `me`, in the order of the spec's `choose f in Server
    /// where f != s`.
    fn followers(me: InstanceId) -> Vec<InstanceId> {
        raft::SERVER
            .instances()
            .into_iter()
            .filter(|&f| f != me)
            .collect()
    }

    /// Offers `replicate` to `f` with the given previous index.
    fn replicate(cx: &mut Cx<'_, Raft>, f: InstanceId, prev: i64) {
        let at = Self::followers(cx.me()).iter().position(|&x| x == f);
        if let Some(at) = at {
            cx.offer_with("replicate", vec![at, prev.max(0) as usize]);
        }
    }

    /// Sends `f` the entries it may lack, up to the window.
    fn pump(&mut self, cx: &mut Cx<'_, Raft>, f: InstanceId) {
        let s = server(cx.state());
        let len = s.log.len() as i64;
        let matched = s.match_index.get(&f).copied().unwrap_or(0);
        let next = self.next.entry(f).or_insert(len + 1);
        let mut sends = Vec::new();
        while *next <= len && *next - matched <= WINDOW {
            sends.push(*next - 1);
            *next += 1;
        }
        for prev in sends {
            Self::replicate(cx, f, prev);
        }
    }

    fn offer_entry(
        &mut self,
        cx: &mut Cx<'_, Raft>,
        command: Command,
        reply: Option<oneshot::Sender<Response>>,
    ) {
        let s = server(cx.state());
        let (index, term) = (s.log.len() as i64 + 1, s.current_term);
        if let Ok(json) = serde_json::to_value(&command) {
            cx.remember(key(index, term), json);
        }
        self.commands.insert((index, term), command);
        self.awaiting.push_back((index, term, reply));
        cx.offer("client_request");
    }

    fn redirect(&self) -> Response {
        Response::Redirect {
            leader: self.leader.and_then(|l| self.clients.get(&l).copied()),
        }
    }

    /// Applies committed entries and answers their clients.
    fn apply(&mut self, cx: &mut Cx<'_, Raft>) {
        let s = server(cx.state());
        while !self.stalled && self.applied < s.commit_index {
            let index = self.applied + 1;
            let Some(&term) = s.log.get(index as usize - 1) else {
                break;
            };
            let Some(command) = self.commands.get(&(index, term)) else {
                cx.log().warn(&format!(
                    "no command for the committed entry {index} of term {term}: applying stops"
                ));
                self.stalled = true;
                break;
            };
            let value = match command {
                Command::Put { key, value } => {
                    self.kv.insert(key.clone(), value.clone());
                    None
                }
                Command::Get { key } => self.kv.get(key).cloned(),
                Command::Noop => None,
            };
            self.applied = index;
            if let Some((t, reply)) = self.pending.remove(&index) {
                let answer = if t == term {
                    Response::Done { value }
                } else {
                    Response::Retry {
                        reason: "the entry was replaced by another leader's".to_string(),
                    }
                };
                let _ = reply.send(answer);
            }
        }
    }

    /// After leadership is lost, every client still waiting is redirected.
    fn abandon(&mut self) {
        let answer = self.redirect();
        for (_, (_, reply)) in std::mem::take(&mut self.pending) {
            let _ = reply.send(answer.clone());
        }
        for (_, _, reply) in std::mem::take(&mut self.awaiting) {
            if let Some(reply) = reply {
                let _ = reply.send(answer.clone());
            }
        }
    }
}

impl runtime::App<Raft> for KvApp {
    type Input = Input;

    fn started(&mut self, _cx: &mut Cx<'_, Raft>, remembered: &BTreeMap<String, Json>) {
        for (k, v) in remembered {
            let mut parts = k
                .strip_prefix("entry/")
                .into_iter()
                .flat_map(|r| r.split('/'));
            let (Some(i), Some(t)) = (parts.next(), parts.next()) else {
                continue;
            };
            if let (Ok(i), Ok(t), Ok(c)) = (
                i.parse(),
                t.parse(),
                serde_json::from_value::<Command>(v.clone()),
            ) {
                self.commands.insert((i, t), c);
            }
        }
    }

    /// Heartbeats: a `replicate` to every follower.
    fn tick(&mut self, cx: &mut Cx<'_, Raft>) {
        let s = server(cx.state());
        if s.state != ServerState::Leader {
            return;
        }
        let len = s.log.len() as i64;
        for f in Self::followers(cx.me()) {
            let next = self.next.entry(f).or_insert(len + 1);
            let prev = (*next - 1).min(len);
            if prev < len {
                *next = prev + 2;
            }
            Self::replicate(cx, f, prev);
        }
    }

    fn received(
        &mut self,
        cx: &mut Cx<'_, Raft>,
        _from: InstanceId,
        message: &Message,
        data: Option<&Json>,
    ) -> bool {
        let Message::AppendEntries(m) = message else {
            return true;
        };
        let Some(&term) = m.entries.first() else {
            return true;
        };
        let index = m.prev_log_index + 1;
        match data.map(|d| serde_json::from_value::<Command>(d.clone())) {
            Some(Ok(command)) => {
                if self.commands.get(&(index, term)) != Some(&command) {
                    if let Ok(json) = serde_json::to_value(&command) {
                        cx.remember(key(index, term), json);
                    }
                    self.commands.insert((index, term), command);
                }
                true
            }
            _ => self.commands.contains_key(&(index, term)),
        }
    }

    fn attach(&mut self, _node: &Node, _to: InstanceId, message: &Message) -> Option<Json> {
        let Message::AppendEntries(m) = message else {
            return None;
        };
        let term = *m.entries.first()?;
        let command = self.commands.get(&(m.prev_log_index + 1, term))?;
        serde_json::to_value(command).ok()
    }

    fn stepped(
        &mut self,
        cx: &mut Cx<'_, Raft>,
        event: &Event<Message>,
        effects: &Effects<Message>,
    ) {
        let me = cx.me();
        let s = server(cx.state());
        let leading = s.state == ServerState::Leader;
        let len = s.log.len() as i64;
        let term = s.current_term;
        match event {
            Event::Receive {
                from,
                message: Message::AppendEntries(m),
            } if m.term == term => {
                self.leader = Some(*from);
                cx.reset_timeout();
            }
            Event::Receive {
                message: Message::RequestVote(_),
                ..
            } => {
                let granted = effects
                    .sent
                    .iter()
                    .any(|o| matches!(&o.message, Message::Vote(v) if v.granted));
                if granted {
                    cx.reset_timeout();
                }
            }
            Event::Receive {
                from,
                message: Message::AppendReply(r),
            } if leading && r.term == term => {
                let matched = s.match_index.get(from).copied().unwrap_or(0);
                let next = self.next.entry(*from).or_insert(len + 1);
                if r.success {
                    *next = (*next).max(r.match_index + 1);
                } else {
                    *next = matched + 1;
                }
                self.pump(cx, *from);
            }
            Event::Step("client_request") => {
                if let Some((index, t, reply)) = self.awaiting.pop_front() {
                    if index != len || t != term {
                        cx.log().warn(&format!(
                            "client_request made entry {len} of term {term}, expected {index} of {t}"
                        ));
                    }
                    if let Some(reply) = reply {
                        self.pending.insert(index, (t, reply));
                    }
                }
                for f in Self::followers(me) {
                    self.pump(cx, f);
                }
            }
            _ => {}
        }
        if leading && !self.was_leader {
            self.leader = Some(me);
            self.next = Self::followers(me)
                .into_iter()
                .map(|f| (f, len + 1))
                .collect();
            cx.log().info(&format!("leader of term {term}"));
            self.offer_entry(cx, Command::Noop, None);
        }
        if !leading && self.was_leader {
            self.abandon();
        }
        if !leading && self.leader == Some(me) {
            self.leader = None;
        }
        self.was_leader = leading;
        self.apply(cx);
    }

    fn declined(&mut self, _cx: &mut Cx<'_, Raft>, step: &'static str) {
        if step != "client_request" {
            return;
        }
        if let Some((_, _, Some(reply))) = self.awaiting.pop_front() {
            let _ = reply.send(Response::Retry {
                reason: "the leader did not accept the entry (not leader, or the log is full)"
                    .to_string(),
            });
        }
    }

    fn input(&mut self, cx: &mut Cx<'_, Raft>, input: Input) {
        if server(cx.state()).state != ServerState::Leader {
            let _ = input.reply.send(self.redirect());
            return;
        }
        let command = match input.op {
            Op::Put { key, value } => Command::Put { key, value },
            Op::Get { key } => Command::Get { key },
        };
        self.offer_entry(cx, command, Some(input.reply));
    }
}
