//! The boxed table: values without a [`Shape`](crate::shape::Shape) (an
//! unbounded sequence, a set of wide integers), stored in packed states as
//! a 64-bit handle.
//!
//! A handle is the fingerprint of the value's self-describing encoding, so
//! it depends on the value alone, never on which worker stored it first:
//! packed states, and with them fingerprints and symmetry representatives,
//! are the same for any number of workers. Two different values with the
//! same handle (a chance of about 2^-64 per pair) are detected when the
//! second is stored and reported as an internal error instead of silently
//! merging them.
//!
//! The table is sharded by handle bits behind read-write locks: most
//! accesses are reads of values stored long ago.

use std::sync::{Arc, RwLock};

use hashbrown::HashMap;

use crate::encode::encode_value;
use crate::fingerprint::fingerprint;
use crate::seen::Identity;
use crate::value::Value;

const SHARDS: usize = 64;

type Shard = HashMap<u64, Arc<Value>, Identity>;

pub struct Boxed {
    shards: Vec<RwLock<Shard>>,
}

/// Two different values hashed to the same handle.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Collision;

impl Default for Boxed {
    fn default() -> Boxed {
        Boxed {
            shards: (0..SHARDS)
                .map(|_| RwLock::new(HashMap::with_hasher(Identity)))
                .collect(),
        }
    }
}

impl Boxed {
    fn shard(&self, handle: u64) -> &RwLock<Shard> {
        &self.shards[(handle >> 40) as usize % SHARDS]
    }

    /// The handle of a value, storing it if it is new.
    pub fn intern(&self, v: Value) -> Result<u64, Collision> {
        let mut bytes = Vec::new();
        encode_value(&v, &mut bytes);
        let handle = fingerprint(&bytes);
        let shard = self.shard(handle);
        {
            let read = shard.read().unwrap_or_else(|e| e.into_inner());
            if let Some(old) = read.get(&handle) {
                return if **old == v {
                    Ok(handle)
                } else {
                    Err(Collision)
                };
            }
        }
        let mut write = shard.write().unwrap_or_else(|e| e.into_inner());
        match write.get(&handle) {
            Some(old) if **old != v => Err(Collision),
            Some(_) => Ok(handle),
            None => {
                write.insert(handle, Arc::new(v));
                Ok(handle)
            }
        }
    }

    /// The value of a handle; `None` for a handle never stored, which would
    /// be a bug in the checker.
    pub fn get(&self, handle: u64) -> Option<Arc<Value>> {
        let read = self.shard(handle).read().unwrap_or_else(|e| e.into_inner());
        read.get(&handle).cloned()
    }

    /// The bytes the table holds, roughly: its buckets and the values'
    /// top-level allocations.
    pub fn bytes(&self) -> u64 {
        self.shards
            .iter()
            .map(|s| {
                let read = s.read().unwrap_or_else(|e| e.into_inner());
                read.capacity() as u64 * 17 + read.len() as u64 * 64
            })
            .sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equal_values_share_a_handle_and_come_back() {
        let table = Boxed::default();
        let v = Value::Seq(vec![Value::Int(1), Value::Int(-7)]);
        let h = table.intern(v.clone()).unwrap_or(0);
        assert_eq!(table.intern(v.clone()), Ok(h));
        assert_ne!(table.intern(Value::Seq(vec![])), Ok(h));
        assert_eq!(table.get(h).as_deref(), Some(&v));
        assert!(table.get(h ^ 1).is_none());
    }
}
