//! The QR code that opens a dossier's public status page (domain.md §5.3), drawn as vector
//! rectangles so it stays sharp at any print resolution.

use qrcode::{Color, EcLevel, QrCode};

use crate::layout::Op;
use crate::FormError;

/// The modules of a QR code, row by row, `true` for dark. No quiet zone: leave four modules
/// of white around it when drawing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QrMatrix {
    width: usize,
    dark: Vec<bool>,
}

impl QrMatrix {
    /// Encodes `text` (the status URL) with error correction level M, which survives a
    /// creased or slightly soiled paper receipt.
    pub fn encode(text: &str) -> Result<Self, FormError> {
        let code = QrCode::with_error_correction_level(text.as_bytes(), EcLevel::M)
            .map_err(|e| FormError::QrCode(e.to_string()))?;
        let width = code.width();
        let dark = code
            .to_colors()
            .into_iter()
            .map(|c| c == Color::Dark)
            .collect();
        Ok(Self { width, dark })
    }

    /// Modules per side.
    pub fn width(&self) -> usize {
        self.width
    }

    /// Whether the module at column `x`, row `y` is dark (out of range: light).
    pub fn is_dark(&self, x: usize, y: usize) -> bool {
        x < self.width && y < self.width && self.dark[y * self.width + x]
    }

    /// The dark modules as rectangles of a `side`-point square at (`x`, `y`), one rectangle
    /// per horizontal run of dark modules.
    pub(crate) fn draw(&self, x: f32, y: f32, side: f32) -> Op {
        let module = side / self.width as f32;
        let mut rects = Vec::new();
        for row in 0..self.width {
            let mut col = 0;
            while col < self.width {
                if self.is_dark(col, row) {
                    let start = col;
                    while col < self.width && self.is_dark(col, row) {
                        col += 1;
                    }
                    rects.push((
                        x + start as f32 * module,
                        y + row as f32 * module,
                        (col - start) as f32 * module,
                        module,
                    ));
                } else {
                    col += 1;
                }
            }
        }
        Op::Rects(rects)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_status_url_fits_and_has_finder_patterns() {
        let m = QrMatrix::encode("https://dichvucong.example/tra-cuu?ma=000.00.04.H40-230414-0002")
            .expect("encodes");
        assert!(m.width() >= 21);
        // The top-left finder pattern: a dark 7×7 ring with a light ring inside.
        assert!(m.is_dark(0, 0) && m.is_dark(6, 6) && m.is_dark(3, 3));
        assert!(!m.is_dark(1, 1) && !m.is_dark(5, 5));
        assert!(!m.is_dark(m.width(), 0));
    }

    #[test]
    fn oversized_text_is_an_error_not_a_panic() {
        let huge = "x".repeat(5000);
        assert!(matches!(QrMatrix::encode(&huge), Err(FormError::QrCode(_))));
    }
}
