//! Every form renders to a PDF with the font embedded and its text extractable.

use crate::fixtures::{self, CODE, STATUS_URL};
use crate::pdf_tools::{contains, page_count, pdftotext, scratch};
use tinhso_forms::{render, Form};

/// Set TINHSO_FORMS_PREVIEW_DIR to keep the rendered PDFs (to look at them with pdftoppm).
fn keep_preview(name: &str, pdf: &[u8]) {
    if let Ok(dir) = std::env::var("TINHSO_FORMS_PREVIEW_DIR") {
        std::fs::create_dir_all(&dir).expect("preview dir");
        std::fs::write(std::path::Path::new(&dir).join(format!("{name}.pdf")), pdf)
            .expect("write preview");
    }
}

fn name_of(form: &Form) -> String {
    format!("mau-{}", form.number())
}

#[test]
fn every_form_renders_a_pdf_with_the_font_embedded_and_subset() {
    for form in fixtures::all_forms() {
        let pdf = render(&form, STATUS_URL).expect("renders");
        keep_preview(&name_of(&form), &pdf);
        assert!(pdf.starts_with(b"%PDF-"), "Mẫu {}", form.number());
        assert!(
            contains(&pdf, "/FontFile2"),
            "Mẫu {}: TrueType embedded",
            form.number()
        );
        assert!(
            contains(&pdf, "/ToUnicode"),
            "Mẫu {}: text extractable",
            form.number()
        );
        assert!(
            contains(&pdf, "+NotoSerif-Regular"),
            "Mẫu {}: subset regular",
            form.number()
        );
        assert!(
            contains(&pdf, "+NotoSerif-Bold"),
            "Mẫu {}: subset bold",
            form.number()
        );
        // Subsetting keeps the file small although the two fonts weigh 1.2 MB.
        assert!(
            pdf.len() < 200_000,
            "Mẫu {}: {} bytes",
            form.number(),
            pdf.len()
        );
        assert!(page_count(&pdf) >= 1);
    }
}

#[test]
fn rendering_is_deterministic() {
    let a = render(&fixtures::receipt(), STATUS_URL).expect("renders");
    let b = render(&fixtures::receipt(), STATUS_URL).expect("renders");
    assert_eq!(a, b);
}

#[test]
fn the_receipt_reads_back_as_vietnamese_text() {
    let pdf = render(&fixtures::receipt(), STATUS_URL).expect("renders");
    let dir = scratch("receipt-text");
    let Some(text) = pdftotext(&pdf, &dir, "receipt") else {
        println!("SKIPPED: pdftotext not on PATH (Debian package poppler-utils)");
        return;
    };
    for expected in [
        "Mẫu số 01",
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập - Tự do - Hạnh phúc",
        "ỦY BAN NHÂN DÂN TỈNH VĨNH LONG",
        "Vĩnh Long, ngày 13 tháng 02 năm 2026",
        "GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ",
        // The footer keeps the title in sentence case.
        "Giấy tiếp nhận hồ sơ và hẹn trả kết quả",
        CODE,
        "Nguyễn Thị Hồng Nhung",
        "Đăng ký khai sinh có yếu tố nước ngoài (mã thủ tục 1.001193)",
        "09 giờ 30, ngày 13 tháng 02 năm 2026",
        "16 giờ 00, ngày 27 tháng 02 năm 2026",
        "10 ngày làm việc",
        "Giấy chứng sinh do cơ sở y tế cấp",
        "NGƯỜI TIẾP NHẬN HỒ SƠ",
        "Trần Văn Đức",
        STATUS_URL,
        "Trang 1/1",
    ] {
        assert!(
            squeeze(&text).contains(&squeeze(expected)),
            "missing {expected:?} in:\n{text}"
        );
    }
}

#[test]
fn each_form_prints_its_own_content() {
    let cases: Vec<(Form, Vec<&str>)> = vec![
        (
            fixtures::supplement(),
            vec![
                "Mẫu số 02",
                "PHIẾU YÊU CẦU BỔ SUNG, HOÀN THIỆN HỒ SƠ",
                "Ghi đầy đủ ngày, tháng, năm sinh",
                "không tính vào thời hạn giải quyết",
                "NGƯỜI HƯỚNG DẪN",
                "Lê Thị Thu Hà",
                "0270 3822 111",
            ],
        ),
        (
            fixtures::refusal(),
            vec![
                "Mẫu số 03",
                "PHIẾU TỪ CHỐI TIẾP NHẬN GIẢI QUYẾT HỒ SƠ",
                "không xuất trình được giấy tờ tùy thân",
            ],
        ),
        (
            fixtures::apology(),
            vec![
                "Mẫu số 04",
                "VĂN BẢN XIN LỖI VÀ ĐỀ NGHỊ GIA HẠN",
                "Kính gửi: Nguyễn Thị Hồng Nhung",
                // Both appointments: the missed one and the new one.
                "16 giờ 00, ngày 27 tháng 02 năm 2026",
                "16 giờ 00, ngày 06 tháng 3 năm 2026",
                "KT. GIÁM ĐỐC",
                "PHÓ GIÁM ĐỐC",
                "Phạm Quốc Việt",
                "Nơi nhận:",
            ],
        ),
        (
            fixtures::stop(),
            vec![
                "Mẫu số 05",
                "THÔNG BÁO DỪNG GIẢI QUYẾT HỒ SƠ",
                "đề nghị dừng giải quyết hồ sơ",
                "Căn cứ: Nghị định số 118/2025/NĐ-CP",
                "Võ Thành Long",
            ],
        ),
        (
            fixtures::control_slip(4),
            vec![
                "Mẫu số 06",
                "PHIẾU KIỂM SOÁT QUÁ TRÌNH GIẢI QUYẾT HỒ SƠ",
                "Sở Tư pháp tỉnh Vĩnh Long",
                "Công an tỉnh Vĩnh Long",
                "Thẩm định",
                "Trước hạn",
                "Đúng hạn",
                "Quá hạn",
                "2 ngày",
                "45 phút",
            ],
        ),
        (
            fixtures::register(12),
            vec![
                "Mẫu số 07",
                "SỔ THEO DÕI HỒ SƠ",
                "Từ ngày 01/02/2026 đến ngày 28/02/2026",
                "000.00.04.H40-260213-0012",
                "Cấp phiếu lý lịch tư pháp",
            ],
        ),
    ];
    let dir = scratch("each-form");
    for (form, expected) in cases {
        let pdf = render(&form, STATUS_URL).expect("renders");
        let Some(text) = pdftotext(&pdf, &dir, &name_of(&form)) else {
            println!("SKIPPED: pdftotext not on PATH (Debian package poppler-utils)");
            return;
        };
        // Table cells and wrapped lines may break a phrase; compare with spaces squeezed.
        let flat = squeeze(&text);
        for e in expected {
            assert!(
                flat.contains(&squeeze(e)),
                "Mẫu {}: missing {e:?} in:\n{text}",
                form.number()
            );
        }
    }
}

fn squeeze(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[test]
fn long_tables_continue_on_new_pages_with_their_header() {
    let dir = scratch("pagination");
    for (form, column) in [
        (fixtures::control_slip(40), "Bước xử lý"),
        (fixtures::register(60), "Mã hồ sơ"),
    ] {
        let pdf = render(&form, STATUS_URL).expect("renders");
        keep_preview(&format!("{}-long", name_of(&form)), &pdf);
        let pages = page_count(&pdf);
        assert!(pages >= 2, "Mẫu {}: {pages} page(s)", form.number());
        let Some(text) = pdftotext(&pdf, &dir, &name_of(&form)) else {
            println!("SKIPPED: pdftotext not on PATH (Debian package poppler-utils)");
            continue;
        };
        let texts: Vec<&str> = text
            .split('\u{c}')
            .filter(|p| !p.trim().is_empty())
            .collect();
        assert_eq!(texts.len(), pages);
        for (i, page) in texts.iter().enumerate() {
            assert!(page.contains(column), "page {} lacks the header row", i + 1);
            assert!(
                page.contains(&format!("Trang {}/{}", i + 1, pages)),
                "page {} lacks its number",
                i + 1
            );
        }
    }
}

#[test]
fn the_register_has_no_qr_code_and_ignores_the_status_url() {
    let with = render(&fixtures::register(3), STATUS_URL).expect("renders");
    let without = render(&fixtures::register(3), "").expect("renders");
    assert_eq!(with, without);
}

#[test]
fn an_empty_status_url_gives_a_form_without_qr_code() {
    let pdf = render(&fixtures::receipt(), "").expect("renders");
    assert!(pdf.starts_with(b"%PDF-"));
}

#[test]
fn decomposed_vietnamese_input_still_renders() {
    // NFD text (base letters followed by combining marks), as some sources store it.
    let mut form = fixtures::receipt();
    if let Form::Receipt01(r) = &mut form {
        r.dossier.applicant_name = "Nguye\u{302}\u{303}n Thi\u{323} Ho\u{302}\u{300}ng".to_owned();
    }
    let pdf = render(&form, STATUS_URL).expect("renders");
    let dir = scratch("nfd");
    if let Some(text) = pdftotext(&pdf, &dir, "nfd") {
        assert!(text.contains("Nguy"), "{text}");
    }
}

#[test]
fn odd_input_renders_without_panicking() {
    // Empty lists, empty strings, characters the font lacks, a very long unbroken value.
    let mut form = fixtures::refusal();
    if let Form::Refusal03(r) = &mut form {
        r.reasons.clear();
        r.dossier.components.clear();
        r.dossier.applicant_name = "Trần 🙂 李 \u{0} \t".to_owned();
        r.dossier.applicant_address = "x".repeat(2_000);
        r.dossier.phone = Some(String::new());
        r.dossier.email = None;
        r.header.parent_agency_name.clear();
        r.header.document_number = None;
        r.header.place.clear();
    }
    let pdf = render(&form, STATUS_URL).expect("renders");
    assert!(pdf.starts_with(b"%PDF-"));
    let long = render(&fixtures::control_slip(300), STATUS_URL).expect("renders");
    assert!(page_count(&long) >= 15, "{} pages", page_count(&long));
}

#[test]
fn a_status_url_too_long_for_a_qr_code_is_an_error() {
    let url = format!("https://example.vn/?{}", "a".repeat(4_000));
    assert!(matches!(
        render(&fixtures::receipt(), &url),
        Err(tinhso_forms::FormError::QrCode(_))
    ));
}
