//! Pages of the `admin` area (see the module docs of [`crate::html`] for the conventions).

use crate::openapi::Routes;

pub fn routes() -> Routes {
    Routes::new()
}
