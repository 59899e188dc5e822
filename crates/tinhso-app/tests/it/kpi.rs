//! KPIs through the app: a seeded history agrees with a rebuild on both engines (ratings
//! included), a rating moves the satisfaction counters, and the 766 index reads its points and
//! thresholds from the settings.

use std::sync::Arc;

use jiff::civil::date;
use tinhso_app::kpi::ScopeRequest;
use tinhso_app::{App, AppSettings, NoProgress};
use tinhso_domain::kpi::{CounterKey, Indicator, Metric, Period};
use tinhso_store::kpi::Grain;
use tinhso_store::Store;

use crate::engines;

/// Every stored counter row, at every grain.
async fn all_counters(store: &dyn Store) -> Vec<(Grain, Vec<(CounterKey, i64)>)> {
    let mut out = Vec::new();
    for grain in [Grain::Day, Grain::Month, Grain::Year, Grain::Gauge] {
        out.push((
            grain,
            store.kpi_stored_counters(grain).await.expect("counters"),
        ));
    }
    out
}

#[tokio::test]
async fn seeded_history_equals_a_rebuild_on_both_engines() {
    for t in engines::all().await {
        let app = &t.app;
        app.load_demo(&NoProgress).await.expect("demo");
        let report = app
            .seed_dossiers(600, 7, &tinhso_app::NoProgress)
            .await
            .expect("seed");
        assert!(report.dossiers > 500, "{}: {report:?}", t.engine);
        assert!(report.resolved > 0 && report.late > 0, "{report:?}");
        assert!(
            !app.store.kpi_counters_owed().await.expect("owed"),
            "{}: the seed settles the counters it owed",
            t.engine
        );
        // The commune ranking names every commune (found among the province's own).
        let year = Period::Year(app.today().year());
        let communes = app
            .ranking(tinhso_store::kpi::DimensionKind::Commune, year)
            .await
            .expect("commune ranking");
        assert!(!communes.is_empty(), "{}", t.engine);
        for unit in &communes {
            let tinhso_domain::kpi::Dimension::Commune(code) = &unit.scope else {
                panic!("{}: not a commune: {:?}", t.engine, unit.scope);
            };
            assert_ne!(&unit.name, code, "{}: commune {code} is named", t.engine);
        }
        // Each agency's score in the ranking is the one its own view shows.
        let agencies = app
            .ranking(tinhso_store::kpi::DimensionKind::CompetentAgency, year)
            .await
            .expect("agency ranking");
        assert!(!agencies.is_empty(), "{}", t.engine);
        for unit in &agencies {
            let tinhso_domain::kpi::Dimension::CompetentAgency(a) = &unit.scope else {
                panic!("{}: not an agency: {:?}", t.engine, unit.scope);
            };
            let view = app
                .kpi_view_unchecked(
                    &ScopeRequest {
                        agency: Some(a.to_string()),
                        ..Default::default()
                    },
                    year,
                )
                .await
                .expect("view");
            assert_eq!(unit.total, view.index.total, "{}: {a}", t.engine);
        }
        // Names are kept in memory under the agencies' revision: a renamed agency is named
        // anew in the next ranking.
        let first = &agencies[0];
        let tinhso_domain::kpi::Dimension::CompetentAgency(eid) = &first.scope else {
            unreachable!("checked above");
        };
        let mut renamed = app
            .store
            .agency(eid)
            .await
            .expect("agency")
            .expect("ranked agency exists");
        renamed.name = format!("{} (đổi tên)", renamed.name);
        app.store
            .upsert_agencies(std::slice::from_ref(&renamed))
            .await
            .expect("rename");
        let again = app
            .ranking(tinhso_store::kpi::DimensionKind::CompetentAgency, year)
            .await
            .expect("agency ranking");
        let named = again
            .iter()
            .find(|u| u.scope == first.scope)
            .expect("still ranked");
        assert_eq!(named.name, renamed.name, "{}", t.engine);
        let seeded = all_counters(app.store.as_ref()).await;
        let rated: i64 = seeded[0]
            .1
            .iter()
            .filter(|(k, _)| {
                k.metric == Metric::Rated && k.dim == tinhso_domain::kpi::Dimension::Province
            })
            .map(|(_, v)| v)
            .sum();
        assert!(rated > 0, "{}: the seed rates some dossiers", t.engine);
        let rebuilt = app.rebuild_kpi(&|_| {}).await.expect("rebuild");
        assert_eq!(rebuilt.dossiers, report.dossiers, "{}", t.engine);
        assert_eq!(
            rebuilt.facts_rewritten, 0,
            "{}: seeded facts are the domain's, ratings included",
            t.engine
        );
        assert_eq!(
            all_counters(app.store.as_ref()).await,
            seeded,
            "{}: the seeded counters equal a rebuild at every grain",
            t.engine
        );
    }
}

/// A seed stopped midway leaves its counter debt: a new seed refuses to run over it (its
/// counters would mix with those owed), says what to do, and runs once a rebuild settled it.
#[tokio::test]
async fn a_seed_refuses_to_run_over_an_unsettled_debt() {
    let t = engines::sqlite().await;
    let app = &t.app;
    app.load_demo(&NoProgress).await.expect("demo");
    app.store
        .begin_bulk_load(tinhso_store::kpi::BulkLoad {
            defer_indexes: false,
            owe_counters: true,
        })
        .await
        .expect("a load that will not finish");
    let refused = app
        .seed_dossiers(50, 3, &tinhso_app::NoProgress)
        .await
        .expect_err("refused")
        .to_string();
    assert!(refused.contains("tinhso kpi rebuild"), "{refused}");
    assert!(
        app.store
            .kpi_stored_counters(Grain::Year)
            .await
            .expect("counters")
            .is_empty(),
        "the refused seed wrote nothing"
    );
    app.rebuild_kpi(&|_| {}).await.expect("rebuild");
    let report = app
        .seed_dossiers(50, 3, &tinhso_app::NoProgress)
        .await
        .expect("seed");
    assert!(report.dossiers > 40, "{report:?}");
    assert!(!app.store.kpi_counters_owed().await.expect("owed"));
}

#[tokio::test]
async fn index_points_and_thresholds_come_from_the_settings() {
    let t = engines::sqlite().await;
    let file = std::env::temp_dir().join(format!("tinhso-index-{}.toml", std::process::id()));
    std::fs::write(
        &file,
        "[index_766.indicators]\n\"2.1\" = { points = 15, threshold = 95 }\n",
    )
    .expect("write");
    let config = tinhso_app::Config::load(Some(&file), Vec::new(), &[]).expect("config");
    let _ = std::fs::remove_file(&file);
    let app = App::new(
        t.app.store.clone(),
        engines::clock(),
        AppSettings::from_config(&config),
    )
    .await
    .expect("app");
    let app = Arc::new(app);
    let rule = app.index_config();
    let on_time = rule.rule(Indicator::OnTime).expect("2.1");
    assert_eq!(on_time.points, 15.0);
    let view = app
        .kpi_view_unchecked(&ScopeRequest::default(), Period::month_of(date(2026, 3, 1)))
        .await
        .expect("view");
    let scored = view
        .index
        .indicators
        .iter()
        .find(|i| i.id == Indicator::OnTime)
        .expect("2.1 scored");
    assert_eq!(scored.max_points, 15.0);
    assert!((scored.threshold - 0.95).abs() < 1e-12);
    let resolution = view
        .index
        .indicators
        .iter()
        .find(|i| i.id == Indicator::ResolutionTime)
        .expect("2.2 scored");
    assert_eq!(
        resolution.max_points, 5.0,
        "2.2 takes what group 2 has left"
    );
    // The default app keeps the law's values.
    assert_eq!(
        t.app.index_config(),
        tinhso_domain::kpi::IndexConfig::default()
    );
}
