//! Reads a migrations directory from disk: which entries are there and their text, the
//! `repeatable/` subdirectory's included.
//!
//! Only reading happens here; what the names and contents mean is decided in `set`. What is
//! not read is either passed over with a notice (README.md, `.gitkeep`) or, when it looks like
//! a migration that would silently never run, an error: `.SQL` and other spellings of the
//! extension, SQL files in subdirectories, and files that are not regular files (a FIFO named
//! like a migration would hang the build).

mod nested;

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
    /// Another spelling of `up.sql` (`UP.sql`) is there, reported already.
    pub up_misspelled: bool,
}

/// Everything found in a migrations directory.
#[derive(Clone, Debug, Default)]
pub struct Listing {
    /// `.sql` files directly in the directory, sorted by name.
    pub files: Vec<File>,
    /// Subdirectories holding `up.sql` or `down.sql`, sorted by name.
    pub dirs: Vec<Dir>,
    /// `.sql` files in the `repeatable/` subdirectory, sorted by name (`rel` starts with
    /// `repeatable/`).
    pub repeatables: Vec<File>,
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

/// A path as messages show it: `/`-separated, without `./` in front or `/` behind, `.` for
/// the current directory. `embed_migrations!`, the CLI's `--source` and `migrate::testing`
/// show directories this way.
pub fn normalise(path: &str) -> String {
    let path = path.replace('\\', "/");
    let mut path = path.as_str();
    while let Some(rest) = path.strip_prefix("./") {
        path = rest.trim_start_matches('/');
    }
    let trimmed = path.trim_end_matches('/');
    match trimmed {
        "" if path.starts_with('/') => "/".to_owned(),
        "" => ".".to_owned(),
        _ => trimmed.to_owned(),
    }
}

/// What a directory entry is, symbolic links followed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    File,
    Dir,
    /// A FIFO, socket or device: never opened.
    Other,
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
    let entries = entries(&root, dir_display, problems);
    // Plain `.sql` files are read up front, on a few threads (see `parallel`); links and
    // directories as they come.
    let prefetch: Vec<Option<PathBuf>> = entries
        .iter()
        .map(|(name, path, kind)| {
            let plain = !name.starts_with('.') && kind.is_some_and(|k| k.is_file());
            (plain && name.ends_with(".sql")).then(|| path.clone())
        })
        .collect();
    let contents = crate::parallel::map(prefetch, |path| path.map(fs::read));
    for ((name, path, kind), content) in entries.into_iter().zip(contents) {
        let display = display_path(dir_display, &name);
        if name.starts_with('.') {
            continue;
        }
        let Some((target, kind)) = inside(&root, &path, kind, &display, problems) else {
            continue;
        };
        match kind {
            Kind::Dir if name == crate::scheme::REPEATABLE_DIR => {
                listing.repeatables = repeatable_dir(&root, &target, &display, problems);
            }
            Kind::Dir => match diesel_dir(&root, &target, &name, &display, problems) {
                Some(d) => listing.dirs.push(d),
                None if nested::sql_below(&target, &display, problems) => {}
                None => listing.ignored.push(display),
            },
            _ if !nested::is_sql(&name) => listing.ignored.push(display),
            Kind::Other => problems.push(not_regular(display)),
            Kind::File if !name.ends_with(".sql") => {
                problems.push(nested::wrong_extension(&name, display));
            }
            Kind::File => {
                let bytes = content.unwrap_or_else(|| fs::read(&target));
                if let Some(file) = decode(bytes, &path, name.clone(), display, problems) {
                    listing.files.push(file);
                }
            }
        }
    }
    listing
}

fn not_regular(display: String) -> Diagnostic {
    Diagnostic::new(
        display,
        "is not a regular file (a FIFO, socket or device), so it is not opened: a migration is a plain file; remove it, or replace it with the file",
    )
}

/// The entries of `dir`, sorted by name, with their type as the listing gives it (no `stat`
/// per file: the macro lists thousands of them at every build).
pub(crate) fn entries(
    dir: &Path,
    dir_display: &str,
    problems: &mut Diagnostics,
) -> Vec<(String, PathBuf, Option<fs::FileType>)> {
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
            Ok(name) => out.push((name, entry.path(), entry.file_type().ok())),
            Err(raw) => problems.push(Diagnostic::new(
                display_path(dir_display, &raw.to_string_lossy()),
                "file name is not valid UTF-8: rename it (migration names are shown in errors, logs and the lock file)",
            )),
        }
    }
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

/// Follows `path` when it is a symlink, and says what it is; reports a link that leads
/// outside `root`.
fn inside(
    root: &Path,
    path: &Path,
    kind: Option<fs::FileType>,
    display: &str,
    problems: &mut Diagnostics,
) -> Option<(PathBuf, Kind)> {
    let kind = kind.or_else(|| fs::symlink_metadata(path).ok().map(|m| m.file_type()));
    let of = |t: fs::FileType| {
        if t.is_dir() {
            Kind::Dir
        } else if t.is_file() {
            Kind::File
        } else {
            Kind::Other
        }
    };
    match kind {
        Some(k) if !k.is_symlink() => return Some((path.to_path_buf(), of(k))),
        None => return Some((path.to_path_buf(), Kind::Other)),
        Some(_) => {}
    }
    match fs::canonicalize(path) {
        Ok(target) if target.starts_with(root) => {
            let kind = fs::metadata(&target).map_or(Kind::Other, |m| of(m.file_type()));
            Some((target, kind))
        }
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

/// The diesel migration in the subdirectory `dir`: `None` when it holds neither `up.sql`
/// nor `down.sql` (it is then no migration to diesel either).
fn diesel_dir(
    root: &Path,
    dir: &Path,
    name: &str,
    display: &str,
    problems: &mut Diagnostics,
) -> Option<Dir> {
    let listed = entries(dir, display, problems);
    if !listed
        .iter()
        .any(|(file, _, _)| file == "up.sql" || file == "down.sql")
    {
        return None;
    }
    let mut found = Dir {
        name: name.to_owned(),
        display: display.to_owned(),
        up: None,
        down: None,
        metadata: None,
        up_misspelled: false,
    };
    for (file, path, kind) in listed {
        let file_display = display_path(display, &file);
        if file.starts_with('.') {
            continue;
        }
        let Some((path, kind)) = inside(root, &path, kind, &file_display, problems) else {
            continue;
        };
        let slot = match (file.as_str(), kind) {
            (_, Kind::Dir) => {
                nested::sql_below(&path, &file_display, problems);
                continue;
            }
            ("up.sql", _) => &mut found.up,
            ("down.sql", _) => &mut found.down,
            ("metadata.toml", _) => &mut found.metadata,
            (other, _) if nested::is_sql(other) => {
                found.up_misspelled |= other.eq_ignore_ascii_case("up.sql");
                problems.push(nested::stray_in_diesel_dir(other, file_display));
                continue;
            }
            _ => continue,
        };
        *slot = read(&path, format!("{name}/{file}"), file_display, problems);
    }
    Some(found)
}

/// The `.sql` files of the `repeatable/` subdirectory, read; SQL files below it and other
/// spellings of `.sql` are reported as they are in the migrations directory.
fn repeatable_dir(root: &Path, dir: &Path, display: &str, problems: &mut Diagnostics) -> Vec<File> {
    let mut files = Vec::new();
    for (name, path, kind) in entries(dir, display, problems) {
        let shown = display_path(display, &name);
        if name.starts_with('.') {
            continue;
        }
        let Some((path, kind)) = inside(root, &path, kind, &shown, problems) else {
            continue;
        };
        match kind {
            Kind::Dir => {
                nested::sql_below(&path, &shown, problems);
            }
            _ if !nested::is_sql(&name) => {}
            Kind::Other => problems.push(not_regular(shown)),
            Kind::File if !name.ends_with(".sql") => {
                problems.push(nested::wrong_extension(&name, shown));
            }
            Kind::File => {
                let rel = format!("{}/{name}", crate::scheme::REPEATABLE_DIR);
                files.extend(read(&path, rel, shown, problems));
            }
        }
    }
    files
}

/// Reads a file found in the listing; a file that is not a regular file is not opened.
pub(crate) fn read(
    path: &Path,
    rel: String,
    display: String,
    problems: &mut Diagnostics,
) -> Option<File> {
    match fs::metadata(path) {
        Ok(meta) if !meta.is_file() => {
            problems.push(not_regular(display));
            None
        }
        _ => decode(fs::read(path), path, rel, display, problems),
    }
}

/// A file's text from what reading it gave.
fn decode(
    bytes: std::io::Result<Vec<u8>>,
    path: &Path,
    rel: String,
    display: String,
    problems: &mut Diagnostics,
) -> Option<File> {
    let bytes = match bytes {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_shown_one_way() {
        assert_eq!(normalise("migrations"), "migrations");
        assert_eq!(normalise("./migrations/"), "migrations");
        assert_eq!(normalise(".//db\\migrations"), "db/migrations");
        assert_eq!(normalise("./"), ".");
        assert_eq!(normalise(""), ".");
        assert_eq!(normalise("/"), "/");
        assert_eq!(normalise("/tmp/m/"), "/tmp/m");
        assert_eq!(normalise("../shared/corpus"), "../shared/corpus");
        assert_eq!(display_path(".", "1_a.sql"), "1_a.sql");
        assert_eq!(display_path("m/", "1_a.sql"), "m/1_a.sql");
    }
}
