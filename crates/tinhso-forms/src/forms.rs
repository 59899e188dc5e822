//! The content of each form (TT 03/2025/TT-VPCP Phụ lục I, domain.md §5.3), in the usual
//! structure of Vietnamese administrative papers: the agency block on the left, the national
//! heading on the right, the place and date line, the form number, the title, the body, and
//! the signatures. The wording is ours, written from what each form is for.

use crate::font::Weight;
use crate::layout::{bold, col, regular, Align, Column, Flow, Signature, MM};
use crate::model::{
    Apology, ControlSlip, DossierSummary, FormHeader, Receipt, Refusal, Register, StopNotice,
    SupplementRequest,
};
use crate::qr::QrMatrix;
use crate::vn;

const BODY: f32 = 11.0;
const HEADING: f32 = 10.5;
const TITLE: f32 = 13.0;
const QR_SIDE: f32 = 24.0 * MM;

/// The agency and national heading block, the form number, the QR code (when given) and the
/// title. Leaves the cursor below the title.
pub(crate) fn heading(
    flow: &mut Flow<'_>,
    header: &FormHeader,
    number: &str,
    title: &str,
    qr: Option<(&QrMatrix, &str)>,
) {
    let fonts = flow.fonts();
    let lh = Flow::line_height(HEADING);
    let left = flow.left;
    let split = left + flow.content_width() * 0.45;
    let right = flow.right;

    // The form number, top right, above the national heading.
    let top = flow.y;
    flow.text_in(
        (split, right),
        top + 9.0,
        &format!("Mẫu số {number}"),
        Weight::Bold,
        9.0,
        Align::Right,
    );
    let top = top + 14.0;

    // Left: parent agency, agency (bold), a short rule, the document number.
    let mut y = top;
    for line in flow.wrap(
        &header.parent_agency_name.to_uppercase(),
        Weight::Regular,
        HEADING,
        split - left,
    ) {
        flow.text_in(
            (left, split),
            y + HEADING,
            &line,
            Weight::Regular,
            HEADING,
            Align::Center,
        );
        y += lh;
    }
    for line in flow.wrap(
        &header.agency_name.to_uppercase(),
        Weight::Bold,
        HEADING,
        split - left,
    ) {
        flow.text_in(
            (left, split),
            y + HEADING,
            &line,
            Weight::Bold,
            HEADING,
            Align::Center,
        );
        y += lh;
    }
    let mid = (left + split) / 2.0;
    flow.hline(mid - 15.0 * MM, mid + 15.0 * MM, y + 2.0, 0.6);
    y += 6.0;
    if let Some(number) = header.document_number.as_deref().filter(|n| !n.is_empty()) {
        flow.text_in(
            (left, split),
            y + HEADING,
            &format!("Số: {number}"),
            Weight::Regular,
            HEADING,
            Align::Center,
        );
        y += lh;
    }
    let left_bottom = y;

    // Right: the national heading (Quốc hiệu and Tiêu ngữ), the rule under the motto, the
    // place and date.
    let mut y = top;
    let nation = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM";
    flow.text_in(
        (split, right),
        y + HEADING,
        nation,
        Weight::Bold,
        HEADING,
        Align::Center,
    );
    y += lh;
    let motto = "Độc lập - Tự do - Hạnh phúc";
    let motto_size = HEADING + 0.5;
    flow.text_in(
        (split, right),
        y + motto_size,
        motto,
        Weight::Bold,
        motto_size,
        Align::Center,
    );
    let motto_width = fonts.width(motto, Weight::Bold, motto_size);
    let centre = (split + right) / 2.0;
    flow.hline(
        centre - motto_width / 2.0,
        centre + motto_width / 2.0,
        y + motto_size + 4.5,
        0.6,
    );
    y += lh + 8.0;
    let date_line = vn::place_and_date(&header.place, header.date);
    for line in flow.wrap(&date_line, Weight::Regular, HEADING, right - split) {
        flow.text_in(
            (split, right),
            y + HEADING,
            &line,
            Weight::Regular,
            HEADING,
            Align::Center,
        );
        y += lh;
    }
    let right_bottom = y;

    let mut y = left_bottom.max(right_bottom) + 4.0;
    // The QR code of the public status page, under the agency block, with its caption.
    // Scanners need a quiet zone of four modules around the symbol.
    if let Some((matrix, code)) = qr {
        let quiet = 4.0 * QR_SIDE / matrix.width() as f32;
        y += quiet;
        let x = mid - QR_SIDE / 2.0;
        flow.push(matrix.draw(x, y, QR_SIDE));
        y += QR_SIDE + quiet;
        flow.text_in(
            (left, split),
            y + 8.0,
            code,
            Weight::Regular,
            8.0,
            Align::Center,
        );
        y += 11.0;
        flow.text_in(
            (left, split),
            y + 7.5,
            "Quét mã để tra cứu hồ sơ",
            Weight::Regular,
            7.5,
            Align::Center,
        );
        y += 10.0;
    }
    flow.y = y + 8.0;
    flow.paragraph(
        &[bold(title.to_uppercase())],
        TITLE,
        0.0,
        0.0,
        Align::Center,
    );
    flow.gap(4.0);
}

/// "Mã hồ sơ: …", centred under the title.
fn code_line(flow: &mut Flow<'_>, code: &str) {
    flow.paragraph(
        &[regular("Mã hồ sơ: "), bold(code)],
        BODY + 0.5,
        0.0,
        0.0,
        Align::Center,
    );
    flow.gap(6.0);
}

/// The applicant and the request, as most forms repeat them.
fn applicant_fields(flow: &mut Flow<'_>, dossier: &DossierSummary) {
    flow.field("Ông/Bà/Tổ chức:", &dossier.applicant_name, BODY);
    if !dossier.applicant_address.is_empty() {
        flow.field("Địa chỉ:", &dossier.applicant_address, BODY);
    }
    let mut contact = Vec::new();
    if let Some(phone) = dossier.phone.as_deref().filter(|p| !p.is_empty()) {
        contact.push(regular("Số điện thoại: "));
        contact.push(bold(phone));
    }
    if let Some(email) = dossier.email.as_deref().filter(|e| !e.is_empty()) {
        if !contact.is_empty() {
            contact.push(regular(" – "));
        }
        contact.push(regular("Thư điện tử: "));
        contact.push(bold(email));
    }
    if !contact.is_empty() {
        flow.paragraph(&contact, BODY, 0.0, 0.0, Align::Left);
    }
    flow.field(
        "Nội dung yêu cầu giải quyết:",
        &procedure_text(dossier),
        BODY,
    );
}

fn procedure_text(dossier: &DossierSummary) -> String {
    if dossier.procedure_code.is_empty() {
        dossier.procedure_name.clone()
    } else {
        format!(
            "{} (mã thủ tục {})",
            dossier.procedure_name, dossier.procedure_code
        )
    }
}

/// A list of reasons, each on its own indented line starting with a dash.
fn dashed_list(flow: &mut Flow<'_>, items: &[String]) {
    for item in items {
        flow.paragraph(
            &[regular(format!("– {item}"))],
            BODY,
            6.0 * MM,
            9.0 * MM,
            Align::Left,
        );
    }
}

/// The sentence that tells where to follow the dossier.
fn status_hint(flow: &mut Flow<'_>, status_url: &str) {
    if status_url.is_empty() {
        return;
    }
    flow.gap(2.0);
    flow.paragraph(
        &[
            regular("Tra cứu tình trạng hồ sơ bằng mã hồ sơ hoặc quét mã QR trên phiếu này, tại địa chỉ: "),
            regular(status_url),
        ],
        BODY - 1.0,
        0.0,
        0.0,
        Align::Left,
    );
}

/// The recipients block of a letter ("Nơi nhận"), bottom left.
fn recipients(flow: &mut Flow<'_>, lines: &[&str]) {
    flow.gap(4.0);
    flow.paragraph(&[bold("Nơi nhận:")], 9.5, 0.0, 0.0, Align::Left);
    for line in lines {
        flow.paragraph(&[regular(format!("- {line}"))], 9.0, 0.0, 0.0, Align::Left);
    }
}

fn officer_signature(title: &str, name: &str) -> Signature {
    Signature {
        title: title.to_owned(),
        note: "(Ký và ghi rõ họ tên)".to_owned(),
        name: name.to_owned(),
    }
}

fn empty_signature() -> Signature {
    Signature {
        title: String::new(),
        note: String::new(),
        name: String::new(),
    }
}

fn agency_signature(position: &str, name: &str) -> Signature {
    Signature {
        title: position.to_uppercase(),
        note: "(Ký, ghi rõ họ tên và đóng dấu)".to_owned(),
        name: name.to_owned(),
    }
}

/// Mẫu 01: the receipt and appointment (issued on acceptance, status 2).
pub(crate) fn receipt(flow: &mut Flow<'_>, form: &Receipt, status_url: &str) {
    let d = &form.dossier;
    code_line(flow, &d.code);
    flow.para(
        &format!("{} đã tiếp nhận hồ sơ của:", form.header.agency_name),
        BODY,
    );
    applicant_fields(flow, d);
    flow.gap(3.0);
    flow.paragraph(
        &[bold("1. Thành phần hồ sơ đã nộp:")],
        BODY,
        0.0,
        0.0,
        Align::Left,
    );
    components_table(flow, d);
    flow.gap(4.0);
    flow.paragraph(
        &[
            regular("2. Số lượng hồ sơ: "),
            bold(format!("{} bộ", form.sets)),
        ],
        BODY,
        0.0,
        0.0,
        Align::Left,
    );
    flow.paragraph(
        &[
            regular("3. Thời hạn giải quyết theo quy định: "),
            bold(&form.processing_time),
        ],
        BODY,
        0.0,
        0.0,
        Align::Left,
    );
    flow.paragraph(
        &[
            regular("4. Thời điểm tiếp nhận hồ sơ: "),
            bold(vn::datetime_long(d.received_at)),
        ],
        BODY,
        0.0,
        0.0,
        Align::Left,
    );
    flow.paragraph(
        &[
            regular("5. Thời điểm hẹn trả kết quả: "),
            bold(vn::datetime_long(d.due_at)),
        ],
        BODY,
        0.0,
        0.0,
        Align::Left,
    );
    flow.paragraph(
        &[
            regular("6. Hình thức nhận kết quả: "),
            bold(&form.result_delivery),
        ],
        BODY,
        0.0,
        0.0,
        Align::Left,
    );
    flow.para(
        "Khi đến nhận kết quả, xin mang theo giấy này hoặc cho biết mã hồ sơ. Nếu có thay đổi về \
         thời điểm trả kết quả, cơ quan giải quyết sẽ thông báo và xin lỗi bằng văn bản.",
        BODY - 1.0,
    );
    status_hint(flow, status_url);
    flow.gap(8.0);
    flow.signatures(
        &[
            officer_signature("NGƯỜI NỘP HỒ SƠ", &d.applicant_name),
            officer_signature("NGƯỜI TIẾP NHẬN HỒ SƠ", &d.receiving_officer),
        ],
        BODY,
    );
}

fn components_table(flow: &mut Flow<'_>, d: &DossierSummary) {
    let columns: [Column; 4] = [
        col("STT", 0.7, Align::Center),
        col("Tên giấy tờ", 6.0, Align::Left),
        col("Bản chính", 1.3, Align::Center),
        col("Bản sao", 1.3, Align::Center),
    ];
    let rows: Vec<Vec<String>> = d
        .components
        .iter()
        .enumerate()
        .map(|(i, c)| {
            vec![
                (i + 1).to_string(),
                c.name.clone(),
                c.originals.to_string(),
                c.copies.to_string(),
            ]
        })
        .collect();
    flow.table(&columns, &rows, BODY - 1.0);
}

/// Mẫu 02: the supplement request (status 5: the clock is paused, domain.md §3 "Pauses").
pub(crate) fn supplement(flow: &mut Flow<'_>, form: &SupplementRequest, status_url: &str) {
    let d = &form.dossier;
    code_line(flow, &d.code);
    flow.para(
        &format!(
            "{} đã tiếp nhận hồ sơ vào lúc {} của:",
            form.header.agency_name,
            vn::datetime_long(d.received_at)
        ),
        BODY,
    );
    applicant_fields(flow, d);
    flow.gap(3.0);
    flow.para(
        "Qua kiểm tra, hồ sơ chưa đủ hoặc chưa đúng theo quy định. Đề nghị Ông/Bà/Tổ chức bổ \
         sung, hoàn thiện các nội dung sau:",
        BODY,
    );
    let columns = [
        col("STT", 0.7, Align::Center),
        col("Giấy tờ cần bổ sung, hoàn thiện", 3.6, Align::Left),
        col("Nội dung cần bổ sung, hoàn thiện", 4.7, Align::Left),
    ];
    let rows: Vec<Vec<String>> = form
        .items
        .iter()
        .enumerate()
        .map(|(i, item)| {
            vec![
                (i + 1).to_string(),
                item.document.clone(),
                item.requirement.clone(),
            ]
        })
        .collect();
    flow.table(&columns, &rows, BODY - 1.0);
    flow.gap(4.0);
    flow.para(
        "Thời gian Ông/Bà/Tổ chức bổ sung, hoàn thiện hồ sơ không tính vào thời hạn giải quyết; \
         thời hạn giải quyết được tính tiếp từ khi nhận đủ hồ sơ đã bổ sung, hoàn thiện.",
        BODY,
    );
    let mut help = vec![regular(
        "Trong quá trình bổ sung, hoàn thiện hồ sơ, nếu có vướng mắc xin liên hệ ",
    )];
    help.push(bold(&form.instructing_officer));
    match form.contact_phone.as_deref().filter(|p| !p.is_empty()) {
        Some(phone) => {
            help.push(regular(" qua số điện thoại "));
            help.push(bold(phone));
            help.push(regular(" để được hướng dẫn."));
        }
        None => help.push(regular(" để được hướng dẫn.")),
    }
    flow.paragraph(&help, BODY, 0.0, 0.0, Align::Left);
    status_hint(flow, status_url);
    flow.gap(8.0);
    flow.signatures(
        &[
            empty_signature(),
            officer_signature("NGƯỜI HƯỚNG DẪN", &form.instructing_officer),
        ],
        BODY,
    );
}

/// Mẫu 03: the refusal (status 3).
pub(crate) fn refusal(flow: &mut Flow<'_>, form: &Refusal, status_url: &str) {
    let d = &form.dossier;
    code_line(flow, &d.code);
    flow.para(
        &format!(
            "{} nhận được hồ sơ vào lúc {} của:",
            form.header.agency_name,
            vn::datetime_long(d.received_at)
        ),
        BODY,
    );
    applicant_fields(flow, d);
    flow.gap(3.0);
    flow.para(
        "Sau khi kiểm tra, đối chiếu với quy định, cơ quan không tiếp nhận, giải quyết hồ sơ \
         này vì các lý do sau:",
        BODY,
    );
    dashed_list(flow, &form.reasons);
    flow.gap(2.0);
    flow.para(
        "Xin thông báo để Ông/Bà/Tổ chức được biết. Hồ sơ và giấy tờ đã nộp được trả lại \
         kèm theo phiếu này.",
        BODY,
    );
    status_hint(flow, status_url);
    flow.gap(8.0);
    flow.signatures(
        &[
            empty_signature(),
            officer_signature("NGƯỜI TIẾP NHẬN HỒ SƠ", &d.receiving_officer),
        ],
        BODY,
    );
}

/// Mẫu 04: the apology and extension letter, sent before the appointment passes
/// (domain.md §3 "Late"); prints the missed and the new appointment.
pub(crate) fn apology(flow: &mut Flow<'_>, form: &Apology, status_url: &str) {
    let d = &form.dossier;
    flow.paragraph(
        &[regular("Về việc chậm trả kết quả hồ sơ "), bold(&d.code)],
        BODY,
        0.0,
        0.0,
        Align::Center,
    );
    flow.gap(6.0);
    flow.paragraph(
        &[regular("Kính gửi: "), bold(&d.applicant_name)],
        BODY + 0.5,
        0.0,
        0.0,
        Align::Center,
    );
    flow.gap(6.0);
    let indent = 10.0 * MM;
    flow.paragraph(
        &[
            regular(format!(
                "Vào lúc {}, {} đã tiếp nhận hồ sơ của Ông/Bà/Tổ chức đề nghị giải quyết thủ tục ",
                vn::datetime_long(d.received_at),
                form.header.agency_name
            )),
            bold(procedure_text(d)),
            regular(", mã hồ sơ "),
            bold(&d.code),
            regular(". Thời điểm hẹn trả kết quả là "),
            bold(vn::datetime_long(form.previous_due_at)),
            regular("."),
        ],
        BODY,
        indent,
        0.0,
        Align::Left,
    );
    flow.paragraph(
        &[regular(
            "Đến nay, cơ quan chưa thể trả kết quả đúng hẹn vì các lý do sau:",
        )],
        BODY,
        indent,
        0.0,
        Align::Left,
    );
    dashed_list(flow, &form.reasons);
    flow.paragraph(
        &[
            regular(format!(
                "{} thành thật xin lỗi Ông/Bà/Tổ chức về sự chậm trễ này và xin gia hạn thời \
                 hạn giải quyết, hẹn trả kết quả vào ",
                form.header.agency_name
            )),
            bold(vn::datetime_long(form.new_due_at)),
            regular("."),
        ],
        BODY,
        indent,
        0.0,
        Align::Left,
    );
    flow.paragraph(
        &[regular(
            "Rất mong Ông/Bà/Tổ chức thông cảm. Cơ quan cam kết trả kết quả đúng thời điểm đã hẹn lại.",
        )],
        BODY,
        indent,
        0.0,
        Align::Left,
    );
    status_hint(flow, status_url);
    letter_end(flow, &form.signer.position, &form.signer.name);
}

/// Mẫu 05: the stop notice (status 8).
pub(crate) fn stop(flow: &mut Flow<'_>, form: &StopNotice, status_url: &str) {
    let d = &form.dossier;
    code_line(flow, &d.code);
    flow.paragraph(
        &[regular("Kính gửi: "), bold(&d.applicant_name)],
        BODY + 0.5,
        0.0,
        0.0,
        Align::Center,
    );
    flow.gap(6.0);
    let indent = 10.0 * MM;
    flow.paragraph(
        &[
            regular(format!(
                "Vào lúc {}, {} đã tiếp nhận hồ sơ của Ông/Bà/Tổ chức đề nghị giải quyết thủ tục ",
                vn::datetime_long(d.received_at),
                form.header.agency_name
            )),
            bold(procedure_text(d)),
            regular(", mã hồ sơ "),
            bold(&d.code),
            regular("."),
        ],
        BODY,
        indent,
        0.0,
        Align::Left,
    );
    flow.paragraph(
        &[regular(
            "Trong quá trình giải quyết, cơ quan dừng giải quyết hồ sơ này vì các lý do sau:",
        )],
        BODY,
        indent,
        0.0,
        Align::Left,
    );
    dashed_list(flow, &form.reasons);
    if let Some(basis) = form.legal_basis.as_deref().filter(|b| !b.is_empty()) {
        flow.paragraph(
            &[regular(format!("Căn cứ: {}.", basis.trim_end_matches('.')))],
            BODY,
            indent,
            0.0,
            Align::Left,
        );
    }
    if let Some(note) = form.return_note.as_deref().filter(|n| !n.is_empty()) {
        flow.paragraph(&[regular(note)], BODY, indent, 0.0, Align::Left);
    }
    flow.paragraph(
        &[regular("Xin thông báo để Ông/Bà/Tổ chức được biết.")],
        BODY,
        indent,
        0.0,
        Align::Left,
    );
    status_hint(flow, status_url);
    letter_end(flow, &form.signer.position, &form.signer.name);
}

/// "Nơi nhận" on the left and the agency's signature on the right, side by side.
/// Each line of the position ("KT. GIÁM ĐỐC\nPHÓ GIÁM ĐỐC") is a title line.
fn letter_end(flow: &mut Flow<'_>, position: &str, name: &str) {
    let sign = agency_signature(position, name);
    let titles: Vec<&str> = sign
        .title
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    let lh = Flow::line_height(BODY);
    let sign_space = 22.0 * MM;
    flow.gap(8.0);
    flow.ensure((titles.len() as f32 + 2.0) * lh + sign_space);
    let top = flow.y;
    let x0 = flow.left + flow.content_width() * 0.45;
    let x1 = flow.right;
    let mut y = top;
    for line in &titles {
        flow.text_in((x0, x1), y + BODY, line, Weight::Bold, BODY, Align::Center);
        y += lh;
    }
    flow.text_in(
        (x0, x1),
        y + BODY,
        &sign.note,
        Weight::Regular,
        BODY - 1.0,
        Align::Center,
    );
    y += lh + sign_space;
    flow.text_in(
        (x0, x1),
        y + BODY,
        &sign.name,
        Weight::Bold,
        BODY,
        Align::Center,
    );
    let sign_bottom = y + lh;
    recipients(flow, &["Như trên;", "Lưu: VT, hồ sơ."]);
    flow.y = flow.y.max(sign_bottom);
}

/// Mẫu 06: the processing control slip, one row per step with its allowance, the time used
/// and whether it kept its allowance (domain.md §3 "Per-step time").
pub(crate) fn control_slip(flow: &mut Flow<'_>, form: &ControlSlip, status_url: &str) {
    let d = &form.dossier;
    code_line(flow, &d.code);
    flow.field("Người nộp hồ sơ:", &d.applicant_name, BODY);
    flow.field("Thủ tục:", &procedure_text(d), BODY);
    flow.field("Cơ quan chủ trì giải quyết:", &form.handling_agency, BODY);
    if !form.coordinating_agencies.is_empty() {
        flow.field(
            "Cơ quan phối hợp giải quyết:",
            &form.coordinating_agencies.join("; "),
            BODY,
        );
    }
    flow.paragraph(
        &[
            regular("Tiếp nhận lúc "),
            bold(vn::datetime_long(d.received_at)),
            regular(" – hẹn trả lúc "),
            bold(vn::datetime_long(d.due_at)),
        ],
        BODY,
        0.0,
        0.0,
        Align::Left,
    );
    flow.gap(6.0);
    let columns = [
        col("STT", 0.95, Align::Center),
        col("Bước xử lý", 2.5, Align::Left),
        col("Bộ phận, người thực hiện", 2.8, Align::Left),
        col("Nhận lúc", 1.75, Align::Center),
        col("Hoàn thành lúc", 1.75, Align::Center),
        col("Thời hạn", 1.6, Align::Center),
        col("Thời gian thực hiện", 1.9, Align::Center),
        col("Kết quả", 1.75, Align::Center),
        col("Ghi chú", 1.2, Align::Left),
    ];
    let rows: Vec<Vec<String>> = form
        .steps
        .iter()
        .enumerate()
        .map(|(i, s)| {
            vec![
                (i + 1).to_string(),
                s.name.clone(),
                if s.actor.is_empty() {
                    s.unit.clone()
                } else {
                    format!("{} – {}", s.unit, s.actor)
                },
                vn::datetime_short(s.started_at),
                s.finished_at.map(vn::datetime_short).unwrap_or_default(),
                vn::working_duration(s.allowance_minutes),
                s.used_minutes.map(vn::working_duration).unwrap_or_default(),
                s.outcome.label().to_owned(),
                s.note.clone(),
            ]
        })
        .collect();
    flow.table(&columns, &rows, 8.5);
    flow.gap(4.0);
    flow.paragraph(
        &[regular(
            "Thời hạn và thời gian thực hiện tính theo thời gian làm việc (1 ngày làm việc = 8 giờ), \
             không tính thời gian chờ bổ sung hồ sơ hoặc thực hiện nghĩa vụ tài chính.",
        )],
        9.0,
        0.0,
        0.0,
        Align::Left,
    );
    status_hint(flow, status_url);
}

/// Mẫu 07: the register, a landscape table of dossiers.
pub(crate) fn register(flow: &mut Flow<'_>, form: &Register) {
    if !form.period.is_empty() {
        flow.paragraph(&[regular(&form.period)], BODY, 0.0, 0.0, Align::Center);
    }
    flow.gap(6.0);
    // Widths as shares of the table, in the order of REGISTER_COLUMNS.
    const SHARES: [f32; 13] = [
        0.7, 3.4, 2.8, 0.6, 1.8, 2.2, 1.8, 1.4, 1.4, 1.4, 1.4, 1.4, 1.3,
    ];
    let columns: Vec<Column> = REGISTER_COLUMNS
        .iter()
        .zip(SHARES)
        .enumerate()
        .map(|(i, (title, share))| {
            let align = match i {
                0 | 3 | 7..=11 => Align::Center,
                _ => Align::Left,
            };
            col(title, share, align)
        })
        .collect();
    let rows: Vec<Vec<String>> = form.rows.iter().map(register_cells).collect();
    flow.table(&columns, &rows, 7.5);
}

/// The cells of a register row, shared by the PDF and the CSV/XLSX exports.
pub(crate) fn register_cells(row: &crate::model::RegisterRow) -> Vec<String> {
    vec![
        row.seq.to_string(),
        row.dossier_code.clone(),
        row.procedure_name.clone(),
        row.sets.to_string(),
        row.applicant_name.clone(),
        row.applicant_contact.clone(),
        row.handling_agency.clone(),
        vn::datetime_short(row.received_at),
        vn::datetime_short(row.due_at),
        row.transferred_at
            .map(vn::datetime_short)
            .unwrap_or_default(),
        row.result_at.map(vn::datetime_short).unwrap_or_default(),
        row.delivered_at.map(vn::datetime_short).unwrap_or_default(),
        row.note.clone(),
    ]
}

/// The register's column titles, shared by the PDF and the exports.
pub(crate) const REGISTER_COLUMNS: [&str; 13] = [
    "STT",
    "Mã hồ sơ",
    "Tên thủ tục hành chính",
    "Số bộ",
    "Tên cá nhân, tổ chức",
    "Địa chỉ, số điện thoại",
    "Cơ quan chủ trì giải quyết",
    "Ngày nhận hồ sơ",
    "Ngày hẹn trả kết quả",
    "Chuyển cơ quan giải quyết",
    "Nhận kết quả",
    "Đã trả kết quả",
    "Ghi chú",
];
