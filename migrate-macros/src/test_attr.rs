//! `#[migrate::test]`: a `#[test]` whose async body gets a pool to a fresh, migrated
//! database; the parameter's type (`PgPool`, `SqlitePool`, `MySqlPool`) picks the database.
//!
//! Options: `migrations = "dir"` (default `migrations`, embedded like `embed_migrations!`)
//! or `migrator = path::TO::MIGRATOR`.

use proc_macro2::TokenStream;
use quote::{quote, quote_spanned, ToTokens};
use syn::parse::Parser as _;
use syn::spanned::Spanned as _;
use syn::{FnArg, ItemFn, LitStr, Visibility};

/// The parsed options.
#[derive(Default)]
struct Args {
    migrations: Option<LitStr>,
    migrator: Option<syn::Path>,
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
    let pool = check(&function, &mut errors);
    match (errors.0, pool) {
        (None, Some(pool)) => emit(&function, &args, &pool),
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
        if meta.path.is_ident("migrations") {
            let lit: LitStr = meta.value()?.parse()?;
            if args.migrations.is_some() || args.migrator.is_some() {
                return Err(meta.error("give one of `migrations` and `migrator`, once"));
            }
            args.migrations = Some(lit);
            Ok(())
        } else if meta.path.is_ident("migrator") {
            let path: syn::Path = meta.value()?.parse()?;
            if args.migrations.is_some() || args.migrator.is_some() {
                return Err(meta.error("give one of `migrations` and `migrator`, once"));
            }
            args.migrator = Some(path);
            Ok(())
        } else {
            Err(meta.error(format!(
                "unknown option `{}`: the options are `migrations = \"dir\"` and `migrator = path::TO::MIGRATOR`",
                meta.path.to_token_stream()
            )))
        }
    });
    if let Err(e) = parser.parse2(tokens) {
        errors.push(e);
    }
    args
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

fn emit(function: &ItemFn, args: &Args, pool: &syn::Type) -> TokenStream {
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
    // spanned on the parameter's type, so a type that is no pool is reported there, once
    let run = quote_spanned! {pool.span()=>
        ::migrate::testing::__private::run_test::<#pool, _, _>(#migrator, #test, #name)
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
