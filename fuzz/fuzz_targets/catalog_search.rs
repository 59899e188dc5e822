//! `tinhso_search::SearchIndex::search` with arbitrary query text and filters over a small fixed
//! catalog.
//!
//! Properties: never panics; at most the page size (0 → `DEFAULT_LIMIT`, capped at `MAX_LIMIT`)
//! and at most `total` hits; `total` ≤ the index size; hits sorted by score (finite), highest
//! first, ties by code, no code twice; every hit passes the level, agency and online-level
//! filters; a page equals the same slice of the full ranking (offset 0, `MAX_LIMIT`), with the
//! same total.
#![no_main]

use std::collections::{HashMap, HashSet};
use std::sync::OnceLock;

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use tinhso_domain::agency::AgencyEId;
use tinhso_domain::catalog::files::parse_catalog_json_str;
use tinhso_domain::catalog::{OnlineLevel, Procedure, ProcedureCode, ProcedureLevel};
use tinhso_search::{SearchIndex, SearchQuery, DEFAULT_LIMIT, MAX_LIMIT};

const CATALOG: &str = r#"[
 {"code":"1.001193","name":"Đăng ký khai sinh","levels":["commune"],"fields":["Hộ tịch"],
  "agency_eids":["000.01.31.H40","000.02.31.H40"],"online_level":"full",
  "results":["Giấy khai sinh"],"requirements":"Không có"},
 {"code":"1.000894","name":"Đăng ký kết hôn","levels":["commune"],"fields":["Hộ tịch"],
  "agency_eids":["000.01.31.H40"],"online_level":"partial","results":["Giấy chứng nhận kết hôn"]},
 {"code":"1.004227","name":"Thủ tục đăng ký khai tử","levels":["commune"],"fields":["Hộ tịch"],
  "online_level":"full"},
 {"code":"2.000635","name":"Cấp bản sao trích lục hộ tịch","levels":["province","commune"],
  "fields":["Hộ tịch"],"agency_eids":["000.00.04.H40"],"online_level":"partial"},
 {"code":"1.010014","name":"Đăng ký xe lần đầu trực tuyến toàn trình","levels":["province"],
  "fields":["Đăng ký, quản lý phương tiện giao thông cơ giới đường bộ"],"online_level":"full"},
 {"code":"3.000181","name":"Cấp giấy phép xây dựng mới đối với nhà ở riêng lẻ",
  "levels":["commune"],"fields":["Hoạt động xây dựng"],"agency_eids":["000.02.31.H40"]},
 {"code":"1.000757","name":"Cấp lại thẻ căn cước","levels":["ministry"],
  "fields":["Cấp, quản lý căn cước"],"results":["Thẻ căn cước"]},
 {"code":"1.005462","name":"Giải quyết khiếu nại lần đầu","levels":["province","commune","other"],
  "fields":["Khiếu nại, tố cáo"],"requirements":"Đơn khiếu nại có chữ ký"},
 {"code":"2.001157","name":"Đăng ký thành lập hộ kinh doanh","levels":["commune"],
  "fields":["Thành lập và hoạt động của hộ kinh doanh"],"online_level":"partial",
  "agency_eids":["000.01.31.H40"]},
 {"code":"1.003596","name":"Vĩnh Hưng: xác nhận tình trạng hôn nhân","levels":["commune"],
  "fields":["Hộ tịch"]},
 {"code":"1.003597","name":"Vinh Hưng: xác nhận thông tin hộ tịch","levels":["district"],
  "fields":["Hộ tịch"]}
]"#;

struct Fixture {
    index: SearchIndex,
    by_code: HashMap<ProcedureCode, Procedure>,
}

fn fixture() -> &'static Fixture {
    static FIXTURE: OnceLock<Fixture> = OnceLock::new();
    FIXTURE.get_or_init(|| {
        let procedures: Vec<Procedure> = parse_catalog_json_str(CATALOG)
            .expect("fixture catalog")
            .into_iter()
            .map(|r| r.expect("fixture record"))
            .collect();
        Fixture {
            index: SearchIndex::build(procedures.iter()),
            by_code: procedures
                .into_iter()
                .map(|p| (p.code.clone(), p))
                .collect(),
        }
    })
}

const AGENCIES: [&str; 4] = [
    "000.01.31.H40",
    "000.02.31.H40",
    "000.00.04.H40",
    "000.00.01.H22",
];

#[derive(Debug, Arbitrary)]
struct Input {
    q: String,
    field: Option<String>,
    level: Option<u8>,
    agency: Option<u8>,
    online_level: Option<u8>,
    limit: u8,
    offset: u16,
    huge_offset: bool,
}

fuzz_target!(|input: Input| {
    let fixture = fixture();
    let query = SearchQuery {
        q: input.q,
        field: input.field,
        level: input.level.map(|n| match n % 5 {
            0 => ProcedureLevel::Ministry,
            1 => ProcedureLevel::Province,
            2 => ProcedureLevel::District,
            3 => ProcedureLevel::Commune,
            _ => ProcedureLevel::Other,
        }),
        agency: input
            .agency
            .map(|n| AgencyEId::parse(AGENCIES[usize::from(n) % AGENCIES.len()]).expect("fixture")),
        online_level: input.online_level.map(|n| match n % 3 {
            0 => OnlineLevel::Full,
            1 => OnlineLevel::Partial,
            _ => OnlineLevel::None,
        }),
        limit: usize::from(input.limit),
        offset: if input.huge_offset {
            usize::MAX - usize::from(input.offset)
        } else {
            usize::from(input.offset % 32)
        },
    };
    let results = fixture.index.search(&query);
    let page_size = match query.limit {
        0 => DEFAULT_LIMIT,
        n => n.min(MAX_LIMIT),
    };
    assert!(
        results.hits.len() <= page_size,
        "{} hits for a page of {page_size}",
        results.hits.len()
    );
    assert!(results.hits.len() <= results.total);
    assert!(results.total <= fixture.index.len());
    let mut seen = HashSet::new();
    for pair in results.hits.windows(2) {
        let (a, b) = (&pair[0], &pair[1]);
        assert!(
            a.score > b.score || (a.score == b.score && a.code < b.code),
            "not sorted: {a:?} before {b:?}"
        );
    }
    for hit in &results.hits {
        assert!(hit.score.is_finite() && hit.score >= 0.0, "score {hit:?}");
        assert!(seen.insert(hit.code.clone()), "{} twice", hit.code);
        let p = fixture
            .by_code
            .get(&hit.code)
            .expect("a hit is in the catalog");
        if let Some(level) = query.level {
            assert!(
                p.levels.contains(&level),
                "level filter let {} through",
                p.code
            );
        }
        if let Some(agency) = &query.agency {
            assert!(
                p.agency_eids.contains(agency),
                "agency filter let {} through",
                p.code
            );
        }
        if let Some(online) = query.online_level {
            assert_eq!(
                p.online_level, online,
                "online filter let {} through",
                p.code
            );
        }
    }

    // Paging is a window on the full ranking.
    let full = fixture.index.search(&SearchQuery {
        limit: MAX_LIMIT,
        offset: 0,
        ..query.clone()
    });
    assert_eq!(full.total, results.total, "total depends on the page");
    assert_eq!(full.hits.len(), full.total.min(MAX_LIMIT));
    let expected: Vec<_> = full
        .hits
        .iter()
        .skip(query.offset)
        .take(page_size)
        .collect();
    let got: Vec<_> = results.hits.iter().collect();
    assert_eq!(
        got, expected,
        "page differs from the slice of the full ranking"
    );
});
