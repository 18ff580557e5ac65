//! The `main` of a generated crate's node binary, and the pieces an
//! application's own `main` reuses: the command line, a tokio runtime, and
//! clean shutdown on SIGTERM or Ctrl-C.
//!
//! ```text
//! NAME-node --role ROLE [--id N] --peers FILE --data DIR
//!           [--tick-ms MS] [--timeout-ms MIN..MAX] [--max-frame BYTES] [--verbose]
//! NAME-node merge-traces [--out FILE] TRACE...
//! ```
//!
//! Exit codes: 0 after a clean shutdown, 1 when the node fails (its storage
//! cannot be written), 2 for a wrong command line or peers file.

use std::future::Future;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use tokio::sync::mpsc;

use crate::net_protocol::NetProtocol;
use crate::node::{App, NodeConfig, SpecApp, Timing, run_node};
use crate::peers::Peers;
use crate::recorder::merge_traces;
use crate::transport::TransportConfig;

const USAGE: &str = "usage: NODE --role ROLE [--id N] --peers FILE --data DIR \
[--tick-ms MS] [--timeout-ms MIN..MAX] [--max-frame BYTES] [--verbose]\n       \
NODE merge-traces [--out FILE] TRACE...";

/// The generated node binary: runs one instance with [`SpecApp`].
pub fn node_main<P: NetProtocol>() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("merge-traces") {
        return merge_traces_main(&args[1..]);
    }
    let config = match node_config::<P>(&args) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("error: {e}\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    serve::<P, SpecApp, _, _>(config, SpecApp, |_inputs| async {})
}

/// Reads the node's command line (see the module's documentation).
pub fn node_config<P: NetProtocol>(args: &[String]) -> Result<NodeConfig, String> {
    let info = P::INFO;
    let mut role: Option<String> = None;
    let mut id: Option<u32> = None;
    let mut peers_file: Option<PathBuf> = None;
    let mut data: Option<PathBuf> = None;
    let mut timing = Timing::default();
    let mut transport = TransportConfig::default();
    let mut verbose = false;
    let mut it = args.iter();
    while let Some(flag) = it.next() {
        if flag == "--verbose" {
            verbose = true;
            continue;
        }
        let value = it.next().ok_or_else(|| format!("{flag} needs a value"))?;
        let number = |v: &str| v.parse::<u64>().map_err(|e| format!("{flag} {v}: {e}"));
        match flag.as_str() {
            "--role" => role = Some(value.clone()),
            "--id" => {
                id = Some(
                    value
                        .parse::<u32>()
                        .map_err(|e| format!("--id {value}: {e}"))?,
                )
            }
            "--peers" => peers_file = Some(PathBuf::from(value)),
            "--data" => data = Some(PathBuf::from(value)),
            "--tick-ms" => timing.tick = Duration::from_millis(number(value)?.max(1)),
            "--timeout-ms" => {
                let (a, b) = value
                    .split_once("..")
                    .ok_or_else(|| format!("--timeout-ms {value}: expected MIN..MAX"))?;
                let (a, b) = (number(a)?, number(b)?);
                if a > b || a == 0 {
                    return Err(format!("--timeout-ms {value}: expected 0 < MIN <= MAX"));
                }
                timing.timeout_min = Duration::from_millis(a);
                timing.timeout_max = Duration::from_millis(b);
            }
            "--max-frame" => transport.max_frame = number(value)?.max(64) as usize,
            other => return Err(format!("unknown argument {other}")),
        }
    }
    let role = role.ok_or("--role ROLE is required")?;
    let Some(r) = info.roles.iter().find(|r| r.name == role) else {
        let names: Vec<&str> = info.roles.iter().map(|r| r.name).collect();
        return Err(format!(
            "--role {role}: {} has no such role (its roles: {})",
            info.name,
            names.join(", ")
        ));
    };
    let index = match (r.indexed, id) {
        (true, Some(n)) if n >= 1 && n <= r.count => n - 1,
        (true, Some(n)) => {
            return Err(format!("--id {n}: {} is numbered 1..={}", r.name, r.count));
        }
        (true, None) => return Err(format!("--id N is required for {}", r.name)),
        (false, None | Some(1)) => 0,
        (false, Some(n)) => return Err(format!("--id {n}: {} has one instance", r.name)),
    };
    let peers_file = peers_file.ok_or("--peers FILE is required")?;
    let text = std::fs::read_to_string(&peers_file)
        .map_err(|e| format!("{}: {e}", peers_file.display()))?;
    let peers = Peers::parse(&text, &info).map_err(|e| format!("{}: {e}", peers_file.display()))?;
    Ok(NodeConfig {
        me: r.instance(index),
        peers,
        peers_file,
        data_dir: data.ok_or("--data DIR is required")?,
        timing,
        transport,
        verbose,
    })
}

/// Runs one instance in a new tokio runtime until SIGTERM or Ctrl-C, with
/// `side` spawned beside it (it gets the sender of the node's inputs).
pub fn serve<P, A, F, Fut>(config: NodeConfig, app: A, side: F) -> ExitCode
where
    P: NetProtocol,
    A: App<P>,
    F: FnOnce(mpsc::Sender<A::Input>) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: cannot start the runtime: {e}");
            return ExitCode::from(1);
        }
    };
    let result = runtime.block_on(async move {
        let (tx, rx) = mpsc::channel(1024);
        tokio::spawn(side(tx));
        run_node::<P, A>(config, app, rx, shutdown_signal()).await
    });
    runtime.shutdown_timeout(Duration::from_millis(200));
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(1)
        }
    }
}

/// Completes on SIGTERM or Ctrl-C.
pub async fn shutdown_signal() {
    use tokio::signal::unix::{SignalKind, signal};
    match signal(SignalKind::terminate()) {
        Ok(mut term) => {
            tokio::select! {
                _ = term.recv() => {}
                _ = tokio::signal::ctrl_c() => {}
            }
        }
        Err(_) => {
            let _ = tokio::signal::ctrl_c().await;
        }
    }
}

/// `merge-traces [--out FILE] TRACE...`: one trace from every process's.
pub fn merge_traces_main(args: &[String]) -> ExitCode {
    let mut out: Option<PathBuf> = None;
    let mut inputs = Vec::new();
    let mut it = args.iter();
    while let Some(a) = it.next() {
        if a == "--out" {
            match it.next() {
                Some(f) => out = Some(PathBuf::from(f)),
                None => {
                    eprintln!("error: --out needs a value\n{USAGE}");
                    return ExitCode::from(2);
                }
            }
        } else {
            inputs.push(PathBuf::from(a));
        }
    }
    if inputs.is_empty() {
        eprintln!("error: no traces to merge\n{USAGE}");
        return ExitCode::from(2);
    }
    let mut texts = Vec::new();
    for p in &inputs {
        match std::fs::read(p) {
            Ok(bytes) => texts.push(String::from_utf8_lossy(&bytes).into_owned()),
            Err(e) => {
                eprintln!("error: {}: {e}", p.display());
                return ExitCode::from(2);
            }
        }
    }
    let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
    let merged = match merge_traces(&refs) {
        Ok(m) => m,
        Err(e) => {
            let file = inputs
                .get(e.file)
                .map_or(String::new(), |p| p.display().to_string());
            eprintln!("error: {file}, line {}: {}", e.line, e.message);
            return ExitCode::from(2);
        }
    };
    match out {
        Some(path) => match std::fs::write(&path, merged) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("error: {}: {e}", path.display());
                ExitCode::from(1)
            }
        },
        None => {
            print!("{merged}");
            ExitCode::SUCCESS
        }
    }
}
