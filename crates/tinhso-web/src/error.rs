//! The API's error contract: one table of stable codes, each with its HTTP status and a
//! Vietnamese and English message. Every JSON error body is
//! `{"error": {"code": "...", "message": "<vi>", "message_en": "<en>", "detail": "..."}}`.
//! The code doubles as the message id for translations; clients branch on it, never on text.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Serialize;

/// Stable error codes. Never rename one: clients depend on them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorCode {
    NotFound,
    ProcedureNotFound,
    UnitNotFound,
    AgencyNotFound,
    InvalidQuery,
    InvalidProcedureCode,
    InvalidAgencyEId,
    InvalidDate,
    InvalidTimeLimit,
    DatabaseUnavailable,
    Internal,
    Unauthenticated,
    Forbidden,
    DossierNotFound,
    InvalidDossierCode,
    IdempotencyKeyReused,
    InvalidIdempotencyKey,
    Conflict,
    InvalidJson,
    InvalidRequest,
    PayloadTooLarge,
    UnknownAction,
    ChannelNotAllowed,
    AgencyNotImplementing,
    NoTimeLimit,
    AttachmentMissing,
    AttachmentNotFound,
    FormNotAvailable,
    ObjectStoreUnavailable,
    ObjectCorrupted,
    IllegalTransition,
    RoleNotAllowed,
    NotYourAgency,
    NotYourDossier,
    NotInWorkflow,
    AtOtherAgency,
    ReasonRequired,
    AmountRequired,
    SameAgency,
    ExtensionAfterDue,
    ExtensionNotLater,
    DueNotWorkingTime,
    TimeOutOfOrder,
    WorkflowMismatch,
    InvalidWorkflow,
    ChannelMismatch,
    EmptyFile,
    FileTooLarge,
    FileTypeNotAllowed,
    FileTypeMismatch,
    ArchiveBomb,
    ImageTooLarge,
    ActiveContent,
    FileDamaged,
    InvalidFileName,
    CsrfFailed,
    WrongCredentials,
    WeakPassword,
    InvalidPhone,
    InvalidEmail,
    LoginTaken,
    InvalidIdNumber,
    IdentityNotMatched,
    AlreadyVerified,
    PopulationUnavailable,
    TooManyAttempts,
    ResetLinkInvalid,
    ResetLinkUsed,
    ResetLinkExpired,
}

/// (code, status, Vietnamese, English)
pub const ERROR_TABLE: &[(ErrorCode, &str, u16, &str, &str)] = &[
    (
        ErrorCode::NotFound,
        "not_found",
        404,
        "Không tìm thấy trang hoặc tài nguyên.",
        "No such page or resource.",
    ),
    (
        ErrorCode::ProcedureNotFound,
        "procedure_not_found",
        404,
        "Không có thủ tục hành chính với mã này.",
        "No procedure with this code.",
    ),
    (
        ErrorCode::UnitNotFound,
        "unit_not_found",
        404,
        "Không có đơn vị hành chính với mã này.",
        "No administrative unit with this code.",
    ),
    (
        ErrorCode::AgencyNotFound,
        "agency_not_found",
        404,
        "Không có cơ quan với mã định danh này.",
        "No agency with this e-ID.",
    ),
    (
        ErrorCode::InvalidQuery,
        "invalid_query",
        400,
        "Tham số truy vấn không hợp lệ.",
        "Invalid query parameters.",
    ),
    (
        ErrorCode::InvalidProcedureCode,
        "invalid_procedure_code",
        400,
        "Mã thủ tục không hợp lệ (ví dụ đúng: 1.001193).",
        "Invalid procedure code (e.g. 1.001193).",
    ),
    (
        ErrorCode::InvalidAgencyEId,
        "invalid_agency_eid",
        400,
        "Mã định danh cơ quan không hợp lệ (QĐ 20/2020, ví dụ 000.00.04.H40).",
        "Invalid agency e-ID (QĐ 20/2020, e.g. 000.00.04.H40).",
    ),
    (
        ErrorCode::InvalidDate,
        "invalid_date",
        400,
        "Ngày hoặc thời điểm không hợp lệ (ví dụ đúng: 2026-02-13T16:00).",
        "Invalid date or time (e.g. 2026-02-13T16:00).",
    ),
    (
        ErrorCode::InvalidTimeLimit,
        "invalid_time_limit",
        400,
        "Thời hạn không hợp lệ (ví dụ: 3 ngày làm việc).",
        "Invalid time limit (e.g. 3 working days).",
    ),
    (
        ErrorCode::DatabaseUnavailable,
        "database_unavailable",
        503,
        "Cơ sở dữ liệu tạm thời không truy cập được, vui lòng thử lại.",
        "The database is temporarily unavailable; please retry.",
    ),
    (
        ErrorCode::Unauthenticated,
        "unauthenticated",
        401,
        "Cần đăng nhập: gửi mã truy cập trong tiêu đề Authorization: Bearer.",
        "Authentication required: send a token in the Authorization: Bearer header.",
    ),
    (
        ErrorCode::Forbidden,
        "forbidden",
        403,
        "Bạn không có quyền thực hiện việc này.",
        "You are not allowed to do this.",
    ),
    (
        ErrorCode::DossierNotFound,
        "dossier_not_found",
        404,
        "Không tìm thấy hồ sơ.",
        "No such dossier.",
    ),
    (
        ErrorCode::InvalidDossierCode,
        "invalid_dossier_code",
        400,
        "Mã hồ sơ không hợp lệ (ví dụ đúng: 000.00.04.H40-230414-0002).",
        "Invalid dossier code (e.g. 000.00.04.H40-230414-0002).",
    ),
    (
        ErrorCode::IdempotencyKeyReused,
        "idempotency_key_reused",
        409,
        "Khóa Idempotency-Key đã được dùng cho một yêu cầu khác.",
        "The Idempotency-Key was already used for a different request.",
    ),
    (
        ErrorCode::InvalidIdempotencyKey,
        "invalid_idempotency_key",
        400,
        "Khóa Idempotency-Key phải gồm 1–200 ký tự ASCII nhìn thấy được.",
        "The Idempotency-Key must be 1–200 visible ASCII characters.",
    ),
    (
        ErrorCode::Conflict,
        "conflict",
        409,
        "Hồ sơ vừa được người khác cập nhật; vui lòng thử lại.",
        "The dossier was changed concurrently; please retry.",
    ),
    (
        ErrorCode::InvalidJson,
        "invalid_json",
        400,
        "Nội dung gửi lên không phải JSON hợp lệ.",
        "The request body is not valid JSON.",
    ),
    (
        ErrorCode::InvalidRequest,
        "invalid_request",
        422,
        "Dữ liệu gửi lên không hợp lệ.",
        "The request data is invalid.",
    ),
    (
        ErrorCode::PayloadTooLarge,
        "payload_too_large",
        413,
        "Nội dung gửi lên quá lớn.",
        "The request body is too large.",
    ),
    (
        ErrorCode::UnknownAction,
        "unknown_action",
        422,
        "Không có thao tác này trên hồ sơ.",
        "No such action on a dossier.",
    ),
    (
        ErrorCode::ChannelNotAllowed,
        "channel_not_allowed",
        422,
        "Kênh nộp hồ sơ không phù hợp với người nộp.",
        "The channel does not suit the submitter.",
    ),
    (
        ErrorCode::AgencyNotImplementing,
        "agency_not_implementing",
        422,
        "Cơ quan này không thực hiện thủ tục đã chọn.",
        "This agency does not carry out the chosen procedure.",
    ),
    (
        ErrorCode::NoTimeLimit,
        "no_time_limit",
        422,
        "Thủ tục chưa có thời hạn giải quyết nên chưa tính được ngày hẹn trả.",
        "The procedure has no time limit, so no due date can be computed.",
    ),
    (
        ErrorCode::AttachmentMissing,
        "attachment_missing",
        422,
        "Tệp đính kèm được dẫn chiếu chưa được tải lên.",
        "A cited attachment was never uploaded.",
    ),
    (
        ErrorCode::AttachmentNotFound,
        "attachment_not_found",
        404,
        "Không tìm thấy tệp đính kèm.",
        "No such attachment.",
    ),
    (
        ErrorCode::FormNotAvailable,
        "form_not_available",
        409,
        "Hồ sơ chưa có biểu mẫu này (chưa xảy ra sự việc tương ứng).",
        "This form does not exist for the dossier (its event has not happened).",
    ),
    (
        ErrorCode::ObjectStoreUnavailable,
        "object_store_unavailable",
        503,
        "Kho tệp tạm thời không truy cập được, vui lòng thử lại.",
        "The file store is temporarily unavailable; please retry.",
    ),
    (
        ErrorCode::ObjectCorrupted,
        "object_corrupted",
        500,
        "Tệp lưu trữ đã bị hỏng; vui lòng báo quản trị viên.",
        "A stored file is corrupted; please tell the administrator.",
    ),
    (
        ErrorCode::IllegalTransition,
        "illegal_transition",
        409,
        "Không thể thực hiện thao tác này ở trạng thái hiện tại của hồ sơ.",
        "This action is not possible in the dossier's current status.",
    ),
    (
        ErrorCode::RoleNotAllowed,
        "role_not_allowed",
        403,
        "Vai trò của bạn không được thực hiện thao tác này.",
        "Your role may not perform this action.",
    ),
    (
        ErrorCode::NotYourAgency,
        "not_your_agency",
        403,
        "Hồ sơ không thuộc cơ quan của bạn ở bước này.",
        "The dossier is not at your agency at this step.",
    ),
    (
        ErrorCode::NotYourDossier,
        "not_your_dossier",
        403,
        "Hồ sơ không phải của bạn.",
        "The dossier is not yours.",
    ),
    (
        ErrorCode::NotInWorkflow,
        "not_in_workflow",
        409,
        "Quy trình không cho phép thao tác này ở bước hiện tại.",
        "The workflow does not offer this action at the current step.",
    ),
    (
        ErrorCode::AtOtherAgency,
        "at_other_agency",
        409,
        "Hồ sơ đang được xử lý tại cơ quan khác.",
        "The dossier is being handled at another agency.",
    ),
    (
        ErrorCode::ReasonRequired,
        "reason_required",
        422,
        "Cần ghi rõ lý do.",
        "A reason is required.",
    ),
    (
        ErrorCode::AmountRequired,
        "amount_required",
        422,
        "Cần số tiền lớn hơn 0.",
        "An amount above zero is required.",
    ),
    (
        ErrorCode::SameAgency,
        "same_agency",
        422,
        "Không chuyển hồ sơ cho chính cơ quan đang xử lý.",
        "Cannot transfer to the agency already handling it.",
    ),
    (
        ErrorCode::ExtensionAfterDue,
        "extension_after_due",
        409,
        "Đã quá hạn: văn bản xin lỗi và gia hạn (Mẫu 04) phải gửi trước hạn.",
        "The due date has passed: the apology and extension (Mẫu 04) must come before it.",
    ),
    (
        ErrorCode::ExtensionNotLater,
        "extension_not_later",
        422,
        "Ngày hẹn mới phải sau ngày hẹn cũ.",
        "The new due date must be after the old one.",
    ),
    (
        ErrorCode::DueNotWorkingTime,
        "due_not_working_time",
        422,
        "Ngày hẹn mới không nằm trong giờ làm việc.",
        "The new due date is not within working time.",
    ),
    (
        ErrorCode::TimeOutOfOrder,
        "time_out_of_order",
        409,
        "Thời điểm thao tác trước sự kiện gần nhất của hồ sơ.",
        "The action's time is before the dossier's latest event.",
    ),
    (
        ErrorCode::WorkflowMismatch,
        "workflow_mismatch",
        409,
        "Quy trình không khớp với hồ sơ.",
        "The workflow does not match the dossier.",
    ),
    (
        ErrorCode::InvalidWorkflow,
        "invalid_workflow",
        409,
        "Quy trình của thủ tục có lỗi; vui lòng báo quản trị viên.",
        "The procedure's workflow is invalid; please tell the administrator.",
    ),
    (
        ErrorCode::ChannelMismatch,
        "channel_mismatch",
        422,
        "Hồ sơ trực tuyến do chủ hồ sơ tự nộp.",
        "An online dossier is submitted by the applicant.",
    ),
    (
        ErrorCode::EmptyFile,
        "empty_file",
        422,
        "Tệp tải lên không có nội dung.",
        "The uploaded file is empty.",
    ),
    (
        ErrorCode::FileTooLarge,
        "file_too_large",
        413,
        "Tệp quá dung lượng cho phép.",
        "The file is larger than allowed.",
    ),
    (
        ErrorCode::FileTypeNotAllowed,
        "file_type_not_allowed",
        415,
        "Loại tệp không được chấp nhận. Vui lòng gửi PDF, ảnh JPEG/PNG hoặc tài liệu văn phòng.",
        "This type of file is not accepted. Please send a PDF, a JPEG/PNG image or an office document.",
    ),
    (
        ErrorCode::FileTypeMismatch,
        "file_type_mismatch",
        422,
        "Phần mở rộng của tên tệp không khớp với nội dung tệp.",
        "The file name's extension does not match the file's content.",
    ),
    (
        ErrorCode::ArchiveBomb,
        "archive_bomb",
        422,
        "Tệp nén có dung lượng giải nén hoặc số thành phần vượt giới hạn.",
        "The compressed file would expand beyond the limits.",
    ),
    (
        ErrorCode::ImageTooLarge,
        "image_too_large",
        422,
        "Ảnh có kích thước (số điểm ảnh) vượt giới hạn.",
        "The image has more pixels than allowed.",
    ),
    (
        ErrorCode::ActiveContent,
        "active_content",
        422,
        "Tệp chứa macro, mã lệnh hoặc liên kết thực thi; vui lòng lưu lại ở dạng không có macro (ví dụ PDF).",
        "The file contains macros, scripts or executable links; please save it without them (e.g. as PDF).",
    ),
    (
        ErrorCode::FileDamaged,
        "file_damaged",
        422,
        "Tệp bị hỏng hoặc tải lên chưa trọn vẹn; vui lòng tải lại.",
        "The file is damaged or was not fully uploaded; please upload it again.",
    ),
    (
        ErrorCode::InvalidFileName,
        "invalid_file_name",
        422,
        "Tên tệp không hợp lệ.",
        "Invalid file name.",
    ),
    (
        ErrorCode::CsrfFailed,
        "csrf_failed",
        403,
        "Biểu mẫu đã hết hạn hoặc không đến từ trang này; vui lòng tải lại trang và gửi lại.",
        "The form expired or did not come from this site; reload the page and submit again.",
    ),
    (
        ErrorCode::WrongCredentials,
        "wrong_credentials",
        401,
        "Sai tài khoản hoặc mật khẩu.",
        "Wrong account or password.",
    ),
    (
        ErrorCode::WeakPassword,
        "weak_password",
        422,
        "Mật khẩu không đạt yêu cầu.",
        "The password does not meet the rules.",
    ),
    (
        ErrorCode::InvalidPhone,
        "invalid_phone",
        422,
        "Số điện thoại di động không hợp lệ (ví dụ đúng: 0912 345 678).",
        "Not a Vietnamese mobile number (e.g. 0912 345 678).",
    ),
    (
        ErrorCode::InvalidEmail,
        "invalid_email",
        422,
        "Địa chỉ thư điện tử không hợp lệ.",
        "Not a valid e-mail address.",
    ),
    (
        ErrorCode::LoginTaken,
        "login_taken",
        409,
        "Số điện thoại hoặc thư điện tử này đã có tài khoản; hãy đăng nhập hoặc đặt lại mật khẩu.",
        "This phone number or e-mail address already has an account; sign in or reset the password.",
    ),
    (
        ErrorCode::InvalidIdNumber,
        "invalid_id_number",
        422,
        "Số định danh cá nhân gồm 12 chữ số và phải khớp năm sinh.",
        "The personal ID number has 12 digits and must match the year of birth.",
    ),
    (
        ErrorCode::IdentityNotMatched,
        "identity_not_matched",
        422,
        "Thông tin không khớp với Cơ sở dữ liệu quốc gia về dân cư.",
        "The details do not match the national population database.",
    ),
    (
        ErrorCode::AlreadyVerified,
        "already_verified",
        409,
        "Tài khoản đã được xác thực mức 2.",
        "The account is already verified (level 2).",
    ),
    (
        ErrorCode::PopulationUnavailable,
        "population_unavailable",
        503,
        "Chưa kết nối được nguồn dữ liệu dân cư; vui lòng thử lại sau.",
        "The population data source cannot be reached; please try again later.",
    ),
    (
        ErrorCode::TooManyAttempts,
        "too_many_attempts",
        429,
        "Thử sai quá nhiều lần; vui lòng đợi rồi thử lại.",
        "Too many failed attempts; please wait and try again.",
    ),
    (
        ErrorCode::ResetLinkInvalid,
        "reset_link_invalid",
        400,
        "Liên kết đặt lại mật khẩu không hợp lệ.",
        "Invalid password reset link.",
    ),
    (
        ErrorCode::ResetLinkUsed,
        "reset_link_used",
        410,
        "Liên kết đặt lại mật khẩu đã được dùng; hãy yêu cầu liên kết mới.",
        "The password reset link was already used; ask for a new one.",
    ),
    (
        ErrorCode::ResetLinkExpired,
        "reset_link_expired",
        410,
        "Liên kết đặt lại mật khẩu đã hết hạn; hãy yêu cầu liên kết mới.",
        "The password reset link has expired; ask for a new one.",
    ),
    (
        ErrorCode::Internal,
        "internal_error",
        500,
        "Lỗi hệ thống. Vui lòng thử lại sau.",
        "Internal error. Please try again later.",
    ),
];

impl ErrorCode {
    fn row(self) -> &'static (ErrorCode, &'static str, u16, &'static str, &'static str) {
        ERROR_TABLE
            .iter()
            .find(|r| r.0 == self)
            .unwrap_or(&ERROR_TABLE[ERROR_TABLE.len() - 1])
    }
    pub fn as_str(self) -> &'static str {
        self.row().1
    }
    pub fn status(self) -> StatusCode {
        StatusCode::from_u16(self.row().2).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
    }
    /// The Vietnamese and English messages.
    pub fn messages(self) -> (&'static str, &'static str) {
        let row = self.row();
        (row.3, row.4)
    }
    /// The code with this snake_case name.
    pub fn from_name(name: &str) -> Option<ErrorCode> {
        ERROR_TABLE.iter().find(|r| r.1 == name).map(|r| r.0)
    }
}

/// An API error: a stable code plus an optional detail (never personal data, never secrets).
#[derive(Debug)]
pub struct ApiError {
    pub code: ErrorCode,
    pub detail: Option<String>,
}

impl ApiError {
    pub fn new(code: ErrorCode) -> Self {
        Self { code, detail: None }
    }
    pub fn with(code: ErrorCode, detail: impl Into<String>) -> Self {
        Self {
            code,
            detail: Some(detail.into()),
        }
    }
}

#[derive(Serialize)]
struct Body<'a> {
    error: Inner<'a>,
}

#[derive(Serialize)]
struct Inner<'a> {
    code: &'a str,
    message: &'a str,
    message_en: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    detail: Option<&'a str>,
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let row = self.code.row();
        if self.code == ErrorCode::Internal || self.code == ErrorCode::DatabaseUnavailable {
            tracing::error!(
                code = row.1,
                detail = self.detail.as_deref().unwrap_or(""),
                "request failed"
            );
        }
        let status = self.code.status();
        let body = Body {
            error: Inner {
                code: row.1,
                message: row.3,
                message_en: row.4,
                detail: self.detail.as_deref(),
            },
        };
        let mut response = (status, Json(body)).into_response();
        if self.code == ErrorCode::Unauthenticated {
            response.headers_mut().insert(
                axum::http::header::WWW_AUTHENTICATE,
                axum::http::HeaderValue::from_static("Bearer"),
            );
        }
        response
    }
}

impl From<tinhso_app::dossiers::DossierError> for ApiError {
    fn from(e: tinhso_app::dossiers::DossierError) -> Self {
        use tinhso_app::dossiers::DossierError as E;
        match e {
            E::Store(s) => s.into(),
            E::Form(f) => ApiError::with(ErrorCode::Internal, f.to_string()),
            E::WorkflowMissing(..) => ApiError::with(ErrorCode::Internal, e.to_string()),
            E::Object(ref o) if o.code() == "object_store_unavailable" => {
                tracing::error!(error = %o, "object store unavailable");
                ApiError::new(ErrorCode::ObjectStoreUnavailable)
            }
            E::Object(ref o) if o.code() == "object_corrupted" => {
                ApiError::with(ErrorCode::ObjectCorrupted, o.to_string())
            }
            E::Object(o) => ApiError::with(ErrorCode::Internal, o.to_string()),
            // Fixed texts and labels only: no personal data in these messages.
            other => match ErrorCode::from_name(other.code()) {
                Some(code) => ApiError::with(code, other.to_string()),
                None => ApiError::with(ErrorCode::Internal, other.to_string()),
            },
        }
    }
}

impl From<tinhso_store::StoreError> for ApiError {
    fn from(e: tinhso_store::StoreError) -> Self {
        match e {
            tinhso_store::StoreError::Unavailable(_) => {
                ApiError::new(ErrorCode::DatabaseUnavailable)
            }
            // The detail of other store errors may name tables or values: log, do not show.
            other => {
                tracing::error!(error = %other, "store error");
                ApiError::new(ErrorCode::Internal)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_and_messages_present() {
        let mut seen = std::collections::HashSet::new();
        for (code, name, status, vi, en) in ERROR_TABLE {
            assert!(seen.insert(*name), "duplicate {name}");
            assert!(!vi.is_empty() && !en.is_empty());
            assert!(StatusCode::from_u16(*status).is_ok());
            assert_eq!(code.as_str(), *name);
        }
        assert_eq!(ERROR_TABLE[ERROR_TABLE.len() - 1].0, ErrorCode::Internal);
    }

    #[test]
    fn every_domain_and_upload_code_is_in_the_table() {
        use tinhso_domain::dossier::{ActionKind, DomainError, NationalStatus};
        let domain = [
            DomainError::IllegalTransition {
                action: ActionKind::Accept,
                status: NationalStatus::Delivered,
            },
            DomainError::NotYourAgency,
            DomainError::NotYourDossier,
            DomainError::ReasonRequired,
            DomainError::AmountRequired,
            DomainError::SameAgency,
            DomainError::WorkflowMismatch,
            DomainError::InvalidWorkflow(String::new()),
            DomainError::ChannelMismatch,
        ];
        for e in domain {
            assert!(ErrorCode::from_name(e.code()).is_some(), "{}", e.code());
        }
        for (code, _, _) in tinhso_objects::UploadError::CODES {
            assert!(ErrorCode::from_name(code).is_some(), "{code}");
        }
        for code in [
            "role_not_allowed",
            "not_in_workflow",
            "at_other_agency",
            "extension_after_due",
            "extension_not_later",
            "due_not_working_time",
            "time_out_of_order",
        ] {
            assert!(ErrorCode::from_name(code).is_some(), "{code}");
        }
    }
}
