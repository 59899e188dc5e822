//! The official forms of a dossier (TT 03/2025/TT-VPCP Phụ lục I, domain.md §5.3), filled from
//! stored data and rendered by `tinhso_forms`: Mẫu 01–06 as PDF with the public status URL as a
//! QR code, and the register (Mẫu 07) as CSV or XLSX.
//!
//! A form exists once its event has happened: the receipt (01) after acceptance, the supplement
//! request (02) after a request, the refusal (03) after a refusal, the apology (04) after an
//! extension, the stop notice (05) after a stop; the control slip (06) once accepted.

use std::collections::HashMap;

use jiff::civil::{Date, DateTime};
use tinhso_domain::agency::AgencyEId;
use tinhso_domain::catalog::Channel;
use tinhso_domain::dossier::{control_slip, DossierEvent, EventDetail, NationalStatus, Role};
use tinhso_forms::{
    Apology, ControlSlip, DossierComponent, DossierSummary, Form, FormHeader, ProcessStep, Receipt,
    Refusal, Register, RegisterRow, Signer, StepOutcome, StopNotice, SupplementItem,
    SupplementRequest,
};
use tinhso_store::dossiers::{DossierQuery, StoredDossier, StoredEvent, User};

use crate::dossiers::{check_period, log_personal_read, DossierError, DossierResult};
use crate::identity::is_citizen;
use crate::App;

/// The register's export format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RegisterFormat {
    Csv,
    Xlsx,
}

impl RegisterFormat {
    pub fn content_type(self) -> &'static str {
        match self {
            RegisterFormat::Csv => "text/csv; charset=utf-8",
            RegisterFormat::Xlsx => {
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
            }
        }
    }
    pub fn extension(self) -> &'static str {
        match self {
            RegisterFormat::Csv => "csv",
            RegisterFormat::Xlsx => "xlsx",
        }
    }
}

/// The forms a dossier can print: "01" … "06".
pub const DOSSIER_FORMS: [&str; 6] = ["01", "02", "03", "04", "05", "06"];

/// The public status page of a dossier, printed as a QR code on its forms.
pub fn status_url(public_url: &str, code: &str) -> String {
    format!("{}/tra-cuu?ma={code}", public_url.trim_end_matches('/'))
}

/// Lines of a reason: each non-empty line is one reason.
fn lines(text: &str) -> Vec<String> {
    let v: Vec<String> = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_string)
        .collect();
    if v.is_empty() {
        vec![text.trim().to_string()]
    } else {
        v
    }
}

/// The place name of the date line: the province's name without its kind.
fn place_name(unit_name: &str) -> String {
    for prefix in ["Tỉnh ", "Thành phố "] {
        if let Some(rest) = unit_name.strip_prefix(prefix) {
            return rest.to_string();
        }
    }
    unit_name.to_string()
}

fn minutes(m: i64) -> u32 {
    u32::try_from(m.max(0)).unwrap_or(u32::MAX)
}

impl App {
    async fn agency_name(&self, eid: &AgencyEId) -> DossierResult<String> {
        Ok(self
            .store
            .agency(eid)
            .await?
            .map(|a| a.name)
            .unwrap_or_else(|| eid.to_string()))
    }

    async fn form_header(&self, eid: &AgencyEId, date: Date) -> DossierResult<FormHeader> {
        let agency = self.store.agency(eid).await?;
        let (agency_name, parent) = match &agency {
            Some(a) => (a.name.clone(), a.parent.clone()),
            None => (eid.to_string(), None),
        };
        let parent_agency_name = match parent {
            Some(p) => self.agency_name(&p).await?.to_uppercase(),
            None => String::new(),
        };
        let place = self
            .store
            .unit_history(&self.settings.province_code)
            .await?
            .last()
            .map(|u| place_name(&u.name))
            .unwrap_or_default();
        Ok(FormHeader {
            parent_agency_name,
            agency_name: agency_name.to_uppercase(),
            document_number: None,
            place,
            date,
        })
    }

    async fn summary(
        &self,
        stored: &StoredDossier,
        events: &[StoredEvent],
        procedure_name: &str,
        components: &[tinhso_domain::catalog::Component],
        names: &mut HashMap<String, String>,
    ) -> DossierResult<DossierSummary> {
        let d = &stored.dossier;
        // The documents handed in: the components cited by the submission and supplements.
        let mut listed: Vec<DossierComponent> = Vec::new();
        for a in events.iter().flat_map(|e| &e.attachments) {
            if a.component == "result" || listed.iter().any(|c| c.name == a.component) {
                continue;
            }
            let catalog = components.iter().find(|c| c.name == a.component);
            listed.push(DossierComponent {
                name: a.component.clone(),
                originals: catalog.map_or(1, |c| c.originals),
                copies: catalog.map_or(0, |c| c.copies),
            });
        }
        // The officer who received it: who accepted it, else who recorded it at the counter.
        let receiver = events
            .iter()
            .filter_map(|e| e.event.as_ref())
            .find(|e| matches!(e.detail, EventDetail::Accepted { .. }))
            .or_else(|| {
                events
                    .iter()
                    .filter_map(|e| e.event.as_ref())
                    .find(|e| e.actor.role == Role::OneStopOfficer)
            })
            .map(|e| e.actor.user_id.clone());
        let receiving_officer = match receiver {
            Some(id) => self.user_name(&id, names).await?,
            None => String::new(),
        };
        let a = &stored.applicant;
        let non_empty = |s: &str| (!s.trim().is_empty()).then(|| s.trim().to_string());
        Ok(DossierSummary {
            code: d.code.to_string(),
            procedure_code: d.procedure_code.to_string(),
            procedure_name: procedure_name.to_string(),
            applicant_name: a.name.clone(),
            applicant_address: a.address.clone(),
            phone: non_empty(&a.phone),
            email: non_empty(&a.email),
            received_at: d.received_at,
            // Before acceptance no appointment exists; forms 02–05 do not print it.
            due_at: d.original_due().unwrap_or(d.received_at),
            components: listed,
            receiving_officer,
        })
    }

    /// Renders form `number` ("01"…"06") of a dossier the user may see, as PDF bytes.
    pub async fn dossier_form(
        &self,
        user: &User,
        code: &str,
        number: &str,
    ) -> DossierResult<Vec<u8>> {
        if !DOSSIER_FORMS.contains(&number) {
            return Err(DossierError::FormNotAvailable(
                number.chars().take(8).collect(),
            ));
        }
        let stored = self.visible_dossier(user, code).await?;
        let ctx = self.context(&stored.dossier).await?;
        let events = self.store.dossier_events(stored.id).await?;
        let mut names = HashMap::new();
        let procedure = &ctx.procedure.procedure;
        let dossier = self
            .summary(
                &stored,
                &events,
                &procedure.name,
                &procedure.components,
                &mut names,
            )
            .await?;
        let d = &stored.dossier;
        let domain_events: Vec<&DossierEvent> =
            events.iter().filter_map(|e| e.event.as_ref()).collect();
        let last = |pred: &dyn Fn(&EventDetail) -> bool| {
            domain_events
                .iter()
                .rev()
                .find(|e| pred(&e.detail))
                .copied()
        };
        let unavailable = || DossierError::FormNotAvailable(number.to_string());
        let header_for = |at: DateTime| at.date();
        let form = match number {
            "01" => {
                let accepted =
                    last(&|e| matches!(e, EventDetail::Accepted { .. })).ok_or_else(unavailable)?;
                Form::Receipt01(Receipt {
                    header: self
                        .form_header(&d.receiving_agency, header_for(accepted.at))
                        .await?,
                    processing_time: procedure
                        .time_limit
                        .map(|l| l.to_string())
                        .unwrap_or_default(),
                    sets: 1,
                    result_delivery: match d.channel {
                        Channel::Postal => "Qua dịch vụ bưu chính công ích".to_string(),
                        Channel::Online => {
                            "Trực tuyến hoặc trực tiếp tại Bộ phận Một cửa".to_string()
                        }
                        Channel::Counter => "Trực tiếp tại Bộ phận Một cửa".to_string(),
                    },
                    dossier,
                })
            }
            "02" => {
                let e = last(&|e| matches!(e, EventDetail::SupplementRequested { .. }))
                    .ok_or_else(unavailable)?;
                let reason = match &e.detail {
                    EventDetail::SupplementRequested { reason } => reason.clone(),
                    _ => String::new(),
                };
                let items = lines(&reason)
                    .into_iter()
                    .map(|line| match line.split_once(':') {
                        Some((doc, req)) if !doc.trim().is_empty() && !req.trim().is_empty() => {
                            SupplementItem {
                                document: doc.trim().to_string(),
                                requirement: req.trim().to_string(),
                            }
                        }
                        _ => SupplementItem {
                            document: "Hồ sơ".to_string(),
                            requirement: line,
                        },
                    })
                    .collect();
                Form::Supplement02(SupplementRequest {
                    header: self.form_header(&d.receiving_agency, e.at.date()).await?,
                    instructing_officer: self.user_name(&e.actor.user_id, &mut names).await?,
                    contact_phone: None,
                    items,
                    dossier,
                })
            }
            "03" => {
                let e =
                    last(&|e| matches!(e, EventDetail::Refused { .. })).ok_or_else(unavailable)?;
                let reason = match &e.detail {
                    EventDetail::Refused { reason } => reason.clone(),
                    _ => String::new(),
                };
                Form::Refusal03(Refusal {
                    header: self.form_header(&d.receiving_agency, e.at.date()).await?,
                    reasons: lines(&reason),
                    dossier,
                })
            }
            "04" => {
                let e =
                    last(&|e| matches!(e, EventDetail::Extended { .. })).ok_or_else(unavailable)?;
                let EventDetail::Extended {
                    previous_due,
                    new_due,
                    reason,
                } = &e.detail
                else {
                    return Err(unavailable());
                };
                let agency = e.actor.agency.clone().unwrap_or(d.competent_agency.clone());
                Form::Apology04(Apology {
                    header: self.form_header(&agency, e.at.date()).await?,
                    previous_due_at: *previous_due,
                    new_due_at: *new_due,
                    reasons: lines(reason),
                    signer: Signer {
                        position: e.actor.role.label_vi().to_uppercase(),
                        name: self.user_name(&e.actor.user_id, &mut names).await?,
                    },
                    dossier,
                })
            }
            "05" => {
                let e =
                    last(&|e| matches!(e, EventDetail::Stopped { .. })).ok_or_else(unavailable)?;
                let reason = match &e.detail {
                    EventDetail::Stopped { reason } => reason.clone(),
                    _ => String::new(),
                };
                let agency = e.actor.agency.clone().unwrap_or(d.competent_agency.clone());
                Form::Stop05(StopNotice {
                    header: self.form_header(&agency, e.at.date()).await?,
                    reasons: lines(&reason),
                    legal_basis: None,
                    return_note: None,
                    signer: Signer {
                        position: e.actor.role.label_vi().to_uppercase(),
                        name: self.user_name(&e.actor.user_id, &mut names).await?,
                    },
                    dossier,
                })
            }
            _ => {
                // "06": the control slip, once the clock runs.
                if d.accepted_at.is_none() {
                    return Err(unavailable());
                }
                let now = crate::clock::to_local(self.clock.now());
                let owned: Vec<DossierEvent> = domain_events.iter().map(|e| (*e).clone()).collect();
                let limit = procedure
                    .time_limit
                    .unwrap_or(tinhso_domain::calendar::TimeLimit::working_days(0));
                let slip = control_slip(
                    &ctx.workflow,
                    limit,
                    &owned,
                    &self.calendar(),
                    d.ended_at.is_none().then_some(now),
                );
                let mut steps = Vec::new();
                for st in slip.steps.iter().filter(|s| s.visits > 0) {
                    let def = ctx.workflow.step(&st.step);
                    let unit = match def.map(|s| &s.agency) {
                        Some(tinhso_domain::dossier::AgencyScope::Receiving) => {
                            self.agency_name(&d.receiving_agency).await?
                        }
                        Some(tinhso_domain::dossier::AgencyScope::Named(eid)) => {
                            self.agency_name(eid).await?
                        }
                        _ => self.agency_name(&d.competent_agency).await?,
                    };
                    // Who worked at the step: the actor of the last event that left it.
                    let actor_id = owned
                        .iter()
                        .rev()
                        .find(|e| e.from_step.as_ref() == Some(&st.step))
                        .map(|e| e.actor.user_id.clone());
                    let actor = match actor_id {
                        Some(id) => self.user_name(&id, &mut names).await?,
                        None => String::new(),
                    };
                    let outcome = if st.in_progress && d.ended_at.is_none() {
                        StepOutcome::InProgress
                    } else if st.used_minutes > st.allowance_minutes {
                        StepOutcome::Late
                    } else if st.used_minutes < st.allowance_minutes {
                        StepOutcome::Early
                    } else {
                        StepOutcome::OnTime
                    };
                    let done = outcome != StepOutcome::InProgress;
                    steps.push(ProcessStep {
                        name: st.name.clone(),
                        unit,
                        actor,
                        started_at: st.first_entered_at.unwrap_or(d.received_at),
                        finished_at: if done { st.last_left_at } else { None },
                        allowance_minutes: minutes(st.allowance_minutes),
                        used_minutes: done.then(|| minutes(st.used_minutes)),
                        outcome,
                        note: if st.visits > 1 {
                            format!("{} lượt", st.visits)
                        } else {
                            String::new()
                        },
                    });
                }
                let mut coordinating = Vec::new();
                for e in &owned {
                    if let EventDetail::TransferredToAgency { eid } = &e.detail {
                        let name = self.agency_name(eid).await?;
                        if !coordinating.contains(&name) {
                            coordinating.push(name);
                        }
                    }
                }
                let handling = self.agency_name(&d.competent_agency).await?;
                let date = d.accepted_at.map_or(d.received_at.date(), |a| a.date());
                Form::ControlSlip06(ControlSlip {
                    header: self.form_header(&d.receiving_agency, date).await?,
                    handling_agency: handling,
                    coordinating_agencies: coordinating,
                    steps,
                    dossier,
                })
            }
        };
        log_personal_read(user, "form", &d.code.to_string());
        let url = status_url(&self.settings.public_url, &d.code.to_string());
        Ok(tinhso_forms::render(&form, &url)?)
    }

    /// The register's rows (Mẫu 07): dossiers received by `agency` (default the officer's)
    /// between `from` and `to` (local dates, inclusive), oldest first.
    pub async fn register_rows(
        &self,
        user: &User,
        agency: Option<&str>,
        from: Date,
        to: Date,
    ) -> DossierResult<(AgencyEId, Vec<RegisterRow>)> {
        check_period(from, to)?;
        if is_citizen(user) {
            return Err(DossierError::Forbidden);
        }
        let agency = match agency.filter(|a| !a.trim().is_empty()) {
            Some(a) => AgencyEId::parse(a.trim())
                .map_err(|e| DossierError::InvalidAgency(e.to_string()))?,
            None => user.agency.clone().ok_or(DossierError::Forbidden)?,
        };
        let province_admin = user.roles.contains(&Role::ProvinceAdmin);
        if !province_admin && user.agency.as_ref() != Some(&agency) {
            return Err(DossierError::Forbidden);
        }
        let mut query = DossierQuery {
            agencies: vec![agency.clone()],
            received_from: Some(from),
            received_to: Some(to),
            limit: 500,
            ..Default::default()
        };
        let mut found: Vec<StoredDossier> = Vec::new();
        // At most 100 000 dossiers in a period: a year of a busy centre.
        for _ in 0..200 {
            let batch = self.store.find_dossiers(&query).await?;
            let full = batch.len() as u32 >= query.limit;
            query.before_id = batch.last().map(|s| s.id);
            found.extend(batch);
            if !full {
                break;
            }
        }
        // The register of an agency lists what it received.
        found
            .retain(|s| s.dossier.receiving_agency == agency || s.dossier.received_point == agency);
        found.sort_by_key(|s| (s.dossier.received_at, s.id));
        let mut names: HashMap<AgencyEId, String> = HashMap::new();
        let snapshot = self.catalog.snapshot();
        let mut rows = Vec::with_capacity(found.len());
        for (i, s) in found.iter().enumerate() {
            let d = &s.dossier;
            let handling = match names.get(&d.competent_agency) {
                Some(n) => n.clone(),
                None => {
                    let n = self.agency_name(&d.competent_agency).await?;
                    names.insert(d.competent_agency.clone(), n.clone());
                    n
                }
            };
            let procedure_name = match snapshot.records.get(&d.procedure_code) {
                Some(p) if p.version == d.procedure_version => p.procedure.name.clone(),
                _ => self
                    .store
                    .procedure_version(&d.procedure_code, d.procedure_version)
                    .await?
                    .map(|p| p.procedure.name)
                    .unwrap_or_default(),
            };
            let a = &s.applicant;
            let contact = [a.address.trim(), a.phone.trim()]
                .iter()
                .filter(|t| !t.is_empty())
                .copied()
                .collect::<Vec<_>>()
                .join(" – ");
            let note = match d.status {
                NationalStatus::Registered
                | NationalStatus::Refused
                | NationalStatus::SupplementRequested
                | NationalStatus::Withdrawn
                | NationalStatus::Stopped => d.status.label_vi().to_string(),
                _ => String::new(),
            };
            rows.push(RegisterRow {
                seq: u32::try_from(i + 1).unwrap_or(u32::MAX),
                dossier_code: d.code.to_string(),
                procedure_name,
                sets: 1,
                applicant_name: a.name.clone(),
                applicant_contact: contact,
                handling_agency: handling,
                received_at: d.received_at,
                due_at: d.original_due().unwrap_or(d.received_at),
                transferred_at: d.accepted_at,
                result_at: d.result_ready_at,
                delivered_at: d.delivered_at,
                note,
            });
        }
        log_personal_read(user, "register", &format!("{agency} {from}..{to}"));
        Ok((agency, rows))
    }

    /// The register (Mẫu 07) as CSV or XLSX bytes.
    pub async fn register_file(
        &self,
        user: &User,
        agency: Option<&str>,
        from: Date,
        to: Date,
        format: RegisterFormat,
    ) -> DossierResult<Vec<u8>> {
        let (_, rows) = self.register_rows(user, agency, from, to).await?;
        Ok(match format {
            RegisterFormat::Csv => tinhso_forms::register_csv(&rows).into_bytes(),
            RegisterFormat::Xlsx => tinhso_forms::register_xlsx(&rows)?,
        })
    }

    /// The register (Mẫu 07) as a printable PDF.
    pub async fn register_pdf(
        &self,
        user: &User,
        agency: Option<&str>,
        from: Date,
        to: Date,
    ) -> DossierResult<Vec<u8>> {
        let (agency, rows) = self.register_rows(user, agency, from, to).await?;
        let header = self.form_header(&agency, self.today()).await?;
        let period = format!(
            "Từ ngày {} đến ngày {}",
            from.strftime("%d/%m/%Y"),
            to.strftime("%d/%m/%Y")
        );
        let form = Form::Register07(Register {
            header,
            period,
            rows,
        });
        Ok(tinhso_forms::render(&form, "")?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_url_and_place() {
        assert_eq!(
            status_url("https://dvc.example/", "000.00.01.H61-260302-0001"),
            "https://dvc.example/tra-cuu?ma=000.00.01.H61-260302-0001"
        );
        assert_eq!(place_name("Tỉnh Vĩnh Long"), "Vĩnh Long");
        assert_eq!(lines("a\n\n b "), vec!["a", "b"]);
    }
}
