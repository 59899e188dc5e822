//! `LocalDiskStore`: layout, durability contract, idempotence, corruption, concurrency.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;

use tinhso_objects::{
    check, ContentHash, FileType, LocalDiskStore, ObjectError, ObjectStore, UploadPolicy,
    TEMP_PREFIX,
};

use crate::fixtures;

/// A fresh folder under the system's temporary folder, removed when dropped.
struct TempDir(PathBuf);

impl TempDir {
    fn new() -> TempDir {
        static COUNTER: AtomicU32 = AtomicU32::new(0);
        let path = std::env::temp_dir().join(format!(
            "tinhso-objects-test-{}-{}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed)
        ));
        let _ = std::fs::remove_dir_all(&path);
        TempDir(path)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Every file under `root`, recursively.
fn files_under(root: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut pending = vec![root.to_path_buf()];
    while let Some(dir) = pending.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                pending.push(path);
            } else {
                found.push(path);
            }
        }
    }
    found.sort();
    found
}

#[tokio::test]
async fn put_then_get_round_trips_under_the_hash_layout() {
    let dir = TempDir::new();
    let store = LocalDiskStore::in_data_folder(&dir.0).unwrap();
    assert_eq!(store.root(), dir.0.join("objects"));
    let bytes = fixtures::pdf();
    let checked = check(&UploadPolicy::default(), "giay-khai-sinh.pdf", &bytes).unwrap();
    let hash = checked.sha256();
    assert!(!store.exists(&hash).await.unwrap());
    assert_eq!(store.get(&hash).await.unwrap(), None);

    let stored = store.put(&checked, &bytes).await.unwrap();
    assert_eq!(stored.sha256, hash);
    assert_eq!(stored.size, bytes.len() as u64);
    assert_eq!(stored.file_type, FileType::Pdf);
    assert!(store.exists(&hash).await.unwrap());
    assert_eq!(store.get(&hash).await.unwrap(), Some(bytes.clone()));

    let hex = hash.to_hex();
    let expected = dir
        .0
        .join("objects")
        .join(&hex[..2])
        .join(&hex[2..4])
        .join(&hex);
    assert_eq!(store.path_of(&hash), expected);
    assert_eq!(files_under(&dir.0), vec![expected.clone()]);
    assert!(
        std::fs::metadata(&expected)
            .unwrap()
            .permissions()
            .readonly(),
        "objects are read-only"
    );

    // The reference serializes with the hash as hex, for the dossier's records.
    let json = serde_json::to_value(stored).unwrap();
    assert_eq!(json["sha256"], hex);
    assert_eq!(json["file_type"], "pdf");
}

#[tokio::test]
async fn putting_the_same_content_twice_keeps_one_object() {
    let dir = TempDir::new();
    // Used as the web layer will: behind the trait, shared.
    let store: Arc<dyn ObjectStore> = Arc::new(LocalDiskStore::open(&dir.0).unwrap());
    let bytes = fixtures::png(8, 8);
    let first = check(&UploadPolicy::default(), "a.png", &bytes).unwrap();
    let second = check(&UploadPolicy::default(), "b (copy).png", &bytes).unwrap();
    assert_eq!(
        store.put(&first, &bytes).await.unwrap(),
        store.put(&second, &bytes).await.unwrap()
    );
    assert_eq!(files_under(&dir.0).len(), 1);
}

#[tokio::test]
async fn concurrent_puts_of_the_same_object_all_succeed_and_leave_no_temporary_files() {
    let dir = TempDir::new();
    let store = Arc::new(LocalDiskStore::open(&dir.0).unwrap());
    let bytes = Arc::new(fixtures::jpeg(256, 256));
    let checked = Arc::new(check(&UploadPolicy::default(), "a.jpg", &bytes).unwrap());
    let tasks: Vec<_> = (0..16)
        .map(|_| {
            let (store, bytes, checked) = (store.clone(), bytes.clone(), checked.clone());
            tokio::spawn(async move { store.put(&checked, &bytes).await })
        })
        .collect();
    for task in tasks {
        assert_eq!(task.await.unwrap().unwrap().sha256, checked.sha256());
    }
    let files = files_under(&dir.0);
    assert_eq!(files, vec![store.path_of(&checked.sha256())]);
    assert!(files.iter().all(|f| !f
        .file_name()
        .unwrap()
        .to_string_lossy()
        .starts_with(TEMP_PREFIX)));
    assert_eq!(
        store.get(&checked.sha256()).await.unwrap().as_deref(),
        Some(&bytes[..])
    );
}

#[tokio::test]
async fn concurrent_puts_of_different_objects_share_folders_safely() {
    let dir = TempDir::new();
    let store = Arc::new(LocalDiskStore::open(&dir.0).unwrap());
    let tasks: Vec<_> = (1..=12u32)
        .map(|i| {
            let store = store.clone();
            tokio::spawn(async move {
                let bytes = fixtures::png(i, i);
                let checked = check(&UploadPolicy::default(), "p.png", &bytes).unwrap();
                store.put(&checked, &bytes).await.unwrap();
                (checked.sha256(), bytes)
            })
        })
        .collect();
    for task in tasks {
        let (hash, bytes) = task.await.unwrap();
        assert_eq!(store.get(&hash).await.unwrap(), Some(bytes));
    }
    assert_eq!(files_under(&dir.0).len(), 12);
}

#[tokio::test]
async fn a_corrupted_object_is_detected_on_get_and_repaired_by_the_next_put() {
    let dir = TempDir::new();
    let store = LocalDiskStore::open(&dir.0).unwrap();
    let bytes = fixtures::docx();
    let checked = check(&UploadPolicy::default(), "d.docx", &bytes).unwrap();
    store.put(&checked, &bytes).await.unwrap();

    let path = store.path_of(&checked.sha256());
    let mut permissions = std::fs::metadata(&path).unwrap().permissions();
    #[allow(clippy::permissions_set_readonly_false)]
    permissions.set_readonly(false);
    std::fs::set_permissions(&path, permissions).unwrap();
    let mut rotten = bytes.clone();
    rotten[100] ^= 0x01;
    std::fs::write(&path, &rotten).unwrap();

    match store.get(&checked.sha256()).await {
        Err(ObjectError::Corrupted { hash }) => assert_eq!(hash, checked.sha256()),
        other => panic!("expected corruption, got {other:?}"),
    }
    assert_eq!(
        ObjectError::Corrupted {
            hash: checked.sha256()
        }
        .code(),
        "object_corrupted"
    );
    // Uploading the same document again restores it.
    store.put(&checked, &bytes).await.unwrap();
    assert_eq!(store.get(&checked.sha256()).await.unwrap(), Some(bytes));
}

#[tokio::test]
async fn put_refuses_bytes_other_than_the_checked_ones() {
    let dir = TempDir::new();
    let store = LocalDiskStore::open(&dir.0).unwrap();
    let bytes = fixtures::pdf();
    let checked = check(&UploadPolicy::default(), "a.pdf", &bytes).unwrap();
    let other = fixtures::pdf_with("/Rotate 90");
    assert!(matches!(
        store.put(&checked, &other).await,
        Err(ObjectError::ContentMismatch)
    ));
    assert!(files_under(&dir.0).is_empty(), "nothing written");
}

#[tokio::test]
async fn stale_temporary_files_are_removed_and_objects_kept() {
    let dir = TempDir::new();
    let store = LocalDiskStore::open(&dir.0).unwrap();
    let bytes = fixtures::png(3, 3);
    let checked = check(&UploadPolicy::default(), "a.png", &bytes).unwrap();
    store.put(&checked, &bytes).await.unwrap();
    let object = store.path_of(&checked.sha256());
    let folder = object.parent().unwrap();
    let leftover = folder.join(format!("{TEMP_PREFIX}{}-999-0", checked.sha256_hex()));
    std::fs::write(&leftover, &bytes[..10]).unwrap();

    let past = std::time::SystemTime::now() - std::time::Duration::from_secs(3600);
    assert_eq!(
        store.remove_stale_temporary_files(past).unwrap(),
        0,
        "a recent one may be a put in progress"
    );
    let future = std::time::SystemTime::now() + std::time::Duration::from_secs(60);
    assert_eq!(store.remove_stale_temporary_files(future).unwrap(), 1);
    assert!(!leftover.exists());
    assert_eq!(store.get(&checked.sha256()).await.unwrap(), Some(bytes));
}

/// The sweep's primitives: objects are listed by age (temporary files are not objects), a touch
/// or a second upload makes an object young again, and removal re-checks the age.
#[tokio::test]
async fn old_objects_are_listed_touched_and_removed_only_when_old() {
    use std::time::{Duration, SystemTime};
    let dir = TempDir::new();
    let store = LocalDiskStore::open(&dir.0).unwrap();
    let old_bytes = fixtures::png(3, 3);
    let old = check(&UploadPolicy::default(), "a.png", &old_bytes).unwrap();
    store.put(&old, &old_bytes).await.unwrap();
    let young_bytes = fixtures::pdf();
    let young = check(&UploadPolicy::default(), "b.pdf", &young_bytes).unwrap();
    store.put(&young, &young_bytes).await.unwrap();
    let folder = store.path_of(&old.sha256()).parent().unwrap().to_path_buf();
    std::fs::write(folder.join(format!("{TEMP_PREFIX}x-1-0")), b"partial").unwrap();
    // Age the first object by ten days.
    let ten_days_ago = SystemTime::now() - Duration::from_secs(10 * 86_400);
    std::fs::File::open(store.path_of(&old.sha256()))
        .unwrap()
        .set_modified(ten_days_ago)
        .unwrap();

    let week_ago = SystemTime::now() - Duration::from_secs(7 * 86_400);
    assert_eq!(
        store.modified_before(week_ago).await.unwrap(),
        vec![old.sha256()]
    );
    let future = SystemTime::now() + Duration::from_secs(60);
    let mut all = store.modified_before(future).await.unwrap();
    all.sort_by_key(|h| h.to_hex());
    let mut expected = vec![old.sha256(), young.sha256()];
    expected.sort_by_key(|h| h.to_hex());
    assert_eq!(all, expected, "temporary files are not listed");

    // Removal re-checks the age: a young object stays.
    assert!(!store
        .remove_if_modified_before(&young.sha256(), week_ago)
        .await
        .unwrap());
    // A second upload of the old content makes it young again.
    store.put(&old, &old_bytes).await.unwrap();
    assert!(store.modified_before(week_ago).await.unwrap().is_empty());
    assert!(!store
        .remove_if_modified_before(&old.sha256(), week_ago)
        .await
        .unwrap());
    // So does a touch.
    std::fs::File::open(store.path_of(&old.sha256()))
        .unwrap()
        .set_modified(ten_days_ago)
        .unwrap();
    assert!(store.touch(&old.sha256()).await.unwrap());
    assert!(store.modified_before(week_ago).await.unwrap().is_empty());
    // An old one goes, once.
    std::fs::File::open(store.path_of(&old.sha256()))
        .unwrap()
        .set_modified(ten_days_ago)
        .unwrap();
    assert!(store
        .remove_if_modified_before(&old.sha256(), week_ago)
        .await
        .unwrap());
    assert!(!store.exists(&old.sha256()).await.unwrap());
    assert!(!store
        .remove_if_modified_before(&old.sha256(), week_ago)
        .await
        .unwrap());
    assert!(!store.touch(&old.sha256()).await.unwrap(), "gone");
    assert_eq!(store.get(&young.sha256()).await.unwrap(), Some(young_bytes));
}

#[test]
fn hashes_from_outside_cannot_reach_outside_the_root() {
    for bad in [
        "../../etc/passwd",
        "",
        "ab/cd",
        &"a".repeat(63),
        &"g".repeat(64),
        "..%2F..%2Fetc%2Fpasswd",
    ] {
        assert!(ContentHash::parse(bad).is_err(), "{bad:?}");
        let error: ObjectError = ContentHash::parse(bad).unwrap_err().into();
        assert_eq!(error.code(), "invalid_object_hash");
    }
    let store =
        LocalDiskStore::open(std::env::temp_dir().join("tinhso-objects-root-check")).unwrap();
    let hash = ContentHash::parse(&"AB".repeat(32)).unwrap();
    let path = store.path_of(&hash);
    assert!(path.starts_with(store.root()));
    assert_eq!(path.file_name().unwrap().to_string_lossy(), "ab".repeat(32));
    let _ = std::fs::remove_dir(store.root());
}
