//! Which files a load reads, and the kind each holds.

use std::path::{Path, PathBuf};

use super::profile::Profile;
use super::read::{self, Format};
use crate::error::{Error, Result};
use crate::model::Kind;

/// A file to read and the kind it holds.
#[derive(Debug, Clone)]
pub struct Planned {
    pub path: PathBuf,
    pub kind: Kind,
}

/// Expands folders (their files, not sub-folders) and decides each file's kind: `--kind`,
/// else the profile's kind, else the file stem. Files in a folder that are not exports
/// (README, profiles, unknown stems) are passed over and listed in the second value.
pub fn plan(
    paths: &[PathBuf],
    kind: Option<Kind>,
    profile: &Profile,
) -> Result<(Vec<Planned>, Vec<PathBuf>)> {
    let mut planned = Vec::new();
    let mut passed_over = Vec::new();
    for path in paths {
        let meta = std::fs::metadata(path).map_err(|e| Error::io(path.display(), e))?;
        if !meta.is_dir() && !meta.is_file() {
            // A pipe, a device or a socket has no end to read to (a link to /dev/zero,
            // a FIFO nobody writes): refused before anything reads it.
            return Err(Error::Usage(format!(
                "{}: not a regular file (a pipe, device or socket); nothing was read",
                read::file_display(path)
            )));
        }
        if meta.is_dir() {
            let mut entries: Vec<PathBuf> = std::fs::read_dir(path)
                .map_err(|e| Error::io(path.display(), e))?
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.is_file())
                .collect();
            entries.sort();
            for entry in entries {
                match (Format::from_path(&entry), decide_kind(&entry, kind, profile)) {
                    (Some(_), Some(k)) => planned.push(Planned { path: entry, kind: k }),
                    _ => passed_over.push(entry),
                }
            }
        } else {
            if Format::from_path(path).is_none() {
                return Err(Error::Usage(format!(
                    "{}: not a CSV, XLSX or Parquet file (by its extension)",
                    read::file_display(path)
                )));
            }
            let k = decide_kind(path, kind, profile).ok_or_else(|| {
                Error::Usage(format!(
                    "{}: cannot tell which kind of export this is from its name; name it like \
                     cases_2025Q1.csv or give --kind (cases, case_links, content_reports, population, areas, holidays, crosswalk)",
                    read::file_display(path)
                ))
            })?;
            planned.push(Planned {
                path: path.clone(),
                kind: k,
            });
        }
    }
    // Reference data first, so cases are checked against the areas of the same load.
    planned.sort_by(|a, b| a.kind.cmp(&b.kind).then_with(|| a.path.cmp(&b.path)));
    Ok((planned, passed_over))
}

fn decide_kind(path: &Path, kind: Option<Kind>, profile: &Profile) -> Option<Kind> {
    kind.or_else(|| profile.kind()).or_else(|| {
        path.file_stem()
            .and_then(|s| s.to_str())
            .and_then(Kind::from_file_stem)
    })
}
