//! The demo province, embedded in the binary: Vĩnh Long (province code 86), which since
//! 1/7/2025 includes the former Bến Tre and Trà Vinh. Loading is idempotent: every write is an
//! upsert or a content-hashed version, so `tinhso demo` can run again on the same data folder.

use std::fmt;

use crate::imports::{ImportError, ImportOptions, ImportReport};
use crate::{App, ProgressSink};

/// Embedded demo files: (label, contents).
pub const UNITS_2025: (&str, &str) = (
    "data/admin-units/units-2025.csv",
    include_str!("../../../data/admin-units/units-2025.csv"),
);
pub const UNITS_LEGACY: (&str, &str) = (
    "data/admin-units/vinh-long-legacy.csv",
    include_str!("../../../data/admin-units/vinh-long-legacy.csv"),
);
pub const SUCCESSION: (&str, &str) = (
    "data/admin-units/vinh-long-succession.csv",
    include_str!("../../../data/admin-units/vinh-long-succession.csv"),
);
pub const AGENCIES: (&str, &str) = (
    "data/demo/agencies.json",
    include_str!("../../../data/demo/agencies.json"),
);
pub const CALENDAR: (&str, &str) = (
    "data/demo/calendar.csv",
    include_str!("../../../data/demo/calendar.csv"),
);
pub const PROCEDURES: (&str, &str) = (
    "data/demo/procedures.json",
    include_str!("../../../data/demo/procedures.json"),
);

/// What `load_demo` loaded.
#[derive(Debug, Default)]
pub struct DemoReport {
    pub parts: Vec<ImportReport>,
}

impl fmt::Display for DemoReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "Dữ liệu mẫu tỉnh Vĩnh Long / demo province Vĩnh Long:")?;
        for p in &self.parts {
            write!(f, "  {p}")?;
        }
        Ok(())
    }
}

impl App {
    /// Loads the embedded demo province. Idempotent.
    pub async fn load_demo(&self, progress: &dyn ProgressSink) -> Result<DemoReport, ImportError> {
        let strict = ImportOptions::default();
        let mut parts = Vec::new();
        for (label, text) in [UNITS_2025, UNITS_LEGACY, SUCCESSION] {
            parts.push(
                self.import_units_text(label, text, strict, progress)
                    .await?,
            );
        }
        parts.push(
            self.import_agencies_text(AGENCIES.0, AGENCIES.1, strict, progress)
                .await?,
        );
        parts.push(
            self.import_calendar_text(CALENDAR.0, CALENDAR.1, strict, progress)
                .await?,
        );
        parts.push(
            self.import_procedures_text(PROCEDURES.0, PROCEDURES.1, strict, progress)
                .await?,
        );
        Ok(DemoReport { parts })
    }
}

/// The demo's people: the one-stop team of UBND Phường Phú Khương (a commune of Vĩnh Long,
/// competent for civil-status procedures such as 1.001193 Đăng ký khai sinh), its agency
/// administrator, the province administrator and one citizen.
pub const DEMO_AGENCY: &str = "000.01.90.H61";

/// (id, name, role, belongs to [`DEMO_AGENCY`]?)
pub const DEMO_USERS: &[(&str, &str, tinhso_domain::dossier::Role, bool)] = &[
    (
        "mc-phukhuong",
        "Trần Văn Đức (một cửa)",
        tinhso_domain::dossier::Role::OneStopOfficer,
        true,
    ),
    (
        "cv-phukhuong",
        "Lê Thị Mai (chuyên viên)",
        tinhso_domain::dossier::Role::Specialist,
        true,
    ),
    (
        "ld-phukhuong",
        "Phạm Minh Quân (lãnh đạo)",
        tinhso_domain::dossier::Role::Leader,
        true,
    ),
    (
        "vt-phukhuong",
        "Võ Thị Lan (văn thư)",
        tinhso_domain::dossier::Role::Clerk,
        true,
    ),
    (
        "qt-phukhuong",
        "Huỳnh Văn Tâm (quản trị cơ quan)",
        tinhso_domain::dossier::Role::AgencyAdmin,
        true,
    ),
    // The province administrator belongs to no agency (allowed for that role only).
    (
        "qt-tinh",
        "Đặng Thị Thu (quản trị tỉnh)",
        tinhso_domain::dossier::Role::ProvinceAdmin,
        false,
    ),
    (
        "cong-dan-demo",
        "Nguyễn Thị Hồng Nhung (công dân)",
        tinhso_domain::dossier::Role::Applicant,
        false,
    ),
];

/// The password of every demo user (demo data only: a real deployment sets each user's own).
pub const DEMO_PASSWORD: &str = "tinhso-demo-2026";

impl App {
    /// Creates the demo users, sets their password to [`DEMO_PASSWORD`] and gives each a fresh
    /// API token (older demo tokens are revoked). Returns (user id, role, token).
    pub async fn load_demo_users(
        &self,
    ) -> Result<Vec<(String, tinhso_domain::dossier::Role, String)>, crate::identity::IdentityError>
    {
        let agency = tinhso_domain::agency::AgencyEId::parse(DEMO_AGENCY)
            .map_err(|e| crate::identity::IdentityError::InvalidUser(e.to_string()))?;
        let mut out = Vec::new();
        for (id, name, role, officer) in DEMO_USERS {
            self.create_user(crate::identity::NewUser {
                id: id.to_string(),
                name: name.to_string(),
                agency: officer.then(|| agency.clone()),
                roles: vec![*role],
            })
            .await?;
            self.revoke_tokens(id).await?;
            if self.store.password_hash(id).await?.is_none() {
                let hash = crate::sessions::hash_password(DEMO_PASSWORD)
                    .map_err(|e| crate::identity::IdentityError::InvalidUser(e.to_string()))?;
                self.store
                    .set_password_hash(id, &hash, self.clock.now())
                    .await?;
            }
            let token = self.issue_token(id, "demo").await?;
            out.push((id.to_string(), *role, token));
        }
        Ok(out)
    }
}
