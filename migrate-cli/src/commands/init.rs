//! `migrate init`: the directory, the build script line, the `.gitattributes` entry.

use std::path::Path;

use crate::exit::{self, Failure};
use crate::output::Output;
use crate::source::Source;

/// Sets up the crate in the current directory; safe to run again.
pub fn run(source: &Source, out: &Output) -> Result<u8, Failure> {
    if source.path.is_dir() {
        out.line(format!("{}/ exists", source.display));
    } else {
        std::fs::create_dir_all(&source.path)
            .map_err(|e| exit::io(&source.path, "create the directory", e))?;
        out.line(format!("created {}/", source.display));
    }
    build_script(source, out)?;
    gitattributes(source, out)?;
    Ok(exit::OK)
}

/// A build.rs that makes cargo rebuild when a migration file is added, or the line to add.
fn build_script(source: &Source, out: &Output) -> Result<(), Failure> {
    let path = Path::new("build.rs");
    let call = format!("migrate::build::track({:?});", source.display);
    match std::fs::read_to_string(path) {
        Ok(text) if text.contains(&call) => {
            out.line(format!("build.rs already has `{call}`"));
        }
        Ok(_) => {
            out.warning(format!(
                "build.rs exists: add `{call}` to its `main` so that a new migration file rebuilds the crate"
            ));
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let text = format!(
                "// A procedural macro cannot watch a directory on stable Rust: this makes cargo\n\
                 // rebuild the crate when a migration file is added or removed.\n\
                 fn main() {{\n    {call}\n}}\n"
            );
            std::fs::write(path, text).map_err(|e| exit::io(path, "write", e))?;
            out.line(format!("created build.rs with `{call}`"));
        }
        Err(e) => return Err(exit::io(path, "read", e)),
    }
    let manifest = std::fs::read_to_string("Cargo.toml").unwrap_or_default();
    let has_build_dependency = manifest
        .split("[build-dependencies]")
        .nth(1)
        .and_then(|rest| rest.split("\n[").next())
        .is_some_and(|section| {
            section
                .lines()
                .any(|l| l.trim_start().starts_with("migrate"))
        });
    if !has_build_dependency {
        out.note("build.rs needs `migrate` under [build-dependencies] in Cargo.toml: `cargo add --build migrate`");
    }
    Ok(())
}

/// `<source>/**/*.sql text eol=lf`, once.
fn gitattributes(source: &Source, out: &Output) -> Result<(), Failure> {
    if source.path.is_absolute() || source.display.split('/').any(|c| c == "..") {
        out.note(format!(
            "{} is outside the current directory: add `<path>/**/*.sql text eol=lf` to the .gitattributes of its repository yourself",
            source.display
        ));
        return Ok(());
    }
    let dir = source.display.trim_start_matches("./");
    let line = if dir.is_empty() || dir == "." {
        "**/*.sql text eol=lf".to_owned()
    } else {
        format!("{dir}/**/*.sql text eol=lf")
    };
    let path = Path::new(".gitattributes");
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
        Err(e) => return Err(exit::io(path, "read", e)),
    };
    if text.lines().any(|l| l.trim() == line) {
        out.line(format!(".gitattributes already has `{line}`"));
        return Ok(());
    }
    let mut new = text;
    if !new.is_empty() && !new.ends_with('\n') {
        new.push('\n');
    }
    new.push_str(&line);
    new.push('\n');
    std::fs::write(path, new).map_err(|e| exit::io(path, "write", e))?;
    out.line(format!("added `{line}` to .gitattributes"));
    Ok(())
}
