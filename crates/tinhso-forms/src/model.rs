//! The plain data each form prints. The caller (the application layer) fills these from its
//! dossiers; nothing here reads a database or a clock.
//!
//! Times are civil date-times in the province's time (Asia/Ho_Chi_Minh), as printed.

use jiff::civil::{Date, DateTime};

/// The heading of every form: the issuing agency under its parent (cơ quan chủ quản), the
/// document number if the agency numbers it, and the place and date of issue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FormHeader {
    /// The parent agency, e.g. "UBND TỈNH VĨNH LONG". May be empty.
    pub parent_agency_name: String,
    /// The issuing agency or one-stop unit, e.g. "TRUNG TÂM PHỤC VỤ HÀNH CHÍNH CÔNG".
    pub agency_name: String,
    /// "15/TB-TTPVHCC" (printed as "Số: 15/TB-TTPVHCC"), if numbered.
    pub document_number: Option<String>,
    /// The place name of the date line, e.g. "Vĩnh Long".
    pub place: String,
    /// The date of issue.
    pub date: Date,
}

/// One document handed in (thành phần hồ sơ), with how many originals and copies.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DossierComponent {
    pub name: String,
    /// Bản chính.
    pub originals: u32,
    /// Bản sao.
    pub copies: u32,
}

/// What every per-dossier form says about the dossier.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DossierSummary {
    /// The dossier code (domain.md §5.2), e.g. "000.00.04.H40-230414-0002".
    pub code: String,
    /// The procedure code, e.g. "1.001234".
    pub procedure_code: String,
    pub procedure_name: String,
    /// The applicant (chủ hồ sơ): a person or an organisation.
    pub applicant_name: String,
    pub applicant_address: String,
    pub phone: Option<String>,
    pub email: Option<String>,
    /// When the dossier was received.
    pub received_at: DateTime,
    /// The appointment for the result (ngày hẹn trả) as given on the receipt.
    pub due_at: DateTime,
    pub components: Vec<DossierComponent>,
    /// The one-stop officer who received it.
    pub receiving_officer: String,
}

/// Who signs a letter on behalf of the agency, e.g. position "GIÁM ĐỐC" or
/// "KT. GIÁM ĐỐC\nPHÓ GIÁM ĐỐC" (one line per `\n`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Signer {
    pub position: String,
    pub name: String,
}

/// Mẫu 01: Giấy tiếp nhận hồ sơ và hẹn trả kết quả, issued when the dossier is accepted
/// (status 2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Receipt {
    pub header: FormHeader,
    pub dossier: DossierSummary,
    /// The procedure's time limit as the catalog states it, e.g. "10 ngày làm việc".
    pub processing_time: String,
    /// Số lượng hồ sơ (bộ): how many sets were handed in.
    pub sets: u32,
    /// How the applicant will receive the result, e.g. "Trực tiếp tại Bộ phận Một cửa" or
    /// "Qua dịch vụ bưu chính công ích".
    pub result_delivery: String,
}

/// One thing the applicant must add or correct.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SupplementItem {
    /// The document concerned, e.g. "Tờ khai đăng ký khai sinh".
    pub document: String,
    /// What to do and why, e.g. "Ghi đầy đủ ngày, tháng, năm sinh của người mẹ".
    pub requirement: String,
}

/// Mẫu 02: Phiếu yêu cầu bổ sung, hoàn thiện hồ sơ (status 5; the clock is paused).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SupplementRequest {
    pub header: FormHeader,
    pub dossier: DossierSummary,
    pub items: Vec<SupplementItem>,
    /// The officer who explains the request (người hướng dẫn).
    pub instructing_officer: String,
    /// A phone number to ask for help.
    pub contact_phone: Option<String>,
}

/// Mẫu 03: Phiếu từ chối tiếp nhận giải quyết hồ sơ (status 3).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    pub header: FormHeader,
    pub dossier: DossierSummary,
    /// Each reason, specific (the law asks for the concrete reason, not a category).
    pub reasons: Vec<String>,
}

/// Mẫu 04: Văn bản xin lỗi và đề nghị gia hạn, issued before the appointment passes
/// (domain.md §3 "Late"): both appointments are printed and kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Apology {
    pub header: FormHeader,
    pub dossier: DossierSummary,
    /// The appointment that will be missed (NgayHenTraTruoc).
    pub previous_due_at: DateTime,
    /// The new appointment (NgayHenTraMoi).
    pub new_due_at: DateTime,
    /// Why the dossier is late.
    pub reasons: Vec<String>,
    pub signer: Signer,
}

/// Mẫu 05: Thông báo dừng giải quyết (status 8).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StopNotice {
    pub header: FormHeader,
    pub dossier: DossierSummary,
    pub reasons: Vec<String>,
    /// The legal ground the agency relies on, cited as it wants it printed.
    pub legal_basis: Option<String>,
    /// What happens to the papers and any fee paid, e.g. "Hồ sơ được trả lại tại ...".
    pub return_note: Option<String>,
    pub signer: Signer,
}

/// How a step, or a dossier, ended against its allowance (domain.md §3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum StepOutcome {
    /// Trước hạn.
    Early,
    /// Đúng hạn.
    OnTime,
    /// Quá hạn.
    Late,
    /// Not finished yet (đang xử lý).
    InProgress,
}

impl StepOutcome {
    /// The label printed on the forms.
    pub fn label(self) -> &'static str {
        match self {
            Self::Early => "Trước hạn",
            Self::OnTime => "Đúng hạn",
            Self::Late => "Quá hạn",
            Self::InProgress => "Đang xử lý",
        }
    }
}

/// One step of the internal process as the control slip shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProcessStep {
    /// What the step is, e.g. "Thẩm định hồ sơ".
    pub name: String,
    /// The unit in charge, e.g. "Phòng Tư pháp".
    pub unit: String,
    /// The person who did it.
    pub actor: String,
    /// When the step received the dossier.
    pub started_at: DateTime,
    /// When it handed the dossier on; `None` while in progress.
    pub finished_at: Option<DateTime>,
    /// The working time the process allots to this step, in minutes (8 h a working day).
    pub allowance_minutes: u32,
    /// The working time used, in minutes; `None` while in progress.
    pub used_minutes: Option<u32>,
    pub outcome: StepOutcome,
    pub note: String,
}

/// Mẫu 06: Phiếu kiểm soát quá trình giải quyết hồ sơ.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ControlSlip {
    pub header: FormHeader,
    pub dossier: DossierSummary,
    /// Cơ quan chủ trì giải quyết.
    pub handling_agency: String,
    /// Cơ quan phối hợp (inter-agency processing), if any.
    pub coordinating_agencies: Vec<String>,
    pub steps: Vec<ProcessStep>,
}

/// One dossier in the register (Mẫu 07) and in its CSV/XLSX export.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegisterRow {
    /// Số thứ tự in the book.
    pub seq: u32,
    pub dossier_code: String,
    pub procedure_name: String,
    /// Số lượng hồ sơ (bộ).
    pub sets: u32,
    pub applicant_name: String,
    /// Address and phone, as one text.
    pub applicant_contact: String,
    /// Cơ quan chủ trì giải quyết.
    pub handling_agency: String,
    pub received_at: DateTime,
    pub due_at: DateTime,
    /// When the one-stop unit passed it to the handling agency.
    pub transferred_at: Option<DateTime>,
    /// When the result came back to the one-stop unit.
    pub result_at: Option<DateTime>,
    /// When the result was handed to the applicant.
    pub delivered_at: Option<DateTime>,
    pub note: String,
}

/// Mẫu 07: Sổ theo dõi hồ sơ, a table of many dossiers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Register {
    pub header: FormHeader,
    /// The period covered, e.g. "Từ ngày 01/02/2026 đến ngày 28/02/2026". May be empty.
    pub period: String,
    pub rows: Vec<RegisterRow>,
}

/// Any of the seven forms of TT 03/2025/TT-VPCP Phụ lục I (domain.md §5.3).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Form {
    Receipt01(Receipt),
    Supplement02(SupplementRequest),
    Refusal03(Refusal),
    Apology04(Apology),
    Stop05(StopNotice),
    ControlSlip06(ControlSlip),
    Register07(Register),
}

impl Form {
    /// "01" … "07".
    pub fn number(&self) -> &'static str {
        match self {
            Self::Receipt01(_) => "01",
            Self::Supplement02(_) => "02",
            Self::Refusal03(_) => "03",
            Self::Apology04(_) => "04",
            Self::Stop05(_) => "05",
            Self::ControlSlip06(_) => "06",
            Self::Register07(_) => "07",
        }
    }

    /// The form's title as printed.
    pub fn title(&self) -> &'static str {
        match self {
            Self::Receipt01(_) => "Giấy tiếp nhận hồ sơ và hẹn trả kết quả",
            Self::Supplement02(_) => "Phiếu yêu cầu bổ sung, hoàn thiện hồ sơ",
            Self::Refusal03(_) => "Phiếu từ chối tiếp nhận giải quyết hồ sơ",
            Self::Apology04(_) => "Văn bản xin lỗi và đề nghị gia hạn",
            Self::Stop05(_) => "Thông báo dừng giải quyết hồ sơ",
            Self::ControlSlip06(_) => "Phiếu kiểm soát quá trình giải quyết hồ sơ",
            Self::Register07(_) => "Sổ theo dõi hồ sơ",
        }
    }

    pub fn header(&self) -> &FormHeader {
        match self {
            Self::Receipt01(f) => &f.header,
            Self::Supplement02(f) => &f.header,
            Self::Refusal03(f) => &f.header,
            Self::Apology04(f) => &f.header,
            Self::Stop05(f) => &f.header,
            Self::ControlSlip06(f) => &f.header,
            Self::Register07(f) => &f.header,
        }
    }

    /// The dossier the form is about; `None` for the register.
    pub fn dossier(&self) -> Option<&DossierSummary> {
        match self {
            Self::Receipt01(f) => Some(&f.dossier),
            Self::Supplement02(f) => Some(&f.dossier),
            Self::Refusal03(f) => Some(&f.dossier),
            Self::Apology04(f) => Some(&f.dossier),
            Self::Stop05(f) => Some(&f.dossier),
            Self::ControlSlip06(f) => Some(&f.dossier),
            Self::Register07(_) => None,
        }
    }
}
