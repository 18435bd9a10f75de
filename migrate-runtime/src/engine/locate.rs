//! Placing a failed statement in its file, from what the database says and where the
//! statement starts. Nothing here runs SQL: a script is never executed a second time to find
//! its failing statement.

use migrate_core::split::Statement;

use super::statements;
use super::validate::file_position;
use crate::driver::Driver;
use crate::error::{DatabaseError, Error, Subject};
use crate::table::Script;

/// What a batch sends before a migration's script; error positions in the batch are shifted
/// by its length (ASCII, so bytes and characters agree).
pub(crate) const BATCH_BEGIN: &str = "BEGIN;\n";

/// A failed batch (`BEGIN`, the script, its row, `COMMIT`) placed in the script: by the
/// database's error position, `shift` characters being sent before the script; else by the
/// number of statements that completed before the error, `before` of them ahead of the
/// script. An error in no statement of the script (the tracking row, the commit's deferred
/// checks) has no line.
pub(crate) fn in_batch<DB: Driver>(
    subject: Subject<'_>,
    script: &Script,
    (completed, e): (usize, sqlx::Error),
    shift: usize,
    before: usize,
) -> Error {
    let offset = DB::error_position(&e)
        .and_then(|p| p.checked_sub(shift))
        .and_then(|p| byte_of_char(script.sql(), p));
    if let Some(offset) = offset {
        let (line, column) = file_position(script, offset);
        return failed::<DB>(subject, script, Some(line), Some(column), e);
    }
    let failing = completed
        .checked_sub(before)
        .and_then(|i| statements(script.sql(), DB::DIALECT).into_iter().nth(i));
    match failing {
        Some(statement) => {
            let (line, column) = file_position(script, statement.sql_offset());
            failed::<DB>(subject, script, Some(line), Some(column), e)
        }
        None => failed::<DB>(subject, script, None, None, e),
    }
}

/// A failed statement placed in its file: at the database's error position within it, else
/// where it starts.
pub(crate) fn statement<DB: Driver>(
    subject: Subject<'_>,
    script: &Script,
    statement: &Statement<'_>,
    e: sqlx::Error,
) -> Error {
    let within = DB::error_position(&e).and_then(|p| byte_of_char(statement.sql(), p));
    let (line, column) = file_position(script, statement.sql_offset() + within.unwrap_or(0));
    failed::<DB>(subject, script, Some(line), Some(column), e)
}

fn failed<DB: Driver>(
    subject: Subject<'_>,
    script: &Script,
    line: Option<u32>,
    column: Option<u32>,
    e: sqlx::Error,
) -> Error {
    let (file, hint, cause) = (script.file().to_owned(), DB::error_hint(&e), DB::cause(&e));
    let source = DatabaseError::new(e);
    match subject {
        Subject::Migration(version) => Error::Failed {
            version,
            file,
            line,
            column,
            hint,
            statement: None,
            undo: false,
            cause,
            source,
        },
        Subject::Repeatable(name) => Error::RepeatableFailed {
            name: name.to_owned(),
            file,
            line,
            column,
            hint,
            statement: None,
            cause,
            source,
        },
    }
}

/// What a dirty row records of the error it stopped on: the database's message.
pub(crate) fn recorded(error: &Error) -> String {
    match error {
        Error::Failed { source, .. }
        | Error::RepeatableFailed { source, .. }
        | Error::LockNotAvailable { source, .. } => source.to_string(),
        other => other.to_string(),
    }
}

/// The byte index of the 0-based character `position` in `text`.
fn byte_of_char(text: &str, position: usize) -> Option<usize> {
    text.char_indices().nth(position).map(|(i, _)| i)
}
