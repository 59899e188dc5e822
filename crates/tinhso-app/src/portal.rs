//! Use cases of the citizen portal that the dossier module does not already offer: the
//! satisfaction rating of a delivered dossier, and the applicant details of a citizen's latest
//! dossier (to prefill a new submission).

use tinhso_domain::dossier::NationalStatus;
use tinhso_store::dossiers::{Applicant, DossierQuery, User};
use tinhso_store::ratings::{DossierRating, MAX_RATING_COMMENT};
use tinhso_store::StoreError;

use crate::dossiers::{log_personal_read, DossierError, DossierResult};
use crate::identity::is_citizen;
use crate::App;

impl App {
    /// Records the applicant's satisfaction with a delivered dossier (status 10), once:
    /// `rating` 1–5, an optional comment. Only the citizen who submitted it may rate.
    pub async fn rate_dossier(
        &self,
        user: &User,
        code: &str,
        rating: u8,
        comment: &str,
    ) -> DossierResult<DossierRating> {
        let stored = self.visible_dossier(user, code).await?;
        if !is_citizen(user) || stored.dossier.applicant_id.as_deref() != Some(user.id.as_str()) {
            return Err(DossierError::Forbidden);
        }
        if stored.dossier.status != NationalStatus::Delivered {
            return Err(DossierError::InvalidRequest(
                "chỉ đánh giá được hồ sơ đã trả kết quả / only a delivered dossier can be rated"
                    .into(),
            ));
        }
        if !(1..=5).contains(&rating) {
            return Err(DossierError::InvalidRequest(
                "rating: từ 1 đến 5 / from 1 to 5".into(),
            ));
        }
        let comment = comment.trim();
        crate::dossiers::validate_text("comment", comment, MAX_RATING_COMMENT)?;
        let record = DossierRating {
            dossier_id: stored.id,
            rating,
            comment: comment.to_string(),
            rated_at: self.clock.now(),
        };
        match self.store.rate_dossier(&record).await {
            Ok(()) => {
                tracing::info!(code = %stored.dossier.code, rating, "dossier rated");
                Ok(record)
            }
            Err(StoreError::Conflict(_)) => Err(DossierError::InvalidRequest(
                "hồ sơ này đã được đánh giá / this dossier has already been rated".into(),
            )),
            Err(e) => Err(e.into()),
        }
    }

    /// The rating of a dossier the user may see, if rated.
    pub async fn dossier_rating(
        &self,
        user: &User,
        code: &str,
    ) -> DossierResult<Option<DossierRating>> {
        let stored = self.visible_dossier(user, code).await?;
        Ok(self.store.dossier_rating(stored.id).await?)
    }

    /// The applicant details of the citizen's latest dossier, to prefill a new one; `None`
    /// for staff or a citizen without dossiers.
    pub async fn latest_applicant(&self, user: &User) -> DossierResult<Option<Applicant>> {
        if !is_citizen(user) {
            return Ok(None);
        }
        let query = DossierQuery {
            applicant_id: Some(user.id.clone()),
            limit: 1,
            ..Default::default()
        };
        let found = self.store.find_dossiers(&query).await?;
        let Some(latest) = found.into_iter().next() else {
            return Ok(None);
        };
        log_personal_read(user, "prefill", &latest.dossier.code.to_string());
        Ok(Some(latest.applicant))
    }
}
