//! List exports: the header rows (Chinese for people, English keys for
//! machines), what each column's cells hold, and the RFC 4180 row encoding
//! shared by every exported list. Lists
//! stream in chunks, so memory stays flat however long the list.

use jiuzhu_core::codes::{Coded, EnumValue};

/// One exported column: its stable English key, its Chinese heading and
/// what its cells hold. The CSV (for machines) writes every cell as the API
/// answers it; the XLSX (for people) writes codes as labels in the header's
/// language, numbers as numbers and times as dates.
#[derive(Debug, Clone, Copy)]
pub struct Column {
    pub key: &'static str,
    pub zh: &'static str,
    pub cell: Cell,
}

/// What a column's cells hold.
#[derive(Debug, Clone, Copy)]
pub enum Cell {
    /// Text as it is, also when it looks like a number (ID numbers, region codes).
    Text,
    /// A whole number.
    Number,
    /// An RFC 3339 time.
    Time,
    /// `true` or `false`.
    Flag,
    /// A code of one enumeration, or several joined by `;`, each possibly
    /// followed by `:` and a qualifier (`extreme_poverty:2024-01-01~`).
    Codes(fn(&str) -> Option<EnumValue>),
}

impl Column {
    pub const fn text(key: &'static str, zh: &'static str) -> Self {
        Column { key, zh, cell: Cell::Text }
    }

    pub const fn number(key: &'static str, zh: &'static str) -> Self {
        Column { key, zh, cell: Cell::Number }
    }

    pub const fn time(key: &'static str, zh: &'static str) -> Self {
        Column { key, zh, cell: Cell::Time }
    }

    pub const fn flag(key: &'static str, zh: &'static str) -> Self {
        Column { key, zh, cell: Cell::Flag }
    }

    /// Codes of the enumeration `T`, labelled from its one declaration.
    pub const fn codes<T: Coded>(key: &'static str, zh: &'static str) -> Self {
        Column { key, zh, cell: Cell::Codes(labelled::<T>) }
    }

    /// The heading in `header`'s language.
    pub fn heading(&self, header: Header) -> &'static str {
        if header == Header::Chinese { self.zh } else { self.key }
    }
}

fn labelled<T: Coded>(code: &str) -> Option<EnumValue> {
    T::from_code(code).map(EnumValue::of)
}

/// How the XLSX shows a cell to a person.
#[derive(Debug, Clone, PartialEq)]
pub enum Shown {
    Text(String),
    Number(f64),
    /// Days since 1899-12-30 in China Standard Time (UTC+8), as spreadsheets count.
    Date(f64),
}

impl Cell {
    /// `value` as a person reads it, in `header`'s language. Empty cells are
    /// empty text; a value that does not fit the column stays as it is.
    pub fn shown(&self, value: &str, header: Header) -> Shown {
        let label = |found: EnumValue| if header == Header::Chinese { found.zh } else { found.en };
        match self {
            Cell::Text => Shown::Text(value.to_string()),
            Cell::Number => value.parse::<i64>().map_or_else(|_| Shown::Text(value.to_string()), |n| Shown::Number(n as f64)),
            Cell::Time => chrono::DateTime::parse_from_rfc3339(value).map_or_else(
                |_| Shown::Text(value.to_string()),
                |at| {
                    let local_seconds = at.timestamp() + CHINA_STANDARD_TIME_OFFSET_SECONDS;
                    Shown::Date(local_seconds as f64 / 86_400.0 + SPREADSHEET_DAY_OF_UNIX_EPOCH)
                },
            ),
            Cell::Flag => Shown::Text(
                match (value, header) {
                    ("true", Header::Chinese) => "是",
                    ("false", Header::Chinese) => "否",
                    ("true", Header::English) => "Yes",
                    ("false", Header::English) => "No",
                    _ => value,
                }
                .to_string(),
            ),
            Cell::Codes(lookup) => {
                let items: Vec<String> = value
                    .split(';')
                    .filter(|item| !item.is_empty())
                    .map(|item| {
                        let (code, qualifier) = item.split_once(':').unwrap_or((item, ""));
                        let name = lookup(code).map_or(code, label);
                        if qualifier.is_empty() { name.to_string() } else { format!("{name}（{qualifier}）") }
                    })
                    .collect();
                Shown::Text(items.join(if header == Header::Chinese { "、" } else { "; " }))
            }
        }
    }
}

/// UTC+8, the time of every region jiuzhu serves, in which people read an
/// export's times.
pub const CHINA_STANDARD_TIME_OFFSET_SECONDS: i64 = 8 * 3600;
/// 1970-01-01 as a spreadsheet day number (days since 1899-12-30).
const SPREADSHEET_DAY_OF_UNIX_EPOCH: f64 = 25_569.0;

jiuzhu_core::coded_enum! {
    /// Which header row an export starts with, and so the language of its labels.
    #[derive(Default)]
    #[schema(as = HeaderLanguage)]
    pub enum Header as "header_language" {
        /// Chinese column headings, for people.
        #[default]
        Chinese = "zh", "中文表头", "Chinese headers";
        /// Stable English keys, for machines.
        English = "en", "英文表头", "English headers";
    }
}

/// The rows fetched per database round trip.
pub const CHUNK_ROWS: u64 = 1000;

/// Where a chunked read has got to: the last id served, and whether the
/// list is exhausted.
#[derive(Debug, Clone, Copy, Default)]
pub struct Keyset {
    after: Option<uuid::Uuid>,
    done: bool,
}

impl Keyset {
    /// The next `CHUNK_ROWS` rows of `query` by ascending `id`; empty once exhausted.
    pub async fn next<E: sea_orm::EntityTrait>(
        &mut self,
        db: &crate::Db,
        query: sea_orm::Select<E>,
        id: E::Column,
        id_of: impl Fn(&E::Model) -> uuid::Uuid,
    ) -> Result<Vec<E::Model>, jiuzhu_core::DomainError> {
        use sea_orm::{ColumnTrait, QueryFilter, QueryOrder, QuerySelect};
        if self.done {
            return Ok(Vec::new());
        }
        let query = match self.after {
            Some(after) => query.filter(id.gt(after)),
            None => query,
        };
        let rows = query.order_by_asc(id).limit(CHUNK_ROWS).all(db.reports()).await?;
        self.done = (rows.len() as u64) < CHUNK_ROWS;
        if let Some(last) = rows.last() {
            self.after = Some(id_of(last));
        }
        Ok(rows)
    }
}

/// An exported list read a chunk at a time.
pub trait ChunkedExport {
    /// The columns, in row order.
    fn columns(&self) -> &'static [Column];
    /// The next rows, or `None` once the list is exhausted.
    fn next_chunk(
        &mut self,
        db: &crate::Db,
    ) -> impl std::future::Future<Output = Result<Option<Vec<Vec<String>>>, jiuzhu_core::DomainError>>;
}

/// One audit row per export, written before the first row: which list,
/// where, with which filter, and that PII left masked.
pub async fn audit_export(
    db: &crate::Db,
    ctx: &jiuzhu_core::Context,
    list: &str,
    region_code: Option<&str>,
    filter: serde_json::Value,
) -> Result<(), jiuzhu_core::DomainError> {
    let entry = crate::audit::Entry {
        action: format!("export.{list}"),
        entity_type: list.into(),
        entity_id: None,
        region_code: region_code.unwrap_or(ctx.actor.region.as_str()).to_string(),
        outcome: crate::audit::Outcome::Success,
        detail: serde_json::json!({"filter": filter, "masked": true}),
    };
    crate::record::audit_alone(db, &crate::audit::Who::from(ctx), entry).await
}

/// A UTF-8 byte-order mark first, so spreadsheet programs read the Chinese
/// headings right, then the header row.
pub fn header_row(columns: &[Column], header: Header) -> String {
    let names: Vec<&str> = columns.iter().map(|c| c.heading(header)).collect();
    format!("\u{feff}{}", csv_row(&names))
}

/// A field a spreadsheet would run as a formula (it starts with `=`, `+`,
/// `-`, `@`, a tab or a carriage return: the OWASP CSV-injection rule) gets
/// a leading `'`, which spreadsheets show as text; plain numbers such as
/// `-12.5` are no formula and stay exact.
pub fn neutralised(field: &str) -> std::borrow::Cow<'_, str> {
    let risky = field.starts_with(['=', '+', '-', '@', '\t', '\r']);
    let plain_number = field.parse::<f64>().is_ok_and(f64::is_finite) && field.bytes().all(|b| b.is_ascii_digit() || b"+-.".contains(&b));
    if risky && !plain_number { std::borrow::Cow::Owned(format!("'{field}")) } else { std::borrow::Cow::Borrowed(field) }
}

/// One CSV line ending in CRLF; a field with a comma, quote or line break
/// is quoted, and one that could run as a formula is neutralised.
pub fn csv_row<S: AsRef<str>>(fields: &[S]) -> String {
    let mut line = String::new();
    for (i, field) in fields.iter().enumerate() {
        if i > 0 {
            line.push(',');
        }
        let field = neutralised(field.as_ref());
        let field = field.as_ref();
        if field.contains([',', '"', '\n', '\r']) {
            line.push('"');
            line.push_str(&field.replace('"', "\"\""));
            line.push('"');
        } else {
            line.push_str(field);
        }
    }
    line.push_str("\r\n");
    line
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiuzhu_core::RegionLevel;

    #[test]
    fn a_person_reads_labels_numbers_and_local_dates() {
        let levels = Column::codes::<RegionLevel>("level", "层级").cell;
        assert_eq!(levels.shown("township", Header::Chinese), Shown::Text("乡镇街道".into()));
        assert_eq!(levels.shown("township;village", Header::English), Shown::Text("Township or street; Village or community".into()));
        assert_eq!(levels.shown("county:2024-01-01~", Header::Chinese), Shown::Text("县区（2024-01-01~）".into()));
        assert_eq!(levels.shown("planet", Header::Chinese), Shown::Text("planet".into()), "an unknown code stays as it is");
        assert_eq!(Cell::Number.shown("76", Header::Chinese), Shown::Number(76.0));
        assert_eq!(Cell::Text.shown("640202001001", Header::Chinese), Shown::Text("640202001001".into()), "codes stay text");
        assert_eq!(Cell::Flag.shown("true", Header::Chinese), Shown::Text("是".into()));
        // 2025-03-01T16:00:00Z is midnight of 2 March in Beijing: day 45718.
        assert_eq!(Cell::Time.shown("2025-03-01T16:00:00Z", Header::Chinese), Shown::Date(45_718.0));
        assert_eq!(Cell::Time.shown("", Header::Chinese), Shown::Text(String::new()));
    }

    #[test]
    fn fields_are_quoted_only_when_they_must_be() {
        assert_eq!(csv_row(&["a", "b,c", "say \"hi\"", "x\ny"]), "a,\"b,c\",\"say \"\"hi\"\"\",\"x\ny\"\r\n");
        let columns = [Column::text("id", "编号"), Column::text("name", "姓名")];
        assert_eq!(header_row(&columns, Header::English), "\u{feff}id,name\r\n");
        assert_eq!(header_row(&columns, Header::Chinese), "\u{feff}编号,姓名\r\n");
    }

    #[test]
    fn formulas_are_neutralised_and_numbers_kept() {
        let row =
            csv_row(&["=HYPERLINK(\"http://x\",\"点我\")", "+1+1", "-2+3", "@SUM(A1)", "\tcmd", "\rcmd", "-12.5", "+3", "640202", "a=b"]);
        assert_eq!(row, "\"'=HYPERLINK(\"\"http://x\"\",\"\"点我\"\")\",'+1+1,'-2+3,'@SUM(A1),'\tcmd,\"'\rcmd\",-12.5,+3,640202,a=b\r\n");
    }
}
