//! The landing page. The portal, officer and admin pages come with the web milestone.

use axum::extract::State;
use axum::response::Html;

use crate::AppState;

pub async fn home(State(state): State<AppState>) -> Html<String> {
    let procedures = state.app.catalog.snapshot().records.len();
    Html(format!(
        r#"<!doctype html>
<html lang="vi"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>tinhso — Tỉnh số</title></head>
<body>
<main>
<h1>tinhso — Tỉnh số</h1>
<p>Nền tảng chính quyền số cấp tỉnh. <span lang="en">The digital-province platform.</span></p>
<p>Danh mục: {procedures} thủ tục hành chính. <span lang="en">Catalog: {procedures} procedures.</span></p>
<form action="/api/v1/procedures" method="get">
<label for="q">Tìm thủ tục (không cần dấu) / Find a procedure</label>
<input id="q" name="q" type="search" placeholder="dang ky khai sinh">
<button type="submit">Tìm / Search</button>
</form>
<ul>
<li><a href="/api/v1/procedures?q=dang%20ky%20khai%20sinh">/api/v1/procedures?q=dang ky khai sinh</a></li>
<li><a href="/api/v1/units?kind=commune&amp;parent={province}">/api/v1/units?kind=commune&amp;parent={province}</a></li>
<li><a href="/api/v1/agencies">/api/v1/agencies</a></li>
<li><a href="/api/v1/calendar/2026">/api/v1/calendar/2026</a></li>
<li><a href="/healthz">/healthz</a> · <a href="/readyz">/readyz</a> · <a href="/metrics">/metrics</a></li>
</ul>
</main>
</body></html>"#,
        province = state.app.settings.province_code,
    ))
}
