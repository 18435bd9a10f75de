//! Implementation detail of [`migrate`](https://docs.rs/migrate): the `embed_migrations!`
//! procedural macro. Use it through `migrate::embed_migrations!`; this crate's API changes
//! without notice.
//!
//! The macro is thin: [`input`] parses the invocation, `migrate_core` reads and checks the
//! directory, [`expand`] turns the checked set into tokens.

mod expand;
mod input;

use proc_macro::TokenStream;

/// Embeds a migrations directory, checked at compile time. See `migrate`'s documentation.
#[proc_macro]
pub fn embed_migrations(tokens: TokenStream) -> TokenStream {
    let input = syn::parse_macro_input!(tokens as input::Input);
    expand::expand(&input).into()
}
