//! The embedded typeface (Noto Serif, SIL OFL 1.1: see `fonts/OFL.txt`) and text shaping.
//!
//! Noto Serif covers every Vietnamese letter with its tone and vowel marks, precomposed or
//! built from combining marks. Text is shaped with rustybuzz so that decomposed input (NFD,
//! as some keyboards and databases produce it) still places its marks correctly, and the
//! same glyph advances serve measuring and drawing. krilla subsets the font and writes a
//! ToUnicode map, so the PDF's text stays extractable and searchable.

use krilla::text::{Font as PdfFont, GlyphId, KrillaGlyph};

use crate::FormError;

static REGULAR: &[u8] = include_bytes!("../fonts/NotoSerif-Regular.ttf");
static BOLD: &[u8] = include_bytes!("../fonts/NotoSerif-Bold.ttf");

/// Regular or bold: the forms need no other style.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Weight {
    Regular,
    Bold,
}

/// One face, ready to shape and to draw.
pub(crate) struct Face {
    pub(crate) pdf: PdfFont,
    shaper: rustybuzz::Face<'static>,
    units_per_em: f32,
}

impl Face {
    fn load(bytes: &'static [u8], name: &str) -> Result<Self, FormError> {
        let broken = || FormError::Font(name.to_owned());
        let shaper = rustybuzz::Face::from_slice(bytes, 0).ok_or_else(broken)?;
        let pdf = PdfFont::new(bytes.into(), 0).ok_or_else(broken)?;
        let units_per_em = shaper.units_per_em() as f32;
        if units_per_em <= 0.0 {
            return Err(broken());
        }
        Ok(Self {
            pdf,
            shaper,
            units_per_em,
        })
    }

    /// Shapes one line of left-to-right text. Advances are in em (multiply by the size).
    pub(crate) fn shape(&self, text: &str) -> Vec<KrillaGlyph> {
        let mut buffer = rustybuzz::UnicodeBuffer::new();
        buffer.push_str(text);
        buffer.set_direction(rustybuzz::Direction::LeftToRight);
        buffer.guess_segment_properties();
        let output = rustybuzz::shape(&self.shaper, &[], buffer);
        let infos = output.glyph_infos();
        let positions = output.glyph_positions();
        let upem = self.units_per_em;
        let mut glyphs = Vec::with_capacity(infos.len());
        for (i, (info, pos)) in infos.iter().zip(positions).enumerate() {
            let start = info.cluster as usize;
            // The cluster ends where the next different cluster starts (LTR only).
            let end = infos[i + 1..]
                .iter()
                .map(|next| next.cluster as usize)
                .find(|&c| c != start)
                .unwrap_or(text.len());
            glyphs.push(KrillaGlyph::new(
                GlyphId::new(info.glyph_id),
                pos.x_advance as f32 / upem,
                pos.x_offset as f32 / upem,
                pos.y_offset as f32 / upem,
                pos.y_advance as f32 / upem,
                start..end,
                None,
            ));
        }
        glyphs
    }

    /// The width of `text` at `size` points.
    pub(crate) fn width(&self, text: &str, size: f32) -> f32 {
        self.shape(text).iter().map(|g| g.x_advance).sum::<f32>() * size
    }
}

/// The two faces every form uses.
pub(crate) struct Fonts {
    regular: Face,
    bold: Face,
}

impl Fonts {
    pub(crate) fn load() -> Result<Self, FormError> {
        Ok(Self {
            regular: Face::load(REGULAR, "NotoSerif-Regular")?,
            bold: Face::load(BOLD, "NotoSerif-Bold")?,
        })
    }

    pub(crate) fn face(&self, weight: Weight) -> &Face {
        match weight {
            Weight::Regular => &self.regular,
            Weight::Bold => &self.bold,
        }
    }

    pub(crate) fn width(&self, text: &str, weight: Weight, size: f32) -> f32 {
        self.face(weight).width(text, size)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_vietnamese_letter_has_a_glyph() {
        let fonts = Fonts::load().expect("embedded fonts load");
        // All 134 lowercase and uppercase Vietnamese vowels with tones, plus đ/Đ.
        let letters = "aàáảãạăằắẳẵặâầấẩẫậeèéẻẽẹêềếểễệiìíỉĩịoòóỏõọôồốổỗộơờớởỡợuùúủũụưừứửữựyỳýỷỹỵđ\
                       AÀÁẢÃẠĂẰẮẲẴẶÂẦẤẨẪẬEÈÉẺẼẸÊỀẾỂỄỆIÌÍỈĨỊOÒÓỎÕỌÔỒỐỔỖỘƠỜỚỞỠỢUÙÚỦŨỤƯỪỨỬỮỰYỲÝỶỸỴĐ";
        for weight in [Weight::Regular, Weight::Bold] {
            for ch in letters.chars() {
                let glyphs = fonts.face(weight).shape(&ch.to_string());
                assert!(
                    glyphs.iter().all(|g| g.glyph_id.to_u32() != 0),
                    "missing glyph for {ch} ({weight:?})"
                );
            }
        }
    }

    #[test]
    fn decomposed_marks_do_not_widen_the_text() {
        let fonts = Fonts::load().expect("embedded fonts load");
        // "ệ" precomposed vs e + combining circumflex + combining dot below.
        let composed = fonts.width("Việt", Weight::Regular, 10.0);
        let decomposed = fonts.width("Vie\u{302}\u{323}t", Weight::Regular, 10.0);
        assert!(
            (composed - decomposed).abs() < 0.01,
            "{composed} vs {decomposed}"
        );
    }
}
