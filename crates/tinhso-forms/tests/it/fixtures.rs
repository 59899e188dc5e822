//! Sample forms for a dossier received at the Vĩnh Long public administrative service centre.

use jiff::civil::{date, DateTime};
use tinhso_forms::{
    Apology, ControlSlip, DossierComponent, DossierSummary, Form, FormHeader, ProcessStep, Receipt,
    Refusal, Register, RegisterRow, Signer, StepOutcome, StopNotice, SupplementItem,
    SupplementRequest,
};

pub const CODE: &str = "000.00.04.H40-260213-0002";
pub const STATUS_URL: &str =
    "https://dichvucong.vinhlong.example/tra-cuu?ma=000.00.04.H40-260213-0002";

fn at(y: i16, m: i8, d: i8, h: i8, min: i8) -> DateTime {
    date(y, m, d).at(h, min, 0, 0)
}

pub fn header() -> FormHeader {
    FormHeader {
        parent_agency_name: "Ủy ban nhân dân tỉnh Vĩnh Long".to_owned(),
        agency_name: "Trung tâm Phục vụ hành chính công tỉnh Vĩnh Long".to_owned(),
        document_number: Some("125/TTPVHCC".to_owned()),
        place: "Vĩnh Long".to_owned(),
        date: date(2026, 2, 13),
    }
}

pub fn dossier() -> DossierSummary {
    DossierSummary {
        code: CODE.to_owned(),
        procedure_code: "1.001193".to_owned(),
        procedure_name: "Đăng ký khai sinh có yếu tố nước ngoài".to_owned(),
        applicant_name: "Nguyễn Thị Hồng Nhung".to_owned(),
        applicant_address: "Số 12, đường Phạm Thái Bường, phường Phước Hậu, tỉnh Vĩnh Long".to_owned(),
        phone: Some("0903 123 456".to_owned()),
        email: Some("nhung.nguyen@example.vn".to_owned()),
        received_at: at(2026, 2, 13, 9, 30),
        due_at: at(2026, 2, 27, 16, 0),
        components: vec![
            DossierComponent {
                name: "Tờ khai đăng ký khai sinh (theo mẫu)".to_owned(),
                originals: 1,
                copies: 0,
            },
            DossierComponent {
                name: "Giấy chứng sinh do cơ sở y tế cấp".to_owned(),
                originals: 1,
                copies: 0,
            },
            DossierComponent {
                name: "Văn bản thỏa thuận của cha, mẹ về việc chọn quốc tịch cho con, có chứng thực chữ ký".to_owned(),
                originals: 1,
                copies: 1,
            },
        ],
        receiving_officer: "Trần Văn Đức".to_owned(),
    }
}

pub fn receipt() -> Form {
    Form::Receipt01(Receipt {
        header: header(),
        dossier: dossier(),
        processing_time: "10 ngày làm việc".to_owned(),
        sets: 1,
        result_delivery: "Trực tiếp tại Bộ phận Một cửa".to_owned(),
    })
}

pub fn supplement() -> Form {
    Form::Supplement02(SupplementRequest {
        header: header(),
        dossier: dossier(),
        items: vec![
            SupplementItem {
                document: "Tờ khai đăng ký khai sinh".to_owned(),
                requirement: "Ghi đầy đủ ngày, tháng, năm sinh và nơi cư trú của người mẹ"
                    .to_owned(),
            },
            SupplementItem {
                document: "Giấy tờ tùy thân của người cha".to_owned(),
                requirement: "Bổ sung bản dịch tiếng Việt có chứng thực của hộ chiếu".to_owned(),
            },
        ],
        instructing_officer: "Lê Thị Thu Hà".to_owned(),
        contact_phone: Some("0270 3822 111".to_owned()),
    })
}

pub fn refusal() -> Form {
    Form::Refusal03(Refusal {
        header: header(),
        dossier: dossier(),
        reasons: vec![
            "Yêu cầu không thuộc thẩm quyền giải quyết của Ủy ban nhân dân tỉnh.".to_owned(),
            "Người nộp hồ sơ không xuất trình được giấy tờ tùy thân.".to_owned(),
        ],
    })
}

pub fn apology() -> Form {
    Form::Apology04(Apology {
        header: header(),
        dossier: dossier(),
        previous_due_at: at(2026, 2, 27, 16, 0),
        new_due_at: at(2026, 3, 6, 16, 0),
        reasons: vec![
            "Cần xác minh thông tin với cơ quan đại diện của Việt Nam ở nước ngoài.".to_owned(),
        ],
        signer: Signer {
            position: "KT. Giám đốc\nPhó Giám đốc".to_owned(),
            name: "Phạm Quốc Việt".to_owned(),
        },
    })
}

pub fn stop() -> Form {
    Form::Stop05(StopNotice {
        header: header(),
        dossier: dossier(),
        reasons: vec!["Người yêu cầu đã có văn bản đề nghị dừng giải quyết hồ sơ.".to_owned()],
        legal_basis: Some(
            "Nghị định số 118/2025/NĐ-CP ngày 09 tháng 6 năm 2025 của Chính phủ".to_owned(),
        ),
        return_note: Some("Hồ sơ đã nộp được trả lại tại Bộ phận Một cửa.".to_owned()),
        signer: Signer {
            position: "Giám đốc".to_owned(),
            name: "Võ Thành Long".to_owned(),
        },
    })
}

/// A control slip with `steps` steps (many steps force page breaks).
pub fn control_slip(steps: usize) -> Form {
    let names = [
        (
            "Tiếp nhận, kiểm tra hồ sơ",
            "Bộ phận Một cửa",
            "Trần Văn Đức",
        ),
        ("Thẩm định hồ sơ", "Phòng Hộ tịch", "Nguyễn Văn Ẩn"),
        ("Trình ký", "Lãnh đạo Sở Tư pháp", "Đặng Thị Ửng"),
        ("Ký duyệt, đóng dấu", "Văn thư", "Hồ Ngọc Yến"),
    ];
    let steps = (0..steps)
        .map(|i| {
            let (name, unit, actor) = names[i % names.len()];
            let outcome = match i % 3 {
                0 => StepOutcome::Early,
                1 => StepOutcome::OnTime,
                _ => StepOutcome::Late,
            };
            ProcessStep {
                name: name.to_owned(),
                unit: unit.to_owned(),
                actor: actor.to_owned(),
                started_at: at(2026, 2, 13, 9, 30),
                finished_at: Some(at(2026, 2, 16, 10, 15)),
                allowance_minutes: 480 * 2,
                used_minutes: Some(480 + 285),
                outcome,
                note: String::new(),
            }
        })
        .collect();
    Form::ControlSlip06(ControlSlip {
        header: header(),
        dossier: dossier(),
        handling_agency: "Sở Tư pháp tỉnh Vĩnh Long".to_owned(),
        coordinating_agencies: vec!["Công an tỉnh Vĩnh Long".to_owned()],
        steps,
    })
}

pub fn register_rows(count: u32) -> Vec<RegisterRow> {
    (1..=count)
        .map(|i| RegisterRow {
            seq: i,
            dossier_code: format!("000.00.04.H40-260213-{i:04}"),
            procedure_name: "Cấp phiếu lý lịch tư pháp cho công dân Việt Nam".to_owned(),
            sets: 1,
            applicant_name: format!("Lê Văn Bảy {i}"),
            applicant_contact: "Xã Long Hồ, tỉnh Vĩnh Long – 0919 000 111".to_owned(),
            handling_agency: "Sở Tư pháp".to_owned(),
            received_at: at(2026, 2, 13, 8, 15),
            due_at: at(2026, 2, 27, 16, 0),
            transferred_at: Some(at(2026, 2, 13, 10, 0)),
            result_at: if i % 2 == 0 {
                Some(at(2026, 2, 26, 14, 0))
            } else {
                None
            },
            delivered_at: None,
            note: if i == 3 {
                "=1+1 trả qua bưu chính".to_owned()
            } else {
                String::new()
            },
        })
        .collect()
}

pub fn register(count: u32) -> Form {
    Form::Register07(Register {
        header: header(),
        period: "Từ ngày 01/02/2026 đến ngày 28/02/2026".to_owned(),
        rows: register_rows(count),
    })
}

pub fn all_forms() -> Vec<Form> {
    vec![
        receipt(),
        supplement(),
        refusal(),
        apology(),
        stop(),
        control_slip(4),
        register(12),
    ]
}
