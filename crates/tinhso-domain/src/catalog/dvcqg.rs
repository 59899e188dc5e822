//! Parser of the national public service portal's published procedure records (Cổng Dịch vụ
//! công quốc gia, DVCQG), one JSON object per line.
//!
//! The portal's pages flatten their tables into single strings (a cell's text runs straight into
//! the next), so this parser reads them by their fixed headers and by the shapes of the cells it
//! knows. It parses what it can and reports the rest: every record whose code is valid yields a
//! [`ParsedRecord`], with one [`ParseIssue`] per piece it could not read (the raw text is kept in
//! the issue). Only a line that is not a JSON object, or whose `ma_thu_tuc` is missing or
//! invalid, is a [`RecordError`].
//!
//! Field by field:
//! - `ma_thu_tuc` → [`Procedure::code`]; `ten_thu_tuc` → name; `so_quyet_dinh` → decision;
//!   `detail_url` → source.
//! - `cap_thuc_hien` (comma separated: Cấp bộ / Cấp tỉnh / Cấp huyện / Cấp xã / Cơ quan khác) →
//!   levels.
//! - `linh_vuc` → fields. The portal gives one field per record and field names contain commas
//!   ("Khiếu nại, tố cáo"), so only `;` separates fields.
//! - `doi_tuong_thuc_hien` → applicant types, split on commas outside parentheses; a piece that
//!   starts with a lower-case letter continues the previous one ("Cán bộ, công chức, viên chức").
//! - `co_quan_co_tham_quyen` → competent agency; when empty, `co_quan_thuc_hien` (the
//!   implementing agency) stands in for it.
//! - `cach_thuc_thuc_hien` → one [`ChannelOption`] per table row (a channel may have several rows,
//!   one per case; they are kept apart). See [`parse_channel_table`].
//! - `thanh_phan_ho_so` → components (name, form template file, originals, copies).
//! - `can_cu_phap_ly` → legal bases (number such as `60/2014/QH13`, title when it precedes it).
//! - `ket_qua_xu_ly` → results (one per `Mã: KQ…` entry); `trinh_tu_thuc_hien` → steps;
//!   `yeu_cau_dieu_kien` → requirements.
//!
//! **Time limit** ([`Procedure::time_limit`]): the first counter (Trực tiếp) row with a parsed
//! time limit, else the first row of any channel with one.
//!
//! **Online level** (NĐ 42/2022) is inferred only as far as the record supports it:
//! - no online (Trực tuyến) row → [`OnlineLevel::None`];
//! - an online row and the procedure's name says "toàn trình" (the portal publishes the fully
//!   online variant of a procedure under its own name, e.g. "Đăng ký xe … trực tuyến toàn
//!   trình") → [`OnlineLevel::Full`];
//! - an online row otherwise → [`OnlineLevel::Partial`] (the record shows online submission, not
//!   that the result is delivered online, which "full" requires).

use serde_json::{Map, Value};

use super::{
    Channel, ChannelOption, Component, Fee, LegalBasis, OnlineLevel, Procedure, ProcedureCode,
    ProcedureLevel,
};
use crate::calendar::{TimeLimit, TimeUnit};

/// A record parsed from one line, with what could not be read.
#[derive(Debug, Clone, PartialEq)]
pub struct ParsedRecord {
    pub procedure: Procedure,
    pub issues: Vec<ParseIssue>,
}

/// What kind of thing could not be parsed; stable names for reports (`snake_case` in `Display`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum IssueKind {
    /// A field is not a string (null, number…): it was ignored.
    NotAString,
    /// The procedure has no name.
    MissingName,
    /// A level in `cap_thuc_hien` is not one of the known five.
    UnknownLevel,
    /// `cach_thuc_thuc_hien` does not start with the table header.
    ChannelTableHeader,
    /// A time-limit cell holds a number without unit ("Trực tiếp5Miễn phí").
    TimeLimitWithoutUnit,
    /// The time-limit and fee cells run together ("Trực tuyến120 VNĐ": 1 + 20 VNĐ or 120 VNĐ?).
    TimeLimitRunsIntoFee,
    /// A time-limit cell that is neither a number nor "Không có thông tin".
    TimeLimitUnreadable,
    /// A fee cell of a shape not recognised.
    FeeUnreadable,
    /// A fee stated in another currency than đồng (USD…): no amount in đồng.
    FeeNotInDong,
    /// Text in the component table that is not followed by a count ("1 bản chính").
    ComponentWithoutCount,
    /// `thanh_phan_ho_so` has text but no component table.
    ComponentTableMissing,
    /// `can_cu_phap_ly` has text but no recognisable document number.
    LegalBasisUnreadable,
}

impl IssueKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::NotAString => "not_a_string",
            Self::MissingName => "missing_name",
            Self::UnknownLevel => "unknown_level",
            Self::ChannelTableHeader => "channel_table_header",
            Self::TimeLimitWithoutUnit => "time_limit_without_unit",
            Self::TimeLimitRunsIntoFee => "time_limit_runs_into_fee",
            Self::TimeLimitUnreadable => "time_limit_unreadable",
            Self::FeeUnreadable => "fee_unreadable",
            Self::FeeNotInDong => "fee_not_in_dong",
            Self::ComponentWithoutCount => "component_without_count",
            Self::ComponentTableMissing => "component_table_missing",
            Self::LegalBasisUnreadable => "legal_basis_unreadable",
        }
    }
}

impl std::fmt::Display for IssueKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One piece of a record that could not be parsed. The record is still returned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseIssue {
    /// The portal's field name, e.g. `cach_thuc_thuc_hien`.
    pub field: &'static str,
    pub kind: IssueKind,
    /// What is wrong, Vietnamese then English.
    pub message: String,
    /// The text that could not be parsed (possibly a part of the field).
    pub raw: String,
}

/// A line that cannot become a procedure at all.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RecordError {
    #[error("dòng không phải đối tượng JSON / line is not a JSON object: {0}")]
    NotJson(String),
    #[error("thiếu trường {field} / missing field {field}")]
    MissingField { field: &'static str },
    #[error("trường {field} không hợp lệ / invalid field {field}: {value:?}: {reason}")]
    InvalidField {
        field: &'static str,
        value: String,
        reason: String,
    },
}

const NO_INFO: &str = "Không có thông tin";

/// Parses one line of the portal's JSONL export.
pub fn parse_record(json_line: &str) -> Result<ParsedRecord, RecordError> {
    let value: Value =
        serde_json::from_str(json_line).map_err(|e| RecordError::NotJson(e.to_string()))?;
    let Value::Object(obj) = value else {
        return Err(RecordError::NotJson("not an object".into()));
    };
    let code = match obj.get("ma_thu_tuc") {
        None | Some(Value::Null) => {
            return Err(RecordError::MissingField {
                field: "ma_thu_tuc",
            })
        }
        Some(Value::String(s)) if s.trim().is_empty() => {
            return Err(RecordError::MissingField {
                field: "ma_thu_tuc",
            })
        }
        Some(Value::String(s)) => {
            ProcedureCode::parse(s).map_err(|e| RecordError::InvalidField {
                field: "ma_thu_tuc",
                value: s.clone(),
                reason: e.to_string(),
            })?
        }
        Some(other) => {
            return Err(RecordError::InvalidField {
                field: "ma_thu_tuc",
                value: other.to_string(),
                reason: "not a string".into(),
            })
        }
    };

    let mut r = Reader {
        obj: &obj,
        issues: Vec::new(),
    };
    let name = r.text("ten_thu_tuc");
    if name.is_empty() {
        r.issue(
            "ten_thu_tuc",
            IssueKind::MissingName,
            "thủ tục không có tên / procedure has no name",
            "",
        );
    }
    let levels = parse_levels(&r.text("cap_thuc_hien"), &mut r.issues);
    let fields = r
        .text("linh_vuc")
        .split(';')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(String::from)
        .collect();
    let applicant_types = split_applicant_types(&r.text("doi_tuong_thuc_hien"));
    let mut competent_agency = r.text("co_quan_co_tham_quyen");
    if competent_agency.is_empty() {
        competent_agency = r.text("co_quan_thuc_hien");
    }
    let channels = parse_channel_table(&r.text("cach_thuc_thuc_hien"), &mut r.issues);
    let components = parse_components(&r.text("thanh_phan_ho_so"), &mut r.issues);
    let legal_bases = parse_legal_bases(&r.text("can_cu_phap_ly"), &mut r.issues);
    let results = parse_results(&r.text("ket_qua_xu_ly"));

    let time_limit = channels
        .iter()
        .find(|c| c.channel == Channel::Counter && c.time_limit.is_some())
        .or_else(|| channels.iter().find(|c| c.time_limit.is_some()))
        .and_then(|c| c.time_limit);
    let online_level = infer_online_level(&name, &channels);

    let procedure = Procedure {
        code,
        name,
        decision: r.text("so_quyet_dinh"),
        levels,
        fields,
        applicant_types,
        competent_agency,
        agency_eids: Vec::new(),
        online_level,
        time_limit,
        cutoff_15h: false,
        channels,
        components,
        steps: r.text("trinh_tu_thuc_hien"),
        requirements: r.text("yeu_cau_dieu_kien"),
        results,
        legal_bases,
        source: r.text("detail_url"),
    };
    Ok(ParsedRecord {
        procedure,
        issues: r.issues,
    })
}

struct Reader<'a> {
    obj: &'a Map<String, Value>,
    issues: Vec<ParseIssue>,
}

impl Reader<'_> {
    /// The trimmed text of a field; "" when absent, empty or "Không có thông tin".
    fn text(&mut self, field: &'static str) -> String {
        match self.obj.get(field) {
            None | Some(Value::Null) => String::new(),
            Some(Value::String(s)) => {
                let t = s.trim();
                if t == NO_INFO {
                    String::new()
                } else {
                    t.to_string()
                }
            }
            Some(other) => {
                let raw = other.to_string();
                self.issue(
                    field,
                    IssueKind::NotAString,
                    "trường không phải chuỗi, bỏ qua / field is not a string, ignored",
                    &raw,
                );
                String::new()
            }
        }
    }

    fn issue(&mut self, field: &'static str, kind: IssueKind, message: &str, raw: &str) {
        self.issues.push(issue(field, kind, message, raw));
    }
}

fn issue(field: &'static str, kind: IssueKind, message: &str, raw: &str) -> ParseIssue {
    ParseIssue {
        field,
        kind,
        message: message.to_string(),
        raw: raw.to_string(),
    }
}

/// `cap_thuc_hien`: "Cấp bộ, Cấp tỉnh, Cấp xã" → [Ministry, Province, Commune].
pub fn parse_levels(text: &str, issues: &mut Vec<ParseIssue>) -> Vec<ProcedureLevel> {
    let mut levels = Vec::new();
    for part in text
        .split([',', ';'])
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        let level = match crate::text::fold(part).as_str() {
            "cap bo" | "cap trung uong" => ProcedureLevel::Ministry,
            "cap tinh" => ProcedureLevel::Province,
            "cap huyen" => ProcedureLevel::District,
            "cap xa" => ProcedureLevel::Commune,
            "co quan khac" => ProcedureLevel::Other,
            _ => {
                issues.push(issue(
                    "cap_thuc_hien",
                    IssueKind::UnknownLevel,
                    "cấp thực hiện không rõ / unknown level",
                    part,
                ));
                continue;
            }
        };
        if !levels.contains(&level) {
            levels.push(level);
        }
    }
    levels
}

/// `doi_tuong_thuc_hien`: commas outside parentheses separate types; a piece starting with a
/// lower-case letter continues the previous type ("Cán bộ, công chức, viên chức" is one type).
pub fn split_applicant_types(text: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for piece in split_outside_parens(text, ',') {
        let piece = piece.trim();
        if piece.is_empty() {
            continue;
        }
        let continues = piece.chars().next().is_some_and(char::is_lowercase);
        match out.last_mut() {
            Some(prev) if continues => {
                prev.push_str(", ");
                prev.push_str(piece);
            }
            _ => out.push(piece.to_string()),
        }
    }
    out
}

fn split_outside_parens(text: &str, sep: char) -> Vec<&str> {
    let mut out = Vec::new();
    let mut depth = 0i32;
    let mut start = 0;
    for (i, c) in text.char_indices() {
        match c {
            '(' => depth += 1,
            ')' => depth -= 1,
            c if c == sep && depth <= 0 => {
                out.push(&text[start..i]);
                start = i + c.len_utf8();
            }
            _ => {}
        }
    }
    out.push(&text[start..]);
    out
}

fn infer_online_level(name: &str, channels: &[ChannelOption]) -> OnlineLevel {
    if !channels.iter().any(|c| c.channel == Channel::Online) {
        OnlineLevel::None
    } else if crate::text::fold(name).contains("toan trinh") {
        OnlineLevel::Full
    } else {
        OnlineLevel::Partial
    }
}

// ---------------------------------------------------------------------------------------------
// cach_thuc_thuc_hien: "Hình thức nộpThời gianPhí, lệ phíMô tả" + rows

const CHANNEL_HEADER: &str = "Hình thức nộpThời gianPhí, lệ phíMô tả";
const CHANNEL_NAMES: [(&str, Channel); 3] = [
    ("Trực tiếp", Channel::Counter),
    ("Trực tuyến", Channel::Online),
    ("Dịch vụ bưu chính", Channel::Postal),
];
/// Units as the portal writes them, longest first so "Ngày làm việc" wins over "Ngày".
const TIME_UNITS: [(&str, TimeUnit); 6] = [
    ("ngày làm việc", TimeUnit::WorkingDays),
    ("giờ làm việc", TimeUnit::WorkingHours),
    ("ngày", TimeUnit::CalendarDays),
    ("giờ", TimeUnit::WorkingHours),
    ("tháng", TimeUnit::Months),
    ("tuần", TimeUnit::CalendarDays),
];
/// Time-limit cells that state no time limit, longest first.
const NO_TIME_LIMIT: [(&str, ()); 4] = [
    ("không phải trả kết quả cho người nộp thuế", ()),
    ("không có thông tin", ()),
    ("không quy định", ()),
    ("không", ()),
];
/// Currencies after an amount, longest first. `true` = đồng.
const CURRENCIES: [(&str, bool); 7] = [
    ("việt nam đồng", true),
    ("vnđ", true),
    ("vnd", true),
    ("đồng", true),
    ("đ", true),
    ("usd", false),
    ("eur", false),
];

/// Parses the flattened channel table into one [`ChannelOption`] per row.
///
/// A row is `<channel><time><fee><description>`: the channel is one of "Trực tiếp", "Trực tuyến",
/// "Dịch vụ bưu chính"; the time a number with a unit ("15 Ngày làm việc", "0,5 Ngày", "8 Giờ",
/// "6 Tháng") or "Không có thông tin"; the fee "Miễn phí", "Không có thông tin" or an amount
/// with currency ("8.000 Đồng", "2,000,000 Việt Nam Đồng", optionally after "Lệ phí :"),
/// followed by details in parentheses; the description is the rest up to the next row. A
/// channel name starts a new row when it is followed by a digit or by "Không".
pub fn parse_channel_table(text: &str, issues: &mut Vec<ParseIssue>) -> Vec<ChannelOption> {
    const FIELD: &str = "cach_thuc_thuc_hien";
    let text = text.trim();
    if text.is_empty() {
        return Vec::new();
    }
    let body = match text.strip_prefix(CHANNEL_HEADER) {
        Some(b) => b,
        None => {
            issues.push(issue(
                FIELD,
                IssueKind::ChannelTableHeader,
                "bảng cách thức thực hiện không có tiêu đề quen thuộc / channel table lacks its header",
                text,
            ));
            text
        }
    };
    // Row starts: (byte offset of the channel name, channel, offset after the name).
    let mut starts: Vec<(usize, Channel, usize)> = Vec::new();
    for (i, _) in body.char_indices() {
        for (label, channel) in CHANNEL_NAMES {
            if body[i..].starts_with(label) {
                let after = &body[i + label.len()..];
                let at_row = i == 0
                    || after.starts_with(|c: char| c.is_ascii_digit())
                    || after.starts_with("Không");
                if at_row {
                    starts.push((i, channel, i + label.len()));
                }
            }
        }
    }
    let leading = match starts.first() {
        Some(&(i, _, _)) => &body[..i],
        None => body,
    };
    if !leading.trim().is_empty() {
        issues.push(issue(
            FIELD,
            IssueKind::ChannelTableHeader,
            "văn bản không thuộc hàng nào của bảng / text outside any row of the table",
            leading.trim(),
        ));
    }
    let mut rows = Vec::with_capacity(starts.len());
    for (n, &(_, channel, cell_start)) in starts.iter().enumerate() {
        let end = starts.get(n + 1).map_or(body.len(), |s| s.0);
        rows.push(parse_channel_row(channel, &body[cell_start..end], issues));
    }
    rows
}

fn parse_channel_row(channel: Channel, row: &str, issues: &mut Vec<ParseIssue>) -> ChannelOption {
    const FIELD: &str = "cach_thuc_thuc_hien";
    let mut rest = row.trim_start();
    let mut time_limit = None;
    let mut time_limit_text = String::new();
    let mut fee_amount_unknown = false;
    if let Some(((), r)) = strip_prefix_ci(rest, &NO_TIME_LIMIT) {
        // No time limit stated: nothing to parse, nothing lost (the row keeps the text).
        time_limit_text = rest[..rest.len() - r.len()].to_string();
        rest = r;
    } else if let Some((hundredths, after_number)) = read_decimal(rest) {
        let number_text = &rest[..rest.len() - after_number.len()];
        let after_space = after_number.trim_start();
        if let Some((unit, after_unit)) = strip_prefix_ci(after_space, &TIME_UNITS) {
            time_limit = Some(TimeLimit { hundredths, unit });
            time_limit_text = rest[..rest.len() - after_unit.len()].trim().to_string();
            rest = after_unit;
        } else if strip_prefix_ci(after_space, &CURRENCIES).is_some() {
            fee_amount_unknown = true;
            // "120 VNĐ": the time cell and the fee cell run together; the split is unknowable.
            issues.push(issue(
                FIELD,
                IssueKind::TimeLimitRunsIntoFee,
                "thời hạn và phí dính liền, không tách được / time limit and fee run together",
                row.trim(),
            ));
        } else {
            time_limit_text = number_text.to_string();
            issues.push(issue(
                FIELD,
                IssueKind::TimeLimitWithoutUnit,
                "thời hạn không có đơn vị / time limit without unit",
                number_text,
            ));
            rest = after_number;
        }
    } else if read_amount(rest).is_some_and(|(_, _, r)| r.len() < rest.len()) {
        // "120,000 VNĐ": an amount where the time limit should be; the time and the fee cells
        // run together.
        fee_amount_unknown = true;
        issues.push(issue(
            FIELD,
            IssueKind::TimeLimitRunsIntoFee,
            "thời hạn và phí dính liền, không tách được / time limit and fee run together",
            row.trim(),
        ));
    } else if !rest.is_empty() {
        issues.push(issue(
            FIELD,
            IssueKind::TimeLimitUnreadable,
            "không đọc được thời hạn / time limit unreadable",
            rest,
        ));
    }
    let (mut fees, description) = parse_fee_cell(rest, issues);
    if fee_amount_unknown {
        for fee in &mut fees {
            fee.amount_vnd = None;
        }
    }
    ChannelOption {
        channel,
        time_limit,
        time_limit_text,
        fees,
        description: description.trim().to_string(),
    }
}

/// The fee cell at the start of `text`: returns the fees and the remaining text (description).
fn parse_fee_cell<'a>(text: &'a str, issues: &mut Vec<ParseIssue>) -> (Vec<Fee>, &'a str) {
    const FIELD: &str = "cach_thuc_thuc_hien";
    let text = text.trim_start();
    if text.is_empty() {
        return (Vec::new(), text);
    }
    if let Some(rest) = text.strip_prefix(NO_INFO) {
        return (Vec::new(), rest);
    }
    let (amount, head_rest) = if let Some(rest) = strip_prefix_ci(text, &[("miễn phí", ())]) {
        (Some(0), rest.1)
    } else if let Some((amount, in_dong, rest)) = read_amount(text) {
        if !in_dong {
            issues.push(issue(
                FIELD,
                IssueKind::FeeNotInDong,
                "phí không tính bằng đồng / fee not in đồng",
                &text[..text.len() - rest.len()],
            ));
        }
        (in_dong.then_some(amount), rest)
    } else {
        issues.push(issue(
            FIELD,
            IssueKind::FeeUnreadable,
            "không đọc được phí, lệ phí / fee unreadable",
            text,
        ));
        return (
            vec![Fee {
                amount_vnd: None,
                text: text.to_string(),
            }],
            "",
        );
    };
    // Details in parentheses belong to the fee cell.
    let after = match balanced_parens(head_rest) {
        Some(len) => &head_rest[len..],
        None => head_rest,
    };
    let fee_text = text[..text.len() - after.len()].trim().to_string();
    (
        vec![Fee {
            amount_vnd: amount,
            text: fee_text,
        }],
        after,
    )
}

/// "8.000 Đồng", "2,000,000 Việt Nam Đồng", "Lệ phí : 8.000 Đồng", "10 USD" → (amount, in đồng,
/// rest). Separators `.` and `,` are thousands separators in amounts.
fn read_amount(text: &str) -> Option<(u64, bool, &str)> {
    let mut t = text;
    for prefix in ["Lệ phí", "lệ phí", "Phí", "phí"] {
        if let Some(r) = t.strip_prefix(prefix) {
            let r = r.trim_start();
            if let Some(r) = r.strip_prefix(':') {
                t = r.trim_start();
            }
            break;
        }
    }
    let digits_end = t
        .char_indices()
        .find(|&(_, c)| !(c.is_ascii_digit() || c == '.' || c == ','))
        .map_or(t.len(), |(i, _)| i);
    let number = &t[..digits_end];
    if !number.starts_with(|c: char| c.is_ascii_digit()) {
        return None;
    }
    // Thousands groups: every group after the first has exactly three digits.
    let groups: Vec<&str> = number
        .trim_end_matches(['.', ','])
        .split(['.', ','])
        .collect();
    if groups.iter().skip(1).any(|g| g.len() != 3) {
        return None;
    }
    let amount: u64 = groups.concat().parse().ok()?;
    let after = t[digits_end..].trim_start();
    let (in_dong, rest) = strip_prefix_ci(after, &CURRENCIES)?;
    Some((amount, in_dong, rest))
}

/// Length in bytes of a leading balanced `( … )` group, if `text` starts with one (after spaces).
fn balanced_parens(text: &str) -> Option<usize> {
    let trimmed = text.trim_start();
    let offset = text.len() - trimmed.len();
    if !trimmed.starts_with('(') {
        return None;
    }
    let mut depth = 0i32;
    for (i, c) in trimmed.char_indices() {
        match c {
            '(' => depth += 1,
            ')' => {
                depth -= 1;
                if depth == 0 {
                    return Some(offset + i + 1);
                }
            }
            _ => {}
        }
    }
    // Unbalanced: the details run to the end of the row.
    Some(text.len())
}

/// Reads "15", "0,5", "1.5" at the start: value in hundredths and the rest.
fn read_decimal(text: &str) -> Option<(u32, &str)> {
    let int_end = text
        .char_indices()
        .find(|&(_, c)| !c.is_ascii_digit())
        .map_or(text.len(), |(i, _)| i);
    if int_end == 0 {
        return None;
    }
    let whole: u32 = text[..int_end].parse().ok()?;
    let mut rest = &text[int_end..];
    let mut frac = 0u32;
    if let Some(r) = rest.strip_prefix([',', '.']) {
        let frac_end = r
            .char_indices()
            .find(|&(_, c)| !c.is_ascii_digit())
            .map_or(r.len(), |(i, _)| i);
        // One or two decimals only: "2,000,000" is an amount, not a time limit.
        if (1..=2).contains(&frac_end) && !r[frac_end..].starts_with([',', '.']) {
            let digits = &r[..frac_end];
            frac = digits.parse::<u32>().ok()? * if frac_end == 1 { 10 } else { 1 };
            rest = &r[frac_end..];
        } else if frac_end > 0 {
            return None;
        }
    }
    Some((whole.checked_mul(100)?.checked_add(frac)?, rest))
}

/// Case-insensitive prefix match against a table (labels given in lower case).
fn strip_prefix_ci<'a, T: Copy>(text: &'a str, table: &[(&str, T)]) -> Option<(T, &'a str)> {
    for &(label, value) in table {
        let mut chars = text.char_indices();
        let mut matched = true;
        let mut end = 0;
        for lc in label.chars() {
            match chars.next() {
                Some((i, c)) if c.to_lowercase().eq(lc.to_lowercase()) => end = i + c.len_utf8(),
                _ => {
                    matched = false;
                    break;
                }
            }
        }
        if matched {
            return Some((value, &text[end..]));
        }
    }
    None
}

// ---------------------------------------------------------------------------------------------
// thanh_phan_ho_so: "--Tên giấy tờMẫu đơn, tờ khaiSố lượng" + rows "<name><template><count>"

const COMPONENT_HEADER: &str = "Tên giấy tờMẫu đơn, tờ khaiSố lượng";
const TEMPLATE_EXTENSIONS: [&str; 6] = [".docx", ".doc", ".pdf", ".xlsx", ".xls", ".odt"];

/// Parses the component table(s). Rows end with a count such as "1 bản chính" or
/// "0 bản chính,1 bản sao"; text before the first table header (a case label such as
/// "* Giấy tờ phải nộp:") is skipped; a row's name ends where a form-template file name
/// (`….docx`) begins, when there is one.
pub fn parse_components(text: &str, issues: &mut Vec<ParseIssue>) -> Vec<Component> {
    const FIELD: &str = "thanh_phan_ho_so";
    let text = text.trim();
    if text.is_empty() || text.trim_matches('-').trim().is_empty() {
        return Vec::new();
    }
    let mut sections = text.split(COMPONENT_HEADER);
    let before_first = sections.next().unwrap_or_default();
    let mut components = Vec::new();
    let mut any_table = false;
    let sections: Vec<&str> = sections.collect();
    for (n, section) in sections.iter().enumerate() {
        let is_last = n + 1 == sections.len();
        any_table = true;
        let mut rest = *section;
        while let Some((name_end, count, after)) = find_count(rest) {
            let cell = rest[..name_end].trim();
            if !cell.is_empty() {
                let (name, form_template) = split_template(cell);
                components.push(Component {
                    name,
                    form_template,
                    originals: count.0,
                    copies: count.1,
                    required: true,
                    obtainable_from_data: false,
                });
            }
            rest = after;
        }
        let leftover = rest.trim().trim_end_matches(['-', ' ']);
        // Left after the last row: punctuation ("--"), or the label of the next case's table
        // ("2. Trường hợp thay đổi địa điểm trụ sở:"), which is not a component.
        let is_label = leftover.ends_with(':') || !is_last;
        let is_punctuation = !leftover.chars().any(char::is_alphanumeric);
        if !leftover.is_empty() && !is_label && !is_punctuation {
            issues.push(issue(
                FIELD,
                IssueKind::ComponentWithoutCount,
                "giấy tờ không có số lượng / component without a count",
                leftover,
            ));
        }
    }
    if !any_table && !before_first.trim().is_empty() {
        issues.push(issue(
            FIELD,
            IssueKind::ComponentTableMissing,
            "không có bảng thành phần hồ sơ / no component table",
            before_first.trim(),
        ));
    }
    components
}

/// Finds the first count in `text`: (end of the name, (originals, copies), text after the count).
fn find_count(text: &str) -> Option<(usize, (u32, u32), &str)> {
    let mut search_from = 0;
    while let Some(pos) = text[search_from..].find(" bản ") {
        let at = search_from + pos;
        search_from = at + " bản ".len();
        // Digits right before " bản ".
        let digits_start = text[..at]
            .char_indices()
            .rev()
            .take_while(|&(_, c)| c.is_ascii_digit())
            .last()
            .map(|(i, _)| i);
        let Some(mut digits_start) = digits_start else {
            continue;
        };
        // A count has one or two digits; a longer run ends a year ("…năm 20211 bản chính").
        if at - digits_start > 2 {
            digits_start = at - 1;
        }
        let n: u32 = text[digits_start..at].parse().ok()?;
        let after_ban = &text[search_from..];
        let (kind, mut after) = match strip_prefix_ci(
            after_ban,
            &[
                ("chính", true),
                ("gốc", true),
                ("sao", false),
                ("chụp", false),
            ],
        ) {
            Some(x) => x,
            None => continue,
        };
        let (mut originals, mut copies) = if kind { (n, 0) } else { (0, n) };
        // ",1 bản sao" after "N bản chính".
        if let Some(r) = after.strip_prefix(',') {
            if let Some((m, r2)) = read_uint(r) {
                if let Some((false, r3)) = r2
                    .strip_prefix(" bản ")
                    .and_then(|r| strip_prefix_ci(r, &[("sao", false), ("chụp", false)]))
                {
                    copies += m;
                    after = r3;
                } else if let Some((true, r3)) = r2
                    .strip_prefix(" bản ")
                    .and_then(|r| strip_prefix_ci(r, &[("chính", true)]))
                {
                    originals += m;
                    after = r3;
                }
            }
        }
        return Some((digits_start, (originals, copies), after));
    }
    None
}

fn read_uint(text: &str) -> Option<(u32, &str)> {
    let end = text
        .char_indices()
        .find(|&(_, c)| !c.is_ascii_digit())
        .map_or(text.len(), |(i, _)| i);
    let n = text[..end].parse().ok()?;
    Some((n, &text[end..]))
}

/// "Đơn đề nghị … Nghị định 121/2021/NĐ-CP;Mus08.docx" → (name, Some("Mus08.docx")).
fn split_template(cell: &str) -> (String, Option<String>) {
    let lower = cell.to_lowercase();
    let ext = TEMPLATE_EXTENSIONS
        .iter()
        .find(|e| lower.ends_with(*e) && lower.len() == cell.len());
    let Some(ext) = ext else {
        return (cell.to_string(), None);
    };
    let stem_end = cell.len() - ext.len();
    // The file name starts after the last separator or at a lower→upper case change
    // ("…phủ;Phu lục II NĐ 66.doc", "…bộVăn bản.docx").
    let mut start = 0;
    let mut prev: Option<char> = None;
    for (i, c) in cell[..stem_end].char_indices() {
        if matches!(prev, Some(';' | ':' | ')' | '.' | '…')) && i > 0 {
            start = i;
        }
        if prev.is_some_and(char::is_lowercase) && c.is_uppercase() {
            start = i;
        }
        prev = Some(c);
    }
    let name = cell[..start].trim();
    let file = cell[start..].trim();
    if name.is_empty() {
        // The whole cell is a file name: it names the document too.
        (file.to_string(), Some(file.to_string()))
    } else {
        (name.to_string(), Some(file.to_string()))
    }
}

// ---------------------------------------------------------------------------------------------
// can_cu_phap_ly: "Tên văn bản pháp lýMã văn bản" + "<title><number>" pairs

const LEGAL_HEADER: &str = "Tên văn bản pháp lýMã văn bản";

/// Extracts document numbers (`60/2014/QH13`, `05/2012/NĐ-CP`, `68/2013/TT-BCA`) in order,
/// without duplicates; a number's title is the text between it and the previous number, when
/// that text is more than the number repeated.
pub fn parse_legal_bases(text: &str, issues: &mut Vec<ParseIssue>) -> Vec<LegalBasis> {
    let text = text.trim();
    let body = text.strip_prefix(LEGAL_HEADER).unwrap_or(text);
    if body.trim().is_empty() {
        return Vec::new();
    }
    let mut bases: Vec<LegalBasis> = Vec::new();
    let mut prev_end = 0;
    for (start, end) in find_document_numbers(body) {
        let number = body[start..end].to_string();
        let title = clean_title(&body[prev_end..start]);
        prev_end = end;
        match bases.iter_mut().find(|b| b.number == number) {
            Some(b) if b.title.is_empty() => b.title = title,
            Some(_) => {}
            None => bases.push(LegalBasis { number, title }),
        }
    }
    if bases.is_empty() {
        issues.push(issue(
            "can_cu_phap_ly",
            IssueKind::LegalBasisUnreadable,
            "không tìm thấy số hiệu văn bản / no document number found",
            body,
        ));
    }
    bases
}

fn clean_title(raw: &str) -> String {
    let t = raw
        .trim()
        .trim_end_matches(|c: char| c == ':' || c.is_whitespace());
    let folded = crate::text::fold(t);
    // "Số", "Luật số", "Thông tư số" alone are the number's own prefix, not a title.
    if folded.is_empty() || folded == "so" || folded.ends_with(" so") && t.len() < 20 {
        return String::new();
    }
    t.strip_suffix(" số")
        .or_else(|| t.strip_suffix(" Số"))
        .unwrap_or(t)
        .trim()
        .to_string()
}

/// Byte ranges of document numbers: `digits/yyyy/SUFFIX` where the suffix is capitals, digits,
/// `Đ` and hyphens, ending before a capital that starts a word ("…TT-BCALuật") or before digits
/// that start the next number ("…NĐ-CP05/2012/…").
fn find_document_numbers(text: &str) -> Vec<(usize, usize)> {
    let chars: Vec<(usize, char)> = text.char_indices().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        if !chars[i].1.is_ascii_digit() || (i > 0 && chars[i - 1].1.is_ascii_digit()) {
            i += 1;
            continue;
        }
        // digits
        let mut j = i;
        while j < chars.len() && chars[j].1.is_ascii_digit() {
            j += 1;
        }
        // "30a/2008/NQ-CP": one lower-case letter may follow the digits.
        if chars.get(j).is_some_and(|c| c.1.is_ascii_lowercase())
            && chars.get(j + 1).is_some_and(|c| c.1 == '/')
        {
            j += 1;
        }
        // "/yyyy/"
        // "…năm 201102/2011/QH13": a year glued before the number's own digits.
        let run = &chars[i..j];
        if run.iter().filter(|c| c.1.is_ascii_digit()).count() >= 5
            && matches!((run[0].1, run[1].1), ('1', '9') | ('2', '0'))
        {
            i += 4;
        }
        let year_ok = j + 6 <= chars.len()
            && chars[j].1 == '/'
            && chars[j + 1..j + 5].iter().all(|c| c.1.is_ascii_digit())
            && chars[j + 5].1 == '/';
        if !year_ok {
            i = j;
            continue;
        }
        let mut k = j + 6;
        let suffix_start = k;
        while k < chars.len() {
            let c = chars[k].1;
            let next = chars.get(k + 1).map(|c| c.1);
            let is_suffix_char =
                c.is_ascii_uppercase() || c.is_ascii_digit() || c == 'Đ' || c == '-';
            if !is_suffix_char {
                break;
            }
            // A capital followed by a lower-case letter starts the next title.
            if c.is_uppercase() && next.is_some_and(char::is_lowercase) {
                break;
            }
            // Digits followed by '/' start the next number.
            if c.is_ascii_digit() {
                let mut m = k;
                while m < chars.len() && chars[m].1.is_ascii_digit() {
                    m += 1;
                }
                if chars.get(m).is_some_and(|c| c.1 == '/') {
                    break;
                }
            }
            k += 1;
        }
        while k > suffix_start && chars[k - 1].1 == '-' {
            k -= 1;
        }
        if k > suffix_start {
            let end = chars.get(k).map_or(text.len(), |c| c.0);
            out.push((chars[i].0, end));
        }
        i = k.max(i + 1);
    }
    out
}

// ---------------------------------------------------------------------------------------------
// ket_qua_xu_ly: "<result>Mã: KQ.G01.000105<result>Mã: …Từ khóa…Mô tả…" + page furniture

/// One result per "Mã: KQ…" entry; the text from "Từ khóa" on is page furniture.
pub fn parse_results(text: &str) -> Vec<String> {
    let text = text.trim();
    let body = match text.find("Từ khóa") {
        Some(i) => &text[..i],
        None => text,
    };
    let mut results = Vec::new();
    let mut rest = body;
    while let Some(i) = rest.find("Mã: ") {
        let name = rest[..i].trim();
        if !name.is_empty() {
            results.push(name.to_string());
        }
        // Skip the code itself: "KQ.G01.000105" (capitals, digits, dots).
        let after = &rest[i + "Mã: ".len()..];
        // The run ends at its last digit: "KQ.G01.000106Quyết…" → "KQ.G01.000106".
        let run_end = after
            .char_indices()
            .find(|&(_, c)| !(c.is_ascii_uppercase() || c.is_ascii_digit() || c == '.'))
            .map_or(after.len(), |(j, _)| j);
        let code_end = after[..run_end]
            .rfind(|c: char| c.is_ascii_digit())
            .map_or(run_end, |j| j + 1);
        rest = &after[code_end..];
    }
    let tail = rest.trim();
    if !tail.is_empty() && tail != NO_INFO {
        results.push(tail.to_string());
    }
    results
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tl(hundredths: u32, unit: TimeUnit) -> Option<TimeLimit> {
        Some(TimeLimit { hundredths, unit })
    }

    #[test]
    fn channel_table_rows_units_and_fees() {
        let mut issues = Vec::new();
        let rows = parse_channel_table(
            "Hình thức nộpThời gianPhí, lệ phíMô tảTrực tiếp15 Ngày làm việcLệ phí : 8.000 Đồng\
             (8.000 đồng/bản)Nộp tại Bộ phận Một cửaTrực tuyến0,5 NgàyMiễn phíDịch vụ bưu chính\
             8 Giờ2,000,000 Việt Nam ĐồngTrực tiếp6 Tháng100 USD",
            &mut issues,
        );
        assert_eq!(rows.len(), 4);
        assert_eq!(rows[0].channel, Channel::Counter);
        assert_eq!(rows[0].time_limit, tl(1500, TimeUnit::WorkingDays));
        assert_eq!(rows[0].time_limit_text, "15 Ngày làm việc");
        assert_eq!(rows[0].fees[0].amount_vnd, Some(8000));
        assert_eq!(rows[0].fees[0].text, "Lệ phí : 8.000 Đồng(8.000 đồng/bản)");
        assert_eq!(rows[0].description, "Nộp tại Bộ phận Một cửa");
        assert_eq!(rows[1].channel, Channel::Online);
        assert_eq!(rows[1].time_limit, tl(50, TimeUnit::CalendarDays));
        assert_eq!(rows[1].fees[0].amount_vnd, Some(0));
        assert_eq!(rows[2].channel, Channel::Postal);
        assert_eq!(rows[2].time_limit, tl(800, TimeUnit::WorkingHours));
        assert_eq!(rows[2].fees[0].amount_vnd, Some(2_000_000));
        assert_eq!(rows[3].time_limit, tl(600, TimeUnit::Months));
        assert_eq!(rows[3].fees[0].amount_vnd, None);
        assert_eq!(issues.len(), 1);
        assert_eq!(issues[0].kind, IssueKind::FeeNotInDong);
    }

    #[test]
    fn channel_table_problems_become_issues() {
        let mut issues = Vec::new();
        let rows = parse_channel_table(
            "Hình thức nộpThời gianPhí, lệ phíMô tảTrực tiếp1Miễn phíTrực tuyến120 VNĐ\
             Dịch vụ bưu chínhKhông có thông tinKhông có thông tinGửi qua bưu điện\
             Trực tiếpKhông quy địnhMiễn phíTại Trung tâm",
            &mut issues,
        );
        assert_eq!(rows.len(), 4);
        assert_eq!(rows[3].time_limit_text, "Không quy định");
        assert_eq!(rows[3].fees[0].amount_vnd, Some(0));
        assert_eq!(rows[3].description, "Tại Trung tâm");
        assert_eq!(rows[0].time_limit, None);
        assert_eq!(rows[0].time_limit_text, "1");
        assert_eq!(rows[1].time_limit, None);
        assert_eq!(
            rows[1].fees[0].amount_vnd, None,
            "1 + 20 VNĐ or 120 VNĐ: unknown"
        );
        assert_eq!(rows[2].time_limit, None);
        assert_eq!(rows[2].fees, vec![]);
        assert_eq!(rows[2].description, "Gửi qua bưu điện");
        let kinds: Vec<_> = issues.iter().map(|i| i.kind).collect();
        assert_eq!(
            kinds,
            vec![
                IssueKind::TimeLimitWithoutUnit,
                IssueKind::TimeLimitRunsIntoFee
            ]
        );
    }

    #[test]
    fn description_mentioning_a_channel_is_not_a_row() {
        let mut issues = Vec::new();
        let rows = parse_channel_table(
            "Hình thức nộpThời gianPhí, lệ phíMô tảTrực tiếp5 Ngày làm việcMiễn phíNộp Trực tiếp: tại Sở",
            &mut issues,
        );
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].description, "Nộp Trực tiếp: tại Sở");
        assert!(issues.is_empty());
    }

    #[test]
    fn decimals_and_amounts() {
        assert_eq!(read_decimal("0,5 Ngày"), Some((50, " Ngày")));
        assert_eq!(read_decimal("1.25"), Some((125, "")));
        assert_eq!(read_decimal("15Miễn"), Some((1500, "Miễn")));
        assert_eq!(read_decimal("2,000,000"), None);
        assert_eq!(read_amount("8.000 Đồng").map(|a| a.0), Some(8000));
        assert_eq!(
            read_amount("70,000 VNĐ(x)").map(|a| (a.0, a.2)),
            Some((70_000, "(x)"))
        );
        assert_eq!(read_amount("Phí: 50.000 đồng").map(|a| a.0), Some(50_000));
        assert_eq!(read_amount("10 USD").map(|a| (a.0, a.1)), Some((10, false)));
        assert_eq!(read_amount("8.00 Đồng"), None);
        assert_eq!(read_amount("Theo quy định"), None);
    }

    #[test]
    fn levels_and_applicant_types() {
        let mut issues = Vec::new();
        assert_eq!(
            parse_levels("Cấp bộ, Cấp tỉnh, Cấp xã, Cơ quan khác", &mut issues),
            vec![
                ProcedureLevel::Ministry,
                ProcedureLevel::Province,
                ProcedureLevel::Commune,
                ProcedureLevel::Other
            ]
        );
        assert_eq!(
            parse_levels("Cấp huyện", &mut issues),
            vec![ProcedureLevel::District]
        );
        assert!(issues.is_empty());
        assert_eq!(parse_levels("Cấp thôn", &mut issues), vec![]);
        assert_eq!(issues[0].kind, IssueKind::UnknownLevel);
        assert_eq!(
            split_applicant_types(
                "Tổ chức (không bao gồm doanh nghiệp, HTX), Cán bộ, công chức, viên chức, Doanh nghiệp"
            ),
            vec![
                "Tổ chức (không bao gồm doanh nghiệp, HTX)",
                "Cán bộ, công chức, viên chức",
                "Doanh nghiệp"
            ]
        );
    }

    #[test]
    fn components_with_counts_and_templates() {
        let mut issues = Vec::new();
        let c = parse_components(
            "--Tên giấy tờMẫu đơn, tờ khaiSố lượngTờ khai đăng ký khai sinh theo mẫu;TK01.docx1 bản chính\
             Giấy chứng sinh0 bản chính,1 bản sao\
             Văn bản theo Nghị định ngày 27/12/20211 bản chính2. Trường hợp khác\
             Tên giấy tờMẫu đơn, tờ khaiSố lượngBản sao hộ chiếu1 bản chụpGhi chú không số--",
            &mut issues,
        );
        assert_eq!(c.len(), 4);
        assert_eq!((c[3].originals, c[3].copies), (0, 1));
        assert_eq!(c[0].name, "Tờ khai đăng ký khai sinh theo mẫu;");
        assert_eq!(c[0].form_template.as_deref(), Some("TK01.docx"));
        assert_eq!((c[0].originals, c[0].copies), (1, 0));
        assert_eq!(c[1].name, "Giấy chứng sinh");
        assert_eq!((c[1].originals, c[1].copies), (0, 1));
        assert_eq!(c[2].name, "Văn bản theo Nghị định ngày 27/12/2021");
        assert_eq!(c[2].originals, 1);
        assert_eq!(issues.len(), 1);
        assert_eq!(issues[0].kind, IssueKind::ComponentWithoutCount);
        assert_eq!(issues[0].raw, "Ghi chú không số");
    }

    #[test]
    fn legal_bases_numbers_and_titles() {
        let mut issues = Vec::new();
        let b = parse_legal_bases(
            "Tên văn bản pháp lýMã văn bảnHướng dẫn xử lý khiếu nại68/2013/TT-BCALuật Khiếu nại năm 2011\
             02/2011/QH13Nghị định 05/2012/NĐ-CP05/2012/NĐ-CPLuật Hộ tịch60/2014/QH13\
             Về giảm nghèo nhanhNghị quyết số 30a/2008/NQ-CP",
            &mut issues,
        );
        let numbers: Vec<_> = b.iter().map(|b| b.number.as_str()).collect();
        assert_eq!(
            numbers,
            vec![
                "68/2013/TT-BCA",
                "02/2011/QH13",
                "05/2012/NĐ-CP",
                "60/2014/QH13",
                "30a/2008/NQ-CP"
            ]
        );
        assert_eq!(b[0].title, "Hướng dẫn xử lý khiếu nại");
        assert_eq!(b[1].title, "Luật Khiếu nại năm 2011");
        assert_eq!(b[2].title, "Nghị định");
        assert_eq!(b[3].title, "Luật Hộ tịch");
        assert_eq!(b[4].title, "Về giảm nghèo nhanhNghị quyết");
        assert!(issues.is_empty());
        parse_legal_bases("Tên văn bản pháp lýMã văn bảnLuật đất đai", &mut issues);
        assert_eq!(issues[0].kind, IssueKind::LegalBasisUnreadable);
    }

    #[test]
    fn results_split_on_codes() {
        assert_eq!(
            parse_results(
                "Quyết định trợ cấp hàng tháng (Mẫu số 05A)Mã: KQ.G01.000105Quyết định trợ cấp một lần\
                 Mã: KQ.G01.000106Từ khóaKhông có thông tinMô tảNộp hồ sơ"
            ),
            vec![
                "Quyết định trợ cấp hàng tháng (Mẫu số 05A)",
                "Quyết định trợ cấp một lần"
            ]
        );
        assert_eq!(parse_results("Giấy phép"), vec!["Giấy phép"]);
        assert!(parse_results("").is_empty());
    }

    #[test]
    fn record_errors_name_the_field() {
        assert!(matches!(
            parse_record("not json"),
            Err(RecordError::NotJson(_))
        ));
        assert!(matches!(parse_record("[1]"), Err(RecordError::NotJson(_))));
        assert_eq!(
            parse_record(r#"{"ten_thu_tuc":"x"}"#),
            Err(RecordError::MissingField {
                field: "ma_thu_tuc"
            })
        );
        match parse_record(r#"{"ma_thu_tuc":"1-000178"}"#) {
            Err(RecordError::InvalidField { field, value, .. }) => {
                assert_eq!(field, "ma_thu_tuc");
                assert_eq!(value, "1-000178");
            }
            other => panic!("expected InvalidField, got {other:?}"),
        }
    }

    #[test]
    fn whole_record() {
        let line = r#"{"ma_thu_tuc":"1.001193","ten_thu_tuc":"Thủ tục đăng ký khai sinh",
            "so_quyet_dinh":"1872/QĐ-BTP","cap_thuc_hien":"Cấp xã","linh_vuc":"Hộ tịch",
            "doi_tuong_thuc_hien":"Công dân Việt Nam","co_quan_co_tham_quyen":"",
            "co_quan_thuc_hien":"Ủy ban nhân dân cấp xã",
            "cach_thuc_thuc_hien":"Hình thức nộpThời gianPhí, lệ phíMô tảTrực tuyến1 Ngày làm việcMiễn phíTrực tiếp1 Ngày làm việcLệ phí : 8.000 Đồng",
            "thanh_phan_ho_so":"--Tên giấy tờMẫu đơn, tờ khaiSố lượngTờ khai đăng ký khai sinh1 bản chính",
            "can_cu_phap_ly":"Tên văn bản pháp lýMã văn bảnLuật Hộ tịch60/2014/QH13",
            "ket_qua_xu_ly":"Giấy khai sinhMã: KQ.G15.000001Từ khóa",
            "trinh_tu_thuc_hien":"Bước 1: nộp hồ sơ","yeu_cau_dieu_kien":"Không có thông tin",
            "detail_url":"https://example.invalid/1","loai_thu_tuc":7}"#;
        let parsed = parse_record(line).expect("record parses");
        let p = &parsed.procedure;
        assert_eq!(p.code.as_str(), "1.001193");
        assert_eq!(p.decision, "1872/QĐ-BTP");
        assert_eq!(p.levels, vec![ProcedureLevel::Commune]);
        assert_eq!(p.fields, vec!["Hộ tịch"]);
        assert_eq!(p.competent_agency, "Ủy ban nhân dân cấp xã");
        assert_eq!(p.channels.len(), 2);
        // The counter row decides the time limit.
        assert_eq!(p.time_limit, tl(100, TimeUnit::WorkingDays));
        assert_eq!(p.online_level, OnlineLevel::Partial);
        assert!(p.has_fee());
        assert_eq!(p.components[0].name, "Tờ khai đăng ký khai sinh");
        assert_eq!(p.legal_bases[0].number, "60/2014/QH13");
        assert_eq!(p.results, vec!["Giấy khai sinh"]);
        assert_eq!(p.requirements, "");
        assert_eq!(p.steps, "Bước 1: nộp hồ sơ");
        // loai_thu_tuc is not read; no issue for it.
        assert!(parsed.issues.is_empty(), "{:?}", parsed.issues);
    }

    #[test]
    fn online_level_rule() {
        let online = ChannelOption {
            channel: Channel::Online,
            time_limit: None,
            time_limit_text: String::new(),
            fees: vec![],
            description: String::new(),
        };
        let counter = ChannelOption {
            channel: Channel::Counter,
            ..online.clone()
        };
        assert_eq!(
            infer_online_level("Đăng ký xe", std::slice::from_ref(&counter)),
            OnlineLevel::None
        );
        assert_eq!(
            infer_online_level("Đăng ký xe", &[counter, online.clone()]),
            OnlineLevel::Partial
        );
        assert_eq!(
            infer_online_level("Đăng ký xe trực tuyến toàn trình", &[online]),
            OnlineLevel::Full
        );
        assert_eq!(infer_online_level("… toàn trình", &[]), OnlineLevel::None);
    }
}

#[cfg(test)]
mod never_panics {
    use super::*;
    use proptest::prelude::*;

    /// Text made of the pieces the parsers look for, glued in random order with Vietnamese
    /// letters, digits and punctuation: the parsers slice strings, so this hunts for slicing at
    /// a non-character boundary.
    fn messy() -> impl Strategy<Value = String> {
        let piece = prop_oneof![
            Just("Trực tiếp".to_string()),
            Just("Trực tuyến".to_string()),
            Just("Dịch vụ bưu chính".to_string()),
            Just(" Ngày làm việc".to_string()),
            Just("Không có thông tin".to_string()),
            Just(" bản chính".to_string()),
            Just(",1 bản sao".to_string()),
            Just("Tên giấy tờMẫu đơn, tờ khaiSố lượng".to_string()),
            Just("/2014/QH13".to_string()),
            Just("Mã: KQ.G01.".to_string()),
            Just(" VNĐ".to_string()),
            Just("(".to_string()),
            Just(")".to_string()),
            "[0-9.,]{1,4}",
            "[a-zA-ZđĐơưáàảãạ ;:.-]{0,6}",
        ];
        prop::collection::vec(piece, 0..24).prop_map(|v| v.concat())
    }

    proptest! {
        #[test]
        fn any_text_parses_without_panic(a in messy(), b in messy(), c in messy(), d in messy()) {
            let mut issues = Vec::new();
            let table = format!("{CHANNEL_HEADER}{a}");
            let _ = parse_channel_table(&table, &mut issues);
            let _ = parse_channel_table(&b, &mut issues);
            let _ = parse_components(&c, &mut issues);
            let _ = parse_legal_bases(&d, &mut issues);
            let _ = parse_results(&a);
            let _ = split_applicant_types(&b);
            let line = serde_json::json!({
                "ma_thu_tuc": "1.000001", "ten_thu_tuc": a, "cach_thuc_thuc_hien": b,
                "thanh_phan_ho_so": c, "can_cu_phap_ly": d,
            });
            prop_assert!(parse_record(&line.to_string()).is_ok());
        }
    }
}
