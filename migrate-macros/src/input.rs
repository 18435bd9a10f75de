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
    fn parse(stream: ParseStream<'_>) -> syn::Result<Self> {
        let mut input = Input {
            module: None,
            dir: None,
            lock: None,
            require_locked: false,
        };
        if !stream.is_empty() && (stream.peek(Token![pub]) || stream.peek(Token![mod])) {
            let vis: Visibility = stream.parse()?;
            stream.parse::<Token![mod]>()?;
            input.module = Some((vis, stream.parse()?));
            if !stream.is_empty() {
                stream.parse::<Token![,]>()?;
            }
        }
        if stream.peek(LitStr) {
            input.dir = Some(stream.parse()?);
            if !stream.is_empty() {
                stream.parse::<Token![,]>()?;
            }
        }
        while !stream.is_empty() {
            let key: Ident = stream.parse()?;
            stream.parse::<Token![=]>()?;
            match key.to_string().as_str() {
                "lock" => input.lock = Some(stream.parse()?),
                "require_locked" => input.require_locked = stream.parse::<LitBool>()?.value,
                other => return Err(syn::Error::new(
                    key.span(),
                    format!("unknown option `{other}`: the options are `lock = \"path\"` and `require_locked = true`"),
                )),
            }
            if !stream.is_empty() {
                stream.parse::<Token![,]>()?;
            }
        }
        Ok(input)
    }
}
