//! Terminal output: colour for the text reports, and the decision of when to use it.
//!
//! Reports are rendered as plain text by [`crate::render::report`]; this stage adds ANSI styles to
//! what it recognises (a header row, ✓ marks, open tasks, completion bars) and writes through
//! `anstream`, which drops the styles when stdout is not a terminal, when `NO_COLOR` is set,
//! or under `--color never`.

use anstyle::{AnsiColor, Style};

const HEADER: Style = Style::new().bold();
const DONE: Style = AnsiColor::Green.on_default();
const OPEN: Style = Style::new().dimmed();
const BAR_FULL: Style = AnsiColor::Green.on_default();
const BAR_EMPTY: Style = Style::new().dimmed();

/// The text with styles added: the table header and week headers bold, ✓ green, open task
/// lines (`·`) dim, the filled part of a completion bar green and the rest dim.
pub fn paint(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + text.len() / 8);
    for line in text.split_inclusive('\n') {
        let (body, newline) = match line.strip_suffix('\n') {
            Some(body) => (body, "\n"),
            None => (line, ""),
        };
        if is_header(body) {
            push_styled(&mut out, HEADER, body);
        } else if body.trim_start().starts_with('·') {
            push_styled(&mut out, OPEN, body);
        } else {
            paint_marks(&mut out, body);
        }
        out.push_str(newline);
    }
    out
}

/// A table's column header (`date  title …`) or a week header in `tasks` (`2021-01-04  Title`).
fn is_header(line: &str) -> bool {
    line.starts_with("date ")
        || (line.len() > 12
            && line.as_bytes()[..10].iter().enumerate().all(|(i, b)| {
                if i == 4 || i == 7 {
                    *b == b'-'
                } else {
                    b.is_ascii_digit()
                }
            })
            && !line.contains('█')
            && !line.contains('░'))
}

fn paint_marks(out: &mut String, line: &str) {
    let mut run: Option<(char, String)> = None;
    let flush = |out: &mut String, run: &mut Option<(char, String)>| {
        if let Some((c, text)) = run.take() {
            let style = match c {
                '█' => BAR_FULL,
                '░' => BAR_EMPTY,
                _ => DONE,
            };
            push_styled(out, style, &text);
        }
    };
    for c in line.chars() {
        if matches!(c, '█' | '░' | '✓') {
            match &mut run {
                Some((kind, text)) if *kind == c => text.push(c),
                _ => {
                    flush(out, &mut run);
                    run = Some((c, c.to_string()));
                }
            }
        } else {
            flush(out, &mut run);
            out.push(c);
        }
    }
    flush(out, &mut run);
}

fn push_styled(out: &mut String, style: Style, text: &str) {
    use std::fmt::Write as _;
    let _ = write!(out, "{style}{text}{style:#}");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn styles_wrap_what_they_mark_and_nothing_else_changes() {
        let text = "date  title\n2021-01-04  Week 1  ██░░  62%\n  ✓ Done task\n  · Open task\n";
        let painted = paint(text);
        assert!(painted.contains("\x1b[1mdate  title\x1b[0m"), "{painted:?}");
        assert!(painted.contains("\x1b[32m██\x1b[0m"), "{painted:?}");
        assert!(
            painted.contains("\x1b[32m✓\x1b[0m Done task"),
            "{painted:?}"
        );
        assert!(
            painted.contains("\x1b[2m  · Open task\x1b[0m"),
            "{painted:?}"
        );
        // Stripping the escapes gives back the text exactly.
        let mut plain = Vec::new();
        let mut stream = anstream::StripStream::new(&mut plain);
        std::io::Write::write_all(&mut stream, painted.as_bytes()).unwrap();
        assert_eq!(String::from_utf8(plain).unwrap(), text);
    }
}
