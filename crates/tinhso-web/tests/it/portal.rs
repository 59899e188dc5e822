//! The citizen portal through its pages: search, procedure, online submission with files,
//! review and confirmation, my dossiers with the timeline, supplement, withdrawal, rating,
//! downloads, the public look-up; bad input and the access rule.

use std::sync::Arc;

use axum::body::Body;
use axum::http::{header, HeaderMap, Request, StatusCode};
use tinhso_app::dossiers::ActionRequest;
use tinhso_app::identity::NewUser;
use tinhso_domain::dossier::Role;
use tinhso_objects::LocalDiskStore;

use crate::dossiers::small_pdf;
use crate::pages::{csrf_field, send, Visitor};
use crate::{server, TestServer};

const PROCEDURE: &str = "1.001193";
const PASSWORD: &str = tinhso_app::demo::DEMO_PASSWORD;

/// A demo server with users, an object store and a second citizen `cong-dan-khac`.
async fn portal_server() -> TestServer {
    let s = server().await;
    assert!(s.app.set_objects(Arc::new(
        LocalDiskStore::open(s._dir.join("objects")).expect("objects")
    )));
    s.app.load_demo_users().await.expect("demo users");
    s.app
        .create_user(NewUser {
            id: "cong-dan-khac".into(),
            name: "Hồ Thị Khác".into(),
            agency: None,
            roles: vec![Role::Applicant],
        })
        .await
        .expect("second citizen");
    s.app
        .set_password("cong-dan-khac", PASSWORD)
        .await
        .expect("password");
    s
}

/// A `multipart/form-data` body: text fields, then files (field, file name, bytes).
pub(crate) fn multipart(
    fields: &[(&str, &str)],
    files: &[(&str, &str, &[u8])],
) -> (String, Vec<u8>) {
    let boundary = "----tinhso-test-boundary-7d1f";
    let mut body = Vec::new();
    for (k, v) in fields {
        body.extend_from_slice(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n")
                .as_bytes(),
        );
    }
    for (k, name, bytes) in files {
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"; filename=\"{name}\"\r\nContent-Type: application/octet-stream\r\n\r\n"
            )
            .as_bytes(),
        );
        body.extend_from_slice(bytes);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

/// The `Cookie` header of a visitor.
fn cookie_header(v: &Visitor) -> String {
    v.cookies
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("; ")
}

/// Posts a multipart form with the visitor's cookies.
pub(crate) async fn post_multipart(
    s: &TestServer,
    v: &Visitor,
    uri: &str,
    fields: &[(&str, &str)],
    files: &[(&str, &str, &[u8])],
) -> (StatusCode, HeaderMap, String) {
    let (content_type, body) = multipart(fields, files);
    let req = Request::post(uri)
        .header(header::COOKIE, cookie_header(v))
        .header(header::CONTENT_TYPE, content_type)
        .body(Body::from(body))
        .expect("request");
    send(s, req).await
}

/// The value of the input `name` in `html` (the first one).
pub(crate) fn input_value(html: &str, name: &str) -> Option<String> {
    let at = html.find(&format!("name=\"{name}\""))?;
    let tag = html[at..].split('>').next()?;
    let value = tag.split("value=\"").nth(1)?.split('"').next()?;
    Some(decode_html(value))
}

/// The hidden fields of the review form, as posted by the confirm button.
pub(crate) fn review_fields(html: &str) -> Vec<(String, String)> {
    let form = html
        .split("id=\"form-xac-nhan\"")
        .nth(1)
        .expect("review form")
        .split("</form>")
        .next()
        .expect("form end");
    form.split("<input type=\"hidden\" name=\"")
        .skip(1)
        .map(|part| {
            let name = part.split('"').next().unwrap_or("").to_string();
            let value = part
                .split("value=\"")
                .nth(1)
                .and_then(|v| v.split('"').next())
                .unwrap_or("")
                .to_string();
            (name, decode_html(&value))
        })
        .collect()
}

/// Undoes askama's HTML escaping of attribute values.
pub(crate) fn decode_html(s: &str) -> String {
    s.replace("&#43;", "+")
        .replace("&#34;", "\"")
        .replace("&#39;", "'")
        .replace("&#60;", "<")
        .replace("&#62;", ">")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#38;", "&")
        .replace("&amp;", "&")
}

/// The text of the element with this id (up to the next tag).
pub(crate) fn by_id(html: &str, id: &str) -> Option<String> {
    let at = html.find(&format!("id=\"{id}\""))?;
    let rest = &html[at..];
    let start = rest.find('>')? + 1;
    Some(rest[start..].split('<').next()?.trim().to_string())
}

/// The form fields of a good submission.
fn good_fields<'a>(csrf: &'a str, key: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("csrf", csrf),
        ("khoa", key),
        ("co_quan", tinhso_app::demo::DEMO_AGENCY),
        ("ho_ten", "Nguyễn Thị Hồng Nhung"),
        ("so_dinh_danh", "086190000123"),
        ("dien_thoai", "0912 345 678"),
        ("email", "nhung@example.vn"),
        ("dia_chi", "12 Phạm Thái Bường, phường Phú Khương"),
        (
            "noi_dung",
            "Đăng ký khai sinh cho con Nguyễn Minh An, sinh ngày 20/02/2026",
        ),
        ("ghi_chu", ""),
    ]
}

/// Signs the demo citizen in, fills the form with a PDF for component 0, reviews and
/// confirms; returns (code, secret, the confirm fields for a double submit).
async fn submit_dossier(
    s: &TestServer,
    v: &mut Visitor,
) -> (String, String, Vec<(String, String)>) {
    let (status, _, html) = v.get(s, &format!("/nop-ho-so/{PROCEDURE}")).await;
    assert_eq!(status, StatusCode::OK, "{html}");
    assert!(html.contains("enctype=\"multipart/form-data\""));
    // Prefilled from the account.
    assert!(html.contains("Nguyễn Thị Hồng Nhung"), "{html}");
    let csrf = csrf_field(&html);
    let key = input_value(&html, "khoa").expect("idempotency key");
    let pdf = small_pdf();
    let (status, _, review) = post_multipart(
        s,
        v,
        &format!("/nop-ho-so/{PROCEDURE}"),
        &good_fields(&csrf, &key),
        &[("tep_0", "to-khai.pdf", &pdf)],
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{review}");
    assert!(review.contains("id=\"form-xac-nhan\""), "{review}");
    assert!(review.contains("to-khai.pdf"), "{review}");
    let fields = review_fields(&review);
    assert!(fields.iter().any(|(k, v)| k == "tep_0" && v.len() == 64));
    let pairs: Vec<(&str, &str)> = fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let (status, _, done) = v
        .post_form(s, &format!("/nop-ho-so/{PROCEDURE}/xac-nhan"), &pairs)
        .await;
    assert_eq!(status, StatusCode::OK, "{done}");
    let code = by_id(&done, "ma-ho-so").expect("dossier code");
    let secret = by_id(&done, "ma-tra-cuu").expect("secret");
    assert!(code.starts_with("000.01.90.H61-260302-"), "{code}");
    assert_eq!(secret.len(), 12);
    assert!(done.contains(&format!("/ho-so-cua-toi/{code}/mau/01")));
    (code, secret, fields)
}

/// Signs the demo citizen in and opens the submission form: (its URL, csrf, key).
async fn open_form(s: &TestServer, v: &mut Visitor) -> (String, String, String) {
    v.sign_in(s, "cong-dan-demo", PASSWORD).await;
    let uri = format!("/nop-ho-so/{PROCEDURE}");
    let (_, _, html) = v.get(s, &uri).await;
    let csrf = csrf_field(&html);
    let key = input_value(&html, "khoa").expect("idempotency key");
    (uri, csrf, key)
}

async fn officer(s: &TestServer, id: &str) -> tinhso_store::dossiers::User {
    s.app.store.user(id).await.expect("user").expect("officer")
}

async fn act(s: &TestServer, who: &str, code: &str, req: ActionRequest) -> u8 {
    let user = officer(s, who).await;
    s.app
        .act(&user, code, req, None)
        .await
        .unwrap_or_else(|e| panic!("{who} {code}: {e}"))
        .status
}

fn action(name: &str) -> ActionRequest {
    ActionRequest {
        action: name.into(),
        ..Default::default()
    }
}

#[tokio::test]
async fn search_without_diacritics_finds_birth_registration_and_htmx_gets_a_fragment() {
    let s = portal_server().await;
    let mut v = Visitor::new();
    let (status, h, html) = v.get(&s, "/thu-tuc?q=dang+ky+khai+sinh").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(h[header::VARY], "HX-Request");
    let first = html
        .split("id=\"ds-thu-tuc\"")
        .nth(1)
        .and_then(|r| r.split("href=\"").nth(1))
        .and_then(|r| r.split('"').next())
        .expect("a result link");
    assert_eq!(first, "/thu-tuc/1.001193", "{html}");
    assert!(html.contains("<html"), "a whole page");
    assert!(!html.contains("style=") && !html.contains("<script>"));

    // htmx asks for the results only.
    let req = Request::get("/thu-tuc?q=dang%20ky%20khai%20sinh")
        .header("HX-Request", "true")
        .body(Body::empty())
        .unwrap();
    let (status, _, fragment) = send(&s, req).await;
    assert_eq!(status, StatusCode::OK);
    assert!(!fragment.contains("<html") && fragment.contains("/thu-tuc/1.001193"));

    // Filters: commune level, fully online.
    let (_, _, html) = v
        .get(&s, "/thu-tuc?q=dang+ky&cap=commune&muc_do=full")
        .await;
    assert!(html.contains("/thu-tuc/1.001193"), "{html}");
    let (_, _, html) = v.get(&s, "/thu-tuc?q=dang+ky+khai+sinh&cap=province").await;
    assert!(!html.contains("/thu-tuc/1.001193"), "{html}");
    // Nonsense filters and pages are ignored, not errors.
    let (status, _, _) = v.get(&s, "/thu-tuc?cap=x&muc_do=y&trang=-3").await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn the_procedure_page_lists_documents_fees_and_offers_online_submission() {
    let s = portal_server().await;
    let mut v = Visitor::new();
    let (status, _, html) = v.get(&s, "/thu-tuc/1.001193").await;
    assert_eq!(status, StatusCode::OK);
    for text in [
        "Thủ tục đăng ký khai sinh",
        "Tờ khai đăng ký khai sinh",
        "TT 04/2020/TT-BTP",
        "Thành phần hồ sơ",
        "Thời hạn giải quyết",
        "Phí, lệ phí",
        "Căn cứ pháp lý",
        "id=\"nop-truc-tuyen\" href=\"/nop-ho-so/1.001193\"",
        "Không cần nộp",
    ] {
        assert!(html.contains(text), "{text}: {html}");
    }
    assert_eq!(
        v.get(&s, "/thu-tuc/9.999999").await.0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(v.get(&s, "/thu-tuc/abc").await.0, StatusCode::NOT_FOUND);
    // Submitting needs a signed-in citizen.
    let (status, h, _) = v.get(&s, "/nop-ho-so/1.001193").await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert!(h[header::LOCATION]
        .to_str()
        .unwrap()
        .starts_with("/dang-nhap?tiep=/nop-ho-so/1.001193"));
}

#[tokio::test]
async fn the_whole_citizen_journey() {
    let s = portal_server().await;
    let mut v = Visitor::new();
    assert_eq!(
        v.sign_in(&s, "cong-dan-demo", PASSWORD).await,
        "/ho-so-cua-toi"
    );
    let (code, secret, confirm) = submit_dossier(&s, &mut v).await;

    // A double submit (the same key and form) gives the same dossier, not a second one.
    let pairs: Vec<(&str, &str)> = confirm
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let (status, _, again) = v
        .post_form(&s, &format!("/nop-ho-so/{PROCEDURE}/xac-nhan"), &pairs)
        .await;
    assert_eq!(status, StatusCode::OK, "{again}");
    assert_eq!(by_id(&again, "ma-ho-so").as_deref(), Some(code.as_str()));
    assert_eq!(
        by_id(&again, "ma-tra-cuu").as_deref(),
        Some(secret.as_str())
    );
    let (_, _, mine) = v.get(&s, "/ho-so-cua-toi").await;
    assert_eq!(mine.matches("class=\"ma-ho-so\"").count(), 1, "{mine}");
    assert!(mine.contains(&code) && mine.contains("Đã nộp, chờ tiếp nhận"));

    // Before acceptance there is no receipt yet.
    let (status, _, _) = v.get(&s, &format!("/ho-so-cua-toi/{code}/mau/01")).await;
    assert_eq!(status, StatusCode::CONFLICT);

    // The officers accept and ask for a document.
    assert_eq!(act(&s, "mc-phukhuong", &code, action("accept")).await, 2);
    let req = ActionRequest {
        reason: Some("Giấy chứng sinh: bản chụp rõ nét".into()),
        ..action("request_supplement")
    };
    assert_eq!(act(&s, "cv-phukhuong", &code, req).await, 5);

    let page = format!("/ho-so-cua-toi/{code}");
    let (status, _, html) = v.get(&s, &page).await;
    assert_eq!(status, StatusCode::OK, "{html}");
    assert_eq!(
        by_id(&html, "trang-thai").as_deref(),
        Some("Cần bổ sung giấy tờ")
    );
    assert!(html.contains("Giấy chứng sinh: bản chụp rõ nét"));
    assert!(html.contains("id=\"form-bo-sung\""));
    assert!(html.contains("id=\"rut-ho-so\""));
    assert!(html.contains(&format!("/ho-so-cua-toi/{code}/mau/02")));
    // The receipt (Mẫu 01) now exists.
    let (status, h, pdf) = v.get(&s, &format!("{page}/mau/01")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(h[header::CONTENT_TYPE], "application/pdf");
    assert!(pdf.starts_with("%PDF"));

    // The citizen supplements: a file and a comment.
    let csrf = csrf_field(&html);
    let key = input_value(&html, "khoa").expect("key");
    let scan = small_pdf();
    let (status, h, body) = post_multipart(
        &s,
        &v,
        &format!("{page}/bo-sung"),
        &[
            ("csrf", &csrf),
            ("khoa", &key),
            ("ghi_chu", "Gửi bản chụp giấy chứng sinh"),
        ],
        &[("tep_1", "giay-chung-sinh.pdf", &scan)],
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{body}");
    assert_eq!(h[header::LOCATION], format!("{page}?xong=bo-sung"));
    let (_, _, html) = v.get(&s, &format!("{page}?xong=bo-sung")).await;
    assert!(html.contains("id=\"thong-bao\""));
    assert_eq!(
        by_id(&html, "trang-thai").as_deref(),
        Some("Đã được tiếp nhận")
    );
    assert!(html.contains("giay-chung-sinh.pdf"), "{html}");
    assert!(html.contains("Gửi bản chụp giấy chứng sinh"));

    // The specialist, the leader, the clerk and the one-stop officer finish it.
    let forward = ActionRequest {
        to_step: Some("approve".into()),
        ..action("forward")
    };
    act(&s, "cv-phukhuong", &code, forward).await;
    act(&s, "ld-phukhuong", &code, action("approve")).await;
    // The clerk attaches the result (a scanned birth certificate).
    let clerk = officer(&s, "vt-phukhuong").await;
    let mut result_pdf = small_pdf();
    result_pdf.extend_from_slice(b"% ket qua\n");
    let result = s
        .app
        .upload_attachment(&clerk, "giay-khai-sinh.pdf", &result_pdf)
        .await
        .expect("result upload");
    let ready = ActionRequest {
        attachments: vec![tinhso_app::dossiers::AttachmentInput {
            component: "Kết quả: Giấy khai sinh".into(),
            sha256: result.sha256.clone(),
            name: Some("giay-khai-sinh.pdf".into()),
        }],
        ..action("result_ready")
    };
    assert_eq!(act(&s, "vt-phukhuong", &code, ready).await, 9);
    assert_eq!(act(&s, "mc-phukhuong", &code, action("deliver")).await, 10);

    // The timeline in plain words; the files can be downloaded.
    let (_, _, html) = v.get(&s, &page).await;
    assert_eq!(
        by_id(&html, "trang-thai").as_deref(),
        Some("Đã trả kết quả")
    );
    let timeline = html
        .split("id=\"dong-thoi-gian\"")
        .nth(1)
        .expect("timeline");
    let mut last = 0;
    for step in [
        "Nộp hồ sơ",
        "Tiếp nhận hồ sơ",
        "Yêu cầu bổ sung giấy tờ",
        "Bổ sung giấy tờ",
        "Lãnh đạo phê duyệt",
        "Có kết quả",
        "Trả kết quả",
    ] {
        let at = timeline[last..]
            .find(&format!("<strong>{step}</strong>"))
            .unwrap_or_else(|| panic!("{step} after {last}: {timeline}"));
        last += at;
    }
    assert!(
        html.contains("Đăng ký khai sinh cho con Nguyễn Minh An"),
        "the e-form is shown"
    );
    // The result, from the agency, can be downloaded.
    let file = format!("{page}/tep/{}", result.sha256);
    assert!(html.contains(&format!("href=\"{file}\"")), "{html}");
    assert!(html.contains("Kết quả: Giấy khai sinh"));
    let (status, h, body) = v.get(&s, &file).await;
    assert_eq!(status, StatusCode::OK);
    assert!(h[header::CONTENT_DISPOSITION]
        .to_str()
        .unwrap()
        .starts_with("attachment"));
    assert!(body.starts_with("%PDF"));

    // Rating: once, 1–5.
    assert!(html.contains("id=\"form-danh-gia\""));
    assert!(
        !html.contains("id=\"rut-ho-so\""),
        "a delivered dossier cannot be withdrawn"
    );
    let csrf = csrf_field(&html);
    let (status, _, body) = v
        .post_form(
            &s,
            &format!("{page}/danh-gia"),
            &[("csrf", &csrf), ("diem", "6"), ("nhan_xet", "")],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let (status, _, _) = v
        .post_form(
            &s,
            &format!("{page}/danh-gia"),
            &[
                ("csrf", &csrf),
                ("diem", "5"),
                ("nhan_xet", "Nhanh, đúng hẹn"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (status, _, body) = v
        .post_form(
            &s,
            &format!("{page}/danh-gia"),
            &[("csrf", &csrf), ("diem", "1"), ("nhan_xet", "")],
        )
        .await;
    assert_eq!(
        status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "rated once: {body}"
    );
    let (_, _, html) = v.get(&s, &page).await;
    assert!(
        html.contains("id=\"da-danh-gia\"") && html.contains("5/5"),
        "{html}"
    );
    assert!(!html.contains("id=\"form-danh-gia\""));
    let stored = s
        .app
        .store
        .dossier_by_code(&tinhso_domain::dossier::DossierCode::parse(&code).unwrap())
        .await
        .unwrap()
        .unwrap();
    let rating = s
        .app
        .store
        .dossier_rating(stored.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (rating.rating, rating.comment.as_str()),
        (5, "Nhanh, đúng hẹn")
    );

    // The public look-up: the code from the QR link prefilled, the secret posted, never in a URL.
    let mut anon = Visitor::new();
    let (_, _, html) = anon.get(&s, &format!("/tra-cuu?ma={code}")).await;
    assert_eq!(input_value(&html, "ma").as_deref(), Some(code.as_str()));
    let csrf = csrf_field(&html);
    let (status, _, html) = anon
        .post_form(
            &s,
            "/tra-cuu",
            &[("csrf", &csrf), ("ma", &code), ("ma_bi_mat", &secret)],
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{html}");
    assert!(html.contains("id=\"ket-qua-tra-cuu\"") && html.contains("Đã trả kết quả"));
    assert!(
        !html.contains("Nguyễn Thị Hồng Nhung"),
        "no personal data in the look-up"
    );
    let (status, _, html) = anon
        .post_form(
            &s,
            "/tra-cuu",
            &[
                ("csrf", &csrf),
                ("ma", &code),
                ("ma_bi_mat", "AAAAAAAAAAAA"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(html.contains("id=\"tra-cuu-loi\""));
}

#[tokio::test]
async fn a_citizen_withdraws_after_confirming() {
    let s = portal_server().await;
    let mut v = Visitor::new();
    v.sign_in(&s, "cong-dan-demo", PASSWORD).await;
    let (code, _, _) = submit_dossier(&s, &mut v).await;
    let page = format!("/ho-so-cua-toi/{code}");
    let (status, _, html) = v.get(&s, &format!("{page}/rut")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("id=\"form-rut\""));
    let csrf = csrf_field(&html);
    let key = input_value(&html, "khoa").unwrap();
    let fields = [
        ("csrf", csrf.as_str()),
        ("khoa", key.as_str()),
        ("ly_do", "Nộp nhầm"),
    ];
    let (status, h, _) = v.post_form(&s, &format!("{page}/rut"), &fields).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(h[header::LOCATION], format!("{page}?xong=rut"));
    // The same key again: the same answer, no error, nothing more written.
    let (status, _, _) = v.post_form(&s, &format!("{page}/rut"), &fields).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (_, _, html) = v.get(&s, &page).await;
    assert_eq!(
        by_id(&html, "trang-thai").as_deref(),
        Some("Đã rút theo yêu cầu của bạn")
    );
    assert_eq!(
        html.matches("<strong>Rút hồ sơ</strong>").count(),
        1,
        "{html}"
    );
}

#[tokio::test]
async fn another_citizens_dossier_is_not_found() {
    let s = portal_server().await;
    let mut owner = Visitor::new();
    owner.sign_in(&s, "cong-dan-demo", PASSWORD).await;
    let (code, _, _) = submit_dossier(&s, &mut owner).await;

    let mut other = Visitor::new();
    other.sign_in(&s, "cong-dan-khac", PASSWORD).await;
    let (_, _, mine) = other.get(&s, "/ho-so-cua-toi").await;
    assert!(!mine.contains(&code), "{mine}");
    let page = format!("/ho-so-cua-toi/{code}");
    let missing = "/ho-so-cua-toi/000.01.90.H61-260302-0999";
    let (status_missing, _, body_missing) = other.get(&s, missing).await;
    assert_eq!(status_missing, StatusCode::NOT_FOUND);
    for uri in [
        page.clone(),
        format!("{page}/rut"),
        format!("{page}/mau/01"),
        format!("{page}/tep/{}", "0".repeat(64)),
    ] {
        let (status, _, body) = other.get(&s, &uri).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{uri}");
        assert!(!body.contains("Nguyễn Thị Hồng Nhung"), "{uri}");
    }
    // The same page as a code that does not exist (nothing tells them apart).
    let (_, _, body) = other.get(&s, &page).await;
    assert_eq!(body, body_missing);
    // Writes are refused the same way and change nothing.
    let (_, _, html) = other.get(&s, "/ho-so-cua-toi").await;
    let csrf = csrf_field(&html);
    let (status, _, _) = other
        .post_form(
            &s,
            &format!("{page}/rut"),
            &[("csrf", &csrf), ("khoa", "k1")],
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _, _) = other
        .post_form(
            &s,
            &format!("{page}/danh-gia"),
            &[("csrf", &csrf), ("diem", "1")],
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (_, _, html) = owner.get(&s, &page).await;
    assert_eq!(
        by_id(&html, "trang-thai").as_deref(),
        Some("Đã nộp, chờ tiếp nhận")
    );
    // Officers have no "my dossiers".
    let mut officer = Visitor::new();
    officer.sign_in(&s, "mc-phukhuong", PASSWORD).await;
    assert_eq!(officer.get(&s, &page).await.0, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn bad_input_is_refused_and_creates_nothing() {
    let s = portal_server().await;
    let mut v = Visitor::new();
    let (uri, csrf, key) = open_form(&s, &mut v).await;
    let pdf = small_pdf();

    // Missing fields and the required file: 422, the entries kept, each error by its field.
    let mut fields = good_fields(&csrf, &key);
    fields.retain(|(k, _)| !matches!(*k, "ho_ten" | "noi_dung"));
    fields.push(("so_dinh_danh", "12345"));
    let (status, _, html) = post_multipart(&s, &v, &uri, &fields, &[]).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{html}");
    for id in ["ho_ten-loi", "noi_dung-loi", "tep_0-loi", "loi-bieu-mau"] {
        assert!(html.contains(&format!("id=\"{id}\"")), "{id}: {html}");
    }
    assert!(html.contains("12 Phạm Thái Bường"), "entries are kept");

    // A disguised file: HTML named .pdf.
    let html_file = b"<!doctype html><html><script>alert(1)</script></html>".to_vec();
    let (status, _, html) = post_multipart(
        &s,
        &v,
        &uri,
        &good_fields(&csrf, &key),
        &[("tep_0", "to-khai.pdf", &html_file)],
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("id=\"tep_0-loi\""), "{html}");

    // Over the size limit (20 MiB).
    let mut big = pdf.clone();
    big.resize(20 * 1024 * 1024 + 1, b' ');
    let (status, _, html) = post_multipart(
        &s,
        &v,
        &uri,
        &good_fields(&csrf, &key),
        &[("tep_0", "to-khai.pdf", &big)],
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("id=\"tep_0-loi\""), "{html}");

    // A wrong CSRF token: 403, and nothing uploaded or created.
    let fields = good_fields("0000", &key);
    let (status, _, body) =
        post_multipart(&s, &v, &uri, &fields, &[("tep_0", "to-khai.pdf", &pdf)]).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    assert!(body.contains("csrf_failed"));
    // From another site, with the right token.
    let (content_type, body) =
        multipart(&good_fields(&csrf, &key), &[("tep_0", "to-khai.pdf", &pdf)]);
    let req = Request::post(&uri)
        .header(header::COOKIE, cookie_header(&v))
        .header(header::CONTENT_TYPE, content_type)
        .header(header::ORIGIN, "https://evil.example")
        .header(header::HOST, "127.0.0.1:8080")
        .body(Body::from(body))
        .unwrap();
    assert_eq!(send(&s, req).await.0, StatusCode::FORBIDDEN);
    // The confirmation without a token.
    let (status, _, _) = v
        .post_form(&s, &format!("{uri}/xac-nhan"), &[("khoa", &key)])
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    // A tampered confirmation (another agency than the procedure's): refused.
    let mut fields = good_fields(&csrf, &key);
    fields[2] = ("co_quan", "000.00.00.H99");
    let (status, _, _) = v.post_form(&s, &format!("{uri}/xac-nhan"), &fields).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);

    let (_, _, mine) = v.get(&s, "/ho-so-cua-toi").await;
    assert_eq!(mine.matches("class=\"ma-ho-so\"").count(), 0, "{mine}");
}

#[tokio::test]
async fn pages_switch_to_english_and_need_a_citizen() {
    let s = portal_server().await;
    let mut v = Visitor::new();
    // Not signed in: to the sign-in page, and back here afterwards.
    let (status, h, _) = v.get(&s, "/ho-so-cua-toi").await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(h[header::LOCATION], "/dang-nhap?tiep=/ho-so-cua-toi");
    v.get(&s, "/ngon-ngu?chon=en&tiep=/").await;
    let (_, _, html) = v.get(&s, "/thu-tuc/1.001193").await;
    assert!(
        html.contains("<html lang=\"en\">") && html.contains("Submit online"),
        "{html}"
    );
    let (_, _, html) = v.get(&s, "/tra-cuu").await;
    assert!(html.contains("Track a dossier"), "{html}");
    v.sign_in(&s, "cong-dan-demo", PASSWORD).await;
    let (_, _, html) = v.get(&s, "/ho-so-cua-toi").await;
    assert!(html.contains("You have no dossiers yet."), "{html}");
    let (_, _, html) = v.get(&s, "/nop-ho-so/1.001193").await;
    assert!(
        html.contains("Receiving agency") && html.contains("Full name"),
        "{html}"
    );
    // A body over the form's limit is refused before it is read whole.
    let huge = vec![b'x'; 81 * 1024 * 1024 + 2];
    let (status, _, _) = post_multipart(
        &s,
        &v,
        "/nop-ho-so/1.001193",
        &[("csrf", "x")],
        &[("tep_0", "a.pdf", &huge)],
    )
    .await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
}

#[tokio::test]
async fn valid_files_are_kept_when_the_form_comes_back() {
    let s = portal_server().await;
    let mut v = Visitor::new();
    let (uri, csrf, key) = open_form(&s, &mut v).await;
    let pdf = small_pdf();

    // A missing name, a good file: the form comes back with the file kept.
    let mut fields = good_fields(&csrf, &key);
    fields.retain(|(k, _)| *k != "ho_ten");
    let (status, _, html) =
        post_multipart(&s, &v, &uri, &fields, &[("tep_0", "to-khai.pdf", &pdf)]).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let kept = input_value(&html, "giu_0").expect("the file is kept");
    assert_eq!(kept.len(), 64);
    assert!(!html.contains("id=\"tep_0-loi\""), "{html}");
    let kept_name = input_value(&html, "giu_ten_0").unwrap();

    // Corrected, without choosing the file again: the review lists it.
    let mut fields = good_fields(&csrf, &key);
    fields.push(("giu_0", &kept));
    fields.push(("giu_ten_0", &kept_name));
    let (status, _, review) = post_multipart(&s, &v, &uri, &fields, &[]).await;
    assert_eq!(status, StatusCode::OK, "{review}");
    let back = review_fields(&review);
    assert!(back.iter().any(|(k, v)| k == "tep_0" && *v == kept));

    // "Sửa lại" from the review: the form again, entries and file kept, the same key.
    let pairs: Vec<(&str, &str)> = back.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let (status, _, form) = v.post_form(&s, &format!("{uri}/sua"), &pairs).await;
    assert_eq!(status, StatusCode::OK, "{form}");
    assert_eq!(input_value(&form, "giu_0").as_deref(), Some(kept.as_str()));
    assert_eq!(input_value(&form, "khoa").as_deref(), Some(key.as_str()));
    assert!(form.contains("12 Phạm Thái Bường"));
    // A made-up hash does not pass the confirmation.
    let mut forged: Vec<(&str, &str)> = pairs.clone();
    let fake = "ab".repeat(32);
    for f in forged.iter_mut() {
        if f.0 == "tep_0" {
            f.1 = &fake;
        }
    }
    let (status, _, _) = v.post_form(&s, &format!("{uri}/xac-nhan"), &forged).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let (status, _, done) = v.post_form(&s, &format!("{uri}/xac-nhan"), &pairs).await;
    assert_eq!(status, StatusCode::OK, "{done}");
    assert!(by_id(&done, "ma-ho-so").is_some());
}
