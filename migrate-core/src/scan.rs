//! Reads a migrations directory from disk: which entries are there and their text.
//!
//! Only reading happens here; what the names and contents mean is decided in `set`.

use std::fs;
use std::path::{Path, PathBuf};

use crate::diagnostic::{Diagnostic, Diagnostics};

/// A file read from the directory.
#[derive(Clone, Debug)]
pub struct File {
    /// Path relative to the migrations directory, `/`-separated.
    pub rel: String,
    /// Path as shown to the user: the directory as given, then `rel`.
    pub display: String,
    /// Path on disk, for `include_str!` and re-reading.
    pub path: PathBuf,
    /// The content.
    pub text: String,
}

/// A subdirectory that holds a diesel migration.
#[derive(Clone, Debug)]
pub struct Dir {
    /// The directory's name: version and description.
    pub name: String,
    /// Path as shown to the user.
    pub display: String,
    /// `up.sql`, if present.
    pub up: Option<File>,
    /// `down.sql`, if present.
    pub down: Option<File>,
    /// `metadata.toml`, if present.
    pub metadata: Option<File>,
}

/// Everything found in a migrations directory.
#[derive(Clone, Debug, Default)]
pub struct Listing {
    /// `.sql` files directly in the directory, sorted by name.
    pub files: Vec<File>,
    /// Subdirectories holding `up.sql` or `down.sql`, sorted by name.
    pub dirs: Vec<Dir>,
    /// Entries that are not migrations and were passed over, for `migrate check`.
    pub ignored: Vec<String>,
}

/// Joins the directory as the user wrote it with a relative path, `/`-separated.
pub fn display_path(dir_display: &str, rel: &str) -> String {
    if dir_display.is_empty() || dir_display == "." {
        rel.to_owned()
    } else {
        format!("{}/{}", dir_display.trim_end_matches('/'), rel)
    }
}

/// Lists and reads the directory `dir`, shown to the user as `dir_display`.
pub fn scan(dir: &Path, dir_display: &str, problems: &mut Diagnostics) -> Listing {
    let mut listing = Listing::default();
    let root = match fs::canonicalize(dir) {
        Ok(root) if root.is_dir() => root,
        Ok(_) => {
            problems.push(Diagnostic::new(
                dir_display,
                "is not a directory: give the migrations directory, relative to the crate root",
            ));
            return listing;
        }
        Err(_) => {
            problems.push(Diagnostic::new(
                dir_display,
                "migrations directory not found: create it, or give its path relative to the crate root (the directory holding Cargo.toml)",
            ));
            return listing;
        }
    };
    for (name, path) in entries(&root, dir_display, problems) {
        let display = display_path(dir_display, &name);
        if name.starts_with('.') {
            continue;
        }
        let Some(target) = inside(&root, &path, &display, problems) else {
            continue;
        };
        if target.is_dir() {
            match diesel_dir(&root, &target, &name, &display, problems) {
                Some(d) => listing.dirs.push(d),
                None => listing.ignored.push(display),
            }
        } else if name.ends_with(".sql") {
            if let Some(file) = read(&path, name.clone(), display, problems) {
                listing.files.push(file);
            }
        } else {
            listing.ignored.push(display);
        }
    }
    listing
}

/// The entries of a directory, sorted by name; non-UTF-8 names are reported.
fn entries(dir: &Path, dir_display: &str, problems: &mut Diagnostics) -> Vec<(String, PathBuf)> {
    let read_dir = match fs::read_dir(dir) {
        Ok(read_dir) => read_dir,
        Err(e) => {
            problems.push(Diagnostic::new(
                dir_display,
                format!("cannot be read ({e}): check its permissions"),
            ));
            return Vec::new();
        }
    };
    let mut out = Vec::new();
    for entry in read_dir {
        let entry = match entry {
            Ok(entry) => entry,
            Err(e) => {
                problems.push(Diagnostic::new(
                    dir_display,
                    format!("cannot be listed ({e})"),
                ));
                continue;
            }
        };
        match entry.file_name().into_string() {
            Ok(name) => out.push((name, entry.path())),
            Err(raw) => problems.push(Diagnostic::new(
                display_path(dir_display, &raw.to_string_lossy()),
                "file name is not valid UTF-8: rename it (migration names are shown in errors, logs and the lock file)",
            )),
        }
    }
    out.sort();
    out
}

/// Follows `path` when it is a symlink; reports it when it leads outside `root`.
fn inside(root: &Path, path: &Path, display: &str, problems: &mut Diagnostics) -> Option<PathBuf> {
    let is_link = fs::symlink_metadata(path)
        .map(|m| m.file_type().is_symlink())
        .unwrap_or(false);
    if !is_link {
        return Some(path.to_path_buf());
    }
    match fs::canonicalize(path) {
        Ok(target) if target.starts_with(root) => Some(target),
        Ok(_) => {
            problems.push(Diagnostic::new(
                display,
                "symbolic link leading outside the migrations directory: copy the file into the directory instead, so the build sees every change to it",
            ));
            None
        }
        Err(_) => {
            problems.push(Diagnostic::new(
                display,
                "broken symbolic link: remove it or restore its target",
            ));
            None
        }
    }
}

fn diesel_dir(
    root: &Path,
    dir: &Path,
    name: &str,
    display: &str,
    problems: &mut Diagnostics,
) -> Option<Dir> {
    let mut found = Dir {
        name: name.to_owned(),
        display: display.to_owned(),
        up: None,
        down: None,
        metadata: None,
    };
    for (file, path) in entries(dir, display, problems) {
        let file_display = display_path(display, &file);
        let Some(path) = inside(root, &path, &file_display, problems) else {
            continue;
        };
        let slot = match file.as_str() {
            "up.sql" => &mut found.up,
            "down.sql" => &mut found.down,
            "metadata.toml" => &mut found.metadata,
            other if other.ends_with(".sql") => {
                problems.push(Diagnostic::new(
                    file_display,
                    "a diesel migration directory holds only `up.sql`, `down.sql` and `metadata.toml`: move this file into a migration of its own",
                ));
                continue;
            }
            _ => continue,
        };
        *slot = read(&path, format!("{name}/{file}"), file_display, problems);
    }
    (found.up.is_some() || found.down.is_some()).then_some(found)
}

fn read(path: &Path, rel: String, display: String, problems: &mut Diagnostics) -> Option<File> {
    let bytes = match fs::read(path) {
        Ok(bytes) => bytes,
        Err(e) => {
            problems.push(Diagnostic::new(display, format!("cannot be read ({e})")));
            return None;
        }
    };
    match String::from_utf8(bytes) {
        Ok(text) => Some(File {
            rel,
            display,
            path: path.to_path_buf(),
            text,
        }),
        Err(e) => {
            let offset = e.utf8_error().valid_up_to();
            let line = e.as_bytes()[..offset]
                .iter()
                .filter(|&&b| b == b'\n')
                .count()
                + 1;
            problems.push(Diagnostic::at_line(
                display,
                u32::try_from(line).unwrap_or(u32::MAX),
                format!("not valid UTF-8 (byte {offset}): save the file as UTF-8"),
            ));
            None
        }
    }
}
