//! The pilot summary as a printable HTML page: tables of the figures and
//! bar charts drawn as inline SVG, so the page needs no script, font or
//! network and prints as it shows. Every text from the database is escaped.

use jiuzhu_core::catalogue::ServiceCategory;
use jiuzhu_core::codes::Coded;
use jiuzhu_evaluation::evaluations::AppealStatus;
use jiuzhu_evaluation::rules::Grade;
use jiuzhu_procurement::rules::{ContractStatus, FundSource, Method, ProjectStatus};
use jiuzhu_reports::pilot_summary::{AreaFigures, PilotSummary};
use std::collections::BTreeMap;
use std::fmt::Write;

/// The Chinese label of a stored code of `T` (the code itself when unknown,
/// e.g. `none` for an evaluation not yet graded).
fn label<T: Coded>(code: &str) -> String {
    match (T::from_code(code), code) {
        (Some(value), _) => value.label_zh().to_string(),
        (None, "none") => "未评定".to_string(),
        (None, other) => escape(other),
    }
}

/// Fen as yuan for the tables, e.g. `123456` → `1,234.56`.
fn yuan(fen: i64) -> String {
    jiuzhu_core::Money::from_fen(fen).yuan()
}

/// Rows of a count table with labels of `T`, then the total.
fn count_rows<T: Coded>(html: &mut String, counts: &BTreeMap<String, i64>) {
    for (code, n) in counts {
        let _ = write!(html, "<tr><td>{}</td><td>{n}</td></tr>", label::<T>(code));
    }
    if counts.is_empty() {
        html.push_str("<tr><td>（无）</td><td>0</td></tr>");
    }
}

/// One table row of already escaped cells.
fn row(html: &mut String, cells: &[&dyn std::fmt::Display]) {
    html.push_str("<tr>");
    for cell in cells {
        let _ = write!(html, "<td>{cell}</td>");
    }
    html.push_str("</tr>");
}

/// Escapes text for HTML element content and attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// A catalogue category's label (`ServiceCategory`'s, as in `/enums`);
/// `other` gathers the local services.
fn category_zh(code: &str) -> String {
    match ServiceCategory::from_code(code) {
        Some(category) => category.label_zh().to_string(),
        None if code == "other" => "其他（本地服务）".to_string(),
        None => escape(code),
    }
}

/// `part` of `whole` as a percentage with one decimal, e.g. `42.5%`, in
/// whole-number arithmetic; `—` when there is no whole.
fn percent(part: i64, whole: i64) -> String {
    if whole <= 0 {
        return "—".into();
    }
    let per_mille = (i128::from(part) * 1000 + i128::from(whole) / 2) / i128::from(whole);
    format!("{}.{}%", per_mille / 10, (per_mille % 10).abs())
}

/// The end of a chart's axis for its largest value: twice a round step
/// (1, 2 or 5 times a power of ten), so that the middle tick is a whole
/// round number too, e.g. 1 → 2, 3 → 4, 36,000 → 40,000.
fn axis_end(largest: i64) -> i64 {
    let largest = largest.max(1);
    let half = largest / 2 + largest % 2;
    let mut power = 1i64;
    loop {
        for step in [power, power.saturating_mul(2), power.saturating_mul(5)] {
            if step >= half {
                return step.saturating_mul(2);
            }
        }
        power = power.saturating_mul(10);
    }
}

/// A horizontal bar chart: one row per label, one bar per series value
/// (printed at its end), a legend, and an axis from 0 to the largest value
/// in `unit`.
fn bar_chart(title: &str, unit: &str, series: &[(&str, &str)], rows: &[(String, Vec<i64>)]) -> String {
    const LABEL_WIDTH: i64 = 200;
    const BAR_SPACE: i64 = 360;
    const BAR_HEIGHT: i64 = 14;
    let max = axis_end(rows.iter().flat_map(|(_, values)| values.iter().copied()).max().unwrap_or(0));
    let row_height = BAR_HEIGHT * series.len() as i64 + 10;
    let axis = 30 + row_height * rows.len() as i64 + 4;
    let height = axis + 30;
    let mut svg = format!(
        r#"<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="{title}" width="640" height="{height}" viewBox="0 0 640 {height}" font-size="12">"#,
        title = escape(title)
    );
    for (i, (name, colour)) in series.iter().enumerate() {
        let x = LABEL_WIDTH + i as i64 * 120;
        let _ = write!(
            svg,
            r#"<rect x="{x}" y="4" width="10" height="10" fill="{colour}"/><text x="{}" y="13">{}</text>"#,
            x + 14,
            escape(name)
        );
    }
    for (r, (label, values)) in rows.iter().enumerate() {
        let top = 30 + r as i64 * row_height;
        let _ = write!(svg, r#"<text x="0" y="{}">{}</text>"#, top + BAR_HEIGHT, escape(label));
        for (i, value) in values.iter().enumerate() {
            let width = value * BAR_SPACE / max;
            let y = top + i as i64 * BAR_HEIGHT;
            let colour = series.get(i).map(|s| s.1).unwrap_or("#888");
            let _ = write!(
                svg,
                r#"<rect x="{LABEL_WIDTH}" y="{y}" width="{width}" height="{}" fill="{colour}"/><text x="{}" y="{}">{value}</text>"#,
                BAR_HEIGHT - 2,
                LABEL_WIDTH + width + 4,
                y + BAR_HEIGHT - 3
            );
        }
    }
    let _ = write!(svg, r##"<line x1="{LABEL_WIDTH}" y1="{axis}" x2="{}" y2="{axis}" stroke="#555"/>"##, LABEL_WIDTH + BAR_SPACE);
    for (tick, value) in [(0, 0), (1, max / 2), (2, max)] {
        let x = LABEL_WIDTH + tick * BAR_SPACE / 2;
        let _ = write!(
            svg,
            r##"<line x1="{x}" y1="{axis}" x2="{x}" y2="{}" stroke="#555"/><text x="{x}" y="{}" text-anchor="middle">{value}</text>"##,
            axis + 4,
            axis + 16
        );
    }
    let _ = write!(svg, r#"<text x="{}" y="{}" text-anchor="end">{}</text>"#, LABEL_WIDTH + BAR_SPACE, axis + 28, escape(unit));
    svg.push_str("</svg>");
    svg
}

fn area_rows(figures: &AreaFigures) -> [(&'static str, i64); 8] {
    [
        ("在册服务对象（新增，有效）", figures.beneficiaries),
        ("受理申请", figures.applications),
        ("识别服务需求", figures.needs),
        ("其中待匹配", figures.needs_open),
        ("派发服务单", figures.orders),
        ("完成服务单", figures.orders_completed),
        ("服务记录", figures.deliveries),
        ("完成回访", figures.follow_ups_done),
    ]
}

/// An instant as Beijing time, e.g. `2025-08-01 17:30`.
fn beijing(at: chrono::DateTime<chrono::Utc>) -> String {
    let offset =
        chrono::FixedOffset::east_opt(jiuzhu_platform::stats::REPORT_UTC_OFFSET_SECS).unwrap_or_else(|| unreachable!("+08:00 is valid"));
    at.with_timezone(&offset).format("%Y-%m-%d %H:%M").to_string()
}

/// The whole page.
pub fn render(summary: &PilotSummary) -> String {
    let period = match (summary.from, summary.to) {
        (Some(from), Some(to)) => format!("{} 至 {}（不含）", from.format("%Y-%m-%d %H:%M UTC"), to.format("%Y-%m-%d %H:%M UTC")),
        (Some(from), None) => format!("{} 起", from.format("%Y-%m-%d %H:%M UTC")),
        (None, Some(to)) => format!("截至 {}（不含）", to.format("%Y-%m-%d %H:%M UTC")),
        (None, None) => "全部时间".into(),
    };
    let mut html = String::new();
    let _ = write!(
        html,
        r#"<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><title>{name}服务类社会救助试点工作总结数据</title>
<style>@page{{size:A4;margin:22mm 16mm 20mm;@top-center{{content:"{name}服务类社会救助试点工作总结数据";font-size:9pt;color:#555}}@bottom-center{{content:"第 " counter(page) " 页，共 " counter(pages) " 页";font-size:9pt;color:#555}}}}
body{{font-family:"Noto Sans CJK SC","Microsoft YaHei","WenQuanYi Micro Hei",sans-serif;margin:2em;color:#222}}h1{{font-size:1.5em}}h2{{font-size:1.15em;border-bottom:1px solid #999;margin-top:1.6em;break-after:avoid}}
table{{border-collapse:collapse;margin:.5em 0}}td,th{{border:1px solid #bbb;padding:.25em .7em;text-align:right}}td:first-child,th:first-child{{text-align:left}}table,tr,svg{{break-inside:avoid}}
svg{{max-width:100%;height:auto}}.meta{{color:#555}}.sign{{margin-top:1.5em;white-space:nowrap;break-inside:avoid}}@media print{{body{{margin:0}}}}</style></head><body>
<h1>{name}（{code}）服务类社会救助试点工作总结数据</h1><p class="meta">统计期间：{period}。按记录创建时间统计；“待匹配”与逾期数为当前状态；资金按预算年度，不受统计期间限制。</p>
<p class="meta">出具单位：{name}民政部门（数据由 jiuzhu 按业务记录生成，签发前请核对）。生成时间：{generated}（北京时间）。</p>"#,
        name = escape(&summary.region_name),
        code = escape(&summary.region_code),
        period = escape(&period),
        generated = beijing(summary.generated_at),
    );

    html.push_str("<h2>一、总体规模</h2><table><tr><th>指标</th><th>数量</th></tr>");
    for (label, value) in area_rows(&summary.scale.area) {
        let _ = write!(html, "<tr><td>{label}</td><td>{value}</td></tr>");
    }
    let satisfaction = summary.scale.satisfaction.average.map(|a| format!("{a:.2}")).unwrap_or_else(|| "—".into());
    let _ = write!(
        html,
        "<tr><td>需求评估（现行）</td><td>{}</td></tr><tr><td>转办事项</td><td>{}</td></tr><tr><td>满意度测评（份／平均分，5分制）</td><td>{} ／ {satisfaction}</td></tr></table>",
        summary.scale.assessments, summary.scale.referrals, summary.scale.satisfaction.responses
    );

    html.push_str("<h2>二、分类服务成效</h2><table><tr><th>服务类别</th><th>识别需求</th><th>待匹配</th><th>派单</th><th>完成</th></tr>");
    for c in &summary.by_service_category {
        row(&mut html, &[&category_zh(&c.category), &c.needs, &c.needs_open, &c.orders, &c.orders_completed]);
    }
    html.push_str("</table>");
    let rows: Vec<(String, Vec<i64>)> =
        summary.by_service_category.iter().map(|c| (category_zh(&c.category), vec![c.needs, c.orders_completed])).collect();
    html.push_str(&bar_chart("分类服务成效", "单位：件", &[("识别需求", "#4e79a7"), ("完成服务单", "#59a14f")], &rows));

    let comparison = &summary.key_townships;
    html.push_str("<h2>三、重点乡镇（街道）与其他地区对比</h2>");
    if comparison.townships.is_empty() {
        html.push_str("<p>本区域尚未标记重点乡镇（街道）。</p>");
    } else {
        let names: Vec<String> = comparison.townships.iter().map(|t| format!("{}（{}）", escape(&t.name_zh), escape(&t.code))).collect();
        let _ = write!(html, "<p>重点乡镇（街道）：{}</p>", names.join("、"));
    }
    html.push_str("<table><tr><th>指标</th><th>重点乡镇</th><th>其他地区</th></tr>");
    for ((label, key), (_, rest)) in area_rows(&comparison.key).into_iter().zip(area_rows(&comparison.rest)) {
        let _ = write!(html, "<tr><td>{label}</td><td>{key}</td><td>{rest}</td></tr>");
    }
    html.push_str("</table>");
    let rows: Vec<(String, Vec<i64>)> = area_rows(&comparison.key)
        .into_iter()
        .zip(area_rows(&comparison.rest))
        .map(|((label, key), (_, rest))| (label.to_string(), vec![key, rest]))
        .collect();
    html.push_str(&bar_chart("重点乡镇与其他地区对比", "单位：人、件", &[("重点乡镇", "#f28e2b"), ("其他地区", "#bab0ac")], &rows));

    html.push_str(
        "<h2>四、部门协同转办</h2><table><tr><th>成员单位</th><th>转办</th><th>已办结</th><th>按期办结</th><th>按期办结率</th><th>办理中</th><th>逾期未办结</th></tr>",
    );
    for d in &summary.referrals_by_department {
        let h = &d.handling;
        let on_time = percent(h.completed_on_time, h.completed);
        row(&mut html, &[&escape(&d.name_zh), &h.made, &h.completed, &h.completed_on_time, &on_time, &h.open, &h.overdue]);
    }
    if summary.referrals_by_department.is_empty() {
        html.push_str("<tr><td>（无转办）</td><td>0</td><td>0</td><td>0</td><td>—</td><td>0</td><td>0</td></tr>");
    }
    html.push_str("</table>");
    let rows: Vec<(String, Vec<i64>)> = summary
        .referrals_by_department
        .iter()
        .map(|d| (d.name_zh.clone(), vec![d.handling.made, d.handling.completed_on_time, d.handling.overdue]))
        .collect();
    if !rows.is_empty() {
        html.push_str(&bar_chart(
            "部门协同转办",
            "单位：件",
            &[("转办", "#4e79a7"), ("按期办结", "#59a14f"), ("逾期未办结", "#e15759")],
            &rows,
        ));
    }

    html.push_str("<h2>五、资金使用（3% 购买上限）</h2><table><tr><th>预算年度</th><th>资金账户</th><th>购买上限（元）</th><th>已承诺（元）</th><th>已支付（元）</th><th>上限使用率</th></tr>");
    for (year, f) in &summary.funds_by_year {
        let used = percent(f.committed_fen, f.cap_fen);
        row(&mut html, &[&escape(year), &f.accounts, &yuan(f.cap_fen), &yuan(f.committed_fen), &yuan(f.paid_fen), &used]);
    }
    if summary.funds_by_year.is_empty() {
        html.push_str("<tr><td>（无资金账户）</td><td>0</td><td>—</td><td>—</td><td>—</td><td>—</td></tr>");
    }
    html.push_str("</table><table><tr><th>预算年度</th><th>资金来源</th><th>金额（元）</th></tr>");
    for (year, f) in &summary.funds_by_year {
        for (source, fen) in &f.sources_fen {
            row(&mut html, &[&escape(year), &label::<FundSource>(source), &yuan(*fen)]);
        }
    }
    if summary.funds_by_year.values().all(|f| f.sources_fen.is_empty()) {
        html.push_str("<tr><td>—</td><td>（未登记资金来源）</td><td>—</td></tr>");
    }
    html.push_str("</table>");
    let rows: Vec<(String, Vec<i64>)> = summary
        .funds_by_year
        .iter()
        .map(|(year, f)| (format!("{year} 年"), vec![f.cap_fen / 100, f.committed_fen / 100, f.paid_fen / 100]))
        .collect();
    if !rows.is_empty() {
        html.push_str(&bar_chart("资金使用", "单位：元", &[("购买上限", "#4e79a7"), ("已承诺", "#f28e2b"), ("已支付", "#59a14f")], &rows));
    }

    let buying = &summary.procurement;
    html.push_str("<h2>六、政府购买服务</h2><table><tr><th>采购方式</th><th>项目</th><th>预算（元）</th></tr>");
    for (code, n) in &buying.projects_by_method {
        let budget = buying.budget_fen_by_method.get(code).copied().unwrap_or(0);
        let _ = write!(html, "<tr><td>{}</td><td>{n}</td><td>{}</td></tr>", label::<Method>(code), yuan(budget));
    }
    if buying.projects_by_method.is_empty() {
        html.push_str("<tr><td>（无）</td><td>0</td><td>0.00</td></tr>");
    }
    html.push_str("</table><table><tr><th>项目状态</th><th>项目</th></tr>");
    count_rows::<ProjectStatus>(&mut html, &buying.projects_by_status);
    html.push_str("</table><table><tr><th>合同状态</th><th>合同</th></tr>");
    count_rows::<ContractStatus>(&mut html, &buying.contracts_by_status);
    let _ = write!(html, "</table><p>对承接主体作出的处理决定（弄虚作假、不正当竞争）：{} 件。</p>", buying.sanctions);

    html.push_str("<h2>七、绩效评估</h2><table><tr><th>评估等级</th><th>评估</th></tr>");
    count_rows::<Grade>(&mut html, &summary.evaluation.evaluations_by_grade);
    html.push_str("</table><table><tr><th>申诉状态</th><th>申诉</th></tr>");
    count_rows::<AppealStatus>(&mut html, &summary.evaluation.appeals_by_status);
    html.push_str("</table>");

    let p = &summary.problems;
    let _ = write!(
        html,
        "<h2>八、存在问题</h2><table><tr><th>问题</th><th>数量</th></tr><tr><td>转办逾期未办结</td><td>{}</td></tr><tr><td>回访逾期未完成</td><td>{}</td></tr>\
         <tr><td>随机抽查发现问题（共抽查 {}）</td><td>{}</td></tr><tr><td>拒单或取消的服务单</td><td>{}</td></tr>",
        p.referrals_overdue, p.follow_ups_overdue, p.inspections, p.inspections_failed, p.orders_declined_or_cancelled
    );
    for (status, n) in &p.appeals_by_status {
        let _ = write!(html, "<tr><td>评估申诉（{}）</td><td>{n}</td></tr>", label::<AppealStatus>(status));
    }
    html.push_str(
        "</table><p class=\"sign\">出具单位（盖章）：＿＿＿＿＿＿　负责人（签字）：＿＿＿＿　日期：＿＿年＿＿月＿＿日</p></body></html>\n",
    );
    html
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn money_reads_as_yuan_with_grouped_digits() {
        assert_eq!(
            (yuan(0), yuan(5), yuan(123_456), yuan(100_000_000), yuan(-250)),
            ("0.00".into(), "0.05".into(), "1,234.56".into(), "1,000,000.00".into(), "-2.50".into())
        );
    }

    #[test]
    fn codes_read_as_their_chinese_labels() {
        assert_eq!(label::<Method>("open_tender"), Method::OpenTender.label_zh());
        assert_eq!(label::<Grade>("none"), "未评定");
        assert_eq!(label::<ContractStatus>("<b>"), "&lt;b&gt;", "an unknown code is shown escaped");
    }

    #[test]
    fn axes_end_at_twice_a_round_step() {
        let ends: Vec<i64> = [0, 1, 2, 3, 5, 10, 11, 36_000, 99_999].into_iter().map(axis_end).collect();
        assert_eq!(ends, [2, 2, 2, 4, 10, 10, 20, 40_000, 100_000]);
        assert!(axis_end(i64::MAX) >= i64::MAX / 2, "no overflow at the top");
    }

    #[test]
    fn shares_are_rounded_percentages_without_floats() {
        assert_eq!(
            (percent(0, 3), percent(1, 3), percent(2, 3), percent(3, 3)),
            ("0.0%".into(), "33.3%".into(), "66.7%".into(), "100.0%".into())
        );
        assert_eq!((percent(5, 0), percent(i64::MAX, i64::MAX)), ("—".into(), "100.0%".into()), "no whole, and no overflow");
    }

    #[test]
    fn categories_read_as_the_enumeration_labels() {
        assert_eq!(category_zh("care"), ServiceCategory::Care.label_zh());
        assert_eq!(category_zh("daily_living"), "生活服务类");
        assert_eq!(category_zh("other"), "其他（本地服务）");
        assert_eq!(category_zh("<x>"), "&lt;x&gt;");
    }

    #[test]
    fn escapes_markup_and_quotes() {
        assert_eq!(escape(r#"<b>"甲"&'乙'</b>"#), "&lt;b&gt;&quot;甲&quot;&amp;&#39;乙&#39;&lt;/b&gt;");
    }

    #[test]
    fn bars_scale_to_the_largest_value() {
        let svg = bar_chart("t", "单位：件", &[("a", "#000")], &[("x".into(), vec![50]), ("y".into(), vec![100])]);
        assert!(svg.contains(r#"width="180""#) && svg.contains(r#"width="360""#), "{svg}");
        let one = bar_chart("t", "", &[("a", "#000")], &[("x".into(), vec![1])]);
        assert!(one.contains(">1</text>") && one.contains(">2</text>") && one.contains(r#"width="180""#), "a 0–2 axis for a 1: {one}");
        assert!(svg.contains(">0</text>") && svg.contains(">50</text>") && svg.contains(">100</text>"), "the axis has its scale: {svg}");
        assert!(svg.contains("单位：件"));
        assert!(svg.starts_with("<svg") && svg.ends_with("</svg>"));
        let empty = bar_chart("t", "", &[("a", "#000")], &[("x".into(), vec![0])]);
        assert!(empty.contains(r#"width="0""#), "zero values draw no bar and do not divide by zero");
    }
}
