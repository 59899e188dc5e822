//! ZIP-based office documents (DOCX, XLSX, ODT, ODS): recognised from the central directory and,
//! before they are kept, fully inflated under a budget to prove they are not archive bombs.
//!
//! The reader is deliberately strict, because a document under 20 MiB written by Word, Excel,
//! LibreOffice or Google Docs never needs what it refuses: ZIP64, multi-part archives, data before
//! the first entry or between the directory and its end record, encryption, methods other than
//! stored and deflate, entries that overlap (the trick behind "non-recursive" bombs), or local
//! headers that disagree with the directory.

use flate2::{Crc, Decompress, FlushDecompress, Status};

use crate::bytes::{slice, u16_le, u32_le};
use crate::error::UploadError;
use crate::file_type::FileType;

const EOCD_SIGNATURE: u32 = 0x0605_4b50;
const CENTRAL_SIGNATURE: u32 = 0x0201_4b50;
const LOCAL_SIGNATURE: u32 = 0x0403_4b50;
const EOCD_LEN: usize = 22;
const CENTRAL_LEN: usize = 46;
const LOCAL_LEN: usize = 30;
const MAX_COMMENT: usize = 0xFFFF;
/// Entries whose text is read for active-content checks are captured up to this size.
const CAPTURE_LIMIT: u64 = 1024 * 1024;
const ZIP_MAGIC: &[u8] = b"PK\x03\x04";

/// Limits on a ZIP-based document, checked before it is kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ArchiveLimits {
    /// Most entries (files and folders) the archive may hold. Default 1,000; a long Word report
    /// with many images has a few dozen.
    pub max_entries: u32,
    /// Most bytes all entries may inflate to, together (embedded archives' declared sizes
    /// included). Default 100 MiB: five times the default upload limit.
    pub max_uncompressed_bytes: u64,
}

impl Default for ArchiveLimits {
    fn default() -> Self {
        ArchiveLimits {
            max_entries: 1_000,
            max_uncompressed_bytes: 100 * 1024 * 1024,
        }
    }
}

/// One central-directory record.
#[derive(Debug, Clone)]
struct Entry {
    name: String,
    flags: u16,
    method: u16,
    crc32: u32,
    compressed_size: u64,
    uncompressed_size: u64,
    local_offset: u64,
}

#[derive(Debug)]
struct Directory {
    entries: Vec<Entry>,
    /// Where the central directory starts: entry data must end before it.
    start: usize,
}

fn damaged(reason: &'static str) -> UploadError {
    UploadError::FileDamaged { reason }
}

fn not_allowed(detected: &'static str) -> UploadError {
    UploadError::FileTypeNotAllowed { detected }
}

fn bomb(reason: &'static str) -> UploadError {
    UploadError::ArchiveBomb { reason }
}

/// Finds the end-of-central-directory record: the last one whose comment ends exactly at the
/// end of the file (no trailing bytes are tolerated).
fn find_end_record(bytes: &[u8]) -> Option<usize> {
    let last = bytes.len().checked_sub(EOCD_LEN)?;
    let earliest = last.saturating_sub(MAX_COMMENT);
    (earliest..=last).rev().find(|&pos| {
        u32_le(bytes, pos) == Some(EOCD_SIGNATURE)
            && u16_le(bytes, pos + 20)
                .map(usize::from)
                .and_then(|c| pos.checked_add(EOCD_LEN + c))
                == Some(bytes.len())
    })
}

/// Reads the central directory. Work is linear in the directory's size, which is bounded by the
/// file's; with `max_entries`, a directory announcing more entries is refused before any is read.
fn read_directory(bytes: &[u8], max_entries: Option<u32>) -> Result<Directory, UploadError> {
    let end = find_end_record(bytes).ok_or_else(|| damaged("zip_end_record_missing"))?;
    let field16 =
        |off: usize| u16_le(bytes, end + off).ok_or_else(|| damaged("zip_end_record_short"));
    let field32 =
        |off: usize| u32_le(bytes, end + off).ok_or_else(|| damaged("zip_end_record_short"));
    let (disk, directory_disk) = (field16(4)?, field16(6)?);
    let (count_here, count) = (field16(8)?, field16(10)?);
    let (size, start) = (field32(12)?, field32(16)?);
    if count == 0xFFFF || size == 0xFFFF_FFFF || start == 0xFFFF_FFFF {
        return Err(not_allowed("zip64"));
    }
    if disk != 0 || directory_disk != 0 || count_here != count {
        return Err(damaged("zip_multi_part"));
    }
    if let Some(max) = max_entries {
        if u32::from(count) > max {
            return Err(bomb("too_many_entries"));
        }
    }
    let start = usize::try_from(start).map_err(|_| damaged("zip_directory_out_of_range"))?;
    let size = usize::try_from(size).map_err(|_| damaged("zip_directory_out_of_range"))?;
    if start.checked_add(size) != Some(end) {
        return Err(damaged("zip_directory_misplaced"));
    }
    let mut entries = Vec::with_capacity(usize::from(count));
    let mut pos = start;
    for _ in 0..count {
        let short = || damaged("zip_directory_truncated");
        if u32_le(bytes, pos) != Some(CENTRAL_SIGNATURE) {
            return Err(damaged("zip_directory_corrupt"));
        }
        let flags = u16_le(bytes, pos + 8).ok_or_else(short)?;
        let method = u16_le(bytes, pos + 10).ok_or_else(short)?;
        let crc32 = u32_le(bytes, pos + 16).ok_or_else(short)?;
        let compressed = u32_le(bytes, pos + 20).ok_or_else(short)?;
        let uncompressed = u32_le(bytes, pos + 24).ok_or_else(short)?;
        let name_len = usize::from(u16_le(bytes, pos + 28).ok_or_else(short)?);
        let extra_len = usize::from(u16_le(bytes, pos + 30).ok_or_else(short)?);
        let comment_len = usize::from(u16_le(bytes, pos + 32).ok_or_else(short)?);
        let local_offset = u32_le(bytes, pos + 42).ok_or_else(short)?;
        if compressed == 0xFFFF_FFFF || uncompressed == 0xFFFF_FFFF || local_offset == 0xFFFF_FFFF {
            return Err(not_allowed("zip64"));
        }
        let name = slice(bytes, pos + CENTRAL_LEN, name_len).ok_or_else(short)?;
        entries.push(Entry {
            name: String::from_utf8_lossy(name).into_owned(),
            flags,
            method,
            crc32,
            compressed_size: u64::from(compressed),
            uncompressed_size: u64::from(uncompressed),
            local_offset: u64::from(local_offset),
        });
        pos = pos + CENTRAL_LEN + name_len + extra_len + comment_len;
        if pos > end {
            return Err(damaged("zip_directory_truncated"));
        }
    }
    if pos != end {
        return Err(damaged("zip_directory_size_mismatch"));
    }
    Ok(Directory { entries, start })
}

/// Where an entry's data lies, from its local header, which must agree with the directory.
/// Returns `(local header start, data start, data end)`.
fn data_range(bytes: &[u8], entry: &Entry) -> Result<(usize, usize, usize), UploadError> {
    let short = || damaged("zip_entry_out_of_range");
    let header = usize::try_from(entry.local_offset).map_err(|_| short())?;
    if u32_le(bytes, header) != Some(LOCAL_SIGNATURE) {
        return Err(damaged("zip_local_header_missing"));
    }
    let name_len = usize::from(u16_le(bytes, header + 26).ok_or_else(short)?);
    let extra_len = usize::from(u16_le(bytes, header + 28).ok_or_else(short)?);
    let local_name = slice(bytes, header + LOCAL_LEN, name_len).ok_or_else(short)?;
    if local_name != entry.name.as_bytes() && String::from_utf8_lossy(local_name) != entry.name {
        return Err(damaged("zip_local_name_mismatch"));
    }
    let data_start = header + LOCAL_LEN + name_len + extra_len;
    let compressed = usize::try_from(entry.compressed_size).map_err(|_| short())?;
    let data_end = data_start.checked_add(compressed).ok_or_else(short)?;
    if data_end > bytes.len() {
        return Err(short());
    }
    Ok((header, data_start, data_end))
}

/// The stored (uncompressed) data of an entry, if it is stored.
fn stored_data<'a>(bytes: &'a [u8], entry: &Entry) -> Option<&'a [u8]> {
    if entry.method != 0 {
        return None;
    }
    let (_, start, end) = data_range(bytes, entry).ok()?;
    bytes.get(start..end)
}

fn has(entries: &[Entry], name: &str) -> bool {
    entries.iter().any(|e| e.name == name)
}

fn classify(bytes: &[u8], entries: &[Entry]) -> Option<FileType> {
    // ODF 1.2 part 3, §3.3: the first entry is `mimetype`, stored, holding the media type.
    if let Some(first) = entries.first().filter(|e| e.name == "mimetype") {
        let media_type = stored_data(bytes, first)?;
        let kind = match media_type {
            b"application/vnd.oasis.opendocument.text" => FileType::Odt,
            b"application/vnd.oasis.opendocument.spreadsheet" => FileType::Ods,
            _ => return None,
        };
        return has(entries, "content.xml").then_some(kind);
    }
    // OOXML (ECMA-376 part 2): `[Content_Types].xml` at the root; the main part's name is the one
    // every producer writes.
    if has(entries, "[Content_Types].xml") {
        if has(entries, "word/document.xml") {
            return Some(FileType::Docx);
        }
        if has(entries, "xl/workbook.xml") {
            return Some(FileType::Xlsx);
        }
    }
    None
}

/// Recognises a ZIP-based office document from its central directory, without inflating.
pub(crate) fn identify(bytes: &[u8]) -> Option<FileType> {
    let directory = read_directory(bytes, None).ok()?;
    classify(bytes, &directory.entries)
}

/// Active content named by an entry's path alone.
fn active_entry(name: &str) -> Option<&'static str> {
    let lower = name.to_ascii_lowercase();
    if lower.ends_with("vbaproject.bin")
        || lower.ends_with("vbadata.xml")
        || lower.starts_with("basic/")
        || lower.starts_with("scripts/")
    {
        Some("macro")
    } else if lower.contains("activex/") {
        Some("activex")
    } else if lower.contains("embeddings/oleobject") && lower.ends_with(".bin") {
        // An OLE "package" can carry any file, executables included.
        Some("ole_object")
    } else {
        None
    }
}

/// Active content declared in a captured XML part (`[Content_Types].xml`, `*.rels`).
fn active_xml(name: &str, text: &str) -> Option<&'static str> {
    let lower = text.to_ascii_lowercase();
    if name == "[Content_Types].xml"
        && (lower.contains("macroenabled") || lower.contains("vbaproject"))
    {
        return Some("macro");
    }
    if name.ends_with(".rels") {
        // Remote templates and frames, and external OLE links, are fetched when the document is
        // opened (the technique of CVE-2022-30190). External hyperlinks are harmless and kept.
        for relationship in lower.split("<relationship").skip(1) {
            let element = relationship.split('>').next().unwrap_or_default();
            let external = element.contains("targetmode=\"external\"")
                || element.contains("targetmode='external'");
            let fetched = ["/oleobject", "/attachedtemplate", "/frame", "/subdocument"]
                .iter()
                .any(|kind| element.contains(kind));
            if external && fetched {
                return Some("external_reference");
            }
        }
    }
    None
}

fn unsafe_entry_name(name: &str) -> bool {
    name.starts_with('/')
        || name.contains('\\')
        || name.contains('\0')
        || name.contains(':')
        || name.split('/').any(|part| part == "..")
}

enum Inflated {
    Done,
    Understated,
    Damaged,
}

/// Inflates (or copies, when stored) one entry's data, handing the output to `sink` in chunks,
/// and stops as soon as it exceeds the declared size.
fn inflate(data: &[u8], method: u16, declared: u64, mut sink: impl FnMut(&[u8])) -> Inflated {
    if method == 0 {
        if data.len() as u64 != declared {
            return Inflated::Damaged;
        }
        sink(data);
        return Inflated::Done;
    }
    let mut decoder = Decompress::new(false);
    let mut buffer = vec![0u8; 64 * 1024];
    let mut produced: u64 = 0;
    loop {
        let (in_before, out_before) = (decoder.total_in(), decoder.total_out());
        let Some(input) = usize::try_from(in_before).ok().and_then(|i| data.get(i..)) else {
            return Inflated::Damaged;
        };
        let status = match decoder.decompress(input, &mut buffer, FlushDecompress::None) {
            Ok(status) => status,
            Err(_) => return Inflated::Damaged,
        };
        let consumed = decoder.total_in() - in_before;
        let written = decoder.total_out() - out_before;
        produced = produced.saturating_add(written);
        if produced > declared {
            return Inflated::Understated;
        }
        let Some(chunk) = usize::try_from(written).ok().and_then(|w| buffer.get(..w)) else {
            return Inflated::Damaged;
        };
        sink(chunk);
        match status {
            Status::StreamEnd => break,
            Status::Ok | Status::BufError if consumed == 0 && written == 0 => {
                return Inflated::Damaged
            }
            Status::Ok | Status::BufError => {}
        }
    }
    if produced == declared {
        Inflated::Done
    } else {
        Inflated::Damaged
    }
}

/// Checks a ZIP-based document recognised as `file_type` before it is kept: directory sane,
/// entries within `limits`, no overlaps, every entry inflating to exactly its declared size and
/// CRC, and (when `reject_active_content`) no macros, ActiveX, OLE packages or fetched external
/// references. Total work is bounded by `limits.max_uncompressed_bytes`.
pub(crate) fn verify(
    bytes: &[u8],
    limits: &ArchiveLimits,
    reject_active_content: bool,
) -> Result<(), UploadError> {
    let directory = read_directory(bytes, Some(limits.max_entries))?;
    let entries = &directory.entries;

    let mut declared_total: u64 = 0;
    for entry in entries {
        declared_total = declared_total.saturating_add(entry.uncompressed_size);
    }
    if declared_total > limits.max_uncompressed_bytes {
        return Err(bomb("uncompressed_size_over_limit"));
    }

    let mut ranges = Vec::with_capacity(entries.len());
    for entry in entries {
        if entry.flags & 0x0001 != 0 {
            return Err(not_allowed("encrypted_zip"));
        }
        if entry.method != 0 && entry.method != 8 {
            return Err(not_allowed("zip_method_unsupported"));
        }
        if unsafe_entry_name(&entry.name) {
            return Err(not_allowed("unsafe_archive_entry_name"));
        }
        if reject_active_content {
            if let Some(what) = active_entry(&entry.name) {
                return Err(UploadError::ActiveContent { what });
            }
        }
        let (header, start, end) = data_range(bytes, entry)?;
        ranges.push((header, start, end));
    }
    // Entries must not share bytes: overlapping entries let a few kilobytes stand for gigabytes.
    let mut sorted: Vec<(usize, usize)> = ranges
        .iter()
        .map(|&(header, _, end)| (header, end))
        .collect();
    sorted.sort_unstable();
    for pair in sorted.windows(2) {
        if let [(_, end), (next, _)] = pair {
            if end > next {
                return Err(bomb("overlapping_entries"));
            }
        }
    }
    if sorted.last().is_some_and(|&(_, end)| end > directory.start) {
        return Err(bomb("overlapping_entries"));
    }

    // Budget left for archives embedded in entries (their declared contents count too).
    let mut budget = limits.max_uncompressed_bytes - declared_total;
    for (entry, &(_, start, end)) in entries.iter().zip(&ranges) {
        let data = bytes
            .get(start..end)
            .ok_or_else(|| damaged("zip_entry_out_of_range"))?;
        let capture = reject_active_content
            && (entry.name == "[Content_Types].xml" || entry.name.ends_with(".rels"))
            && entry.uncompressed_size <= CAPTURE_LIMIT;
        let mut crc = Crc::new();
        let mut head: Vec<u8> = Vec::new();
        let mut kept: Vec<u8> = Vec::new();
        let mut nested = false;
        let outcome = inflate(data, entry.method, entry.uncompressed_size, |chunk| {
            crc.update(chunk);
            if head.len() < ZIP_MAGIC.len() {
                head.extend(chunk.iter().take(ZIP_MAGIC.len() - head.len()));
                nested = head.starts_with(ZIP_MAGIC);
            }
            if capture || nested {
                kept.extend_from_slice(chunk);
            }
        });
        match outcome {
            Inflated::Done => {}
            Inflated::Understated => return Err(bomb("size_understated")),
            Inflated::Damaged => return Err(damaged("zip_entry_corrupt")),
        }
        if crc.sum() != entry.crc32 {
            return Err(damaged("zip_entry_crc_mismatch"));
        }
        if capture {
            if let Some(what) = active_xml(&entry.name, &String::from_utf8_lossy(&kept)) {
                return Err(UploadError::ActiveContent { what });
            }
        }
        if nested {
            // An embedded workbook or document: its own declared contents count against what is
            // left of the budget (one level is read; deeper levels are within those contents).
            let inner = read_directory(&kept, Some(limits.max_entries))
                .map_err(|_| bomb("nested_archive"))?;
            let inner_total = inner
                .entries
                .iter()
                .fold(0u64, |sum, e| sum.saturating_add(e.uncompressed_size));
            budget = budget
                .checked_sub(inner_total)
                .ok_or_else(|| bomb("nested_archive"))?;
        }
    }
    Ok(())
}
