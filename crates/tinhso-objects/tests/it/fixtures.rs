//! Small real files, built in code: a one-page PDF, decodable PNG, JPEG and TIFF images, WebP
//! headers, and ZIP archives (DOCX, XLSX, ODT, ODS and bombs) from a minimal ZIP writer.

use std::io::Write;

use flate2::write::{DeflateEncoder, ZlibEncoder};
use flate2::{Compression, Crc};

fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = Crc::new();
    crc.update(bytes);
    crc.sum()
}

/// A one-page A4 PDF with a correct cross-reference table; `extra` is added to the page
/// dictionary (to plant actions).
pub fn pdf_with(extra: &str) -> Vec<u8> {
    let objects = [
        "<< /Type /Catalog /Pages 2 0 R >>".to_string(),
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_string(),
        format!("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R {extra}>>"),
    ];
    let content = b"BT /F1 12 Tf 72 770 Td (Giay khai sinh) Tj ET";
    let mut out = b"%PDF-1.7\n%\xE2\xE3\xCF\xD3\n".to_vec();
    let mut offsets = Vec::new();
    for (i, body) in objects.iter().enumerate() {
        offsets.push(out.len());
        out.extend_from_slice(format!("{} 0 obj\n{body}\nendobj\n", i + 1).as_bytes());
    }
    offsets.push(out.len());
    out.extend_from_slice(format!("4 0 obj\n<< /Length {} >>\nstream\n", content.len()).as_bytes());
    out.extend_from_slice(content);
    out.extend_from_slice(b"\nendstream\nendobj\n");
    let xref = out.len();
    out.extend_from_slice(
        format!("xref\n0 {}\n0000000000 65535 f \n", offsets.len() + 1).as_bytes(),
    );
    for offset in &offsets {
        out.extend_from_slice(format!("{offset:010} 00000 n \n").as_bytes());
    }
    out.extend_from_slice(
        format!(
            "trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n",
            offsets.len() + 1
        )
        .as_bytes(),
    );
    out
}

pub fn pdf() -> Vec<u8> {
    pdf_with("")
}

fn png_chunk(out: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
    out.extend_from_slice(&(data.len() as u32).to_be_bytes());
    let mut body = kind.to_vec();
    body.extend_from_slice(data);
    out.extend_from_slice(&body);
    out.extend_from_slice(&crc32(&body).to_be_bytes());
}

/// An RGB PNG whose header says `width` × `height`; pixel data is real for small sizes (a
/// gradient) and a single row otherwise (enough for a bomb: the header is what is checked).
pub fn png(width: u32, height: u32) -> Vec<u8> {
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut ihdr = Vec::new();
    ihdr.extend_from_slice(&width.to_be_bytes());
    ihdr.extend_from_slice(&height.to_be_bytes());
    ihdr.extend_from_slice(&[8, 2, 0, 0, 0]);
    png_chunk(&mut out, b"IHDR", &ihdr);
    let rows = if u64::from(width) * u64::from(height) <= 1 << 16 {
        height
    } else {
        1
    };
    let mut raw = Vec::new();
    for y in 0..rows {
        raw.push(0); // filter: none
        for x in 0..width.min(1 << 12) {
            raw.extend_from_slice(&[(x * 16) as u8, (y * 16) as u8, 128]);
        }
    }
    let mut z = ZlibEncoder::new(Vec::new(), Compression::default());
    z.write_all(&raw).unwrap();
    png_chunk(&mut out, b"IDAT", &z.finish().unwrap());
    png_chunk(&mut out, b"IEND", &[]);
    out
}

/// A decodable baseline grayscale JPEG of `width` × `height` (multiples of 8), every block flat
/// mid-grey: one-code Huffman tables, each block coded as "DC difference 0, end of block".
pub fn jpeg(width: u16, height: u16) -> Vec<u8> {
    let mut out = vec![0xFF, 0xD8];
    // APP0 JFIF
    out.extend_from_slice(&[
        0xFF, 0xE0, 0, 16, b'J', b'F', b'I', b'F', 0, 1, 1, 0, 0, 1, 0, 1, 0, 0,
    ]);
    // DQT: table 0, all ones
    out.extend_from_slice(&[0xFF, 0xDB, 0, 67, 0]);
    out.extend_from_slice(&[1u8; 64]);
    // SOF0: 8-bit, height, width, one component (id 1, no subsampling, table 0)
    out.extend_from_slice(&[0xFF, 0xC0, 0, 11, 8]);
    out.extend_from_slice(&height.to_be_bytes());
    out.extend_from_slice(&width.to_be_bytes());
    out.extend_from_slice(&[1, 1, 0x11, 0]);
    // DHT: DC table 0 and AC table 0, each one code of length 1 for symbol 0
    for class in [0x00u8, 0x10] {
        out.extend_from_slice(&[0xFF, 0xC4, 0, 20, class, 1]);
        out.extend_from_slice(&[0u8; 15]);
        out.push(0);
    }
    // SOS: one component, tables 0/0, spectral 0..63
    out.extend_from_slice(&[0xFF, 0xDA, 0, 8, 1, 1, 0x00, 0, 63, 0]);
    let blocks = (usize::from(width) / 8).max(1) * (usize::from(height) / 8).max(1);
    // Two bits per block ("0" DC, "0" EOB), padded with ones.
    let bits = blocks * 2;
    let mut data = vec![0u8; bits.div_ceil(8)];
    let pad = data.len() * 8 - bits;
    if let Some(last) = data.last_mut() {
        *last |= ((1u16 << pad) - 1) as u8;
    }
    out.extend_from_slice(&data);
    out.extend_from_slice(&[0xFF, 0xD9]);
    out
}

/// A WebP file with a VP8X header announcing `width` × `height` and a small VP8L chunk.
pub fn webp_vp8x(width: u32, height: u32) -> Vec<u8> {
    let mut chunks = Vec::new();
    chunks.extend_from_slice(b"VP8X");
    chunks.extend_from_slice(&10u32.to_le_bytes());
    chunks.extend_from_slice(&[0, 0, 0, 0]);
    chunks.extend_from_slice(&(width - 1).to_le_bytes()[..3]);
    chunks.extend_from_slice(&(height - 1).to_le_bytes()[..3]);
    // A lossless 1×1 image chunk header (signature 0x2F, 14-bit sizes minus one).
    chunks.extend_from_slice(b"VP8L");
    chunks.extend_from_slice(&6u32.to_le_bytes());
    chunks.extend_from_slice(&[0x2F, 0, 0, 0, 0, 0]);
    let mut out = b"RIFF".to_vec();
    out.extend_from_slice(&(4 + chunks.len() as u32).to_le_bytes());
    out.extend_from_slice(b"WEBP");
    out.extend_from_slice(&chunks);
    out
}

/// A decodable uncompressed 8-bit grayscale baseline TIFF, little-endian, one strip.
pub fn tiff(width: u16, height: u16) -> Vec<u8> {
    let pixels = usize::from(width) * usize::from(height);
    let entries: [(u16, u16, u32, u32); 9] = [
        (256, 3, 1, u32::from(width)),
        (257, 3, 1, u32::from(height)),
        (258, 3, 1, 8),
        (259, 3, 1, 1),
        (262, 3, 1, 1),
        (273, 4, 1, 0), // strip offset, filled below
        (277, 3, 1, 1),
        (278, 3, 1, u32::from(height)),
        (279, 4, 1, pixels as u32),
    ];
    let ifd_len = 2 + 12 * entries.len() + 4;
    let data_offset = (8 + ifd_len) as u32;
    let mut out = b"II*\0".to_vec();
    out.extend_from_slice(&8u32.to_le_bytes());
    out.extend_from_slice(&(entries.len() as u16).to_le_bytes());
    for (tag, kind, count, value) in entries {
        out.extend_from_slice(&tag.to_le_bytes());
        out.extend_from_slice(&kind.to_le_bytes());
        out.extend_from_slice(&count.to_le_bytes());
        let value = if tag == 273 { data_offset } else { value };
        if kind == 3 {
            out.extend_from_slice(&(value as u16).to_le_bytes());
            out.extend_from_slice(&[0, 0]);
        } else {
            out.extend_from_slice(&value.to_le_bytes());
        }
    }
    out.extend_from_slice(&0u32.to_le_bytes());
    out.extend((0..pixels).map(|i| (i * 7) as u8));
    out
}

/// One entry for [`zip`].
#[derive(Clone)]
pub struct Entry {
    pub name: String,
    pub data: Vec<u8>,
    pub deflate: bool,
    /// Declared uncompressed size, when it should lie.
    pub declared_size: Option<u32>,
}

pub fn stored(name: &str, data: &[u8]) -> Entry {
    Entry {
        name: name.into(),
        data: data.to_vec(),
        deflate: false,
        declared_size: None,
    }
}

pub fn deflated(name: &str, data: &[u8]) -> Entry {
    Entry {
        name: name.into(),
        data: data.to_vec(),
        deflate: true,
        declared_size: None,
    }
}

/// A minimal, standard ZIP writer (APPNOTE 6.3: local headers, central directory, end record).
/// `duplicate_first` adds a second directory record pointing at the first entry's data (to build
/// overlapping entries).
pub fn zip_with(entries: &[Entry], duplicate_first: bool) -> Vec<u8> {
    let mut out = Vec::new();
    let mut central = Vec::new();
    let mut records = 0u16;
    for entry in entries {
        let offset = out.len() as u32;
        let payload = if entry.deflate {
            let mut d = DeflateEncoder::new(Vec::new(), Compression::best());
            d.write_all(&entry.data).unwrap();
            d.finish().unwrap()
        } else {
            entry.data.clone()
        };
        let method: u16 = if entry.deflate { 8 } else { 0 };
        let crc = crc32(&entry.data);
        let size = entry.declared_size.unwrap_or(entry.data.len() as u32);
        let name = entry.name.as_bytes();
        let header = |sig: u32, central_record: bool| {
            let mut h = Vec::new();
            h.extend_from_slice(&sig.to_le_bytes());
            if central_record {
                h.extend_from_slice(&20u16.to_le_bytes()); // made by
            }
            h.extend_from_slice(&20u16.to_le_bytes()); // needed
            h.extend_from_slice(&0x0800u16.to_le_bytes()); // flags: UTF-8 names
            h.extend_from_slice(&method.to_le_bytes());
            h.extend_from_slice(&[0, 0, 0x21, 0]); // time, date (1980-01-01)
            h.extend_from_slice(&crc.to_le_bytes());
            h.extend_from_slice(&(payload.len() as u32).to_le_bytes());
            h.extend_from_slice(&size.to_le_bytes());
            h.extend_from_slice(&(name.len() as u16).to_le_bytes());
            h.extend_from_slice(&0u16.to_le_bytes()); // extra
            if central_record {
                h.extend_from_slice(&[0; 6]); // comment length, disk, internal attributes
                h.extend_from_slice(&0u32.to_le_bytes()); // external attributes
                h.extend_from_slice(&offset.to_le_bytes());
            }
            h.extend_from_slice(name);
            h
        };
        out.extend_from_slice(&header(0x0403_4b50, false));
        out.extend_from_slice(&payload);
        let record = header(0x0201_4b50, true);
        central.extend_from_slice(&record);
        records += 1;
        if duplicate_first && records == 1 {
            central.extend_from_slice(&record);
            records += 1;
        }
    }
    let start = out.len() as u32;
    out.extend_from_slice(&central);
    out.extend_from_slice(&0x0605_4b50u32.to_le_bytes());
    out.extend_from_slice(&[0, 0, 0, 0]);
    out.extend_from_slice(&records.to_le_bytes());
    out.extend_from_slice(&records.to_le_bytes());
    out.extend_from_slice(&(central.len() as u32).to_le_bytes());
    out.extend_from_slice(&start.to_le_bytes());
    out.extend_from_slice(&0u16.to_le_bytes());
    out
}

pub fn zip(entries: &[Entry]) -> Vec<u8> {
    zip_with(entries, false)
}

const RELS: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="MAIN"/></Relationships>"#;

/// The parts of a minimal Word document saying `text`.
pub fn docx_entries(text: &str) -> Vec<Entry> {
    let types = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>"#;
    let document = format!(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body><w:p><w:r><w:t>{text}</w:t></w:r></w:p></w:body></w:document>"#
    );
    vec![
        deflated("[Content_Types].xml", types.as_bytes()),
        deflated(
            "_rels/.rels",
            RELS.replace("MAIN", "word/document.xml").as_bytes(),
        ),
        deflated("word/document.xml", document.as_bytes()),
    ]
}

pub fn docx() -> Vec<u8> {
    zip(&docx_entries("Đơn đề nghị cấp bản sao trích lục khai sinh"))
}

pub fn xlsx() -> Vec<u8> {
    let types = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>"#;
    let workbook = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>"#;
    let workbook_rels = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>"#;
    let sheet = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData><row r="1"><c r="A1"><v>42</v></c></row></sheetData></worksheet>"#;
    zip(&[
        deflated("[Content_Types].xml", types.as_bytes()),
        deflated(
            "_rels/.rels",
            RELS.replace("MAIN", "xl/workbook.xml").as_bytes(),
        ),
        deflated("xl/workbook.xml", workbook.as_bytes()),
        deflated("xl/_rels/workbook.xml.rels", workbook_rels.as_bytes()),
        deflated("xl/worksheets/sheet1.xml", sheet.as_bytes()),
    ])
}

/// An OpenDocument package of the given kind (`"text"` or `"spreadsheet"`).
pub fn odf(kind: &str) -> Vec<u8> {
    let media_type = format!("application/vnd.oasis.opendocument.{kind}");
    let manifest = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2"><manifest:file-entry manifest:full-path="/" manifest:media-type="{media_type}"/><manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/></manifest:manifest>"#
    );
    let content = r#"<?xml version="1.0" encoding="UTF-8"?>
<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" office:version="1.2"><office:body/></office:document-content>"#;
    zip(&[
        stored("mimetype", media_type.as_bytes()),
        deflated("META-INF/manifest.xml", manifest.as_bytes()),
        deflated("content.xml", content.as_bytes()),
    ])
}

/// Real WebP files of 3 × 2 pixels written by libwebp: lossless (VP8L), lossy (VP8) and lossy
/// with alpha (VP8X extended header).
pub const WEBP_LIBWEBP_3X2: [&str; 3] = [
    "524946461e000000574542505650384c110000002f0240000007508f2217a5ff8188e87f0000",
    "52494646340000005745425056503820280000009001009d012a0300020002c04c25a00274ba00039800feed4ddebbc5a51affe7a67f5b7f1ff8c800",
    "524946465600000057454250565038580a00000010000000020000010000414c504807000000008080808080800056503820280000009001009d012a0300020002c04c25a00274ba00039800feed4ddebbc5a51affe7a67f5b7f1ff8c800",
];

pub fn webp_libwebp() -> Vec<Vec<u8>> {
    WEBP_LIBWEBP_3X2
        .iter()
        .map(|h| hex::decode(h).unwrap())
        .collect()
}
