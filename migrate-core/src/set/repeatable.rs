//! Repeatable migrations: unversioned files (views, functions, grants) that a run re-applies,
//! after every versioned migration and in name order, whenever their content differs from
//! what the database last applied.
//!
//! One spelling per layout: refinery's and Flyway's `R__<name>.sql` beside the versioned
//! files, and `repeatable/<name>.sql` in every other layout (a subdirectory, because a file
//! without a version beside sqlx, goose, dbmate or diesel migrations is an error there).

use crate::checksum::{self, Digest32};
use crate::diagnostic::{Diagnostic, Diagnostics};
use crate::scan::File;
use crate::scheme::{self, Role, Scheme};
use crate::section;

use super::read::script;
use super::Script;

/// One repeatable migration, checked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Repeatable {
    /// Its name: what follows `R__`, or the file name in `repeatable/`, without `.sql`.
    pub name: String,
    /// Its script: the whole file.
    pub script: Script,
    /// The checksum of the script (the same algorithm as a versioned up script's).
    pub checksum: Digest32,
}

/// The chain `versioned` (the newest versioned migration's) extended with each repeatable
/// migration in order.
pub(crate) fn seal(versioned: &Digest32, repeatables: &[Repeatable]) -> Digest32 {
    repeatables.iter().fold(*versioned, |chain, r| {
        checksum::chain_repeatable(&chain, &r.name, &r.checksum)
    })
}

/// Reads the repeatable migrations: `flyway` are the `R__` files beside the versioned ones,
/// `nested` the files of `repeatable/`. Each must be spelled as the directory's layout
/// (`scheme`) spells them; the result is in name order.
pub(super) fn read(
    flyway: Vec<File>,
    nested: Vec<File>,
    scheme: Option<Scheme>,
    problems: &mut Diagnostics,
) -> Vec<Repeatable> {
    let refinery = match scheme {
        Some(scheme) => scheme == Scheme::Refinery,
        // Only repeatable migrations: the spelling that is there is the layout's, and a mix
        // is reported on the `R__` files.
        None => nested.is_empty(),
    };
    let (foreign, own) = if refinery {
        (nested, flyway)
    } else {
        (flyway, nested)
    };
    for file in foreign {
        let message = if refinery {
            "a refinery or Flyway directory names a repeatable migration `R__<name>.sql`, beside \
             the versioned ones: move it there"
                .to_owned()
        } else {
            let layout = scheme.map_or(
                "a directory whose repeatable migrations are in `repeatable/`".to_owned(),
                |s| format!("a directory of {s} migrations"),
            );
            format!(
                "`R__<name>.sql` is how refinery and Flyway name a repeatable migration; in {layout} \
                 a repeatable migration is `repeatable/<name>.sql`: move it there"
            )
        };
        problems.push(Diagnostic::new(file.display, message));
    }
    let mut out: Vec<Repeatable> = own
        .into_iter()
        .filter_map(|file| repeatable(file, problems))
        .collect();
    out.sort_by(|a, b| a.name.cmp(&b.name));
    out
}

fn repeatable(file: File, problems: &mut Diagnostics) -> Option<Repeatable> {
    let name = match scheme::repeatable_name(&file.rel)? {
        Ok(name) => name,
        Err(why) => {
            problems.push(Diagnostic::new(file.display, why));
            return None;
        }
    };
    // A repeatable migration is one script: section markers of goose or dbmate are errors
    // in it, as in any other single-script file.
    let sections = match section::read(&file.text, Scheme::Sqlx, Role::Repeatable) {
        Ok(sections) => sections,
        Err(list) => {
            for (line, message) in list {
                problems.push(Diagnostic::at_line(file.display.clone(), line, message));
            }
            return None;
        }
    };
    let script = script(&file, sections.up, &sections.directives);
    Some(Repeatable {
        checksum: checksum::checksum(&script.sql),
        name,
        script,
    })
}

#[cfg(test)]
mod tests {
    use crate::set::{load, Options};

    fn dir(name: &str, files: &[(&str, &str)]) -> std::path::PathBuf {
        let dir = std::env::temp_dir().join(format!(
            "migrate-core-repeatable-{}-{name}",
            std::process::id()
        ));
        let _ = std::fs::remove_dir_all(&dir);
        for (rel, text) in files {
            let path = dir.join(rel);
            if let Some(parent) = path.parent() {
                std::fs::create_dir_all(parent).ok();
            }
            std::fs::write(path, text).ok();
        }
        dir
    }

    fn problems(dir: &std::path::Path) -> Vec<String> {
        load(dir, "m", &Options::default())
            .err()
            .map(|d| d.0.iter().map(ToString::to_string).collect())
            .unwrap_or_default()
    }

    #[test]
    fn each_layout_has_its_spelling() {
        let refinery = dir(
            "refinery",
            &[
                ("V1__users.sql", "create table users (id int);\n"),
                ("R__views.sql", "create or replace view v as select 1;\n"),
                ("R__grants.sql", "-- migrate:no-transaction\nselect 1;\n"),
            ],
        );
        let set = load(&refinery, "m", &Options::default()).unwrap_or_else(|e| panic!("{e}"));
        let names: Vec<&str> = set.repeatables.iter().map(|r| r.name.as_str()).collect();
        assert_eq!(names, ["grants", "views"]);
        assert!(set.repeatables[0].script.no_transaction);
        assert_eq!(set.repeatables[1].script.file, "m/R__views.sql");
        assert_ne!(set.head(), set.migrations[0].chain);

        let sqlx = dir(
            "sqlx",
            &[
                ("1_users.sql", "create table users (id int);\n"),
                (
                    "repeatable/views.sql",
                    "create or replace view v as select 1;\n",
                ),
                ("repeatable/README.md", "not a migration\n"),
            ],
        );
        let set = load(&sqlx, "m", &Options::default()).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(set.repeatables.len(), 1);
        assert_eq!(set.repeatables[0].script.rel, "repeatable/views.sql");
        for dir in [refinery, sqlx] {
            let _ = std::fs::remove_dir_all(dir);
        }
    }

    #[test]
    fn the_lock_records_the_current_content() {
        use crate::lock::LockState;
        let d = dir(
            "locked",
            &[
                ("1_users.sql", "create table users (id int);\n"),
                ("repeatable/views.sql", "create view v as select 1;\n"),
            ],
        );
        let write_lock = || {
            let options = Options {
                check_lock: false,
                ..Options::default()
            };
            if let Ok(set) = load(&d, "m", &options) {
                std::fs::write(d.join(crate::lock::FILE_NAME), set.to_lock().render()).ok();
            }
        };
        write_lock();
        let set = load(&d, "m", &Options::default()).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(set.lock_state(), LockState::Current);
        assert_eq!(
            set.lock.as_ref().map(crate::lock::Lock::head),
            Some(set.head())
        );

        std::fs::write(
            d.join("repeatable/views.sql"),
            "create view v as select 2;\n",
        )
        .ok();
        let found = problems(&d);
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(
            found[0].starts_with(
                "m/repeatable/views.sql: repeatable migration `views` changed since it was locked"
            ),
            "{found:?}"
        );
        assert!(found[0].ends_with("run `migrate lock` to record it (a repeatable migration may change: the lock holds its current checksum) and commit the lock"), "{found:?}");
        // what `migrate lock` sees: nothing to refuse, the repeatable migration to record
        let unchecked = Options {
            check_lock: false,
            ..Options::default()
        };
        let set = load(&d, "m", &unchecked).unwrap_or_else(|e| panic!("{e}"));
        let lock = set.lock.clone().unwrap_or_default();
        assert!(set.lock_problems(&lock, false).is_empty());
        assert_eq!(
            set.lock_state(),
            LockState::Repeatables(vec!["views".into()])
        );
        write_lock();
        assert!(problems(&d).is_empty());

        std::fs::write(
            d.join("repeatable/grants.sql"),
            "grant select on v to public;\n",
        )
        .ok();
        assert!(
            problems(&d).is_empty(),
            "an unlocked repeatable migration is work in progress"
        );
        let strict = Options {
            require_locked: true,
            ..Options::default()
        };
        let found = load(&d, "m", &strict)
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(
            found.contains(
                "repeatable migration `grants` is not locked and `require_locked = true`"
            ),
            "{found}"
        );
        write_lock();
        std::fs::remove_file(d.join("repeatable/grants.sql")).ok();
        let found = problems(&d);
        assert!(
            found[0].starts_with(
                "m/repeatable/grants.sql: locked repeatable migration `grants` is gone"
            ),
            "{found:?}"
        );
        let _ = std::fs::remove_dir_all(d);
    }

    #[test]
    fn the_other_layouts_spelling_is_refused() {
        let mixed = dir(
            "mixed",
            &[
                ("1_users.sql", "select 1;\n"),
                ("R__views.sql", "select 1;\n"),
            ],
        );
        let found = problems(&mixed);
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(
            found[0].starts_with("m/R__views.sql: `R__<name>.sql` is how refinery"),
            "{found:?}"
        );
        assert!(
            found[0].contains("in a directory of sqlx migrations"),
            "{found:?}"
        );

        let nested = dir(
            "nested",
            &[
                ("V1__users.sql", "select 1;\n"),
                ("repeatable/views.sql", "select 1;\n"),
                ("repeatable/old/x.sql", "select 1;\n"),
                ("repeatable/goose.sql", "-- +goose Up\nselect 1;\n"),
            ],
        );
        let found = problems(&nested);
        assert_eq!(found.len(), 3, "{found:?}");
        assert!(found[0].starts_with("m/repeatable/old/x.sql: SQL file in a subdirectory"));
        assert!(
            found[1].starts_with("m/repeatable/goose.sql: a refinery"),
            "{found:?}"
        );
        assert!(
            found[2].starts_with("m/repeatable/views.sql: a refinery"),
            "{found:?}"
        );
        for dir in [mixed, nested] {
            let _ = std::fs::remove_dir_all(dir);
        }
    }
}
