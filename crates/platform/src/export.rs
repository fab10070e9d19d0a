//! List exports: the header rows (Chinese for people, English keys for
//! machines) and RFC 4180 row encoding shared by every exported list. Lists
//! stream in chunks, so memory stays flat however long the list.

/// One exported column: its stable English key and its Chinese heading.
#[derive(Debug, Clone, Copy)]
pub struct Column {
    pub key: &'static str,
    pub zh: &'static str,
}

/// Which header row an export starts with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Header {
    Chinese,
    English,
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
    let names: Vec<&str> = columns.iter().map(|c| if header == Header::Chinese { c.zh } else { c.key }).collect();
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

    #[test]
    fn fields_are_quoted_only_when_they_must_be() {
        assert_eq!(csv_row(&["a", "b,c", "say \"hi\"", "x\ny"]), "a,\"b,c\",\"say \"\"hi\"\"\",\"x\ny\"\r\n");
        let columns = [Column { key: "id", zh: "编号" }, Column { key: "name", zh: "姓名" }];
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
