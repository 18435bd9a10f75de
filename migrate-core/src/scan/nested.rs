//! SQL files where no migration is read: other spellings of `.sql`, subdirectories, stray
//! files in diesel directories. Each is an error, because a file the user meant as a
//! migration would otherwise never run, and the build cannot warn on stable Rust.

use std::path::Path;

use crate::diagnostic::{Diagnostic, Diagnostics};

use super::display_path;

/// How deep below a subdirectory SQL files are looked for (the walk follows no links).
const DEPTH: usize = 8;

/// Whether `name` ends in `.sql` in any spelling (`.SQL`, `.Sql`).
pub(super) fn is_sql(name: &str) -> bool {
    name.len() >= 4
        && name
            .get(name.len() - 4..)
            .is_some_and(|ext| ext.eq_ignore_ascii_case(".sql"))
}

/// `2_b.SQL`: the right name is `2_b.sql`.
pub(super) fn wrong_extension(name: &str, display: String) -> Diagnostic {
    let stem = name.get(..name.len().saturating_sub(4)).unwrap_or(name);
    Diagnostic::new(
        display,
        format!(
            "`{}` is not `.sql`: migration files end in lower-case `.sql`, and no tool runs this \
             one; rename it to `{stem}.sql`",
            name.get(stem.len()..).unwrap_or("")
        ),
    )
}

/// A `.sql` file in a diesel migration directory other than `up.sql` and `down.sql`.
pub(super) fn stray_in_diesel_dir(name: &str, display: String) -> Diagnostic {
    let lower = name.to_ascii_lowercase();
    if lower == "up.sql" || lower == "down.sql" {
        return Diagnostic::new(
            display,
            format!("diesel reads only `{lower}`, in lower case: rename it to `{lower}`"),
        );
    }
    Diagnostic::new(
        display,
        "a diesel migration directory holds only `up.sql`, `down.sql` and `metadata.toml`: move this file into a migration of its own",
    )
}

/// Reports every SQL file below the subdirectory `dir` (which is no diesel migration), and
/// says whether there was one.
pub(super) fn sql_below(dir: &Path, display: &str, problems: &mut Diagnostics) -> bool {
    let before = problems.0.len();
    walk(dir, display, 1, problems);
    problems.0.len() > before
}

fn walk(dir: &Path, display: &str, depth: usize, problems: &mut Diagnostics) {
    if depth > DEPTH {
        return;
    }
    // Unreadable directories below are not the migrations' business: nothing is read there.
    let Ok(read_dir) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<(String, std::path::PathBuf, bool)> = read_dir
        .filter_map(Result::ok)
        .filter_map(|e| {
            let name = e.file_name().into_string().ok()?;
            let is_dir = e.file_type().is_ok_and(|t| t.is_dir());
            Some((name, e.path(), is_dir))
        })
        .filter(|(name, _, _)| !name.starts_with('.'))
        .collect();
    entries.sort();
    for (name, path, is_dir) in entries {
        let shown = display_path(display, &name);
        if is_dir {
            walk(&path, &shown, depth + 1, problems);
        } else if is_sql(&name) {
            let lower = name.to_ascii_lowercase();
            let message = if depth == 1 && (lower == "up.sql" || lower == "down.sql") {
                format!("diesel reads only `{lower}`, in lower case: rename it to `{lower}`")
            } else {
                "SQL file in a subdirectory, which is not read: migrations sit directly in the \
                 migrations directory (diesel's in `<version>_<description>/up.sql`), so this one \
                 would never run; move it up into the migrations directory, or out of it (keep \
                 old migrations outside it)"
                    .to_owned()
            };
            problems.push(Diagnostic::new(shown, message));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spellings_of_sql() {
        assert!(is_sql("2_b.SQL") && is_sql("3_c.Sql") && is_sql("1_a.sql"));
        assert!(!is_sql("sql") && !is_sql("notes.md") && !is_sql("é.sq"));
        let d = wrong_extension("2_b.down.SQL", "m/2_b.down.SQL".to_owned());
        assert!(d.message.contains("`.SQL` is not `.sql`"), "{d}");
        assert!(d.message.ends_with("rename it to `2_b.down.sql`"), "{d}");
    }
}
