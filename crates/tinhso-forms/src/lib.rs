//! # tinhso-forms
//!
//! The official forms of TT 03/2025/TT-VPCP Phụ lục I (domain.md §5.3) as printable PDFs, and
//! the dossier register as CSV and XLSX.
//!
//! | Mẫu | [`Form`] variant | Input |
//! |---|---|---|
//! | 01 Giấy tiếp nhận hồ sơ và hẹn trả kết quả | [`Form::Receipt01`] | [`Receipt`] |
//! | 02 Phiếu yêu cầu bổ sung, hoàn thiện hồ sơ | [`Form::Supplement02`] | [`SupplementRequest`] |
//! | 03 Phiếu từ chối tiếp nhận giải quyết hồ sơ | [`Form::Refusal03`] | [`Refusal`] |
//! | 04 Văn bản xin lỗi và đề nghị gia hạn | [`Form::Apology04`] | [`Apology`] |
//! | 05 Thông báo dừng giải quyết | [`Form::Stop05`] | [`StopNotice`] |
//! | 06 Phiếu kiểm soát quá trình giải quyết hồ sơ | [`Form::ControlSlip06`] | [`ControlSlip`] |
//! | 07 Sổ theo dõi hồ sơ | [`Form::Register07`] | [`Register`] |
//!
//! [`render`] turns a form into PDF bytes: A4 (the register in landscape), the agency block
//! and the national heading, the form number, the title, the dossier code as text and as a
//! QR code of the public status page, Vietnamese dates ("ngày 13 tháng 02 năm 2026",
//! "16 giờ 00"), tables that continue on the next page with their header repeated, and
//! "Trang i/n" in the footer. The text is real text in an embedded, subset Noto Serif (it
//! covers every Vietnamese letter), so it can be searched and copied.
//! [`register_csv`] and [`register_xlsx`] export the register's rows.
//!
//! Pure: no storage, no HTTP, no clock. The caller passes plain data and gets bytes back.

#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]

mod font;
mod forms;
mod layout;
mod model;
mod pdf;
mod qr;
mod register;
pub mod vn;

pub use model::{
    Apology, ControlSlip, DossierComponent, DossierSummary, Form, FormHeader, ProcessStep, Receipt,
    Refusal, Register, RegisterRow, Signer, StepOutcome, StopNotice, SupplementItem,
    SupplementRequest,
};
pub use qr::QrMatrix;
pub use register::{register_csv, register_xlsx, table_csv, table_xlsx};

use layout::{Flow, Orientation};

/// Why a form could not be produced.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum FormError {
    /// The embedded font could not be read (a broken build).
    #[error("không đọc được phông chữ nhúng {0} (embedded font unreadable)")]
    Font(String),
    /// The status URL does not fit in a QR code.
    #[error("không tạo được mã QR: {0} (QR code)")]
    QrCode(String),
    /// The PDF writer failed.
    #[error("không tạo được tệp PDF: {0} (PDF)")]
    Pdf(String),
    /// The XLSX writer failed.
    #[error("không tạo được tệp XLSX: {0} (XLSX)")]
    Xlsx(String),
}

/// Renders `form` as a PDF.
///
/// `status_url` is the public status page of the form's dossier (e.g.
/// `https://dichvucong.example/tra-cuu?ma=000.00.04.H40-230414-0002`): forms 01–06 print it
/// as a QR code beside the dossier code and as text. The register (07) lists many dossiers
/// and has no QR code; it ignores `status_url`.
pub fn render(form: &Form, status_url: &str) -> Result<Vec<u8>, FormError> {
    let fonts = font::Fonts::load()?;
    let orientation = match form {
        Form::Register07(_) => Orientation::Landscape,
        _ => Orientation::Portrait,
    };
    let footer = match form.dossier() {
        Some(d) => format!(
            "Mẫu số {} – {} – Mã hồ sơ {}",
            form.number(),
            form.title(),
            d.code
        ),
        None => format!("Mẫu số {} – {}", form.number(), form.title()),
    };
    let mut flow = Flow::new(&fonts, orientation, footer);
    let qr = match form.dossier() {
        Some(d) if !status_url.is_empty() => Some((QrMatrix::encode(status_url)?, d.code.as_str())),
        _ => None,
    };
    forms::heading(
        &mut flow,
        form.header(),
        form.number(),
        form.title(),
        qr.as_ref().map(|(m, code)| (m, *code)),
    );
    match form {
        Form::Receipt01(f) => forms::receipt(&mut flow, f, status_url),
        Form::Supplement02(f) => forms::supplement(&mut flow, f, status_url),
        Form::Refusal03(f) => forms::refusal(&mut flow, f, status_url),
        Form::Apology04(f) => forms::apology(&mut flow, f, status_url),
        Form::Stop05(f) => forms::stop(&mut flow, f, status_url),
        Form::ControlSlip06(f) => forms::control_slip(&mut flow, f, status_url),
        Form::Register07(f) => forms::register(&mut flow, f),
    }
    let pages = flow.finish();
    let title = match form.dossier() {
        Some(d) => format!("{} – {}", form.title(), d.code),
        None => form.title().to_owned(),
    };
    pdf::write(&pages, &fonts, &title)
}
