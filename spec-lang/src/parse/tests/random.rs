//! A bounded randomized test: random bytes and token-level mutations of
//! valid specs never make the parser panic, and every error says something.

use super::*;

/// A tiny deterministic PRNG (xorshift64*), so that the test needs no crate
/// and every run sees the same inputs.
struct XorShift(u64);

impl XorShift {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

/// Valid specs whose mutations make the inputs.
const SEEDS: &[&str] = &[
    TWO_PHASE,
    r#"protocol Raftish
param N: 1..5 = 3
const Quorum = N / 2 + 1
type Term = 0..3
role Server[N] symmetric {
  persistent var term: Term = 0
  var log: seq<(Term, int), 2> = []
  var votes: set<Server> = {}
  var leader: option<Server> = none
}
message Vote { term: Term, granted: bool }
network bag max_in_flight 4
fault loss max 1
fault crash_recover Server max 1
fn quorum(s: set<Server>) -> bool = 2 * size(s) > N
on Server[s] timeout elect when term < 3 {
  term := term + 1
  votes := {s}
  broadcast Vote { term, granted: false } to Server
}
on Server[s] receive Vote { term: t, granted: true } from v when t == term {
  votes := votes + {v}
  if quorum(votes) { leader := some(s) } else if size(votes) == 0 { skip } else { skip }
  for x in votes { log := log ++ [(t, 1)] }
  choose y in votes where y != s
  let z = y
  assert z in votes, "chosen from votes"
  reply Vote { term: t, granted: false }
}
invariant OneLeader: forall a, b in Server: a.leader != none and b.leader != none => a.term != b.term or a == b
invariant Sums: (sum s in Server: s.term) >= 0 and not exists s in Server: s.term > 3
property Elected: eventually always (exists s in Server: s.leader == some(s))
property Progress: (forall s in Server: s.term == 0) leads_to (exists s in Server: s.term > 0)
fair strong Server.elect, Server.receive Vote, delivery
terminal when forall s in Server: s.term == 3
constraint size(in_flight(Vote)) <= 3
"#,
    r#"protocol Chor
role C { var x: map<int, bool> = [1 -> true] }
role S[2] { var seen: record { a: int, b: set<int> } = { a: 0, b: {} } }
message Req { n: int }
message Ack
choreography Flow {
  for s in S { C -> s: Req { n: 1 } }
  loop { at C { x := x with [1 -> false] } }
  if at C: x[1] { C -> S: Ack } else if at C: true { s -> C: Ack; } else { }
}
invariant M: [k in 1..3 -> k * 2] == [1 -> 2, 2 -> 4, 3 -> 6]
invariant R: { v * 2 for v in 1..3 where v > 1 } subset { w in 0..9 where w % 2 == 0 }
invariant W: S.seen with { a: 1 }.a == 1 and (1, 2).0 == 1 and -(-1) == 1 and 1 not in {}
"#,
];

/// Splits a spec into tokens (words, numbers, strings, punctuation) and the
/// layout between them, keeping every byte.
fn tokens(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut chars = text.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        let mut end = i + c.len_utf8();
        let class = |c: char| {
            if c.is_alphanumeric() || c == '_' {
                0
            } else if c.is_whitespace() {
                1
            } else {
                2
            }
        };
        if class(c) != 2 {
            while let Some(&(j, d)) = chars.peek() {
                if class(d) != class(c) {
                    break;
                }
                end = j + d.len_utf8();
                chars.next();
            }
        }
        out.push(text[i..end].to_owned());
    }
    out
}

/// One mutated input.
fn mutate(rng: &mut XorShift, seed: &str) -> String {
    let mut toks = tokens(seed);
    let edits = 1 + rng.below(4);
    for _ in 0..edits {
        if toks.is_empty() {
            break;
        }
        let i = rng.below(toks.len());
        match rng.below(5) {
            0 => {
                toks.remove(i);
            }
            1 => {
                let t = toks[i].clone();
                toks.insert(i, t);
            }
            2 => {
                let j = rng.below(toks.len());
                toks.swap(i, j);
            }
            3 => {
                // Insert a token taken from elsewhere in the spec.
                let t = toks[rng.below(toks.len())].clone();
                toks.insert(i, t);
            }
            _ => {
                const JUNK: &[&str] = &[
                    "(",
                    ")",
                    "{",
                    "}",
                    "[",
                    "]",
                    "<",
                    ">",
                    ":=",
                    "=>",
                    "..",
                    ",",
                    ":",
                    "/*",
                    "\"",
                    "not",
                    "in",
                    "if",
                    "let",
                    "forall",
                    "-",
                    "$",
                    "é",
                    "99999999999999999999",
                ];
                toks.insert(i, JUNK[rng.below(JUNK.len())].to_owned());
            }
        }
    }
    toks.concat()
}

/// Random bytes, biased towards the characters the language uses.
fn random_bytes(rng: &mut XorShift) -> Vec<u8> {
    const ALPHABET: &[u8] =
        b"protocol P role on step { } ( ) [ ] < > = : ; , . - + * / \" \n x 1 and or not in if";
    let len = rng.below(200);
    (0..len)
        .map(|_| {
            if rng.below(10) == 0 {
                (rng.next() & 0xff) as u8
            } else {
                ALPHABET[rng.below(ALPHABET.len())]
            }
        })
        .collect()
}

/// Feeds one input through `source_text` and `parse`, checking that every
/// error has a message and a span inside the source.
fn check_input(bytes: &[u8]) {
    let text = match crate::source_text(bytes) {
        Ok(text) => text,
        Err(d) => {
            assert!(!d.message.is_empty());
            return;
        }
    };
    if let Err(diagnostics) = crate::parse(text) {
        assert!(!diagnostics.is_empty(), "no diagnostic for {text:?}");
        for d in &diagnostics {
            assert!(!d.message.trim().is_empty(), "empty message for {text:?}");
            assert!(
                d.primary.span.end as usize <= text.len()
                    && d.primary.span.start <= d.primary.span.end,
                "span {:?} outside {text:?}",
                d.primary.span
            );
            let rendered = crate::render("r.spec", text, std::slice::from_ref(d), false);
            assert!(rendered.contains(&d.message));
        }
    }
}

#[test]
fn seeds_parse() {
    for seed in SEEDS {
        parse_ok(seed);
    }
}

#[test]
fn random_inputs_never_panic_and_errors_have_messages() {
    let mut rng = XorShift(0x5eed_cafe_f00d_1234);
    for i in 0..2000 {
        if i % 4 == 0 {
            check_input(&random_bytes(&mut rng));
        } else {
            let seed = SEEDS[rng.below(SEEDS.len())];
            check_input(mutate(&mut rng, seed).as_bytes());
        }
    }
}
