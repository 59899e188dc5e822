//! Structural checks of PDFs and images before they are kept: complete (an upload cut short on a
//! weak network is refused with `file_damaged` and can simply be sent again), sane, and, for
//! images, not a decompression bomb (a tiny file announcing billions of pixels).
//!
//! Nothing here decodes pixels or renders pages: the walks read headers and chunk or segment
//! boundaries only, in time linear in the file's size.

use flate2::Crc;

use crate::bytes::{find, slice, starts_with_at, u16_be, u16_le, u32_be, u32_le, u8_at};
use crate::error::UploadError;
use crate::file_type::PNG_SIGNATURE;

fn damaged(reason: &'static str) -> UploadError {
    UploadError::FileDamaged { reason }
}

fn check_pixels(width: u64, height: u64, max_pixels: u64) -> Result<(), UploadError> {
    if width == 0 || height == 0 {
        return Err(damaged("image_without_pixels"));
    }
    if width.saturating_mul(height) > max_pixels {
        return Err(UploadError::ImageTooLarge {
            width,
            height,
            max_pixels,
        });
    }
    Ok(())
}

/// PDF: a version in the header, `%%EOF` in the last 1,024 bytes (where readers look for it; a
/// truncated upload lacks it), and, when asked, no JavaScript, launch actions or rich media.
///
/// The active-content scan reads the names of the file's dictionaries outside streams,
/// decoding `#xx` escapes (`/J#61vaScript`), so it catches what plain PDFs declare. It cannot see
/// into compressed object streams: it is one layer, and the serving side must still send PDFs as
/// attachments with `X-Content-Type-Options: nosniff` and a sandboxing CSP.
pub(crate) fn check_pdf(bytes: &[u8], reject_active_content: bool) -> Result<(), UploadError> {
    let version_ok = matches!(
        (u8_at(bytes, 5), u8_at(bytes, 6), u8_at(bytes, 7)),
        (Some(major), Some(b'.'), Some(minor)) if major.is_ascii_digit() && minor.is_ascii_digit()
    );
    if !version_ok {
        return Err(damaged("pdf_header_invalid"));
    }
    let tail_start = bytes.len().saturating_sub(1024);
    if find(bytes, b"%%EOF", tail_start).is_none() {
        return Err(damaged("pdf_incomplete"));
    }
    if reject_active_content {
        if let Some(what) = pdf_active_content(bytes) {
            return Err(UploadError::ActiveContent { what });
        }
    }
    Ok(())
}

fn is_pdf_delimiter(b: u8) -> bool {
    b.is_ascii_whitespace() || b == 0 || b"()<>[]{}/%".contains(&b)
}

/// The first active-content name found outside streams, if any.
fn pdf_active_content(bytes: &[u8]) -> Option<&'static str> {
    let mut pos = 0usize;
    while pos < bytes.len() {
        let b = *bytes.get(pos)?;
        if b == b's' && starts_with_at(bytes, pos, b"stream") && is_stream_keyword(bytes, pos) {
            // Skip the stream's data: binary bytes can spell anything.
            pos = find(bytes, b"endstream", pos + 6).map_or(bytes.len(), |e| e + 9);
            continue;
        }
        if b == b'/' {
            let (name, next) = pdf_name(bytes, pos + 1);
            pos = next;
            match name.as_slice() {
                b"JavaScript" | b"JS" => return Some("pdf_javascript"),
                b"Launch" => return Some("pdf_launch_action"),
                b"RichMedia" => return Some("pdf_rich_media"),
                _ => {}
            }
            continue;
        }
        pos += 1;
    }
    None
}

/// `stream` as a keyword: after a delimiter and followed by an end of line (ISO 32000 §7.3.8).
fn is_stream_keyword(bytes: &[u8], pos: usize) -> bool {
    let before_ok = pos == 0 || bytes.get(pos - 1).is_some_and(|&b| is_pdf_delimiter(b));
    let after = u8_at(bytes, pos + 6);
    before_ok && matches!(after, Some(b'\r') | Some(b'\n'))
}

/// Reads a PDF name starting at `start` (after the slash), decoding `#xx`; returns it and the
/// position after it. Names longer than 64 bytes are cut (none that matters is that long).
fn pdf_name(bytes: &[u8], start: usize) -> (Vec<u8>, usize) {
    let mut name = Vec::new();
    let mut pos = start;
    while let Some(&b) = bytes.get(pos) {
        if is_pdf_delimiter(b) {
            break;
        }
        if b == b'#' {
            let hex = slice(bytes, pos + 1, 2).and_then(|h| std::str::from_utf8(h).ok());
            if let Some(value) = hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                name.push(value);
                pos += 3;
                continue;
            }
        }
        name.push(b);
        pos += 1;
        if name.len() > 64 {
            break;
        }
    }
    (name, pos)
}

/// PNG: IHDR first with sane dimensions, every chunk inside the file with a correct CRC, ending
/// with IEND (bytes after IEND are tolerated: some tools append).
pub(crate) fn check_png(bytes: &[u8], max_pixels: u64) -> Result<(), UploadError> {
    let mut pos = PNG_SIGNATURE.len();
    let mut first = true;
    loop {
        let length = u32_be(bytes, pos).ok_or_else(|| damaged("png_incomplete"))?;
        if length > 0x7FFF_FFFF {
            return Err(damaged("png_chunk_corrupt"));
        }
        let length = length as usize;
        let kind = slice(bytes, pos + 4, 4).ok_or_else(|| damaged("png_incomplete"))?;
        let body = slice(bytes, pos + 4, 4 + length).ok_or_else(|| damaged("png_incomplete"))?;
        let stored_crc =
            u32_be(bytes, pos + 8 + length).ok_or_else(|| damaged("png_incomplete"))?;
        let mut crc = Crc::new();
        crc.update(body);
        if crc.sum() != stored_crc {
            return Err(damaged("png_chunk_crc_mismatch"));
        }
        if first {
            if kind != b"IHDR" || length != 13 {
                return Err(damaged("png_header_invalid"));
            }
            let width = u32_be(bytes, pos + 8).ok_or_else(|| damaged("png_incomplete"))?;
            let height = u32_be(bytes, pos + 12).ok_or_else(|| damaged("png_incomplete"))?;
            check_pixels(u64::from(width), u64::from(height), max_pixels)?;
            first = false;
        }
        if kind == b"IEND" {
            return Ok(());
        }
        pos = pos + 12 + length;
    }
}

/// JPEG: a walk of the marker segments from SOI through the entropy-coded scans to EOI, reading
/// the frame size from SOF. Bytes after EOI are tolerated (phones append metadata there).
pub(crate) fn check_jpeg(bytes: &[u8], max_pixels: u64) -> Result<(), UploadError> {
    let mut pos = 2usize; // after SOI (FF D8)
    let mut frame_seen = false;
    let mut scan_seen = false;
    loop {
        if u8_at(bytes, pos).ok_or_else(|| damaged("jpeg_incomplete"))? != 0xFF {
            return Err(damaged("jpeg_marker_expected"));
        }
        // Any number of 0xFF fill bytes may precede a marker.
        while u8_at(bytes, pos) == Some(0xFF) {
            pos += 1;
        }
        let marker = u8_at(bytes, pos).ok_or_else(|| damaged("jpeg_incomplete"))?;
        pos += 1;
        match marker {
            0xD9 => {
                return if frame_seen && scan_seen {
                    Ok(())
                } else {
                    Err(damaged("jpeg_without_image"))
                };
            }
            0x01 | 0xD0..=0xD7 => continue,
            0xD8 | 0x00 => return Err(damaged("jpeg_marker_invalid")),
            _ => {}
        }
        let length = usize::from(u16_be(bytes, pos).ok_or_else(|| damaged("jpeg_incomplete"))?);
        if length < 2 {
            return Err(damaged("jpeg_segment_corrupt"));
        }
        let segment_end = pos + length;
        if segment_end > bytes.len() {
            return Err(damaged("jpeg_incomplete"));
        }
        // SOF0..SOF15 except DHT (C4), JPG (C8) and DAC (CC).
        if matches!(marker, 0xC0..=0xCF) && !matches!(marker, 0xC4 | 0xC8 | 0xCC) {
            let height = u16_be(bytes, pos + 3).ok_or_else(|| damaged("jpeg_incomplete"))?;
            let width = u16_be(bytes, pos + 5).ok_or_else(|| damaged("jpeg_incomplete"))?;
            // A zero height is legal (given later by DNL); the width bounds it at 65,535 rows.
            let rows = if height == 0 {
                0xFFFF
            } else {
                u64::from(height)
            };
            check_pixels(u64::from(width), rows, max_pixels)?;
            frame_seen = true;
        }
        pos = segment_end;
        if marker == 0xDA {
            if !frame_seen {
                return Err(damaged("jpeg_scan_before_frame"));
            }
            scan_seen = true;
            // Entropy-coded data: runs until a 0xFF followed by neither 0x00 (stuffing) nor a
            // restart marker.
            loop {
                let ff = find(bytes, &[0xFF], pos).ok_or_else(|| damaged("jpeg_incomplete"))?;
                match u8_at(bytes, ff + 1) {
                    None => return Err(damaged("jpeg_incomplete")),
                    Some(0x00) | Some(0xD0..=0xD7) => pos = ff + 2,
                    Some(0xFF) => pos = ff + 1,
                    Some(_) => {
                        pos = ff;
                        break;
                    }
                }
            }
        }
    }
}

/// WebP: the RIFF size must fit the file (a truncated upload is shorter), and the canvas size is
/// read from the first chunk (VP8, VP8L or VP8X).
pub(crate) fn check_webp(bytes: &[u8], max_pixels: u64) -> Result<(), UploadError> {
    let riff_size = u32_le(bytes, 4).ok_or_else(|| damaged("webp_incomplete"))?;
    let end = 8u64 + u64::from(riff_size);
    if end > bytes.len() as u64 {
        return Err(damaged("webp_incomplete"));
    }
    let chunk = slice(bytes, 12, 4).ok_or_else(|| damaged("webp_incomplete"))?;
    let (width, height) = match chunk {
        b"VP8X" => {
            let w = slice(bytes, 24, 3).ok_or_else(|| damaged("webp_incomplete"))?;
            let h = slice(bytes, 27, 3).ok_or_else(|| damaged("webp_incomplete"))?;
            let le24 = |b: &[u8]| {
                b.iter()
                    .rev()
                    .fold(0u64, |acc, &x| (acc << 8) | u64::from(x))
            };
            (le24(w) + 1, le24(h) + 1)
        }
        b"VP8L" => {
            if u8_at(bytes, 20) != Some(0x2F) {
                return Err(damaged("webp_header_invalid"));
            }
            let bits = u32_le(bytes, 21).ok_or_else(|| damaged("webp_incomplete"))?;
            (
                u64::from(bits & 0x3FFF) + 1,
                u64::from((bits >> 14) & 0x3FFF) + 1,
            )
        }
        b"VP8 " => {
            if slice(bytes, 23, 3) != Some(&[0x9D, 0x01, 0x2A]) {
                return Err(damaged("webp_header_invalid"));
            }
            let w = u16_le(bytes, 26).ok_or_else(|| damaged("webp_incomplete"))?;
            let h = u16_le(bytes, 28).ok_or_else(|| damaged("webp_incomplete"))?;
            (u64::from(w & 0x3FFF), u64::from(h & 0x3FFF))
        }
        _ => return Err(damaged("webp_header_invalid")),
    };
    check_pixels(width, height, max_pixels)
}

/// TIFF: the first image file directory's width and height, and every strip or tile it points to
/// lying inside the file (a truncated upload points past its end).
pub(crate) fn check_tiff(bytes: &[u8], max_pixels: u64) -> Result<(), UploadError> {
    let little = bytes.starts_with(b"II");
    let r16 = |at: usize| {
        if little {
            u16_le(bytes, at)
        } else {
            u16_be(bytes, at)
        }
    };
    let r32 = |at: usize| {
        if little {
            u32_le(bytes, at)
        } else {
            u32_be(bytes, at)
        }
    };
    let short = || damaged("tiff_incomplete");
    let ifd = usize::try_from(r32(4).ok_or_else(short)?).map_err(|_| short())?;
    let count = usize::from(r16(ifd).ok_or_else(short)?);
    let (mut width, mut height) = (None, None);
    let (mut offsets, mut lengths) = (None, None);
    for i in 0..count {
        let at = ifd + 2 + 12 * i;
        let tag = r16(at).ok_or_else(short)?;
        let kind = r16(at + 2).ok_or_else(short)?;
        let n = r32(at + 4).ok_or_else(short)?;
        // SHORT (3) or LONG (4) values; one value sits in the entry itself, more elsewhere.
        let field = (kind, n, at + 8);
        match tag {
            256 => width = Some(field),
            257 => height = Some(field),
            273 | 324 => offsets = Some(field),
            279 | 325 => lengths = Some(field),
            _ => {}
        }
    }
    let values = |field: Option<(u16, u32, usize)>| -> Result<Vec<u64>, UploadError> {
        let (kind, n, at) = field.ok_or_else(|| damaged("tiff_tag_missing"))?;
        let size = match kind {
            3 => 2usize,
            4 => 4usize,
            _ => return Err(damaged("tiff_tag_invalid")),
        };
        let n = usize::try_from(n).map_err(|_| short())?;
        if n == 0 || n > bytes.len() / size {
            return Err(damaged("tiff_tag_invalid"));
        }
        let start = if n * size <= 4 {
            at
        } else {
            usize::try_from(r32(at).ok_or_else(short)?).map_err(|_| short())?
        };
        (0..n)
            .map(|i| {
                let p = start + i * size;
                let v = if size == 2 {
                    r16(p).map(u64::from)
                } else {
                    r32(p).map(u64::from)
                };
                v.ok_or_else(short)
            })
            .collect()
    };
    let width = values(width)?.first().copied().unwrap_or(0);
    let height = values(height)?.first().copied().unwrap_or(0);
    check_pixels(width, height, max_pixels)?;
    let offsets = values(offsets)?;
    let lengths = values(lengths)?;
    if offsets.len() != lengths.len() {
        return Err(damaged("tiff_strips_inconsistent"));
    }
    let len = bytes.len() as u64;
    if offsets
        .iter()
        .zip(&lengths)
        .any(|(o, l)| o.saturating_add(*l) > len)
    {
        return Err(damaged("tiff_incomplete"));
    }
    Ok(())
}
