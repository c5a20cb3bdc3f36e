#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# The SVG chart renderer (user/chart.c) through tests/tools/chartdemo: every chart is well-formed,
# standalone SVG (xmllint + svgcheck), the HTML page with all of them renders in headless Chromium
# without a console error and with every non-empty chart plotted, and the drawings hold the numbers:
# the known maximum of a series maps back through the parsed axis ticks to its value within a pixel,
# the gap breaks its line, the band spans the band's extremes, and the heatmap has one cell per
# non-empty count.
. "$(dirname "$0")/lib.sh"
DEMO="$(dirname "$COREWATCH")/tests/chartdemo"
SVGCHECK="$PWD/tests/tools/svgcheck"
BROWSER="$PWD/tests/tools/browser_check.py"

if [ ! -x "$DEMO" ]; then
	fail charts-demo "$DEMO missing (make unit-tests builds it)"
	exit 0
fi
mkdir -p "$T/charts"
TZ=UTC check charts-demo-runs "$DEMO" "$T/charts"
check charts-svg-valid "$SVGCHECK" "$T/charts/line.svg" "$T/charts/band.svg" "$T/charts/bytes.svg" \
	"$T/charts/heat.svg" "$T/charts/empty.svg"
# the checker itself must catch a broken document
printf '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><path d="M nan 0"/></svg>\n' \
	>"$T/bad.svg"
if "$SVGCHECK" "$T/bad.svg" >/dev/null 2>&1; then
	fail charts-svgcheck-rejects "svgcheck passed an SVG without viewBox and with nan"
else
	pass charts-svgcheck-rejects
fi

pycheck charts-oracle "$T/charts" <<'PYEOF'
import json, re, sys, xml.etree.ElementTree as ET
d = sys.argv[1]
NS = "{http://www.w3.org/2000/svg}"
truth = json.load(open(d + "/truth.json"))
def res(name, ok, why=""):
    print(("PASS %s" % name) if ok else ("FAIL %s: %s" % (name, why)))

MULT = {"": 1, "k": 1e3, "K": 1024, "M": 1024**2, "G": 1024**3, "T": 1024**4}
def label_value(s):
    """A value-axis label back to a number: "20%", "1.5M/s", "500us", "3G"."""
    m = re.fullmatch(r"(-?[0-9.]+)([kKMGT]?)(B|%|/s|us|ms|s)?(/s)?", s)
    assert m, "unparsable label %r" % s
    v = float(m.group(1)) * MULT[m.group(2)]
    if m.group(3) == "ms": v *= 1e3
    if m.group(3) == "s": v *= 1e6
    return v

def axis(root):
    """(y pixel, value) of each value tick, from the grid line's y and the label."""
    ticks = []
    for g in root.iter(NS + "g"):
        if g.get("class") == "ytick":
            ticks.append((float(g.find(NS + "line").get("y1")), label_value(g.find(NS + "text").text)))
    return ticks

def y_to_value(ticks, y):
    (y0, v0), (y1, v1) = ticks[0], ticks[-1]
    return v0 + (y - y0) * (v1 - v0) / (y1 - y0)

def subpaths(dattr):
    return [[(float(a), float(b)) for a, b in re.findall(r"[ML]?(-?[0-9.]+) (-?[0-9.]+)", sp)]
            for sp in re.split(r"(?=M)", dattr) if sp]

def series_paths(root):
    return [p for p in root.iter(NS + "path") if p.get("class") == "data line"]

def xpix(root, t):
    plot = [r for r in root.iter(NS + "rect") if r.get("class") == "plot"][0]
    x0, w = float(plot.get("x")), float(plot.get("width"))
    return x0 + (t - truth["from_ms"]) / (truth["to_ms"] - truth["from_ms"]) * w

line = ET.parse(d + "/line.svg").getroot()
ticks = axis(line)
vals = [v for _, v in ticks]
steps = {round(b - a, 9) for a, b in zip(vals, vals[1:])}
res("charts-line-ticks", 4 <= len(ticks) <= 7 and len(steps) == 1 and vals[0] == 0 and vals[-1] == 100,
    "ticks %s" % ticks)
paths = series_paths(line)
res("charts-line-one-path-per-series", len(paths) == 3, "%d line paths" % len(paths))
pts = [p for sp in subpaths(paths[0].get("d")) for p in sp]
ymin = min(y for _, y in pts)  # the top of the line: the series' maximum
xm = [x for x, y in pts if y == ymin][0]
val = y_to_value(ticks, ymin)
px_per_unit = abs(ticks[-1][0] - ticks[0][0]) / abs(ticks[-1][1] - ticks[0][1])
res("charts-line-max-maps-back", abs(val - truth["line_max"]) * px_per_unit <= 1.0,
    "y %.1f reads %.3f, want %.3f" % (ymin, val, truth["line_max"]))
res("charts-line-max-time", abs(xm - xpix(line, truth["line_max_t_ms"])) <= 1.0,
    "x %.1f, want %.1f" % (xm, xpix(line, truth["line_max_t_ms"])))
print("INFO line max at y=%.1f reads %.3f (true %.2f)" % (ymin, val, truth["line_max"]))
gap = subpaths(paths[truth["gap_series"]].get("d"))
res("charts-gap-breaks-line", len(gap) == 2 and len(gap[0]) == 20 and len(gap[1]) == 30,
    "subpaths of %s points" % [len(s) for s in gap])
res("charts-legend", [t.text for g in line.iter(NS + "g") if g.get("class") == "legend"
                      for t in g.iter(NS + "text")] == ["cpu0", "cpu1 <&>", "cpu2"], "legend texts")

band = ET.parse(d + "/band.svg").getroot()
bt = axis(band)
bp = [p for p in band.iter(NS + "path") if p.get("class") == "data band"]
res("charts-band-present", len(bp) == 1 and len(series_paths(band)) == 1, "%d band paths" % len(bp))
if bp:
    top = min(y for sp in subpaths(bp[0].get("d")) for _, y in sp)
    v = y_to_value(bt, top)
    ppu = abs(bt[-1][0] - bt[0][0]) / abs(bt[-1][1] - bt[0][1])
    res("charts-band-max-maps-back", abs(v - truth["band_max"]) * ppu <= 1.0,
        "band top reads %.0f, want %.0f (labels %s)" % (v, truth["band_max"], [t.text for t in band.iter(NS + "text")][:8]))
labels = [g.find(NS + "text").text for g in band.iter(NS + "g") if g.get("class") == "ytick"]
res("charts-band-rate-labels", all(l == "0" or l.endswith("M/s") for l in labels), str(labels))
byt = ET.parse(d + "/bytes.svg").getroot()
labels = [g.find(NS + "text").text for g in byt.iter(NS + "g") if g.get("class") == "ytick"]
res("charts-bytes-labels", all(l == "0" or re.fullmatch(r"[0-9.]+G", l) for l in labels), str(labels))
res("charts-no-legend-single-series", not any(g.get("class") == "legend" for g in byt.iter(NS + "g")), "legend")

heat = ET.parse(d + "/heat.svg").getroot()
cells = [r for r in heat.iter(NS + "rect") if r.get("class") == "data"]
res("charts-heat-cells", len(cells) == truth["heat_cells"], "%d rects, %d non-empty cells" % (len(cells), truth["heat_cells"]))
res("charts-heat-colours", len({r.get("fill") for r in cells}) >= 10, "%d colours" % len({r.get("fill") for r in cells}))
empty = ET.parse(d + "/empty.svg").getroot()
res("charts-empty-no-data", any(t.text == "no data" for t in empty.iter(NS + "text"))
    and not any(e.get("class", "").startswith("data") for e in empty.iter()), "empty chart")
for f in ("line", "band", "bytes", "heat", "empty"):
    if re.search(r"(?i)\b(nan|inf)\b", open("%s/%s.svg" % (d, f)).read()):
        res("charts-no-nan", False, f)
        break
else:
    res("charts-no-nan", True)
PYEOF

# the page in a real browser: no console error, every chart but the empty one plotted
if out=$($PY "$BROWSER" "file://$T/charts/charts.html" --screenshot "$T/charts.png" --expect-text chartdemo \
	--expect-text "no data" --wait-selector "svg" --expect-charts 5 --allow-unplotted 1 2>&1); then
	printf '%s\n' "$out" >"$T/browser.json"
	echo "  info browser_check: $($PY -c 'import json,sys; r=json.load(open(sys.argv[1])); print("svg", r["svg_count"], "plotted", r["plotted"], "in", r["elapsed_s"], "s")' "$T/browser.json")"
	if $PY -c 'import json,sys; r=json.load(open(sys.argv[1])); sys.exit(not (r["svg_count"] == 5 and r["plotted"] == 4 and r["screenshot"]["colours"] >= 2))' "$T/browser.json"; then
		pass charts-browser
	else
		fail charts-browser "$(echo "$out" | tr '\n' ' ' | cut -c1-400)"
	fi
else
	fail charts-browser "$(echo "$out" | tr '\n' ' ' | cut -c1-400)"
fi
# and an svg without a drawn data element (the empty chart): given as a bare file, no --screenshot
if out=$($PY "$BROWSER" "$T/charts/charts.html" --wait-selector "svg" 2>&1); then
	fail charts-browser-catches-unplotted "passed a page with an unplotted chart: $(echo "$out" | tr '\n' ' ' | cut -c1-300)"
else
	$PY -c 'import json,sys; r=json.load(sys.stdin); sys.exit(not ("1 of 5 svg(s) not plotted" in r["problems"] and
		r["screenshot"]["colours"] >= 2 and len(r["problems"]) == 1))' <<<"$out" &&
		pass charts-browser-catches-unplotted || fail charts-browser-catches-unplotted "$(echo "$out" | tr '\n' ' ' | cut -c1-300)"
fi
# and it must notice a console error and a blank page
printf '<!DOCTYPE html><html><body style="margin:0;background:#fff"><script>console.error("boom")</script></body></html>\n' >"$T/bad.html"
if out=$($PY "$BROWSER" "file://$T/bad.html" --screenshot "$T/bad.png" 2>&1); then
	fail charts-browser-catches-errors "passed a blank page with a console error: $(echo "$out" | tr '\n' ' ' | cut -c1-300)"
else
	$PY -c 'import json,sys; r=json.load(sys.stdin); sys.exit(not (r["console_errors"] and r["screenshot"]["colours"] == 1))' <<<"$out" &&
		pass charts-browser-catches-errors || fail charts-browser-catches-errors "$(echo "$out" | tr '\n' ' ' | cut -c1-300)"
fi
