//! What the commands print: results on stdout, warnings and errors on stderr, colours only
//! on a terminal and never with `NO_COLOR`, aligned tables.

use std::io::IsTerminal;

/// A colour of the few the commands use.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Color {
    /// Done, applied.
    Green,
    /// Waiting, a warning.
    Yellow,
    /// Broken, an error.
    Red,
    /// Less important text.
    Dim,
    /// Headers.
    Bold,
}

impl Color {
    fn code(self) -> &'static str {
        match self {
            Color::Green => "32",
            Color::Yellow => "33",
            Color::Red => "31",
            Color::Dim => "2",
            Color::Bold => "1",
        }
    }
}

/// Where output goes and whether it may be coloured.
#[derive(Clone, Copy, Debug)]
pub struct Output {
    color_out: bool,
    color_err: bool,
}

impl Output {
    /// Colours where the stream is a terminal, unless `NO_COLOR` is set and not empty
    /// (<https://no-color.org>).
    pub fn detect() -> Self {
        let allowed = std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
        Self {
            color_out: allowed && std::io::stdout().is_terminal(),
            color_err: allowed && std::io::stderr().is_terminal(),
        }
    }

    /// `text` in `color` for stdout.
    pub fn paint(&self, text: &str, color: Color) -> String {
        paint(text, color, self.color_out)
    }

    /// Prints a line on stdout.
    pub fn line(&self, text: impl AsRef<str>) {
        println!("{}", text.as_ref());
    }

    /// Prints `warning: <text>` on stderr.
    pub fn warning(&self, text: impl AsRef<str>) {
        eprintln!(
            "{} {}",
            paint("warning:", Color::Yellow, self.color_err),
            text.as_ref()
        );
    }

    /// Prints `error: <text>` on stderr.
    pub fn error(&self, text: impl AsRef<str>) {
        eprintln!(
            "{} {}",
            paint("error:", Color::Red, self.color_err),
            text.as_ref()
        );
    }

    /// Prints `note: <text>` on stderr.
    pub fn note(&self, text: impl AsRef<str>) {
        eprintln!(
            "{} {}",
            paint("note:", Color::Dim, self.color_err),
            text.as_ref()
        );
    }
}

fn paint(text: &str, color: Color, enabled: bool) -> String {
    if enabled {
        format!("\x1b[{}m{text}\x1b[0m", color.code())
    } else {
        text.to_owned()
    }
}

/// One cell of a [`table`]: its text and colour.
pub type Cell = (String, Option<Color>);

/// Aligns `rows` under `header` (two spaces between columns, no trailing spaces), colouring
/// cells after padding so the colour codes do not upset the widths.
pub fn table(out: &Output, header: &[&str], rows: &[Vec<Cell>]) -> String {
    let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for row in rows {
        for (width, (text, _)) in widths.iter_mut().zip(row) {
            *width = (*width).max(text.chars().count());
        }
    }
    let render = |cells: Vec<Cell>| -> String {
        let last = cells.len().saturating_sub(1);
        let mut line = String::new();
        for (i, (text, color)) in cells.into_iter().enumerate() {
            let padded = if i == last {
                text
            } else {
                let width = widths.get(i).copied().unwrap_or(0);
                let pad = width.saturating_sub(text.chars().count());
                format!("{text}{}  ", " ".repeat(pad))
            };
            match color {
                Some(color) => line.push_str(&out.paint(&padded, color)),
                None => line.push_str(&padded),
            }
        }
        line.trim_end().to_owned()
    };
    let mut text = render(
        header
            .iter()
            .map(|h| (h.to_string(), Some(Color::Bold)))
            .collect(),
    );
    for row in rows {
        text.push('\n');
        text.push_str(&render(row.clone()));
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_align_without_colour() {
        let out = Output {
            color_out: false,
            color_err: false,
        };
        let rows = vec![
            vec![("1".into(), None), ("users".into(), Some(Color::Green))],
            vec![("20240101".into(), None), ("posts".into(), None)],
        ];
        assert_eq!(
            table(&out, &["version", "name"], &rows),
            "version   name\n1         users\n20240101  posts"
        );
    }

    #[test]
    fn colour_codes_wrap_the_padded_cell() {
        let out = Output {
            color_out: true,
            color_err: false,
        };
        let rows = vec![vec![("a".into(), Some(Color::Red)), ("b".into(), None)]];
        assert_eq!(
            table(&out, &["xy", "z"], &rows),
            "\x1b[1mxy  \x1b[0m\x1b[1mz\x1b[0m\n\x1b[31ma   \x1b[0mb"
        );
    }
}
