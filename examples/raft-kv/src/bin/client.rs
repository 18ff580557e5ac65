//! The store's command-line client:
//!
//! ```text
//! raft-kv --peers peers.toml put KEY VALUE
//! raft-kv --peers peers.toml get KEY
//! raft-kv --peers peers.toml bench [--clients C] [--requests N] [--value-bytes B]
//! ```
//!
//! `put` prints `ok`, `get` the value (or `(none)`). `bench` runs C clients
//! that together send N puts of distinct keys, each client waiting for
//! each answer (so at most C requests are outstanding), and prints the
//! throughput and the latency percentiles. Exit codes: 0 success, 1 a
//! request did not complete within its deadline (10 s), 2 a wrong command
//! line.

use std::net::SocketAddr;
use std::process::ExitCode;
use std::time::Duration;

use raft_kv::Client;
use raft_kv::wire::Op;
use runtime::tokio;
use runtime::tokio::time::Instant;

const DEADLINE: Duration = Duration::from_secs(10);

fn usage(e: &str) -> ExitCode {
    eprintln!(
        "error: {e}\nusage: raft-kv --peers FILE (put KEY VALUE | get KEY | bench [--clients C] [--requests N] [--value-bytes B])"
    );
    ExitCode::from(2)
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (peers, rest) = match args.split_first() {
        Some((flag, rest)) if flag == "--peers" && !rest.is_empty() => (&rest[0], &rest[1..]),
        _ => return usage("--peers FILE comes first"),
    };
    let servers: Vec<SocketAddr> = match std::fs::read_to_string(peers)
        .map_err(|e| e.to_string())
        .and_then(|t| runtime::addr_table(&t, "clients"))
    {
        Ok(t) => t.into_values().collect(),
        Err(e) => return usage(&format!("{peers}: {e}")),
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => return usage(&format!("cannot start the runtime: {e}")),
    };
    match rest
        .iter()
        .map(String::as_str)
        .collect::<Vec<_>>()
        .as_slice()
    {
        ["put", key, value] => runtime.block_on(one(
            servers,
            Op::Put {
                key: key.to_string(),
                value: value.to_string(),
            },
        )),
        ["get", key] => runtime.block_on(one(
            servers,
            Op::Get {
                key: key.to_string(),
            },
        )),
        ["bench", flags @ ..] => match bench_config(flags) {
            Ok((clients, requests, bytes)) => {
                runtime.block_on(bench(servers, clients, requests, bytes))
            }
            Err(e) => usage(&e),
        },
        _ => usage("expected put, get or bench"),
    }
}

async fn one(servers: Vec<SocketAddr>, op: Op) -> ExitCode {
    let mut client = Client::new(servers);
    match client.request(&op, Instant::now() + DEADLINE).await {
        Ok(value) => {
            match (&op, value) {
                (Op::Put { .. }, _) => println!("ok"),
                (Op::Get { .. }, Some(v)) => println!("{v}"),
                (Op::Get { .. }, None) => println!("(none)"),
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(1)
        }
    }
}

fn bench_config(flags: &[&str]) -> Result<(usize, usize, usize), String> {
    let (mut clients, mut requests, mut bytes) = (4, 2000, 16);
    let mut it = flags.iter();
    while let Some(flag) = it.next() {
        let value = it.next().ok_or(format!("{flag} needs a value"))?;
        let n: usize = value.parse().map_err(|e| format!("{flag} {value}: {e}"))?;
        match *flag {
            "--clients" => clients = n.max(1),
            "--requests" => requests = n.max(1),
            "--value-bytes" => bytes = n,
            other => return Err(format!("unknown argument {other}")),
        }
    }
    Ok((clients, requests, bytes))
}

async fn bench(
    servers: Vec<SocketAddr>,
    clients: usize,
    requests: usize,
    bytes: usize,
) -> ExitCode {
    // One warm-up request finds the leader before the clock starts.
    let mut warm = Client::new(servers.clone());
    if let Err(e) = warm
        .request(
            &Op::Put {
                key: "warm-up".into(),
                value: "x".into(),
            },
            Instant::now() + DEADLINE,
        )
        .await
    {
        eprintln!("error: {e}");
        return ExitCode::from(1);
    }
    let start = Instant::now();
    let mut tasks = Vec::new();
    for c in 0..clients {
        let servers = servers.clone();
        let count = requests / clients + usize::from(c < requests % clients);
        tasks.push(tokio::spawn(async move {
            let mut client = Client::new(servers);
            let mut latencies = Vec::with_capacity(count);
            for i in 0..count {
                let op = Op::Put {
                    key: format!("bench-{c}-{i}"),
                    value: "v".repeat(bytes),
                };
                let t = Instant::now();
                client.request(&op, t + DEADLINE).await?;
                latencies.push(t.elapsed());
            }
            Ok::<_, raft_kv::ClientError>(latencies)
        }));
    }
    let mut all = Vec::with_capacity(requests);
    for t in tasks {
        match t.await {
            Ok(Ok(l)) => all.extend(l),
            Ok(Err(e)) => {
                eprintln!("error: {e}");
                return ExitCode::from(1);
            }
            Err(e) => {
                eprintln!("error: a client task failed: {e}");
                return ExitCode::from(1);
            }
        }
    }
    let seconds = start.elapsed().as_secs_f64();
    all.sort();
    let pct = |p: f64| {
        let at = ((all.len() as f64 * p).ceil() as usize).clamp(1, all.len()) - 1;
        all[at].as_secs_f64() * 1000.0
    };
    println!(
        "requests {} clients {clients} value-bytes {bytes}: {seconds:.2} s, {:.0} puts/s, p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
        all.len(),
        all.len() as f64 / seconds,
        pct(0.50),
        pct(0.99),
        pct(1.0)
    );
    ExitCode::SUCCESS
}
