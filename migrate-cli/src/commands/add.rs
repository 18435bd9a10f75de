//! `migrate add`: the next migration in the directory's own layout.

use std::io::Write;

use migrate_core::render::{Layout, Numbering};
use migrate_core::time;

use crate::cli;
use crate::exit::{self, Failure};
use crate::output::Output;
use crate::source::Source;

/// Creates the files of a new migration and prints their paths.
pub fn run(source: &Source, args: &cli::Add, out: &Output) -> Result<u8, Failure> {
    let exists = source.path.is_dir();
    let (layout, newest) = if exists {
        // A late-merged migration or an edit the lock refuses do not stop new work here;
        // `lock` and the build report them.
        let set = source.load_with(false)?;
        let newest = set.migrations.last().map(|m| m.version);
        (Layout::infer(&set), newest)
    } else {
        (Layout::EMPTY, None)
    };
    let layout = match (args.timestamp, args.sequential) {
        (true, _) => layout.numbered(Numbering::Timestamp),
        (_, true) => layout.numbered(Numbering::Sequential),
        _ => Ok(layout),
    }
    .map_err(Failure::usage)?;
    let version = layout
        .next_version(newest, time::now().timestamp())
        .map_err(Failure::error)?;
    let description = args.description.join(" ");
    let files = layout
        .new_files(version, &description, args.reversible)
        .map_err(Failure::usage)?;
    if !exists {
        std::fs::create_dir_all(&source.path)
            .map_err(|e| exit::io(&source.path, "create the directory", e))?;
        out.line(format!("created {}/", source.display));
    }
    for file in &files {
        let path = source.join(&file.rel);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)
                .map_err(|e| exit::io(parent, "create the directory", e))?;
        }
        let mut handle = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&path)
            .map_err(|e| exit::io(&path, "create the file", e))?;
        handle
            .write_all(file.text.as_bytes())
            .map_err(|e| exit::io(&path, "write", e))?;
        out.line(format!("created {}", source.show(&file.rel)));
    }
    Ok(exit::OK)
}
