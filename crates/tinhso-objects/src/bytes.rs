//! Bounds-checked reads of untrusted bytes: every helper returns `None` instead of panicking.

/// `len` bytes from `start`, if all of them are there.
pub(crate) fn slice(bytes: &[u8], start: usize, len: usize) -> Option<&[u8]> {
    bytes.get(start..start.checked_add(len)?)
}

/// Whether `needle` is found in `bytes` at offset `at`.
pub(crate) fn starts_with_at(bytes: &[u8], at: usize, needle: &[u8]) -> bool {
    slice(bytes, at, needle.len()) == Some(needle)
}

pub(crate) fn u8_at(bytes: &[u8], at: usize) -> Option<u8> {
    bytes.get(at).copied()
}

pub(crate) fn u16_le(bytes: &[u8], at: usize) -> Option<u16> {
    let b = slice(bytes, at, 2)?;
    Some(u16::from_le_bytes([*b.first()?, *b.get(1)?]))
}

pub(crate) fn u16_be(bytes: &[u8], at: usize) -> Option<u16> {
    let b = slice(bytes, at, 2)?;
    Some(u16::from_be_bytes([*b.first()?, *b.get(1)?]))
}

pub(crate) fn u32_le(bytes: &[u8], at: usize) -> Option<u32> {
    let b: [u8; 4] = slice(bytes, at, 4)?.try_into().ok()?;
    Some(u32::from_le_bytes(b))
}

pub(crate) fn u32_be(bytes: &[u8], at: usize) -> Option<u32> {
    let b: [u8; 4] = slice(bytes, at, 4)?.try_into().ok()?;
    Some(u32::from_be_bytes(b))
}

/// Position of the first occurrence of `needle` in `bytes` at or after `from`.
pub(crate) fn find(bytes: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    if needle.is_empty() {
        return None;
    }
    let hay = bytes.get(from..)?;
    hay.windows(needle.len())
        .position(|w| w == needle)
        .map(|p| p + from)
}
