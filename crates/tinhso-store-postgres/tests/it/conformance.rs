//! The shared conformance suite, each case on its own fresh database.

use tinhso_store::conformance::Case;

async fn run(name: &'static str, case: Case) {
    crate::with_database(name, move |db| async move {
        let store = db.store().await;
        case(&store).await;
        store.close().await;
    })
    .await;
}

tinhso_store::conformance_tests!(run);
