//! Objects on the local disk, under the data folder.

use std::fs::{self, File, OpenOptions};
use std::io::{ErrorKind, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::SystemTime;

use async_trait::async_trait;

use crate::check::CheckedFile;
use crate::hash::ContentHash;
use crate::store::{ObjectError, ObjectRef, ObjectStore};

/// Distinguishes temporary files of concurrent puts within one process.
static TEMP_COUNTER: AtomicU64 = AtomicU64::new(0);

/// Prefix of temporary files; a crash may leave some behind, never under an object's name.
pub const TEMP_PREFIX: &str = ".tmp-";

/// An [`ObjectStore`] on the local file system: `root/ab/cd/abcd…` (the first two bytes of the
/// hash as two folder levels, so no folder grows past 65,536 entries).
///
/// A put writes a temporary file in the object's folder, flushes it to disk (`fsync`), makes it
/// read-only, renames it to the hash and flushes the folder, so the object is either absent or
/// whole and durable; a concurrent put of the same content renames identical bytes over it.
#[derive(Debug, Clone)]
pub struct LocalDiskStore {
    root: PathBuf,
}

/// The folder inside the data folder that holds the objects.
pub const OBJECTS_FOLDER: &str = "objects";

impl LocalDiskStore {
    /// A store rooted at `root`, which is created if missing (and its creation made durable).
    pub fn open(root: impl Into<PathBuf>) -> Result<LocalDiskStore, ObjectError> {
        let root = root.into();
        create_dir_durably(&root)?;
        Ok(LocalDiskStore { root })
    }

    /// The store in its usual place: `<data_folder>/objects`.
    pub fn in_data_folder(data_folder: impl AsRef<Path>) -> Result<LocalDiskStore, ObjectError> {
        LocalDiskStore::open(data_folder.as_ref().join(OBJECTS_FOLDER))
    }

    /// The root folder.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Where the object with this hash lives (whether or not it exists). Built from the hash's
    /// hex digits only, so it is always inside the root.
    pub fn path_of(&self, hash: &ContentHash) -> PathBuf {
        let hex = hash.to_hex();
        let (a, rest) = hex.split_at(2);
        let (b, _) = rest.split_at(2);
        self.root.join(a).join(b).join(&hex)
    }

    /// Every object file (not temporary files) with its last modification time.
    fn objects_with_times(&self) -> Result<Vec<(ContentHash, SystemTime)>, ObjectError> {
        let mut found = Vec::new();
        for level1 in read_dir_if_exists(&self.root)? {
            for level2 in read_dir_if_exists(&level1)? {
                for file in read_dir_if_exists(&level2)? {
                    let Some(hash) = file
                        .file_name()
                        .and_then(|n| n.to_str())
                        .and_then(|n| ContentHash::parse(n).ok())
                    else {
                        continue; // a temporary file or something not ours
                    };
                    if file != self.path_of(&hash) {
                        continue; // a hash-named file in the wrong folder is not an object
                    }
                    match fs::symlink_metadata(&file).and_then(|m| m.modified()) {
                        Ok(modified) => found.push((hash, modified)),
                        Err(e) if e.kind() == ErrorKind::NotFound => {}
                        Err(e) => return Err(e.into()),
                    }
                }
            }
        }
        Ok(found)
    }

    fn remove_if_modified_before_blocking(
        &self,
        hash: &ContentHash,
        cutoff: SystemTime,
    ) -> Result<bool, ObjectError> {
        let path = self.path_of(hash);
        let modified = match fs::symlink_metadata(&path).and_then(|m| m.modified()) {
            Ok(modified) => modified,
            Err(e) if e.kind() == ErrorKind::NotFound => return Ok(false),
            Err(e) => return Err(e.into()),
        };
        if modified >= cutoff {
            return Ok(false);
        }
        match fs::remove_file(&path) {
            Ok(()) => {}
            Err(e) if e.kind() == ErrorKind::NotFound => return Ok(false),
            Err(e) => return Err(e.into()),
        }
        if let Some(folder) = path.parent() {
            sync_dir(folder)?;
        }
        Ok(true)
    }

    /// Removes temporary files last modified before `cutoff`: what puts interrupted by a crash
    /// or power cut left behind (never an object: objects are never named with
    /// [`TEMP_PREFIX`]). Returns how many were removed. Run it at start-up or daily with a
    /// cutoff well in the past (an hour), so that puts in progress are left alone.
    pub fn remove_stale_temporary_files(&self, cutoff: SystemTime) -> Result<usize, ObjectError> {
        let mut removed = 0;
        for level1 in read_dir_if_exists(&self.root)? {
            for level2 in read_dir_if_exists(&level1)? {
                for file in read_dir_if_exists(&level2)? {
                    let is_temp = file
                        .file_name()
                        .is_some_and(|n| n.to_string_lossy().starts_with(TEMP_PREFIX));
                    let modified = fs::symlink_metadata(&file).and_then(|m| m.modified());
                    if is_temp && modified.is_ok_and(|m| m < cutoff) {
                        match fs::remove_file(&file) {
                            Ok(()) => removed += 1,
                            Err(e) if e.kind() == ErrorKind::NotFound => {}
                            Err(e) => return Err(e.into()),
                        }
                    }
                }
            }
        }
        Ok(removed)
    }

    fn put_blocking(&self, checked: &CheckedFile, bytes: &[u8]) -> Result<ObjectRef, ObjectError> {
        let hash = checked.sha256();
        if bytes.len() as u64 != checked.size() || ContentHash::of(bytes) != hash {
            return Err(ObjectError::ContentMismatch);
        }
        let reference = ObjectRef {
            sha256: hash,
            size: checked.size(),
            file_type: checked.file_type(),
        };
        let path = self.path_of(&hash);
        let folder = path
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_else(|| self.root.clone());
        if let Some(parent) = folder.parent() {
            create_dir_durably(parent)?;
        }
        create_dir_durably(&folder)?;

        match read_verified(&path, &hash) {
            Ok(Some(_)) => {
                // Already stored (perhaps by a concurrent put still about to flush the folder):
                // flush it ourselves before answering. Uploaded again: its age starts again.
                touch_file(&path)?;
                sync_dir(&folder)?;
                return Ok(reference);
            }
            Ok(None) => {}
            Err(ObjectError::Corrupted { .. }) => {
                tracing::warn!(object = %hash, "stored object was corrupted; replacing it with the uploaded bytes");
            }
            Err(other) => return Err(other),
        }

        let temp = folder.join(format!(
            "{TEMP_PREFIX}{}-{}-{}",
            hash.to_hex(),
            std::process::id(),
            TEMP_COUNTER.fetch_add(1, Ordering::Relaxed)
        ));
        let written = write_durably(&temp, bytes).and_then(|()| fs::rename(&temp, &path));
        if let Err(e) = written {
            let _ = fs::remove_file(&temp);
            return Err(e.into());
        }
        sync_dir(&folder)?;
        Ok(reference)
    }
}

/// The folders (or files) directly inside `dir`; nothing if `dir` is missing or not a folder.
fn read_dir_if_exists(dir: &Path) -> Result<Vec<PathBuf>, ObjectError> {
    let entries = match fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if matches!(e.kind(), ErrorKind::NotFound | ErrorKind::NotADirectory) => {
            return Ok(Vec::new())
        }
        Err(e) => return Err(e.into()),
    };
    let mut paths = Vec::new();
    for entry in entries {
        paths.push(entry?.path());
    }
    Ok(paths)
}

/// Creates `dir` if missing, and flushes its parent so the new entry survives a power cut.
fn create_dir_durably(dir: &Path) -> Result<(), ObjectError> {
    match fs::create_dir(dir) {
        Ok(()) => {
            if let Some(parent) = dir.parent() {
                sync_dir(parent)?;
            }
            Ok(())
        }
        Err(e) if e.kind() == ErrorKind::AlreadyExists => Ok(()),
        Err(e) if e.kind() == ErrorKind::NotFound => {
            fs::create_dir_all(dir)?;
            let mut current = Some(dir);
            while let Some(d) = current {
                sync_dir(d)?;
                current = d.parent().filter(|p| !p.as_os_str().is_empty());
            }
            Ok(())
        }
        Err(e) => Err(e.into()),
    }
}

/// Writes a new file and flushes its content to disk, read-only once written.
fn write_durably(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let mut file = OpenOptions::new().write(true).create_new(true).open(path)?;
    file.write_all(bytes)?;
    file.sync_all()?;
    let mut permissions = file.metadata()?.permissions();
    permissions.set_readonly(true);
    file.set_permissions(permissions)?;
    Ok(())
}

/// Sets a file's modification time to now (objects are read-only: times are the owner's to set).
fn touch_file(path: &Path) -> std::io::Result<()> {
    File::open(path)?.set_modified(SystemTime::now())
}

/// Flushes a folder's entries (new names, renames) to disk. A no-op where folders cannot be
/// opened as files (Windows), where renames are durable by other means.
fn sync_dir(dir: &Path) -> std::io::Result<()> {
    if cfg!(unix) {
        File::open(dir)?.sync_all()?;
    }
    Ok(())
}

/// Reads an object and checks its hash: `None` if absent.
fn read_verified(path: &Path, hash: &ContentHash) -> Result<Option<Vec<u8>>, ObjectError> {
    let bytes = match fs::read(path) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e.into()),
    };
    if ContentHash::of(&bytes) != *hash {
        return Err(ObjectError::Corrupted { hash: *hash });
    }
    Ok(Some(bytes))
}

/// Runs blocking file work off the async executor.
async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> Result<T, ObjectError> + Send + 'static,
) -> Result<T, ObjectError> {
    tokio::task::spawn_blocking(work).await.map_err(|e| {
        ObjectError::Unavailable(std::io::Error::other(format!(
            "object store task failed: {e}"
        )))
    })?
}

#[async_trait]
impl ObjectStore for LocalDiskStore {
    async fn put(&self, checked: &CheckedFile, bytes: &[u8]) -> Result<ObjectRef, ObjectError> {
        let store = self.clone();
        let checked = checked.clone();
        let bytes = bytes.to_vec();
        blocking(move || store.put_blocking(&checked, &bytes)).await
    }

    async fn get(&self, hash: &ContentHash) -> Result<Option<Vec<u8>>, ObjectError> {
        let path = self.path_of(hash);
        let hash = *hash;
        let result = blocking(move || read_verified(&path, &hash)).await;
        if let Err(ObjectError::Corrupted { hash }) = &result {
            tracing::error!(object = %hash, "stored object is corrupted");
        }
        result
    }

    async fn exists(&self, hash: &ContentHash) -> Result<bool, ObjectError> {
        let path = self.path_of(hash);
        blocking(move || match fs::metadata(&path) {
            Ok(meta) => Ok(meta.is_file()),
            Err(e) if e.kind() == ErrorKind::NotFound => Ok(false),
            Err(e) => Err(e.into()),
        })
        .await
    }

    async fn touch(&self, hash: &ContentHash) -> Result<bool, ObjectError> {
        let path = self.path_of(hash);
        blocking(move || match touch_file(&path) {
            Ok(()) => Ok(true),
            Err(e) if e.kind() == ErrorKind::NotFound => Ok(false),
            Err(e) => Err(e.into()),
        })
        .await
    }

    async fn modified_before(&self, cutoff: SystemTime) -> Result<Vec<ContentHash>, ObjectError> {
        let store = self.clone();
        blocking(move || {
            Ok(store
                .objects_with_times()?
                .into_iter()
                .filter(|(_, modified)| *modified < cutoff)
                .map(|(hash, _)| hash)
                .collect())
        })
        .await
    }

    async fn remove_if_modified_before(
        &self,
        hash: &ContentHash,
        cutoff: SystemTime,
    ) -> Result<bool, ObjectError> {
        let store = self.clone();
        let hash = *hash;
        blocking(move || store.remove_if_modified_before_blocking(&hash, cutoff)).await
    }
}
