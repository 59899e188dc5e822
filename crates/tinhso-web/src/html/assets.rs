//! Static assets, compiled into the binary: the stylesheet, vendored htmx and the Be Vietnam Pro
//! font (OFL; covers every Vietnamese letter and tone mark). Vendored files carry their version in
//! their name; every URL also carries a content hash (`?v=`), so browsers may cache for a year.

use std::collections::HashMap;
use std::sync::LazyLock;

use axum::extract::Path;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};

/// (path under /static/, content type, bytes)
const ASSETS: &[(&str, &str, &[u8])] = &[
    (
        "tinhso.css",
        "text/css; charset=utf-8",
        include_bytes!("../../static/tinhso.css"),
    ),
    (
        "vendor/htmx-2.0.11.min.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../../static/vendor/htmx-2.0.11.min.js"),
    ),
    (
        "vendor/be-vietnam-pro-5.3.0-vietnamese-400.woff2",
        "font/woff2",
        include_bytes!("../../static/vendor/be-vietnam-pro-5.3.0-vietnamese-400.woff2"),
    ),
    (
        "vendor/be-vietnam-pro-5.3.0-vietnamese-700.woff2",
        "font/woff2",
        include_bytes!("../../static/vendor/be-vietnam-pro-5.3.0-vietnamese-700.woff2"),
    ),
    (
        "vendor/be-vietnam-pro-5.3.0-latin-400.woff2",
        "font/woff2",
        include_bytes!("../../static/vendor/be-vietnam-pro-5.3.0-latin-400.woff2"),
    ),
    (
        "vendor/be-vietnam-pro-5.3.0-latin-700.woff2",
        "font/woff2",
        include_bytes!("../../static/vendor/be-vietnam-pro-5.3.0-latin-700.woff2"),
    ),
    (
        "vendor/be-vietnam-pro-5.3.0.LICENSE",
        "text/plain; charset=utf-8",
        include_bytes!("../../static/vendor/be-vietnam-pro-5.3.0.LICENSE"),
    ),
    (
        "vendor/htmx-2.0.11.LICENSE",
        "text/plain; charset=utf-8",
        include_bytes!("../../static/vendor/htmx-2.0.11.LICENSE"),
    ),
];

/// (content type, bytes, first 8 hex digits of SHA-256)
type Asset = (&'static str, &'static [u8], String);

/// name → asset
static INDEX: LazyLock<HashMap<&'static str, Asset>> = LazyLock::new(|| {
    ASSETS
        .iter()
        .map(|(name, ct, bytes)| {
            let hash = hex8(&Sha256::digest(bytes));
            (*name, (*ct, *bytes, hash))
        })
        .collect()
});

fn hex8(d: &[u8]) -> String {
    d.iter().take(4).map(|b| format!("{b:02x}")).collect()
}

/// `/static/<name>?v=<hash>`; an unknown name gives a URL that answers 404.
pub fn url(name: &str) -> String {
    match INDEX.get(name) {
        Some((_, _, hash)) => format!("/static/{name}?v={hash}"),
        None => format!("/static/{name}"),
    }
}

pub async fn serve(Path(name): Path<String>) -> Response {
    match INDEX.get(name.as_str()) {
        Some((ct, bytes, _)) => (
            StatusCode::OK,
            [
                (header::CONTENT_TYPE, *ct),
                (header::CACHE_CONTROL, "public, max-age=31536000, immutable"),
            ],
            *bytes,
        )
            .into_response(),
        None => super::session::PageError::code(crate::error::ErrorCode::NotFound).into_response(),
    }
}
