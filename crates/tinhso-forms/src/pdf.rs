//! Writes laid-out pages to PDF with krilla: text as real (subset, embedded, extractable) text,
//! lines and the QR code as vector paths.

use krilla::geom::{PathBuilder, Point, Rect};
use krilla::metadata::Metadata;
use krilla::page::PageSettings;
use krilla::paint::{Fill, Stroke};
use krilla::Document;

use crate::font::Fonts;
use crate::layout::{Op, Page};
use crate::FormError;

pub(crate) fn write(pages: &[Page], fonts: &Fonts, title: &str) -> Result<Vec<u8>, FormError> {
    let mut document = Document::new();
    document.set_metadata(
        Metadata::new()
            .title(title.to_owned())
            .language("vi".to_owned())
            .creator("tinhso".to_owned()),
    );
    for laid_out in pages {
        let settings = PageSettings::from_wh(laid_out.width, laid_out.height)
            .ok_or_else(|| FormError::Pdf("kích thước trang không hợp lệ".to_owned()))?;
        let mut page = document.start_page_with(settings);
        let mut surface = page.surface();
        for op in &laid_out.ops {
            match op {
                Op::Text {
                    x,
                    baseline,
                    size,
                    weight,
                    text,
                } => {
                    let face = fonts.face(*weight);
                    let glyphs = face.shape(text);
                    surface.set_fill(Some(Fill::default()));
                    surface.set_stroke(None);
                    surface.draw_glyphs(
                        Point::from_xy(*x, *baseline),
                        &glyphs,
                        face.pdf.clone(),
                        text,
                        *size,
                        false,
                    );
                }
                Op::Line {
                    x1,
                    y1,
                    x2,
                    y2,
                    width,
                } => {
                    let mut builder = PathBuilder::new();
                    builder.move_to(*x1, *y1);
                    builder.line_to(*x2, *y2);
                    if let Some(path) = builder.finish() {
                        surface.set_fill(None);
                        surface.set_stroke(Some(Stroke {
                            width: *width,
                            ..Stroke::default()
                        }));
                        surface.draw_path(&path);
                    }
                }
                Op::Rects(rects) => {
                    let mut builder = PathBuilder::new();
                    for &(x, y, w, h) in rects {
                        if let Some(rect) = Rect::from_xywh(x, y, w, h) {
                            builder.push_rect(rect);
                        }
                    }
                    if let Some(path) = builder.finish() {
                        surface.set_stroke(None);
                        surface.set_fill(Some(Fill::default()));
                        surface.draw_path(&path);
                    }
                }
            }
        }
        surface.finish();
        page.finish();
    }
    document
        .finish()
        .map_err(|e| FormError::Pdf(format!("{e:?}")))
}
