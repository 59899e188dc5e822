//! Conformance cases of the attachment citations the sweep of unused objects relies on.

use std::collections::BTreeSet;

use jiff::civil::DateTime;
use tinhso_domain::dossier::NationalStatus;

use super::dossier_cases::{sample_move, sample_new_dossier, write_one, AGENCY_A};
use super::{eid, ts};
use crate::dossiers::{AttachmentRecord, DossierWrite};
use crate::objects::REFERENCE_CHUNK;
use crate::Store;

fn attachment(hex_pair: &str, component: &str) -> AttachmentRecord {
    AttachmentRecord {
        component: component.to_string(),
        sha256: hex_pair.repeat(32),
        size: 10,
        file_type: "pdf".to_string(),
        name: format!("{component}.pdf"),
    }
}

/// Only hashes some dossier event cites come back: those of a submission and of a later action
/// (a supplement, a result), whichever dossier cites them; unknown hashes, an empty list and
/// a full chunk of unknown hashes answer nothing.
pub async fn objects_referenced_by_events(store: &dyn Store) {
    let none = store.referenced_objects(&[]).await.expect("empty list");
    assert!(none.is_empty());

    let agency = eid(AGENCY_A);
    let received: DateTime = "2026-03-02T08:00".parse().expect("datetime");
    // The sample submission cites "ab…ab"; a second one cites it too, plus "12…12".
    let first = write_one(
        store,
        DossierWrite::Create(Box::new(sample_new_dossier(
            &agency,
            "Trần Thị Bình",
            None,
            received,
        ))),
        ts("2026-03-02T01:00:00Z"),
    )
    .await
    .expect("first dossier");
    let mut second = sample_new_dossier(&agency, "Lê Văn Cường", None, received);
    second.attachments.push(attachment("12", "Giấy tờ khác"));
    write_one(
        store,
        DossierWrite::Create(Box::new(second)),
        ts("2026-03-02T01:01:00Z"),
    )
    .await
    .expect("second dossier");
    // A later action on the first dossier cites "cd…cd" (a result file).
    let stored = store
        .dossier_by_id(first.dossier_id)
        .await
        .expect("read")
        .expect("exists");
    let mut result = sample_move(
        &stored,
        "2026-03-03T09:00".parse().expect("datetime"),
        NationalStatus::ResultReady,
        |_| {},
    );
    result.attachments = vec![attachment("cd", "result")];
    write_one(
        store,
        DossierWrite::Update(Box::new(result)),
        ts("2026-03-03T02:00:00Z"),
    )
    .await
    .expect("result");

    let asked: Vec<String> = ["ab", "12", "cd", "ef", "00"]
        .iter()
        .map(|p| p.repeat(32))
        .collect();
    let cited = store.referenced_objects(&asked).await.expect("cited");
    let expected: BTreeSet<String> = ["ab", "12", "cd"].iter().map(|p| p.repeat(32)).collect();
    assert_eq!(cited, expected, "exactly the cited hashes, each once");

    let unknown: Vec<String> = (0..REFERENCE_CHUNK).map(|i| format!("{i:064x}")).collect();
    let cited = store
        .referenced_objects(&unknown)
        .await
        .expect("full chunk");
    assert!(cited.is_empty(), "no unknown hash is cited: {cited:?}");
}
