//! The operations dashboard pages (`/dieu-hanh…`) and the public transparency page
//! (`/minh-bach`), driven as a browser would, on a seeded dossier history: the numbers agree
//! with the JSON API and the use cases, scopes are enforced, downloads work, bad input gets a
//! clear 400 page, and the public page shows only what the settings publish.

use std::sync::Arc;

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use serde_json::Value;
use tinhso_app::identity::NewUser;
use tinhso_app::kpi::ScopeRequest;
use tinhso_app::progress::NoProgress;
use tinhso_app::transparency::{PublicColumn, PublicColumns, TransparencySettings};
use tinhso_app::{App, AppSettings, FixedClock};
use tinhso_domain::agency::AgencyEId;
use tinhso_domain::dossier::Role;
use tinhso_domain::kpi::Period;
use tinhso_store::kpi::DimensionKind;
use tinhso_web::{router, AppState, Metrics};

use crate::pages::{send, text_of, Visitor};
use crate::TestServer;

const PASSWORD: &str = tinhso_app::demo::DEMO_PASSWORD;
/// Dossiers of seeded history (24 months before 2 March 2026).
const SEEDED: u64 = 4000;

/// A demo province with the demo users and a seeded history, under `settings`.
async fn seeded(settings: AppSettings) -> TestServer {
    use std::sync::atomic::{AtomicU32, Ordering};
    static N: AtomicU32 = AtomicU32::new(0);
    let dir = std::env::temp_dir().join(format!(
        "tinhso_web_ioc_{}_{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    ));
    let store = tinhso_app::open_store(&format!("sqlite://{}/t.sqlite3", dir.display()))
        .await
        .expect("store");
    let clock = Arc::new(FixedClock::new("2026-03-02T02:00:00Z".parse().unwrap()));
    let app = App::new(store, clock, settings).await.expect("app");
    app.load_demo(&NoProgress).await.expect("demo");
    app.load_demo_users().await.expect("demo users");
    app.seed_dossiers(SEEDED, 7, &tinhso_app::NoProgress)
        .await
        .expect("seed");
    let app = Arc::new(app);
    let state = AppState {
        app: app.clone(),
        metrics: Metrics::install(),
    };
    TestServer {
        router: router(state),
        app,
        _dir: dir,
    }
}

/// Adds a leader of `agency` who signs in with the demo password.
async fn add_leader(s: &TestServer, id: &str, agency: &AgencyEId) {
    s.app
        .create_user(NewUser {
            id: id.into(),
            name: "Lãnh đạo thử nghiệm".into(),
            agency: Some(agency.clone()),
            roles: vec![Role::Leader],
        })
        .await
        .expect("leader");
    let hash = tinhso_app::sessions::hash_password(PASSWORD).expect("hash");
    s.app
        .store
        .set_password_hash(id, &hash, s.app.clock.now())
        .await
        .expect("password");
}

/// The agency (competent) with the most late dossiers in 2025, and a leader of it.
async fn busiest(s: &TestServer) -> AgencyEId {
    let ranking = s
        .app
        .ranking(DimensionKind::CompetentAgency, Period::Year(2025))
        .await
        .expect("ranking");
    let top = ranking.iter().max_by_key(|u| u.late).expect("ranked units");
    assert!(top.late > 0, "the seeded history has late dossiers");
    let tinhso_domain::kpi::Dimension::CompetentAgency(eid) = &top.scope else {
        panic!("{:?}", top.scope)
    };
    add_leader(s, "ld-test", eid).await;
    eid.clone()
}

async fn signed_in(s: &TestServer, account: &str) -> Visitor {
    let mut v = Visitor::new();
    v.sign_in(s, account, PASSWORD).await;
    v
}

/// A Vietnamese-formatted count ("1.234") as a number.
fn count(text: &str) -> u64 {
    text.replace('.', "")
        .parse()
        .unwrap_or_else(|_| panic!("not a count: {text:?}"))
}

/// A Vietnamese-formatted percentage ("87,5%") as a number.
fn pct(text: &str) -> f64 {
    text.trim_end_matches('%')
        .replace('.', "")
        .replace(',', ".")
        .parse()
        .unwrap_or_else(|_| panic!("not a percentage: {text:?}"))
}

/// Whether the text holds something shaped like a dossier code (`…-yyMMdd-nnnn`).
fn has_dossier_code(text: &str) -> bool {
    let b = text.as_bytes();
    (0..b.len().saturating_sub(12)).any(|i| {
        b[i] == b'-'
            && b[i + 1..i + 7].iter().all(u8::is_ascii_digit)
            && b[i + 7] == b'-'
            && b[i + 8..i + 12].iter().all(u8::is_ascii_digit)
    })
}

async fn api_json(s: &TestServer, token: &str, uri: &str) -> Value {
    let req = Request::get(uri)
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .body(Body::empty())
        .unwrap();
    let (status, _, body) = send(s, req).await;
    assert_eq!(status, StatusCode::OK, "{uri}: {body}");
    serde_json::from_str(&body).expect("json")
}

#[tokio::test]
async fn the_dashboard_shows_what_the_api_and_the_use_case_compute() {
    let s = seeded(AppSettings::default()).await;
    let eid = busiest(&s).await;
    let leader = s.app.store.user("ld-test").await.unwrap().unwrap();
    let token = s.app.issue_token("ld-test", "test").await.unwrap();
    let mut v = signed_in(&s, "ld-test").await;

    for period in ["2025", "2025-Q4", "2026-02", "2026-01-01..2026-02-28"] {
        let (status, _, html) = v.get(&s, &format!("/dieu-hanh?period={period}")).await;
        assert_eq!(status, StatusCode::OK, "{period}: {html}");
        let view = s
            .app
            .kpi_view(
                &leader,
                &ScopeRequest::default(),
                Period::parse(period).unwrap(),
            )
            .await
            .unwrap();
        let api = api_json(&s, &token, &format!("/api/v1/kpi/report?period={period}")).await;
        let r = &view.report;
        assert_eq!(api["report"]["received"]["total"], r.received.total);
        for (id, expected) in [
            ("received", r.received.total),
            ("received-counter", r.received.counter),
            ("received-online", r.received.online),
            ("received-postal", r.received.postal),
            ("resolved", r.resolved),
            ("early", r.early),
            ("on-time", r.on_time),
            ("late", r.late),
            ("in-progress", r.in_progress),
            ("overdue", r.overdue_now),
            ("paused", r.paused.total),
        ] {
            assert_eq!(
                count(&text_of(&html, &format!("fig-{id}-value"))),
                expected,
                "{period} {id}"
            );
        }
        assert_eq!(
            count(&text_of(&html, "fig-received-previous")),
            view.previous.received.total,
            "{period}"
        );
        if let Some(rate) = r.on_time_rate.percent() {
            let shown = pct(&text_of(&html, "fig-on-time-rate-value"));
            assert!((shown - rate).abs() < 0.051, "{period}: {shown} vs {rate}");
        }
        // The index: the same total as the API, rounded to hundredths.
        match api["index"]["total"].as_f64() {
            Some(total) => {
                let shown = text_of(&html, "index-total").replace(',', ".");
                assert_eq!(shown, format!("{total:.2}"), "{period}");
            }
            None => assert_eq!(text_of(&html, "index-total"), "chưa đo được"),
        }
        // Five groups weighted 18/20/22/22/18, every per-dossier indicator linked.
        for (g, weight) in [(1, "18"), (2, "20"), (3, "22"), (4, "22"), (5, "18")] {
            assert!(
                html.contains(&format!("<tr id=\"group-{g}\">"))
                    && html.contains(&format!("<td class=\"num\">{weight}</td>")),
                "group {g}"
            );
        }
        assert!(html.contains("id=\"drill-2-1\""), "{period}");
        assert!(html.contains(&format!(
            "/dieu-hanh/ho-so?indicator=2.1&#38;period={}",
            tinhso_web::html::session::encode_query(period)
        )));
        // The default scope is the leader's agency.
        assert!(
            html.contains(&format!("value=\"agency:{eid}\" selected")),
            "{period}"
        );
    }

    // Charts: SVG on the server with a title, a description and a data table beside them.
    let (_, _, html) = v.get(&s, "/dieu-hanh?period=2026-02").await;
    for id in ["trend-chart", "ranking-chart"] {
        assert!(html.contains(&format!(
            "<svg class=\"chart\" id=\"{id}\" role=\"img\" aria-labelledby=\"{id}-title {id}-desc\""
        )));
    }
    assert!(html.contains("id=\"trend-table\""));
    let trend = s
        .app
        .kpi_trend(
            &leader,
            &ScopeRequest::default(),
            Period::parse("2025-03-01..2026-02-28").unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(trend.len(), 12);
    let table = html.split("id=\"trend-table\"").nth(1).unwrap();
    for month in &trend {
        let d = month.period.first_day();
        let label = format!("{:02}/{:02}", d.month(), d.year() % 100);
        assert!(
            table.contains(&format!(
                "<th scope=\"row\">{label}</th><td class=\"num\">{}</td>",
                month.received.total
            )),
            "{label}"
        );
    }
    // No inline script or style on any dashboard page.
    assert!(!html.contains("<script>") && !html.contains("style="));

    // The same page in English.
    v.get(&s, "/ngon-ngu?chon=en&tiep=/dieu-hanh").await;
    let (status, _, html) = v.get(&s, "/dieu-hanh?period=2025").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Headline figures") && html.contains("The 766 index"));
}

#[tokio::test]
async fn the_province_sees_every_scope_and_agency_leaders_only_theirs() {
    let s = seeded(AppSettings::default()).await;
    let eid = busiest(&s).await;
    let admin = s.app.store.user("qt-tinh").await.unwrap().unwrap();
    let mut v = signed_in(&s, "qt-tinh").await;
    let (status, _, html) = v.get(&s, "/dieu-hanh?period=2025").await;
    assert_eq!(status, StatusCode::OK);
    let view = s
        .app
        .kpi_view(&admin, &ScopeRequest::default(), Period::Year(2025))
        .await
        .unwrap();
    assert_eq!(
        count(&text_of(&html, "fig-received-value")),
        view.report.received.total
    );
    assert!(html.contains("value=\"province\" selected"));
    assert!(html.contains(&format!("value=\"agency:{eid}\"")));
    assert!(html.contains("value=\"field:"));
    assert!(html.contains("value=\"procedure:"));
    // A scope chosen in the form.
    let (status, _, html) = v
        .get(
            &s,
            &format!("/dieu-hanh?kind=year&day=2025-06-01&scope=agency%3A{eid}"),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let scoped = s
        .app
        .kpi_view(
            &admin,
            &ScopeRequest {
                agency: Some(eid.to_string()),
                ..Default::default()
            },
            Period::Year(2025),
        )
        .await
        .unwrap();
    assert_eq!(count(&text_of(&html, "fig-late-value")), scoped.report.late);

    // A leader of another agency (the demo ward's) cannot open this agency's figures or list.
    let mut other = signed_in(&s, "ld-phukhuong").await;
    let (_, _, own) = other.get(&s, "/dieu-hanh").await;
    assert!(
        !own.contains("value=\"province\""),
        "no province scope offered"
    );
    assert!(!own.contains("value=\"field:"), "no field scope offered");
    for uri in [
        format!("/dieu-hanh?scope=agency%3A{eid}"),
        format!("/dieu-hanh/ho-so?indicator=2.1&period=2025&scope=agency%3A{eid}"),
        format!(
            "/dieu-hanh/ho-so/tai-ve?indicator=2.1&period=2025&scope=agency%3A{eid}&format=csv"
        ),
        "/dieu-hanh?scope=province".to_string(),
        "/dieu-hanh?scope=field%3AH%E1%BB%99%20t%E1%BB%8Bch".to_string(),
    ] {
        let (status, _, body) = other.get(&s, &uri).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{uri}");
        assert!(!body.contains("<tr id=\"row-"), "{uri}");
    }

    // Anonymous visitors are sent to sign in, and come back.
    let mut anon = Visitor::new();
    for uri in [
        "/dieu-hanh",
        "/dieu-hanh/ho-so?indicator=2.1",
        "/dieu-hanh/ho-so/tai-ve?indicator=2.1&format=csv",
        "/dieu-hanh/xep-hang",
        "/dieu-hanh/nhiet-do",
        "/dieu-hanh/man-hinh",
    ] {
        let (status, h, _) = anon.get(&s, uri).await;
        assert_eq!(status, StatusCode::SEE_OTHER, "{uri}");
        assert!(
            h[header::LOCATION]
                .to_str()
                .unwrap()
                .starts_with("/dang-nhap?tiep=/dieu-hanh"),
            "{uri}"
        );
    }
    // Signed-in users without KPI access: a citizen, a one-stop officer.
    for account in ["cong-dan-demo", "mc-phukhuong"] {
        let mut v = signed_in(&s, account).await;
        for uri in [
            "/dieu-hanh",
            "/dieu-hanh/ho-so?indicator=2.1",
            "/dieu-hanh/xep-hang",
        ] {
            let (status, _, _) = v.get(&s, uri).await;
            assert_eq!(status, StatusCode::FORBIDDEN, "{account} {uri}");
        }
        let (_, _, home) = v.get(&s, "/").await;
        assert!(
            !home.contains("href=\"/dieu-hanh\""),
            "{account} sees no dashboard link"
        );
    }
    // Leaders and admins find the dashboard in the navigation.
    let (_, _, home) = other.get(&s, "/").await;
    assert!(home.contains("href=\"/dieu-hanh\""));
}

#[tokio::test]
async fn the_drill_down_lists_the_dossiers_that_lost_points_and_downloads_them() {
    let s = seeded(AppSettings::default()).await;
    busiest(&s).await;
    let leader = s.app.store.user("ld-test").await.unwrap().unwrap();
    let view = s
        .app
        .kpi_view(&leader, &ScopeRequest::default(), Period::Year(2025))
        .await
        .unwrap();
    let late = view.report.late;
    assert!(late > 0);
    let mut v = signed_in(&s, "ld-test").await;

    // From the dashboard, follow the indicator's link, then every next page.
    let (_, _, dash) = v.get(&s, "/dieu-hanh?period=2025").await;
    let marker = "id=\"drill-2-1\" href=\"";
    let at = dash.find(marker).expect("drill link") + marker.len();
    let mut next = Some(dash[at..].split('"').next().unwrap().replace("&#38;", "&"));
    let mut codes = Vec::new();
    let mut pages = 0;
    while let Some(uri) = next.take() {
        let (status, _, html) = v.get(&s, &uri).await;
        assert_eq!(status, StatusCode::OK, "{uri}: {html}");
        pages += 1;
        if pages == 1 {
            assert_eq!(count(&text_of(&html, "lost-count")), late);
            assert!(html.contains("id=\"download-csv\"") && html.contains("id=\"download-xlsx\""));
        }
        for row in html.split("<tr id=\"row-").skip(1) {
            let code = row.split('"').next().unwrap().to_string();
            assert!(row.contains("Trễ hạn"), "{code} is late");
            // The leader's own agency's dossiers open in the officer workspace.
            assert!(
                row.contains(&format!("href=\"/can-bo/ho-so/{code}\"")),
                "{code}"
            );
            codes.push(code);
        }
        let marker = "id=\"next-page\" href=\"";
        next = html.find(marker).map(|at| {
            html[at + marker.len()..]
                .split('"')
                .next()
                .unwrap()
                .replace("&#38;", "&")
        });
    }
    assert_eq!(codes.len() as u64, late);
    let unique: std::collections::BTreeSet<_> = codes.iter().collect();
    assert_eq!(unique.len(), codes.len(), "no dossier twice across pages");
    assert_eq!(pages as u64, late / 50 + 1);
    // A listed dossier opens for the leader.
    let (status, _, _) = v.get(&s, &format!("/can-bo/ho-so/{}", codes[0])).await;
    assert_eq!(status, StatusCode::OK);

    // The downloads carry the whole list.
    let (status, h, csv) = v
        .get(
            &s,
            "/dieu-hanh/ho-so/tai-ve?indicator=2.1&period=2025&format=csv",
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(h[header::CONTENT_TYPE], "text/csv; charset=utf-8");
    assert!(h[header::CONTENT_DISPOSITION]
        .to_str()
        .unwrap()
        .contains("ho-so-chi-so-2.1-2025.csv"));
    let lines: Vec<&str> = csv.lines().filter(|l| !l.trim().is_empty()).collect();
    assert_eq!(
        lines.len() as u64,
        late + 1,
        "header and one line per dossier"
    );
    assert!(lines[0].contains("Mã hồ sơ"));
    for code in &codes {
        assert!(csv.contains(code.as_str()), "{code} in the CSV");
    }
    let req = Request::get("/dieu-hanh/ho-so/tai-ve?indicator=2.1&period=2025&format=xlsx")
        .header(
            header::COOKIE,
            v.cookies
                .iter()
                .map(|(k, val)| format!("{k}={val}"))
                .collect::<Vec<_>>()
                .join("; "),
        )
        .body(Body::empty())
        .unwrap();
    let resp = tower::ServiceExt::oneshot(s.router.clone(), req)
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let bytes = http_body_util::BodyExt::collect(resp.into_body())
        .await
        .unwrap()
        .to_bytes();
    assert!(bytes.starts_with(b"PK"), "an XLSX (zip) workbook");
}

#[tokio::test]
async fn bad_input_gets_a_clear_page_in_the_visitors_language() {
    let s = seeded(AppSettings::default()).await;
    let mut v = signed_in(&s, "qt-tinh").await;
    for (uri, needle) in [
        ("/dieu-hanh?period=2026-13", "không tồn tại"),
        ("/dieu-hanh?period=h%C3%B4m%20qua", "2026-Q1"),
        (
            "/dieu-hanh?period=2026-03-01..2026-01-01",
            "sau ngày kết thúc",
        ),
        ("/dieu-hanh?period=2010-01-01..2026-01-01", "tối đa 3 năm"),
        ("/dieu-hanh?kind=custom&from=2026-01-01", "cả ngày bắt đầu"),
        ("/dieu-hanh?kind=day&day=02%2F03%2F2026", "2026-Q1"),
        ("/dieu-hanh?scope=nowhere", "Phạm vi không hợp lệ"),
        ("/dieu-hanh?scope=agency%3Abad", "Phạm vi không hợp lệ"),
        ("/dieu-hanh/ho-so?indicator=9.9", "ví dụ 2.1"),
        ("/dieu-hanh/ho-so", "ví dụ 2.1"),
        ("/dieu-hanh/ho-so?indicator=1.1", "không tính theo hồ sơ"),
        ("/dieu-hanh/ho-so?indicator=2.1&after=x", "Vị trí trang"),
        (
            "/dieu-hanh/ho-so/tai-ve?indicator=2.1&format=pdf",
            "csv hoặc xlsx",
        ),
        ("/dieu-hanh/xep-hang?by=planet", "theo cơ quan"),
        ("/dieu-hanh/nhiet-do?period=2026-99", "không tồn tại"),
        ("/dieu-hanh/man-hinh?period=x", "2026-Q1"),
    ] {
        let (status, h, html) = v.get(&s, uri).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{uri}: {html}");
        assert!(h[header::CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with("text/html"));
        assert!(html.contains("id=\"ioc-error\""), "{uri}");
        assert!(html.contains(needle), "{uri}: {needle}\n{html}");
        assert!(html.contains("lang=\"vi\""));
    }
    v.get(&s, "/ngon-ngu?chon=en&tiep=/").await;
    let (status, _, html) = v.get(&s, "/dieu-hanh?period=2026-13").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(
        html.contains("does not exist") && html.contains("lang=\"en\""),
        "{html}"
    );
}

#[tokio::test]
async fn rankings_heat_table_and_wall_screen() {
    let s = seeded(AppSettings::default()).await;
    let admin = s.app.store.user("qt-tinh").await.unwrap().unwrap();
    let mut v = signed_in(&s, "qt-tinh").await;

    for (by, kind) in [
        ("agency", DimensionKind::CompetentAgency),
        ("commune", DimensionKind::Commune),
    ] {
        let (status, _, html) = v
            .get(&s, &format!("/dieu-hanh/xep-hang?by={by}&period=2025"))
            .await;
        assert_eq!(status, StatusCode::OK, "{html}");
        let ranking = s
            .app
            .kpi_ranking(&admin, kind, Period::Year(2025))
            .await
            .unwrap();
        assert!(!ranking.is_empty(), "{by}");
        assert_eq!(
            html.matches("<tr id=\"rank-").count(),
            ranking.len(),
            "{by}"
        );
        let first = &ranking[0];
        let table = html.split("id=\"ranking-table\"").nth(1).unwrap();
        let row = table.split("<tr id=\"rank-").nth(1).unwrap();
        assert!(row.contains(&first.name), "{by}: the best first");
        if let Some(total) = first.total {
            assert!(
                row.contains(&format!("{total:.2}").replace('.', ",")),
                "{by}"
            );
        }
        assert!(html.contains("id=\"ranking-chart\" role=\"img\""));
        // Bars print their numbers.
        let bars = html.matches("<rect class=\"chart-bar\"").count();
        assert_eq!(
            bars,
            ranking
                .iter()
                .take(20)
                .filter(|u| u.total.is_some())
                .count()
        );
    }

    let (status, _, html) = v.get(&s, "/dieu-hanh/nhiet-do?by=agency").await;
    assert_eq!(status, StatusCode::OK, "{html}");
    let heat = s
        .app
        .kpi_heat(
            &admin,
            DimensionKind::CompetentAgency,
            Period::parse("2025-04-01..2026-03-31").unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(heat.months.len(), 12);
    let table = html.split("id=\"heat-table\"").nth(1).expect("heat table");
    assert_eq!(table.matches("<th scope=\"row\">").count(), heat.rows.len());
    // A real table: a header per month, and each cell says its number as text.
    assert_eq!(
        table
            .split("</thead>")
            .next()
            .unwrap()
            .matches("<th scope=\"col\"")
            .count(),
        13
    );
    let row = heat
        .rows
        .iter()
        .find(|r| r.cells.iter().any(|c| c.1 > 0))
        .unwrap();
    let (good, all) = row.cells.iter().find(|c| c.1 > 0).unwrap();
    assert!(table.contains(&format!("<span class=\"cell-n\">{good}/{all}</span>")));
    assert!(table.contains("class=\"num heat-"));

    // The wall screen: a whole page, then the panel alone when htmx polls.
    let (status, _, html) = v.get(&s, "/dieu-hanh/man-hinh").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("<body class=\"wall\">"));
    assert!(html.contains("hx-trigger=\"every 60s\""));
    assert!(html.contains("id=\"wall-trend\"") && html.contains("id=\"wall-ranking\""));
    assert!(!html.contains("<script>") && !html.contains("style="));
    let view = s
        .app
        .kpi_view(&admin, &ScopeRequest::default(), Period::Month(2026, 3))
        .await
        .unwrap();
    assert_eq!(
        count(&text_of(&html, "fig-received-value")),
        view.report.received.total
    );
    let cookies = v
        .cookies
        .iter()
        .map(|(k, val)| format!("{k}={val}"))
        .collect::<Vec<_>>()
        .join("; ");
    let req = Request::get("/dieu-hanh/man-hinh?period=2026-03&scope=province")
        .header(header::COOKIE, cookies)
        .header("hx-request", "true")
        .body(Body::empty())
        .unwrap();
    let (status, _, panel) = send(&s, req).await;
    assert_eq!(status, StatusCode::OK);
    assert!(panel.starts_with("<div id=\"wall-panel\""), "{panel}");
    assert!(!panel.contains("<html"));
    // A poll after the session ended sends the screen to sign in.
    let req = Request::get("/dieu-hanh/man-hinh")
        .header("hx-request", "true")
        .body(Body::empty())
        .unwrap();
    let (_, h, _) = send(&s, req).await;
    assert_eq!(h["hx-redirect"], "/dang-nhap?tiep=/dieu-hanh/man-hinh");
}

#[tokio::test]
async fn the_transparency_page_publishes_only_what_the_settings_allow() {
    let s = seeded(AppSettings::default()).await;
    let mut anon = Visitor::new();
    let (status, _, html) = anon.get(&s, "/minh-bach").await;
    assert_eq!(status, StatusCode::OK, "{html}");
    assert!(html.contains("id=\"public-month\"") && html.contains("id=\"public-year\""));
    assert!(html.contains("Tỷ lệ trước và đúng hạn") && html.contains("Hồ sơ tiếp nhận"));
    assert!(
        !html.contains("Điểm bộ chỉ số 766"),
        "the score is not published by default"
    );
    // The year's figures are the app's.
    let rows = s
        .app
        .transparency(Period::Year(2026))
        .await
        .unwrap()
        .unwrap();
    let first = &rows[0];
    let (good, all) = first.on_time.unwrap();
    let year = html.split("id=\"public-year\"").nth(1).unwrap();
    assert!(year.contains(&first.agency));
    assert!(year.contains(&format!("({good}/{all})")), "{year}");
    // Nothing personal: no dossier code, no person's name.
    assert!(
        !has_dossier_code(&html),
        "a dossier code on the public page"
    );
    for name in ["Phạm Minh Quân", "Nguyễn Thị Hồng Nhung", "Trần Văn Đức"] {
        assert!(!html.contains(name), "{name}");
    }
    // Linked from the home page and the navigation.
    let (_, _, home) = anon.get(&s, "/").await;
    assert!(home.contains("href=\"/minh-bach\""));

    // Other settings: the score and late counts only.
    let only = seeded(AppSettings {
        transparency: TransparencySettings {
            enabled: true,
            columns: PublicColumns(vec![PublicColumn::Late, PublicColumn::Score]),
        },
        ..AppSettings::default()
    })
    .await;
    let (status, _, html) = Visitor::new().get(&only, "/minh-bach").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Điểm bộ chỉ số 766") && html.contains(">Trễ hạn</th>"));
    assert!(!html.contains("Tỷ lệ trước và đúng hạn") && !html.contains("Hồ sơ tiếp nhận</th>"));

    // Switched off: 404, and no link to it.
    let off = seeded(AppSettings {
        transparency: TransparencySettings {
            enabled: false,
            columns: "received".parse().unwrap(),
        },
        ..AppSettings::default()
    })
    .await;
    let mut v = Visitor::new();
    let (status, _, _) = v.get(&off, "/minh-bach").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (_, _, home) = v.get(&off, "/").await;
    assert!(!home.contains("/minh-bach"));
}
