//! The pilot summary as a printable HTML page: tables of the figures and
//! bar charts drawn as inline SVG, so the page needs no script, font or
//! network and prints as it shows. Every text from the database is escaped.

use jiuzhu_reports::pilot_summary::{AreaFigures, PilotSummary};
use std::fmt::Write;

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

fn category_zh(code: &str) -> &str {
    match code {
        "care" => "照料服务",
        "daily_living" => "生活服务",
        "caring" => "关爱服务",
        "other" => "其他（本地服务）",
        other => other,
    }
}

/// A horizontal bar chart: one row per label, one bar per series value.
fn bar_chart(title: &str, series: &[(&str, &str)], rows: &[(String, Vec<i64>)]) -> String {
    const LABEL_WIDTH: i64 = 150;
    const BAR_SPACE: i64 = 430;
    const BAR_HEIGHT: i64 = 14;
    let max = rows.iter().flat_map(|(_, values)| values.iter().copied()).max().unwrap_or(0).max(1);
    let row_height = BAR_HEIGHT * series.len() as i64 + 10;
    let height = 30 + row_height * rows.len() as i64 + 20;
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
<style>body{{font-family:"Noto Sans CJK SC","Microsoft YaHei",sans-serif;margin:2em;color:#222}}h1{{font-size:1.5em}}h2{{font-size:1.15em;border-bottom:1px solid #999;margin-top:1.6em}}
table{{border-collapse:collapse;margin:.5em 0}}td,th{{border:1px solid #bbb;padding:.25em .7em;text-align:right}}td:first-child,th:first-child{{text-align:left}}
.meta{{color:#555}}@media print{{body{{margin:1cm}}h2{{page-break-after:avoid}}svg,table{{page-break-inside:avoid}}}}</style></head><body>
<h1>{name}（{code}）服务类社会救助试点工作总结数据</h1><p class="meta">统计期间：{period}。按记录创建时间统计；“待匹配”与逾期数为当前状态。</p>"#,
        name = escape(&summary.region_name),
        code = escape(&summary.region_code),
        period = escape(&period),
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
        let _ = write!(
            html,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            category_zh(&c.category),
            c.needs,
            c.needs_open,
            c.orders,
            c.orders_completed
        );
    }
    html.push_str("</table>");
    let rows: Vec<(String, Vec<i64>)> =
        summary.by_service_category.iter().map(|c| (category_zh(&c.category).to_string(), vec![c.needs, c.orders_completed])).collect();
    html.push_str(&bar_chart("分类服务成效", &[("识别需求", "#4e79a7"), ("完成服务单", "#59a14f")], &rows));

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
    html.push_str(&bar_chart("重点乡镇与其他地区对比", &[("重点乡镇", "#f28e2b"), ("其他地区", "#bab0ac")], &rows));

    let p = &summary.problems;
    let _ = write!(
        html,
        "<h2>四、存在问题</h2><table><tr><th>问题</th><th>数量</th></tr><tr><td>转办逾期未办结</td><td>{}</td></tr><tr><td>回访逾期未完成</td><td>{}</td></tr>\
         <tr><td>随机抽查发现问题（共抽查 {}）</td><td>{}</td></tr><tr><td>拒单或取消的服务单</td><td>{}</td></tr>",
        p.referrals_overdue, p.follow_ups_overdue, p.inspections, p.inspections_failed, p.orders_declined_or_cancelled
    );
    for (status, n) in &p.appeals_by_status {
        let _ = write!(html, "<tr><td>评估申诉（{}）</td><td>{n}</td></tr>", escape(status));
    }
    html.push_str("</table></body></html>\n");
    html
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup_and_quotes() {
        assert_eq!(escape(r#"<b>"甲"&'乙'</b>"#), "&lt;b&gt;&quot;甲&quot;&amp;&#39;乙&#39;&lt;/b&gt;");
    }

    #[test]
    fn bars_scale_to_the_largest_value() {
        let svg = bar_chart("t", &[("a", "#000")], &[("x".into(), vec![50]), ("y".into(), vec![100])]);
        assert!(svg.contains(r#"width="215""#) && svg.contains(r#"width="430""#), "{svg}");
        assert!(svg.starts_with("<svg") && svg.ends_with("</svg>"));
        let empty = bar_chart("t", &[("a", "#000")], &[("x".into(), vec![0])]);
        assert!(empty.contains(r#"width="0""#), "zero values draw no bar and do not divide by zero");
    }
}
