//! The register exported as CSV and XLSX.

use std::io::Read;

use crate::fixtures::register_rows;
use tinhso_forms::{register_csv, register_xlsx};

#[test]
fn csv_has_a_bom_a_header_and_one_line_per_dossier() {
    let csv = register_csv(&register_rows(5));
    assert!(csv.starts_with('\u{feff}'), "UTF-8 BOM for Excel");
    let lines: Vec<&str> = csv.trim_start_matches('\u{feff}').split("\r\n").collect();
    assert_eq!(lines.len(), 7, "header + 5 rows + trailing empty");
    assert_eq!(lines[6], "");
    assert_eq!(
        lines[0],
        "STT,Mã hồ sơ,Tên thủ tục hành chính,Số bộ,\"Tên cá nhân, tổ chức\",\
         \"Địa chỉ, số điện thoại\",Cơ quan chủ trì giải quyết,Ngày nhận hồ sơ,\
         Ngày hẹn trả kết quả,Chuyển cơ quan giải quyết,Nhận kết quả,Đã trả kết quả,Ghi chú"
    );
    assert!(lines[1].starts_with("1,000.00.04.H40-260213-0001,Cấp phiếu lý lịch tư pháp"));
    assert!(lines[1].contains(",13/02/2026 08:15,27/02/2026 16:00,13/02/2026 10:00,,,"));
    // A field with a comma is quoted; applicant text that looks like a formula is defused.
    assert!(lines[1].contains("\"Xã Long Hồ, tỉnh Vĩnh Long – 0919 000 111\""));
    assert!(
        lines[3].ends_with(",'=1+1 trả qua bưu chính"),
        "{}",
        lines[3]
    );
    assert!(lines[2].contains(",26/02/2026 14:00,"));
}

#[test]
fn csv_of_no_rows_is_just_the_header() {
    let csv = register_csv(&[]);
    assert_eq!(csv.matches("\r\n").count(), 1);
}

fn zip_entry(xlsx: &[u8], name: &str) -> String {
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(xlsx)).expect("xlsx is a zip");
    let mut entry = archive.by_name(name).expect("entry present");
    let mut text = String::new();
    entry.read_to_string(&mut text).expect("utf-8 xml");
    text
}

#[test]
fn xlsx_holds_the_header_the_rows_and_real_dates() {
    let xlsx = register_xlsx(&register_rows(4)).expect("writes");
    assert!(xlsx.starts_with(b"PK\x03\x04"));
    let workbook = zip_entry(&xlsx, "xl/workbook.xml");
    assert!(workbook.contains("Sổ theo dõi hồ sơ"));
    let strings = zip_entry(&xlsx, "xl/sharedStrings.xml");
    for s in [
        "Mã hồ sơ",
        "Ngày hẹn trả kết quả",
        "000.00.04.H40-260213-0004",
        "Lê Văn Bảy 3",
    ] {
        assert!(strings.contains(s), "missing {s}");
    }
    let sheet = zip_entry(&xlsx, "xl/worksheets/sheet1.xml");
    // 13/02/2026 08:15 as an Excel serial date-time: 46066 + 8.25/24.
    assert!(
        sheet.contains("<v>46066.34375</v>"),
        "received_at as a date-time"
    );
    assert!(sheet.contains("<autoFilter ref=\"A1:M5\"/>"));
    assert!(sheet.contains("<pane ySplit=\"1\""));
}
