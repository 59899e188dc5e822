//! The name of a stored object: the SHA-256 of its bytes.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use sha2::{Digest, Sha256};

/// A SHA-256 content hash. Parsed from text only through [`ContentHash::parse`], which accepts
/// exactly 64 hexadecimal digits, so a hash can never carry a path (`../`, `/`, `\`) into the
/// store. Displayed and serialized as 64 lower-case hex digits.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ContentHash([u8; 32]);

/// A text that is not 64 hexadecimal digits.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("mã băm không hợp lệ (cần đúng 64 chữ số thập lục phân) / invalid content hash (64 hex digits expected)")]
pub struct InvalidContentHash;

impl ContentHash {
    /// The hash of `bytes`.
    pub fn of(bytes: &[u8]) -> ContentHash {
        ContentHash(Sha256::digest(bytes).into())
    }

    /// Parses 64 hexadecimal digits (either case).
    pub fn parse(text: &str) -> Result<ContentHash, InvalidContentHash> {
        if text.len() != 64 || !text.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(InvalidContentHash);
        }
        let mut raw = [0u8; 32];
        hex::decode_to_slice(text, &mut raw).map_err(|_| InvalidContentHash)?;
        Ok(ContentHash(raw))
    }

    /// The 32 raw bytes.
    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }

    /// 64 lower-case hex digits.
    pub fn to_hex(&self) -> String {
        hex::encode(self.0)
    }
}

impl std::fmt::Display for ContentHash {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.to_hex())
    }
}

impl std::fmt::Debug for ContentHash {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "ContentHash({})", self.to_hex())
    }
}

impl std::str::FromStr for ContentHash {
    type Err = InvalidContentHash;
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        ContentHash::parse(text)
    }
}

impl Serialize for ContentHash {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.to_hex())
    }
}

impl<'de> Deserialize<'de> for ContentHash {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        ContentHash::parse(&text).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_digest_of_empty_input() {
        assert_eq!(
            ContentHash::of(b"").to_hex(),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
    }

    #[test]
    fn parse_accepts_only_64_hex_digits() {
        let good = "E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855";
        assert_eq!(ContentHash::parse(good), Ok(ContentHash::of(b"")));
        for bad in [
            "",
            "e3b0",
            "../../etc/passwd",
            &format!("{}/", &good[..63]),
            &format!("{good}0"),
            &format!("+{}", &good[1..]),
            &"é".repeat(32),
        ] {
            assert_eq!(ContentHash::parse(bad), Err(InvalidContentHash), "{bad}");
        }
    }
}
