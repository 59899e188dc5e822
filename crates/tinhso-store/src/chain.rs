//! The audit chain both backends keep over dossier events, written once so the engines cannot
//! drift apart: what is hashed, how, and how a chain is checked.
//!
//! Each event row has a global position `chain_pos` (1, 2, 3, … in commit order), the hash of
//! the row before it (`prev_hash`, [`GENESIS_HASH`] for the first) and its own hash:
//!
//! ```text
//! hash = hex(SHA-256( prev_hash as its 64 ASCII hex characters ‖ canonical JSON of
//!        {attachments, chain_pos, comment, dossier_id, event, flag, recorded_at, seq, state_after} ))
//! ```
//!
//! Canonical JSON: object keys in byte order, no whitespace, numbers and strings as
//! `serde_json` writes them; `recorded_at` is integer microseconds since the Unix epoch; `event`
//! is `null` for a deadline flag and `flag` is `null` for a domain event. Stored JSON is parsed
//! and re-canonicalized when checked, so an engine that normalizes JSON (PostgreSQL `jsonb`)
//! still verifies, while any change of content does not.

use std::fmt::Write as _;

use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::dossiers::AuditVerification;

/// `prev_hash` of the first record.
pub const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// Writes `value` as canonical JSON (sorted keys, no whitespace) into `out`.
pub fn write_canonical(value: &Value, out: &mut String) {
    match value {
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            out.push('{');
            for (i, key) in keys.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                push_json_string(key, out);
                out.push(':');
                if let Some(v) = map.get(key) {
                    write_canonical(v, out);
                }
            }
            out.push('}');
        }
        Value::Array(items) => {
            out.push('[');
            for (i, v) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_canonical(v, out);
            }
            out.push(']');
        }
        // Written in place: the same text as `to_string`, without a string per scalar.
        scalar => {
            let _ = write!(out, "{scalar}");
        }
    }
}

/// `value` as canonical JSON.
pub fn canonical(value: &Value) -> String {
    let mut out = String::new();
    write_canonical(value, &mut out);
    out
}

/// The content of one chain record, as hashed.
#[derive(Debug, Clone, PartialEq)]
pub struct ChainContent<'a> {
    pub dossier_id: i64,
    pub seq: u32,
    pub chain_pos: i64,
    /// The domain event as JSON, `Value::Null` for a flag.
    pub event: &'a Value,
    /// `"due_soon"` / `"late"`, or None.
    pub flag: Option<&'a str>,
    pub state_after: &'a Value,
    pub attachments: &'a Value,
    pub comment: &'a str,
    /// Microseconds since the Unix epoch.
    pub recorded_at_us: i64,
}

/// The record's hash given the previous record's hash.
pub fn chain_hash(prev_hash: &str, content: &ChainContent<'_>) -> String {
    let event = canonical(content.event);
    let state_after = canonical(content.state_after);
    let attachments = canonical(content.attachments);
    chain_hash_canonical(
        prev_hash,
        &CanonicalContent {
            dossier_id: content.dossier_id,
            seq: content.seq,
            chain_pos: content.chain_pos,
            event: (!content.event.is_null()).then_some(event.as_str()),
            flag: content.flag,
            state_after: &state_after,
            attachments: &attachments,
            comment: content.comment,
            recorded_at_us: content.recorded_at_us,
        },
    )
}

/// [`ChainContent`] whose JSON parts are already canonical text (as [`canonical`] writes it),
/// so a writer that stores the canonical text serializes each value once.
#[derive(Debug, Clone, PartialEq)]
pub struct CanonicalContent<'a> {
    pub dossier_id: i64,
    pub seq: u32,
    pub chain_pos: i64,
    /// The domain event, None for a flag (hashed as `null`).
    pub event: Option<&'a str>,
    pub flag: Option<&'a str>,
    pub state_after: &'a str,
    pub attachments: &'a str,
    pub comment: &'a str,
    pub recorded_at_us: i64,
}

/// Writes `text` as a JSON string (quoted and escaped as `serde_json` does).
fn push_json_string(text: &str, out: &mut String) {
    match serde_json::to_string(text) {
        Ok(quoted) => out.push_str(&quoted),
        // Serializing a &str cannot fail; keep the same bytes as `Value::String` would.
        Err(_) => out.push_str(&Value::String(text.to_string()).to_string()),
    }
}

/// The record's hash given the previous record's hash, from canonical JSON text. Gives the
/// same hash as [`chain_hash`] for the same content.
pub fn chain_hash_canonical(prev_hash: &str, content: &CanonicalContent<'_>) -> String {
    let mut text = String::with_capacity(
        content.state_after.len()
            + content.event.map_or(4, str::len)
            + content.attachments.len()
            + content.comment.len()
            + 192,
    );
    text.push_str("{\"attachments\":");
    text.push_str(content.attachments);
    text.push_str(",\"chain_pos\":");
    text.push_str(&content.chain_pos.to_string());
    text.push_str(",\"comment\":");
    push_json_string(content.comment, &mut text);
    text.push_str(",\"dossier_id\":");
    text.push_str(&content.dossier_id.to_string());
    text.push_str(",\"event\":");
    text.push_str(content.event.unwrap_or("null"));
    text.push_str(",\"flag\":");
    match content.flag {
        Some(f) => push_json_string(f, &mut text),
        None => text.push_str("null"),
    }
    text.push_str(",\"recorded_at\":");
    text.push_str(&content.recorded_at_us.to_string());
    text.push_str(",\"seq\":");
    text.push_str(&content.seq.to_string());
    text.push_str(",\"state_after\":");
    text.push_str(content.state_after);
    text.push('}');

    let mut hasher = Sha256::new();
    hasher.update(prev_hash.as_bytes());
    hasher.update(text.as_bytes());
    hex::encode(hasher.finalize())
}

/// The head of the chain: the last position and its hash (`0` and [`GENESIS_HASH`] when empty).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainHead {
    pub pos: i64,
    pub hash: String,
}

impl ChainHead {
    pub fn genesis() -> Self {
        Self {
            pos: 0,
            hash: GENESIS_HASH.to_string(),
        }
    }

    /// Appends a record: returns (its position, its prev_hash, its hash) and moves the head.
    /// `content.chain_pos` is ignored and set to the next position.
    pub fn append(&mut self, content: &ChainContent<'_>) -> (i64, String, String) {
        let pos = self.pos + 1;
        let content = ChainContent {
            chain_pos: pos,
            ..content.clone()
        };
        let prev = std::mem::take(&mut self.hash);
        let hash = chain_hash(&prev, &content);
        self.pos = pos;
        self.hash = hash.clone();
        (pos, prev, hash)
    }
}

impl ChainHead {
    /// As [`append`](Self::append), from canonical JSON text.
    pub fn append_canonical(&mut self, content: &CanonicalContent<'_>) -> (i64, String, String) {
        let pos = self.pos + 1;
        let content = CanonicalContent {
            chain_pos: pos,
            ..content.clone()
        };
        let prev = std::mem::take(&mut self.hash);
        let hash = chain_hash_canonical(&prev, &content);
        self.pos = pos;
        self.hash = hash.clone();
        (pos, prev, hash)
    }
}

/// One stored record as read back for verification (JSON columns as stored text).
#[derive(Debug, Clone)]
pub struct StoredChainRecord {
    pub dossier_id: i64,
    pub seq: i64,
    pub chain_pos: i64,
    pub event: Option<String>,
    pub flag: Option<String>,
    pub state_after: String,
    pub attachments: String,
    pub comment: String,
    pub recorded_at_us: i64,
    pub prev_hash: String,
    pub hash: String,
}

/// Walks stored records in `chain_pos` order and finds the first break. Feed every record with
/// [`push`](Self::push) (it stops looking after the first break), then [`finish`](Self::finish)
/// with what `audit_head` says.
#[derive(Debug)]
pub struct ChainVerifier {
    expected: ChainHead,
    records: u64,
    first_break: Option<(i64, String)>,
}

impl Default for ChainVerifier {
    fn default() -> Self {
        Self::new()
    }
}

impl ChainVerifier {
    pub fn new() -> Self {
        Self {
            expected: ChainHead::genesis(),
            records: 0,
            first_break: None,
        }
    }

    /// True once a break was found (callers may stop reading).
    pub fn broken(&self) -> bool {
        self.first_break.is_some()
    }

    pub fn push(&mut self, r: &StoredChainRecord) {
        self.records += 1;
        if self.first_break.is_some() {
            return;
        }
        let pos = self.expected.pos + 1;
        if r.chain_pos != pos {
            self.first_break = Some((
                pos,
                if r.chain_pos > pos {
                    format!("record missing (next stored record is at {})", r.chain_pos)
                } else {
                    format!("record out of order (found position {})", r.chain_pos)
                },
            ));
            return;
        }
        if r.prev_hash != self.expected.hash {
            self.first_break = Some((
                pos,
                "prev_hash does not match the previous record (a record was removed or replaced)"
                    .to_string(),
            ));
            return;
        }
        let parse = |what: &str, text: &str| -> Result<Value, String> {
            serde_json::from_str(text).map_err(|e| format!("{what} is not valid JSON: {e}"))
        };
        let parsed = (|| -> Result<(Value, Value, Value), String> {
            let event = match &r.event {
                Some(text) => parse("event", text)?,
                None => Value::Null,
            };
            Ok((
                event,
                parse("state_after", &r.state_after)?,
                parse("attachments", &r.attachments)?,
            ))
        })();
        let (event, state_after, attachments) = match parsed {
            Ok(v) => v,
            Err(e) => {
                self.first_break = Some((pos, e));
                return;
            }
        };
        let Ok(seq) = u32::try_from(r.seq) else {
            self.first_break = Some((pos, format!("invalid seq {}", r.seq)));
            return;
        };
        let content = ChainContent {
            dossier_id: r.dossier_id,
            seq,
            chain_pos: pos,
            event: &event,
            flag: r.flag.as_deref(),
            state_after: &state_after,
            attachments: &attachments,
            comment: &r.comment,
            recorded_at_us: r.recorded_at_us,
        };
        let hash = chain_hash(&r.prev_hash, &content);
        if hash != r.hash {
            self.first_break = Some((
                pos,
                "content does not match its hash (the record was edited)".to_string(),
            ));
            return;
        }
        self.expected = ChainHead { pos, hash };
    }

    /// The verdict, given the head the store recorded (None when it has no head row).
    pub fn finish(self, head: Option<ChainHead>) -> AuditVerification {
        let mut first_break = self.first_break;
        if first_break.is_none() {
            let head = head.unwrap_or_else(ChainHead::genesis);
            if head.pos > self.expected.pos {
                first_break = Some((
                    self.expected.pos + 1,
                    format!(
                        "records missing at the end: the head is at {}, the last record at {}",
                        head.pos, self.expected.pos
                    ),
                ));
            } else if head.pos < self.expected.pos {
                first_break = Some((
                    head.pos + 1,
                    format!("records beyond the head (at {})", head.pos),
                ));
            } else if head.hash != self.expected.hash {
                first_break = Some((
                    head.pos,
                    "the head's hash does not match the last record".to_string(),
                ));
            }
        }
        AuditVerification {
            records: self.records,
            first_break,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn canonical_json_sorts_keys_at_every_depth() {
        let v = json!({"b": 1, "a": {"z": [3, {"y": "ê", "x": null}], "c": true}});
        assert_eq!(
            canonical(&v),
            r#"{"a":{"c":true,"z":[3,{"x":null,"y":"ê"}]},"b":1}"#
        );
    }

    fn record(head: &mut ChainHead, dossier_id: i64, seq: u32, comment: &str) -> StoredChainRecord {
        let event = json!({"kind": "accepted"});
        let state = json!({"status": "accepted"});
        let attachments = json!([]);
        let content = ChainContent {
            dossier_id,
            seq,
            chain_pos: 0,
            event: &event,
            flag: None,
            state_after: &state,
            attachments: &attachments,
            comment,
            recorded_at_us: 1_700_000_000_000_000,
        };
        let (pos, prev, hash) = head.append(&content);
        StoredChainRecord {
            dossier_id,
            seq: i64::from(seq),
            chain_pos: pos,
            // Stored in another key order and spacing: still the same content.
            event: Some("{ \"kind\" : \"accepted\" }".to_string()),
            flag: None,
            state_after: state.to_string(),
            attachments: "[]".to_string(),
            comment: comment.to_string(),
            recorded_at_us: 1_700_000_000_000_000,
            prev_hash: prev,
            hash,
        }
    }

    fn chain(n: usize) -> (Vec<StoredChainRecord>, ChainHead) {
        let mut head = ChainHead::genesis();
        let rows = (0..n)
            .map(|i| record(&mut head, 1, i as u32 + 1, &format!("bước {i}")))
            .collect();
        (rows, head)
    }

    fn verify(rows: &[StoredChainRecord], head: ChainHead) -> AuditVerification {
        let mut v = ChainVerifier::new();
        rows.iter().for_each(|r| v.push(r));
        v.finish(Some(head))
    }

    /// The hash as first specified (module docs), written plainly: the optimized writers must
    /// keep giving exactly these bytes, or stored chains would stop verifying.
    fn reference_hash(prev: &str, c: &ChainContent<'_>) -> String {
        let text = format!(
            "{{\"attachments\":{},\"chain_pos\":{},\"comment\":{},\"dossier_id\":{},\
             \"event\":{},\"flag\":{},\"recorded_at\":{},\"seq\":{},\"state_after\":{}}}",
            canonical(c.attachments),
            c.chain_pos,
            Value::String(c.comment.to_string()),
            c.dossier_id,
            canonical(c.event),
            c.flag.map_or(Value::Null, |f| Value::String(f.to_string())),
            c.recorded_at_us,
            c.seq,
            canonical(c.state_after),
        );
        let mut hasher = Sha256::new();
        hasher.update(prev.as_bytes());
        hasher.update(text.as_bytes());
        hex::encode(hasher.finalize())
    }

    #[test]
    fn canonical_text_hashes_like_values() {
        let event = json!({"kind": "accepted", "note": "\"trích\"\n"});
        let state = json!({"status": 2, "code": "000.00.04.H40-260105-0001"});
        let attachments = json!([{"name": "tờ khai.pdf", "size": 12}]);
        let null = Value::Null;
        for (event, flag) in [(&event, None), (&null, Some("late"))] {
            let content = ChainContent {
                dossier_id: 7,
                seq: 3,
                chain_pos: 42,
                event,
                flag,
                state_after: &state,
                attachments: &attachments,
                comment: "Tiếp nhận \u{1} \"ok\"",
                recorded_at_us: -5,
            };
            let (e, s, a) = (canonical(event), canonical(&state), canonical(&attachments));
            let text = CanonicalContent {
                dossier_id: 7,
                seq: 3,
                chain_pos: 42,
                event: (!event.is_null()).then_some(e.as_str()),
                flag,
                state_after: &s,
                attachments: &a,
                comment: content.comment,
                recorded_at_us: -5,
            };
            assert_eq!(
                chain_hash(GENESIS_HASH, &content),
                reference_hash(GENESIS_HASH, &content)
            );
            assert_eq!(
                chain_hash(GENESIS_HASH, &content),
                chain_hash_canonical(GENESIS_HASH, &text)
            );
            let (mut h1, mut h2) = (ChainHead::genesis(), ChainHead::genesis());
            assert_eq!(h1.append(&content), h2.append_canonical(&text));
            assert_eq!(h1, h2);
        }
    }

    #[test]
    fn an_intact_chain_verifies() {
        let (rows, head) = chain(5);
        assert_eq!(rows[0].prev_hash, GENESIS_HASH);
        assert_eq!(rows[1].prev_hash, rows[0].hash);
        let v = verify(&rows, head);
        assert_eq!(v.records, 5);
        assert_eq!(v.first_break, None);
        assert_eq!(ChainVerifier::new().finish(None).first_break, None);
    }

    #[test]
    fn edits_deletions_and_a_cut_tail_are_found() {
        let (rows, head) = chain(5);
        let mut edited = rows.clone();
        edited[2].comment = "sửa lén".into();
        assert_eq!(
            verify(&edited, head.clone()).first_break.map(|b| b.0),
            Some(3)
        );

        let mut rehashed = rows.clone();
        rehashed[2].comment = "sửa lén".into();
        let mut h = ChainHead {
            pos: 2,
            hash: rows[1].hash.clone(),
        };
        let fake = record(&mut h, 1, 3, "sửa lén");
        rehashed[2] = fake;
        assert_eq!(
            verify(&rehashed, head.clone()).first_break.map(|b| b.0),
            Some(4)
        );

        let mut deleted = rows.clone();
        deleted.remove(1);
        assert_eq!(
            verify(&deleted, head.clone()).first_break.map(|b| b.0),
            Some(2)
        );

        let cut = &rows[..4];
        let v = verify(cut, head.clone());
        assert_eq!(v.first_break.map(|b| b.0), Some(5));

        let v = verify(
            &rows,
            ChainHead {
                pos: 4,
                hash: rows[3].hash.clone(),
            },
        );
        assert_eq!(v.first_break.map(|b| b.0), Some(5));
    }
}
