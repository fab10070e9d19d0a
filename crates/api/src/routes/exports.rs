//! `/exports`: the published lists as downloadable CSV or XLSX. CSV streams
//! a chunk at a time; XLSX rows go to a constant-memory worksheet (a temp
//! file) and the finished workbook streams from a writer thread, so memory
//! stays flat however many rows either way.

use crate::extract::Ctx;
use crate::problem::ApiError;
use crate::routes::assessment::NeedQuery;
use crate::routes::beneficiaries::BeneficiaryQuery;
use crate::state::AppState;
use actix_web::web::Bytes;
use actix_web::{HttpRequest, HttpResponse, get, web};
use futures_util::StreamExt;
use jiuzhu_core::{Context, RegionCode};
use jiuzhu_intake::beneficiaries_export;
use jiuzhu_needs_assessment::needs_export;
use jiuzhu_platform::Db;
use jiuzhu_platform::export::{CHINA_STANDARD_TIME_OFFSET_SECONDS, Cell, ChunkedExport, Column, Header, Shown, csv_row, header_row};
use jiuzhu_platform::regions;
use jiuzhu_supply::catalogue::ServiceCategory;
use jiuzhu_supply::catalogue_export;
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_actix_web::service_config::ServiceConfig;

jiuzhu_core::coded_enum! {
    pub enum ExportFormat as "export_format" {
        /// UTF-8 with a byte-order mark, CRLF lines
        Csv = "csv", "CSV（供系统交换）", "CSV (for machines)";
        /// An Excel workbook for people: labelled values, numbers and dates, a
        /// frozen, filterable heading (at most 1,048,574 rows)
        Xlsx = "xlsx", "Excel工作簿（供人员阅读）", "Excel workbook (for people)";
    }
}

const XLSX_CONTENT_TYPE: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
/// The XLSX's heading row; the title row is above it.
const HEADING_ROW: u32 = 1;
/// Excel's row limit, less the title and heading rows.
const XLSX_MAX_ROWS: u32 = 1_048_574;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ExportQuery {
    /// `csv` (UTF-8 with a byte-order mark, CRLF lines, codes as the API
    /// answers them: for machines) or `xlsx` (for people). Without it, the
    /// `Accept` header chooses, and CSV is the default.
    pub format: Option<ExportFormat>,
    /// The header row: `zh` (default) or `en`.
    #[serde(default)]
    pub header: Header,
}

/// The format a client asked for: `format` if given, else the one of CSV and
/// XLSX that `Accept` weighs higher (CSV on a tie, for `*/*` or without it).
pub fn chosen_format(format: Option<ExportFormat>, accept: Option<&str>) -> ExportFormat {
    if let Some(format) = format {
        return format;
    }
    let weight = |wanted: &str| -> f32 {
        accept
            .unwrap_or_default()
            .split(',')
            .filter_map(|range| {
                let mut parts = range.split(';').map(str::trim);
                let media = parts.next()?.to_ascii_lowercase();
                let quality = parts.find_map(|p| p.strip_prefix("q=")).and_then(|q| q.parse::<f32>().ok()).unwrap_or(1.0);
                (media == wanted).then_some(quality)
            })
            .fold(0.0, f32::max)
    };
    if weight(XLSX_CONTENT_TYPE) > weight("text/csv") { ExportFormat::Xlsx } else { ExportFormat::Csv }
}

/// One of the lists the plan names: its file name and its titles.
#[derive(Debug, Clone, Copy)]
struct Listing {
    file: &'static str,
    zh: &'static str,
    en: &'static str,
}

const SERVICE_NEEDS: Listing = Listing { file: "service-needs", zh: "服务需求清单", en: "Service needs list" };
const SERVICE_TARGETS: Listing = Listing { file: "service-targets", zh: "服务对象清单", en: "Service target list" };
const SERVICE_PROJECTS: Listing = Listing { file: "service-projects", zh: "服务项目清单", en: "Service project list" };

/// What the XLSX's title row says: which list, of which region, when
/// (China Standard Time) and by whom (`who`, the account's display name).
fn title_line(list: Listing, region: &str, ctx: &Context, who: &str, header: Header) -> String {
    let at = (ctx.now + chrono::Duration::seconds(CHINA_STANDARD_TIME_OFFSET_SECONDS)).format("%Y-%m-%d %H:%M");
    match header {
        Header::Chinese => format!("{}　区划：{region}　导出时间：{at}　导出人：{who}（{}）", list.zh, ctx.actor.role.label_zh()),
        Header::English => format!("{} · region {region} · extracted {at} (UTC+8) · by {who} ({})", list.en, ctx.actor.role.label_en()),
    }
}

/// The region an extract covers, with its name: the filter's, or the caller's own.
async fn extract_region(db: &Db, ctx: &Context, filtered: Option<&str>) -> Result<String, ApiError> {
    let code = filtered.unwrap_or(ctx.actor.region.as_str());
    let name = match RegionCode::parse(code) {
        Ok(parsed) => regions::find(db.conn(), &parsed).await?.map(|r| r.name_zh),
        Err(_) => None,
    };
    Ok(name.map_or_else(|| code.to_string(), |name| format!("{name} {code}")))
}

/// The export in the asked format, as an attachment named `<list>.<csv|xlsx>`.
async fn download(
    db: Db,
    export: impl ChunkedExport + 'static,
    query: &ExportQuery,
    req: &HttpRequest,
    (ctx, list, region): (&Context, Listing, Option<&str>),
) -> Result<HttpResponse, ApiError> {
    let accept = req.headers().get(actix_web::http::header::ACCEPT).and_then(|v| v.to_str().ok());
    let header = query.header;
    match chosen_format(query.format, accept) {
        ExportFormat::Csv => Ok(csv_download(db, export, header, &format!("{}.csv", list.file))),
        ExportFormat::Xlsx => {
            let who = jiuzhu_platform::accounts::display_name(db.conn(), &ctx.actor.subject).await?;
            let title =
                title_line(list, &extract_region(&db, ctx, region).await?, ctx, who.as_deref().unwrap_or(&ctx.actor.subject), header);
            xlsx_download(db, export, header, &title, &format!("{}.xlsx", list.file)).await
        }
    }
}

fn attachment(filename: &str) -> (&'static str, String) {
    ("Content-Disposition", format!("attachment; filename=\"{filename}\""))
}

/// Streams a CSV export: the header row, then each chunk as it is read.
fn csv_download(db: Db, export: impl ChunkedExport + 'static, header: Header, filename: &str) -> HttpResponse {
    let first = Bytes::from(header_row(export.columns(), header));
    let rows = futures_util::stream::unfold(Some((export, db)), |state| async move {
        let (mut export, db) = state?;
        match export.next_chunk(&db).await {
            Ok(Some(rows)) => {
                let text: String = rows.iter().map(|r| csv_row(r)).collect();
                Some((Ok(Bytes::from(text)), Some((export, db))))
            }
            Ok(None) => None,
            Err(e) => {
                tracing::error!(error = %e, "export stopped part way");
                Some((Err(actix_web::error::ErrorInternalServerError("export failed")), None))
            }
        }
    });
    let body = futures_util::stream::once(async move { Ok::<_, actix_web::Error>(first) }).chain(rows);
    HttpResponse::Ok().content_type("text/csv; charset=utf-8").insert_header(attachment(filename)).streaming(body)
}

/// A column wide enough for its heading and for what it holds, in
/// character widths (a Chinese character counts two).
fn column_width(column: &Column, header: Header) -> f64 {
    let heading: usize = column.heading(header).chars().map(|c| if c.is_ascii() { 1 } else { 2 }).sum();
    let content = match column.cell {
        Cell::Number | Cell::Flag => 6,
        Cell::Time => 16,
        Cell::Codes(_) => 18,
        Cell::Text => 20,
    };
    (heading.max(content) + 2) as f64
}

fn xlsx_failed(error: rust_xlsxwriter::XlsxError) -> ApiError {
    jiuzhu_core::DomainError::Internal(format!("xlsx: {error}")).into()
}

/// Writes every row to a constant-memory worksheet, then streams the
/// workbook as a writer thread zips it. The response starts once the last
/// row is read, so a list too long for Excel still answers a clean 422.
async fn xlsx_download(
    db: Db,
    mut export: impl ChunkedExport + 'static,
    header: Header,
    title: &str,
    filename: &str,
) -> Result<HttpResponse, ApiError> {
    let mut workbook = rust_xlsxwriter::Workbook::new();
    let sheet = workbook.add_worksheet_with_constant_memory().map_err(xlsx_failed)?;
    let columns = export.columns();
    let bold = rust_xlsxwriter::Format::new().set_bold();
    let date = rust_xlsxwriter::Format::new().set_num_format("yyyy-mm-dd hh:mm");
    for (col, column) in columns.iter().enumerate() {
        sheet.set_column_width(col as u16, column_width(column, header)).map_err(xlsx_failed)?;
    }
    sheet.write_string_with_format(0, 0, title, &bold).map_err(xlsx_failed)?;
    for (col, column) in columns.iter().enumerate() {
        sheet.write_string_with_format(HEADING_ROW, col as u16, column.heading(header), &bold).map_err(xlsx_failed)?;
    }
    let mut row: u32 = HEADING_ROW;
    while let Some(chunk) = export.next_chunk(&db).await? {
        for fields in chunk {
            row += 1;
            if row - HEADING_ROW > XLSX_MAX_ROWS {
                let message = format!("an XLSX sheet holds at most {XLSX_MAX_ROWS} rows; narrow the filter or use format=csv");
                return Err(jiuzhu_core::DomainError::field("format", "too_many_rows", message).into());
            }
            for ((col, value), column) in fields.iter().enumerate().zip(columns).filter(|((_, v), _)| !v.is_empty()) {
                let col = col as u16;
                match column.cell.shown(value, header) {
                    Shown::Text(text) => sheet.write_string(row, col, text),
                    Shown::Number(number) => sheet.write_number(row, col, number),
                    Shown::Date(day) => sheet.write_number_with_format(row, col, day, &date),
                }
                .map_err(xlsx_failed)?;
            }
        }
    }
    // The title and the heading stay in view and every column can be filtered.
    sheet.set_freeze_panes(HEADING_ROW + 1, 0).map_err(xlsx_failed)?;
    let last_column = columns.len().saturating_sub(1) as u16;
    sheet.autofilter(HEADING_ROW, 0, row, last_column).map_err(xlsx_failed)?;
    let (sender, receiver) = tokio::sync::mpsc::channel::<Bytes>(4);
    std::thread::spawn(move || {
        let mut writer = ChannelWriter { sender, buffer: Vec::with_capacity(ChannelWriter::CAPACITY) };
        if let Err(error) =
            workbook.save_to_writer(&mut writer).map_err(|e| e.to_string()).and_then(|()| writer.send().map_err(|e| e.to_string()))
        {
            tracing::error!(%error, "xlsx export stopped part way");
        }
    });
    let body = futures_util::stream::unfold(receiver, |mut receiver| async move {
        receiver.recv().await.map(|bytes| (Ok::<_, actix_web::Error>(bytes), receiver))
    });
    Ok(HttpResponse::Ok().content_type(XLSX_CONTENT_TYPE).insert_header(attachment(filename)).streaming(body))
}

/// Hands the zipped workbook to the response in 64 KiB pieces; a client
/// that went away stops the writer with a broken pipe.
struct ChannelWriter {
    sender: tokio::sync::mpsc::Sender<Bytes>,
    buffer: Vec<u8>,
}

impl ChannelWriter {
    const CAPACITY: usize = 64 * 1024;

    fn send(&mut self) -> std::io::Result<()> {
        if self.buffer.is_empty() {
            return Ok(());
        }
        let bytes = Bytes::from(std::mem::replace(&mut self.buffer, Vec::with_capacity(Self::CAPACITY)));
        self.sender.blocking_send(bytes).map_err(|_| std::io::Error::new(std::io::ErrorKind::BrokenPipe, "the client went away"))
    }
}

impl std::io::Write for ChannelWriter {
    fn write(&mut self, data: &[u8]) -> std::io::Result<usize> {
        self.buffer.extend_from_slice(data);
        if self.buffer.len() >= Self::CAPACITY {
            self.send()?;
        }
        Ok(data.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.send()
    }
}

/// Export the service needs list
///
/// Exactly the rows `GET /needs` lists for the same filter, one line each,
/// ordered by id, with the person's masked name and ID number. Streams;
/// each export writes one audit row (`export.service_needs`). Columns:
/// need_id, name, id_number, region_code, service_code, service_name,
/// category, priority, degree, status, created_at.
///
/// Permission: `assessment:read`.
#[utoipa::path(
    tag = "exports",
    operation_id = "exportServiceNeeds",
    params(NeedQuery, ExportQuery),
    responses((status = 200, description = "The list as CSV or XLSX", content(
        (String = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        (String = "text/csv", example = json!("\u{feff}need_id,name,id_number,region_code,service_code,service_name,category,priority,degree,status,created_at\r\n0192f4a4-7d7e-7c3a-9a53-6f1f3c0b9a70,张**,110105********002X,640202001001,meals,助餐服务,daily_living,high,serious,open,2025-03-05T08:00:00+00:00\r\n")))
    ))
)]
#[get("/exports/service-needs")]
pub async fn export_service_needs(
    req: HttpRequest,
    state: web::Data<AppState>,
    Ctx(ctx): Ctx,
    filter: web::Query<NeedQuery>,
    query: web::Query<ExportQuery>,
) -> Result<HttpResponse, ApiError> {
    let filter = filter.into_inner();
    let region = filter.region_code.clone();
    let export = needs_export::begin(&state.db, &ctx, filter.into()).await?;
    download(state.db.clone(), export, &query, &req, (&ctx, SERVICE_NEEDS, region.as_deref())).await
}

/// Export the service target list
///
/// Exactly the people `GET /beneficiaries` lists for the same filter,
/// ordered by id, with masked names, ID numbers and phones, and the age
/// reached this year instead of the birth date. Streams; each
/// export writes one audit row (`export.service_targets`). Columns:
/// beneficiary_id, name, id_number, gender, age, phone, region_code,
/// categories (`code:valid_from~valid_to`, `;`-separated), groups, status,
/// created_at.
///
/// Permission: `beneficiary:read`.
#[utoipa::path(
    tag = "exports",
    operation_id = "exportServiceTargets",
    params(BeneficiaryQuery, ExportQuery),
    responses((status = 200, description = "The list as CSV or XLSX", content(
        (String = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        (String = "text/csv", example = json!("\u{feff}beneficiary_id,name,id_number,gender,age,phone,region_code,categories,groups,status,created_at\r\n0192f4a4-7d7e-7c3a-9a53-6f1f3c0b9a11,张**,110105********002X,female,76,139****5678,640202001001,extreme_poverty:2024-01-01~,elderly;woman;living_alone,active,2025-03-01T08:00:00+00:00\r\n")))
    ))
)]
#[get("/exports/service-targets")]
pub async fn export_service_targets(
    req: HttpRequest,
    state: web::Data<AppState>,
    Ctx(ctx): Ctx,
    filter: web::Query<BeneficiaryQuery>,
    query: web::Query<ExportQuery>,
) -> Result<HttpResponse, ApiError> {
    let filter = filter.into_inner();
    let region = filter.region_code.clone();
    let export = beneficiaries_export::begin(&state.db, &ctx, filter.into()).await?;
    download(state.db.clone(), export, &query, &req, (&ctx, SERVICE_TARGETS, region.as_deref())).await
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ServiceExportQuery {
    pub category: Option<ServiceCategory>,
    pub active: Option<bool>,
}

/// Export the service project list
///
/// Exactly the items `GET /services` lists for the same filter and in the
/// same order: the 32 guidance items and the local items of the caller's
/// area. No personal data; the export writes one audit row
/// (`export.service_projects`). Columns: number, code, category, name_zh,
/// name_en, description_zh, unit, government_funded, covered_by_material
/// (`;`-separated), guidance, region_code, active.
///
/// Permission: `service:read`.
#[utoipa::path(
    tag = "exports",
    operation_id = "exportServiceProjects",
    params(ServiceExportQuery, ExportQuery),
    responses((status = 200, description = "The list as CSV or XLSX", content(
        (String = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        (String = "text/csv", example = json!("\u{feff}number,code,category,name_zh,name_en,description_zh,unit,government_funded,covered_by_material,guidance,region_code,active\r\n13,meals,daily_living,助餐服务,Meals,送餐、协助就餐、上门做饭,per_item,true,support:centralized,true,640200,true\r\n")))
    ))
)]
#[get("/exports/service-projects")]
pub async fn export_service_projects(
    req: HttpRequest,
    state: web::Data<AppState>,
    Ctx(ctx): Ctx,
    filter: web::Query<ServiceExportQuery>,
    query: web::Query<ExportQuery>,
) -> Result<HttpResponse, ApiError> {
    let export = catalogue_export::begin(&state.db, &ctx, filter.category, filter.active).await?;
    download(state.db.clone(), export, &query, &req, (&ctx, SERVICE_PROJECTS, None)).await
}

/// Registers this module's routes.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(export_service_needs).service(export_service_targets).service(export_service_projects);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_format_follows_the_query_then_accept() {
        assert_eq!(chosen_format(None, None), ExportFormat::Csv);
        assert_eq!(chosen_format(None, Some("*/*")), ExportFormat::Csv);
        assert_eq!(chosen_format(None, Some(XLSX_CONTENT_TYPE)), ExportFormat::Xlsx);
        assert_eq!(
            chosen_format(None, Some("text/csv;q=0.5, application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")),
            ExportFormat::Xlsx
        );
        assert_eq!(
            chosen_format(None, Some("text/csv, application/vnd.openxmlformats-officedocument.spreadsheetml.sheet;q=0.9")),
            ExportFormat::Csv
        );
        assert_eq!(chosen_format(Some(ExportFormat::Csv), Some(XLSX_CONTENT_TYPE)), ExportFormat::Csv, "format wins");
    }
}
