//! The peers file: where every role instance of a deployment listens.
//!
//! ```toml
//! [instances]
//! "Coordinator" = "127.0.0.1:7100"
//! "Participant[1]" = "127.0.0.1:7101"
//! ```
//!
//! Instances are named as in traces (`Participant[1]` is the first).
//! Every instance of the protocol must be listed. Other tables are left to
//! the application (raft-kv lists its client ports under `[clients]`).

use std::collections::BTreeMap;
use std::net::{SocketAddr, ToSocketAddrs};

use crate::instance::{InstanceId, ProtocolInfo};

/// Every instance's address.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Peers {
    pub addrs: BTreeMap<InstanceId, SocketAddr>,
}

impl Peers {
    /// Reads the `[instances]` table of a peers file.
    pub fn parse(text: &str, info: &ProtocolInfo) -> Result<Peers, String> {
        let table = addr_table(text, "instances")?;
        let mut addrs = BTreeMap::new();
        for (name, addr) in table {
            let id = info
                .instances()
                .into_iter()
                .find(|&i| info.instance_name(i) == name)
                .ok_or_else(|| {
                    format!(
                        "[instances]: `{name}` is not an instance of {} (expected one of {})",
                        info.name,
                        names(info)
                    )
                })?;
            addrs.insert(id, addr);
        }
        let missing: Vec<String> = info
            .instances()
            .into_iter()
            .filter(|i| !addrs.contains_key(i))
            .map(|i| info.instance_name(i))
            .collect();
        if !missing.is_empty() {
            return Err(format!(
                "[instances]: no address for {}",
                missing.join(", ")
            ));
        }
        Ok(Peers { addrs })
    }
}

fn names(info: &ProtocolInfo) -> String {
    info.instances()
        .into_iter()
        .map(|i| info.instance_name(i))
        .collect::<Vec<_>>()
        .join(", ")
}

/// A table of `"name" = "host:port"` entries of a TOML file; an absent
/// table is an error.
pub fn addr_table(text: &str, table: &str) -> Result<BTreeMap<String, SocketAddr>, String> {
    let doc: toml::Table = text.parse().map_err(|e: toml::de::Error| e.to_string())?;
    let Some(entries) = doc.get(table) else {
        return Err(format!("the file has no [{table}] table"));
    };
    let Some(entries) = entries.as_table() else {
        return Err(format!("`{table}` is not a table"));
    };
    let mut out = BTreeMap::new();
    for (name, value) in entries {
        let Some(text) = value.as_str() else {
            return Err(format!("[{table}] {name}: expected \"host:port\""));
        };
        let addr = text
            .to_socket_addrs()
            .map_err(|e| format!("[{table}] {name} = \"{text}\": {e}"))?
            .next()
            .ok_or_else(|| format!("[{table}] {name} = \"{text}\": no address"))?;
        out.insert(name.clone(), addr);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::instance::{NetworkKind, RoleInfo};

    const INFO: ProtocolInfo = ProtocolInfo {
        name: "T",
        roles: &[
            RoleInfo {
                id: 0,
                name: "Leader",
                count: 1,
                indexed: false,
            },
            RoleInfo {
                id: 1,
                name: "Node",
                count: 2,
                indexed: true,
            },
        ],
        network: NetworkKind::Bag,
        max_in_flight: None,
        synchronous: false,
        loss: None,
        duplication: None,
        partition: None,
        crashes: &[],
    };

    #[test]
    fn every_instance_gets_its_address() {
        let text = "[instances]\n\"Leader\" = \"127.0.0.1:1\"\n\"Node[1]\" = \"127.0.0.1:2\"\n\"Node[2]\" = \"127.0.0.1:3\"\n[clients]\nx = 1\n";
        let peers = Peers::parse(text, &INFO).unwrap();
        assert_eq!(
            peers.addrs[&InstanceId::new(1, 1)],
            "127.0.0.1:3".parse().unwrap()
        );
    }

    #[test]
    fn unknown_missing_and_malformed_entries_are_errors() {
        let unknown = "[instances]\n\"Leader\" = \"127.0.0.1:1\"\n\"Node[3]\" = \"127.0.0.1:2\"\n";
        assert!(
            Peers::parse(unknown, &INFO)
                .unwrap_err()
                .contains("Node[3]")
        );
        let missing = "[instances]\n\"Leader\" = \"127.0.0.1:1\"\n";
        assert!(
            Peers::parse(missing, &INFO)
                .unwrap_err()
                .contains("Node[1], Node[2]")
        );
        assert!(Peers::parse("[instances]\nLeader = 5\n", &INFO).is_err());
        assert!(Peers::parse("not toml [", &INFO).is_err());
        assert!(Peers::parse("", &INFO).unwrap_err().contains("[instances]"));
    }
}
