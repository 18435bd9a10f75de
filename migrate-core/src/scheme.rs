//! The file-name schemes of the migration tools whose directories are read as they are.

use std::fmt;

/// The layout of a migrations directory; one directory uses one.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Scheme {
    /// sqlx and golang-migrate: `<v>_<desc>.sql`, or `<v>_<desc>.up.sql` with an optional
    /// `<v>_<desc>.down.sql`.
    Sqlx,
    /// diesel: a directory `<v>_<desc>/` holding `up.sql`, optional `down.sql` and
    /// `metadata.toml`.
    Diesel,
    /// refinery and Flyway: `V<v>__<desc>.sql`.
    Refinery,
    /// goose: `<v>_<desc>.sql` with `-- +goose Up` and `-- +goose Down` sections.
    Goose,
    /// dbmate: `<v>_<desc>.sql` with `-- migrate:up` and `-- migrate:down` sections.
    Dbmate,
}

impl fmt::Display for Scheme {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Scheme::Sqlx => "sqlx",
            Scheme::Diesel => "diesel",
            Scheme::Refinery => "refinery",
            Scheme::Goose => "goose",
            Scheme::Dbmate => "dbmate",
        })
    }
}

/// What a migration file holds, as its name says.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    /// The whole migration, up only or with sections (sqlx simple, refinery, goose, dbmate).
    Single,
    /// The up script of a pair.
    Up,
    /// The down script of a pair.
    Down,
    /// A repeatable migration: no version, re-applied whenever it changes (see
    /// [`repeatable_name`]).
    Repeatable,
}

/// The subdirectory that holds repeatable migrations in every layout but refinery's.
pub const REPEATABLE_DIR: &str = "repeatable";

/// The name of a repeatable migration, from its path relative to the migrations directory:
/// `R__<name>.sql` (refinery's and Flyway's spelling) or `repeatable/<name>.sql` (every
/// other layout's). `None` for a path that is neither; an error for one that means to be a
/// repeatable migration but is spelled wrong.
///
/// ```
/// use migrate_core::scheme::repeatable_name;
///
/// assert_eq!(repeatable_name("R__views.sql"), Some(Ok("views".to_owned())));
/// assert_eq!(repeatable_name("repeatable/views.sql"), Some(Ok("views".to_owned())));
/// assert_eq!(repeatable_name("V1__users.sql"), None);
/// ```
pub fn repeatable_name(rel: &str) -> Option<Result<String, String>> {
    let (name, spelled) = if let Some(file) = rel
        .strip_prefix(REPEATABLE_DIR)
        .and_then(|rest| rest.strip_prefix('/'))
    {
        if file.contains('/') {
            return None;
        }
        (file.strip_suffix(".sql")?, "repeatable/<name>.sql")
    } else if rel.contains('/') {
        return None;
    } else if let Some(stem) = rel.strip_prefix("R__") {
        (stem.strip_suffix(".sql")?, "R__<name>.sql")
    } else if rel.starts_with("r__") {
        return Some(Err(format!(
            "refinery and Flyway spell a repeatable migration with a capital R: rename it to `R{}`",
            &rel[1..]
        )));
    } else {
        return None;
    };
    let problem = if name.is_empty() {
        Some("the name of the repeatable migration is empty")
    } else if name != name.trim() || name.chars().any(char::is_control) {
        Some("the name of a repeatable migration neither starts nor ends with a space and holds no control characters")
    } else if name.ends_with(".up") || name.ends_with(".down") {
        Some("a repeatable migration has no down script: it is one file, re-applied whole when it changes")
    } else {
        None
    };
    Some(match problem {
        Some(problem) => Err(format!("{problem}: name it `{spelled}`")),
        None => Ok(name.to_owned()),
    })
}

/// A parsed migration file or directory name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Name {
    /// The version, as it sorts.
    pub version: i64,
    /// The description: what follows the version separator, without the extension.
    pub description: String,
    /// What the file holds.
    pub role: Role,
    /// The scheme the name belongs to. `<v>_<desc>.sql` is [`Scheme::Sqlx`] until its content
    /// shows goose or dbmate sections.
    pub scheme: Scheme,
}

const FORMATS: &str = "expected `<version>_<description>.sql`, `<version>_<description>.up.sql` / \
                       `.down.sql` or `V<version>__<description>.sql`";

/// Parses the name of a `.sql` file directly inside a migrations directory.
///
/// The error says what is wrong with the name and which names are accepted.
pub fn parse_file_name(file_name: &str) -> Result<Name, String> {
    let Some(stem) = file_name.strip_suffix(".sql") else {
        return Err(format!("not a `.sql` file; {FORMATS}"));
    };
    if let Some(rest) = stem.strip_prefix('V').or_else(|| stem.strip_prefix('v')) {
        if rest.starts_with(|c: char| c.is_ascii_digit() || c == '-') {
            let Some((version, description)) = rest.split_once("__") else {
                return Err(format!(
                    "refinery names separate the version with two underscores: \
                     expected `V{}__<description>.sql`",
                    leading_digits(rest)
                ));
            };
            return named(version, description, Role::Single, Scheme::Refinery);
        }
    }
    let (stem, role) = if let Some(stem) = stem.strip_suffix(".up") {
        (stem, Role::Up)
    } else if let Some(stem) = stem.strip_suffix(".down") {
        (stem, Role::Down)
    } else {
        (stem, Role::Single)
    };
    if role == Role::Single {
        // `2_b.UP.sql` would otherwise be a whole migration named `b.UP`, and its down file
        // would never be paired with it.
        let lower = stem.to_ascii_lowercase();
        if let Some(which) = [".up", ".down"].into_iter().find(|s| lower.ends_with(s)) {
            let written = &stem[stem.len() - which.len()..];
            return Err(format!(
                "`{written}.sql` is not `{which}.sql`: up and down files end in lower-case \
                 `{which}.sql`; rename it to `{}{which}.sql`",
                &stem[..stem.len() - which.len()]
            ));
        }
    }
    match stem.split_once('_') {
        Some((version, description)) => named(version, description, role, Scheme::Sqlx),
        None if stem.starts_with(|c: char| c.is_ascii_digit()) => Err(format!(
            "no description after the version: expected `{stem}_<description>.sql`"
        )),
        None => Err(format!(
            "does not start with a version; {FORMATS}; a repeatable migration (re-applied \
             whenever it changes) is `{REPEATABLE_DIR}/<name>.sql`, or `R__<name>.sql` beside \
             refinery files"
        )),
    }
}

/// Parses the name of a diesel migration directory by diesel's own rule: the version is the
/// part before the first `_` with its dashes removed, which must be digits (see
/// [`crate::diesel`] for the rule's source and for how the text is numbered in diesel's
/// order); the description is the rest. `2024-03-13_170000_sso_users` is version `20240313`
/// with the description `170000_sso_users`.
pub fn parse_diesel_dir(dir_name: &str) -> Result<Name, String> {
    let expected = "diesel reads the version of a migration directory from its name up to the \
                    first `_`, dashes left out, as in `YYYY-MM-DD-HHMMSS_<description>`";
    let Some((version, description)) = dir_name.split_once('_') else {
        return Err(format!("no description after the version; {expected}"));
    };
    let Some(digits) = crate::diesel::version_text(dir_name) else {
        return Err(format!("`{version}` is not a diesel version: {expected}"));
    };
    let number = crate::diesel::encode(&digits)?;
    if description.is_empty() {
        return Err(format!(
            "the description after the version is empty: describe the change after the `_`, \
             as in `{version}_create_users`"
        ));
    }
    Ok(Name {
        version: number,
        description: description.to_owned(),
        role: Role::Single,
        scheme: Scheme::Diesel,
    })
}

/// The version of a diesel version as written (`2024-01-02-030405`, `20240102030405`,
/// `2024-03-13`: digits and dashes, starting with a digit), numbered as [`parse_diesel_dir`]
/// numbers it; `None` for any other text.
pub fn diesel_version(text: &str) -> Option<i64> {
    let well_formed = text.starts_with(|c: char| c.is_ascii_digit())
        && text.bytes().all(|b| b.is_ascii_digit() || b == b'-');
    if !well_formed {
        return None;
    }
    crate::diesel::version_text(text).and_then(|digits| crate::diesel::encode(&digits).ok())
}

fn named(text: &str, description: &str, role: Role, scheme: Scheme) -> Result<Name, String> {
    let version = parse_version(text)?;
    if description.is_empty() {
        let (prefix, separator) = match scheme {
            Scheme::Refinery => ("V", "__"),
            _ => ("", "_"),
        };
        let suffix = match role {
            Role::Single | Role::Repeatable => "",
            Role::Up => ".up",
            Role::Down => ".down",
        };
        return Err(format!(
            "the description after the version is empty: describe the change after the \
             `{separator}`, as in `{prefix}{text}{separator}create_users{suffix}.sql`"
        ));
    }
    Ok(Name {
        version,
        description: description.to_owned(),
        role,
        scheme,
    })
}

/// Parses a version: decimal digits, leading zeros allowed, at most `i64::MAX`.
pub fn parse_version(text: &str) -> Result<i64, String> {
    if let Some(digits) = text.strip_prefix('-') {
        if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(format!(
                "version -{digits} is negative: versions start at 0; renumber it"
            ));
        }
    }
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!(
            "`{text}` is not a version: a version is a non-negative integer"
        ));
    }
    text.parse::<i64>().map_err(|_| {
        format!(
            "version {text} is above the largest version {} (i64::MAX): renumber it \
             (a `YYYYMMDDHHMMSS` timestamp fits)",
            i64::MAX
        )
    })
}

fn leading_digits(text: &str) -> &str {
    let end = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    &text[..end]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(name: &str) -> (i64, String, Role, Scheme) {
        match parse_file_name(name) {
            Ok(n) => (n.version, n.description, n.role, n.scheme),
            Err(e) => panic!("{name}: {e}"),
        }
    }

    #[test]
    fn sqlx_and_golang_migrate_names() {
        assert_eq!(
            ok("1_init.sql"),
            (1, "init".into(), Role::Single, Scheme::Sqlx)
        );
        assert_eq!(
            ok("20250402170430_unique_names.up.sql"),
            (
                20250402170430,
                "unique_names".into(),
                Role::Up,
                Scheme::Sqlx
            )
        );
        assert_eq!(ok("0030_2.0.0_schema.down.sql").0, 30);
        assert_eq!(ok("0030_2.0.0_schema.down.sql").1, "2.0.0_schema");
        assert_eq!(ok("20220505083406_create-events.sql").1, "create-events");
    }

    #[test]
    fn refinery_names() {
        assert_eq!(
            ok("V3__add_users.sql"),
            (3, "add_users".into(), Role::Single, Scheme::Refinery)
        );
        assert!(parse_file_name("V3_add_users.sql")
            .unwrap_err()
            .contains("`V3__<description>.sql`"));
    }

    #[test]
    fn versions_are_bounded() {
        assert_eq!(ok("0_setup.sql").0, 0);
        assert_eq!(ok("9223372036854775807_max.sql").0, i64::MAX);
        assert!(parse_file_name("9223372036854775808_over.sql")
            .unwrap_err()
            .contains("i64::MAX"));
        assert!(parse_file_name("-1_neg.sql")
            .unwrap_err()
            .contains("negative"));
        assert!(parse_file_name("V-4__neg.sql")
            .unwrap_err()
            .contains("negative"));
    }

    #[test]
    fn bad_names_say_what_is_expected() {
        assert!(parse_file_name("init.sql")
            .unwrap_err()
            .contains("does not start with a version"));
        assert!(parse_file_name("12.sql")
            .unwrap_err()
            .contains("`12_<description>.sql`"));
        assert!(parse_file_name("12_.sql").unwrap_err().contains("empty"));
        assert!(parse_file_name("1a_x.sql")
            .unwrap_err()
            .contains("`1a` is not a version"));
    }

    #[test]
    fn diesel_directories() {
        let v = |n: &str| parse_diesel_dir(n).map(|n| (n.version, n.description));
        assert_eq!(
            v("00000000000000_diesel_initial_setup"),
            Ok((0, "diesel_initial_setup".into()))
        );
        assert_eq!(
            v("2017-08-20-180453_x").map(|p| p.0),
            Ok(2017082018045300000)
        );
        assert_eq!(v("20170820180453_x").map(|p| p.0), Ok(2017082018045300000));
        assert_eq!(
            v("2025-11-19-091444-0000_x").map(|p| p.0),
            Ok(2025111909144400004)
        );
        // diesel's rule: the name up to the first `_`, dashes left out
        assert_eq!(
            v("2024-03-13_170000_sso_users"),
            Ok((2024031299999999994, "170000_sso_users".into()))
        );
        // numbers order as diesel orders the version texts
        let names = [
            "2024-03-13_170000_sso_users",
            "2025-11-19-091444-0000_a",
            "2026-05-27-120000_b",
            "2026-05-27-120000-0000_c",
            "2026-05-27-120000-0001_d",
            "2026-05-28_e",
        ];
        let versions: Vec<i64> = names
            .iter()
            .filter_map(|n| v(n).ok())
            .map(|p| p.0)
            .collect();
        assert_eq!(versions.len(), names.len());
        assert!(versions.windows(2).all(|w| w[0] < w[1]), "{versions:?}");
        assert_eq!(
            v("2019-11-15-182353_Add email notifications to crate owners").map(|p| p.1),
            Ok("Add email notifications to crate owners".into())
        );
        assert!(v("notes").is_err());
        assert!(v("x1_notes").is_err());
        assert!(v("0_too_short").is_err());
        assert_eq!(
            diesel_version("2020-01-02-000000"),
            Some(2020010200000000000)
        );
        assert_eq!(diesel_version("-1"), None);
    }

    #[test]
    fn repeatable_names() {
        let name = |rel: &str| repeatable_name(rel).map(|r| r.map_err(|e| e.to_string()));
        assert_eq!(name("R__v_users.sql"), Some(Ok("v_users".into())));
        assert_eq!(name("repeatable/0_grants.sql"), Some(Ok("0_grants".into())));
        assert_eq!(name("repeatable/a/b.sql"), None);
        assert_eq!(name("V1__x.sql"), None);
        assert_eq!(name("1_x.sql"), None);
        assert_eq!(name("repeatable/x.txt"), None);
        assert_eq!(name("x/R__y.sql"), None);
        for (rel, says) in [
            ("R__.sql", "empty: name it `R__<name>.sql`"),
            ("repeatable/.sql", "empty: name it `repeatable/<name>.sql`"),
            ("R__ x.sql", "neither starts nor ends with a space"),
            ("R__x.down.sql", "has no down script"),
            ("r__views.sql", "rename it to `R__views.sql`"),
        ] {
            let error = name(rel).and_then(Result::err).unwrap_or_default();
            assert!(error.contains(says), "{rel}: {error}");
        }
    }

    #[test]
    fn case_variants_of_up_and_down_are_refused() {
        assert!(parse_file_name("2_b.UP.sql")
            .unwrap_err()
            .contains("rename it to `2_b.up.sql`"));
        assert!(parse_file_name("2_b.Down.sql")
            .unwrap_err()
            .contains("`2_b.down.sql`"));
    }
}
