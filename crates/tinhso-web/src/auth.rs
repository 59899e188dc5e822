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
/// (422). The detail names the line and column, never the body.
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    serde_json::from_slice(bytes).map_err(|e| {
        use serde_json::error::Category;
        let code = match e.classify() {
            Category::Data => ErrorCode::InvalidRequest,
            Category::Syntax | Category::Eof | Category::Io => ErrorCode::InvalidJson,
        };
        ApiError::with(code, e.to_string())
    })
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
}
