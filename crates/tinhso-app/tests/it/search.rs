//! Catalog search through the app: diacritic-insensitive and the same on both engines.

use tinhso_app::progress::NoProgress;
use tinhso_search::SearchQuery;

use crate::engines;

#[tokio::test]
async fn search_is_diacritic_insensitive_and_identical_on_both_engines() {
    let mut answers = Vec::new();
    for t in engines::all().await {
        t.app.load_demo(&NoProgress).await.unwrap();
        let page = t.app.search(&SearchQuery {
            q: "dang ky khai sinh".into(),
            ..Default::default()
        });
        assert_eq!(
            page.items[0].procedure.code.as_str(),
            "1.001193",
            "{}",
            t.engine
        );
        let page2 = t.app.search(&SearchQuery {
            q: "Đăng ký khai sinh".into(),
            ..Default::default()
        });
        assert_eq!(page2.items[0].procedure.code.as_str(), "1.001193");
        let codes: Vec<String> = t
            .app
            .search(&SearchQuery {
                q: "dang ky".into(),
                limit: 50,
                ..Default::default()
            })
            .items
            .iter()
            .map(|i| i.procedure.code.to_string())
            .collect();
        answers.push(codes);
    }
    if answers.len() == 2 {
        assert_eq!(
            answers[0], answers[1],
            "search must rank the same on SQLite and PostgreSQL"
        );
    }
}
