//! National dossier status codes (TrangThaiHoSo, domain.md §2.1), roles and actors (§2.2).

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::agency::AgencyEId;

/// The national status of a dossier, as synced to the national portal (codes 1–10).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NationalStatus {
    /// 1 Mới đăng ký: submitted, not yet accepted.
    Registered = 1,
    /// 2 Được tiếp nhận: accepted by the one-stop unit (receipt Mẫu 01).
    Accepted = 2,
    /// 3 Không được tiếp nhận: refused (Mẫu 03).
    Refused = 3,
    /// 4 Đang xử lý: being processed, including while another agency works on it (liên thông).
    Processing = 4,
    /// 5 Yêu cầu bổ sung giấy tờ: supplement requested (Mẫu 02); the clock is paused.
    SupplementRequested = 5,
    /// 6 Yêu cầu thực hiện nghĩa vụ tài chính: fee or tax due; the clock is paused.
    FinancialObligation = 6,
    /// 7 Công dân yêu cầu rút hồ sơ: withdrawn by the applicant.
    Withdrawn = 7,
    /// 8 Dừng xử lý: processing stopped (Mẫu 05).
    Stopped = 8,
    /// 9 Đã xử lý xong: result ready at the one-stop unit.
    ResultReady = 9,
    /// 10 Đã trả kết quả: result delivered.
    Delivered = 10,
}

impl NationalStatus {
    /// Every status, by code.
    pub const ALL: [NationalStatus; 10] = [
        NationalStatus::Registered,
        NationalStatus::Accepted,
        NationalStatus::Refused,
        NationalStatus::Processing,
        NationalStatus::SupplementRequested,
        NationalStatus::FinancialObligation,
        NationalStatus::Withdrawn,
        NationalStatus::Stopped,
        NationalStatus::ResultReady,
        NationalStatus::Delivered,
    ];

    /// The national code, 1–10.
    pub fn code(self) -> u8 {
        self as u8
    }

    /// The status of a national code; `None` outside 1–10.
    pub fn from_code(code: u8) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.code() == code)
    }

    /// The official Vietnamese label, e.g. `Đã xử lý xong`.
    pub fn label_vi(self) -> &'static str {
        match self {
            NationalStatus::Registered => "Mới đăng ký",
            NationalStatus::Accepted => "Được tiếp nhận",
            NationalStatus::Refused => "Không được tiếp nhận",
            NationalStatus::Processing => "Đang xử lý",
            NationalStatus::SupplementRequested => "Yêu cầu bổ sung giấy tờ",
            NationalStatus::FinancialObligation => "Yêu cầu thực hiện nghĩa vụ tài chính",
            NationalStatus::Withdrawn => "Công dân yêu cầu rút hồ sơ",
            NationalStatus::Stopped => "Dừng xử lý",
            NationalStatus::ResultReady => "Đã xử lý xong",
            NationalStatus::Delivered => "Đã trả kết quả",
        }
    }

    /// An English label.
    pub fn label_en(self) -> &'static str {
        match self {
            NationalStatus::Registered => "Submitted",
            NationalStatus::Accepted => "Accepted",
            NationalStatus::Refused => "Refused",
            NationalStatus::Processing => "Processing",
            NationalStatus::SupplementRequested => "Supplement requested",
            NationalStatus::FinancialObligation => "Financial obligation due",
            NationalStatus::Withdrawn => "Withdrawn by the applicant",
            NationalStatus::Stopped => "Processing stopped",
            NationalStatus::ResultReady => "Result ready",
            NationalStatus::Delivered => "Result delivered",
        }
    }

    /// The processing clock is paused (5 and 6, domain.md §3).
    pub fn is_paused(self) -> bool {
        matches!(
            self,
            NationalStatus::SupplementRequested | NationalStatus::FinancialObligation
        )
    }

    /// Dashboards group 5, 6 and 8 as "paused" (domain.md §2.1).
    pub fn is_paused_for_dashboard(self) -> bool {
        self.is_paused() || self == NationalStatus::Stopped
    }

    /// No move leaves this status except delivering a ready result: 3, 7, 8, 9, 10.
    pub fn is_terminal(self) -> bool {
        matches!(
            self,
            NationalStatus::Refused
                | NationalStatus::Withdrawn
                | NationalStatus::Stopped
                | NationalStatus::ResultReady
                | NationalStatus::Delivered
        )
    }

    /// The legal transition table: whether a dossier may move from `self` to `to`.
    ///
    /// Staying in the same status (a step change inside processing, a transfer, an
    /// extension) is legal for 2 and 4 only.
    pub fn can_move_to(self, to: NationalStatus) -> bool {
        use NationalStatus::*;
        match self {
            Registered => matches!(to, Accepted | Refused | SupplementRequested | Withdrawn),
            Accepted | Processing => {
                matches!(
                    to,
                    Accepted
                        | Processing
                        | SupplementRequested
                        | FinancialObligation
                        | Withdrawn
                        | Stopped
                        | ResultReady
                ) && !(self == Processing && to == Accepted)
            }
            // Back to where it paused (1, 2 or 4), or ended while waiting.
            SupplementRequested => matches!(
                to,
                Registered | Accepted | Processing | Refused | Withdrawn | Stopped
            ),
            FinancialObligation => matches!(to, Accepted | Processing | Withdrawn | Stopped),
            ResultReady => to == Delivered,
            Refused | Withdrawn | Stopped | Delivered => false,
        }
    }
}

impl fmt::Display for NationalStatus {
    /// `<code> <Vietnamese label>`, e.g. `9 Đã xử lý xong`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.code(), self.label_vi())
    }
}

/// Who acts on dossiers (domain.md §2.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Cán bộ Bộ phận Một cửa: checks, accepts, refuses, delivers; records paper moves of the
    /// applicant at the counter.
    OneStopOfficer,
    /// Chuyên viên: appraises, asks for supplements or fees, transfers, proposes a stop.
    Specialist,
    /// Lãnh đạo: approves, signs, apologizes and extends (Mẫu 04).
    Leader,
    /// Văn thư: numbers and issues the result.
    Clerk,
    /// Quản trị cơ quan: administers an agency; moves no dossier.
    AgencyAdmin,
    /// Quản trị tỉnh: administers the province; moves no dossier.
    ProvinceAdmin,
    /// Chủ hồ sơ: submits, supplements, pays, withdraws.
    Applicant,
}

impl Role {
    pub const ALL: [Role; 7] = [
        Role::OneStopOfficer,
        Role::Specialist,
        Role::Leader,
        Role::Clerk,
        Role::AgencyAdmin,
        Role::ProvinceAdmin,
        Role::Applicant,
    ];

    pub fn label_vi(self) -> &'static str {
        match self {
            Role::OneStopOfficer => "Cán bộ một cửa",
            Role::Specialist => "Chuyên viên",
            Role::Leader => "Lãnh đạo",
            Role::Clerk => "Văn thư",
            Role::AgencyAdmin => "Quản trị cơ quan",
            Role::ProvinceAdmin => "Quản trị tỉnh",
            Role::Applicant => "Chủ hồ sơ",
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label_vi())
    }
}

/// Who performs an action: role, agency (none for an applicant) and user id.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Actor {
    pub role: Role,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agency: Option<AgencyEId>,
    pub user_id: String,
}

impl Actor {
    /// An officer of `agency`.
    pub fn officer(role: Role, agency: AgencyEId, user_id: impl Into<String>) -> Self {
        Self {
            role,
            agency: Some(agency),
            user_id: user_id.into(),
        }
    }

    /// An applicant (no agency).
    pub fn applicant(user_id: impl Into<String>) -> Self {
        Self {
            role: Role::Applicant,
            agency: None,
            user_id: user_id.into(),
        }
    }
}
