//! Search behaviour over small fixture procedures built in code.

use serde_json::json;
use tinhso_domain::agency::AgencyEId;
use tinhso_domain::catalog::{OnlineLevel, Procedure, ProcedureLevel};
use tinhso_search::{SearchIndex, SearchQuery, SearchResults, DEFAULT_LIMIT, MAX_LIMIT};

const XA_A: &str = "000.01.90.H61";
const SO_TU_PHAP: &str = "000.00.02.H61";

fn procedure(code: &str, name: &str, field: &str, level: &str, online: &str) -> Procedure {
    let agency = if level == "commune" { XA_A } else { SO_TU_PHAP };
    serde_json::from_value(json!({
        "code": code,
        "name": name,
        "levels": [level],
        "fields": [field],
        "agency_eids": [agency],
        "online_level": online,
    }))
    .expect("fixture procedure")
}

fn with_body(mut p: Procedure, results: &[&str], requirements: &str) -> Procedure {
    p.results = results.iter().map(|r| r.to_string()).collect();
    p.requirements = requirements.to_string();
    p
}

fn fixtures() -> Vec<Procedure> {
    vec![
        procedure(
            "1.001193",
            "Thủ tục đăng ký khai sinh",
            "Hộ tịch",
            "commune",
            "full",
        ),
        procedure(
            "1.000689",
            "Thủ tục đăng ký khai sinh kết hợp đăng ký nhận cha, mẹ, con",
            "Hộ tịch",
            "commune",
            "full",
        ),
        procedure(
            "1.004884",
            "Thủ tục đăng ký lại khai sinh",
            "Hộ tịch",
            "commune",
            "partial",
        ),
        procedure(
            "1.000894",
            "Thủ tục đăng ký kết hôn",
            "Hộ tịch",
            "commune",
            "full",
        ),
        procedure(
            "1.000656",
            "Thủ tục đăng ký khai tử",
            "Hộ tịch",
            "commune",
            "full",
        ),
        with_body(
            procedure(
                "2.000635",
                "Cấp bản sao trích lục hộ tịch",
                "Hộ tịch",
                "commune",
                "full",
            ),
            &["Bản sao trích lục hộ tịch (khai sinh, kết hôn, khai tử)"],
            "Người yêu cầu cấp bản sao Giấy khai sinh phải có quyền yêu cầu.",
        ),
        procedure(
            "2.000815",
            "Chứng thực bản sao từ bản chính giấy tờ, văn bản",
            "Chứng thực",
            "commune",
            "partial",
        ),
        procedure(
            "1.001612",
            "Đăng ký thành lập hộ kinh doanh",
            "Thành lập và hoạt động doanh nghiệp (hộ kinh doanh)",
            "commune",
            "partial",
        ),
        procedure(
            "2.000488",
            "Cấp Phiếu lý lịch tư pháp cho công dân Việt Nam",
            "Lý lịch tư pháp",
            "province",
            "full",
        ),
        procedure(
            "1.009994",
            "Cấp giấy phép xây dựng mới đối với công trình cấp III",
            "Hoạt động xây dựng",
            "province",
            "none",
        ),
        procedure(
            "9.000001",
            "Đặt tên đường Vĩnh Hưng",
            "Văn hóa",
            "province",
            "none",
        ),
        procedure(
            "9.000002",
            "Đặt tên đường Vinh Hưng",
            "Văn hóa",
            "province",
            "none",
        ),
    ]
}

fn index() -> SearchIndex {
    SearchIndex::build(&fixtures())
}

fn q(text: &str) -> SearchQuery {
    SearchQuery {
        q: text.to_string(),
        ..Default::default()
    }
}

fn codes(r: &SearchResults) -> Vec<&str> {
    r.hits.iter().map(|h| h.code.as_str()).collect()
}

#[test]
fn builds_and_counts() {
    let index = index();
    assert_eq!(index.len(), 12);
    assert!(!index.is_empty());
    assert!(SearchIndex::build(std::iter::empty()).is_empty());
}

#[test]
fn dang_ky_khai_sinh_without_diacritics_finds_1_001193_first() {
    let r = index().search(&q("dang ky khai sinh"));
    assert_eq!(codes(&r)[0], "1.001193");
    // The other civil-status records about birth registration match too, below it.
    assert_eq!(r.total, 3);
    assert!(codes(&r).contains(&"1.000689"));
    assert!(codes(&r).contains(&"1.004884"));
}

#[test]
fn d_stroke_folds_both_ways() {
    let index = index();
    let with = index.search(&q("Đăng ký kết hôn"));
    let without = index.search(&q("dang ky ket hon"));
    assert_eq!(codes(&with)[0], "1.000894");
    assert_eq!(codes(&with), codes(&without));
    // Upper-case Đ alone, as a prefix, and lower-case d: the same records.
    let upper = index.search(&SearchQuery {
        limit: 100,
        ..q("ĐĂNG ")
    });
    let lower = index.search(&SearchQuery {
        limit: 100,
        ..q("dang ")
    });
    assert_eq!(upper.total, 6);
    assert_eq!(codes(&upper), codes(&lower));
    // The name "Đặt tên đường" folds to "dat ten duong".
    assert_eq!(index.search(&q("dat ten duong")).total, 2);
}

#[test]
fn last_word_is_a_prefix_for_type_ahead() {
    let index = index();
    assert_eq!(codes(&index.search(&q("dang ky khai s")))[0], "1.001193");
    let k = index.search(&q("dang ky k"));
    for code in ["1.001193", "1.000894", "1.000656", "1.004884", "1.000689"] {
        assert!(
            codes(&k).contains(&code),
            "{code} missing from {:?}",
            codes(&k)
        );
    }
    // A trailing space finishes the word: "s" alone is no word of the catalog.
    assert_eq!(index.search(&q("dang ky khai s ")).total, 0);
    // Words before the last must match whole.
    assert_eq!(index.search(&q("dan ky khai sinh")).total, 0);
}

#[test]
fn every_word_must_match() {
    let index = index();
    let r = index.search(&q("khai sinh cha me"));
    assert_eq!(codes(&r), ["1.000689"]);
    assert_eq!(index.search(&q("khai sinh xay dung")).total, 0);
    assert_eq!(index.search(&q("khai sinh zzzz")).total, 0);
}

#[test]
fn name_match_beats_body_match() {
    // 2.000635 mentions "khai sinh" only in its results and requirements.
    let r = index().search(&q("khai sinh"));
    let pos = |c: &str| codes(&r).iter().position(|x| *x == c).expect("present");
    assert!(codes(&r).contains(&"2.000635"));
    for name_match in ["1.001193", "1.000689", "1.004884"] {
        assert!(pos(name_match) < pos("2.000635"));
    }
}

#[test]
fn exact_diacritics_get_a_small_bonus_without_losing_folded_matches() {
    let index = index();
    let r = index.search(&q("Vĩnh Hưng"));
    assert_eq!(codes(&r), ["9.000001", "9.000002"]);
    let r = index.search(&q("Vinh Hưng"));
    assert_eq!(codes(&r), ["9.000002", "9.000001"]);
    // Without diacritics the two tie, and the tie breaks by code.
    let r = index.search(&q("vinh hung"));
    assert_eq!(codes(&r), ["9.000001", "9.000002"]);
    assert_eq!(r.hits[0].score, r.hits[1].score);
}

#[test]
fn exact_code_ranks_that_record_first() {
    let index = index();
    let r = index.search(&q("1.000894"));
    assert_eq!(codes(&r), ["1.000894"]);
    // With words: the named record first, even though it does not match them, then the matches.
    let r = index.search(&q("khai sinh 1.000894"));
    assert_eq!(codes(&r)[0], "1.000894");
    assert!(codes(&r).contains(&"1.001193"));
    let r = index.search(&q("đăng ký 1.000656"));
    assert_eq!(codes(&r)[0], "1.000656");
    // An unknown code finds nothing.
    assert_eq!(index.search(&q("1.999999")).total, 0);
}

#[test]
fn code_prefix_lists_by_code() {
    let index = index();
    let r = index.search(&q("1.00"));
    assert_eq!(
        codes(&r),
        ["1.000656", "1.000689", "1.000894", "1.001193", "1.001612", "1.004884", "1.009994"]
    );
    assert_eq!(codes(&index.search(&q("1.0011"))), ["1.001193"]);
    assert_eq!(
        codes(&index.search(&q("2.000"))),
        ["2.000488", "2.000635", "2.000815"]
    );
}

#[test]
fn empty_query_lists_by_code_with_filters() {
    let index = index();
    let all = index.search(&SearchQuery {
        limit: 100,
        ..q("")
    });
    assert_eq!(all.total, 12);
    let mut sorted = codes(&all);
    sorted.sort();
    assert_eq!(codes(&all), sorted);
    assert!(all.hits.iter().all(|h| h.score == 0.0));

    let province = index.search(&SearchQuery {
        level: Some(ProcedureLevel::Province),
        ..q("  ")
    });
    assert_eq!(
        codes(&province),
        ["1.009994", "2.000488", "9.000001", "9.000002"]
    );
}

#[test]
fn filters_restrict_results() {
    let index = index();
    // Field, compared folded.
    let r = index.search(&SearchQuery {
        field: Some("ho tich".into()),
        limit: 50,
        ..q("")
    });
    assert_eq!(r.total, 6);
    let r = index.search(&SearchQuery {
        field: Some("Hộ tịch".into()),
        ..q("ban sao")
    });
    assert_eq!(codes(&r), ["2.000635"]);
    let r = index.search(&SearchQuery {
        field: Some("Chứng thực".into()),
        ..q("ban sao")
    });
    assert_eq!(codes(&r), ["2.000815"]);
    // Level.
    let r = index.search(&SearchQuery {
        level: Some(ProcedureLevel::Province),
        ..q("cap")
    });
    let mut got = codes(&r);
    got.sort();
    assert_eq!(got, ["1.009994", "2.000488"]);
    assert_eq!(r.total, 2);
    // Online level.
    let r = index.search(&SearchQuery {
        online_level: Some(OnlineLevel::Partial),
        limit: 50,
        ..q("")
    });
    assert_eq!(codes(&r), ["1.001612", "1.004884", "2.000815"]);
    // Agency.
    let so = AgencyEId::parse(SO_TU_PHAP).expect("valid e-ID");
    let r = index.search(&SearchQuery {
        agency: Some(so),
        limit: 50,
        ..q("")
    });
    assert_eq!(r.total, 4);
    let other = AgencyEId::parse("000.00.99.H61").expect("valid e-ID");
    assert_eq!(
        index
            .search(&SearchQuery {
                agency: Some(other),
                ..q("")
            })
            .total,
        0
    );
    // A filter also applies to a record named by its code.
    let r = index.search(&SearchQuery {
        level: Some(ProcedureLevel::Province),
        ..q("1.001193")
    });
    assert_eq!(r.total, 0);
}

#[test]
fn paging_and_limits() {
    let index = index();
    let all = index.search(&SearchQuery {
        limit: 100,
        ..q("")
    });
    let page = index.search(&SearchQuery {
        limit: 3,
        offset: 3,
        ..q("")
    });
    assert_eq!(page.total, 12);
    assert_eq!(codes(&page), codes(&all)[3..6]);
    let past = index.search(&SearchQuery {
        limit: 3,
        offset: 50,
        ..q("")
    });
    assert_eq!(past.total, 12);
    assert!(past.hits.is_empty());
    // Ranked pages agree with the full ranking.
    let ranked = index.search(&q("dang ky"));
    let p2 = index.search(&SearchQuery {
        limit: 2,
        offset: 2,
        ..q("dang ky")
    });
    assert_eq!(codes(&p2), codes(&ranked)[2..4]);

    // 0 means the default page size, and pages are capped.
    let many: Vec<Procedure> = (0..150)
        .map(|i| {
            procedure(
                &format!("3.{i:06}"),
                &format!("Thủ tục số {i}"),
                "Khác",
                "province",
                "none",
            )
        })
        .collect();
    let big = SearchIndex::build(&many);
    assert_eq!(big.search(&q("thu tuc")).hits.len(), DEFAULT_LIMIT);
    let capped = big.search(&SearchQuery {
        limit: 1000,
        ..q("thu tuc")
    });
    assert_eq!(capped.total, 150);
    assert_eq!(capped.hits.len(), MAX_LIMIT);
}

#[test]
fn duplicate_codes_keep_the_last_version() {
    let mut list = fixtures();
    list.push(procedure(
        "1.001193",
        "Đăng ký khai sinh (bản mới)",
        "Hộ tịch",
        "commune",
        "full",
    ));
    let index = SearchIndex::build(&list);
    assert_eq!(index.len(), 12);
    assert_eq!(codes(&index.search(&q("ban moi"))), ["1.001193"]);
}

#[test]
fn numbers_shaped_like_codes_but_naming_none_are_words() {
    let p = procedure(
        "1.000001",
        "Cấp phép xe quá tải 4.5 tấn",
        "Đường bộ",
        "province",
        "none",
    );
    let index = SearchIndex::build([&p]);
    assert_eq!(codes(&index.search(&q("xe 4.5 tan"))), ["1.000001"]);
}

#[test]
fn query_deserializes_with_defaults() {
    let query: SearchQuery =
        serde_json::from_value(json!({ "q": "khai sinh", "level": "commune" })).expect("query");
    assert_eq!(query.level, Some(ProcedureLevel::Commune));
    assert_eq!(query.limit, 0);
    assert_eq!(query.offset, 0);
    assert!(query.agency.is_none());
    let bad: Result<SearchQuery, _> = serde_json::from_value(json!({ "agency": "not an e-id" }));
    assert!(bad.is_err());
}
