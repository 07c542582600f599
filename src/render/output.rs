//! Writing output files safely: to a temporary name in the same folder, then renamed, so
//! no half-written file ever appears at the output path; an existing file is replaced only
//! when asked.

use std::io::Write;
use std::path::Path;

use crate::error::{Error, Result};

/// Creates `out/sub` (and `out`) for outputs, refusing when `out/sub` is a symbolic
/// link: an output never leaves `--out` through a link planted inside it.
pub fn output_dir(out: &Path, sub: &str) -> Result<std::path::PathBuf> {
    let dir = out.join(sub);
    if std::fs::symlink_metadata(&dir).is_ok_and(|m| m.file_type().is_symlink()) {
        return Err(Error::Usage(format!(
            "{} is a symbolic link; outputs are not written through links (remove it)",
            dir.display()
        )));
    }
    std::fs::create_dir_all(&dir).map_err(|e| Error::io(dir.display(), e))?;
    Ok(dir)
}

pub fn write_atomic(path: &Path, bytes: &[u8], overwrite: bool) -> Result<()> {
    // A link at the output path is never written through nor replaced, even with --force.
    if std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink()) {
        return Err(Error::Usage(format!(
            "{} is a symbolic link; outputs are not written through links (remove it)",
            path.display()
        )));
    }
    if !overwrite && path.exists() {
        return Err(Error::Usage(format!(
            "{} exists; give --force to replace it",
            path.display()
        )));
    }
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let mut temp = tempfile::Builder::new()
        .prefix(".baove-")
        .suffix(".part")
        .tempfile_in(dir)
        .map_err(|e| Error::io(dir.display(), e))?;
    temp.write_all(bytes)
        .and_then(|_| temp.as_file().sync_all())
        .map_err(|e| Error::io(path.display(), e))?;
    let persisted = if overwrite {
        temp.persist(path).map(|_| ())
    } else {
        temp.persist_noclobber(path).map(|_| ())
    };
    persisted.map_err(|e| Error::io(path.display(), e.error))
}

/// One output file of a command: where it goes under the command's output folder, and
/// its bytes. A use case's publication (`crate::publish`) is a list of these; one writer
/// ([`write_folder`]) puts them on disk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Artefact {
    /// Relative to the output folder, e.g. `charts/trend_rate_received.png`.
    pub path: std::path::PathBuf,
    pub bytes: Vec<u8>,
}

impl Artefact {
    pub fn new(path: impl Into<std::path::PathBuf>, bytes: Vec<u8>) -> Artefact {
        Artefact {
            path: path.into(),
            bytes,
        }
    }

    /// A chart drawn as SVG and PNG: `charts/STEM.svg` and `charts/STEM.png`.
    pub fn chart(stem: &str, (svg, png): (Vec<u8>, Vec<u8>)) -> [Artefact; 2] {
        [
            Artefact::new(format!("charts/{stem}.svg"), svg),
            Artefact::new(format!("charts/{stem}.png"), png),
        ]
    }
}

/// Writes a command's artefacts under `out` as a whole ([`FolderSwap`]): all of them
/// or, on any error, none; files of `out` that no artefact names are kept, and one an
/// artefact names is replaced only with `force`. Returns the paths written, in the
/// artefacts' order. (A one-file output, the dashboard's `--out FILE`, is written by
/// [`write_atomic`].)
pub fn write_folder(out: &Path, artefacts: &[Artefact], force: bool) -> Result<Vec<std::path::PathBuf>> {
    let swap = FolderSwap::begin(out, force)?;
    let mut written = Vec::with_capacity(artefacts.len());
    for artefact in artefacts {
        let relative = &artefact.path;
        // An artefact's path is made by the publication, never from input; still, a
        // path that would leave the folder is a defect to stop on, not to write.
        if !relative
            .components()
            .all(|c| matches!(c, std::path::Component::Normal(_)))
        {
            return Err(Error::Usage(format!(
                "output {} is not a path inside the output folder",
                relative.display()
            )));
        }
        let path = swap.path().join(relative);
        if let Some(parent) = relative.parent().filter(|p| !p.as_os_str().is_empty()) {
            output_dir(swap.path(), &parent.to_string_lossy())?;
        }
        // The staging folder is new: a name written twice is a publication's defect.
        write_atomic(&path, &artefact.bytes, false)?;
        written.push(swap.final_path(&path));
    }
    swap.commit()?;
    Ok(written)
}

/// A folder of outputs written as a whole (issue 31): the files go into a new folder
/// beside `target`, which then takes `target`'s place in one step (Linux exchanges the
/// two folders), and the old folder is removed. A run killed at any moment leaves the old
/// report or the new one, never a mix; at worst a hidden folder beside it, which the next
/// run removes.
pub struct FolderSwap {
    target: std::path::PathBuf,
    staging: std::path::PathBuf,
    force: bool,
    done: bool,
}

impl Drop for FolderSwap {
    /// A run that stopped on an error leaves no half-written folder behind.
    fn drop(&mut self) {
        if !self.done {
            let _ = std::fs::remove_dir_all(&self.staging);
        }
    }
}

/// The start of the hidden folders a swap writes into, beside its target.
const STAGING_PREFIX: &str = ".baove-new-";

impl FolderSwap {
    pub fn begin(target: &Path, force: bool) -> Result<FolderSwap> {
        if std::fs::symlink_metadata(target).is_ok_and(|m| m.file_type().is_symlink()) {
            return Err(Error::Usage(format!(
                "{} is a symbolic link; outputs are not written through links (remove it)",
                target.display()
            )));
        }
        let parent = match target.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => std::path::PathBuf::from("."),
        };
        std::fs::create_dir_all(&parent).map_err(|e| Error::io(parent.display(), e))?;
        let name = target
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "out".into());
        let prefix = format!("{STAGING_PREFIX}{name}-");
        // What an interrupted run left: never the report itself.
        if let Ok(entries) = std::fs::read_dir(&parent) {
            for entry in entries.flatten() {
                if entry.file_name().to_string_lossy().starts_with(&prefix) {
                    let _ = std::fs::remove_dir_all(entry.path());
                }
            }
        }
        let staging = tempfile::Builder::new()
            .prefix(&prefix)
            .tempdir_in(&parent)
            .map_err(|e| Error::io(parent.display(), e))?
            .keep();
        Ok(FolderSwap {
            target: target.to_path_buf(),
            staging,
            force,
            done: false,
        })
    }

    /// The folder to write into.
    pub fn path(&self) -> &Path {
        &self.staging
    }

    /// Where a file written into [`Self::path`] ends up.
    pub fn final_path(&self, written: &Path) -> std::path::PathBuf {
        match written.strip_prefix(&self.staging) {
            Ok(relative) => self.target.join(relative),
            Err(_) => written.to_path_buf(),
        }
    }

    /// Puts the new folder in the target's place. Files of the old folder that the new
    /// one does not hold (another command's outputs) are kept; one it does hold is
    /// replaced only with `force`.
    pub fn commit(mut self) -> Result<()> {
        if !self.target.exists() {
            std::fs::rename(&self.staging, &self.target).map_err(|e| Error::io(self.target.display(), e))?;
            self.done = true;
            return Ok(());
        }
        self.keep_others(&self.target, &self.staging)?;
        exchange(&self.staging, &self.target).map_err(|e| Error::io(self.target.display(), e))?;
        // The staging folder now holds the old report: removed by the drop.
        Ok(())
    }

    /// Links into `new` every file of `old` that `new` lacks; refuses, without `force`,
    /// when `new` replaces one.
    fn keep_others(&self, old: &Path, new: &Path) -> Result<()> {
        for entry in std::fs::read_dir(old).map_err(|e| Error::io(old.display(), e))? {
            let entry = entry.map_err(|e| Error::io(old.display(), e))?;
            let (from, to) = (entry.path(), new.join(entry.file_name()));
            let kind = entry.file_type().map_err(|e| Error::io(from.display(), e))?;
            if kind.is_dir() {
                std::fs::create_dir_all(&to).map_err(|e| Error::io(to.display(), e))?;
                self.keep_others(&from, &to)?;
            } else if to.exists() {
                if !self.force {
                    return Err(Error::Usage(format!(
                        "{} exists; give --force to replace it",
                        self.final_path(&to).display()
                    )));
                }
            } else if std::fs::hard_link(&from, &to).is_err() {
                std::fs::copy(&from, &to).map_err(|e| Error::io(to.display(), e))?;
            }
        }
        Ok(())
    }
}

/// Exchanges two folders in one step (Linux's `renameat2` with `RENAME_EXCHANGE`);
/// elsewhere, two renames.
#[cfg(target_os = "linux")]
fn exchange(a: &Path, b: &Path) -> std::io::Result<()> {
    use std::os::unix::ffi::OsStrExt;
    let a = std::ffi::CString::new(a.as_os_str().as_bytes())?;
    let b = std::ffi::CString::new(b.as_os_str().as_bytes())?;
    // SAFETY: both are valid NUL-terminated paths that outlive the call.
    let done = unsafe {
        libc::renameat2(
            libc::AT_FDCWD,
            a.as_ptr(),
            libc::AT_FDCWD,
            b.as_ptr(),
            libc::RENAME_EXCHANGE,
        )
    };
    if done == 0 {
        Ok(())
    } else {
        Err(std::io::Error::last_os_error())
    }
}

#[cfg(not(target_os = "linux"))]
fn exchange(a: &Path, b: &Path) -> std::io::Result<()> {
    let aside = b.with_extension("baove-old");
    std::fs::rename(b, &aside)?;
    std::fs::rename(a, b)?;
    std::fs::rename(&aside, a)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(unix)]
    #[test]
    fn never_writes_through_a_symbolic_link() {
        let out = tempfile::tempdir().unwrap();
        let elsewhere = tempfile::tempdir().unwrap();
        std::os::unix::fs::symlink(elsewhere.path(), out.path().join("charts")).unwrap();
        assert!(output_dir(out.path(), "charts").is_err());
        let target = elsewhere.path().join("kept.csv");
        std::fs::write(&target, "kept").unwrap();
        let link = out.path().join("indicators.csv");
        std::os::unix::fs::symlink(&target, &link).unwrap();
        assert!(write_atomic(&link, b"new", true).is_err());
        assert!(write_atomic(&link, b"new", false).is_err());
        assert_eq!(std::fs::read_to_string(&target).unwrap(), "kept");
        assert_eq!(std::fs::read_dir(elsewhere.path()).unwrap().count(), 1);
        // A real folder is made and used.
        let charts = output_dir(out.path(), "real").unwrap();
        write_atomic(&charts.join("a.svg"), b"<svg/>", false).unwrap();
        assert_eq!(std::fs::read(charts.join("a.svg")).unwrap(), b"<svg/>");
    }

    #[test]
    fn refuses_to_overwrite_unless_asked_and_leaves_no_temp_files() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out.csv");
        write_atomic(&path, b"one", false).unwrap();
        assert!(write_atomic(&path, b"two", false).is_err());
        assert_eq!(std::fs::read(&path).unwrap(), b"one");
        write_atomic(&path, b"two", true).unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"two");
        let names: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, vec![std::ffi::OsString::from("out.csv")]);
    }

    /// The names in `dir`, sorted, folders with a trailing slash.
    fn listing(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| {
                let e = e.unwrap();
                let slash = if e.file_type().unwrap().is_dir() { "/" } else { "" };
                format!("{}{slash}", e.file_name().to_string_lossy())
            })
            .collect();
        names.sort();
        names
    }

    #[test]
    fn a_publication_is_written_whole_or_not_at_all() {
        let parent = tempfile::tempdir().unwrap();
        let out = parent.path().join("out");
        std::fs::create_dir(&out).unwrap();
        std::fs::write(out.join("comparison.csv"), "old").unwrap();
        std::fs::write(out.join("another-command.csv"), "kept").unwrap();
        let artefacts = [
            Artefact::new("trend.csv", b"trend".to_vec()),
            Artefact::new("comparison.csv", b"new".to_vec()),
            Artefact::new("charts/funnel.svg", b"<svg/>".to_vec()),
        ];
        // One artefact would replace a file: without force nothing is written, not even
        // the artefacts before it, and no staging folder is left beside.
        assert!(write_folder(&out, &artefacts, false).is_err());
        assert_eq!(listing(&out), ["another-command.csv", "comparison.csv"]);
        assert_eq!(
            std::fs::read_to_string(out.join("comparison.csv")).unwrap(),
            "old"
        );
        assert_eq!(listing(parent.path()), ["out/"]);
        // With force every artefact is written, in its order, and other files stay.
        let written = write_folder(&out, &artefacts, true).unwrap();
        assert_eq!(
            written,
            [
                out.join("trend.csv"),
                out.join("comparison.csv"),
                out.join("charts/funnel.svg")
            ]
        );
        assert_eq!(
            listing(&out),
            ["another-command.csv", "charts/", "comparison.csv", "trend.csv"]
        );
        assert_eq!(
            std::fs::read_to_string(out.join("comparison.csv")).unwrap(),
            "new"
        );
        assert_eq!(
            std::fs::read_to_string(out.join("another-command.csv")).unwrap(),
            "kept"
        );
        assert_eq!(listing(parent.path()), ["out/"]);
    }

    #[test]
    fn an_artefact_never_leaves_its_folder() {
        let parent = tempfile::tempdir().unwrap();
        let out = parent.path().join("out");
        for outside in ["../escaped.csv", "/tmp/escaped.csv", "charts/../../escaped.csv"] {
            let artefacts = [Artefact::new(outside, b"x".to_vec())];
            assert!(write_folder(&out, &artefacts, true).is_err(), "{outside}");
        }
        assert!(listing(parent.path()).is_empty(), "{:?}", listing(parent.path()));
    }
}
