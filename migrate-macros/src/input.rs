//! Parses the invocation: `embed_migrations!(["dir"] [, lock = "..."] [, require_locked = true])`
//! or the item form `embed_migrations!(pub mod db, "dir", ...)`.

use syn::parse::{Parse, ParseStream};
use syn::{Ident, LitBool, LitStr, Token, Visibility};

/// The directory used when the invocation names none.
pub const DEFAULT_DIR: &str = "migrations";

/// The forms the macro accepts, for messages about input it does not.
const FORMS: &str = "the forms are `embed_migrations!()`, `embed_migrations!(\"migrations\")`, \
                     `embed_migrations!(\"migrations\", lock = \"migrations/migrations.lock\", \
                     require_locked = true)` and `embed_migrations!(pub mod db, \"migrations\")`";

/// A parsed invocation.
pub struct Input {
    /// The item form's module: its visibility and name.
    pub module: Option<(Visibility, Ident)>,
    /// The migrations directory, relative to the crate root.
    pub dir: Option<LitStr>,
    /// `lock = "..."`: the lock file, relative to the crate root.
    pub lock: Option<LitStr>,
    /// `require_locked = true`: every migration must be in the lock.
    pub require_locked: Option<LitBool>,
    /// A mistake in the options: reported beside an empty table, so that code using the
    /// table does not fail too.
    pub error: Option<syn::Error>,
}

impl Input {
    /// The directory as written, `/`-separated, without a leading `./` or trailing `/`.
    pub fn dir_display(&self) -> String {
        let raw = self
            .dir
            .as_ref()
            .map_or_else(|| DEFAULT_DIR.to_owned(), LitStr::value);
        migrate_core::scan::normalise(&raw)
    }

    /// Whether every migration must be locked.
    pub fn require_locked(&self) -> bool {
        self.require_locked.as_ref().is_some_and(|b| b.value)
    }
}

impl Parse for Input {
    /// Only a malformed item-form head fails the parse; a mistake after it is kept in
    /// `error`, so the expansion can still emit the module with an empty table.
    fn parse(stream: ParseStream<'_>) -> syn::Result<Self> {
        let mut input = Input {
            module: None,
            dir: None,
            lock: None,
            require_locked: None,
            error: None,
        };
        if !stream.is_empty() && (stream.peek(Token![pub]) || stream.peek(Token![mod])) {
            let vis: Visibility = stream.parse()?;
            stream.parse::<Token![mod]>()?;
            input.module = Some((vis, stream.parse()?));
        }
        if let Err(error) = input.parse_rest(stream) {
            input.error = Some(error);
            // the rest is not read: skip it so the parse as a whole succeeds
            stream.step(|cursor| {
                let mut rest = *cursor;
                while let Some((_, next)) = rest.token_tree() {
                    rest = next;
                }
                Ok(((), rest))
            })?;
        }
        Ok(input)
    }
}

impl Input {
    fn parse_rest(&mut self, stream: ParseStream<'_>) -> syn::Result<()> {
        if self.module.is_some() && !stream.is_empty() {
            stream.parse::<Token![,]>()?;
        }
        if stream.peek(LitStr) {
            let dir: LitStr = stream.parse()?;
            non_empty(&dir, "the migrations directory")?;
            self.dir = Some(dir);
            if !stream.is_empty() {
                stream.parse::<Token![,]>()?;
            }
        }
        while !stream.is_empty() {
            let key: Ident = stream.parse().map_err(|e| {
                syn::Error::new(
                    e.span(),
                    format!("expected the migrations directory as a string literal or an option: {FORMS}"),
                )
            })?;
            stream.parse::<Token![=]>().map_err(|_| {
                syn::Error::new(
                    key.span(),
                    format!("expected `=` after `{key}`, as in `lock = \"path\"`; the directory is a string literal: {FORMS}"),
                )
            })?;
            let twice = || {
                syn::Error::new(
                    key.span(),
                    format!("`{key}` is given twice: give each option once"),
                )
            };
            match key.to_string().as_str() {
                "lock" if self.lock.is_some() => return Err(twice()),
                "lock" => {
                    let lock: LitStr = stream.parse()?;
                    non_empty(&lock, "the lock file")?;
                    self.lock = Some(lock);
                }
                "require_locked" if self.require_locked.is_some() => return Err(twice()),
                "require_locked" => self.require_locked = Some(stream.parse()?),
                other => {
                    return Err(syn::Error::new(
                        key.span(),
                        format!("unknown option `{other}`: the options are `lock = \"path\"` and `require_locked = true`"),
                    ))
                }
            }
            if !stream.is_empty() {
                stream.parse::<Token![,]>()?;
            }
        }
        Ok(())
    }
}

/// A path literal must name something: `""` would mean the crate root itself.
fn non_empty(lit: &LitStr, what: &str) -> syn::Result<()> {
    if lit.value().trim().is_empty() {
        return Err(syn::Error::new(
            lit.span(),
            format!("{what} is an empty string: give its path relative to the crate root, as in \"migrations\""),
        ));
    }
    Ok(())
}
