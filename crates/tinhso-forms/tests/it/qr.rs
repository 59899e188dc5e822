//! The QR code decodes back to the status URL: from the matrix always, and from the printed
//! page when pdftoppm is available.

use crate::fixtures::{self, STATUS_URL};
use crate::pdf_tools::{rasterise_first_page, scratch};
use tinhso_forms::{render, QrMatrix};

#[test]
fn the_qr_matrix_decodes_to_the_status_url() {
    let matrix = QrMatrix::encode(STATUS_URL).expect("encodes");
    let grid = rqrr::SimpleGrid::from_func(matrix.width(), |x, y| matrix.is_dark(x, y));
    let (_, content) = rqrr::Grid::new(grid).decode().expect("decodes");
    assert_eq!(content, STATUS_URL);
}

#[test]
fn the_printed_qr_code_decodes_to_the_status_url() {
    for form in [
        fixtures::receipt(),
        fixtures::apology(),
        fixtures::control_slip(4),
    ] {
        let pdf = render(&form, STATUS_URL).expect("renders");
        let dir = scratch(&format!("qr-{}", form.number()));
        let Some((w, h, pixels)) = rasterise_first_page(&pdf, &dir, 150) else {
            println!("SKIPPED: pdftoppm not on PATH (Debian package poppler-utils)");
            return;
        };
        let mut image = rqrr::PreparedImage::prepare_from_greyscale(w, h, |x, y| pixels[y * w + x]);
        let decoded: Vec<String> = image
            .detect_grids()
            .into_iter()
            .filter_map(|g| g.decode().ok().map(|(_, s)| s))
            .collect();
        assert_eq!(
            decoded,
            vec![STATUS_URL.to_owned()],
            "Mẫu {}",
            form.number()
        );
    }
}
