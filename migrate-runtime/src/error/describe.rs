//! [`Error::describe`]: each error's message with its advice in a given [`Vocabulary`].

#[cfg(feature = "_db")]
use super::failed;
use super::{text, Error, Vocabulary};

impl Error {
    /// The message, with its advice in `words`: [`Vocabulary::LIBRARY`] gives what `Display`
    /// gives; a command line passes its own flags and commands.
    pub fn describe(&self, words: &Vocabulary) -> String {
        match self {
            #[cfg(feature = "_db")]
            Error::Failed {
                version,
                file,
                line,
                column,
                hint,
                statement,
                undo,
                cause,
                ..
            } => failed::failed(
                failed::Subject::Migration(*version),
                file,
                (*line, *column),
                hint.as_deref(),
                (*statement, *undo, *cause),
                words,
            ),
            #[cfg(feature = "_db")]
            Error::RepeatableFailed {
                name,
                file,
                line,
                column,
                hint,
                statement,
                cause,
                ..
            } => failed::failed(
                failed::Subject::Repeatable(name),
                file,
                (*line, *column),
                hint.as_deref(),
                (*statement, false, *cause),
                words,
            ),
            #[cfg(feature = "_db")]
            Error::LockNotAvailable { wait, .. } => failed::lock_not_available(wait, words),
            Error::RepeatableDirty {
                name,
                file,
                done,
                total,
                line,
                error,
            } => {
                text::repeatable_dirty(name, file, (*done, *total, *line), error.as_deref(), words)
            }
            Error::ChecksumMismatch {
                version,
                file,
                applied,
                embedded,
                row_edited,
            } => text::checksum_mismatch(*version, file, applied, embedded, *row_edited, words),
            Error::ResumeChanged {
                version,
                file,
                done,
            } => text::resume_changed(*version, file, *done, words),
            Error::Missing { version, name } => text::missing(*version, name, words),
            Error::OutOfOrder {
                version,
                file,
                newest,
            } => text::out_of_order(*version, file, *newest, words),
            Error::Unrecorded {
                version,
                file,
                newest,
            } => text::unrecorded(*version, file, *newest, words),
            Error::Dirty {
                version,
                file,
                done,
                total,
                line,
                error,
            } => text::dirty(
                *version,
                file,
                (*done, *total, *line),
                error.as_deref(),
                words,
            ),
            Error::LockTimeout { waited, holder } => {
                text::lock_timeout(*waited, holder.as_deref(), words)
            }
            Error::ForgetApplied { version } => text::forget_applied(*version, words),
            Error::LeaseLost {
                holder,
                table,
                lease,
            } => text::lease_lost(holder, table, *lease, words),
            Error::NotEmpty { table, rows } => text::not_empty(table, *rows, words),
            Error::AdoptUnknown { who, version, row } => {
                text::adopt_unknown(who, version, row, words)
            }
            Error::AdoptDirty {
                who,
                version,
                file,
                row,
            } => text::adopt_dirty(who, version, file.as_deref(), row, words),
            Error::AdoptGap {
                who,
                version,
                file,
                newest,
            } => text::adopt_order(who, (*version, file), *newest, true, words),
            Error::AdoptOutOfOrder {
                who,
                version,
                file,
                after,
            } => text::adopt_order(who, (*version, file), *after, false, words),
            Error::AlreadyTracked { table, rows } => text::already_tracked(table, *rows, words),
            other => other.to_string(),
        }
    }
}
