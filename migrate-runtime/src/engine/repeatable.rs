//! Repeatable migrations in a run: after every versioned migration, each one whose checksum
//! differs from the one its row holds is applied again, in name order — a revert to an older
//! content included, since only equality counts. A transactional one is applied with its row
//! in one transaction (a failure leaves the row as it was, so the next run tries again); the
//! others statement by statement, leaving a dirty row that `resume` continues.

use std::time::Instant;

use super::held::Held;
use super::script::{in_transaction, one_by_one, Work};
use super::validate::file_position;
use super::{restore_after_failure, statements, validate, Cx};
use crate::driver::repeatable::{self, Applied};
use crate::driver::Driver;
use crate::error::{Error, Subject};
use crate::report::{Progress, RepeatableApplied};
use crate::table::{Migrator, Repeatable, Transaction};

/// The repeatable migrations a run applies, each with the statements done of a dirty one it
/// resumes; and whether their table exists yet.
#[derive(Debug, Default)]
pub(crate) struct Planned<'m> {
    steps: Vec<(&'m Repeatable, Option<usize>)>,
    table_exists: bool,
}

impl Planned<'_> {
    pub fn len(&self) -> usize {
        self.steps.len()
    }
}

/// Under the lock: reads the rows and works out what to apply (see [`decide`]).
pub(crate) async fn plan<'m, DB: Driver>(
    cx: Cx<'m>,
    conn: &mut DB::Connection,
    held: &Held,
) -> Result<Planned<'m>, Error> {
    if cx.migrator.repeatables().is_empty() {
        return Ok(Planned::default());
    }
    let rows = held.repeatables::<DB>(conn).await?;
    Ok(Planned {
        table_exists: rows.is_some(),
        steps: decide(
            cx.migrator,
            rows.as_deref().unwrap_or_default(),
            cx.options.resume,
            DB::DIALECT,
        )?,
    })
}

/// Which repeatable migrations to apply, by their rows: those without one, those whose row
/// holds another checksum, and a dirty one (with `resume`: from where it stopped when its
/// statements done are unchanged, else from its first statement; without: an error).
pub(crate) fn decide<'m>(
    migrator: &'m Migrator,
    rows: &[Applied],
    resume: bool,
    dialect: migrate_core::split::Dialect,
) -> Result<Vec<(&'m Repeatable, Option<usize>)>, Error> {
    let mut out = Vec::new();
    for r in migrator.repeatables() {
        let Some(row) = rows.iter().find(|row| row.name == r.name()) else {
            out.push((r, None));
            continue;
        };
        if row.success {
            if row.checksum.as_slice() != r.checksum() {
                out.push((r, None));
            }
            continue;
        }
        let done = usize::try_from(row.statements_done).unwrap_or(0);
        let statements = statements(r.sql(), dialect);
        if !resume {
            let line = statements.get(done).map_or(r.script().line(), |s| {
                file_position(r.script(), s.sql_offset()).0
            });
            return Err(Error::RepeatableDirty {
                name: r.name().to_owned(),
                file: r.script().file().to_owned(),
                done,
                total: statements.len(),
                line,
                error: row.error.clone(),
            });
        }
        let unchanged = done <= statements.len()
            && row.done_hash.as_slice() == validate::statements_hash(&statements, done);
        if !unchanged {
            tracing::warn!(name = r.name(), file = r.script().file(), done, "the statements a dirty repeatable migration applied changed: it starts over from its first statement");
        }
        out.push((r, unchanged.then_some(done)));
    }
    Ok(out)
}

/// Applies what [`plan`] found, creating the table at the first one.
pub(crate) async fn apply<DB: Driver>(
    cx: Cx<'_>,
    conn: &mut DB::Connection,
    held: &Held,
    planned: Planned<'_>,
) -> Result<Vec<RepeatableApplied>, Error> {
    let mut done = Vec::new();
    if planned.steps.is_empty() {
        return Ok(done);
    }
    if !planned.table_exists {
        // Created only when needed, and only when missing: a role with rights on an existing
        // table and none to create tables can migrate.
        let create = repeatable::create_sql::<DB>(&held.repeatable_table::<DB>());
        DB::exec(conn, &create).await?;
    }
    for (r, resume_from) in planned.steps {
        cx.progress(Progress::RepeatableStarted { name: r.name() });
        tracing::info!(
            name = r.name(),
            file = r.script().file(),
            "applying repeatable migration"
        );
        let start = Instant::now();
        let work = Work::Repeatable(r);
        let result = if resume_from.is_none()
            && r.transaction() == Transaction::Wrapped
            && DB::TRANSACTIONAL_DDL
        {
            let record = |ms: &str| work.start::<DB>(held, ms, true);
            let subject = Subject::Repeatable(r.name());
            in_transaction::<DB>(conn, held, subject, r.script(), &record).await
        } else {
            one_by_one::<DB>(conn, held, work, resume_from)
                .await
                .map(|_| ())
        };
        if result.is_err() {
            restore_after_failure::<DB>(conn, &held.restore).await;
        }
        result?;
        let applied = RepeatableApplied {
            name: r.name().to_owned(),
            file: r.script().file().to_owned(),
            duration: start.elapsed(),
        };
        cx.progress(Progress::RepeatableDone(&applied));
        done.push(applied);
    }
    Ok(done)
}

#[cfg(test)]
mod tests {
    use migrate_core::checksum::checksum;
    use migrate_core::split::Dialect;

    use super::*;
    use crate::engine::validate::tests::{set, with_repeatables};

    fn row(name: &str, sql: &str, success: bool, done: i64) -> Applied {
        Applied {
            name: name.to_owned(),
            checksum: checksum(sql).to_vec(),
            success,
            statements_done: done,
            ..Applied::default()
        }
    }

    fn names(steps: &[(&Repeatable, Option<usize>)]) -> Vec<(String, Option<usize>)> {
        steps
            .iter()
            .map(|(r, d)| (r.name().to_owned(), *d))
            .collect()
    }

    #[test]
    fn new_changed_and_reverted_ones_are_applied() {
        let m = with_repeatables(
            &set(&[(1, "a;")]),
            &[("a", "a2;", false), ("b", "b;", false), ("c", "c;", false)],
        );
        // a: went back from a3 to a2 (a revert is a change); b: as applied; c: new
        let rows = [
            row("a", "a3;", true, 0),
            row("b", "b;", true, 0),
            row("gone", "x;", true, 0),
        ];
        let steps = decide(&m, &rows, false, Dialect::Postgres);
        assert_eq!(
            steps.map(|s| names(&s)).ok(),
            Some(vec![("a".into(), None), ("c".into(), None)])
        );
    }

    #[test]
    fn a_dirty_one_stops_the_run_or_resumes() {
        let sql = "select 1;\nselect 2;\nselect 3;\n";
        let m = with_repeatables(&set(&[]), &[("v", sql, true)]);
        let statements = crate::engine::statements(sql, Dialect::Postgres);
        let mut dirty = row("v", sql, false, 2);
        dirty.error = Some("boom".into());
        dirty.done_hash = validate::statements_hash(&statements, 2).to_vec();
        match decide(&m, std::slice::from_ref(&dirty), false, Dialect::Postgres) {
            Err(Error::RepeatableDirty {
                name,
                done,
                total,
                line,
                ..
            }) => assert_eq!((name.as_str(), done, total, line), ("v", 2, 3, 3)),
            other => panic!("{other:?}"),
        }
        let resumed = decide(&m, std::slice::from_ref(&dirty), true, Dialect::Postgres);
        assert_eq!(
            resumed.map(|s| names(&s)).ok(),
            Some(vec![("v".into(), Some(2))])
        );
        // the statements done changed since: it starts over
        dirty.done_hash = vec![0; 32];
        let over = decide(&m, &[dirty], true, Dialect::Postgres);
        assert_eq!(over.map(|s| names(&s)).ok(), Some(vec![("v".into(), None)]));
    }
}
