//! Turns a checked migration set into the static table, or its problems into compile errors.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use proc_macro2::{Literal, Span, TokenStream};
use quote::{format_ident, quote};

use migrate_core::set::{Migration, MigrationSet, Script};
use migrate_core::{Diagnostics, Options};

use crate::input::{normalise, Input};

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
        require_locked: input.require_locked,
        ..Options::default()
    };
    if let Some(lock) = &input.lock {
        options.lock = Some((root.join(lock.value()), normalise(&lock.value())));
    }
    match migrate_core::load(&root.join(&display), &display, &options) {
        Ok(set) => table(input, &set),
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
    let migrator = quote! { ::migrate::__private::Migrator::__embedded(&[]) };
    wrap(input, quote! { { #errors #migrator } }, TokenStream::new())
}

fn wrap(input: &Input, migrator: TokenStream, constants: TokenStream) -> TokenStream {
    match &input.module {
        None => migrator,
        Some((vis, name)) => quote! {
            #vis mod #name {
                /// The migrations, embedded and checked at compile time.
                pub static MIGRATOR: ::migrate::__private::Migrator = #migrator;
                #constants
            }
        },
    }
}

fn table(input: &Input, set: &MigrationSet) -> TokenStream {
    // Sections are emitted as literals; the files they come from are included for the
    // build to track, once each.
    let mut tracked: BTreeSet<&PathBuf> = BTreeSet::new();
    let migrations: Vec<TokenStream> = set
        .migrations
        .iter()
        .map(|m| {
            for script in std::iter::once(&m.up).chain(&m.down) {
                if !script.whole_file {
                    tracked.insert(&script.path);
                }
            }
            migration(m)
        })
        .collect();
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
    let migrator_from = if amendments.is_empty() {
        quote! { ::migrate::__private::Migrator::__embedded(MIGRATIONS) }
    } else {
        quote! {
            const AMENDMENTS: &[::migrate::__private::Amendment] = &[#(#amendments),*];
            ::migrate::__private::Migrator::__embedded_amended(MIGRATIONS, AMENDMENTS)
        }
    };
    let migrator = quote! {
        {
            #(#tracking)*
            const MIGRATIONS: &[::migrate::__private::Migration] = &[#(#migrations),*];
            #migrator_from
        }
    };
    wrap(input, migrator, constants(set))
}

fn include(path: &Path) -> TokenStream {
    let path = path.to_string_lossy();
    quote! { const _: &[u8] = ::core::include_bytes!(#path); }
}

fn migration(m: &Migration) -> TokenStream {
    let version = Literal::i64_suffixed(m.version);
    let name = &m.description;
    let up = script(&m.up);
    let down = match &m.down {
        Some(down) => {
            let down = script(down);
            quote! { ::core::option::Option::Some(#down) }
        }
        None => quote! { ::core::option::Option::None },
    };
    let checksum = Literal::byte_string(&m.checksum);
    let chain = Literal::byte_string(&m.chain);
    quote! {
        ::migrate::__private::Migration::__new(#version, #name, #up, #down, *#checksum, *#chain)
    }
}

fn script(s: &Script) -> TokenStream {
    let sql = if s.whole_file {
        let path = s.path.to_string_lossy();
        quote! { ::core::include_str!(#path) }
    } else {
        let sql = &s.sql;
        quote! { #sql }
    };
    let file = &s.file;
    let line = Literal::u32_suffixed(s.line);
    let transaction = if s.no_transaction {
        quote! { ::migrate::__private::Transaction::Disabled }
    } else {
        quote! { ::migrate::__private::Transaction::Wrapped }
    };
    quote! { ::migrate::__private::Script::__new(#sql, #file, #line, #transaction) }
}

/// One `Version` constant per migration, named after its description in upper case.
fn constants(set: &MigrationSet) -> TokenStream {
    let mut out = TokenStream::new();
    for (m, name) in set.migrations.iter().zip(constant_names(set)) {
        let ident = format_ident!("{}", name);
        let version = Literal::i64_suffixed(m.version);
        let doc = format!("Version {} ({}).", m.version, m.up.file);
        out.extend(quote! {
            #[doc = #doc]
            pub const #ident: ::migrate::__private::Version = ::migrate::__private::Version::new(#version);
        });
    }
    out
}

/// One distinct name per migration: its description in upper case; descriptions shared by
/// several migrations get `_<version>` appended, and a name still taken after that (another
/// description that ends in that version) is prefixed with `V<version>_`, which versions keep
/// unique.
fn constant_names(set: &MigrationSet) -> Vec<String> {
    let bases: Vec<String> = set
        .migrations
        .iter()
        .map(|m| constant_name(&m.description))
        .collect();
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for base in &bases {
        *counts.entry(base).or_default() += 1;
    }
    let names: Vec<String> = set
        .migrations
        .iter()
        .zip(&bases)
        .map(|(m, base)| {
            if counts[base.as_str()] > 1 {
                format!("{base}_{}", m.version)
            } else {
                base.clone()
            }
        })
        .collect();
    let mut taken: BTreeMap<&str, usize> = BTreeMap::new();
    for name in &names {
        *taken.entry(name).or_default() += 1;
    }
    set.migrations
        .iter()
        .zip(&names)
        .zip(&bases)
        .map(|((m, name), base)| {
            if taken[name.as_str()] > 1 {
                format!("V{}_{base}", m.version)
            } else {
                name.clone()
            }
        })
        .collect()
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
