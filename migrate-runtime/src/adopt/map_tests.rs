//! Mapping claims onto a set read from a directory (the loader the CLI uses), with each
//! refusal and what accepts it.

use std::path::PathBuf;

use sha2::Digest as _;

use super::*;
use crate::adopt::digest::Recorded;
use crate::adopt::{ChecksumKind, Columns, Tool};

/// A migrations directory of `files` (path, SQL), deleted on drop.
struct Dir(PathBuf);

impl Drop for Dir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn set(name: &str, files: &[(&str, &str)]) -> (Dir, Migrator) {
    let dir = std::env::temp_dir().join(format!("migrate-adopt-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    for (file, sql) in files {
        let path = dir.join(file);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).expect("a directory");
        }
        std::fs::write(&path, sql).expect("a file");
    }
    let migrator = Migrator::from_dir(&dir).unwrap_or_else(|e| panic!("{e}"));
    (Dir(dir), migrator)
}

const SQLX: &[(&str, &str)] = &[
    ("1_a.sql", "CREATE TABLE a (id INT);\n"),
    ("2_b.sql", "CREATE TABLE b (id INT);\n"),
    ("3_c.sql", "CREATE TABLE c (id INT);\n"),
];

fn claim(key: Key, what: What) -> Claim {
    let row = format!("{key:?}");
    Claim { row, key, what }
}

fn applied(n: i64) -> Claim {
    claim(Key::Number(n), What::Applied(None))
}

/// `claims` (in the order the tool applied them when `ordered`) mapped onto `migrator`.
fn mapped(migrator: &Migrator, source: &Source, claims: Vec<Claim>, ordered: bool) -> Adoption {
    map(migrator, source, &History { claims, ordered }, "t".into())
}

fn outcomes(adoption: &Adoption) -> Vec<(Option<i64>, Outcome)> {
    adoption
        .lines
        .iter()
        .map(|l| (l.version.map(Version::get), l.outcome.clone()))
        .collect()
}

fn problems(adoption: &Adoption) -> Vec<String> {
    adoption.problems.iter().map(ToString::to_string).collect()
}

/// Panics unless nothing refuses `adoption` and it adopts exactly `versions`.
#[track_caller]
fn adopts(adoption: &Adoption, versions: &[i64]) {
    assert!(adoption.problems.is_empty(), "{:?}", problems(adoption));
    let adopted: Vec<i64> = adoption.adopted.iter().map(|v| v.get()).collect();
    assert_eq!(adopted, versions);
}

#[test]
fn sqlx_checksums_are_verified_and_the_rest_stays_pending() {
    let (_dir, migrator) = set("verified", SQLX);
    let sha384 = |sql: &str| sha2::Sha384::digest(sql.as_bytes()).to_vec();
    let claims = vec![
        claim(
            Key::Number(1),
            What::Applied(Some(Recorded::Sqlx(sha384(SQLX[0].1)))),
        ),
        claim(
            Key::Number(2),
            What::Applied(Some(Recorded::Sqlx(sha384(SQLX[1].1)))),
        ),
    ];
    let adoption = mapped(&migrator, &Source::tool(Tool::Sqlx), claims, false);
    let verified = Outcome::Adopted(Check::Verified {
        algorithm: "sha384",
    });
    assert_eq!(
        outcomes(&adoption),
        [
            (Some(1), verified.clone()),
            (Some(2), verified),
            (Some(3), Outcome::Pending)
        ]
    );
    adopts(&adoption, &[1, 2]);
}

#[test]
fn an_edited_file_is_refused_whatever_is_accepted() {
    let (_dir, migrator) = set("edited", SQLX);
    let recorded = sha2::Sha384::digest(b"CREATE TABLE b (id BIGINT);\n").to_vec();
    let claims = vec![
        applied(1),
        claim(
            Key::Number(2),
            What::Applied(Some(Recorded::Sqlx(recorded.clone()))),
        ),
    ];
    let everything = Source::tool(Tool::Sqlx)
        .accept_unknown(true)
        .accept_gaps(true)
        .accept_dirty(true)
        .accept_out_of_order(true);
    let adoption = mapped(&migrator, &everything, claims, false);
    let [problem] = problems(&adoption).try_into().expect("one problem");
    let file = migrator.migrations()[1].up().file().to_owned();
    let computed = crate::driver::hex(&sha2::Sha384::digest(SQLX[1].1.as_bytes()));
    for phrase in [
        format!("migration 2 ({file}) is not the script sqlx applied"),
        format!("sqlx recorded sha384 {}", crate::driver::hex(&recorded)),
        format!("the file gives {computed}"),
    ] {
        assert!(problem.contains(&phrase), "{phrase:?} not in {problem}");
    }
    assert!(matches!(
        adoption.lines[1].outcome,
        Outcome::Mismatch { .. }
    ));
}

#[test]
fn gaps_unknown_rows_failures_and_out_of_order_are_refused_unless_accepted() {
    let (_dir, migrator) = set("refusals", SQLX);
    // applied by id: 3, then 1; 2 never; 9 is not in the set; 4 failed and is not either
    let claims = || {
        vec![
            applied(3),
            applied(1),
            applied(9),
            claim(Key::Number(4), What::Failed),
        ]
    };
    let strict = mapped(&migrator, &Source::tool(Tool::Goose), claims(), true);
    let kinds: Vec<&str> = strict
        .problems
        .iter()
        .map(|e| match e {
            Error::AdoptDirty { .. } => "dirty",
            Error::AdoptUnknown { .. } => "unknown",
            Error::AdoptOutOfOrder { .. } => "out of order",
            Error::AdoptGap { .. } => "gap",
            _ => "other",
        })
        .collect();
    assert_eq!(kinds, ["dirty", "unknown", "out of order", "gap"]);
    let text = problems(&strict).join("\n");
    assert!(
        text.contains("goose applied migration 1 (") && text.contains("after the newer 3"),
        "{text}"
    );
    assert!(
        text.contains("goose has not applied migration 2 ("),
        "{text}"
    );
    assert!(text.contains("`Source::accept_gaps(true)`"), "{text}");
    assert_eq!(
        outcomes(&strict),
        [
            (Some(1), Outcome::Adopted(Check::NotRecorded)),
            (
                Some(2),
                Outcome::Gap {
                    newest: Version::__checked(3)
                }
            ),
            (Some(3), Outcome::Adopted(Check::NotRecorded)),
            (Some(4), Outcome::Failed),
            (Some(9), Outcome::Unknown),
        ]
    );
    let lenient = Source::tool(Tool::Goose)
        .accept_unknown(true)
        .accept_gaps(true)
        .accept_dirty(true)
        .accept_out_of_order(true);
    let accepted = mapped(&migrator, &lenient, claims(), true);
    adopts(&accepted, &[1, 3]);
}

#[test]
fn golang_migrate_current_version_covers_everything_below_and_dirty_leaves_it_pending() {
    let (_dir, migrator) = set("golang", SQLX);
    let source = Source::tool(Tool::GolangMigrate);
    let clean = mapped(
        &migrator,
        &source,
        vec![claim(Key::Number(2), What::Current)],
        false,
    );
    let implied = Outcome::Adopted(Check::Implied);
    assert_eq!(
        outcomes(&clean),
        [
            (Some(1), implied.clone()),
            (Some(2), implied.clone()),
            (Some(3), Outcome::Pending)
        ]
    );
    let dirty_claims = || {
        vec![
            claim(Key::Number(2), What::Below),
            claim(Key::Number(2), What::Failed),
        ]
    };
    let dirty = mapped(&migrator, &source, dirty_claims(), false);
    let [problem] = problems(&dirty).try_into().expect("one problem");
    assert!(
        problem.contains("golang-migrate recorded migration 2 ("),
        "{problem}"
    );
    assert!(problem.contains("`Runner::force(2)`"), "{problem}");
    let accepted = mapped(
        &migrator,
        &source.clone().accept_dirty(true),
        dirty_claims(),
        false,
    );
    assert!(accepted.problems.is_empty());
    assert_eq!(accepted.adopted, [Version::__checked(1)]);
    // a current version the set does not have is a migration this checkout lacks
    let newer = mapped(
        &migrator,
        &source,
        vec![claim(Key::Number(7), What::Current)],
        false,
    );
    assert!(matches!(newer.problems[..], [Error::AdoptUnknown { .. }]));
}

#[test]
fn a_flyway_baseline_covers_its_version_without_being_a_migration() {
    let (_dir, migrator) = set(
        "flyway",
        &[("V2__b.sql", "SELECT 2;\n"), ("V3__c.sql", "SELECT 3;\n")],
    );
    let crc = i64::from(crate::adopt::digest::flyway("SELECT 3;\n"));
    let claims = vec![
        claim(Key::Number(2), What::Baseline),
        claim(Key::Number(3), What::Applied(Some(Recorded::Flyway(crc)))),
    ];
    let adoption = mapped(&migrator, &Source::tool(Tool::Flyway), claims, true);
    assert!(adoption.problems.is_empty(), "{:?}", problems(&adoption));
    assert_eq!(
        outcomes(&adoption),
        [
            (Some(2), Outcome::Adopted(Check::Implied)),
            (
                Some(3),
                Outcome::Adopted(Check::Verified { algorithm: "crc32" })
            )
        ]
    );
    // Flyway's default baseline version 1 below the first migration is no problem either
    let below = mapped(
        &migrator,
        &Source::tool(Tool::Flyway),
        vec![claim(Key::Number(1), What::Baseline)],
        true,
    );
    assert!(below.problems.is_empty() && below.adopted.is_empty());
}

#[test]
fn diesel_versions_are_matched_through_the_directory_names() {
    let (_dir, migrator) = set(
        "diesel",
        &[
            ("2017-08-20-180453_a/up.sql", "SELECT 1;\n"),
            ("2025-11-19-091444-0000_b/up.sql", "SELECT 2;\n"),
            ("20260101000000_c/up.sql", "SELECT 3;\n"),
        ],
    );
    let claims = vec![
        claim(Key::Diesel("20170820180453".into()), What::Applied(None)),
        claim(
            Key::Diesel("202511190914440000".into()),
            What::Applied(None),
        ),
    ];
    let adoption = mapped(&migrator, &Source::tool(Tool::Diesel), claims, false);
    assert!(adoption.problems.is_empty(), "{:?}", problems(&adoption));
    let files: Vec<&str> = adoption
        .lines
        .iter()
        .filter(|l| matches!(l.outcome, Outcome::Adopted(_)))
        .filter_map(|l| l.file.as_deref())
        .collect();
    assert_eq!(files.len(), 2);
    assert!(
        files[0].ends_with("2017-08-20-180453_a/up.sql"),
        "{files:?}"
    );
    assert!(
        files[1].ends_with("2025-11-19-091444-0000_b/up.sql"),
        "{files:?}"
    );
    assert_eq!(
        diesel_version_text("m/2025-11-19-091444-0000_b/up.sql").as_deref(),
        Some("202511190914440000")
    );
}

#[test]
fn a_home_made_table_matches_file_names_then_versions_and_its_digests() {
    let (_dir, migrator) = set("generic", SQLX);
    let md5 = |sql: &str| crate::driver::hex(&<md5::Md5 as md5::Digest>::digest(sql.as_bytes()));
    let hex = |sql: &str| Some(Recorded::Hex(ChecksumKind::Md5, md5(sql).to_uppercase()));
    let claims = vec![
        claim(Key::Name("1_a.sql".into()), What::Applied(hex(SQLX[0].1))),
        claim(
            Key::Name("0002_whatever".into()),
            What::Applied(hex(SQLX[1].1)),
        ),
        claim(Key::Name("3_c".into()), What::Applied(hex("edited"))),
    ];
    let source = Source::generic("schema_migrations", Columns::new("filename"));
    let adoption = mapped(&migrator, &source, claims, false);
    let md5_verified = Outcome::Adopted(Check::Verified { algorithm: "md5" });
    assert_eq!(adoption.lines[0].outcome, md5_verified);
    assert_eq!(adoption.lines[1].outcome, md5_verified);
    assert!(matches!(
        adoption.lines[2].outcome,
        Outcome::Mismatch {
            algorithm: "md5",
            ..
        }
    ));
    let [problem] = problems(&adoption).try_into().expect("one problem");
    assert!(
        problem.contains("is not the script the home-made runner applied"),
        "{problem}"
    );
}
