//! `#[migrate::test]`: a `#[test]` whose async body gets a pool to a fresh, migrated
//! database; the parameter's type (`PgPool`, `SqlitePool`, `MySqlPool`) picks the database.
//!
//! Options: `migrations = "dir"` (default `migrations`, embedded like `embed_migrations!`)
//! or `migrator = path::TO::MIGRATOR`; `to = db::VERSION` (only the migrations up to it);
//! `fixtures("users", "posts")` with `fixtures_dir = "dir"` (default `fixtures`): SQL files
//! checked here and embedded with `include_str!`, so that an edit rebuilds the test.

use std::path::PathBuf;

use proc_macro2::{Span, TokenStream};
use quote::{quote, quote_spanned, ToTokens};
use syn::parse::Parser as _;
use syn::punctuated::Punctuated;
use syn::spanned::Spanned as _;
use syn::{FnArg, ItemFn, LitStr, Token, Visibility};

/// The variable a test driver sets to stand in for `CARGO_MANIFEST_DIR` (as
/// `embed_migrations!` reads it): trybuild builds ui cases elsewhere (trybuild issues 202
/// and 296).
const MANIFEST_DIR_OVERRIDE: &str = "MIGRATE_MANIFEST_DIR_OVERRIDE";

/// Where fixtures are, relative to the crate root, unless `fixtures_dir` says.
const DEFAULT_FIXTURES_DIR: &str = "fixtures";

/// The options, for a message about one that is not.
const OPTIONS: &str = "the options are `migrations = \"dir\"`, `migrator = path::TO::MIGRATOR`, `to = db::VERSION`, `fixtures(\"name\", ...)` and `fixtures_dir = \"dir\"`";

/// The parsed options.
#[derive(Default)]
struct Args {
    migrations: Option<LitStr>,
    migrator: Option<syn::Path>,
    to: Option<syn::Expr>,
    fixtures: Option<Vec<LitStr>>,
    fixtures_dir: Option<LitStr>,
}

/// Collects every error, so one build reports all of them.
#[derive(Default)]
struct Errors(Option<syn::Error>);

impl Errors {
    fn push(&mut self, error: syn::Error) {
        match &mut self.0 {
            Some(all) => all.combine(error),
            None => self.0 = Some(error),
        }
    }
}

pub fn expand(args: TokenStream, item: TokenStream) -> TokenStream {
    let function: ItemFn = match syn::parse2(item.clone()) {
        Ok(function) => function,
        Err(e) => {
            let message = "`#[migrate::test]` goes on an `async fn` that takes the pool: `async fn name(pool: PgPool)`";
            let error = syn::Error::new(e.span(), message).to_compile_error();
            return quote! { #error #item };
        }
    };
    let mut errors = Errors::default();
    let args = parse_args(args, &mut errors);
    let fixtures = fixtures(&args, &mut errors);
    let pool = check(&function, &mut errors);
    match (errors.0, pool) {
        (None, Some(pool)) => emit(&function, &args, &pool, &fixtures),
        (error, _) => {
            let error = error.map(|e| e.to_compile_error());
            // the function as written but never a test, so code that names it does not fail too
            let mut function = function;
            function.attrs.retain(|a| !is_test(a));
            quote! { #error #[allow(dead_code)] #function }
        }
    }
}

fn parse_args(tokens: TokenStream, errors: &mut Errors) -> Args {
    let mut args = Args::default();
    let parser = syn::meta::parser(|meta| {
        let twice = || {
            meta.error(format!(
                "`{}` is given twice: give it once",
                meta.path.to_token_stream()
            ))
        };
        if meta.path.is_ident("migrations") || meta.path.is_ident("migrator") {
            let (migrations, migrator) = if meta.path.is_ident("migrations") {
                (Some(meta.value()?.parse()?), None)
            } else {
                (None, Some(meta.value()?.parse()?))
            };
            if args.migrations.is_some() || args.migrator.is_some() {
                return Err(meta.error("give one of `migrations` and `migrator`, once"));
            }
            args.migrations = migrations;
            args.migrator = migrator;
        } else if meta.path.is_ident("to") {
            if args.to.is_some() {
                return Err(twice());
            }
            args.to = Some(meta.value()?.parse()?);
        } else if meta.path.is_ident("fixtures") {
            if args.fixtures.is_some() {
                return Err(twice());
            }
            let content;
            syn::parenthesized!(content in meta.input);
            let names = Punctuated::<LitStr, Token![,]>::parse_terminated(&content)?;
            args.fixtures = Some(names.into_iter().collect());
        } else if meta.path.is_ident("fixtures_dir") {
            if args.fixtures_dir.is_some() {
                return Err(twice());
            }
            args.fixtures_dir = Some(meta.value()?.parse()?);
        } else {
            return Err(meta.error(format!(
                "unknown option `{}`: {OPTIONS}",
                meta.path.to_token_stream()
            )));
        }
        Ok(())
    });
    if let Err(e) = parser.parse2(tokens) {
        errors.push(e);
    }
    args
}

/// The fixtures as `Fixture` expressions, each file checked and embedded; every problem in
/// `errors`.
fn fixtures(args: &Args, errors: &mut Errors) -> Vec<TokenStream> {
    let names = match (&args.fixtures, &args.fixtures_dir) {
        (Some(names), _) => names,
        (None, Some(dir)) => {
            errors.push(syn::Error::new(
                dir.span(),
                "`fixtures_dir` without `fixtures(...)`: name the fixtures to apply, as in `fixtures(\"users\")`, or remove it",
            ));
            return Vec::new();
        }
        (None, None) => return Vec::new(),
    };
    let dir = args.fixtures_dir.as_ref().map_or_else(
        || DEFAULT_FIXTURES_DIR.to_owned(),
        |lit| migrate_core::scan::normalise(&lit.value()),
    );
    let Some(root) = std::env::var_os(MANIFEST_DIR_OVERRIDE)
        .or_else(|| std::env::var_os("CARGO_MANIFEST_DIR"))
        .map(PathBuf::from)
    else {
        errors.push(syn::Error::new(
            Span::call_site(),
            "CARGO_MANIFEST_DIR is not set: build with cargo",
        ));
        return Vec::new();
    };
    let mut seen: Vec<String> = Vec::new();
    let mut out = Vec::new();
    for lit in names {
        let name = lit.value();
        let file = if name.ends_with(".sql") {
            name.clone()
        } else {
            format!("{name}.sql")
        };
        let shown = migrate_core::scan::normalise(&format!("{dir}/{file}"));
        if name.trim().is_empty() {
            errors.push(syn::Error::new(
                lit.span(),
                format!("a fixture's name is an empty string: give the name of a file of `{dir}`, without `.sql`"),
            ));
            continue;
        }
        if seen.contains(&shown) {
            errors.push(syn::Error::new(
                lit.span(),
                format!("{shown}: this fixture is given twice: give it once"),
            ));
            continue;
        }
        seen.push(shown.clone());
        let path = root.join(&shown);
        if !path.is_file() {
            errors.push(syn::Error::new(
                lit.span(),
                format!("{shown}: no such fixture file: fixtures are `{dir}/<name>.sql`, relative to the crate root; create it, correct the name, or say where they are with `fixtures_dir = \"...\"`"),
            ));
            continue;
        }
        match path.to_str() {
            Some(path) => out.push(quote! {
                ::migrate::testing::Fixture::new(#shown, ::core::include_str!(#path))
            }),
            None => errors.push(syn::Error::new(
                lit.span(),
                format!("{shown}: the crate's path is not UTF-8, which `include_str!` needs"),
            )),
        }
    }
    out
}

/// Checks the function's shape; its pool parameter's type when that is right.
fn check(function: &ItemFn, errors: &mut Errors) -> Option<syn::Type> {
    let sig = &function.sig;
    if sig.asyncness.is_none() {
        errors.push(syn::Error::new(
            sig.fn_token.span(),
            "`#[migrate::test]` needs an `async fn`",
        ));
    }
    if !sig.generics.params.is_empty() || sig.generics.where_clause.is_some() {
        let span = match sig.generics.params.first() {
            Some(param) => param.span(),
            None => sig.generics.where_clause.span(),
        };
        errors.push(syn::Error::new(
            span,
            "a `#[migrate::test]` function cannot be generic: the parameter's type picks the database",
        ));
    }
    if let Some(attr) = function.attrs.iter().find(|a| is_test(a)) {
        errors.push(syn::Error::new(
            attr.path().span(),
            "remove this attribute: `#[migrate::test]` makes the function a test",
        ));
    }
    let one_parameter = "a `#[migrate::test]` function takes one parameter, the pool: `pool: PgPool`, `pool: SqlitePool` or `pool: MySqlPool`";
    let mut inputs = sig.inputs.iter();
    match (inputs.next(), inputs.next()) {
        (Some(FnArg::Typed(param)), None) => Some((*param.ty).clone()),
        (None, _) => {
            errors.push(syn::Error::new(sig.paren_token.span.join(), one_parameter));
            None
        }
        (Some(FnArg::Receiver(receiver)), _) => {
            errors.push(syn::Error::new(receiver.span(), one_parameter));
            None
        }
        (Some(_), Some(extra)) => {
            errors.push(syn::Error::new(extra.span(), one_parameter));
            None
        }
    }
}

/// `#[test]`, `#[tokio::test]`, `#[sqlx::test]` and the like: a second test attribute.
fn is_test(attr: &syn::Attribute) -> bool {
    attr.path()
        .segments
        .last()
        .is_some_and(|s| s.ident == "test")
}

fn emit(function: &ItemFn, args: &Args, pool: &syn::Type, fixtures: &[TokenStream]) -> TokenStream {
    let attrs = &function.attrs;
    let vis = &function.vis;
    let name = &function.sig.ident;
    let output = &function.sig.output;
    let body = ItemFn {
        attrs: Vec::new(),
        vis: Visibility::Inherited,
        sig: function.sig.clone(),
        block: function.block.clone(),
    };
    let migrator = match (&args.migrator, &args.migrations) {
        (Some(path), _) => quote! { &#path },
        (None, dir) => quote! {
            {
                static MIGRATOR: ::migrate::Migrator = ::migrate::embed_migrations!(#dir);
                &MIGRATOR
            }
        },
    };
    let test = quote! {
        ::core::concat!(::core::module_path!(), "::", ::core::stringify!(#name))
    };
    // spanned on the expression, so a value that is no `Version` is reported there
    let to = match &args.to {
        Some(to) => quote_spanned! {to.span()=>
            ::core::option::Option::Some::<::migrate::Version>(#to)
        },
        None => quote! { ::core::option::Option::None },
    };
    // spanned on the parameter's type, so a type that is no pool is reported there, once
    let run = quote_spanned! {pool.span()=>
        ::migrate::testing::__private::run_test::<#pool, _, _>(
            ::migrate::testing::__private::Test {
                name: #test,
                migrator: #migrator,
                to: #to,
                fixtures: &[#(#fixtures),*],
            },
            #name,
        )
    };
    quote! {
        #(#attrs)*
        #[::core::prelude::v1::test]
        #vis fn #name() #output {
            ::migrate::__private::require_testing!();
            #body
            #run
        }
    }
}
