//! A value read from a table whose column types another tool chose (`adopt` reads other
//! tools' history tables): [`Driver::fetch_cells`](super::Driver::fetch_cells) decodes each
//! column as the first of a few common types that fits, so one query reads `BIGINT`,
//! `INTEGER`, `VARCHAR`, `BOOLEAN` and `BYTEA`/`BLOB` columns alike on every database.

use std::fmt;

/// One value of a row of another tool's table.
#[derive(Clone, Debug, PartialEq, Eq)]
#[doc(hidden)]
pub enum Cell {
    /// SQL `NULL`.
    Null,
    /// An integer (SQLite keeps booleans as integers, MySQL as `TINYINT(1)`).
    Int(i64),
    /// A boolean.
    Bool(bool),
    /// Text.
    Text(String),
    /// Bytes.
    Bytes(Vec<u8>),
    /// A type none of the above decodes (its name as the database gives it).
    Unreadable(String),
}

impl Cell {
    /// The integer it holds, or the integer its text spells (surrounding spaces allowed).
    pub fn int(&self) -> Option<i64> {
        match self {
            Cell::Int(n) => Some(*n),
            Cell::Bool(b) => Some(i64::from(*b)),
            Cell::Text(t) => t.trim().parse().ok(),
            _ => None,
        }
    }

    /// The text it holds, or its integer or boolean as text; bytes only when they are UTF-8.
    pub fn text(&self) -> Option<String> {
        match self {
            Cell::Text(t) => Some(t.clone()),
            Cell::Int(n) => Some(n.to_string()),
            Cell::Bool(b) => Some(b.to_string()),
            Cell::Bytes(b) => String::from_utf8(b.clone()).ok(),
            Cell::Null | Cell::Unreadable(_) => None,
        }
    }

    /// The bytes it holds. A MySQL `BLOB` may decode as text when its bytes are UTF-8: the
    /// same bytes.
    pub fn bytes(&self) -> Option<&[u8]> {
        match self {
            Cell::Bytes(b) => Some(b),
            Cell::Text(t) => Some(t.as_bytes()),
            _ => None,
        }
    }

    /// Whether it holds a true value, however the column spells booleans (`TRUE`, `1`, `'t'`).
    pub fn truth(&self) -> Option<bool> {
        match self {
            Cell::Bool(b) => Some(*b),
            Cell::Int(n) => Some(*n != 0),
            Cell::Text(t) => match t.trim().to_ascii_lowercase().as_str() {
                "t" | "true" | "1" | "y" | "yes" | "on" => Some(true),
                "f" | "false" | "0" | "n" | "no" | "off" => Some(false),
                _ => None,
            },
            _ => None,
        }
    }
}

impl fmt::Display for Cell {
    /// As the mapping shows another tool's row: text as it is, bytes in hex.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Cell::Null => f.write_str("NULL"),
            Cell::Int(n) => write!(f, "{n}"),
            Cell::Bool(b) => write!(f, "{b}"),
            Cell::Text(t) => f.write_str(t),
            Cell::Bytes(b) => f.write_str(&super::hex(b)),
            Cell::Unreadable(ty) => write!(f, "<{ty}>"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_read_as_each_tool_spells_them() {
        assert_eq!(Cell::Text(" 0042 ".into()).int(), Some(42));
        assert_eq!(Cell::Bool(true).int(), Some(1));
        assert_eq!(Cell::Int(7).text().as_deref(), Some("7"));
        assert_eq!(Cell::Text("t".into()).truth(), Some(true));
        assert_eq!(Cell::Int(0).truth(), Some(false));
        assert_eq!(Cell::Text("maybe".into()).truth(), None);
        assert_eq!(Cell::Bytes(vec![0xab, 0x01]).to_string(), "ab01");
        assert_eq!(Cell::Text("ab".into()).bytes(), Some(&b"ab"[..]));
        assert_eq!(Cell::Null.int(), None);
    }
}
