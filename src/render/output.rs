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

/// Writes a chart as `charts/STEM.svg` and `charts/STEM.png` under `out`, each
/// atomically, and returns the two paths.
pub fn write_chart(
    out: &Path,
    stem: &str,
    (svg, png): (Vec<u8>, Vec<u8>),
    overwrite: bool,
) -> Result<[std::path::PathBuf; 2]> {
    let path = |ext: &str| out.join("charts").join(format!("{stem}.{ext}"));
    let (svg_path, png_path) = (path("svg"), path("png"));
    write_atomic(&svg_path, &svg, overwrite)?;
    write_atomic(&png_path, &png, overwrite)?;
    Ok([svg_path, png_path])
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
}
