//! Arguments and parsers more than one subcommand takes: the export files to read, the
//! reading of a period from a store or from exports, the as-of moment, the calendar, the language, the comparison
//! level, the kind of an export, a mapping profile and the generation time.

use std::path::PathBuf;

use baove::catalog::Lang;
use baove::compare;
use baove::ingest::profile::Profile;
use baove::model::Kind;
use baove::period::Calendar;

/// The export files a command reads (load, validate), and how to read them.
#[derive(Debug, clap::Args)]
pub struct Exports {
    /// Export files, or folders holding them (files named cases*, content_reports*,
    /// population*, areas*, holidays*, crosswalk*).
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
    /// The kind of every file given, when their names do not say it.
    #[arg(long, value_parser = parse_kind)]
    pub kind: Option<Kind>,
    /// A mapping profile (TOML) renaming an agency's headers and values to the contract.
    #[arg(long)]
    pub profile: Option<PathBuf>,
    /// Whose part of each case the cases files are: the agency that sent them (LDTBXH,
    /// CA, TTTT, SYT, KHCN, VHTTDL, OTHER), or OFFICE for the office's consolidated
    /// records. Default: the profile's `agency`, else the rows' `source_agency`, else
    /// OFFICE. A part never erases another agency's values.
    #[arg(long, value_name = "CODE", value_parser = parse_agency)]
    pub agency: Option<String>,
}

/// An agency code of a part export.
pub fn parse_agency(text: &str) -> Result<String, String> {
    let code = text.trim().to_ascii_uppercase();
    if baove::model::SOURCE_AGENCIES.contains(&code.as_str()) {
        Ok(code)
    } else {
        Err(format!("not one of {}", baove::model::SOURCE_AGENCIES.join(", ")))
    }
}

impl Exports {
    /// The profile and the files to read, each with its kind; notes the files passed
    /// over, and refuses a command that would read nothing.
    pub fn plan(&self) -> baove::Result<(Profile, Vec<baove::ingest::Planned>)> {
        let mut profile = load_profile(&self.profile)?;
        if let Some(agency) = &self.agency {
            profile.agency = Some(agency.clone());
        }
        let (planned, passed_over) = baove::ingest::plan(&self.paths, self.kind, &profile)?;
        for p in &passed_over {
            eprintln!(
                "note: {} is not an export of a known kind; passed over",
                p.display()
            );
        }
        if planned.is_empty() {
            return Err(baove::Error::Usage(
                "no export files found in the paths given".into(),
            ));
        }
        Ok((profile, planned))
    }

    /// The profile's file name, as the load log records it.
    pub fn profile_name(&self) -> Option<String> {
        self.profile
            .as_ref()
            .and_then(|p| p.file_name())
            .map(|n| n.to_string_lossy().into_owned())
    }
}

/// What a reporting command (report, compare, dashboard) reads and describes.
#[derive(Debug, clap::Args)]
pub struct Reading {
    /// Period: 2025-03, 2025Q1, 2025H1 or 2025.
    #[arg(long)]
    pub period: String,
    /// The store to read (default ./baove.duckdb).
    #[arg(long, conflicts_with_all = ["input", "parquet"])]
    pub db: Option<std::path::PathBuf>,
    /// A Parquet dataset written by `baove export` to read instead of a store.
    #[arg(long, conflicts_with = "input")]
    pub parquet: Option<std::path::PathBuf>,
    /// Export files or folders to load into a temporary store first.
    #[arg(long, num_args = 1..)]
    pub input: Vec<std::path::PathBuf>,
    /// Mapping profile for --input files.
    #[arg(long)]
    pub profile: Option<std::path::PathBuf>,
    #[arg(long, default_value = "statutory", value_parser = parse_calendar)]
    pub calendar: baove::period::Calendar,
    /// The moment described, "YYYY-MM-DD HH:MM:SS" (default: the end of the period).
    #[arg(long, value_parser = parse_as_of)]
    pub as_of: Option<chrono::NaiveDateTime>,
    #[arg(long, value_enum, default_value_t = baove::results::Audience::Public)]
    pub audience: baove::results::Audience,
    #[arg(long, value_enum, default_value_t = Language::Vi)]
    pub lang: Language,
    /// Read the store as it stood after a load: its id (`baove status` lists them), or
    /// "YYYY-MM-DD HH:MM:SS" for the last load logged by then (default: as it stands).
    /// Distinct from --as-of, the moment the figures describe.
    #[arg(long, value_name = "MOMENT|LOAD", value_parser = parse_known_at, conflicts_with = "input")]
    pub as_known_at: Option<baove::store::KnownAt>,
    #[command(flatten)]
    pub whole: Whole,
}

/// Which whole a reporting command describes, when the store holds several provinces.
#[derive(Debug, Clone, clap::Args)]
pub struct Whole {
    /// The province reported, by its code (default: the store's one province). A period
    /// before a merger reports the former provinces it was formed from, summed. A code a
    /// merger reused names today's province; CODE@YYYY-MM-DD names the one valid that day
    /// (e.g. 44@2024-01-01 for Quảng Bình before 1 July 2025).
    #[arg(long, value_name = "CODE[@DAY]", value_parser = parse_province, conflicts_with = "nation")]
    pub province: Option<baove::results::Top>,
    /// Report every province in the store: the nation, its areas the provinces.
    #[arg(long)]
    pub nation: bool,
}

impl Whole {
    pub fn top(&self) -> baove::results::Top {
        match (&self.province, self.nation) {
            (_, true) => baove::results::Top::Nation,
            (Some(top), false) => top.clone(),
            (None, false) => baove::results::Top::Only,
        }
    }
}

pub fn parse_province(text: &str) -> Result<baove::results::Top, String> {
    let (code, on) = match text.split_once('@') {
        Some((code, day)) => {
            let day = chrono::NaiveDate::parse_from_str(day.trim(), "%Y-%m-%d")
                .map_err(|_| format!("{day:?}: the day after @ is YYYY-MM-DD"))?;
            (code, Some(day))
        }
        None => (text, None),
    };
    let code = code.trim();
    if code.is_empty() {
        return Err("give the province's area code, e.g. 44".into());
    }
    Ok(baove::results::Top::Province {
        code: code.to_string(),
        on,
    })
}

impl Reading {
    /// The period and the as-of moment (default: the end of the period).
    pub fn moment(&self) -> baove::Result<(baove::period::Period, chrono::NaiveDateTime)> {
        let period =
            baove::period::Period::parse(&self.period, self.calendar).map_err(baove::Error::Usage)?;
        Ok((period, self.as_of.unwrap_or_else(|| period.end_moment())))
    }

    pub fn store(&self) -> baove::Result<baove::store::Store> {
        match &self.parquet {
            Some(dir) => baove::store::Store::open_parquet(dir),
            None => reporting_store(self.db.as_deref(), &self.input, &self.profile, None),
        }
    }

    /// The store, with an `--input` load logged at `generated_at` (the output's pinned
    /// generation time): the cover's load times then repeat from run to run.
    pub fn store_logged_at(&self, generated_at: chrono::NaiveDateTime) -> baove::Result<baove::store::Store> {
        match &self.parquet {
            Some(dir) => baove::store::Store::open_parquet(dir),
            None => reporting_store(self.db.as_deref(), &self.input, &self.profile, Some(generated_at)),
        }
    }

    /// What the command asks of `store`: the period as of the moment, the whole, the
    /// store as known at the load asked for; and the last load that reads (for the log of
    /// outputs).
    pub fn request(&self, store: &baove::store::Store) -> baove::Result<(baove::results::Request, i64)> {
        let (period, as_of) = self.moment()?;
        let known = known_at(store, self.as_known_at)?;
        let request = baove::results::Request {
            whole: self.whole.top(),
            known,
            audience: self.audience,
            ..baove::results::Request::new(period, as_of)
        };
        let load = store.last_load_known(known)?;
        Ok((request, load))
    }
}

/// The load `at` names (None: the store as it stands).
pub fn known_at(
    store: &baove::store::Store,
    at: Option<baove::store::KnownAt>,
) -> baove::Result<Option<i64>> {
    at.map(|at| Ok(store.resolve_known_at(at)?.load_id)).transpose()
}

pub fn parse_known_at(text: &str) -> Result<baove::store::KnownAt, String> {
    baove::store::KnownAt::parse(text)
}

/// The store a reporting command reads: `--db` (or ./baove.duckdb), or, with
/// `--input`, the exports loaded into a store in memory first (strictly: a refused file
/// stops the command), logged at `logged_at` when given (the data is still checked
/// against the real moment of loading).
pub fn reporting_store(
    db: Option<&std::path::Path>,
    input: &[std::path::PathBuf],
    profile: &Option<std::path::PathBuf>,
    logged_at: Option<chrono::NaiveDateTime>,
) -> baove::Result<baove::store::Store> {
    use baove::ingest::{self, Destination, LoadOptions};
    use baove::store::{Store, DEFAULT_PATH};
    if input.is_empty() {
        return Store::open_read_only(db.unwrap_or(std::path::Path::new(DEFAULT_PATH)));
    }
    let profile = load_profile(profile)?;
    let (planned, _) = ingest::plan(input, None, &profile)?;
    let options = LoadOptions {
        quarantine: false,
        now: baove::local_now()?,
        logged_at,
        profile_name: None,
        province: None,
    };
    let (store, _) = ingest::load_planned(Destination::Memory, &planned, &profile, &options, &|_| {})?;
    Ok(store)
}

impl Reading {
    /// Logs the outputs written from the store in its record of processing; a report
    /// of `--input` exports reads a store in memory, and has no record to log in.
    pub fn log_outputs(
        &self,
        command: &str,
        request: &baove::results::Request,
        load: i64,
        written: &[PathBuf],
    ) -> baove::Result<()> {
        if !self.input.is_empty() || self.parquet.is_some() {
            return Ok(());
        }
        let db = self
            .db
            .as_deref()
            .unwrap_or(std::path::Path::new(baove::store::DEFAULT_PATH));
        log_outputs(
            db,
            command,
            self.audience,
            Some((&request.period, request.as_of)),
            Some(self.lang.lang()),
            Some(load),
            written,
        )
    }
}

/// Logs the files a command wrote from the store at `db` (see
/// [`baove::store::log_outputs`]); `moment` is None for a file of no period (the record
/// of processing), `lang` for one with no language (the tidy table).
pub fn log_outputs(
    db: &std::path::Path,
    command: &str,
    audience: baove::results::Audience,
    moment: Option<(&baove::period::Period, chrono::NaiveDateTime)>,
    lang: Option<Lang>,
    known_load: Option<i64>,
    written: &[PathBuf],
) -> baove::Result<()> {
    let outputs: Vec<baove::store::OutputToLog> = written
        .iter()
        .map(|path| baove::store::OutputToLog {
            command: command.to_string(),
            path: path.clone(),
            audience: audience.name().to_string(),
            period: moment.map(|(p, _)| p.to_string()).unwrap_or_default(),
            as_of: moment
                .map(|(_, t)| t.format("%Y-%m-%d %H:%M:%S").to_string())
                .unwrap_or_default(),
            lang: match lang {
                Some(Lang::Vi) => "vi",
                Some(Lang::En) => "en",
                None => "",
            }
            .to_string(),
            known_load,
        })
        .collect();
    baove::store::log_outputs(db, &outputs, baove::local_now()?)
}

pub fn parse_calendar(text: &str) -> Result<Calendar, String> {
    text.parse()
}

pub fn parse_as_of(text: &str) -> Result<chrono::NaiveDateTime, String> {
    baove::period::parse_as_of(text)
}

pub fn parse_kind(text: &str) -> Result<Kind, String> {
    Kind::parse(text).ok_or_else(|| {
        format!("unknown kind {text:?}; one of cases, content_reports, population, areas, holidays")
    })
}

pub fn load_profile(path: &Option<PathBuf>) -> baove::Result<Profile> {
    path.as_deref()
        .map(Profile::load)
        .transpose()
        .map(Option::unwrap_or_default)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Language {
    Vi,
    En,
}

impl Language {
    pub fn lang(self) -> Lang {
        match self {
            Language::Vi => Lang::Vi,
            Language::En => Lang::En,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Level {
    Province,
    District,
    Commune,
}

impl Level {
    pub fn name(self) -> &'static str {
        match self {
            Level::Province => "province",
            Level::District => "district",
            Level::Commune => "commune",
        }
    }

    pub fn scheme(self) -> compare::Level {
        match self {
            Level::Province => compare::Level::Province,
            Level::District => compare::Level::District,
            Level::Commune => compare::Level::Commune,
        }
    }
}

pub fn generation_time(pinned: Option<chrono::NaiveDateTime>) -> baove::Result<chrono::NaiveDateTime> {
    if let Some(t) = pinned {
        return Ok(t);
    }
    if let Ok(epoch) = std::env::var("SOURCE_DATE_EPOCH") {
        let seconds: i64 = epoch.trim().parse().map_err(|_| {
            baove::Error::Usage(format!("SOURCE_DATE_EPOCH={epoch:?} is not a number of seconds"))
        })?;
        return chrono::DateTime::from_timestamp(seconds, 0)
            .map(|t| t.naive_utc() + chrono::Duration::hours(7))
            .ok_or_else(|| baove::Error::Usage("SOURCE_DATE_EPOCH out of range".into()));
    }
    baove::local_now()
}
