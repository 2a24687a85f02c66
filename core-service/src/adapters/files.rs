//! Uploaded files on the core's disk (`--files-dir`): one file per
//! voicemail, `voicemails/<uuid>-<random>`, written under a temporary
//! name, flushed to disk, then renamed, so a file that exists under its
//! final name is whole, and an answer is sent only once it is durable.
//! The database holds what names them ([`crate::rules::voicemails`]); the
//! gRPC edge streams the bytes through here.

use std::{
    path::{Path, PathBuf},
    time::{Duration, SystemTime},
};

use anyhow::Context as _;
use tokio::{fs, io::AsyncWriteExt};

use crate::error::Result;

/// A temporary file this old was abandoned by a process that stopped
/// mid-upload; a final file this old with no row was left by a deletion
/// that did not finish. Either is removed by [`FilesDir::sweep`].
const ABANDONED_AFTER: Duration = Duration::from_secs(3600);
const PART: &str = ".part";

#[derive(Debug, Clone)]
pub struct FilesDir {
    voicemails: PathBuf,
}

impl FilesDir {
    /// Creates `dir/voicemails` and proves it writable: the core does not
    /// start where an upload could not be kept.
    pub async fn open(dir: &Path) -> anyhow::Result<Self> {
        let voicemails = dir.join("voicemails");
        let hint = || {
            format!(
                "cannot write under {} (--files-dir / FLEXIAPI_FILES_DIR)",
                dir.display()
            )
        };
        fs::create_dir_all(&voicemails).await.with_context(hint)?;
        let probe = voicemails.join(format!(".probe-{}{PART}", std::process::id()));
        fs::write(&probe, b"probe").await.with_context(hint)?;
        fs::remove_file(&probe).await.with_context(hint)?;
        Ok(Self { voicemails })
    }

    /// Where a voicemail's file is: its uuid and the random part of its name.
    pub fn path(&self, uuid: &str, random: &str) -> PathBuf {
        self.voicemails.join(format!("{uuid}-{random}"))
    }

    /// A new file for `uuid`, written under a temporary name until
    /// [`Upload::keep`].
    pub async fn create(&self, uuid: &str, random: &str) -> Result<Upload> {
        let target = self.path(uuid, random);
        let temporary = self.voicemails.join(format!(".{uuid}-{random}{PART}"));
        let file = fs::File::create(&temporary)
            .await
            .with_context(|| format!("cannot create {}", temporary.display()))?;
        Ok(Upload {
            file,
            temporary,
            target,
            directory: self.voicemails.clone(),
            kept: false,
        })
    }

    /// Removes a voicemail's file; one already gone is not an error.
    pub async fn remove(&self, uuid: &str, random: &str) {
        let path = self.path(uuid, random);
        match fs::remove_file(&path).await {
            Ok(()) => {}
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => {}
            Err(error) => tracing::warn!(path = %path.display(), %error, "file not removed"),
        }
    }

    pub async fn open_file(&self, uuid: &str, random: &str) -> Result<fs::File> {
        let path = self.path(uuid, random);
        Ok(fs::File::open(&path)
            .await
            .with_context(|| format!("cannot open {}", path.display()))?)
    }

    /// Removes what no row names any more and abandoned temporary files,
    /// both older than an hour (an upload in progress is younger). `known`
    /// says whether a `(uuid, random)` pair is a voicemail's. How many
    /// files it removed.
    pub async fn sweep<F, Fut>(&self, known: F) -> Result<usize>
    where
        F: Fn(String, String) -> Fut,
        Fut: std::future::Future<Output = Result<bool>>,
    {
        let mut entries = fs::read_dir(&self.voicemails)
            .await
            .with_context(|| format!("cannot list {}", self.voicemails.display()))?;
        let mut removed = 0;
        while let Some(entry) = entries.next_entry().await.context("cannot list files")? {
            let name = entry.file_name().to_string_lossy().into_owned();
            let old = entry
                .metadata()
                .await
                .and_then(|m| m.modified())
                .ok()
                .and_then(|modified| SystemTime::now().duration_since(modified).ok())
                .is_some_and(|age| age > ABANDONED_AFTER);
            if !old {
                continue;
            }
            let orphan = match name.rsplit_once('-') {
                _ if name.ends_with(PART) => true,
                Some((uuid, random)) => !known(uuid.to_owned(), random.to_owned()).await?,
                None => false,
            };
            if orphan && fs::remove_file(entry.path()).await.is_ok() {
                tracing::info!(file = %name, "abandoned file removed");
                removed += 1;
            }
        }
        Ok(removed)
    }
}

/// A file being written. Dropped before [`Self::keep`], it is removed: a
/// refused or broken upload leaves nothing behind.
#[derive(Debug)]
pub struct Upload {
    file: fs::File,
    temporary: PathBuf,
    target: PathBuf,
    directory: PathBuf,
    kept: bool,
}

impl Upload {
    pub async fn write(&mut self, bytes: &[u8]) -> Result<()> {
        Ok(self
            .file
            .write_all(bytes)
            .await
            .with_context(|| format!("cannot write {}", self.temporary.display()))?)
    }

    /// Flushes the bytes to disk, then gives the file its name and flushes
    /// the directory, so the file survives a crash once this returns.
    pub async fn keep(mut self) -> Result<PathBuf> {
        let context = || format!("cannot keep {}", self.target.display());
        self.file.sync_all().await.with_context(context)?;
        fs::rename(&self.temporary, &self.target)
            .await
            .with_context(context)?;
        self.kept = true;
        let directory = self.directory.clone();
        tokio::task::spawn_blocking(move || std::fs::File::open(directory)?.sync_all())
            .await
            .context("directory sync")?
            .with_context(context)?;
        Ok(self.target.clone())
    }
}

impl Drop for Upload {
    fn drop(&mut self) {
        if !self.kept {
            // Small and rare (a refused upload): a blocking unlink is fine.
            let _ = std::fs::remove_file(&self.temporary);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_kept_upload_is_whole_under_its_name_and_a_dropped_one_leaves_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let files = FilesDir::open(dir.path()).await.unwrap();
        let mut upload = files.create("u1", "R1").await.unwrap();
        upload.write(b"RIFF").await.unwrap();
        upload.write(b"....WAVE").await.unwrap();
        let path = upload.keep().await.unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"RIFF....WAVE");
        let mut dropped = files.create("u2", "R2").await.unwrap();
        dropped.write(b"half").await.unwrap();
        drop(dropped);
        let mut names: Vec<String> = std::fs::read_dir(dir.path().join("voicemails"))
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        assert_eq!(names, ["u1-R1"]);
        files.remove("u1", "R1").await;
        files.remove("u1", "R1").await;
        assert!(!path.exists());
    }

    #[tokio::test]
    async fn the_sweep_removes_old_orphans_only() {
        let dir = tempfile::tempdir().unwrap();
        let files = FilesDir::open(dir.path()).await.unwrap();
        let base = dir.path().join("voicemails");
        for name in ["kept-A", "orphan-B", ".x-C.part", "young-D"] {
            std::fs::write(base.join(name), b"x").unwrap();
        }
        let old = SystemTime::now() - Duration::from_secs(7200);
        for name in ["kept-A", "orphan-B", ".x-C.part"] {
            std::fs::File::options()
                .write(true)
                .open(base.join(name))
                .unwrap()
                .set_modified(old)
                .unwrap();
        }
        let removed = files
            .sweep(|uuid, _| async move { Ok(uuid == "kept") })
            .await
            .unwrap();
        assert_eq!(removed, 2);
        assert!(base.join("kept-A").exists() && base.join("young-D").exists());
    }

    #[tokio::test]
    async fn a_directory_that_cannot_be_written_is_refused_naming_the_flag() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("a-file");
        std::fs::write(&file, b"").unwrap();
        let error = FilesDir::open(&file).await.unwrap_err();
        assert!(format!("{error:#}").contains("--files-dir"), "{error:#}");
    }
}
