//! A small flow layout: paragraphs that wrap, bordered tables that break across pages with
//! their header repeated, and a footer with "Trang i/n". Layout produces a display list
//! ([`Page`] of [`Op`]s) first and writes the PDF at the end, so the page count is known when
//! the footers are drawn.
//!
//! Units are PDF points (1/72 inch); y grows downwards from the top of the page; a text
//! operation's y is its baseline.

use crate::font::{Fonts, Weight};

/// Millimetres to points.
pub(crate) const MM: f32 = 72.0 / 25.4;
const A4_SHORT: f32 = 210.0 * MM;
const A4_LONG: f32 = 297.0 * MM;
/// Line height as a multiple of the font size.
const LEADING: f32 = 1.3;
/// Space after a paragraph.
const PARAGRAPH_SPACE: f32 = 2.0;
/// Inner padding of table cells.
const CELL_PAD: f32 = 3.0;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Orientation {
    Portrait,
    Landscape,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Align {
    Left,
    Center,
    Right,
}

/// One drawing operation.
#[derive(Debug, Clone)]
pub(crate) enum Op {
    Text {
        x: f32,
        baseline: f32,
        size: f32,
        weight: Weight,
        text: String,
    },
    Line {
        x1: f32,
        y1: f32,
        x2: f32,
        y2: f32,
        width: f32,
    },
    /// Filled black rectangles (x, y, w, h), drawn as one path (the QR code's modules).
    Rects(Vec<(f32, f32, f32, f32)>),
}

#[derive(Debug, Clone)]
pub(crate) struct Page {
    pub(crate) width: f32,
    pub(crate) height: f32,
    pub(crate) ops: Vec<Op>,
}

/// A piece of text in one weight, inside a paragraph.
#[derive(Debug, Clone)]
pub(crate) struct Span {
    pub(crate) text: String,
    pub(crate) weight: Weight,
}

pub(crate) fn regular(text: impl Into<String>) -> Span {
    Span {
        text: text.into(),
        weight: Weight::Regular,
    }
}

pub(crate) fn bold(text: impl Into<String>) -> Span {
    Span {
        text: text.into(),
        weight: Weight::Bold,
    }
}

/// A table column: its title, its width as a share of the table width, its alignment.
#[derive(Debug, Clone)]
pub(crate) struct Column {
    pub(crate) title: &'static str,
    pub(crate) share: f32,
    pub(crate) align: Align,
}

pub(crate) fn col(title: &'static str, share: f32, align: Align) -> Column {
    Column {
        title,
        share,
        align,
    }
}

/// A signature block: "NGƯỜI TIẾP NHẬN HỒ SƠ", "(Ký và ghi rõ họ tên)", space, the name.
#[derive(Debug, Clone)]
pub(crate) struct Signature {
    pub(crate) title: String,
    pub(crate) note: String,
    pub(crate) name: String,
}

/// The page being laid out and the pages already full.
pub(crate) struct Flow<'f> {
    fonts: &'f Fonts,
    width: f32,
    height: f32,
    pub(crate) left: f32,
    pub(crate) right: f32,
    top: f32,
    bottom: f32,
    /// Top of the next line on the current page.
    pub(crate) y: f32,
    ops: Vec<Op>,
    pages: Vec<Page>,
    footer: String,
}

impl<'f> Flow<'f> {
    /// A4 with the margins of NĐ 30/2020 (left 30 mm, right 15 mm, top and bottom 20 mm),
    /// a little narrower on the left for landscape tables.
    pub(crate) fn new(fonts: &'f Fonts, orientation: Orientation, footer: String) -> Self {
        let (width, height, left) = match orientation {
            Orientation::Portrait => (A4_SHORT, A4_LONG, 30.0 * MM),
            Orientation::Landscape => (A4_LONG, A4_SHORT, 20.0 * MM),
        };
        let top = 20.0 * MM;
        Self {
            fonts,
            width,
            height,
            left,
            right: width - 15.0 * MM,
            top,
            bottom: height - 20.0 * MM,
            y: top,
            ops: Vec::new(),
            pages: Vec::new(),
            footer,
        }
    }

    pub(crate) fn fonts(&self) -> &'f Fonts {
        self.fonts
    }

    pub(crate) fn content_width(&self) -> f32 {
        self.right - self.left
    }

    pub(crate) fn line_height(size: f32) -> f32 {
        size * LEADING
    }

    pub(crate) fn new_page(&mut self) {
        let ops = std::mem::take(&mut self.ops);
        self.pages.push(Page {
            width: self.width,
            height: self.height,
            ops,
        });
        self.y = self.top;
    }

    /// Starts a new page unless `height` still fits on this one. Returns whether it did.
    pub(crate) fn ensure(&mut self, height: f32) -> bool {
        if self.y + height > self.bottom && self.y > self.top {
            self.new_page();
            true
        } else {
            false
        }
    }

    pub(crate) fn gap(&mut self, height: f32) {
        self.y += height;
    }

    pub(crate) fn push(&mut self, op: Op) {
        self.ops.push(op);
    }

    pub(crate) fn text(&mut self, x: f32, baseline: f32, text: &str, weight: Weight, size: f32) {
        if text.is_empty() {
            return;
        }
        self.ops.push(Op::Text {
            x,
            baseline,
            size,
            weight,
            text: text.to_owned(),
        });
    }

    /// Draws `text` aligned inside [x0, x1] on `baseline`.
    pub(crate) fn text_in(
        &mut self,
        (x0, x1): (f32, f32),
        baseline: f32,
        text: &str,
        weight: Weight,
        size: f32,
        align: Align,
    ) {
        let w = self.fonts.width(text, weight, size);
        let x = match align {
            Align::Left => x0,
            Align::Center => x0 + ((x1 - x0) - w) / 2.0,
            Align::Right => x1 - w,
        };
        self.text(x, baseline, text, weight, size);
    }

    pub(crate) fn hline(&mut self, x1: f32, x2: f32, y: f32, width: f32) {
        self.ops.push(Op::Line {
            x1,
            y1: y,
            x2,
            y2: y,
            width,
        });
    }

    fn vline(&mut self, x: f32, y1: f32, y2: f32, width: f32) {
        self.ops.push(Op::Line {
            x1: x,
            y1,
            x2: x,
            y2,
            width,
        });
    }

    /// Lines of a wrapped text block of one weight, inside `width`.
    pub(crate) fn wrap(&self, text: &str, weight: Weight, size: f32, width: f32) -> Vec<String> {
        let span = Span {
            text: text.to_owned(),
            weight,
        };
        wrap_spans(self.fonts, &[span], size, width, width)
            .into_iter()
            .map(|line| {
                line.iter()
                    .map(|word| word.iter().map(|(t, _)| t.as_str()).collect::<String>())
                    .collect::<Vec<_>>()
                    .join(" ")
            })
            .collect()
    }

    /// A wrapped paragraph from the cursor, `indent` from the left margin (`first_indent` on
    /// its first line), breaking pages between lines.
    pub(crate) fn paragraph(
        &mut self,
        spans: &[Span],
        size: f32,
        first_indent: f32,
        indent: f32,
        align: Align,
    ) {
        let full = self.content_width();
        let lines = wrap_spans(self.fonts, spans, size, full - first_indent, full - indent);
        let lh = Self::line_height(size);
        for (i, line) in lines.iter().enumerate() {
            self.ensure(lh);
            let x0 = self.left + if i == 0 { first_indent } else { indent };
            let baseline = self.y + size;
            self.draw_words(line, x0, self.right, baseline, size, align);
            self.y += lh;
        }
        self.y += PARAGRAPH_SPACE;
    }

    /// Convenience: one regular paragraph, no indent.
    pub(crate) fn para(&mut self, text: &str, size: f32) {
        self.paragraph(&[regular(text)], size, 0.0, 0.0, Align::Left);
    }

    /// "label value" where the value is bold, wrapped.
    pub(crate) fn field(&mut self, label: &str, value: &str, size: f32) {
        let spans = [regular(format!("{label} ")), bold(value)];
        self.paragraph(&spans, size, 0.0, 0.0, Align::Left);
    }

    fn draw_words(
        &mut self,
        words: &[Word],
        x0: f32,
        x1: f32,
        baseline: f32,
        size: f32,
        align: Align,
    ) {
        // Merge the line into runs of one weight (spaces included), so that extracted text
        // keeps its spaces and each run is one text operation.
        let mut runs: Vec<(String, Weight)> = Vec::new();
        for (i, word) in words.iter().enumerate() {
            for (j, (text, weight)) in word.iter().enumerate() {
                let space = i > 0 && j == 0;
                match runs.last_mut() {
                    Some((run, w)) if w == weight => {
                        if space {
                            run.push(' ');
                        }
                        run.push_str(text);
                    }
                    _ => {
                        if space {
                            if let Some((run, _)) = runs.last_mut() {
                                run.push(' ');
                            }
                        }
                        runs.push((text.clone(), *weight));
                    }
                }
            }
        }
        let widths: Vec<f32> = runs
            .iter()
            .map(|(t, w)| self.fonts.width(t, *w, size))
            .collect();
        let total = widths.iter().sum::<f32>();
        let mut x = match align {
            Align::Left => x0,
            Align::Center => x0 + ((x1 - x0) - total) / 2.0,
            Align::Right => x1 - total,
        };
        for ((text, weight), w) in runs.into_iter().zip(widths) {
            // A run's trailing space only moves the pen; drawing it is harmless.
            self.text(x, baseline, &text, weight, size);
            x += w;
        }
    }

    /// A bordered table with a bold header row repeated on every page it spans.
    pub(crate) fn table(&mut self, columns: &[Column], rows: &[Vec<String>], size: f32) {
        let total_share: f32 = columns
            .iter()
            .map(|c| c.share)
            .sum::<f32>()
            .max(f32::EPSILON);
        let width = self.content_width();
        let widths: Vec<f32> = columns
            .iter()
            .map(|c| c.share / total_share * width)
            .collect();
        let header: Vec<String> = columns.iter().map(|c| c.title.to_owned()).collect();
        let header_aligns = vec![Align::Center; columns.len()];
        let body_aligns: Vec<Align> = columns.iter().map(|c| c.align).collect();
        let header_height = self.row_height(&header, &widths, Weight::Bold, size);
        let first_row = rows
            .first()
            .map(|r| self.row_height(r, &widths, Weight::Regular, size))
            .unwrap_or(0.0);
        self.ensure(header_height + first_row);
        self.table_row(&header, &widths, &header_aligns, Weight::Bold, size);
        for row in rows {
            let h = self.row_height(row, &widths, Weight::Regular, size);
            if self.ensure(h) {
                self.table_row(&header, &widths, &header_aligns, Weight::Bold, size);
            }
            self.table_row(row, &widths, &body_aligns, Weight::Regular, size);
        }
    }

    fn row_height(&self, cells: &[String], widths: &[f32], weight: Weight, size: f32) -> f32 {
        let lines = cells
            .iter()
            .zip(widths)
            .map(|(cell, w)| {
                self.wrap(cell, weight, size, w - 2.0 * CELL_PAD)
                    .len()
                    .max(1)
            })
            .max()
            .unwrap_or(1);
        lines as f32 * Self::line_height(size) + 2.0 * CELL_PAD
    }

    fn table_row(
        &mut self,
        cells: &[String],
        widths: &[f32],
        aligns: &[Align],
        weight: Weight,
        size: f32,
    ) {
        let height = self.row_height(cells, widths, weight, size);
        let top = self.y;
        let lh = Self::line_height(size);
        let mut x = self.left;
        self.hline(self.left, self.right, top, 0.5);
        self.vline(x, top, top + height, 0.5);
        for ((cell, w), align) in cells.iter().zip(widths).zip(aligns) {
            let lines = self.wrap(cell, weight, size, w - 2.0 * CELL_PAD);
            for (i, line) in lines.iter().enumerate() {
                let baseline = top + CELL_PAD + i as f32 * lh + size;
                self.text_in(
                    (x + CELL_PAD, x + w - CELL_PAD),
                    baseline,
                    line,
                    weight,
                    size,
                    *align,
                );
            }
            x += w;
            self.vline(x, top, top + height, 0.5);
        }
        self.hline(self.left, self.right, top + height, 0.5);
        self.y = top + height;
    }

    /// Signature blocks side by side, each centred in its share of the width.
    pub(crate) fn signatures(&mut self, blocks: &[Signature], size: f32) {
        if blocks.is_empty() {
            return;
        }
        let lh = Self::line_height(size);
        let sign_space = 22.0 * MM;
        self.ensure(3.0 * lh + sign_space);
        let share = self.content_width() / blocks.len() as f32;
        let top = self.y;
        let mut bottom = top;
        for (i, block) in blocks.iter().enumerate() {
            let x0 = self.left + share * i as f32;
            let x1 = x0 + share;
            let mut y = top;
            for line in self.wrap(&block.title, Weight::Bold, size, share - 6.0) {
                self.text_in((x0, x1), y + size, &line, Weight::Bold, size, Align::Center);
                y += lh;
            }
            if !block.note.is_empty() {
                self.text_in(
                    (x0, x1),
                    y + size,
                    &block.note,
                    Weight::Regular,
                    size - 1.0,
                    Align::Center,
                );
                y += lh;
            }
            y += sign_space;
            self.text_in(
                (x0, x1),
                y + size,
                &block.name,
                Weight::Bold,
                size,
                Align::Center,
            );
            y += lh;
            bottom = bottom.max(y);
        }
        self.y = bottom;
    }

    /// Closes the last page and draws the footers ("Trang i/n").
    pub(crate) fn finish(mut self) -> Vec<Page> {
        self.new_page();
        let count = self.pages.len();
        let size = 8.0;
        let baseline = self.height - 10.0 * MM;
        for (i, page) in self.pages.iter_mut().enumerate() {
            let number = format!("Trang {}/{}", i + 1, count);
            let number_width = self.fonts.width(&number, Weight::Regular, size);
            page.ops.push(Op::Text {
                x: self.left,
                baseline,
                size,
                weight: Weight::Regular,
                text: self.footer.clone(),
            });
            page.ops.push(Op::Text {
                x: self.right - number_width,
                baseline,
                size,
                weight: Weight::Regular,
                text: number,
            });
        }
        self.pages
    }
}

/// A word: the fragments between two spaces, each in its weight ("(mã" regular + "1.001193)"
/// bold + "," regular can be one word).
type Word = Vec<(String, Weight)>;

/// Greedy word wrap of inline spans: the spans join exactly as written (put the spaces in
/// the text), words break only at whitespace, and a word wider than a whole line is cut.
fn wrap_spans(
    fonts: &Fonts,
    spans: &[Span],
    size: f32,
    first_width: f32,
    width: f32,
) -> Vec<Vec<Word>> {
    // Words across span boundaries.
    let mut words: Vec<Word> = Vec::new();
    let mut glue = false;
    for span in spans {
        let mut rest = span.text.as_str();
        while !rest.is_empty() {
            let trimmed = rest.trim_start();
            if trimmed.len() != rest.len() {
                glue = false;
            }
            rest = trimmed;
            if rest.is_empty() {
                break;
            }
            let end = rest.find(char::is_whitespace).unwrap_or(rest.len());
            let piece = &rest[..end];
            match words.last_mut() {
                Some(word) if glue => word.push((piece.to_owned(), span.weight)),
                _ => words.push(vec![(piece.to_owned(), span.weight)]),
            }
            glue = true;
            rest = &rest[end..];
        }
    }
    let word_width = |word: &Word| -> f32 {
        word.iter()
            .map(|(t, w)| fonts.width(t, *w, size))
            .sum::<f32>()
    };
    let space = fonts.width(" ", Weight::Regular, size);
    let mut lines: Vec<Vec<Word>> = Vec::new();
    let mut line: Vec<Word> = Vec::new();
    let mut used = 0.0f32;
    for word in words {
        // A single-fragment word too wide for any line is cut into pieces.
        let pieces: Vec<Word> = match word.as_slice() {
            [(text, weight)] => split_long_word(fonts, text, *weight, size, width)
                .into_iter()
                .map(|p| vec![(p, *weight)])
                .collect(),
            _ => vec![word],
        };
        for piece in pieces {
            let avail = if lines.is_empty() { first_width } else { width };
            let w = word_width(&piece);
            let needed = if line.is_empty() { w } else { used + space + w };
            if !line.is_empty() && needed > avail {
                lines.push(std::mem::take(&mut line));
                used = w;
            } else {
                used = needed;
            }
            line.push(piece);
        }
    }
    if !line.is_empty() || lines.is_empty() {
        lines.push(line);
    }
    lines
}

/// Cuts a word wider than a line into pieces that fit, preferring to cut after a `-`, `.`
/// or `/` (dossier codes, URLs) and cutting between any two characters otherwise.
fn split_long_word(
    fonts: &Fonts,
    word: &str,
    weight: Weight,
    size: f32,
    width: f32,
) -> Vec<String> {
    if width <= 0.0 || fonts.width(word, weight, size) <= width {
        return vec![word.to_owned()];
    }
    let mut pieces = Vec::new();
    let mut piece = String::new();
    for ch in word.chars() {
        let mut candidate = piece.clone();
        candidate.push(ch);
        if !piece.is_empty() && fonts.width(&candidate, weight, size) > width {
            let cut = piece
                .char_indices()
                .filter(|&(i, c)| i > 0 && matches!(c, '-' | '.' | '/'))
                .map(|(i, c)| i + c.len_utf8())
                .next_back()
                .filter(|&end| end < piece.len())
                .unwrap_or(piece.len());
            let rest = piece.split_off(cut);
            pieces.push(std::mem::take(&mut piece));
            piece = rest;
            piece.push(ch);
        } else {
            piece = candidate;
        }
    }
    if !piece.is_empty() {
        pieces.push(piece);
    }
    pieces
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrapping_keeps_every_word_and_respects_the_width() {
        let fonts = Fonts::load().expect("fonts");
        let text = "Bản sao Giấy chứng nhận quyền sử dụng đất, quyền sở hữu nhà ở và tài sản khác gắn liền với đất";
        let flow = Flow::new(&fonts, Orientation::Portrait, String::new());
        let lines = flow.wrap(text, Weight::Regular, 11.0, 150.0);
        assert!(lines.len() > 2);
        for line in &lines {
            assert!(
                fonts.width(line, Weight::Regular, 11.0) <= 150.0 + 0.01,
                "{line}"
            );
        }
        assert_eq!(lines.join(" "), text);
    }

    #[test]
    fn an_overlong_word_is_cut() {
        let fonts = Fonts::load().expect("fonts");
        let flow = Flow::new(&fonts, Orientation::Portrait, String::new());
        let code = "000.00.04.H40-230414-0002";
        for width in [60.0, 80.0, 100.0] {
            let lines = flow.wrap(code, Weight::Regular, 10.0, width);
            assert!(lines.len() > 1);
            assert_eq!(lines.concat(), code);
            for line in &lines[..lines.len() - 1] {
                assert!(line.ends_with(['-', '.']), "{lines:?} at {width}");
            }
        }
        let blob = "x".repeat(80);
        let lines = flow.wrap(&blob, Weight::Regular, 10.0, 60.0);
        assert!(lines.len() > 1);
        assert_eq!(lines.concat(), blob);
    }

    #[test]
    fn a_long_table_breaks_across_pages_with_its_header_repeated() {
        let fonts = Fonts::load().expect("fonts");
        let mut flow = Flow::new(&fonts, Orientation::Portrait, "chân trang".to_owned());
        let rows: Vec<Vec<String>> = (1..=120)
            .map(|i| vec![i.to_string(), format!("Dòng số {i}")])
            .collect();
        flow.table(
            &[
                col("STT", 1.0, Align::Center),
                col("Nội dung", 5.0, Align::Left),
            ],
            &rows,
            10.0,
        );
        let pages = flow.finish();
        assert!(pages.len() >= 3, "{} pages", pages.len());
        for page in &pages {
            let has_header = page
                .ops
                .iter()
                .any(|op| matches!(op, Op::Text { text, .. } if text == "Nội dung"));
            assert!(has_header);
            let bottom_text = page
                .ops
                .iter()
                .filter_map(|op| match op {
                    Op::Text { baseline, text, .. }
                        if !text.starts_with("Trang") && text != "chân trang" =>
                    {
                        Some(*baseline)
                    }
                    _ => None,
                })
                .fold(0.0f32, f32::max);
            assert!(bottom_text <= A4_LONG - 20.0 * MM);
        }
    }
}
