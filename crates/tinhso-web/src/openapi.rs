//! The OpenAPI 3.1 description of every route, served at `GET /api/openapi.json`, and
//! [`Routes`], the one place routes are registered.
//!
//! Routes are added through [`Routes`], which builds the axum router and records each
//! (method, path) as it goes; [`DOCS`] describes each route. A test checks that the two lists
//! are the same, so a route cannot be added without its description, nor described without
//! existing. The error responses of each route come from the error table
//! ([`crate::error::ERROR_TABLE`]), so their statuses cannot drift.

use std::collections::BTreeMap;

use axum::handler::Handler;
use axum::http::Method;
use axum::routing::{get, post, MethodRouter};
use axum::{Json, Router};
use serde_json::{json, Map, Value};

use crate::error::ERROR_TABLE;
use crate::AppState;

/// A router that remembers its routes.
pub struct Routes {
    router: Router<AppState>,
    list: Vec<(Method, String)>,
}

impl Default for Routes {
    fn default() -> Self {
        Self::new()
    }
}

impl Routes {
    pub fn new() -> Self {
        Self {
            router: Router::new(),
            list: Vec::new(),
        }
    }

    /// A `GET` route.
    pub fn get<H, T>(self, path: &str, handler: H) -> Self
    where
        H: Handler<T, AppState>,
        T: 'static,
    {
        self.route(Method::GET, path, get(handler))
    }

    /// A `POST` route.
    pub fn post<H, T>(self, path: &str, handler: H) -> Self
    where
        H: Handler<T, AppState>,
        T: 'static,
    {
        self.route(Method::POST, path, post(handler))
    }

    /// A route with its own method router (for route-specific layers); `method` is the one
    /// method it serves.
    pub fn route(mut self, method: Method, path: &str, service: MethodRouter<AppState>) -> Self {
        self.router = self.router.route(path, service);
        self.list.push((method, path.to_string()));
        self
    }

    /// Another set of routes under `prefix`.
    pub fn nest(mut self, prefix: &str, other: Routes) -> Self {
        self.router = self.router.nest(prefix, other.router);
        self.list.extend(
            other
                .list
                .into_iter()
                .map(|(m, p)| (m, format!("{prefix}{p}"))),
        );
        self
    }

    /// Both sets of routes.
    pub fn merge(mut self, other: Routes) -> Self {
        self.router = self.router.merge(other.router);
        self.list.extend(other.list);
        self
    }

    /// The (method, path) of every route, in registration order.
    pub fn list(&self) -> &[(Method, String)] {
        &self.list
    }

    pub fn into_router(self) -> Router<AppState> {
        self.router
    }
}

/// A query parameter: name, schema, required, description. The schema is a JSON type name
/// ("string", "integer", "boolean") or, for a precise one, a JSON Schema object as text.
type QueryParam = (&'static str, &'static str, bool, &'static str);

/// Schemas of the values the API checks, so that the description is as strict as the handlers
/// (clients and schema-driven fuzzers then send what the API accepts).
const PROCEDURE_CODE: &str =
    r#"{"type": "string", "pattern": "^[0-9][.][0-9]{6}$", "examples": ["1.001193"]}"#;
const AGENCY_EID: &str = r#"{"type": "string", "pattern": "^[0-9A-Z]+([.][0-9A-Z]+){3,}$", "maxLength": 35, "examples": ["000.01.90.H61"]}"#;
const DOSSIER_CODE: &str = r#"{"type": "string", "pattern": "^[0-9A-Z.]{1,35}-[0-9]{6}-[0-9]{4,9}$", "examples": ["000.01.90.H61-260302-0001"]}"#;
const DATE: &str = r#"{"type": "string", "format": "date", "examples": ["2026-03-02"]}"#;
const LOCAL_DATE_TIME: &str = r#"{"type": "string", "pattern": "^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}(:[0-9]{2})?$", "examples": ["2026-02-13T16:00"]}"#;
const COUNT: &str = r#"{"type": "integer", "minimum": 0, "maximum": 4294967295}"#;

/// The schema of a path parameter of `path`.
fn path_param_schema(path: &str, name: &str) -> Value {
    let text = match name {
        "code" if path.starts_with("/api/v1/procedures/") => PROCEDURE_CODE,
        "code" if path.starts_with("/api/v1/dossiers/") => DOSSIER_CODE,
        "code" => r#"{"type": "string", "examples": ["86"]}"#,
        "eid" => AGENCY_EID,
        "year" => r#"{"type": "integer", "minimum": 1901, "maximum": 2199, "examples": [2026]}"#,
        "number" => r#"{"type": "string", "enum": ["01", "02", "03", "04", "05", "06"]}"#,
        "sha256" => r#"{"type": "string", "pattern": "^[0-9a-f]{64}$"}"#,
        _ => r#"{"type": "string"}"#,
    };
    param_schema(text)
}

/// A parameter schema: a type name, or a JSON Schema object as text.
fn param_schema(text: &str) -> Value {
    if text.trim_start().starts_with('{') {
        serde_json::from_str(text).unwrap_or_else(|_| json!({"type": "string"}))
    } else {
        json!({ "type": text })
    }
}

/// The description of one route.
pub struct RouteDoc {
    pub method: &'static str,
    pub path: &'static str,
    pub tag: &'static str,
    pub summary: &'static str,
    /// Needs `Authorization: Bearer <token>`.
    pub auth: bool,
    pub query: &'static [QueryParam],
    /// (content type, schema name in components) of the request body.
    pub body: Option<(&'static str, &'static str)>,
    /// (status, content type, schema name) of the success answer.
    pub ok: (u16, &'static str, Option<&'static str>),
    /// Error codes this route answers with (besides `internal_error`, `database_unavailable`
    /// and `invalid_query` for a URL holding `%00`, which any may).
    pub errors: &'static [&'static str],
}

const JSON: &str = "application/json";
const DOSSIER_ERRORS: &[&str] = &[
    "unauthenticated",
    "forbidden",
    "dossier_not_found",
    "invalid_dossier_code",
];

/// Every route, described.
pub const DOCS: &[RouteDoc] = &[
    RouteDoc {
        method: "GET",
        path: "/healthz",
        tag: "operations",
        summary: "Tiến trình còn chạy / Process alive",
        auth: false,
        query: &[],
        body: None,
        ok: (200, "text/plain", None),
        errors: &[],
    },
    RouteDoc {
        method: "GET",
        path: "/readyz",
        tag: "operations",
        summary: "Cơ sở dữ liệu truy cập được / Database reachable",
        auth: false,
        query: &[],
        body: None,
        ok: (200, "text/plain", None),
        errors: &[],
    },
    RouteDoc {
        method: "GET",
        path: "/metrics",
        tag: "operations",
        summary: "Số đo Prometheus / Prometheus metrics",
        auth: false,
        query: &[],
        body: None,
        ok: (200, "text/plain", None),
        errors: &[],
    },
    RouteDoc {
        method: "GET",
        path: "/api/openapi.json",
        tag: "operations",
        summary: "Mô tả OpenAPI 3.1 của API / This OpenAPI 3.1 description",
        auth: false,
        query: &[],
        body: None,
        ok: (200, JSON, None),
        errors: &[],
    },
    RouteDoc {
        method: "GET",
        path: "/api/v1/procedures",
        tag: "catalog",
        summary: "Tìm thủ tục (không cần dấu) / Search procedures (diacritics optional)",
        auth: false,
        query: &[
            ("q", r#"{"type": "string", "maxLength": 200}"#, false, "Search text, at most 200 characters"),
            ("field", "string", false, "Sector (lĩnh vực), e.g. Hộ tịch"),
            ("level", r#"{"type": "string", "enum": ["ministry", "province", "district", "commune", "other"]}"#, false, "ministry, province, district, commune or other"),
            ("agency", AGENCY_EID, false, "Implementing agency e-ID"),
            ("online_level", r#"{"type": "string", "enum": ["full", "partial", "none"]}"#, false, "full, partial or none"),
            ("limit", COUNT, false, "Page size"),
            ("offset", COUNT, false, "Results to skip"),
        ],
        body: None,
        ok: (200, JSON, Some("SearchPage")),
        errors: &["invalid_query", "invalid_agency_eid"],
    },
    RouteDoc {
        method: "GET",
        path: "/api/v1/procedures/{code}",
        tag: "catalog",
        summary: "Một thủ tục (bản mới nhất hoặc bản N) / A procedure (latest or version N)",
        auth: false,
        query: &[("version", COUNT, false, "A given version")],
        body: None,
        ok: (200, JSON, Some("ProcedureVersion")),
        errors: &["invalid_procedure_code", "procedure_not_found", "invalid_query"],
    },
    RouteDoc {
        method: "GET",
        path: "/api/v1/procedures/{code}/versions",
        tag: "catalog",
        summary: "Các phiên bản của thủ tục / A procedure's versions",
        auth: false,
        query: &[],
        body: None,
        ok: (200, JSON, Some("Object")),
        errors: &["invalid_procedure_code", "procedure_not_found"],
    },
    RouteDoc {
        method: "GET",
        path: "/api/v1/units",
        tag: "catalog",
        summary: "Đơn vị hành chính / Administrative units",
        auth: false,
        query: &[
            ("kind", r#"{"type": "string", "enum": ["province", "district", "commune"]}"#, false, "province, district, commune"),
            ("parent", "string", false, "Parent unit code"),
            ("on", DATE, false, "In force on this date (YYYY-MM-DD)"),
        ],
        body: None,
        ok: (200, JSON, Some("Listing")),
        errors: &["invalid_query", "invalid_date"],
    },
    RouteDoc {
        method: "GET",
        path: "/api/v1/units/{code}",
        tag: "catalog",
        summary: "Lịch sử và kế thừa của đơn vị / A unit's history and successions",
        auth: false,
        query: &[],
        body: None,
        ok: (200, JSON, Some("Object")),
        errors: &["unit_not_found"],
    },
    RouteDoc {
        method: "GET",
        path: "/api/v1/agencies",
        tag: "catalog",
        summary: "Cơ quan / Agencies",
        auth: false,
        query: &[],
        body: None,
        ok: (200, JSON, Some("Listing")),
        errors: &[],
    },
    RouteDoc {
        method: "GET",
        path: "/api/v1/agencies/{eid}",
        tag: "catalog",
        summary: "Một cơ quan / An agency",
        auth: false,
        query: &[],
        body: None,
        ok: (200, JSON, Some("Object")),
        errors: &["invalid_agency_eid", "agency_not_found"],
    },
    RouteDoc {
        method: "GET",
        path: "/api/v1/calendar/due",
        tag: "calendar",
        summary: "Tính ngày hẹn trả / Compute a due date",
        auth: false,
        query: &[
            ("from", LOCAL_DATE_TIME, true, "Received at, local time, e.g. 2026-02-13T16:00"),
            ("limit", r#"{"type": "string", "minLength": 1, "examples": ["3 working days", "8 giờ làm việc"]}"#, true, "Time limit, e.g. 3 working days"),
            ("cutoff", "boolean", false, "Apply the 15:00 cut-off"),
        ],
        body: None,
        ok: (200, JSON, Some("Object")),
        errors: &["invalid_query", "invalid_date", "invalid_time_limit"],
    },
    RouteDoc {
        method: "GET",
        path: "/api/v1/calendar/{year}",
        tag: "calendar",
        summary: "Lịch làm việc cả năm / A year's working calendar",
        auth: false,
        query: &[],
        body: None,
        ok: (200, JSON, Some("Object")),
        errors: &["invalid_date"],
    },
    RouteDoc {
        method: "POST",
        path: "/api/v1/dossiers",
        tag: "dossiers",
        summary: "Tiếp nhận hồ sơ (trực tiếp, bưu chính, trực tuyến) / Receive a dossier (counter, postal, online); honours Idempotency-Key",
        auth: true,
        query: &[],
        body: Some((JSON, "IntakeRequest")),
        ok: (201, JSON, Some("Dossier")),
        errors: &[
            "unauthenticated",
            "forbidden",
            "invalid_json",
            "invalid_request",
            "invalid_idempotency_key",
            "idempotency_key_reused",
            "invalid_procedure_code",
            "procedure_not_found",
            "invalid_agency_eid",
            "agency_not_found",
            "agency_not_implementing",
            "channel_not_allowed",
            "channel_mismatch",
            "role_not_allowed",
            "not_your_agency",
            "attachment_missing",
            "payload_too_large",
        ],
    },
    RouteDoc {
        method: "GET",
        path: "/api/v1/dossiers",
        tag: "dossiers",
        summary: "Danh sách xử lý, tìm kiếm (trong phạm vi cơ quan) / Work queues and search (agency-scoped)",
        auth: true,
        query: &[
            ("kind", r#"{"type": "string", "enum": ["mine", "due_soon", "overdue", "paused", "all"]}"#, false, "mine, due_soon, overdue, paused or all (default)"),
            ("step", "string", false, "Only dossiers at this workflow step"),
            ("q", r#"{"type": "string", "maxLength": 200}"#, false, "Code, applicant name or procedure code"),
            ("procedure", PROCEDURE_CODE, false, "Procedure code"),
            ("limit", COUNT, false, "Page size, default 50, at most 200"),
            ("before", r#"{"type": "integer", "minimum": -9223372036854775808, "maximum": 9223372036854775807}"#, false, "The next_before of the previous page"),
        ],
        body: None,
        ok: (200, JSON, Some("QueuePage")),
        errors: &["unauthenticated", "forbidden", "invalid_query", "invalid_procedure_code", "invalid_request"],
    },
    RouteDoc {
        method: "GET",
        path: "/api/v1/dossiers/{code}",
        tag: "dossiers",
        summary: "Chi tiết hồ sơ (có dữ liệu cá nhân, được ghi nhật ký) / Dossier detail (personal data; the read is logged)",
        auth: true,
        query: &[],
        body: None,
        ok: (200, JSON, Some("DossierDetail")),
        errors: DOSSIER_ERRORS,
    },
    RouteDoc {
        method: "GET",
        path: "/api/v1/dossiers/{code}/timeline",
        tag: "dossiers",
        summary: "Quá trình xử lý / Timeline of events",
        auth: true,
        query: &[],
        body: None,
        ok: (200, JSON, Some("Timeline")),
        errors: DOSSIER_ERRORS,
    },
    RouteDoc {
        method: "POST",
        path: "/api/v1/dossiers/{code}/actions",
        tag: "dossiers",
        summary: "Thao tác trên hồ sơ / Act on a dossier; honours Idempotency-Key",
        auth: true,
        query: &[],
        body: Some((JSON, "ActionRequest")),
        ok: (200, JSON, Some("Dossier")),
        errors: &[
            "unauthenticated",
            "forbidden",
            "dossier_not_found",
            "invalid_dossier_code",
            "invalid_json",
            "invalid_request",
            "unknown_action",
            "invalid_idempotency_key",
            "idempotency_key_reused",
            "conflict",
            "no_time_limit",
            "attachment_missing",
            "illegal_transition",
            "role_not_allowed",
            "not_your_agency",
            "not_your_dossier",
            "not_in_workflow",
            "at_other_agency",
            "reason_required",
            "amount_required",
            "same_agency",
            "extension_after_due",
            "extension_not_later",
            "due_not_working_time",
            "time_out_of_order",
            "workflow_mismatch",
            "invalid_workflow",
            "invalid_agency_eid",
            "payload_too_large",
        ],
    },
    RouteDoc {
        method: "GET",
        path: "/api/v1/dossiers/{code}/forms/{number}",
        tag: "forms",
        summary: "Biểu mẫu TT 03/2025 Mẫu 01–06 (PDF) / Forms 01–06 as PDF",
        auth: true,
        query: &[],
        body: None,
        ok: (200, "application/pdf", None),
        errors: &["unauthenticated", "forbidden", "dossier_not_found", "invalid_dossier_code", "form_not_available"],
    },
    RouteDoc {
        method: "GET",
        path: "/api/v1/register",
        tag: "forms",
        summary: "Sổ theo dõi hồ sơ (Mẫu 07) / Dossier register (form 07) as CSV, XLSX or PDF",
        auth: true,
        query: &[
            ("from", DATE, true, "First day received (YYYY-MM-DD)"),
            ("to", DATE, true, "Last day received (YYYY-MM-DD)"),
            ("format", r#"{"type": "string", "enum": ["csv", "xlsx", "pdf"]}"#, false, "csv (default), xlsx or pdf"),
            ("agency", AGENCY_EID, false, "Agency e-ID (default: the officer's)"),
        ],
        body: None,
        ok: (200, "text/csv", None),
        errors: &["unauthenticated", "forbidden", "invalid_query", "invalid_date", "invalid_request", "invalid_agency_eid"],
    },
    RouteDoc {
        method: "POST",
        path: "/api/v1/attachments",
        tag: "attachments",
        summary: "Tải lên tệp đính kèm (nội dung thô) / Upload an attachment (raw body)",
        auth: true,
        query: &[("name", "string", false, "The file's name (metadata only)")],
        body: Some(("application/octet-stream", "Binary")),
        ok: (201, JSON, Some("UploadedAttachment")),
        errors: &[
            "unauthenticated",
            "invalid_query",
            "invalid_request",
            "empty_file",
            "file_too_large",
            "file_type_not_allowed",
            "file_type_mismatch",
            "archive_bomb",
            "image_too_large",
            "active_content",
            "file_damaged",
            "invalid_file_name",
            "object_store_unavailable",
        ],
    },
    RouteDoc {
        method: "GET",
        path: "/api/v1/attachments/{sha256}",
        tag: "attachments",
        summary: "Tải tệp của một hồ sơ được xem / Download a file of a dossier you may see",
        auth: true,
        query: &[("dossier", DOSSIER_CODE, true, "The dossier code that cites the file")],
        body: None,
        ok: (200, "application/octet-stream", None),
        errors: &["unauthenticated", "forbidden", "dossier_not_found", "invalid_dossier_code", "attachment_not_found", "invalid_query", "object_corrupted"],
    },
    RouteDoc {
        method: "GET",
        path: "/api/v1/public/status",
        tag: "public",
        summary: "Tra cứu tình trạng hồ sơ (không cần đăng nhập) / Status look-up (no login)",
        auth: false,
        query: &[
            ("code", DOSSIER_CODE, true, "Dossier code"),
            ("secret", "string", true, "The secret printed on the receipt"),
        ],
        body: None,
        ok: (200, JSON, Some("PublicStatus")),
        errors: &["dossier_not_found", "invalid_query"],
    },
    RouteDoc {
        method: "GET",
        path: "/api/v1/kpi/report",
        tag: "kpi",
        summary: "Chỉ số và điểm 766 của một phạm vi trong một kỳ / KPIs and the 766 index of a scope over a period",
        auth: true,
        query: KPI_SCOPE,
        body: None,
        ok: (200, JSON, Some("Object")),
        errors: KPI_ERRORS,
    },
    RouteDoc {
        method: "GET",
        path: "/api/v1/kpi/trend",
        tag: "kpi",
        summary: "Chỉ số theo từng tháng / KPIs month by month",
        auth: true,
        query: KPI_SCOPE,
        body: None,
        ok: (200, JSON, Some("Object")),
        errors: KPI_ERRORS,
    },
    RouteDoc {
        method: "GET",
        path: "/api/v1/kpi/ranking",
        tag: "kpi",
        summary: "Xếp hạng cơ quan hoặc xã theo chỉ số 766 / Agencies or communes ranked by the 766 index",
        auth: true,
        query: &[KPI_PERIOD, KPI_BY],
        body: None,
        ok: (200, JSON, Some("Object")),
        errors: KPI_ERRORS,
    },
    RouteDoc {
        method: "GET",
        path: "/api/v1/kpi/heat",
        tag: "kpi",
        summary: "Bảng nhiệt tỷ lệ đúng hạn theo cơ quan × tháng / On-time rates, unit × month",
        auth: true,
        query: &[KPI_PERIOD, KPI_BY],
        body: None,
        ok: (200, JSON, Some("Object")),
        errors: KPI_ERRORS,
    },
    RouteDoc {
        method: "GET",
        path: "/api/v1/kpi/dossiers",
        tag: "kpi",
        summary: "Hồ sơ làm mất điểm một chỉ số (JSON, CSV, XLSX) / The dossiers that cost an indicator points",
        auth: true,
        query: &[
            KPI_PERIOD,
            ("indicator", r#"{"type": "string", "enum": ["1.4", "2.1", "2.2", "3.3", "3.6", "4.1", "4.2", "4.3", "4.4", "4.5", "5.4"]}"#, true, "The indicator's number"),
            ("agency", AGENCY_EID, false, "Competent agency e-ID"),
            ("receiving", AGENCY_EID, false, "Receiving agency e-ID"),
            ("procedure", PROCEDURE_CODE, false, "Procedure code"),
            ("field", r#"{"type": "string", "minLength": 1, "maxLength": 200}"#, false, "Field (lĩnh vực)"),
            ("commune", r#"{"type": "string", "pattern": "^[0-9]{5}$"}"#, false, "Commune code"),
            ("format", r#"{"type": "string", "enum": ["json", "csv", "xlsx"]}"#, false, "json (default), csv or xlsx"),
            ("limit", r#"{"type": "integer", "minimum": 1, "maximum": 1000}"#, false, "Page size (JSON)"),
            ("after", r#"{"type": "integer", "minimum": 0}"#, false, "The page's `next`"),
        ],
        body: None,
        ok: (200, JSON, Some("Object")),
        errors: KPI_ERRORS,
    },
];

const KPI_ERRORS: &[&str] = &[
    "unauthenticated",
    "forbidden",
    "invalid_query",
    "invalid_request",
    "invalid_agency_eid",
    "invalid_procedure_code",
];
const KPI_PERIOD: QueryParam = (
    "period",
    r#"{"type": "string", "pattern": "^[0-9]{4}(-Q[1-4]|-[0-9]{2}(-[0-9]{2}(\\.\\.[0-9]{4}-[0-9]{2}-[0-9]{2})?)?)?$", "examples": ["2026-Q3", "2026-08", "2026"]}"#,
    false,
    "2026-08-15, 2026-08, 2026-Q3, 2026 or 2026-01-01..2026-03-31 (default: this month)",
);
const KPI_BY: QueryParam = (
    "by",
    r#"{"type": "string", "enum": ["agency", "commune"]}"#,
    false,
    "agency (default) or commune",
);
const KPI_SCOPE: &[QueryParam] = &[
    KPI_PERIOD,
    (
        "agency",
        AGENCY_EID,
        false,
        "Competent agency e-ID (default: the caller's scope)",
    ),
    ("receiving", AGENCY_EID, false, "Receiving agency e-ID"),
    ("procedure", PROCEDURE_CODE, false, "Procedure code"),
    (
        "field",
        r#"{"type": "string", "minLength": 1, "maxLength": 200}"#,
        false,
        "Field (lĩnh vực)",
    ),
    (
        "commune",
        r#"{"type": "string", "pattern": "^[0-9]{5}$"}"#,
        false,
        "Commune code",
    ),
];

/// OpenAPI links from a success answer to the operations that use what it returned: (from
/// method, from path, link name, to method, to path, [(parameter, runtime expression)]).
/// They tell clients, and stateful fuzzers, that a new dossier's code (and its look-up
/// secret) open the dossier's other routes.
type Link = (
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static [(&'static str, &'static str)],
);

const CODE_FROM_BODY: &[(&str, &str)] = &[("code", "$response.body#/code")];

pub const LINKS: &[Link] = &[
    (
        "POST",
        "/api/v1/dossiers",
        "GetDossier",
        "GET",
        "/api/v1/dossiers/{code}",
        CODE_FROM_BODY,
    ),
    (
        "POST",
        "/api/v1/dossiers",
        "GetTimeline",
        "GET",
        "/api/v1/dossiers/{code}/timeline",
        CODE_FROM_BODY,
    ),
    (
        "POST",
        "/api/v1/dossiers",
        "ActOnDossier",
        "POST",
        "/api/v1/dossiers/{code}/actions",
        CODE_FROM_BODY,
    ),
    (
        "POST",
        "/api/v1/dossiers",
        "GetForm",
        "GET",
        "/api/v1/dossiers/{code}/forms/{number}",
        CODE_FROM_BODY,
    ),
    (
        "POST",
        "/api/v1/dossiers",
        "PublicStatus",
        "GET",
        "/api/v1/public/status",
        &[
            ("code", "$response.body#/code"),
            ("secret", "$response.body#/secret"),
        ],
    ),
    (
        "POST",
        "/api/v1/dossiers/{code}/actions",
        "ActAgain",
        "POST",
        "/api/v1/dossiers/{code}/actions",
        CODE_FROM_BODY,
    ),
    (
        "POST",
        "/api/v1/dossiers/{code}/actions",
        "GetTimelineAfter",
        "GET",
        "/api/v1/dossiers/{code}/timeline",
        CODE_FROM_BODY,
    ),
];

fn operation_id(method: &str, path: &str) -> String {
    format!(
        "{}{}",
        method.to_lowercase(),
        path.replace(['/', '{', '}', '.'], "_")
    )
}

/// The (method, path) of every described route.
pub fn documented_routes() -> Vec<(String, String)> {
    DOCS.iter()
        .map(|d| (d.method.to_string(), d.path.to_string()))
        .collect()
}

fn schema_ref(name: &str) -> Value {
    json!({ "$ref": format!("#/components/schemas/{name}") })
}

fn operation(doc: &RouteDoc) -> Value {
    let mut parameters: Vec<Value> = doc
        .path
        .split('/')
        .filter_map(|seg| seg.strip_prefix('{').and_then(|s| s.strip_suffix('}')))
        .map(|name| json!({"name": name, "in": "path", "required": true, "schema": path_param_schema(doc.path, name)}))
        .collect();
    parameters.extend(doc.query.iter().map(|(name, schema, required, description)| {
        json!({"name": name, "in": "query", "required": required, "description": description, "schema": param_schema(schema)})
    }));
    if doc.method == "POST" && doc.path.starts_with("/api/v1/") {
        parameters.push(json!({
            "name": "Idempotency-Key", "in": "header", "required": false,
            "description": "Retry-safe writes: a replay with the same key and request answers as the first time; the same key with another request is 409 idempotency_key_reused.",
            "schema": {"type": "string", "minLength": 1, "maxLength": 200}
        }));
    }
    let mut responses = Map::new();
    let (status, content_type, schema) = doc.ok;
    let content = match schema {
        Some(s) => json!({ content_type: { "schema": schema_ref(s) } }),
        None => json!({ content_type: {} }),
    };
    let mut ok = json!({"description": "OK", "content": content});
    let links: Map<String, Value> = LINKS
        .iter()
        .filter(|l| l.0 == doc.method && l.1 == doc.path)
        .map(|(_, _, name, method, path, parameters)| {
            let parameters: Map<String, Value> = parameters
                .iter()
                .map(|(p, e)| (p.to_string(), json!(e)))
                .collect();
            (
                name.to_string(),
                json!({"operationId": operation_id(method, path), "parameters": parameters}),
            )
        })
        .collect();
    if !links.is_empty() {
        ok["links"] = Value::Object(links);
    }
    responses.insert(status.to_string(), ok);
    let mut by_status: BTreeMap<u16, Vec<&str>> = BTreeMap::new();
    for code in doc.errors.iter().copied().chain([
        "internal_error",
        "database_unavailable",
        "invalid_query",
    ]) {
        if let Some(row) = ERROR_TABLE.iter().find(|r| r.1 == code) {
            let codes = by_status.entry(row.2).or_default();
            if !codes.contains(&code) {
                codes.push(code);
            }
        }
    }
    for (status, codes) in by_status {
        responses.insert(
            status.to_string(),
            json!({
                "description": format!("error.code: {}", codes.join(", ")),
                "content": { JSON: { "schema": schema_ref("Error") } }
            }),
        );
    }
    let mut op = json!({
        "summary": doc.summary,
        "tags": [doc.tag],
        "operationId": operation_id(doc.method, doc.path),
        "parameters": parameters,
        "responses": responses,
    });
    if let Some((content_type, schema)) = doc.body {
        op["requestBody"] = json!({"required": true, "content": { content_type: { "schema": schema_ref(schema) } }});
    }
    if doc.auth {
        op["security"] = json!([{ "bearer": [] }]);
    } else {
        op["security"] = json!([]);
    }
    op
}

fn schemas() -> Value {
    let agency = param_schema(AGENCY_EID);
    let procedure = param_schema(PROCEDURE_CODE);
    let text = |max: u32| json!({"type": "string", "maxLength": max});
    let dt = json!({"type": "string", "description": "Local civil time, Asia/Ho_Chi_Minh, e.g. 2026-03-03T09:15:00"});
    let attachment_input = json!({
        "type": "object", "required": ["component", "sha256"],
        "properties": {
            "component": {"type": "string", "description": "Dossier component (thành phần hồ sơ)"},
            "sha256": {"type": "string", "pattern": "^[0-9a-f]{64}$"},
            "name": {"type": "string"}
        }
    });
    let attachment_record = json!({
        "type": "object",
        "properties": {
            "component": {"type": "string"}, "sha256": {"type": "string"}, "size": {"type": "integer"},
            "file_type": {"type": "string"}, "name": {"type": "string"}
        }
    });
    let dossier = json!({
        "type": "object",
        "required": ["code", "status", "status_label", "procedure_code", "channel", "received_at", "events"],
        "properties": {
            "code": {"type": "string", "description": "<agency e-ID>-<yyMMdd>-<sequence>"},
            "status": {"type": "integer", "minimum": 1, "maximum": 10, "description": "National status (TrangThaiHoSo)"},
            "status_label": {"type": "string"}, "status_label_en": {"type": "string"},
            "procedure_code": {"type": "string"}, "procedure_name": {"type": "string"},
            "procedure_version": {"type": "integer"}, "workflow_version": {"type": "integer"},
            "channel": {"type": "string", "enum": ["counter", "online", "postal"]},
            "received_point": {"type": "string"}, "receiving_agency": {"type": "string"},
            "competent_agency": {"type": "string"}, "transferred_to": {"type": "string"},
            "current_step": {"type": "string"}, "current_step_name": {"type": "string"},
            "received_at": dt, "accepted_at": dt, "clock_start": dt, "due": dt, "original_due": dt,
            "due_changes": {"type": "array", "items": {"type": "object"}},
            "paused": {"type": "boolean"}, "paused_minutes": {"type": "integer"},
            "supplement_requests": {"type": "integer"},
            "result_ready_at": dt, "delivered_at": dt, "ended_at": dt,
            "outcome": {"type": "string", "enum": ["resolved", "refused", "stopped", "withdrawn"]},
            "events": {"type": "integer"},
            "secret": {"type": "string", "description": "Status look-up secret: only in the answer that created the dossier"}
        }
    });
    json!({
        "Error": {
            "type": "object", "required": ["error"],
            "properties": {"error": {
                "type": "object", "required": ["code", "message", "message_en"],
                "properties": {
                    "code": {"type": "string", "enum": ERROR_TABLE.iter().map(|r| r.1).collect::<Vec<_>>()},
                    "message": {"type": "string", "description": "Vietnamese"},
                    "message_en": {"type": "string"},
                    "detail": {"type": "string"}
                }
            }}
        },
        "Object": {"type": "object"},
        "Binary": {"type": "string", "contentMediaType": "application/octet-stream"},
        "Listing": {"type": "object", "properties": {"total": {"type": "integer"}, "items": {"type": "array", "items": {"type": "object"}}}},
        "SearchPage": {"type": "object", "properties": {"total": {"type": "integer"}, "items": {"type": "array", "items": {"type": "object"}}}},
        "ProcedureVersion": {"type": "object", "properties": {"version": {"type": "integer"}, "recorded_at": {"type": "string"}, "content_hash": {"type": "string"}, "procedure": {"type": "object"}}},
        "Applicant": {
            "type": "object", "required": ["name"],
            "properties": {
                "name": {"type": "string", "minLength": 1, "maxLength": 200, "pattern": "\\S"},
                "kind": {"type": "integer", "enum": [1, 2], "description": "1 citizen, 2 organisation"},
                "id_number": text(20), "phone": text(20),
                "email": text(200), "address": text(500)
            }
        },
        "AttachmentInput": attachment_input,
        "AttachmentRecord": attachment_record,
        "IntakeRequest": {
            "type": "object", "required": ["procedure_code", "channel", "applicant"],
            "examples": [{
                "procedure_code": "1.001193", "channel": "counter",
                "applicant": {"name": "Nguyễn Văn An", "kind": 1, "id_number": "086099000123", "phone": "0912345678"},
                "form": {"ho_ten_tre": "Nguyễn Văn Bình"}, "comment": "Nhận tại quầy"
            }],
            "additionalProperties": false,
            "properties": {
                "procedure_code": procedure,
                "channel": {"type": "string", "enum": ["counter", "online", "postal"]},
                "receiving_agency": {"allOf": [agency.clone()], "description": "Online: required. Counter/post: default the officer's agency"},
                "competent_agency": {"allOf": [agency.clone()], "description": "Default: the receiving agency"},
                "applicant": schema_ref("Applicant"),
                "form": {"type": "object"},
                "attachments": {"type": "array", "items": schema_ref("AttachmentInput")},
                "comment": text(2000)
            }
        },
        "ActionRequest": {
            "type": "object", "required": ["action"],
            "examples": [{"action": "accept"}],
            "additionalProperties": false,
            "properties": {
                "action": {"type": "string", "enum": ["accept", "refuse", "request_supplement", "supplement", "request_financial_obligation", "pay", "forward", "transfer", "return_from_agency", "approve", "stop", "withdraw", "result_ready", "deliver", "apologize_and_extend"]},
                "reason": text(2000), "comment": text(2000),
                "to_step": {"type": "string"}, "agency": agency,
                "new_due": {"allOf": [param_schema(LOCAL_DATE_TIME)], "description": "Local time, e.g. 2026-03-10T16:00"},
                "amount_vnd": {"type": "integer", "minimum": 0, "maximum": 18446744073709551615u64},
                "attachments": {"type": "array", "items": schema_ref("AttachmentInput")}
            }
        },
        "Dossier": dossier,
        "DossierDetail": {
            "allOf": [schema_ref("Dossier"), {
                "type": "object",
                "properties": {
                    "applicant": schema_ref("Applicant"),
                    "form": {"type": "object"},
                    "attachments": {"type": "array", "items": {"allOf": [schema_ref("AttachmentRecord"), {"type": "object", "properties": {"event_seq": {"type": "integer"}}}]}},
                    "due_soon_flagged": {"type": "boolean"}, "late_flagged": {"type": "boolean"},
                    "overdue": {"type": "boolean"}
                }
            }]
        },
        "Timeline": {
            "type": "object",
            "properties": {
                "code": {"type": "string"},
                "events": {"type": "array", "items": {
                    "type": "object",
                    "properties": {
                        "seq": {"type": "integer"}, "at": dt, "kind": {"type": "string"},
                        "actor": {"type": "object", "properties": {"user_id": {"type": "string"}, "name": {"type": "string"}, "role": {"type": "string"}, "role_label": {"type": "string"}, "agency": {"type": "string"}}},
                        "from_status": {"type": "integer"}, "from_status_label": {"type": "string"},
                        "to_status": {"type": "integer"}, "to_status_label": {"type": "string"},
                        "from_step": {"type": "string"}, "to_step": {"type": "string"}, "to_step_name": {"type": "string"},
                        "comment": {"type": "string"},
                        "attachments": {"type": "array", "items": schema_ref("AttachmentRecord")},
                        "detail": {"type": "object"}
                    }
                }}
            }
        },
        "QueuePage": {
            "type": "object",
            "properties": {
                "items": {"type": "array", "items": {"type": "object", "properties": {
                    "code": {"type": "string"}, "procedure_code": {"type": "string"}, "procedure_name": {"type": "string"},
                    "status": {"type": "integer"}, "status_label": {"type": "string"}, "current_step": {"type": "string"},
                    "channel": {"type": "string"}, "received_at": dt, "due": dt, "applicant_name": {"type": "string"},
                    "overdue": {"type": "boolean"}, "due_soon_flagged": {"type": "boolean"}, "late_flagged": {"type": "boolean"}
                }}},
                "next_before": {"type": "integer"}
            }
        },
        "PublicStatus": {
            "type": "object",
            "properties": {
                "code": {"type": "string"}, "procedure_code": {"type": "string"}, "procedure_name": {"type": "string"},
                "status": {"type": "integer"}, "status_label": {"type": "string"}, "status_label_en": {"type": "string"},
                "received_at": dt, "accepted_at": dt, "due": dt, "result_ready_at": dt, "delivered_at": dt, "ended_at": dt
            }
        },
        "UploadedAttachment": {
            "type": "object",
            "properties": {
                "sha256": {"type": "string"}, "size": {"type": "integer"}, "file_type": {"type": "string"},
                "mime": {"type": "string"}, "name": {"type": "string"}, "type_mismatch": {"type": "boolean"}
            }
        }
    })
}

/// The OpenAPI 3.1 document.
pub fn spec() -> Value {
    let mut paths = Map::new();
    for doc in DOCS {
        let entry = paths
            .entry(doc.path.to_string())
            .or_insert_with(|| json!({}));
        entry[doc.method.to_lowercase()] = operation(doc);
    }
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "tinhso API",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "Nền tảng chính quyền số cấp tỉnh / The digital-province platform. Errors: {\"error\": {\"code\", \"message\" (vi), \"message_en\", \"detail\"}} with a stable code.",
            "license": {"name": "Apache-2.0", "identifier": "Apache-2.0"}
        },
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer", "description": "API token (tso_…) issued by `tinhso user token`"}},
            "schemas": schemas()
        },
        "paths": paths,
    })
}

/// `GET /api/openapi.json`
pub async fn serve() -> Json<Value> {
    Json(spec())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_error_code_named_by_a_route_is_in_the_table() {
        for doc in DOCS {
            for code in doc.errors {
                assert!(
                    ERROR_TABLE.iter().any(|r| r.1 == *code),
                    "{} {}: {code}",
                    doc.method,
                    doc.path
                );
            }
        }
    }

    #[test]
    fn every_parameter_schema_is_json_schema_text_or_a_type() {
        let texts = DOCS
            .iter()
            .flat_map(|d| d.query.iter().map(|q| q.1))
            .chain([
                PROCEDURE_CODE,
                AGENCY_EID,
                DOSSIER_CODE,
                DATE,
                LOCAL_DATE_TIME,
                COUNT,
            ]);
        for text in texts {
            if text.starts_with('{') {
                let v: Value = serde_json::from_str(text).unwrap_or_else(|e| panic!("{text}: {e}"));
                assert!(v["type"].is_string(), "{text}");
            } else {
                assert!(["string", "integer", "boolean"].contains(&text), "{text}");
            }
        }
        for doc in DOCS {
            for seg in doc.path.split('/') {
                if let Some(name) = seg.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
                    assert!(path_param_schema(doc.path, name)["type"].is_string());
                }
            }
        }
        assert_eq!(
            path_param_schema("/api/v1/calendar/{year}", "year")["maximum"],
            2199
        );
    }

    #[test]
    fn every_link_joins_described_operations() {
        let spec = spec();
        let ids: Vec<String> = DOCS
            .iter()
            .map(|d| operation_id(d.method, d.path))
            .collect();
        for (from_method, from_path, name, method, path, parameters) in LINKS {
            let from = DOCS
                .iter()
                .find(|d| d.method == *from_method && d.path == *from_path)
                .unwrap_or_else(|| panic!("{name}: no operation {from_method} {from_path}"));
            let link = &spec["paths"][*from_path][from_method.to_lowercase()]["responses"]
                [from.ok.0.to_string()]["links"][*name];
            assert!(
                ids.contains(&link["operationId"].as_str().unwrap_or("").to_string()),
                "{name}"
            );
            for (p, _) in *parameters {
                let target = DOCS
                    .iter()
                    .find(|d| d.method == *method && d.path == *path)
                    .unwrap();
                assert!(
                    path.contains(&format!("{{{p}}}")) || target.query.iter().any(|q| q.0 == *p),
                    "{name}: {method} {path} has no parameter {p}"
                );
            }
        }
    }

    #[test]
    fn every_schema_reference_resolves() {
        let spec = spec();
        let text = spec.to_string();
        let schemas = spec["components"]["schemas"].as_object().unwrap();
        for part in text.split("#/components/schemas/").skip(1) {
            let name: String = part
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric())
                .collect();
            assert!(schemas.contains_key(&name), "missing schema {name}");
        }
    }
}
