//! Administration: agencies, staff accounts, workflows and the working calendar — what a
//! province needs to run without touching files (issue 4, "Admin").
//!
//! Who may do what ([`AdminScope`]):
//! - a **province administrator** manages everything: every agency, every staff account, the
//!   workflows of every procedure, the province's calendar;
//! - an **agency administrator** manages the accounts of their own agency (never a province
//!   administrator, never the province-administrator role) and sees their agency, the
//!   workflows of the procedures it implements and the calendar, read only: a workflow and
//!   the calendar apply to the whole province;
//! - anyone else is refused.
//!
//! Bad input is answered with every [`Problem`] found at once and changes nothing. Each problem
//! names the form field it belongs to and a stable code (the pages' message id), plus a detail
//! (Vietnamese / English) from the domain when there is one.

use std::collections::BTreeMap;

use jiff::civil::{Date, DateTime};
use tinhso_domain::agency::{validate_agency_tree, Agency, AgencyEId, AgencyLevel};
use tinhso_domain::calendar::{CalendarDay, DayKind};
use tinhso_domain::catalog::{ProcedureCode, ProcedureVersion};
use tinhso_domain::dossier::{NationalStatus, Role, WorkflowDefinition};
use tinhso_store::dossiers::{DossierQuery, User};
use tinhso_store::StoreError;

use crate::identity::{random_bytes, valid_user_id, IdentityError};
use crate::sessions::{check_password, SessionError};
use crate::App;

/// Whose administrator a user is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AdminScope {
    Province,
    Agency(AgencyEId),
}

impl AdminScope {
    /// The scope of `user`; `None` unless an enabled province or agency administrator (an agency
    /// administrator without an agency administers nothing).
    pub fn of(user: &User) -> Option<AdminScope> {
        if user.disabled {
            return None;
        }
        if user.roles.contains(&Role::ProvinceAdmin) {
            Some(AdminScope::Province)
        } else if user.roles.contains(&Role::AgencyAdmin) {
            user.agency.clone().map(AdminScope::Agency)
        } else {
            None
        }
    }

    pub fn is_province(&self) -> bool {
        matches!(self, AdminScope::Province)
    }

    /// The agency of an agency administrator.
    pub fn agency(&self) -> Option<&AgencyEId> {
        match self {
            AdminScope::Province => None,
            AdminScope::Agency(a) => Some(a),
        }
    }

    /// Whether this administrator manages `user`'s account: staff only. Citizens manage
    /// their own accounts (and their ids, a phone number or an e-mail address, must not end
    /// up in admin URLs).
    pub fn manages(&self, user: &User) -> bool {
        if user.roles.contains(&Role::Applicant) {
            return false;
        }
        match self {
            AdminScope::Province => true,
            AdminScope::Agency(a) => {
                user.agency.as_ref() == Some(a) && !user.roles.contains(&Role::ProvinceAdmin)
            }
        }
    }

    /// Whether this administrator sees the workflow of `procedure` (an agency administrator:
    /// procedures their agency implements).
    pub fn sees_procedure(&self, procedure: &ProcedureVersion) -> bool {
        match self {
            AdminScope::Province => true,
            AdminScope::Agency(a) => procedure.procedure.agency_eids.contains(a),
        }
    }
}

/// One problem with an admin form: the field, a stable code, a detail from the domain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// The form field (its `name`), or `""` for the whole form.
    pub field: &'static str,
    /// Stable snake_case code; the pages show message `admin.problem.<code>`.
    pub code: &'static str,
    /// "Vietnamese / English" detail, possibly empty.
    pub detail: String,
}

impl Problem {
    fn new(field: &'static str, code: &'static str, detail: impl Into<String>) -> Self {
        Self {
            field,
            code,
            detail: detail.into(),
        }
    }
}

/// What an admin use case can fail with.
#[derive(Debug, thiserror::Error)]
pub enum AdminError {
    #[error("Không có quyền quản trị việc này / Not allowed to administer this")]
    Forbidden,
    #[error("Không tìm thấy / Not found")]
    NotFound,
    #[error("Dữ liệu không hợp lệ / Invalid input: {0:?}")]
    Invalid(Vec<Problem>),
    #[error("Không tạo được số ngẫu nhiên / No randomness available: {0}")]
    Randomness(String),
    #[error("Không băm được mật khẩu / Password hashing failed: {0}")]
    Hashing(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl AdminError {
    fn one(field: &'static str, code: &'static str, detail: impl Into<String>) -> Self {
        AdminError::Invalid(vec![Problem::new(field, code, detail)])
    }
}

impl From<IdentityError> for AdminError {
    fn from(e: IdentityError) -> Self {
        match e {
            IdentityError::InvalidUser(m) => AdminError::one("", "invalid_user", m),
            IdentityError::UserNotFound => AdminError::NotFound,
            IdentityError::AgencyNotFound => AdminError::one("agency", "unknown_agency", ""),
            IdentityError::Randomness(m) => AdminError::Randomness(m),
            IdentityError::Store(s) => AdminError::Store(s),
        }
    }
}

impl From<SessionError> for AdminError {
    fn from(e: SessionError) -> Self {
        match e {
            SessionError::WeakPassword(m) => AdminError::one("password", "weak_password", m),
            SessionError::UserNotFound | SessionError::WrongCredentials => AdminError::NotFound,
            SessionError::Randomness(m) => AdminError::Randomness(m),
            SessionError::Hashing(m) => AdminError::Hashing(m),
            SessionError::Store(s) => AdminError::Store(s),
        }
    }
}

pub type AdminResult<T> = Result<T, AdminError>;

/// The scope of `by`, or Forbidden.
pub fn scope_of(by: &User) -> AdminResult<AdminScope> {
    AdminScope::of(by).ok_or(AdminError::Forbidden)
}

fn province_only(by: &User) -> AdminResult<()> {
    if scope_of(by)?.is_province() {
        Ok(())
    } else {
        Err(AdminError::Forbidden)
    }
}

/// The staff roles an administrator may give (citizens register themselves).
pub const STAFF_ROLES: [Role; 6] = [
    Role::OneStopOfficer,
    Role::Specialist,
    Role::Leader,
    Role::Clerk,
    Role::AgencyAdmin,
    Role::ProvinceAdmin,
];

/// A staff account as an administrator fills it in.
#[derive(Debug, Clone, Default)]
pub struct StaffForm {
    pub id: String,
    pub name: String,
    /// The agency's e-ID (forced to their own for an agency administrator).
    pub agency: String,
    pub roles: Vec<Role>,
    /// Empty: a password is generated and returned once.
    pub password: String,
}

/// Filters of the account list.
#[derive(Debug, Clone, Default)]
pub struct UserFilter {
    /// Part of the id or name (diacritics optional).
    pub text: String,
    pub agency: Option<AgencyEId>,
    pub role: Option<Role>,
}

/// A new password generated for someone, shown once.
pub type GeneratedPassword = Option<String>;

/// 16 characters without look-alikes (no 0/O, 1/l/I): about 90 bits.
fn generate_password() -> AdminResult<String> {
    const ALPHABET: &[u8] = b"abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let bytes = random_bytes::<16>().map_err(AdminError::Randomness)?;
    Ok(bytes
        .iter()
        .map(|b| char::from(ALPHABET[usize::from(*b) % ALPHABET.len()]))
        .collect())
}

/// A name typed by an administrator: present, at most `max` characters, no hidden control
/// characters (a bidirectional override would reverse what follows the name on every page).
fn check_name(problems: &mut Vec<Problem>, name: &str, max: usize) {
    if name.is_empty() || name.chars().count() > max {
        problems.push(Problem::new("name", "name_required", ""));
    } else if let Some(c) = tinhso_domain::text::hidden_control(name) {
        problems.push(Problem::new(
            "name",
            "hidden_control",
            format!("U+{:04X}", u32::from(c)),
        ));
    }
}

impl App {
    /// Accounts `by` manages, filtered, by agency then id.
    pub async fn admin_users(&self, by: &User, filter: &UserFilter) -> AdminResult<Vec<User>> {
        let scope = scope_of(by)?;
        let text = tinhso_domain::text::fold(filter.text.trim());
        let mut users: Vec<User> = self
            .store
            .users()
            .await?
            .into_iter()
            .filter(|u| scope.manages(u))
            .filter(|u| filter.agency.is_none() || u.agency == filter.agency)
            .filter(|u| filter.role.is_none_or(|r| u.roles.contains(&r)))
            .filter(|u| {
                text.is_empty()
                    || u.id.contains(&text)
                    || tinhso_domain::text::fold(&u.name).contains(&text)
            })
            .collect();
        users.sort_by(|a, b| (&a.agency, &a.id).cmp(&(&b.agency, &b.id)));
        Ok(users)
    }

    /// One account `by` manages (NotFound otherwise: no hint that it exists).
    pub async fn admin_user(&self, by: &User, id: &str) -> AdminResult<User> {
        let scope = scope_of(by)?;
        match self.store.user(id).await? {
            Some(u) if scope.manages(&u) => Ok(u),
            _ => Err(AdminError::NotFound),
        }
    }

    /// Checks roles and agency for a staff account; the agency as stored.
    async fn check_staff(
        &self,
        scope: &AdminScope,
        agency: &str,
        roles: &[Role],
        problems: &mut Vec<Problem>,
    ) -> AdminResult<Option<AgencyEId>> {
        if roles.is_empty() {
            problems.push(Problem::new("roles", "no_role", ""));
        }
        if roles.iter().any(|r| !STAFF_ROLES.contains(r)) {
            problems.push(Problem::new("roles", "citizen_role", ""));
        }
        if !scope.is_province() && roles.contains(&Role::ProvinceAdmin) {
            problems.push(Problem::new("roles", "role_not_yours", ""));
        }
        let agency = match scope {
            AdminScope::Agency(own) => Some(own.clone()),
            AdminScope::Province if agency.trim().is_empty() => None,
            AdminScope::Province => match AgencyEId::parse(agency.trim()) {
                Ok(eid) => Some(eid),
                Err(e) => {
                    problems.push(Problem::new("agency", "invalid_eid", e.reason));
                    return Ok(None);
                }
            },
        };
        let known = match &agency {
            Some(eid) => self.store.agency(eid).await?.is_some(),
            None => true,
        };
        match &agency {
            Some(eid) if !known => {
                problems.push(Problem::new("agency", "unknown_agency", eid.as_str()));
            }
            None if roles.iter().any(|r| *r != Role::ProvinceAdmin) => {
                problems.push(Problem::new("agency", "agency_required", ""));
            }
            _ => {}
        }
        Ok(agency)
    }

    /// Creates a staff account with a password (the one given, or a generated one returned
    /// once). An existing id is refused: creating never takes over an account.
    pub async fn admin_create_user(
        &self,
        by: &User,
        form: &StaffForm,
    ) -> AdminResult<(User, GeneratedPassword)> {
        let scope = scope_of(by)?;
        let mut problems = Vec::new();
        let id = form.id.trim().to_string();
        let agency = self
            .check_staff(&scope, &form.agency, &form.roles, &mut problems)
            .await?;
        if !valid_user_id(&id) {
            problems.push(Problem::new("id", "invalid_id", ""));
        } else if self.store.user(&id).await?.is_some() {
            problems.push(Problem::new("id", "id_taken", id.clone()));
        }
        let name = form.name.trim();
        check_name(&mut problems, name, 200);
        if !form.password.is_empty() {
            if let Err(SessionError::WeakPassword(m)) = check_password(&form.password, &[&id]) {
                problems.push(Problem::new("password", "weak_password", m));
            }
        }
        if !problems.is_empty() {
            return Err(AdminError::Invalid(problems));
        }
        let user = self
            .create_user(crate::identity::NewUser {
                id,
                name: form.name.clone(),
                agency,
                roles: form.roles.clone(),
            })
            .await?;
        let generated = if form.password.is_empty() {
            Some(generate_password()?)
        } else {
            None
        };
        let password = generated.as_deref().unwrap_or(&form.password);
        self.set_password(&user.id, password).await?;
        tracing::info!(user_id = %user.id, by = %by.id, roles = ?user.roles, "account created by an administrator");
        Ok((user, generated))
    }

    /// Changes an account's name, agency (province administrators only) and roles. The account
    /// keeps its state (disabled stays disabled). Nobody removes their own administrator role.
    pub async fn admin_update_user(
        &self,
        by: &User,
        id: &str,
        form: &StaffForm,
    ) -> AdminResult<User> {
        let scope = scope_of(by)?;
        let existing = self.admin_user(by, id).await?;
        let mut problems = Vec::new();
        let agency = self
            .check_staff(&scope, &form.agency, &form.roles, &mut problems)
            .await?;
        let name = form.name.trim().to_string();
        check_name(&mut problems, &name, 200);
        if existing.id == by.id {
            let keeps = |r: Role| !by.roles.contains(&r) || form.roles.contains(&r);
            if !keeps(Role::ProvinceAdmin) || !keeps(Role::AgencyAdmin) {
                problems.push(Problem::new("roles", "own_admin_role", ""));
            }
        }
        if !problems.is_empty() {
            return Err(AdminError::Invalid(problems));
        }
        let mut roles = form.roles.clone();
        roles.sort();
        roles.dedup();
        let user = User {
            name,
            agency,
            roles,
            ..existing
        };
        self.store.upsert_user(&user).await?;
        tracing::info!(user_id = %user.id, by = %by.id, roles = ?user.roles, "account changed by an administrator");
        Ok(user)
    }

    /// Disables (or enables again) an account. Disabling also ends its sessions and revokes
    /// its API tokens, so nothing signed in as it keeps working. Nobody disables themselves.
    pub async fn admin_set_disabled(
        &self,
        by: &User,
        id: &str,
        disabled: bool,
    ) -> AdminResult<User> {
        let existing = self.admin_user(by, id).await?;
        if existing.id == by.id && disabled {
            return Err(AdminError::one("", "disable_self", ""));
        }
        let user = User {
            disabled,
            ..existing
        };
        self.store.upsert_user(&user).await?;
        if disabled {
            self.store.delete_user_sessions(id).await?;
            self.store.revoke_api_tokens(id).await?;
        }
        tracing::info!(user_id = %id, by = %by.id, disabled, "account state changed by an administrator");
        Ok(user)
    }

    /// Sets a new password (the one given, or a generated one returned once); the account's
    /// sessions end.
    pub async fn admin_reset_password(
        &self,
        by: &User,
        id: &str,
        password: &str,
    ) -> AdminResult<GeneratedPassword> {
        let user = self.admin_user(by, id).await?;
        let generated = if password.is_empty() {
            Some(generate_password()?)
        } else {
            None
        };
        self.set_password(&user.id, generated.as_deref().unwrap_or(password))
            .await?;
        tracing::info!(user_id = %id, by = %by.id, "password reset by an administrator");
        Ok(generated)
    }

    /// Ends every session of the account; how many.
    pub async fn admin_sign_out_everywhere(&self, by: &User, id: &str) -> AdminResult<u64> {
        let user = self.admin_user(by, id).await?;
        Ok(self.sign_out_everywhere(&user.id).await?)
    }

    /// A new API token for the account, returned once.
    pub async fn admin_issue_token(&self, by: &User, id: &str, label: &str) -> AdminResult<String> {
        let user = self.admin_user(by, id).await?;
        if user.disabled {
            return Err(AdminError::one("", "account_disabled", ""));
        }
        let label = if label.trim().is_empty() {
            "quản trị / admin"
        } else {
            label
        };
        Ok(self.issue_token(&user.id, label).await?)
    }

    /// Revokes every API token of the account; how many.
    pub async fn admin_revoke_tokens(&self, by: &User, id: &str) -> AdminResult<u64> {
        let user = self.admin_user(by, id).await?;
        Ok(self.revoke_tokens(&user.id).await?)
    }
}

// ---------------------------------------------------------------------------------------------
// Agencies

/// An agency as an administrator fills it in (text fields, as posted).
#[derive(Debug, Clone, Default)]
pub struct AgencyForm {
    pub eid: String,
    pub name: String,
    /// province, department, centre or commune.
    pub level: String,
    pub parent: String,
    pub unit_code: String,
    pub valid_from: String,
    pub valid_to: String,
    pub successor: String,
}

impl AgencyForm {
    /// The form of a stored agency (for editing).
    pub fn of(a: &Agency) -> Self {
        let opt = |e: &Option<AgencyEId>| e.as_ref().map(|e| e.to_string()).unwrap_or_default();
        Self {
            eid: a.eid.to_string(),
            name: a.name.clone(),
            level: level_name(a.level).to_string(),
            parent: opt(&a.parent),
            unit_code: a.unit_code.clone().unwrap_or_default(),
            valid_from: a.valid_from.to_string(),
            valid_to: a.valid_to.map(|d| d.to_string()).unwrap_or_default(),
            successor: opt(&a.successor),
        }
    }
}

/// The stable name of a level (as in the agency files).
pub fn level_name(level: AgencyLevel) -> &'static str {
    match level {
        AgencyLevel::Province => "province",
        AgencyLevel::Department => "department",
        AgencyLevel::Centre => "centre",
        AgencyLevel::Commune => "commune",
    }
}

/// Every level, in order.
pub const AGENCY_LEVELS: [AgencyLevel; 4] = [
    AgencyLevel::Province,
    AgencyLevel::Department,
    AgencyLevel::Centre,
    AgencyLevel::Commune,
];

/// A civil date typed as `YYYY-MM-DD` (date inputs) or `DD/MM/YYYY` (Vietnamese), within the
/// calendar's range (1900–2199). `None` for anything else, impossible dates included.
pub fn parse_form_date(s: &str) -> Option<Date> {
    let s = s.trim();
    let date = if let Some((d, rest)) = s.split_once('/') {
        let (m, y) = rest.split_once('/')?;
        let n = |t: &str| t.trim().parse::<i16>().ok();
        let (d, m, y) = (n(d)?, n(m)?, n(y)?);
        Date::new(y, i8::try_from(m).ok()?, i8::try_from(d).ok()?).ok()?
    } else {
        s.parse::<Date>().ok()?
    };
    (1900..=2199).contains(&date.year()).then_some(date)
}

impl App {
    /// Creates (`creating`) or changes an agency. The e-ID is checked against QĐ 20/2020
    /// ([`AgencyEId::parse`]); the whole tree with the change must stay valid
    /// ([`validate_agency_tree`]: parents and successors exist, no cycles, periods in order).
    /// Province administrators only.
    pub async fn admin_save_agency(
        &self,
        by: &User,
        form: &AgencyForm,
        creating: bool,
    ) -> AdminResult<Agency> {
        province_only(by)?;
        let mut problems = Vec::new();
        let eid = match AgencyEId::parse(form.eid.trim()) {
            Ok(e) => Some(e),
            Err(e) => {
                problems.push(Problem::new("eid", "invalid_eid", e.reason));
                None
            }
        };
        let name = form.name.trim().to_string();
        check_name(&mut problems, &name, 300);
        let level = AGENCY_LEVELS
            .into_iter()
            .find(|l| level_name(*l) == form.level.trim());
        if level.is_none() {
            problems.push(Problem::new("level", "invalid_level", ""));
        }
        let mut optional_eid = |field: &'static str, text: &str| -> Option<AgencyEId> {
            let text = text.trim();
            if text.is_empty() {
                return None;
            }
            AgencyEId::parse(text)
                .map_err(|e| problems.push(Problem::new(field, "invalid_eid", e.reason)))
                .ok()
        };
        let parent = optional_eid("parent", &form.parent);
        let successor = optional_eid("successor", &form.successor);
        let valid_from = parse_form_date(&form.valid_from);
        if valid_from.is_none() {
            problems.push(Problem::new(
                "valid_from",
                "invalid_date",
                form.valid_from.trim(),
            ));
        }
        let valid_to = if form.valid_to.trim().is_empty() {
            None
        } else {
            let d = parse_form_date(&form.valid_to);
            if d.is_none() {
                problems.push(Problem::new(
                    "valid_to",
                    "invalid_date",
                    form.valid_to.trim(),
                ));
            }
            d
        };
        let unit_code = form.unit_code.trim();
        if unit_code.len() > 20 || !unit_code.bytes().all(|b| b.is_ascii_alphanumeric()) {
            problems.push(Problem::new("unit_code", "invalid_unit_code", ""));
        }
        let (Some(eid), Some(level), Some(valid_from), true) =
            (eid, level, valid_from, problems.is_empty())
        else {
            return Err(AdminError::Invalid(problems));
        };
        let agency = Agency {
            eid,
            name,
            level,
            parent,
            unit_code: (!unit_code.is_empty()).then(|| unit_code.to_string()),
            valid_from,
            valid_to,
            successor,
        };
        let mut all = self.store.agencies().await?;
        let exists = all.iter().any(|a| a.eid == agency.eid);
        if creating && exists {
            return Err(AdminError::one("eid", "eid_taken", agency.eid.as_str()));
        }
        if !creating && !exists {
            return Err(AdminError::NotFound);
        }
        // Report what this change breaks, not what was already wrong in the stored tree.
        let before: Vec<String> = validate_agency_tree(&all)
            .iter()
            .map(ToString::to_string)
            .collect();
        all.retain(|a| a.eid != agency.eid);
        all.push(agency.clone());
        let broken: Vec<Problem> = validate_agency_tree(&all)
            .iter()
            .map(ToString::to_string)
            .filter(|p| !before.contains(p))
            .map(|p| Problem::new("", "agency_tree", p))
            .collect();
        if !broken.is_empty() {
            return Err(AdminError::Invalid(broken));
        }
        self.store
            .upsert_agencies(std::slice::from_ref(&agency))
            .await?;
        tracing::info!(eid = %agency.eid, by = %by.id, creating, "agency saved by an administrator");
        Ok(agency)
    }
}

// ---------------------------------------------------------------------------------------------
// Calendar

/// What an entry changed: the year's working days before and after.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CalendarChange {
    pub date: Date,
    pub before: u32,
    pub after: u32,
}

impl App {
    /// The dated entries of a year (the ones an administrator added or imported).
    pub async fn calendar_entries(&self, year: i16) -> AdminResult<Vec<CalendarDay>> {
        let (Ok(from), Ok(to)) = (Date::new(year, 1, 1), Date::new(year, 12, 31)) else {
            return Ok(Vec::new());
        };
        Ok(self.store.calendar_days(from, to).await?)
    }

    /// Adds a dated entry: a day off or a make-up working day, with its name (domain.md §3:
    /// holidays are effective-dated data the admin edits). A date that already has an entry is
    /// refused (remove it first). Province administrators only.
    pub async fn admin_add_calendar_day(
        &self,
        by: &User,
        date: &str,
        kind: &str,
        name: &str,
    ) -> AdminResult<CalendarChange> {
        province_only(by)?;
        let mut problems = Vec::new();
        let day = parse_form_date(date);
        if day.is_none() {
            problems.push(Problem::new("date", "invalid_date", date.trim()));
        }
        let kind = match kind.trim() {
            "holiday" => Some(DayKind::Holiday),
            "working_day" => Some(DayKind::WorkingDay),
            _ => {
                problems.push(Problem::new("kind", "invalid_kind", ""));
                None
            }
        };
        let name = name.trim().to_string();
        check_name(&mut problems, &name, 200);
        if let Some(d) = day {
            if let Some(existing) = self.store.calendar_days(d, d).await?.first() {
                problems.push(Problem::new(
                    "date",
                    "duplicate_date",
                    existing.name.clone(),
                ));
            }
        }
        let (Some(date), Some(kind), true) = (day, kind, problems.is_empty()) else {
            return Err(AdminError::Invalid(problems));
        };
        let before = self.calendar().year_report(date.year()).total_working_days;
        self.store
            .upsert_calendar_days(&[CalendarDay { date, kind, name }])
            .await?;
        self.refresh_calendar().await?;
        let after = self.calendar().year_report(date.year()).total_working_days;
        tracing::info!(%date, ?kind, by = %by.id, before, after, "calendar entry added");
        Ok(CalendarChange {
            date,
            before,
            after,
        })
    }

    /// Removes the dated entry of a date (the statutory rules decide that day again).
    pub async fn admin_remove_calendar_day(
        &self,
        by: &User,
        date: &str,
    ) -> AdminResult<CalendarChange> {
        province_only(by)?;
        let Some(date) = parse_form_date(date) else {
            return Err(AdminError::one("date", "invalid_date", date.trim()));
        };
        let before = self.calendar().year_report(date.year()).total_working_days;
        if self.store.delete_calendar_days(&[date]).await? == 0 {
            return Err(AdminError::NotFound);
        }
        self.refresh_calendar().await?;
        let after = self.calendar().year_report(date.year()).total_working_days;
        tracing::info!(%date, by = %by.id, before, after, "calendar entry removed");
        Ok(CalendarChange {
            date,
            before,
            after,
        })
    }
}

// ---------------------------------------------------------------------------------------------
// Workflows

/// A procedure's workflows: the stored versions (oldest first) and the one new dossiers get.
#[derive(Debug, Clone)]
pub struct ProcedureWorkflows {
    pub procedure: ProcedureVersion,
    pub versions: Vec<WorkflowDefinition>,
    /// The latest stored version, else the default one (version 1, not yet stored).
    pub current: WorkflowDefinition,
}

/// A live dossier (not ended) of a procedure, as the preview lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LiveDossier {
    pub code: String,
    pub status: NationalStatus,
    pub workflow_version: u32,
    pub step: Option<String>,
    pub due: Option<DateTime>,
}

/// What saving a workflow would do.
#[derive(Debug, Clone)]
pub struct WorkflowPreview {
    /// The definition as it would be stored (with its new version number).
    pub definition: WorkflowDefinition,
    /// The latest stored version now (0: none stored, the default applies).
    pub based_on: u32,
    /// Live dossiers by the version they are pinned to: they keep it (domain.md §4).
    pub pinned: BTreeMap<u32, u64>,
    /// The live dossiers, newest first (at most [`PREVIEW_LIST_LIMIT`]).
    pub live: Vec<LiveDossier>,
    pub live_total: u64,
    /// The steps are those of the version in force: saving would change nothing (and is
    /// refused).
    pub unchanged: bool,
}

/// How many live dossiers the preview lists by code.
pub const PREVIEW_LIST_LIMIT: usize = 200;

/// The statuses of a dossier still being worked on (not ended): 1, 2, 4, 5, 6.
pub fn live_statuses() -> Vec<NationalStatus> {
    NationalStatus::ALL
        .into_iter()
        .filter(|s| !s.is_terminal())
        .collect()
}

impl App {
    /// The procedures whose workflows `by` sees, by code.
    pub async fn admin_procedures(&self, by: &User) -> AdminResult<Vec<ProcedureVersion>> {
        let scope = scope_of(by)?;
        let snapshot = self.catalog.snapshot();
        let mut list: Vec<ProcedureVersion> = snapshot
            .records
            .values()
            .filter(|p| scope.sees_procedure(p))
            .cloned()
            .collect();
        list.sort_by(|a, b| a.procedure.code.cmp(&b.procedure.code));
        Ok(list)
    }

    /// A procedure's workflow versions, if `by` sees the procedure.
    pub async fn admin_workflows(&self, by: &User, code: &str) -> AdminResult<ProcedureWorkflows> {
        let scope = scope_of(by)?;
        let code = ProcedureCode::parse(code).map_err(|_| AdminError::NotFound)?;
        let procedure = self
            .store
            .procedure(&code)
            .await?
            .filter(|p| scope.sees_procedure(p))
            .ok_or(AdminError::NotFound)?;
        let latest = self.store.workflow(&code).await?;
        let mut versions = Vec::new();
        if let Some(l) = &latest {
            for v in 1..l.version {
                if let Some(w) = self.store.workflow_version(&code, v).await? {
                    versions.push(w);
                }
            }
            versions.push(l.clone());
        }
        let current = latest.unwrap_or_else(|| WorkflowDefinition::default_for(code.clone()));
        Ok(ProcedureWorkflows {
            procedure,
            versions,
            current,
        })
    }

    /// Parses and checks a new workflow for `code` and lists the live dossiers it would NOT
    /// change: every dossier keeps the version it was received with; only new dossiers take the
    /// new version. Province administrators only. Nothing is written. A definition identical
    /// to the version in force is previewed (marked `unchanged`) but cannot be saved.
    pub async fn admin_preview_workflow(
        &self,
        by: &User,
        code: &str,
        json: &str,
    ) -> AdminResult<WorkflowPreview> {
        province_only(by)?;
        let current = self.admin_workflows(by, code).await?;
        let code = current.procedure.procedure.code.clone();
        let mut def = WorkflowDefinition::from_json(json)
            .map_err(|e| AdminError::one("definition", "invalid_json", e.to_string()))?;
        let mut problems = Vec::new();
        if def.procedure_code != code {
            problems.push(Problem::new(
                "definition",
                "other_procedure",
                def.procedure_code.to_string(),
            ));
        }
        let based_on = current.versions.last().map_or(0, |w| w.version);
        // The version number is the system's: the latest + 1 (the default counts as 1).
        def.version = based_on.max(1) + 1;
        problems.extend(
            def.validate()
                .iter()
                .map(|p| Problem::new("definition", "workflow", p.to_string())),
        );
        let unchanged = def.steps == current.current.steps;
        if !problems.is_empty() {
            return Err(AdminError::Invalid(problems));
        }
        let (pinned, live, live_total) = self.live_dossiers(&code).await?;
        Ok(WorkflowPreview {
            definition: def,
            based_on,
            pinned,
            live,
            live_total,
            unchanged,
        })
    }

    /// Records the previewed workflow as a new version (never editing an old one). `based_on`
    /// is the latest version the preview saw: if another administrator saved meanwhile, the
    /// save is refused and the preview must be made again.
    pub async fn admin_save_workflow(
        &self,
        by: &User,
        code: &str,
        json: &str,
        based_on: u32,
    ) -> AdminResult<WorkflowDefinition> {
        let preview = self.admin_preview_workflow(by, code, json).await?;
        if preview.unchanged {
            return Err(AdminError::one("definition", "workflow_unchanged", ""));
        }
        if preview.based_on != based_on {
            return Err(AdminError::one("", "workflow_moved", ""));
        }
        let code = preview.definition.procedure_code.clone();
        if preview.based_on == 0 {
            // Dossiers may already run on the implicit default: keep it as version 1.
            let default = WorkflowDefinition::default_for(code.clone());
            match self.store.add_workflow(&default, self.clock.now()).await {
                Ok(()) | Err(StoreError::Conflict(_)) => {}
                Err(e) => return Err(e.into()),
            }
        }
        match self
            .store
            .add_workflow(&preview.definition, self.clock.now())
            .await
        {
            Ok(()) => {}
            Err(StoreError::Conflict(_)) => {
                return Err(AdminError::one("", "workflow_moved", ""));
            }
            Err(e) => return Err(e.into()),
        }
        tracing::info!(procedure = %code, version = preview.definition.version, by = %by.id, "workflow version recorded");
        Ok(preview.definition)
    }

    /// The live dossiers of a procedure, province-wide: counts by pinned workflow version, the
    /// newest few, and the total.
    async fn live_dossiers(
        &self,
        code: &ProcedureCode,
    ) -> AdminResult<(BTreeMap<u32, u64>, Vec<LiveDossier>, u64)> {
        let agencies: Vec<AgencyEId> = self
            .store
            .agencies()
            .await?
            .into_iter()
            .map(|a| a.eid)
            .collect();
        let mut query = DossierQuery {
            agencies,
            statuses: live_statuses(),
            procedure: Some(code.clone()),
            limit: 500,
            ..Default::default()
        };
        let mut pinned = BTreeMap::new();
        let mut live = Vec::new();
        let mut total = 0u64;
        loop {
            let page = self.store.find_dossiers(&query).await?;
            let Some(last) = page.last() else { break };
            query.before_id = Some(last.id);
            let full = page.len() == query.limit as usize;
            for s in page {
                let d = s.dossier;
                total += 1;
                *pinned.entry(d.workflow_version).or_insert(0) += 1;
                if live.len() < PREVIEW_LIST_LIMIT {
                    live.push(LiveDossier {
                        code: d.code.to_string(),
                        status: d.status,
                        workflow_version: d.workflow_version,
                        step: d.current_step.map(|s| s.to_string()),
                        due: d.due,
                    });
                }
            }
            if !full {
                break;
            }
        }
        Ok((pinned, live, total))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn form_dates_accept_iso_and_vietnamese_and_refuse_impossible_ones() {
        let d = jiff::civil::date(2026, 11, 24);
        assert_eq!(parse_form_date("2026-11-24"), Some(d));
        assert_eq!(parse_form_date(" 24/11/2026 "), Some(d));
        for bad in [
            "2026-02-30",
            "30/02/2026",
            "2026-13-01",
            "",
            "mai",
            "1/1/1800",
            "2026-11",
        ] {
            assert_eq!(parse_form_date(bad), None, "{bad}");
        }
    }

    #[test]
    fn scopes() {
        let user = |roles: &[Role], agency: Option<&str>| User {
            id: "u".into(),
            name: "U".into(),
            agency: agency.map(|a| AgencyEId::parse(a).unwrap()),
            roles: roles.to_vec(),
            created_at: jiff::Timestamp::UNIX_EPOCH,
            disabled: false,
        };
        let ward = "000.01.90.H61";
        assert_eq!(
            AdminScope::of(&user(&[Role::ProvinceAdmin], None)),
            Some(AdminScope::Province)
        );
        let agency_admin = AdminScope::of(&user(&[Role::AgencyAdmin], Some(ward))).unwrap();
        assert!(agency_admin.manages(&user(&[Role::Clerk], Some(ward))));
        assert!(!agency_admin.manages(&user(&[Role::Clerk], Some("000.02.90.H61"))));
        assert!(!agency_admin.manages(&user(&[Role::ProvinceAdmin], Some(ward))));
        assert!(!AdminScope::Province.manages(&user(&[Role::Applicant], None)));
        assert_eq!(AdminScope::of(&user(&[Role::AgencyAdmin], None)), None);
        assert_eq!(AdminScope::of(&user(&[Role::Leader], Some(ward))), None);
        let mut disabled = user(&[Role::ProvinceAdmin], None);
        disabled.disabled = true;
        assert_eq!(AdminScope::of(&disabled), None);
    }

    #[test]
    fn generated_passwords_pass_the_policy() {
        let p = generate_password().unwrap();
        assert_eq!(p.chars().count(), 16);
        assert!(check_password(&p, &[]).is_ok());
    }
}
