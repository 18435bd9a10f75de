//! Parses the invocation: `embed_migrations!(["dir"] [, lock = "..."] [, require_locked = true])`
//! or the item form `embed_migrations!(pub mod db, "dir", ...)`.

use syn::parse::{Parse, ParseStream};
use syn::{Ident, LitBool, LitStr, Token, Visibility};

/// The directory used when the invocation names none.
pub const DEFAULT_DIR: &str = "migrations";

/// A parsed invocation.
pub struct Input {
    /// The item form's module: its visibility and name.
    pub module: Option<(Visibility, Ident)>,
    /// The migrations directory, relative to the crate root.
    pub dir: Option<LitStr>,
    /// `lock = "..."`: the lock file, relative to the crate root.
    pub lock: Option<LitStr>,
    /// `require_locked = true`: every migration must be in the lock.
    pub require_locked: bool,
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
        normalise(&raw)
    }
}

/// A path as shown in messages: `/`-separated, without `./` in front or `/` behind.
pub fn normalise(path: &str) -> String {
    let path = path.replace('\\', "/");
    let path = path.trim_start_matches("./").trim_end_matches('/');
    if path.is_empty() {
        ".".to_owned()
    } else {
        path.to_owned()
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
            require_locked: false,
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
            self.dir = Some(stream.parse()?);
            if !stream.is_empty() {
                stream.parse::<Token![,]>()?;
            }
        }
        while !stream.is_empty() {
            let key: Ident = stream.parse()?;
            stream.parse::<Token![=]>()?;
            match key.to_string().as_str() {
                "lock" => self.lock = Some(stream.parse()?),
                "require_locked" => self.require_locked = stream.parse::<LitBool>()?.value,
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
