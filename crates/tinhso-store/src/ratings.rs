//! Satisfaction ratings of dossiers (đánh giá mức độ hài lòng): the applicant rates a delivered
//! dossier once, 1–5 with an optional comment. The dashboard's satisfaction figure reads them.

use async_trait::async_trait;
use jiff::Timestamp;

use crate::StoreResult;

/// The most characters a rating's comment keeps.
pub const MAX_RATING_COMMENT: usize = 2000;

/// One rating (table `dossier_ratings`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DossierRating {
    pub dossier_id: i64,
    /// 1 (very unsatisfied) to 5 (very satisfied).
    pub rating: u8,
    pub comment: String,
    pub rated_at: Timestamp,
}

#[async_trait]
pub trait RatingStore: Send + Sync {
    /// Records the rating of a dossier, once. A second rating of the same dossier, an unknown
    /// dossier or a rating outside 1–5 is a [`crate::StoreError::Conflict`] (nothing changes).
    async fn rate_dossier(&self, rating: &DossierRating) -> StoreResult<()>;
    /// The rating of a dossier, if it has one.
    async fn dossier_rating(&self, dossier_id: i64) -> StoreResult<Option<DossierRating>>;
}
