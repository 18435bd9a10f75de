//! Turns a checked migration set into the static table, or its problems into compile errors.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use proc_macro2::{Literal, Span, TokenStream};
use quote::{format_ident, quote};

use migrate_core::set::{Migration, MigrationSet, Repeatable, Script};
use migrate_core::{Diagnostics, Options};

use migrate_core::scan::normalise;

use crate::input::Input;

/// The variable a test driver sets to stand in for `CARGO_MANIFEST_DIR`: trybuild builds ui
/// cases in a directory of its own (trybuild issues 202 and 296).
const MANIFEST_DIR_OVERRIDE: &str = "MIGRATE_MANIFEST_DIR_OVERRIDE";

pub fn expand(input: &Input) -> TokenStream {
    if let Some(error) = &input.error {
        return fallback(input, error.to_compile_error());
    }
    let span = input
        .dir
        .as_ref()
        .map_or_else(Span::call_site, |lit| lit.span());
    let root = match std::env::var_os(MANIFEST_DIR_OVERRIDE)
        .or_else(|| std::env::var_os("CARGO_MANIFEST_DIR"))
    {
        Some(root) => PathBuf::from(root),
        None => {
            return fallback(
                input,
                syn::Error::new(span, "CARGO_MANIFEST_DIR is not set: build with cargo")
                    .to_compile_error(),
            )
        }
    };
    let display = input.dir_display();
    let mut options = Options {
        require_locked: input.require_locked(),
        ..Options::default()
    };
    if let Some(lock) = &input.lock {
        options.lock = Some((root.join(lock.value()), normalise(&lock.value())));
    }
    match migrate_core::load(&root.join(&display), &display, &options) {
        Ok(set) => table(input, &set, span),
        Err(problems) => fallback(input, errors(&problems, span, input)),
    }
}

/// One `compile_error!` per problem, on the macro's path literal (on the `lock = "..."`
/// literal for problems of that lock file).
fn errors(problems: &Diagnostics, span: Span, input: &Input) -> TokenStream {
    let lock = input
        .lock
        .as_ref()
        .map(|lit| (normalise(&lit.value()), lit.span()));
    problems
        .0
        .iter()
        .map(|d| {
            let span = match &lock {
                Some((file, lock_span)) if *file == d.file => *lock_span,
                _ => span,
            };
            syn::Error::new(span, d).to_compile_error()
        })
        .collect()
}

/// The errors beside an empty table of the right type, so one mistake does not cascade.
fn fallback(input: &Input, errors: TokenStream) -> TokenStream {
    let migrator = quote! { ::migrate::__private::Migrator::__embedded(&[], [0; 32]) };
    wrap(input, quote! { { #errors #migrator } }, TokenStream::new)
}

/// The table, in the item form with the constants (made only then: thousands of
/// identifiers cost the build time).
fn wrap(
    input: &Input,
    migrator: TokenStream,
    constants: impl FnOnce() -> TokenStream,
) -> TokenStream {
    match &input.module {
        None => migrator,
        Some((vis, name)) => {
            let constants = constants();
            quote! {
                #vis mod #name {
                    /// The migrations, embedded and checked at compile time.
                    pub static MIGRATOR: ::migrate::__private::Migrator = #migrator;
                    #constants
                }
            }
        }
    }
}

fn table(input: &Input, set: &MigrationSet, span: Span) -> TokenStream {
    // Sections are emitted as literals; the files they come from are included for the
    // build to track, once each.
    let mut tracked: BTreeSet<&PathBuf> = BTreeSet::new();
    let mut problems = TokenStream::new();
    let mut migrations: Vec<TokenStream> = Vec::new();
    let mut repeatables: Vec<TokenStream> = Vec::new();
    for r in &set.repeatables {
        match repeatable(r) {
            Ok(tokens) => repeatables.push(tokens),
            Err(message) => problems.extend(syn::Error::new(span, message).to_compile_error()),
        }
    }
    for m in &set.migrations {
        for script in std::iter::once(&m.up).chain(&m.down) {
            if !script.whole_file {
                tracked.insert(&script.path);
            }
        }
        match migration(m) {
            Ok(tokens) => migrations.push(tokens),
            Err(message) => problems.extend(syn::Error::new(span, message).to_compile_error()),
        }
    }
    if !problems.is_empty() {
        return fallback(input, problems);
    }
    let mut tracking: Vec<TokenStream> = tracked.iter().map(|path| include(path)).collect();
    if set.lock_path.is_file() {
        tracking.push(include(&set.lock_path));
    }
    let amendments: Vec<TokenStream> = set
        .lock
        .iter()
        .flat_map(|lock| &lock.amendments)
        .map(|a| {
            let version = Literal::i64_suffixed(a.version);
            let old = Literal::byte_string(&a.old);
            let new = Literal::byte_string(&a.new);
            quote! { ::migrate::__private::Amendment::__new(#version, *#old, *#new) }
        })
        .collect();
    let head = Literal::byte_string(&set.head());
    let migrator_from = if !repeatables.is_empty() {
        quote! {
            const AMENDMENTS: &[::migrate::__private::Amendment] = &[#(#amendments),*];
            const REPEATABLES: &[::migrate::__private::Repeatable] = &[#(#repeatables),*];
            ::migrate::__private::Migrator::__embedded_with(MIGRATIONS, *#head, AMENDMENTS, REPEATABLES)
        }
    } else if amendments.is_empty() {
        quote! { ::migrate::__private::Migrator::__embedded(MIGRATIONS, *#head) }
    } else {
        quote! {
            const AMENDMENTS: &[::migrate::__private::Amendment] = &[#(#amendments),*];
            ::migrate::__private::Migrator::__embedded_amended(MIGRATIONS, *#head, AMENDMENTS)
        }
    };
    let migrator = quote! {
        {
            #(#tracking)*
            const MIGRATIONS: &[::migrate::__private::Migration] =
                &::migrate::__private::Migration::__table(&[#(#migrations),*]);
            #migrator_from
        }
    };
    wrap(input, migrator, || constants(set, span))
}

fn include(path: &Path) -> TokenStream {
    let path = path.to_string_lossy();
    quote! { const _: &[u8] = ::core::include_bytes!(#path); }
}

/// A migration's row (see `migrate_runtime::table::Row`), or why the table cannot hold it:
/// plain literals, which rustc checks much faster than constructor calls.
fn migration(m: &Migration) -> Result<TokenStream, String> {
    let version = Literal::i64_unsuffixed(m.version);
    let (up, up_text, up_guard) = script(&m.up)?;
    let (down, down_text, down_guard) = match &m.down {
        Some(down) => script(down)?,
        None => (
            Literal::u64_unsuffixed(0),
            quote! { "" },
            Literal::u64_unsuffixed(0),
        ),
    };
    // Not reached: a description comes from its file's name, inside the path checked above.
    let name = m
        .description_in_file()
        .and_then(|r| {
            let (start, len) = (u16::try_from(r.start).ok()?, u16::try_from(r.len()).ok()?);
            Some(u32::from(start) << 16 | u32::from(len))
        })
        .ok_or_else(|| {
            format!(
                "{}: the description `{}` is not part of the path; report this as a bug of `migrate-db`",
                m.up.file, m.description
            )
        })?;
    let name = Literal::u32_unsuffixed(name);
    let checksum = Literal::byte_string(&m.checksum);
    Ok(
        quote! { (#version, #name, #up, #up_text, #up_guard, #down, #down_text, #down_guard, #checksum) },
    )
}

/// A repeatable migration's constructor call (there are few of them).
fn repeatable(r: &Repeatable) -> Result<TokenStream, String> {
    let (packed, text, guard) = script(&r.script)?;
    // Not reached: the name is the file's name without `R__` and `.sql`.
    let name = r
        .script
        .file
        .rfind(&r.name)
        .and_then(|start| {
            let (start, len) = (
                u16::try_from(start).ok()?,
                u16::try_from(r.name.len()).ok()?,
            );
            Some(u32::from(start) << 16 | u32::from(len))
        })
        .ok_or_else(|| {
            format!(
                "{}: the name `{}` is not part of the path; report this as a bug of `migrate-db`",
                r.script.file, r.name
            )
        })?;
    let name = Literal::u32_unsuffixed(name);
    let checksum = Literal::byte_string(&r.checksum);
    Ok(quote! { ::migrate::__private::Repeatable::__new(#text, #packed, #guard, #name, #checksum) })
}

/// A script's packed position and mode, its text (the path followed by the SQL, so the table
/// holds one pointer per script) and its packed timeouts.
fn script(s: &Script) -> Result<(Literal, TokenStream, Literal), String> {
    let file_len = u16::try_from(s.file.len()).map_err(|_| {
        format!(
            "{}: the path is longer than 65535 bytes; move the migrations to a shorter path",
            s.file
        )
    })?;
    let packed = u64::from(s.line) << 32 | u64::from(file_len) << 1 | u64::from(s.no_transaction);
    let text = if s.whole_file {
        let file = &s.file;
        let path = s.path.to_string_lossy();
        quote! { ::core::concat!(#file, ::core::include_str!(#path)) }
    } else {
        let text = Literal::string(&format!("{}{}", s.file, s.sql));
        quote! { #text }
    };
    let guard = migrate_core::duration::pack(s.lock_timeout, s.statement_timeout);
    Ok((
        Literal::u64_unsuffixed(packed),
        text,
        Literal::u64_unsuffixed(guard),
    ))
}

/// One `Version` constant per migration, named after its description in upper case; or the
/// error naming two migrations whose constants would have the same name.
fn constants(set: &MigrationSet, span: Span) -> TokenStream {
    let names = constant_names(set);
    let mut seen: BTreeMap<&str, &Migration> = BTreeMap::new();
    let mut out = TokenStream::new();
    for (m, name) in set.migrations.iter().zip(&names) {
        if let Some(first) = seen.insert(name, m) {
            let message = format!(
                "{}: its version constant would be `{name}`, as is the one of {}: reword one of the descriptions",
                m.up.file, first.up.file
            );
            out.extend(syn::Error::new(span, message).to_compile_error());
            continue;
        }
        let ident = format_ident!("{}", name);
        let version = Literal::i64_suffixed(m.version);
        let doc = format!("Version {} ({}).", m.version, m.up.file);
        out.extend(quote! {
            #[doc = #doc]
            pub const #ident: ::migrate::__private::Version = ::migrate::__private::Version::__checked(#version);
        });
    }
    out
}

/// One name per migration: its description in upper case. Descriptions that make the same
/// name get `_<version>` appended; a name that still meets another (`1_x` and `3_x_1` both
/// give `X_1`) takes `__<version>` instead, which no description makes (they never hold two
/// underscores in a row), so the names differ for every set the rest of the build accepts.
fn constant_names(set: &MigrationSet) -> Vec<String> {
    let bases: Vec<String> = set
        .migrations
        .iter()
        .map(|m| constant_name(&m.description))
        .collect();
    let counts = count(bases.iter().map(String::as_str));
    let names: Vec<(String, bool)> = set
        .migrations
        .iter()
        .zip(&bases)
        .map(|(m, base)| {
            if counts[base.as_str()] > 1 {
                (format!("{base}_{}", m.version), true)
            } else {
                (base.clone(), false)
            }
        })
        .collect();
    let taken = count(names.iter().map(|(name, _)| name.as_str()));
    set.migrations
        .iter()
        .zip(&names)
        .zip(&bases)
        .map(|((m, (name, suffixed)), base)| {
            if *suffixed && taken[name.as_str()] > 1 {
                format!("{base}__{}", m.version)
            } else {
                name.clone()
            }
        })
        .collect()
}

fn count<'a>(names: impl Iterator<Item = &'a str>) -> BTreeMap<&'a str, usize> {
    let mut counts = BTreeMap::new();
    for name in names {
        *counts.entry(name).or_default() += 1;
    }
    counts
}

fn constant_name(description: &str) -> String {
    let mut name = String::new();
    for c in description.chars() {
        if c.is_ascii_alphanumeric() {
            name.push(c.to_ascii_uppercase());
        } else if !name.ends_with('_') {
            name.push('_');
        }
    }
    let name = name.trim_matches('_').to_owned();
    if name.is_empty() || name.starts_with(|c: char| c.is_ascii_digit()) {
        format!("V_{name}")
    } else if name == "MIGRATOR" {
        "MIGRATOR_".to_owned()
    } else {
        name
    }
}
