//! Dossier use cases on both engines: a counter dossier from intake to delivery, online intake,
//! idempotent replays, agency scope, the public look-up, forms, the register, the deadline
//! sweep and attachments.

use std::sync::Arc;

use jiff::civil::{date, DateTime};
use tinhso_app::dossiers::{
    ActionRequest, AttachmentInput, DossierError, DossierView, IntakeRequest, QueueFilter,
    QueueKind,
};
use tinhso_app::forms::RegisterFormat;
use tinhso_app::identity::NewUser;
use tinhso_app::progress::NoProgress;
use tinhso_app::scheduler::SweepSettings;
use tinhso_app::{App, AppSettings, FixedClock};
use tinhso_domain::agency::AgencyEId;
use tinhso_domain::catalog::Channel;
use tinhso_domain::dossier::{shift_due, DomainError, Role};
use tinhso_objects::LocalDiskStore;
use tinhso_store::dossiers::{Applicant, DossierQuery, User};

use crate::engines::{self, TestApp};

const WARD: &str = "000.01.90.H61";
const OTHER_WARD: &str = "000.02.90.H61";
const BIRTH: &str = "1.001193";

/// Local time in Vietnam as an instant.
fn at(local: &str) -> jiff::Timestamp {
    let dt: DateTime = local.parse().unwrap();
    tinhso_app::clock::from_local(dt)
}

fn dt(local: &str) -> DateTime {
    local.parse().unwrap()
}

pub struct Office {
    pub app: Arc<App>,
    pub clock: Arc<FixedClock>,
    pub engine: &'static str,
    pub officer: User,
    pub specialist: User,
    pub leader: User,
    pub clerk: User,
    pub other_officer: User,
    pub citizen: User,
    pub other_citizen: User,
    objects: std::path::PathBuf,
    _t: TestApp,
}

impl Drop for Office {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.objects);
    }
}

/// A second app on the engine's store with a clock the test moves, the demo province, an
/// object store in a temporary folder, and the staff of a ward.
async fn office(t: TestApp) -> Office {
    let clock = Arc::new(FixedClock::new(at("2026-03-02T09:00:00")));
    static N: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
    let objects = std::env::temp_dir().join(format!(
        "tinhso_app_objects_{}_{}_{}",
        std::process::id(),
        t.engine,
        N.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
    ));
    let app = App::new(t.app.store.clone(), clock.clone(), AppSettings::default())
        .await
        .unwrap()
        .with_objects(Arc::new(LocalDiskStore::open(&objects).unwrap()));
    app.load_demo(&NoProgress).await.unwrap();
    let staff = |id: &str, name: &str, role: Role, agency: &str| NewUser {
        id: id.into(),
        name: name.into(),
        agency: Some(AgencyEId::parse(agency).unwrap()),
        roles: vec![role],
    };
    let citizen = |id: &str, name: &str| NewUser {
        id: id.into(),
        name: name.into(),
        agency: None,
        roles: vec![Role::Applicant],
    };
    let officer = app
        .create_user(staff("mc01", "Lê Thị Một Cửa", Role::OneStopOfficer, WARD))
        .await
        .unwrap();
    let specialist = app
        .create_user(staff("cv01", "Trần Văn Chuyên", Role::Specialist, WARD))
        .await
        .unwrap();
    let leader = app
        .create_user(staff("ld01", "Phạm Lãnh Đạo", Role::Leader, WARD))
        .await
        .unwrap();
    let clerk = app
        .create_user(staff("vt01", "Võ Văn Thư", Role::Clerk, WARD))
        .await
        .unwrap();
    let other_officer = app
        .create_user(staff(
            "mc02",
            "Đỗ Một Cửa Khác",
            Role::OneStopOfficer,
            OTHER_WARD,
        ))
        .await
        .unwrap();
    let citizen_user = app
        .create_user(citizen("cd01", "Nguyễn Văn Dân"))
        .await
        .unwrap();
    let other_citizen = app
        .create_user(citizen("cd02", "Hồ Thị Khác"))
        .await
        .unwrap();
    Office {
        app: Arc::new(app),
        clock,
        engine: t.engine,
        officer,
        specialist,
        leader,
        clerk,
        other_officer,
        citizen: citizen_user,
        other_citizen,
        objects,
        _t: t,
    }
}

fn applicant() -> Applicant {
    Applicant {
        name: "Nguyễn Văn Dân".into(),
        kind: 1,
        id_number: "086099000123".into(),
        phone: "0912345678".into(),
        email: "dan@example.vn".into(),
        address: "Phường Phú Khương, Vĩnh Long".into(),
    }
}

fn counter_intake() -> IntakeRequest {
    IntakeRequest {
        procedure_code: BIRTH.into(),
        channel: Channel::Counter,
        receiving_agency: None,
        competent_agency: None,
        applicant: applicant(),
        form: serde_json::json!({"ho_ten_tre": "Nguyễn Văn Bé"}),
        attachments: vec![],
        comment: Some("Nhận tại quầy".into()),
    }
}

fn action(name: &str) -> ActionRequest {
    ActionRequest {
        action: name.into(),
        ..Default::default()
    }
}

async fn act(o: &Office, user: &User, code: &str, req: ActionRequest, when: &str) -> DossierView {
    o.clock.set(at(when));
    o.app
        .act(user, code, req, None)
        .await
        .unwrap_or_else(|e| panic!("{}: {e}", o.engine))
}

/// A minimal one-page PDF with a correct cross-reference table.
pub fn small_pdf() -> Vec<u8> {
    pdf_of_width(595)
}

/// A minimal one-page PDF whose page is `width` points wide (different widths, different files).
fn pdf_of_width(width: u32) -> Vec<u8> {
    let page = format!("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 {width} 842] >>");
    let bodies = [
        "<< /Type /Catalog /Pages 2 0 R >>",
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        page.as_str(),
    ];
    let mut out = b"%PDF-1.4\n".to_vec();
    let mut offsets = Vec::new();
    for (i, body) in bodies.iter().enumerate() {
        offsets.push(out.len());
        out.extend_from_slice(format!("{} 0 obj\n{body}\nendobj\n", i + 1).as_bytes());
    }
    let xref = out.len();
    out.extend_from_slice(
        format!("xref\n0 {}\n0000000000 65535 f \n", bodies.len() + 1).as_bytes(),
    );
    for o in &offsets {
        out.extend_from_slice(format!("{o:010} 00000 n \n").as_bytes());
    }
    out.extend_from_slice(
        format!(
            "trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n",
            bodies.len() + 1
        )
        .as_bytes(),
    );
    out
}

#[tokio::test]
async fn counter_dossier_from_intake_to_delivery_with_timeline_forms_and_register() {
    for t in engines::all().await {
        let o = office(t).await;
        let e = o.engine;
        let created = o
            .app
            .submit_dossier(&o.officer, counter_intake(), None)
            .await
            .unwrap();
        assert_eq!(created.status, 1, "{e}");
        assert_eq!(created.status_label, "Mới đăng ký");
        assert!(
            created.code.starts_with("000.01.90.H61-260302-"),
            "{e}: {}",
            created.code
        );
        assert_eq!(created.channel, Channel::Counter);
        assert_eq!(created.current_step.as_deref(), Some("receive"));
        let secret = created
            .secret
            .clone()
            .expect("the creation answer carries the secret");
        assert_eq!(secret.len(), 12);
        let code = created.code.clone();

        // Accept at 09:10 on Monday: 1 working day = 8 working hours → Tuesday 09:10, rounded
        // up to the quarter hour (domain.md §3).
        let accepted = act(
            &o,
            &o.officer,
            &code,
            action("accept"),
            "2026-03-02T09:10:00",
        )
        .await;
        assert_eq!(accepted.status, 2, "{e}");
        assert_eq!(accepted.due, Some(dt("2026-03-03T09:15")), "{e}");
        assert_eq!(accepted.current_step.as_deref(), Some("appraise"));
        assert!(accepted.secret.is_none(), "the secret is shown once");

        // The specialist asks for a paper at 10:10; it comes at 14:10: 80 + 70 working
        // minutes paused, by which the due date moves.
        let mut req = action("request_supplement");
        req.reason = Some("Giấy chứng sinh: bản chính có xác nhận của cơ sở y tế".into());
        let paused = act(&o, &o.specialist, &code, req, "2026-03-02T10:10:00").await;
        assert_eq!(paused.status, 5, "{e}");
        assert!(paused.paused);
        let resumed = act(
            &o,
            &o.officer,
            &code,
            action("supplement"),
            "2026-03-02T14:10:00",
        )
        .await;
        assert_eq!(resumed.status, 2, "{e}");
        assert_eq!(resumed.paused_minutes, 150, "{e}");
        let expected = shift_due(&o.app.calendar(), dt("2026-03-03T09:15"), 150);
        assert_eq!(resumed.due, Some(expected), "{e}");
        assert_eq!(resumed.due, Some(dt("2026-03-03T13:15")), "{e}");
        assert_eq!(resumed.original_due, Some(dt("2026-03-03T09:15")));

        let mut forward = action("forward");
        forward.to_step = Some("approve".into());
        let forwarded = act(&o, &o.specialist, &code, forward, "2026-03-02T15:00:00").await;
        assert_eq!(
            (forwarded.status, forwarded.current_step.as_deref()),
            (4, Some("approve"))
        );
        let approved = act(
            &o,
            &o.leader,
            &code,
            action("approve"),
            "2026-03-02T15:30:00",
        )
        .await;
        assert_eq!(approved.current_step.as_deref(), Some("issue"));
        let ready = act(
            &o,
            &o.clerk,
            &code,
            action("result_ready"),
            "2026-03-02T16:00:00",
        )
        .await;
        assert_eq!(ready.status, 9, "{e}");
        let delivered = act(
            &o,
            &o.officer,
            &code,
            action("deliver"),
            "2026-03-03T08:00:00",
        )
        .await;
        assert_eq!(delivered.status, 10, "{e}");
        assert_eq!(delivered.delivered_at, Some(dt("2026-03-03T08:00")));
        assert_eq!(delivered.events, 8);

        let timeline = o.app.timeline(&o.officer, &code).await.unwrap();
        let kinds: Vec<&str> = timeline.iter().map(|t| t.kind.as_str()).collect();
        assert_eq!(
            kinds,
            [
                "submit",
                "accept",
                "request_supplement",
                "supplement",
                "forward",
                "approve",
                "result_ready",
                "deliver"
            ],
            "{e}"
        );
        let request = &timeline[2];
        assert_eq!(request.from_status, Some(2));
        assert_eq!(request.to_status, 5);
        assert_eq!(request.to_status_label, "Yêu cầu bổ sung giấy tờ");
        let who = request.actor.as_ref().unwrap();
        assert_eq!(
            (who.user_id.as_str(), who.name.as_str()),
            ("cv01", "Trần Văn Chuyên")
        );
        assert_eq!(who.role, Role::Specialist);
        assert_eq!(timeline[0].comment, "Nhận tại quầy");
        assert_eq!(timeline[4].from_step.as_deref(), Some("appraise"));
        assert_eq!(
            timeline[4].to_step_name.as_deref(),
            Some("Phê duyệt, ký số")
        );

        // Detail: personal data for the agency's staff.
        let detail = o.app.dossier_detail(&o.specialist, &code).await.unwrap();
        assert_eq!(detail.applicant.id_number, "086099000123");
        assert_eq!(detail.form["ho_ten_tre"], "Nguyễn Văn Bé");
        assert_eq!(detail.dossier.status, 10);

        // Forms 01, 02 and 06 exist; 03 (no refusal) does not.
        for number in ["01", "02", "06"] {
            let pdf = o.app.dossier_form(&o.officer, &code, number).await.unwrap();
            assert!(pdf.starts_with(b"%PDF"), "{e}: form {number}");
        }
        assert!(matches!(
            o.app.dossier_form(&o.officer, &code, "03").await,
            Err(DossierError::FormNotAvailable(_))
        ));

        // The register of the ward for the day lists it.
        let (_, rows) = o
            .app
            .register_rows(&o.officer, None, date(2026, 3, 2), date(2026, 3, 2))
            .await
            .unwrap();
        assert_eq!(rows.len(), 1, "{e}");
        assert_eq!(rows[0].dossier_code, code);
        assert_eq!(rows[0].due_at, dt("2026-03-03T09:15"));
        let csv = o
            .app
            .register_file(
                &o.officer,
                None,
                date(2026, 3, 1),
                date(2026, 3, 31),
                RegisterFormat::Csv,
            )
            .await
            .unwrap();
        let csv = String::from_utf8(csv).unwrap();
        assert!(csv.contains(&code), "{e}: {csv}");
        assert!(csv.contains("Thủ tục đăng ký khai sinh"));
        assert_eq!(csv.lines().count(), 2, "{e}: header and one row");
        let pdf = o
            .app
            .register_pdf(&o.officer, None, date(2026, 3, 1), date(2026, 3, 31))
            .await
            .unwrap();
        assert!(pdf.starts_with(b"%PDF"));

        // The public look-up: the right secret shows the status, a wrong one nothing.
        let status = o.app.public_status(&code, &secret).await.unwrap().unwrap();
        assert_eq!(status.status, 10);
        assert_eq!(status.procedure_name, "Thủ tục đăng ký khai sinh");
        let lower = secret.to_lowercase();
        assert!(o.app.public_status(&code, &lower).await.unwrap().is_some());
        assert!(o
            .app
            .public_status(&code, "ABCDEFGHJKMN")
            .await
            .unwrap()
            .is_none());
        assert!(o.app.public_status(&code, "").await.unwrap().is_none());
        assert!(o
            .app
            .public_status("nonsense", &secret)
            .await
            .unwrap()
            .is_none());
    }
}

#[tokio::test]
async fn online_intake_by_a_citizen_and_who_sees_it() {
    for t in engines::all().await {
        let o = office(t).await;
        let e = o.engine;
        let mut req = counter_intake();
        req.channel = Channel::Online;
        req.receiving_agency = Some(WARD.into());
        let created = o
            .app
            .submit_dossier(&o.citizen, req.clone(), None)
            .await
            .unwrap();
        assert_eq!(
            (created.status, created.channel),
            (1, Channel::Online),
            "{e}"
        );
        assert_eq!(created.receiving_agency.to_string(), WARD);

        // Their own: visible. Another citizen's: not found. The ward's staff: visible; another
        // ward's officer: forbidden.
        let detail = o
            .app
            .dossier_detail(&o.citizen, &created.code)
            .await
            .unwrap();
        assert_eq!(detail.applicant.name, "Nguyễn Văn Dân");
        assert!(matches!(
            o.app.dossier_detail(&o.other_citizen, &created.code).await,
            Err(DossierError::NotFound)
        ));
        assert!(o
            .app
            .dossier_detail(&o.officer, &created.code)
            .await
            .is_ok());
        assert!(matches!(
            o.app.dossier_detail(&o.other_officer, &created.code).await,
            Err(DossierError::Forbidden)
        ));

        // Queues: the citizen's own list; the officer's "mine" has it at the receiving step;
        // the specialist's "mine" does not (not at their step yet); another ward sees none.
        let all = QueueFilter::default();
        let own = o.app.queue(&o.citizen, &all).await.unwrap();
        assert_eq!(own.items.len(), 1, "{e}");
        assert!(o
            .app
            .queue(&o.other_citizen, &all)
            .await
            .unwrap()
            .items
            .is_empty());
        let mine = QueueFilter {
            kind: QueueKind::Mine,
            ..Default::default()
        };
        assert_eq!(
            o.app.queue(&o.officer, &mine).await.unwrap().items.len(),
            1,
            "{e}"
        );
        assert!(
            o.app
                .queue(&o.specialist, &mine)
                .await
                .unwrap()
                .items
                .is_empty(),
            "{e}"
        );
        assert!(o
            .app
            .queue(&o.other_officer, &all)
            .await
            .unwrap()
            .items
            .is_empty());
        let search = QueueFilter {
            q: Some("nguyen van dan".into()),
            ..Default::default()
        };
        assert_eq!(
            o.app.queue(&o.officer, &search).await.unwrap().items.len(),
            1,
            "{e}"
        );

        // Channels: a citizen submits online only; an officer never online.
        let mut counter = req.clone();
        counter.channel = Channel::Counter;
        assert!(matches!(
            o.app.submit_dossier(&o.citizen, counter, None).await,
            Err(DossierError::ChannelNotAllowed(_))
        ));
        assert!(matches!(
            o.app.submit_dossier(&o.officer, req.clone(), None).await,
            Err(DossierError::ChannelNotAllowed(_))
        ));
        // An agency that does not carry out the procedure, and an unknown procedure.
        let mut elsewhere = req.clone();
        elsewhere.receiving_agency = Some("000.00.05.H61".into());
        assert!(matches!(
            o.app.submit_dossier(&o.citizen, elsewhere, None).await,
            Err(DossierError::AgencyNotImplementing(_))
        ));
        let mut unknown = req.clone();
        unknown.procedure_code = "9.999999".into();
        assert!(matches!(
            o.app.submit_dossier(&o.citizen, unknown, None).await,
            Err(DossierError::ProcedureNotFound)
        ));

        // The citizen withdraws their own dossier; the other citizen cannot touch it.
        assert!(matches!(
            o.app
                .act(&o.other_citizen, &created.code, action("withdraw"), None)
                .await,
            Err(DossierError::NotFound)
        ));
        let withdrawn = o
            .app
            .act(&o.citizen, &created.code, action("withdraw"), None)
            .await
            .unwrap();
        assert_eq!(withdrawn.status, 7, "{e}");
    }
}

#[tokio::test]
async fn idempotent_replays_return_the_first_answer_and_write_nothing() {
    for t in engines::all().await {
        let o = office(t).await;
        let e = o.engine;
        let first = o
            .app
            .submit_dossier(&o.officer, counter_intake(), Some("intake-0001"))
            .await
            .unwrap();
        o.clock.set(at("2026-03-02T09:30:00"));
        let again = o
            .app
            .submit_dossier(&o.officer, counter_intake(), Some("intake-0001"))
            .await
            .unwrap();
        assert_eq!(
            serde_json::to_string(&first).unwrap(),
            serde_json::to_string(&again).unwrap(),
            "{e}: the replay is the first answer, secret included"
        );
        let scope = DossierQuery {
            agencies: vec![AgencyEId::parse(WARD).unwrap()],
            limit: 100,
            ..Default::default()
        };
        assert_eq!(o.app.store.count_dossiers(&scope).await.unwrap(), 1, "{e}");
        // The same key for another request is refused, and writes nothing.
        let mut other = counter_intake();
        other.applicant.name = "Người Khác".into();
        assert!(matches!(
            o.app
                .submit_dossier(&o.officer, other, Some("intake-0001"))
                .await,
            Err(DossierError::IdempotencyKeyReused)
        ));
        assert_eq!(o.app.store.count_dossiers(&scope).await.unwrap(), 1);
        // Actions: a replayed accept answers the same, with no second event.
        let accepted = o
            .app
            .act(&o.officer, &first.code, action("accept"), Some("accept-1"))
            .await
            .unwrap();
        o.clock.set(at("2026-03-02T10:00:00"));
        let replay = o
            .app
            .act(&o.officer, &first.code, action("accept"), Some("accept-1"))
            .await
            .unwrap();
        assert_eq!(accepted, replay, "{e}");
        assert_eq!(replay.events, 2);
        let code = tinhso_domain::dossier::DossierCode::parse(&first.code).unwrap();
        let stored = o.app.store.dossier_by_code(&code).await.unwrap().unwrap();
        assert_eq!(stored.events, 2, "{e}: nothing written by the replay");
        let mut refuse = action("refuse");
        refuse.reason = Some("x".into());
        assert!(matches!(
            o.app
                .act(&o.officer, &first.code, refuse, Some("accept-1"))
                .await,
            Err(DossierError::IdempotencyKeyReused)
        ));
        assert!(matches!(
            o.app
                .act(&o.officer, &first.code, action("accept"), Some("bad key"))
                .await,
            Err(DossierError::InvalidIdempotencyKey)
        ));
    }
}

#[tokio::test]
async fn another_agency_cannot_act_and_illegal_moves_change_nothing() {
    for t in engines::all().await {
        let o = office(t).await;
        let e = o.engine;
        let created = o
            .app
            .submit_dossier(&o.officer, counter_intake(), None)
            .await
            .unwrap();
        assert!(matches!(
            o.app
                .act(&o.other_officer, &created.code, action("accept"), None)
                .await,
            Err(DossierError::Forbidden)
        ));
        // The specialist may not accept (one-stop officers do, domain.md §2.2).
        assert!(matches!(
            o.app
                .act(&o.specialist, &created.code, action("accept"), None)
                .await,
            Err(DossierError::Domain(DomainError::RoleNotAllowed { .. }))
        ));
        // Deliver before a result: illegal.
        assert!(matches!(
            o.app
                .act(&o.officer, &created.code, action("deliver"), None)
                .await,
            Err(DossierError::Domain(DomainError::IllegalTransition { .. }))
        ));
        // A refusal needs a reason.
        assert!(matches!(
            o.app
                .act(&o.officer, &created.code, action("refuse"), None)
                .await,
            Err(DossierError::Domain(DomainError::ReasonRequired))
        ));
        assert!(matches!(
            o.app
                .act(&o.officer, &created.code, action("fly"), None)
                .await,
            Err(DossierError::UnknownAction(_))
        ));
        let detail = o
            .app
            .dossier_detail(&o.officer, &created.code)
            .await
            .unwrap();
        assert_eq!(
            (detail.dossier.status, detail.dossier.events),
            (1, 1),
            "{e}"
        );
        assert!(matches!(
            o.app
                .dossier_detail(&o.officer, "000.01.90.H61-260302-9999")
                .await,
            Err(DossierError::NotFound)
        ));
        assert!(matches!(
            o.app.dossier_detail(&o.officer, "not-a-code").await,
            Err(DossierError::InvalidDossierCode(_))
        ));
    }
}

#[tokio::test]
async fn deadline_sweep_flags_once_and_only_on_the_lease_holder() {
    for t in engines::all().await {
        let o = office(t).await;
        let e = o.engine;
        let created = o
            .app
            .submit_dossier(&o.officer, counter_intake(), None)
            .await
            .unwrap();
        let accepted = act(
            &o,
            &o.officer,
            &created.code,
            action("accept"),
            "2026-03-02T09:10:00",
        )
        .await;
        assert_eq!(accepted.due, Some(dt("2026-03-03T09:15")));
        let node_a = SweepSettings::for_node("node-a");
        let node_b = SweepSettings::for_node("node-b");

        // Monday 09:30: due in about 8 working hours → due soon (once).
        let now = at("2026-03-02T09:30:00");
        let r = o.app.run_deadline_sweep(now, &node_a).await.unwrap();
        assert!(r.lease_held, "{e}");
        assert_eq!((r.due_soon_flagged, r.late_flagged), (1, 0), "{e}");
        let r = o.app.run_deadline_sweep(now, &node_a).await.unwrap();
        assert_eq!(
            (r.due_soon_flagged, r.late_flagged),
            (0, 0),
            "{e}: flags are written once"
        );
        // Node B does nothing while A's lease runs.
        let r = o.app.run_deadline_sweep(now, &node_b).await.unwrap();
        assert!(!r.lease_held, "{e}");

        // Tuesday 10:00: past due → late, once. A's lease (5 minutes) has run out, so B takes
        // over and A then does nothing.
        let later = at("2026-03-03T10:00:00");
        let r = o.app.run_deadline_sweep(later, &node_b).await.unwrap();
        assert!(r.lease_held, "{e}: an expired lease is taken over");
        assert_eq!((r.due_soon_flagged, r.late_flagged), (0, 1), "{e}");
        let r = o.app.run_deadline_sweep(later, &node_a).await.unwrap();
        assert!(!r.lease_held, "{e}");
        let r = o.app.run_deadline_sweep(later, &node_b).await.unwrap();
        assert_eq!((r.due_soon_flagged, r.late_flagged), (0, 0), "{e}");

        let detail = o
            .app
            .dossier_detail(&o.officer, &created.code)
            .await
            .unwrap();
        assert!(detail.due_soon_flagged && detail.late_flagged, "{e}");
        let kinds: Vec<String> = o
            .app
            .timeline(&o.officer, &created.code)
            .await
            .unwrap()
            .into_iter()
            .map(|t| t.kind)
            .collect();
        assert_eq!(
            kinds,
            ["submit", "accept", "flag_due_soon", "flag_late"],
            "{e}"
        );
        let overdue = QueueFilter {
            kind: QueueKind::Overdue,
            ..Default::default()
        };
        o.clock.set(later);
        assert_eq!(
            o.app.queue(&o.officer, &overdue).await.unwrap().items.len(),
            1
        );
    }
}

#[tokio::test]
async fn attachments_are_checked_cited_and_served_to_those_who_see_the_dossier() {
    for t in engines::all().await {
        let o = office(t).await;
        let e = o.engine;
        let pdf = small_pdf();
        let up = o
            .app
            .upload_attachment(&o.citizen, "giay-chung-sinh.pdf", &pdf)
            .await
            .unwrap();
        assert_eq!(
            (up.file_type.as_str(), up.size),
            ("pdf", pdf.len() as u64),
            "{e}"
        );
        // A Windows program named like a PDF is refused.
        let mut exe = b"MZ\x90\0\x03\0\0\0\x04\0\0\0\xFF\xFF\0\0".to_vec();
        exe.extend_from_slice(b"This program cannot be run in DOS mode.");
        let refused = o.app.upload_attachment(&o.citizen, "giay.pdf", &exe).await;
        assert!(
            matches!(&refused, Err(DossierError::Upload(u)) if u.code() == "file_type_not_allowed"),
            "{e}: {refused:?}"
        );

        let mut req = counter_intake();
        req.channel = Channel::Online;
        req.receiving_agency = Some(WARD.into());
        req.attachments = vec![AttachmentInput {
            component: "Giấy chứng sinh".into(),
            sha256: up.sha256.clone(),
            name: None,
        }];
        let created = o
            .app
            .submit_dossier(&o.citizen, req.clone(), None)
            .await
            .unwrap();
        let detail = o
            .app
            .dossier_detail(&o.officer, &created.code)
            .await
            .unwrap();
        assert_eq!(detail.attachments.len(), 1);
        assert_eq!(detail.attachments[0].record.component, "Giấy chứng sinh");
        assert!(detail.attachments[0].record.name.ends_with(".pdf"));
        let file = o
            .app
            .attachment(&o.officer, &created.code, &up.sha256)
            .await
            .unwrap();
        assert_eq!(file.bytes, pdf);
        assert_eq!(file.mime, "application/pdf");
        assert!(matches!(
            o.app
                .attachment(&o.other_citizen, &created.code, &up.sha256)
                .await,
            Err(DossierError::NotFound)
        ));
        // Citing a file never uploaded.
        req.attachments[0].sha256 = "ab".repeat(32);
        assert!(matches!(
            o.app.submit_dossier(&o.citizen, req, None).await,
            Err(DossierError::AttachmentMissing(_))
        ));
    }
}

/// Uploads no dossier cites are removed once older than the grace period; cited ones, young
/// ones and ones used again meanwhile stay; another node holding the lease sweeps nothing.
#[tokio::test]
async fn unused_uploads_are_swept_after_their_grace_period_and_cited_ones_kept() {
    use std::time::Duration;
    let week = Duration::from_secs(7 * 86_400);
    for t in engines::all().await {
        let o = office(t).await;
        let e = o.engine;
        let upload = |width: u32| {
            let app = o.app.clone();
            let citizen = o.citizen.clone();
            async move {
                app.upload_attachment(&citizen, "to-khai.pdf", &pdf_of_width(width))
                    .await
                    .unwrap()
            }
        };
        let cited = upload(595).await;
        let abandoned = upload(600).await;
        let mut req = counter_intake();
        req.channel = Channel::Online;
        req.receiving_agency = Some(WARD.into());
        req.attachments = vec![AttachmentInput {
            component: "Giấy chứng sinh".into(),
            sha256: cited.sha256.clone(),
            name: None,
        }];
        o.app
            .submit_dossier(&o.citizen, req.clone(), None)
            .await
            .unwrap();
        let real_now = jiff::Timestamp::now();

        // Within the grace period nothing is old.
        let r = o
            .app
            .sweep_unused_objects(real_now, week, "node-a", false)
            .await
            .unwrap();
        assert!(r.lease_held, "{e}");
        assert_eq!((r.old, r.removed), (0, 0), "{e}: {r:?}");

        // Ten days on: both are old; the dry run removes nothing.
        let later = real_now + jiff::SignedDuration::from_hours(240);
        let r = o
            .app
            .sweep_unused_objects(later, week, "node-a", true)
            .await
            .unwrap();
        assert_eq!((r.old, r.cited, r.removed), (2, 1, 1), "{e}: {r:?}");
        let objects = o.app.objects().unwrap();
        let hash = |hex: &str| tinhso_objects::ContentHash::parse(hex).unwrap();
        assert!(objects.exists(&hash(&abandoned.sha256)).await.unwrap());

        // Another node holds the lease: nothing happens.
        assert!(o
            .app
            .store
            .acquire_lease(
                tinhso_app::unused_objects::OBJECT_SWEEP_LEASE,
                "node-b",
                later,
                later + jiff::SignedDuration::from_mins(5)
            )
            .await
            .unwrap());
        let r = o
            .app
            .sweep_unused_objects(later, week, "node-a", false)
            .await
            .unwrap();
        assert!(!r.lease_held && r.removed == 0, "{e}: {r:?}");

        // Once the lease is free, the abandoned upload goes; the cited one stays and serves.
        let after_lease = later + jiff::SignedDuration::from_mins(6);
        let r = o
            .app
            .sweep_unused_objects(after_lease, week, "node-a", false)
            .await
            .unwrap();
        assert_eq!((r.old, r.cited, r.removed), (2, 1, 1), "{e}: {r:?}");
        assert!(
            !objects.exists(&hash(&abandoned.sha256)).await.unwrap(),
            "{e}"
        );
        assert!(objects.exists(&hash(&cited.sha256)).await.unwrap(), "{e}");
        // The lease was released: another node may sweep right away (and finds nothing to do).
        let r = o
            .app
            .sweep_unused_objects(after_lease, week, "node-b", false)
            .await
            .unwrap();
        assert!(r.lease_held, "{e}");
        assert_eq!((r.old, r.removed), (1, 0), "{e}: {r:?}");

        // Citing a removed upload is refused and writes nothing; uploading it again works.
        req.attachments[0].sha256 = abandoned.sha256.clone();
        assert!(matches!(
            o.app.submit_dossier(&o.citizen, req.clone(), None).await,
            Err(DossierError::AttachmentMissing(_))
        ));
        let again = upload(600).await;
        assert_eq!(again.sha256, abandoned.sha256);
        o.app.submit_dossier(&o.citizen, req, None).await.unwrap();
    }
}

#[tokio::test]
async fn users_and_tokens() {
    for t in engines::all().await {
        let o = office(t).await;
        let token = o.app.issue_token("mc01", "máy quầy 1").await.unwrap();
        assert!(token.starts_with("tso_") && token.len() == 68);
        let who = o.app.authenticate(&token).await.unwrap().unwrap();
        assert_eq!(who.id, "mc01");
        assert!(o.app.authenticate("tso_wrong").await.unwrap().is_none());
        assert_eq!(o.app.revoke_tokens("mc01").await.unwrap(), 1);
        assert!(o.app.authenticate(&token).await.unwrap().is_none());
        assert!(o.app.issue_token("nobody", "x").await.is_err());
        let bad = o
            .app
            .create_user(NewUser {
                id: "x1".into(),
                name: "X".into(),
                agency: Some(AgencyEId::parse(WARD).unwrap()),
                roles: vec![Role::Applicant],
            })
            .await;
        assert!(bad.is_err(), "a citizen has no agency");
        let orphan = o
            .app
            .create_user(NewUser {
                id: "x2".into(),
                name: "X".into(),
                agency: None,
                roles: vec![Role::Specialist],
            })
            .await;
        assert!(orphan.is_err(), "an officer belongs to an agency");
    }
}

/// The actions a user may take now, by kind (`App::available_actions`).
async fn available(o: &Office, user: &User, code: &str) -> Vec<tinhso_domain::dossier::ActionKind> {
    o.app
        .available_actions(user, code)
        .await
        .unwrap_or_else(|e| panic!("{}: {e}", o.engine))
        .into_iter()
        .map(|a| a.kind)
        .collect()
}

#[tokio::test]
async fn available_actions_follow_the_workflow_step_role_and_state() {
    use tinhso_domain::dossier::ActionKind::*;
    for t in engines::all().await {
        let o = office(t).await;
        let e = o.engine;
        let code = o
            .app
            .submit_dossier(&o.officer, counter_intake(), None)
            .await
            .unwrap()
            .code;
        // Received, at the one-stop step: only the one-stop officer moves it.
        assert_eq!(
            available(&o, &o.officer, &code).await,
            [Accept, Refuse, RequestSupplement, Withdraw],
            "{e}"
        );
        for user in [&o.specialist, &o.leader, &o.clerk] {
            assert!(
                available(&o, user, &code).await.is_empty(),
                "{e}: {}",
                user.id
            );
        }
        // Another agency's officer: the dossier is not theirs to see.
        assert!(matches!(
            o.app.available_actions(&o.other_officer, &code).await,
            Err(DossierError::Forbidden)
        ));

        act(
            &o,
            &o.officer,
            &code,
            action("accept"),
            "2026-03-02T09:00:00",
        )
        .await;
        assert_eq!(
            available(&o, &o.specialist, &code).await,
            [
                RequestSupplement,
                RequestFinancialObligation,
                Forward,
                TransferToAgency,
                Stop
            ],
            "{e}"
        );
        let forward = o.app.available_actions(&o.specialist, &code).await.unwrap();
        let steps = &forward.iter().find(|a| a.kind == Forward).unwrap().to_steps;
        assert_eq!(
            steps,
            &[("approve".to_string(), "Phê duyệt, ký số".to_string())]
        );
        assert_eq!(available(&o, &o.officer, &code).await, [Withdraw], "{e}");
        assert_eq!(
            available(&o, &o.leader, &code).await,
            [ApologizeAndExtend],
            "{e}"
        );
        assert!(available(&o, &o.clerk, &code).await.is_empty(), "{e}");

        let forward = ActionRequest {
            to_step: Some("approve".into()),
            ..action("forward")
        };
        act(&o, &o.specialist, &code, forward, "2026-03-02T09:10:00").await;
        assert_eq!(
            available(&o, &o.leader, &code).await,
            [Forward, Approve, Stop, ApologizeAndExtend],
            "{e}"
        );
        assert!(available(&o, &o.specialist, &code).await.is_empty(), "{e}");

        act(
            &o,
            &o.leader,
            &code,
            action("approve"),
            "2026-03-02T09:20:00",
        )
        .await;
        assert_eq!(available(&o, &o.clerk, &code).await, [ResultReady], "{e}");
        act(
            &o,
            &o.clerk,
            &code,
            action("result_ready"),
            "2026-03-02T09:30:00",
        )
        .await;
        assert_eq!(available(&o, &o.officer, &code).await, [Deliver], "{e}");
        assert!(available(&o, &o.leader, &code).await.is_empty(), "{e}");
        act(
            &o,
            &o.officer,
            &code,
            action("deliver"),
            "2026-03-02T09:40:00",
        )
        .await;
        for user in [&o.officer, &o.specialist, &o.leader, &o.clerk] {
            assert!(
                available(&o, user, &code).await.is_empty(),
                "{e}: {}",
                user.id
            );
        }
    }
}
