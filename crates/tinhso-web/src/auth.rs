//! Authentication and request-body extractors.
//!
//! - [`CurrentUser`]: `Authorization: Bearer <token>` → the token's user, or a 401
//!   `unauthenticated` JSON error (with `WWW-Authenticate: Bearer`).
//! - [`ApiJson`]: a JSON body read with the API's error contract: malformed JSON is a 400
//!   `invalid_json`, well-formed JSON of the wrong shape a 422 `invalid_request`, a body over
//!   the limit a 413 `payload_too_large`. The `Content-Type` is not required.
//! - [`idempotency_key`]: the optional `Idempotency-Key` header.

use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, StatusCode};
use serde::de::DeserializeOwned;
use tinhso_store::dossiers::User;

use crate::error::{ApiError, ErrorCode};
use crate::AppState;

/// The signed-in user of a request.
#[derive(Debug, Clone)]
pub struct CurrentUser(pub User);

/// The bearer token of the `Authorization` header, if any.
pub fn bearer_token(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.trim().split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim())
        .filter(|t| !t.is_empty())
}

impl FromRequestParts<AppState> for CurrentUser {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let token = bearer_token(&parts.headers)
            .ok_or_else(|| ApiError::new(ErrorCode::Unauthenticated))?;
        match state.app.authenticate(token).await? {
            Some(user) => Ok(CurrentUser(user)),
            None => Err(ApiError::new(ErrorCode::Unauthenticated)),
        }
    }
}

/// A JSON request body, with the API's error codes for bad bodies.
#[derive(Debug, Clone)]
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        let bytes = Bytes::from_request(req, state).await.map_err(|e| {
            if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
                ApiError::new(ErrorCode::PayloadTooLarge)
            } else {
                ApiError::with(ErrorCode::InvalidJson, e.body_text())
            }
        })?;
        parse_json(&bytes).map(ApiJson)
    }
}

/// Reads a JSON value: syntax errors → `invalid_json` (400), shape errors → `invalid_request`
/// (422). The detail names the line and column, never the body. A string or key holding
/// U+0000 is `invalid_request` too: PostgreSQL cannot store it in text, and both engines must
/// answer alike.
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    let parsed = serde_json::from_slice(bytes).map_err(|e| {
        use serde_json::error::Category;
        let code = match e.classify() {
            Category::Data => ErrorCode::InvalidRequest,
            Category::Syntax | Category::Eof | Category::Io => ErrorCode::InvalidJson,
        };
        ApiError::with(code, e.to_string())
    })?;
    // JSON can carry U+0000 only as the escape `\u0000`: look closer only when it is there.
    if bytes.windows(6).any(|w| w == b"\\u0000")
        && serde_json::from_slice::<serde_json::Value>(bytes).is_ok_and(|v| holds_nul(&v))
    {
        return Err(ApiError::with(
            ErrorCode::InvalidRequest,
            "văn bản không được chứa ký tự U+0000 / text must not contain U+0000 (NUL)",
        ));
    }
    Ok(parsed)
}

/// Whether any string or key of a JSON value holds U+0000.
fn holds_nul(v: &serde_json::Value) -> bool {
    use serde_json::Value;
    // Iterative, so a deeply nested body cannot overflow the stack.
    let mut stack = vec![v];
    while let Some(v) = stack.pop() {
        match v {
            Value::String(s) if s.contains('\0') => return true,
            Value::Array(items) => stack.extend(items),
            Value::Object(map) => {
                for (k, item) in map {
                    if k.contains('\0') {
                        return true;
                    }
                    stack.push(item);
                }
            }
            _ => {}
        }
    }
    false
}

/// The `Idempotency-Key` header; a value that is not visible ASCII is refused by the use case.
pub fn idempotency_key(headers: &HeaderMap) -> Result<Option<String>, ApiError> {
    match headers.get("idempotency-key") {
        None => Ok(None),
        Some(v) => v
            .to_str()
            .map(|s| Some(s.to_string()))
            .map_err(|_| ApiError::new(ErrorCode::InvalidIdempotencyKey)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    #[test]
    fn bearer_tokens_are_read_case_insensitively() {
        let mut h = HeaderMap::new();
        assert_eq!(bearer_token(&h), None);
        h.insert(
            header::AUTHORIZATION,
            HeaderValue::from_static("bearer tso_abc"),
        );
        assert_eq!(bearer_token(&h), Some("tso_abc"));
        h.insert(
            header::AUTHORIZATION,
            HeaderValue::from_static("Basic dXNlcg=="),
        );
        assert_eq!(bearer_token(&h), None);
        h.insert(header::AUTHORIZATION, HeaderValue::from_static("Bearer "));
        assert_eq!(bearer_token(&h), None);
    }

    #[test]
    fn syntax_and_shape_errors_differ() {
        #[derive(serde::Deserialize, Debug)]
        struct S {
            #[allow(dead_code)]
            a: u32,
        }
        assert_eq!(
            parse_json::<S>(b"{").unwrap_err().code,
            ErrorCode::InvalidJson
        );
        assert_eq!(
            parse_json::<S>(b"{\"a\":\"x\"}").unwrap_err().code,
            ErrorCode::InvalidRequest
        );
        assert!(parse_json::<S>(b"{\"a\":1}").is_ok());
    }

    #[test]
    fn nul_in_any_string_or_key_is_refused() {
        #[derive(serde::Deserialize, Debug)]
        struct S {
            #[allow(dead_code)]
            a: serde_json::Value,
        }
        for body in [
            r#"{"a": "x\u0000y"}"#,
            r#"{"a": {"k\u0000": 1}}"#,
            r#"{"a": [[["\u0000"]]]}"#,
        ] {
            let e = parse_json::<S>(body.as_bytes()).unwrap_err();
            assert_eq!(e.code, ErrorCode::InvalidRequest, "{body}");
        }
        // An escaped backslash followed by "u0000" is plain text, not U+0000.
        assert!(parse_json::<S>(br#"{"a": "C:\\u0000"}"#).is_ok());
        assert!(parse_json::<S>(br#"{"a": "\u0001 \u00e9"}"#).is_ok());
    }
}
