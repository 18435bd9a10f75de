//! The algorithm, the same on every database: fast path, lock, validate, apply.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use migrate_core::checksum::to_hex;
use migrate_core::split::{self, Statement};

use crate::driver::{links, Conn, Driver, Newest, Row, Table, Write, BATCH_BEGIN};
use crate::error::Error;
use crate::runner::{Options, Runner};
use crate::status::{Applied, MigrationStatus, Report, State, Step};
use crate::table::{Migration, Migrator, Script, Transaction, Version};

/// The tracking table of `options`, validated and quoted for `DB`.
fn table<DB: Driver>(options: &Options) -> Result<Table, Error> {
    let check = |what: &str, name: &str| {
        if name.is_empty() || name.len() > 63 || name.contains('\0') {
            Err(Error::Refused(format!(
                "the tracking table's {what} `{name}` is not usable: give 1 to 63 bytes without NUL"
            )))
        } else {
            Ok(())
        }
    };
    check("name", &options.table)?;
    let quoted = DB::quote(&options.table);
    match &options.schema {
        Some(schema) => {
            check("schema", schema)?;
            Ok(Table {
                sql: format!("{}.{quoted}", DB::quote(schema)),
                key: format!("{schema}.{}", options.table),
                qualified: true,
            })
        }
        None => Ok(Table {
            sql: quoted,
            key: options.table.clone(),
            qualified: false,
        }),
    }
}

fn millis(d: Duration) -> i64 {
    i64::try_from(d.as_millis()).unwrap_or(i64::MAX)
}

/// The statements a script runs one by one, without blank pieces.
fn statements<DB: Driver>(sql: &str) -> Vec<Statement<'_>> {
    split::split(sql, DB::DIALECT)
        .into_iter()
        .filter(|s| !s.is_blank())
        .collect()
}

/// `run` and `run_to`.
pub(crate) async fn run<DB: Driver>(
    runner: &Runner<'_>,
    conn: &mut Conn<'_, DB>,
    target: Option<Version>,
) -> Result<Report, Error> {
    let migrator = runner.migrator;
    if let Some(target) = target {
        migrator
            .get(target)
            .ok_or(Error::UnknownVersion { version: target })?;
    }
    let table = table::<DB>(&runner.options)?;
    if up_to_date(migrator, DB::newest(conn.get(), &table).await?, target) {
        return Ok(Report::default());
    }
    let lock = lock(runner, conn, &table).await?;
    let result = apply::<DB>(runner, conn.get(), &table, target).await;
    release(conn, &table, lock, result).await
}

/// The fast path: whether the newest row proves there is nothing to do.
fn up_to_date(migrator: &Migrator, newest: Newest, target: Option<Version>) -> bool {
    let Newest::Row {
        version,
        chain,
        success: true,
    } = newest
    else {
        return migrator.migrations().is_empty() && matches!(newest, Newest::Empty);
    };
    let version = Version::new(version);
    let at_head = migrator.head().map(Migration::version) == Some(version);
    // The chain covers every version and checksum up to this one: equal chains mean the
    // history applied was exactly the embedded one.
    if at_head {
        return target.is_none_or(|target| target <= version)
            && chain.as_slice() == migrator.head_chain();
    }
    // `run_to` a version at or below a database that is not at the head: the table stores
    // only the head's chain, so hash the checksums up to the database's version.
    match target {
        Some(target) if target <= version => migrator
            .chain_of(version)
            .is_some_and(|expected| chain.as_slice() == expected),
        _ => false,
    }
}

/// The chain at every migration of the set, hashed once per run that has work to do (the
/// table stores only the head's, which is all the fast path needs).
struct Chains<'m> {
    migrator: &'m Migrator,
    chains: Vec<[u8; 32]>,
}

impl<'m> Chains<'m> {
    fn new(migrator: &'m Migrator) -> Self {
        Self {
            migrator,
            chains: migrator.chains().collect(),
        }
    }

    fn of(&self, m: &Migration) -> Result<&[u8; 32], Error> {
        self.migrator
            .index(m.version())
            .and_then(|i| self.chains.get(i))
            .ok_or(Error::UnknownVersion {
                version: m.version(),
            })
    }
}

/// Takes the migration lock unless locking is off.
async fn lock<DB: Driver>(
    runner: &Runner<'_>,
    conn: &mut Conn<'_, DB>,
    table: &Table,
) -> Result<Option<DB::Lock>, Error> {
    if !runner.options.locking {
        return Ok(None);
    }
    if DB::SESSION_LOCK {
        conn.close_on_drop();
    }
    Ok(Some(
        DB::lock(conn.get(), table, runner.options.lock_timeout).await?,
    ))
}

/// Releases the lock, whatever `result` is; the body's error wins over the release's.
async fn release<DB: Driver, T>(
    conn: &mut Conn<'_, DB>,
    table: &Table,
    lock: Option<DB::Lock>,
    result: Result<T, Error>,
) -> Result<T, Error> {
    let released = match lock {
        Some(lock) => DB::unlock(conn.get(), table, lock).await,
        None => Ok(()),
    };
    let value = result?;
    released?;
    Ok(value)
}

/// Creates the tracking table if needed and reads it.
async fn history<DB: Driver>(conn: &mut DB::Connection, table: &Table) -> Result<Vec<Row>, Error> {
    DB::exec(conn, &DB::create_table_sql(&table.sql)).await?;
    Ok(DB::history(conn, table).await?)
}

/// What a run does: record reviewed edits (`migrate lock --amend`) of applied migrations,
/// resume a dirty migration, then apply the pending ones in order.
struct Plan<'m> {
    amended: Vec<(&'m Migration, i64)>,
    resume: Option<(&'m Migration, usize)>,
    pending: Vec<&'m Migration>,
}

/// Validates the applied history against the set and works out what is pending.
fn check<'m, DB: Driver>(
    runner: &Runner<'m>,
    rows: &[Row],
    target: Option<Version>,
) -> Result<Plan<'m>, Error> {
    let migrator = runner.migrator;
    let options = &runner.options;
    let mut resume = None;
    let mut amended = Vec::new();
    for row in rows {
        let Some(m) = migrator.get(Version::new(row.version)) else {
            if options.allow_missing {
                continue;
            }
            return Err(Error::Missing {
                version: Version::new(row.version),
                name: row.name.clone(),
            });
        };
        if !row.success {
            let done = usize::try_from(row.statements_done).unwrap_or(0);
            if options.resume {
                resume = Some((m, done));
                continue;
            }
            return Err(dirty::<DB>(m, done, row.error.clone()));
        }
        if row.checksum.as_slice() != m.checksum() {
            // Only the content the amendment declares as the old one may be replaced; any
            // other difference is still an edit.
            if migrator.is_amended(m, &row.checksum) {
                amended.push((m, row.duration_ms));
                continue;
            }
            return Err(Error::ChecksumMismatch {
                version: m.version(),
                file: m.up().file().to_owned(),
                applied: hex(&row.checksum),
                embedded: to_hex(m.checksum()),
            });
        }
    }
    let recorded: BTreeMap<i64, &Row> = rows.iter().map(|r| (r.version, r)).collect();
    let newest = rows.iter().filter(|r| r.success).max_by_key(|r| r.version);
    // The newest row carries the chain of the set it was applied with: when that equals this
    // set's chain there, every older migration of this set was applied before it.
    let covers_older = |row: &Row| {
        migrator
            .chain_of(Version::new(row.version))
            .is_some_and(|chain| row.chain.as_slice() == chain)
    };
    let mut pending = Vec::new();
    for m in migrator.migrations() {
        if recorded.contains_key(&m.version().get()) || target.is_some_and(|t| m.version() > t) {
            continue;
        }
        if let Some(row) = newest.filter(|n| n.version > m.version().get()) {
            if !options.allow_out_of_order {
                let (version, file) = (m.version(), m.up().file().to_owned());
                let newest = Version::new(row.version);
                return Err(if covers_older(row) {
                    Error::Unrecorded {
                        version,
                        file,
                        newest,
                    }
                } else {
                    Error::OutOfOrder {
                        version,
                        file,
                        newest,
                    }
                });
            }
        }
        pending.push(m);
    }
    Ok(Plan {
        amended,
        resume,
        pending,
    })
}

fn hex(bytes: &[u8]) -> String {
    <[u8; 32]>::try_from(bytes).map_or_else(|_| format!("{bytes:?}"), |d| to_hex(&d))
}

fn dirty<DB: Driver>(m: &Migration, done: usize, error: Option<String>) -> Error {
    let script = m.up();
    let statements = statements::<DB>(script.sql());
    let line = statements
        .get(done)
        .map_or(script.line(), |s| file_position(script, s.sql_offset()).0);
    Error::Dirty {
        version: m.version(),
        file: script.file().to_owned(),
        done,
        total: statements.len(),
        line,
        error,
    }
}

/// The file line and column of a byte offset in a script.
fn file_position(script: &Script, offset: usize) -> (u32, u32) {
    let (line, column) = split::line_col(script.sql(), offset);
    (script.line().saturating_add(line - 1), column)
}

/// Creates the table, validates, applies; under the lock.
async fn apply<DB: Driver>(
    runner: &Runner<'_>,
    conn: &mut DB::Connection,
    table: &Table,
    target: Option<Version>,
) -> Result<Report, Error> {
    let rows = history::<DB>(conn, table).await?;
    let plan = check::<DB>(runner, &rows, target)?;
    let chains = Chains::new(runner.migrator);
    for (m, duration_ms) in &plan.amended {
        tracing::warn!(version = %m.version(), file = m.up().file(), "recording a reviewed edit (lock amendment): the database takes the new checksum");
        let write = Write::Finish {
            version: m.version().get(),
            checksum: m.checksum(),
            chain: chains.of(m)?,
            duration_ms: *duration_ms,
        };
        DB::write(conn, table, write).await?;
    }
    let mut report = Report::default();
    if runner.options.atomic && !plan.pending.is_empty() {
        report.migrations = atomic::<DB>(conn, table, &plan, &chains).await?;
    } else {
        if let Some((m, done)) = plan.resume {
            report
                .migrations
                .push(one_by_one::<DB>(conn, table, m, &chains, Some(done)).await?);
        }
        for m in &plan.pending {
            let chain = chains.of(m)?;
            let applied = if m.transaction() == Transaction::Wrapped && DB::TRANSACTIONAL_DDL {
                wrapped::<DB>(conn, table, m, chain).await?
            } else {
                one_by_one::<DB>(conn, table, m, &chains, None).await?
            };
            report.migrations.push(applied);
        }
    }
    reseal::<DB>(conn, table).await?;
    Ok(report)
}

/// After out-of-order or forced rows, chains no longer follow from the rows below them (each
/// was written with the set of its day), which would keep the fast path off for good. Every
/// checksum was just validated, so rewrite each chain from the rows themselves.
async fn reseal<DB: Driver>(conn: &mut DB::Connection, table: &Table) -> Result<(), Error> {
    let rows = DB::history(conn, table).await?;
    for (version, expected, stored) in links(&rows) {
        let Some(chain) = expected else { break };
        if stored != chain.as_slice() {
            DB::write(
                conn,
                table,
                Write::Reseal {
                    version,
                    chain: &chain,
                },
            )
            .await?;
        }
    }
    Ok(())
}

fn insert<'a>(
    m: &'a Migration,
    chain: &'a [u8; 32],
    duration: Duration,
    success: bool,
) -> Write<'a> {
    Write::Insert {
        version: m.version().get(),
        name: m.name(),
        checksum: m.checksum(),
        chain,
        duration_ms: millis(duration),
        success,
    }
}

/// A transactional migration: its script and its row commit together.
async fn wrapped<DB: Driver>(
    conn: &mut DB::Connection,
    table: &Table,
    m: &Migration,
    chain: &[u8; 32],
) -> Result<Applied, Error> {
    tracing::info!(version = %m.version(), file = m.up().file(), "applying migration");
    let start = Instant::now();
    let record = DB::insert_sql(table, m.version().get(), m.name(), m.checksum(), chain);
    if let Some(insert) = record {
        // One round trip: the script and its row in one transaction, sent as one batch.
        let batch = format!("{BATCH_BEGIN}{}\n;\n{insert};\nCOMMIT;", m.up_sql());
        if let Err(e) = DB::exec(conn, &batch).await {
            // The batch may have opened its transaction before failing; there may be none.
            let _ = DB::exec(conn, "ROLLBACK").await;
            return Err(locate::<DB>(conn, m.version(), m.up(), &e, BATCH_BEGIN.len()).await);
        }
        return Ok(Applied {
            version: m.version(),
            name: m.name().to_owned(),
            duration: start.elapsed(),
        });
    }
    DB::exec(conn, "BEGIN").await?;
    if let Err(e) = DB::exec(conn, m.up_sql()).await {
        DB::exec(conn, "ROLLBACK").await?;
        return Err(locate::<DB>(conn, m.version(), m.up(), &e, 0).await);
    }
    let duration = start.elapsed();
    if let Err(e) = DB::write(conn, table, insert(m, chain, duration, true)).await {
        DB::exec(conn, "ROLLBACK").await?;
        return Err(e.into());
    }
    DB::exec(conn, "COMMIT").await?;
    Ok(Applied {
        version: m.version(),
        name: m.name().to_owned(),
        duration,
    })
}

/// All pending migrations in one transaction.
async fn atomic<DB: Driver>(
    conn: &mut DB::Connection,
    table: &Table,
    plan: &Plan<'_>,
    chains: &Chains<'_>,
) -> Result<Vec<Applied>, Error> {
    if !DB::TRANSACTIONAL_DDL {
        return Err(Error::Refused(format!(
            "atomic mode is not possible on {}: its DDL statements commit on their own; run without atomic",
            <DB as Driver>::NAME
        )));
    }
    if let Some((m, _)) = plan.resume {
        return Err(Error::Refused(format!(
            "atomic mode cannot resume the dirty migration {} ({}): resume it without atomic first",
            m.version(),
            m.up().file()
        )));
    }
    if let Some(m) = plan
        .pending
        .iter()
        .find(|m| m.transaction() == Transaction::Disabled)
    {
        return Err(Error::Refused(format!(
            "atomic mode cannot include migration {} ({}): it must run outside a transaction (no-transaction); apply up to the one before it atomically, then the rest without atomic",
            m.version(),
            m.up().file()
        )));
    }
    DB::exec(conn, "BEGIN").await?;
    let mut applied = Vec::new();
    for m in &plan.pending {
        let start = Instant::now();
        let chain = chains.of(m)?;
        let record = DB::insert_sql(table, m.version().get(), m.name(), m.checksum(), chain);
        let sent = match &record {
            // the script and its row in one round trip
            Some(insert) => DB::exec(conn, &format!("{}\n;\n{insert};", m.up_sql())).await,
            None => DB::exec(conn, m.up_sql()).await,
        };
        let outcome = match sent {
            Ok(()) if record.is_some() => Ok(()),
            Ok(()) => DB::write(conn, table, insert(m, chain, start.elapsed(), true))
                .await
                .map_err(Error::from),
            Err(e) => {
                let mut error = locate_at_position::<DB>(m.version(), m.up(), &e, 0);
                if let Error::Failed { hint, message, .. } = &mut error {
                    if message.contains("shared memory")
                        || hint
                            .as_deref()
                            .is_some_and(|h| h.contains("max_locks_per_transaction"))
                    {
                        *hint = Some(format!(
                            "atomic mode holds the lock of every table it touches until the end ({} migrations so far): raise max_locks_per_transaction, or run without atomic",
                            applied.len() + 1
                        ));
                    }
                }
                Err(error)
            }
        };
        if let Err(e) = outcome {
            DB::exec(conn, "ROLLBACK").await?;
            return Err(e);
        }
        applied.push(Applied {
            version: m.version(),
            name: m.name().to_owned(),
            duration: start.elapsed(),
        });
    }
    DB::exec(conn, "COMMIT").await?;
    Ok(applied)
}

/// A migration run statement by statement, progress recorded after each, so that a failure
/// or a crash leaves a dirty row saying where to resume.
async fn one_by_one<DB: Driver>(
    conn: &mut DB::Connection,
    table: &Table,
    m: &Migration,
    chains: &Chains<'_>,
    resume_from: Option<usize>,
) -> Result<Applied, Error> {
    let script = m.up();
    let chain = chains.of(m)?;
    let version = m.version().get();
    let statements = statements::<DB>(script.sql());
    let start = Instant::now();
    match resume_from {
        Some(done) => {
            tracing::info!(version = %m.version(), file = script.file(), statement = done + 1, "resuming migration")
        }
        None => {
            tracing::info!(version = %m.version(), file = script.file(), "applying migration statement by statement");
            DB::write(conn, table, insert(m, chain, Duration::ZERO, false)).await?;
        }
    }
    for (index, statement) in statements.iter().enumerate().skip(resume_from.unwrap_or(0)) {
        if let Err(e) = DB::exec(conn, statement.sql()).await {
            let mut error = statement_error::<DB>(m.version(), script, statement, &e);
            if let Error::Failed {
                message,
                statement: progress,
                ..
            } = &mut error
            {
                *progress = Some((index, statements.len()));
                let progress = Write::Progress {
                    version,
                    statements_done: i64::try_from(index).unwrap_or(i64::MAX),
                    error: Some(message),
                };
                DB::write(conn, table, progress).await?;
            }
            return Err(error);
        }
        let done = i64::try_from(index + 1).unwrap_or(i64::MAX);
        DB::write(
            conn,
            table,
            Write::Progress {
                version,
                statements_done: done,
                error: None,
            },
        )
        .await?;
    }
    let duration = start.elapsed();
    let finish = Write::Finish {
        version,
        checksum: m.checksum(),
        chain,
        duration_ms: millis(duration),
    };
    DB::write(conn, table, finish).await?;
    Ok(Applied {
        version: m.version(),
        name: m.name().to_owned(),
        duration,
    })
}

/// A failed statement, placed in its file.
fn statement_error<DB: Driver>(
    version: Version,
    script: &Script,
    statement: &Statement<'_>,
    e: &sqlx::Error,
) -> Error {
    let within = DB::error_position(e)
        .and_then(|p| byte_of_char(statement.sql(), p))
        .unwrap_or(0);
    let (line, column) = file_position(script, statement.sql_offset() + within);
    failed::<DB>(version, script, line, column, e)
}

fn failed<DB: Driver>(
    version: Version,
    script: &Script,
    line: u32,
    column: u32,
    e: &sqlx::Error,
) -> Error {
    let message = match e {
        sqlx::Error::Database(db) => db.message().to_owned(),
        other => other.to_string(),
    };
    Error::Failed {
        version,
        file: script.file().to_owned(),
        line,
        column,
        message,
        hint: DB::error_hint(e),
        statement: None,
        undo: false,
    }
}

/// The byte index of the 0-based character `position` in `text`.
fn byte_of_char(text: &str, position: usize) -> Option<usize> {
    text.char_indices().nth(position).map(|(i, _)| i)
}

/// A failed script placed by the database's error position, if it gave one.
/// `shift` is the number of characters sent before the script (a batch's `BEGIN;`).
fn locate_at_position<DB: Driver>(
    version: Version,
    script: &Script,
    e: &sqlx::Error,
    shift: usize,
) -> Error {
    let offset = DB::error_position(e)
        .and_then(|p| p.checked_sub(shift))
        .and_then(|p| byte_of_char(script.sql(), p));
    let (line, column) = offset.map_or((script.line(), 1), |o| file_position(script, o));
    failed::<DB>(version, script, line, column, e)
}

/// A failed transactional script placed in its file: by the database's error position, or
/// else by running its statements one by one in a transaction that is rolled back, to find
/// the first that fails.
async fn locate<DB: Driver>(
    conn: &mut DB::Connection,
    version: Version,
    script: &Script,
    e: &sqlx::Error,
    shift: usize,
) -> Error {
    if DB::error_position(e).is_some() || !DB::TRANSACTIONAL_DDL {
        return locate_at_position::<DB>(version, script, e, shift);
    }
    let fallback = locate_at_position::<DB>(version, script, e, shift);
    if DB::exec(conn, "BEGIN").await.is_err() {
        return fallback;
    }
    let mut found = None;
    for statement in statements::<DB>(script.sql()) {
        if let Err(e) = DB::exec(conn, statement.sql()).await {
            found = Some(statement_error::<DB>(version, script, &statement, &e));
            break;
        }
    }
    let _ = DB::exec(conn, "ROLLBACK").await;
    found.unwrap_or(fallback)
}

/// `undo`.
pub(crate) async fn undo<DB: Driver>(
    runner: &Runner<'_>,
    conn: &mut Conn<'_, DB>,
    target: Option<Version>,
) -> Result<Report, Error> {
    if let Some(target) = target {
        runner
            .migrator
            .get(target)
            .ok_or(Error::UnknownVersion { version: target })?;
    }
    let table = table::<DB>(&runner.options)?;
    let lock = lock(runner, conn, &table).await?;
    let result = undo_locked::<DB>(runner, conn.get(), &table, target).await;
    release(conn, &table, lock, result).await
}

async fn undo_locked<DB: Driver>(
    runner: &Runner<'_>,
    conn: &mut DB::Connection,
    table: &Table,
    target: Option<Version>,
) -> Result<Report, Error> {
    let rows = history::<DB>(conn, table).await?;
    check::<DB>(runner, &rows, None)?;
    let mut steps = Vec::new();
    for row in rows
        .iter()
        .rev()
        .filter(|r| target.is_none_or(|t| r.version > t.get()))
    {
        let m = runner
            .migrator
            .get(Version::new(row.version))
            .ok_or_else(|| Error::Missing {
                version: Version::new(row.version),
                name: row.name.clone(),
            })?;
        let down = m.down().ok_or_else(|| Error::Irreversible {
            version: m.version(),
            file: m.up().file().to_owned(),
        })?;
        steps.push((m, down));
    }
    let mut report = Report::default();
    for (m, down) in steps {
        tracing::info!(version = %m.version(), file = down.file(), "undoing migration");
        let start = Instant::now();
        let delete = Write::Delete {
            version: m.version().get(),
        };
        if down.transaction() == Transaction::Wrapped && DB::TRANSACTIONAL_DDL {
            DB::exec(conn, "BEGIN").await?;
            match DB::exec(conn, down.sql()).await {
                Ok(()) => {
                    if let Err(e) = DB::write(conn, table, delete).await {
                        DB::exec(conn, "ROLLBACK").await?;
                        return Err(e.into());
                    }
                }
                Err(e) => {
                    // `locate` replays the script in a transaction of its own: leave the failed
                    // one first (PostgreSQL refuses every command in an aborted transaction,
                    // SQLite a nested BEGIN).
                    DB::exec(conn, "ROLLBACK").await?;
                    return Err(as_undo(
                        locate::<DB>(conn, m.version(), down, &e, 0).await,
                        None,
                    ));
                }
            }
            DB::exec(conn, "COMMIT").await?;
        } else {
            let statements = statements::<DB>(down.sql());
            for (index, statement) in statements.iter().enumerate() {
                if let Err(e) = DB::exec(conn, statement.sql()).await {
                    let error = statement_error::<DB>(m.version(), down, statement, &e);
                    return Err(as_undo(error, Some((index, statements.len()))));
                }
            }
            DB::write(conn, table, delete).await?;
        }
        report.migrations.push(Applied {
            version: m.version(),
            name: m.name().to_owned(),
            duration: start.elapsed(),
        });
    }
    Ok(report)
}

/// A failure of a down script: marked as one, with its progress when it ran statement by
/// statement.
fn as_undo(mut error: Error, progress: Option<(usize, usize)>) -> Error {
    if let Error::Failed {
        statement, undo, ..
    } = &mut error
    {
        *statement = progress;
        *undo = true;
    }
    error
}

/// Reads the tracking table without creating it.
async fn read_only<DB: Driver>(
    conn: &mut DB::Connection,
    table: &Table,
) -> Result<Vec<Row>, Error> {
    match DB::newest(conn, table).await? {
        Newest::NoTable => Ok(Vec::new()),
        _ => Ok(DB::history(conn, table).await?),
    }
}

/// `status`.
pub(crate) async fn status<DB: Driver>(
    runner: &Runner<'_>,
    conn: &mut Conn<'_, DB>,
) -> Result<Vec<MigrationStatus>, Error> {
    let table = table::<DB>(&runner.options)?;
    let rows = read_only::<DB>(conn.get(), &table).await?;
    let recorded: BTreeMap<i64, &Row> = rows.iter().map(|r| (r.version, r)).collect();
    let mut out: Vec<MigrationStatus> = runner
        .migrator
        .migrations()
        .iter()
        .map(|m| {
            let row = recorded.get(&m.version().get());
            let state = match row {
                None => State::Pending,
                Some(r) if !r.success => State::Dirty {
                    statements_done: usize::try_from(r.statements_done).unwrap_or(0),
                    error: r.error.clone(),
                },
                Some(r)
                    if r.checksum.as_slice() != m.checksum()
                        && !runner.migrator.is_amended(m, &r.checksum) =>
                {
                    State::Edited {
                        applied_checksum: hex(&r.checksum),
                    }
                }
                Some(_) => State::Applied,
            };
            MigrationStatus {
                version: m.version(),
                name: m.name().to_owned(),
                file: Some(m.up().file().to_owned()),
                state,
                applied_at: row.map(|r| r.applied_at.clone()),
                duration: row
                    .map(|r| Duration::from_millis(u64::try_from(r.duration_ms).unwrap_or(0))),
            }
        })
        .collect();
    for row in rows
        .iter()
        .filter(|r| runner.migrator.get(Version::new(r.version)).is_none())
    {
        out.push(MigrationStatus {
            version: Version::new(row.version),
            name: row.name.clone(),
            file: None,
            state: State::Missing,
            applied_at: Some(row.applied_at.clone()),
            duration: Some(Duration::from_millis(
                u64::try_from(row.duration_ms).unwrap_or(0),
            )),
        });
    }
    out.sort_by_key(|s| s.version);
    Ok(out)
}

/// `plan`.
pub(crate) async fn plan<DB: Driver>(
    runner: &Runner<'_>,
    conn: &mut Conn<'_, DB>,
) -> Result<Vec<Step>, Error> {
    let table = table::<DB>(&runner.options)?;
    let rows = read_only::<DB>(conn.get(), &table).await?;
    let plan = check::<DB>(runner, &rows, None)?;
    let step = |m: &Migration, sql: String, transaction| Step {
        version: m.version(),
        name: m.name().to_owned(),
        file: m.up().file().to_owned(),
        sql,
        transaction,
    };
    let mut steps = Vec::new();
    if let Some((m, done)) = plan.resume {
        let rest: Vec<&str> = statements::<DB>(m.up_sql())
            .iter()
            .skip(done)
            .map(|s| s.sql())
            .collect();
        steps.push(step(m, rest.join("\n"), Transaction::Disabled));
    }
    for m in plan.pending {
        let transaction = if DB::TRANSACTIONAL_DDL {
            m.transaction()
        } else {
            Transaction::Disabled
        };
        steps.push(step(m, m.up_sql().to_owned(), transaction));
    }
    Ok(steps)
}

/// `baseline`.
pub(crate) async fn baseline<DB: Driver>(
    runner: &Runner<'_>,
    conn: &mut Conn<'_, DB>,
    version: Version,
) -> Result<Report, Error> {
    runner
        .migrator
        .get(version)
        .ok_or(Error::UnknownVersion { version })?;
    let table = table::<DB>(&runner.options)?;
    let lock = lock(runner, conn, &table).await?;
    let result = baseline_locked::<DB>(runner, conn.get(), &table, version).await;
    release(conn, &table, lock, result).await
}

async fn baseline_locked<DB: Driver>(
    runner: &Runner<'_>,
    conn: &mut DB::Connection,
    table: &Table,
    version: Version,
) -> Result<Report, Error> {
    let rows = history::<DB>(conn, table).await?;
    if !rows.is_empty() {
        return Err(Error::Refused(format!(
            "baseline adopts an untracked database, but {} already records {} migrations: use `run`, or `force` for single versions",
            table.key,
            rows.len()
        )));
    }
    let mut report = Report::default();
    for (m, chain) in runner
        .migrator
        .migrations()
        .iter()
        .zip(runner.migrator.chains())
        .filter(|(m, _)| m.version() <= version)
    {
        DB::write(conn, table, insert(m, &chain, Duration::ZERO, true)).await?;
        report.migrations.push(Applied {
            version: m.version(),
            name: m.name().to_owned(),
            duration: Duration::ZERO,
        });
    }
    Ok(report)
}

/// `force`.
pub(crate) async fn force<DB: Driver>(
    runner: &Runner<'_>,
    conn: &mut Conn<'_, DB>,
    version: Version,
) -> Result<(), Error> {
    runner
        .migrator
        .get(version)
        .ok_or(Error::UnknownVersion { version })?;
    let table = table::<DB>(&runner.options)?;
    let lock = lock(runner, conn, &table).await?;
    let result = force_locked::<DB>(runner, conn.get(), &table, version).await;
    release(conn, &table, lock, result).await
}

async fn force_locked<DB: Driver>(
    runner: &Runner<'_>,
    conn: &mut DB::Connection,
    table: &Table,
    version: Version,
) -> Result<(), Error> {
    let m = runner
        .migrator
        .get(version)
        .ok_or(Error::UnknownVersion { version })?;
    let chain = runner
        .migrator
        .chain_of(version)
        .ok_or(Error::UnknownVersion { version })?;
    let rows = history::<DB>(conn, table).await?;
    let write = if rows.iter().any(|r| r.version == version.get()) {
        Write::Finish {
            version: version.get(),
            checksum: m.checksum(),
            chain: &chain,
            duration_ms: 0,
        }
    } else {
        insert(m, &chain, Duration::ZERO, true)
    };
    DB::write(conn, table, write).await?;
    tracing::warn!(version = %version, file = m.up().file(), "migration forced: recorded as applied without running it");
    reseal::<DB>(conn, table).await
}

/// `forget`.
pub(crate) async fn forget<DB: Driver>(
    runner: &Runner<'_>,
    conn: &mut Conn<'_, DB>,
    version: Version,
) -> Result<(), Error> {
    let table = table::<DB>(&runner.options)?;
    let lock = lock(runner, conn, &table).await?;
    let result = forget_locked::<DB>(runner, conn.get(), &table, version).await;
    release(conn, &table, lock, result).await
}

async fn forget_locked<DB: Driver>(
    _runner: &Runner<'_>,
    conn: &mut DB::Connection,
    table: &Table,
    version: Version,
) -> Result<(), Error> {
    history::<DB>(conn, table).await?;
    DB::write(
        conn,
        table,
        Write::Delete {
            version: version.get(),
        },
    )
    .await?;
    tracing::warn!(version = %version, "tracking row deleted: the next run applies this migration again");
    Ok(())
}
