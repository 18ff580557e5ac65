//! One server of the store:
//! `raft-kv-server --id N --peers peers.toml --data DIR [node options]`, or
//! `raft-kv-server merge-traces --out FILE TRACE...` to merge the servers'
//! traces into one for `specc validate`.
//!
//! The node options are those of a generated node binary (`--tick-ms`,
//! `--timeout-ms`, `--verbose`, ...); the defaults here are a 50 ms
//! heartbeat and a 500..1000 ms election timeout. Clients connect to the
//! address under `[clients]` in the peers file.

use std::net::SocketAddr;
use std::process::ExitCode;

use raft::Raft;
use raft_kv::wire::{MAX_FRAME, Op, Response};
use raft_kv::{Input, KvApp};
use runtime::frame::{FramedReader, decode_payload, write_frame};
use runtime::tokio::net::{TcpListener, TcpStream};
use runtime::tokio::sync::{mpsc, oneshot};
use runtime::{InstanceId, ProtocolInfo};

fn main() -> ExitCode {
    let given: Vec<String> = std::env::args().skip(1).collect();
    if given.first().map(String::as_str) == Some("merge-traces") {
        return runtime::merge_traces_main(&given[1..]);
    }
    let mut args: Vec<String> = [
        "--role",
        "Server",
        "--tick-ms",
        "50",
        "--timeout-ms",
        "500..1000",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    args.extend(given);
    let config = match runtime::node_config::<Raft>(&args) {
        Ok(c) => c,
        Err(e) => {
            eprintln!(
                "error: {e}\nusage: raft-kv-server --id N --peers FILE --data DIR [node options]"
            );
            return ExitCode::from(2);
        }
    };
    let clients = match client_addrs(&config.peers_file, &raft::INFO) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("error: {}: {e}", config.peers_file.display());
            return ExitCode::from(2);
        }
    };
    let Some(&listen) = clients.get(&config.me) else {
        eprintln!("error: the peers file has no client address for this server");
        return ExitCode::from(2);
    };
    let app = KvApp::new(clients);
    runtime::serve::<Raft, KvApp, _, _>(config, app, move |inputs| serve_clients(listen, inputs))
}

/// The `[clients]` table, by instance.
fn client_addrs(
    path: &std::path::Path,
    info: &ProtocolInfo,
) -> Result<std::collections::BTreeMap<InstanceId, SocketAddr>, String> {
    let text = std::fs::read_to_string(path).map_err(|e| e.to_string())?;
    let table = runtime::addr_table(&text, "clients")?;
    let mut out = std::collections::BTreeMap::new();
    for id in info.instances() {
        let name = info.instance_name(id);
        let addr = table
            .get(&name)
            .ok_or_else(|| format!("[clients] has no address for {name}"))?;
        out.insert(id, *addr);
    }
    Ok(out)
}

async fn serve_clients(listen: SocketAddr, inputs: mpsc::Sender<Input>) {
    let listener = match TcpListener::bind(listen).await {
        Ok(l) => l,
        Err(e) => {
            eprintln!("error: cannot listen for clients on {listen}: {e}");
            std::process::exit(1);
        }
    };
    eprintln!("clients: listening on {listen}");
    while let Ok((stream, _)) = listener.accept().await {
        runtime::tokio::spawn(serve_client(stream, inputs.clone()));
    }
}

async fn serve_client(stream: TcpStream, inputs: mpsc::Sender<Input>) {
    let _ = stream.set_nodelay(true);
    let (read, mut write) = stream.into_split();
    let mut frames = FramedReader::new(read, MAX_FRAME);
    while let Some(frame) = frames.next().await {
        let response = match frame.and_then(|p| decode_payload::<Op>(&p)) {
            Ok(op) => {
                let (tx, rx) = oneshot::channel();
                if inputs.send(Input { op, reply: tx }).await.is_err() {
                    return;
                }
                rx.await.unwrap_or(Response::Retry {
                    reason: "the server is shutting down".to_string(),
                })
            }
            Err(e) => Response::Retry {
                reason: format!("a malformed request: {e}"),
            },
        };
        if write_frame(&mut write, &response, MAX_FRAME).await.is_err() {
            return;
        }
    }
}
