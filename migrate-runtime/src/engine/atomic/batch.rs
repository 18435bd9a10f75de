//! Atomic mode where the database takes batches (PostgreSQL): many migrations per round trip
//! inside the one transaction, each with its timeouts and its tracking row, and a failure
//! still placed in its own file — by the database's error position in the batch, else by the
//! statements that completed before it.

use std::time::Instant;

use super::super::apply::insert;
use super::super::held::Held;
use super::super::validate::Plan;
use super::super::{locate, statements, Chains};
use super::Timeouts;
use crate::driver::{tracking, Driver};
use crate::error::{Error, Subject};
use crate::report::Applied;
use crate::table::Migration;

/// A batch closes once it holds this many bytes of SQL (a migration larger than this goes
/// alone): a few round trips for thousands of migrations, and a bounded query string.
const BATCH_BYTES: usize = 1 << 20;

/// One migration's place in a batch.
struct Part<'m> {
    m: &'m Migration,
    /// Characters of the batch before the part, and before its script.
    start: usize,
    shift: usize,
    /// Statements of the batch before the part, and before its script.
    first: usize,
    before: usize,
}

/// A batch being written.
#[derive(Default)]
struct Batch<'m> {
    sql: String,
    chars: usize,
    statements: usize,
    parts: Vec<Part<'m>>,
}

impl<'m> Batch<'m> {
    /// Appends `m`: a mark its row's duration is counted from, its timeouts (`guard`, of
    /// `guard_statements` statements), its script and its tracking row.
    fn push<DB: Driver>(
        &mut self,
        m: &'m Migration,
        (guard, guard_statements): (&str, usize),
        row: &str,
    ) {
        let head = format!("{};\n{guard}", DB::BATCH_MARK);
        let (start, first) = (self.chars, self.statements);
        let shift = start + head.chars().count();
        let before = first + 1 + guard_statements;
        let text = format!("{head}{}\n;\n{row};\n", m.up_sql());
        self.chars += text.chars().count();
        self.statements = before + statements(m.up_sql(), DB::DIALECT).len() + 1;
        self.sql.push_str(&text);
        self.parts.push(Part {
            m,
            start,
            shift,
            first,
            before,
        });
    }

    /// The part a failure belongs to: the one the error position falls in, else the one
    /// whose statements were running when `completed` of the batch's had completed.
    fn failed(&self, position: Option<usize>, completed: usize) -> Option<&Part<'m>> {
        let after = match position {
            Some(position) => self.parts.partition_point(|p| p.start <= position),
            None => self.parts.partition_point(|p| p.first <= completed),
        };
        self.parts.get(after.checked_sub(1)?)
    }
}

/// Applies `plan.pending` in the open transaction, in batches; the caller commits or rolls
/// back. A report's durations are each batch's time shared among its migrations; the
/// tracking rows hold each migration's own (from its mark).
pub(super) async fn apply<DB: Driver>(
    conn: &mut DB::Connection,
    held: &Held,
    plan: &Plan<'_>,
    chains: &Chains<'_>,
) -> Result<Vec<Applied>, Error> {
    let mut applied = Vec::with_capacity(plan.pending.len());
    let mut timeouts = Timeouts::default();
    let mut next = 0;
    while next < plan.pending.len() {
        let started = Instant::now();
        let mut batch = Batch::default();
        while let Some(&m) = plan.pending.get(next) {
            if !batch.parts.is_empty() && batch.sql.len() + m.up_sql().len() > BATCH_BYTES {
                break;
            }
            next += 1;
            let guard_sql = timeouts.of::<DB>(held, conn, m.up()).await?;
            let row = insert(m, chains.of(m)?, DB::BATCH_SINCE_MARK_MS, true);
            let row = tracking::write_sql::<DB>(&held.table, row);
            batch.push::<DB>(m, (&guard_sql.begin, guard_sql.statements), &row);
        }
        if let Err((completed, e)) = DB::exec_counted(conn, &batch.sql).await {
            return Err(match batch.failed(DB::error_position(&e), completed) {
                Some(part) => {
                    let subject = Subject::Migration(part.m.version());
                    locate::in_batch::<DB>(
                        subject,
                        part.m.up(),
                        (completed, e),
                        part.shift,
                        part.before,
                    )
                }
                None => e.into(),
            });
        }
        let share = started.elapsed() / u32::try_from(batch.parts.len()).unwrap_or(u32::MAX);
        applied.extend(batch.parts.iter().map(|p| Applied {
            version: p.m.version(),
            name: p.m.name().to_owned(),
            duration: share,
        }));
    }
    Ok(applied)
}
