//! Every outcome of validation, on tracking rows made by hand.

use migrate_core::checksum::{chain, checksum, CHAIN_START};
use migrate_core::split::Dialect;

use super::*;
use crate::table::Amendment;

/// A set of plain migrations `m/<v>_m<v>.sql`, with `no_tx` marking no-transaction ones.
fn set_with(specs: &[(i64, &str, bool)], amendments: Vec<Amendment>) -> Migrator {
    let mut head = CHAIN_START;
    let migrations = specs
        .iter()
        .map(|&(version, sql, no_tx)| {
            let prefix = format!("m/{version}_");
            let file = format!("{prefix}m{version}.sql");
            let name_start = u16::try_from(prefix.len()).unwrap_or(0);
            let name_end = u16::try_from(file.len() - ".sql".len()).unwrap_or(0);
            let transaction = if no_tx {
                Transaction::Disabled
            } else {
                Transaction::Wrapped
            };
            let len = u16::try_from(file.len()).unwrap_or(0);
            let up = Script::owned(format!("{file}{sql}"), (1, len), transaction, 0);
            head = chain(&head, version, &checksum(sql));
            Migration::owned(
                Version::__checked(version),
                up,
                None,
                checksum(sql),
                name_start..name_end,
            )
        })
        .collect();
    Migrator::owned(migrations, amendments, Vec::new(), head)
}

/// `migrator` with repeatable migrations `m/repeatable/<name>.sql`, given in name order.
pub(crate) fn with_repeatables(migrator: &Migrator, specs: &[(&str, &str, bool)]) -> Migrator {
    let repeatables: Vec<crate::table::Repeatable> = specs
        .iter()
        .map(|&(name, sql, no_tx)| {
            let file = format!("m/repeatable/{name}.sql");
            let start = u16::try_from("m/repeatable/".len()).unwrap_or(0);
            let end = start + u16::try_from(name.len()).unwrap_or(0);
            let transaction = if no_tx {
                Transaction::Disabled
            } else {
                Transaction::Wrapped
            };
            let len = u16::try_from(file.len()).unwrap_or(0);
            let script = Script::owned(format!("{file}{sql}"), (1, len), transaction, 0);
            crate::table::Repeatable::owned(script, checksum(sql), start..end)
        })
        .collect();
    let versioned = migrator.chains().last().unwrap_or(CHAIN_START);
    let head = repeatables.iter().fold(versioned, |c, r| {
        migrate_core::checksum::chain_repeatable(&c, r.name(), r.checksum())
    });
    Migrator::owned(
        migrator.migrations().to_vec(),
        migrator.amendments().to_vec(),
        repeatables,
        head,
    )
}

pub(crate) fn set(specs: &[(i64, &str)]) -> Migrator {
    let specs: Vec<(i64, &str, bool)> = specs.iter().map(|&(v, s)| (v, s, false)).collect();
    set_with(&specs, Vec::new())
}

const RULES: Rules<'static> = Rules {
    allow_missing: false,
    allow_out_of_order: false,
    resume: false,
    dialect: Dialect::Postgres,
    transactional_ddl: true,
    table: "_migrations",
};

/// The rows a database holds after applying `versions` of `migrator` in order.
pub(crate) fn applied(migrator: &Migrator, versions: &[i64]) -> Vec<Row> {
    versions
        .iter()
        .map(|&v| {
            let m = migrator
                .get(Version::__checked(v))
                .unwrap_or_else(|| panic!("no migration {v}"));
            Row {
                version: v,
                name: m.name().to_owned(),
                checksum: m.checksum().to_vec(),
                chain: migrator
                    .chain_of(m.version())
                    .map(|c| c.to_vec())
                    .unwrap_or_default(),
                success: true,
                ..Row::default()
            }
        })
        .collect()
}

fn pending(plan: &Plan<'_>) -> Vec<i64> {
    plan.pending.iter().map(|m| m.version().get()).collect()
}

pub(crate) fn newest(rows: &[Row]) -> Newest {
    rows.last().map_or(Newest::Empty, |r| Newest::Row {
        version: r.version,
        chain: r.chain.clone(),
        success: r.success,
    })
}

#[test]
fn up_to_date_when_the_newest_row_carries_the_head_chain() {
    let m = set(&[(1, "a;"), (2, "b;")]);
    let rows = applied(&m, &[1, 2]);
    assert!(up_to_date(&m, &newest(&rows), None));
    assert!(!up_to_date(&m, &newest(&rows[..1]), None));
    assert!(up_to_date(
        &m,
        &newest(&rows[..1]),
        Some(Version::__checked(1))
    ));
    assert!(!up_to_date(&m, &Newest::NoTable, None));
    assert!(up_to_date(&set(&[]), &Newest::Empty, None));
    // the same versions applied from other content: another chain
    let other = set(&[(1, "a;"), (2, "changed;")]);
    assert!(!up_to_date(&other, &newest(&rows), None));
    let mut dirty = rows.clone();
    dirty[1].success = false;
    assert!(!up_to_date(&m, &newest(&dirty), None));
    let check = check(&m, &RULES, &rows, None).map(|p| pending(&p));
    assert_eq!(check.ok(), Some(vec![]));
}

#[test]
fn the_head_chain_covers_the_repeatable_migrations() {
    let plain = set(&[(1, "a;"), (2, "b;")]);
    let m = with_repeatables(&plain, &[("grants", "g;", true), ("views", "v;", false)]);
    let mut rows = applied(&m, &[1, 2]);
    // the versioned chain alone: the repeatable migrations are not applied yet
    assert!(!up_to_date(&m, &newest(&rows), None));
    assert!(!up_to_date(&m, &newest(&rows), Some(Version::__checked(2))));
    assert!(up_to_date(
        &m,
        &newest(&rows[..1]),
        Some(Version::__checked(1))
    ));
    // sealed over their checksums: one row says everything is applied
    let sealed = m.sealed(&m.chain_of(Version::__checked(2)).unwrap_or(CHAIN_START));
    assert_eq!(&sealed, m.head_chain());
    rows[1].chain = sealed.to_vec();
    assert!(up_to_date(&m, &newest(&rows), None));
    // another content of one of them, or a revert to an older one: another head
    let edited = with_repeatables(&plain, &[("grants", "g;", true), ("views", "v2;", false)]);
    assert!(!up_to_date(&edited, &newest(&rows), None));
    // a set of repeatable migrations alone has no row to seal: it always looks
    let only = with_repeatables(&set(&[]), &[("views", "v;", false)]);
    assert!(!up_to_date(&only, &Newest::Empty, None));
    // a sealed head still tells a deleted row from a late merge
    let later = with_repeatables(
        &set(&[(1, "a;"), (2, "b;")]),
        &[("grants", "g;", true), ("views", "v;", false)],
    );
    let gap = vec![rows[1].clone()];
    let error = check(&later, &RULES, &gap, None).err();
    assert!(matches!(error, Some(Error::Unrecorded { .. })), "{error:?}");
    // complete: once applied, every migration is; with a target below one, not
    let partial = applied(&m, &[1]);
    assert!(check(&m, &RULES, &partial, None).is_ok_and(|p| p.complete));
    let to_1 = check(&m, &RULES, &partial, Some(Version::__checked(1)));
    assert!(to_1.is_ok_and(|p| !p.complete));
}

#[test]
fn pending_migrations_follow_the_applied_ones_up_to_the_target() {
    let m = set(&[(1, "a;"), (2, "b;"), (3, "c;")]);
    let rows = applied(&m, &[1]);
    let plan = check(&m, &RULES, &rows, None).map(|p| pending(&p));
    assert_eq!(plan.ok(), Some(vec![2, 3]));
    let plan = check(&m, &RULES, &rows, Some(Version::__checked(2))).map(|p| pending(&p));
    assert_eq!(plan.ok(), Some(vec![2]));
}

#[test]
fn an_edited_migration_is_refused_with_both_checksums() {
    let before = set(&[(1, "a;"), (2, "b;")]);
    let rows = applied(&before, &[1, 2]);
    let after = set(&[(1, "a;"), (2, "b; -- edited")]);
    match check(&after, &RULES, &rows, None) {
        Err(Error::ChecksumMismatch {
            version,
            applied,
            embedded,
            ..
        }) => {
            assert_eq!(version.get(), 2);
            assert_eq!(applied, to_hex(&checksum("b;")));
            assert_eq!(embedded, to_hex(&checksum("b; -- edited")));
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn an_amended_migration_takes_its_new_checksum() {
    let before = set(&[(1, "a;")]);
    let rows = applied(&before, &[1]);
    let amendment = Amendment::__new(1, checksum("a;"), checksum("a; -- fixed"));
    let after = set_with(&[(1, "a; -- fixed", false)], vec![amendment]);
    let plan = check(&after, &RULES, &rows, None).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(plan.amended.len(), 1);
    // an amendment from other content does not cover this database's
    let other = Amendment::__new(1, checksum("x;"), checksum("a; -- fixed"));
    let after = set_with(&[(1, "a; -- fixed", false)], vec![other]);
    assert!(matches!(
        check(&after, &RULES, &rows, None),
        Err(Error::ChecksumMismatch { .. })
    ));
}

#[test]
fn a_migration_the_set_lacks_is_missing_unless_allowed() {
    let newer = set(&[(1, "a;"), (2, "b;")]);
    let rows = applied(&newer, &[1, 2]);
    let older = set(&[(1, "a;")]);
    assert!(matches!(
        check(&older, &RULES, &rows, None),
        Err(Error::Missing { version, .. }) if version.get() == 2
    ));
    let rules = Rules {
        allow_missing: true,
        ..RULES
    };
    assert!(check(&older, &rules, &rows, None).is_ok());
}

#[test]
fn a_pending_migration_below_the_newest_is_out_of_order_or_unrecorded() {
    // merged late: 2 was not in the set that applied 3
    let applied_set = set(&[(1, "a;"), (3, "c;")]);
    let rows = applied(&applied_set, &[1, 3]);
    let merged = set(&[(1, "a;"), (2, "b;"), (3, "c;")]);
    assert!(matches!(
        check(&merged, &RULES, &rows, None),
        Err(Error::OutOfOrder { version, newest, .. }) if version.get() == 2 && newest.get() == 3
    ));
    let rules = Rules {
        allow_out_of_order: true,
        ..RULES
    };
    let plan = check(&merged, &rules, &rows, None).map(|p| pending(&p));
    assert_eq!(plan.ok(), Some(vec![2]));
    // the row of 2 was deleted: the chain of 3 covers 2
    let mut rows = applied(&merged, &[1, 2, 3]);
    rows.remove(1);
    assert!(matches!(
        check(&merged, &RULES, &rows, None),
        Err(Error::Unrecorded { version, .. }) if version.get() == 2
    ));
}

#[test]
fn a_dirty_migration_stops_the_run_or_is_resumed() {
    let m = set_with(&[(1, "a;", false), (2, "x; y; z;", true)], Vec::new());
    let mut rows = applied(&m, &[1, 2]);
    rows[1].success = false;
    rows[1].statements_done = 1;
    match check(&m, &RULES, &rows, None) {
        Err(Error::Dirty {
            version,
            done,
            total,
            ..
        }) => assert_eq!((version.get(), done, total), (2, 1, 3)),
        other => panic!("{other:?}"),
    }
    let rules = Rules {
        resume: true,
        ..RULES
    };
    let plan = check(&m, &rules, &rows, None).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        plan.resume.map(|(m, done)| (m.version().get(), done)),
        Some((2, 1))
    );
}

#[test]
fn transaction_control_in_a_transactional_script_is_refused() {
    let m = set(&[(
        1,
        "create table a (x int);\ncommit;\ncreate table b (x int);",
    )]);
    match check(&m, &RULES, &[], None) {
        Err(Error::TransactionControl {
            line, statement, ..
        }) => assert_eq!((line, statement.as_str()), (2, "COMMIT")),
        other => panic!("{other:?}"),
    }
    // statement by statement (no-transaction, or MySQL) it is the author's business
    let no_tx = set_with(&[(1, "begin; select 1; commit;", true)], Vec::new());
    assert!(check(&no_tx, &RULES, &[], None).is_ok());
    let mysql = Rules {
        transactional_ddl: false,
        ..RULES
    };
    assert!(check(&m, &mysql, &[], None).is_ok());
}

#[test]
fn a_negative_version_row_is_refused() {
    let m = set(&[(1, "a;")]);
    let rows = vec![Row {
        version: -3,
        success: true,
        ..Row::default()
    }];
    assert!(matches!(
        check(&m, &RULES, &rows, None),
        Err(Error::InvalidRow { version: -3, .. })
    ));
}
