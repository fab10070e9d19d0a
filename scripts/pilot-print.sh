#!/usr/bin/env bash
# The pilot summary as a director prints it: the demo server's HTML page
# rendered to an A4 PDF by headless Chromium, then checked: A4 pages, a
# page count in range, every section and its figures in the printed text,
# the running header and the page numbers on every page, and no element
# wider than the printed page or too tall to break. With
# PRINT_PNG_DIR set, the pages are also written there as PNG (pdftoppm).
# Needs `chromium` and `poppler-utils` (pdfinfo, pdftotext, pdftoppm) and a
# built `jiuzhu` binary.
set -euo pipefail
cd "$(dirname "$0")/.."
port="${PRINT_PORT:-18095}"
password='print-check-Passw0rd'
source scripts/demo-server.sh
start_demo_server "$port" "$password"
token=$(curl -sf "http://127.0.0.1:$port/api/v1/auth/token" -H 'Content-Type: application/json' \
    -d "{\"grant_type\":\"password\",\"username\":\"admin\",\"password\":\"$password\"}" | python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])')
curl -sf "http://127.0.0.1:$port/api/v1/reports/pilot-summary?format=html" -H "Authorization: Bearer $token" -o "$work/summary.html"
curl -sf "http://127.0.0.1:$port/api/v1/reports/pilot-summary" -H "Authorization: Bearer $token" -o "$work/summary.json"
chromium --headless --no-sandbox --disable-gpu --no-pdf-header-footer --run-all-compositor-stages-before-draw \
    --print-to-pdf="$work/summary.pdf" "file://$work/summary.html" 2>"$work/chromium.log" || { cat "$work/chromium.log"; exit 1; }
# The same page measured at the printed width (A4 less its 16 mm side
# margins, 673 CSS px) with the print body margin: a script added to a copy
# lists each element that reaches past that width, and each element kept
# on one page (break-inside: avoid) that is taller than a page's body
# (297 mm less 42 mm, 963 px).
python3 - "$work/summary.html" "$work/measure.html" <<'PY'
import sys
page = open(sys.argv[1], encoding="utf-8").read()
probe = """<script>
document.body.style.margin = "0";
const width = document.documentElement.clientWidth, pageHeight = 963, found = [];
for (const el of document.body.querySelectorAll("*")) {
  const r = el.getBoundingClientRect(), what = el.tagName.toLowerCase() + " \u201c" + (el.textContent || "").trim().slice(0, 24) + "\u201d";
  if (r.right > width + 0.5) found.push(what + " ends at " + r.right.toFixed(1) + " px of " + width);
  if (getComputedStyle(el).breakInside === "avoid" && r.height > pageHeight) found.push(what + " is " + r.height.toFixed(0) + " px tall and cannot break");
}
const out = document.createElement("pre");
out.id = "print-overflow";
out.textContent = JSON.stringify({width, found});
document.body.appendChild(out);
</script>"""
assert "</body>" in page
open(sys.argv[2], "w", encoding="utf-8").write(page.replace("</body>", probe + "</body>", 1))
PY
chromium --headless --no-sandbox --disable-gpu --hide-scrollbars --window-size=673,963 --run-all-compositor-stages-before-draw \
    --dump-dom "file://$work/measure.html" >"$work/measured.html" 2>>"$work/chromium.log" || { cat "$work/chromium.log"; exit 1; }
WORK="$work" python3 - <<'PY'
import html, json, os, re, subprocess, sys
work = os.environ["WORK"]
pdf = f"{work}/summary.pdf"
info = subprocess.run(["pdfinfo", pdf], check=True, capture_output=True, text=True).stdout
pages = int(re.search(r"^Pages:\s+(\d+)", info, re.M).group(1))
width, height = map(float, re.search(r"^Page size:\s+([\d.]+) x ([\d.]+) pts", info, re.M).groups())
problems = []
measured = re.search(r'<pre id="print-overflow">(.*?)</pre>', open(f"{work}/measured.html", encoding="utf-8").read(), re.S)
if not measured:
    problems.append("the page could not be measured at its printed width")
else:
    layout = json.loads(html.unescape(measured.group(1)))
    if abs(layout["width"] - 673) > 2:
        problems.append(f"measured at {layout['width']} px instead of the printed 673 px")
    problems += [f"overflows its page: {what}" for what in layout["found"]]
if (round(width), round(height)) != (595, 842):
    problems.append(f"pages are {width} x {height} pt, not A4 (595 x 842)")
if not 2 <= pages <= 6:
    problems.append(f"{pages} pages; the summary should take 2 to 6")
summary = json.load(open(f"{work}/summary.json"))
for n in range(1, pages + 1):
    text = subprocess.run(["pdftotext", "-f", str(n), "-l", str(n), "-layout", pdf, "-"], check=True, capture_output=True, text=True).stdout
    if f"第 {n} 页，共 {pages} 页" not in text:
        problems.append(f"page {n} lacks its page number")
    if "试点工作总结数据" not in text:
        problems.append(f"page {n} lacks the running header")
text = subprocess.run(["pdftotext", "-layout", pdf, "-"], check=True, capture_output=True, text=True).stdout
compact = re.sub(r"\s+", "", text)
for section in ["一、总体规模", "二、分类服务成效", "三、重点乡镇", "四、部门协同转办", "五、资金使用", "六、政府购买服务", "七、绩效评估", "八、存在问题", "出具单位", "生成时间", "负责人"]:
    if section not in compact:
        problems.append(f"the printed text lacks {section}")
for year, figure in summary["funds_by_year"].items():
    cap = f"{figure['cap_fen'] // 100:,}.{figure['cap_fen'] % 100:02d}"
    if cap not in compact:
        problems.append(f"the {year} purchase cap {cap} is not printed")
scale = summary["scale"]
for key in ["beneficiaries", "needs", "orders"]:
    if str(scale[key]) not in compact:
        problems.append(f"scale.{key} = {scale[key]} is not printed")
print(f"pilot summary: {pages} A4 pages, {len(compact)} characters printed")
if problems:
    print("\n".join(problems)); sys.exit(1)
PY
if [[ -n "${PRINT_PNG_DIR:-}" ]]; then
    mkdir -p "$PRINT_PNG_DIR"
    rm -f "$PRINT_PNG_DIR"/page-*.png
    pdftoppm -png -r 60 "$work/summary.pdf" "$PRINT_PNG_DIR/page"
    ls "$PRINT_PNG_DIR"
fi
