//! The shared conformance suite, twice: on a temporary file and in memory.

mod on_file {
    use tinhso_store::conformance::Case;
    use tinhso_store_sqlite::SqliteStore;

    use crate::TempDir;

    async fn run(name: &'static str, case: Case) {
        let dir = TempDir::new(name);
        let store = SqliteStore::open(&dir.url())
            .await
            .expect("open a fresh file database");
        case(&store).await;
        store.close().await;
    }

    tinhso_store::conformance_tests!(run);
}

mod in_memory {
    use tinhso_store::conformance::Case;
    use tinhso_store_sqlite::SqliteStore;

    async fn run(_name: &'static str, case: Case) {
        let store = SqliteStore::open("sqlite::memory:")
            .await
            .expect("open in memory");
        case(&store).await;
    }

    tinhso_store::conformance_tests!(run);
}
