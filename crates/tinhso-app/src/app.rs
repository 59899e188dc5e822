//! [`App`]: the use cases, holding the store, the clock, the live catalog and the calendar.

use std::sync::{Arc, RwLock};

use jiff::civil::{Date, DateTime};
use tinhso_domain::calendar::{
    CalendarDay, DueDate, HolidayRules, TimeLimit, WorkingCalendar, WorkingWindows,
};
use tinhso_store::{Store, StoreResult};

use crate::catalog::{Catalog, SearchPage};
use crate::{Clock, Config};

/// Settings the use cases need (a subset of [`Config`]).
#[derive(Debug, Clone)]
pub struct AppSettings {
    pub windows: WorkingWindows,
    pub cutoff: jiff::civil::Time,
    pub province_code: String,
    pub public_url: String,
    /// Lifetime of a browser session.
    pub session_hours: u32,
    /// Keep outgoing messages for the development mailbox page (`dev_mailbox`).
    pub dev_mailbox: bool,
    /// The 766 index's points and thresholds (`[index_766]`, validated when loaded).
    pub index: tinhso_domain::kpi::IndexConfig,
    /// What the public transparency page publishes.
    pub transparency: crate::transparency::TransparencySettings,
}

impl AppSettings {
    pub fn from_config(config: &Config) -> Self {
        Self {
            windows: WorkingWindows::new(
                (config.working_morning.start, config.working_morning.end),
                (config.working_afternoon.start, config.working_afternoon.end),
            )
            .unwrap_or_default(),
            cutoff: config.cutoff_time,
            province_code: config.province_code.clone(),
            public_url: config.public_url.clone(),
            session_hours: config.session_hours.clamp(1, 24 * 30),
            dev_mailbox: config.dev_mailbox,
            index: config.index_766.clone(),
            transparency: crate::transparency::TransparencySettings {
                enabled: config.transparency_enabled,
                columns: config.transparency_indicators.clone(),
            },
        }
    }
}

impl Default for AppSettings {
    fn default() -> Self {
        Self::from_config(&Config::defaults())
    }
}

/// The application: every use case hangs off it.
pub struct App {
    pub store: Arc<dyn Store>,
    pub clock: Arc<dyn Clock>,
    pub settings: AppSettings,
    pub catalog: Catalog,
    calendar: RwLock<Arc<WorkingCalendar>>,
    /// Where attachments are kept; set with [`App::with_objects`] (the binary uses
    /// `<data_dir>/objects`).
    objects: std::sync::OnceLock<Arc<dyn tinhso_objects::ObjectStore>>,
    /// Where identities are verified (e-ID level 2); set with [`App::with_population`].
    population: std::sync::OnceLock<Arc<dyn crate::population::PopulationSource>>,
    /// Procedure and workflow versions already read (immutable once stored).
    pub(crate) pinned: crate::pinned::Pinned,
    /// The latest procedure versions, agencies and workflows, checked against the store's
    /// revisions ([`crate::reference`]).
    pub(crate) reference: crate::reference::Reference,
    /// Concurrent look-ups of one API token share one query; nothing is kept after it.
    pub(crate) token_reads:
        crate::shared_read::SharedReads<String, StoreResult<Option<tinhso_store::dossiers::User>>>,
}

impl App {
    pub async fn new(
        store: Arc<dyn Store>,
        clock: Arc<dyn Clock>,
        settings: AppSettings,
    ) -> StoreResult<Self> {
        let catalog = Catalog::load(store.as_ref()).await?;
        let calendar = build_calendar(store.as_ref(), &settings).await?;
        Ok(Self {
            store,
            clock,
            settings,
            catalog,
            calendar: RwLock::new(Arc::new(calendar)),
            objects: std::sync::OnceLock::new(),
            population: std::sync::OnceLock::new(),
            pinned: crate::pinned::Pinned::default(),
            reference: crate::reference::Reference::default(),
            token_reads: crate::shared_read::SharedReads::default(),
        })
    }

    /// The same app keeping attachments in `objects`.
    pub fn with_objects(self, objects: Arc<dyn tinhso_objects::ObjectStore>) -> Self {
        let _ = self.objects.set(objects);
        self
    }

    /// Sets the object store once (for an app already shared); false if one was set.
    pub fn set_objects(&self, objects: Arc<dyn tinhso_objects::ObjectStore>) -> bool {
        self.objects.set(objects).is_ok()
    }

    /// The object store, if one was set.
    pub fn objects(&self) -> Option<Arc<dyn tinhso_objects::ObjectStore>> {
        self.objects.get().cloned()
    }

    /// The same app verifying identities with `source` (the population data source).
    pub fn with_population(self, source: Arc<dyn crate::population::PopulationSource>) -> Self {
        let _ = self.population.set(source);
        self
    }

    /// Sets the population data source once (for an app already shared); false if one was set.
    pub fn set_population(&self, source: Arc<dyn crate::population::PopulationSource>) -> bool {
        self.population.set(source).is_ok()
    }

    /// The population data source, if one was configured.
    pub fn population(&self) -> Option<Arc<dyn crate::population::PopulationSource>> {
        self.population.get().cloned()
    }

    /// The working calendar: statutory rules plus the imported dated entries.
    pub fn calendar(&self) -> Arc<WorkingCalendar> {
        self.calendar
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// Reloads the calendar's dated entries (after an import, here or on another node).
    pub async fn refresh_calendar(&self) -> StoreResult<()> {
        let cal = build_calendar(self.store.as_ref(), &self.settings).await?;
        *self.calendar.write().unwrap_or_else(|p| p.into_inner()) = Arc::new(cal);
        Ok(())
    }

    /// Refreshes what other nodes may have changed (catalog, calendar). Called periodically.
    pub async fn refresh(&self) -> StoreResult<()> {
        self.catalog.refresh(self.store.as_ref()).await?;
        self.refresh_calendar().await
    }

    /// Searches the catalog (in memory).
    pub fn search(&self, query: &tinhso_search::SearchQuery) -> SearchPage {
        self.catalog.search(query)
    }

    /// The due moment of a dossier received at `received` (local time) with this limit.
    pub fn due(&self, received: DateTime, limit: TimeLimit, cutoff: bool) -> DueDate {
        let cutoff = cutoff.then_some(self.settings.cutoff);
        self.calendar().due(received, limit, cutoff)
    }

    /// Today in Vietnam.
    pub fn today(&self) -> Date {
        crate::clock::to_local(self.clock.now()).date()
    }
}

async fn build_calendar(store: &dyn Store, settings: &AppSettings) -> StoreResult<WorkingCalendar> {
    let days: Vec<CalendarDay> = store
        .calendar_days(
            jiff::civil::date(1900, 1, 1),
            jiff::civil::date(2199, 12, 31),
        )
        .await?;
    Ok(WorkingCalendar::new(
        settings.windows.clone(),
        HolidayRules::default(),
        days,
    ))
}
