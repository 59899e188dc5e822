//! # tinhso-search
//!
//! In-memory, diacritic-insensitive, ranked search over the procedure catalog (thủ tục hành
//! chính). Pure: no I/O, no clock. The app layer builds a [`SearchIndex`] from the store's latest
//! procedure versions and queries it in memory, so SQLite and PostgreSQL deployments search
//! identically (SQLite FTS5 does not fold `đ`, and the two databases rank differently).
//!
//! ## Matching
//! - Text is cut into words (runs of letters and digits) and folded with
//!   [`tinhso_domain::text::fold`]: lower case, no diacritics, `đ` → `d`. So `dang ky khai sinh`
//!   finds `Đăng ký khai sinh`, and `Đăng` finds `dang`.
//! - Every query word must match (AND) in the name, the fields (lĩnh vực), the results or the
//!   requirements. The last word matches as a prefix (type-ahead: `dang ky khai s`), unless the
//!   query ends with a space or a punctuation mark.
//! - A procedure code in the query (`1.001193`) puts that record first, whatever the words. The
//!   beginning of a code (`1.0011`) restricts the results to the codes it begins.
//! - Empty `q`: every record that passes the filters, in code order.
//! - Filters: `field` (compared folded, so `ho tich` = `Hộ tịch`), `level`, `agency`,
//!   `online_level`. The agency filter matches a record's listed `agency_eids` only.
//!
//! ## Ranking
//! BM25F over folded words, the name weighted most, the fields next, results and requirements
//! lightly; then bonuses: the query as a contiguous phrase in the name, the name starting with
//! it (a leading "Thủ tục" is skipped), the query being the whole name, and, when the query was
//! typed with diacritics, a small one per word the name has in exactly that form (`Vĩnh Hưng`
//! ranks Vĩnh Hưng above Vinh Hưng, `Vinh Hưng` the reverse; both match either way). Ties break by code, so results are deterministic.
//!
//! ```
//! use tinhso_search::{SearchIndex, SearchQuery};
//! let index = SearchIndex::build(std::iter::empty());
//! let results = index.search(&SearchQuery { q: "dang ky khai sinh".into(), ..Default::default() });
//! assert_eq!(results.total, 0);
//! ```

mod index;
mod tokens;

use serde::{Deserialize, Serialize};
use tinhso_domain::agency::AgencyEId;
use tinhso_domain::catalog::{OnlineLevel, ProcedureCode, ProcedureLevel};

pub use index::SearchIndex;

/// Page size when the query says 0.
pub const DEFAULT_LIMIT: usize = 20;
/// Largest page size a query may ask for.
pub const MAX_LIMIT: usize = 100;

/// A catalog query, as the web layer deserializes it from a query string or JSON body.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub struct SearchQuery {
    /// What the citizen typed, with or without diacritics; may contain procedure codes.
    pub q: String,
    /// Only records in this field (lĩnh vực), compared folded.
    pub field: Option<String>,
    /// Only records carried out at this level (cấp thực hiện).
    pub level: Option<ProcedureLevel>,
    /// Only records this agency implements.
    pub agency: Option<AgencyEId>,
    /// Only records at this online service level (NĐ 42/2022).
    pub online_level: Option<OnlineLevel>,
    /// Page size: 0 means [`DEFAULT_LIMIT`]; capped at [`MAX_LIMIT`].
    pub limit: usize,
    /// Number of ranked hits to skip.
    pub offset: usize,
}

/// One page of ranked results.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SearchResults {
    /// Number of records matching the query (all pages).
    pub total: usize,
    pub hits: Vec<Hit>,
}

/// One matching record.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Hit {
    pub code: ProcedureCode,
    /// Relevance; higher first. Comparable within one query only. 0 when listing by code.
    pub score: f32,
}
