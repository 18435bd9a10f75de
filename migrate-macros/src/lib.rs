//! Implementation detail of [`migrate`](https://docs.rs/migrate): the `embed_migrations!`
//! procedural macro and the `#[migrate::test]` attribute. Use them through `migrate`; this
//! crate's API changes without notice.
//!
//! The macro is thin: `input` parses the invocation, `migrate_core` reads and checks the
//! directory, `expand` turns the checked set into tokens. `test_attr` turns a test
//! function into a `#[test]` that calls `migrate::testing`.

mod expand;
mod input;
mod test_attr;

use proc_macro::TokenStream;

/// Embeds a migrations directory, checked at compile time. See `migrate`'s documentation.
#[proc_macro]
pub fn embed_migrations(tokens: TokenStream) -> TokenStream {
    let input = syn::parse_macro_input!(tokens as input::Input);
    expand::expand(&input).into()
}

/// Makes an `async fn` taking a pool a test on a fresh, migrated database. See `migrate`'s
/// documentation.
#[proc_macro_attribute]
pub fn test(args: TokenStream, item: TokenStream) -> TokenStream {
    test_attr::expand(args.into(), item.into()).into()
}
