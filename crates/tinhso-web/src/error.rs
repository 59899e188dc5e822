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
        let body = Body {
            error: Inner {
                code: row.1,
                message: row.3,
                message_en: row.4,
                detail: self.detail.as_deref(),
            },
        };
        (self.code.status(), Json(body)).into_response()
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
    }
}
