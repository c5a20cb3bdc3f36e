#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-only
"""browser_check.py - loads a page in headless Chromium (Debian's chromium + chromium-driver, driven
by python3-selenium) and reports what a person would see, as one JSON object on stdout:

  browser_check.py URL|FILE [--screenshot OUT.png] [--cookie name=value]... [--expect-text TEXT]...
                   [--expect-charts N] [--allow-unplotted N] [--wait-selector CSS] [--timeout S] [--size WxH]

  {"console_errors": [...], "svg_count": N, "plotted": N, "text_found": bool, "texts_found": {TEXT: bool},
   "title": "...",
   "screenshot": {"path": ..., "width": W, "height": H, "colours": N}, "elapsed_s": S, "ok": bool,
   "problems": [...]}

"plotted" counts the <svg> elements holding a drawn data element (class="data": a <path> with a
non-empty d, or a <rect>), which is how the chart renderer marks what it plots. A bare FILE is loaded
as file://; without --screenshot the shot goes to a temporary file (still checked, then removed).
Exits 0 only when every <svg> is plotted (but --allow-unplotted N of them; --expect-charts N: and there
are exactly N), there
is no SEVERE console message (but a missing /favicon.ico, which the browser asks for itself), the screenshot is written and not of a single colour, and every
expectation holds (each --expect-text is in the page's text, --wait-selector appeared); 1 otherwise,
2 on bad arguments. Works as root (--no-sandbox) and offline; a fresh profile in a temporary
directory each run; the browser is always quit (and the driver's process group killed) at exit.
"""
import argparse
import json
import os
import shutil
import signal
import struct
import sys
import tempfile
import time
import urllib.parse
import zlib

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"

PLOTTED_JS = """
const svgs = Array.from(document.querySelectorAll('svg'));
const plotted = svgs.filter(s => Array.from(s.querySelectorAll('.data')).some(e =>
    (e.tagName.toLowerCase() === 'path' && (e.getAttribute('d') || '').trim() !== '') ||
    e.tagName.toLowerCase() === 'rect'));
return [svgs.length, plotted.length, document.body ? document.body.innerText : '', document.title];
"""


def png_colours(path, limit=2):
    """The number of distinct pixel values of the PNG at path (stops counting at limit): 8-bit
    greyscale/RGB/RGBA, non-interlaced, as Chromium writes them."""
    with open(path, "rb") as f:
        data = f.read()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError("not a PNG")
    pos, idat, hdr = 8, [], None
    while pos < len(data):
        n, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + n]
        if kind == b"IHDR":
            hdr = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat.append(body)
        elif kind == b"IEND":
            break
        pos += 12 + n
    w, h, depth, ctype, _, _, interlace = hdr
    bpp = {0: 1, 2: 3, 4: 2, 6: 4}.get(ctype)
    if depth != 8 or bpp is None or interlace:
        raise ValueError("unsupported PNG (depth %d, colour type %d)" % (depth, ctype))
    raw = zlib.decompress(b"".join(idat))
    stride = w * bpp
    prev = bytearray(stride)
    seen = set()
    for y in range(h):
        ft = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b = prev[i]
            if ft == 1:
                line[i] = (line[i] + a) & 255
            elif ft == 2:
                line[i] = (line[i] + b) & 255
            elif ft == 3:
                line[i] = (line[i] + ((a + b) >> 1)) & 255
            elif ft == 4:
                c = prev[i - bpp] if i >= bpp else 0
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        for x in range(0, stride, bpp * 7):  # a sample of the pixels is plenty for "not blank"
            seen.add(bytes(line[x:x + bpp]))
        if len(seen) >= limit:
            return len(seen)
        prev = line
    return len(seen)


def main():
    ap = argparse.ArgumentParser(description="headless-browser check of a page")
    ap.add_argument("url")
    ap.add_argument("--screenshot", metavar="OUT.png")
    ap.add_argument("--cookie", action="append", default=[], metavar="name=value")
    ap.add_argument("--expect-text", action="append", default=[], metavar="TEXT")
    ap.add_argument("--expect-charts", type=int, metavar="N", help="exactly N <svg> elements")
    ap.add_argument("--allow-unplotted", type=int, default=0, metavar="N", help="N <svg> may show no data")
    ap.add_argument("--wait-selector", metavar="CSS")
    ap.add_argument("--timeout", type=float, default=10.0, metavar="S")
    ap.add_argument("--size", default="1280x1600", metavar="WxH")
    args = ap.parse_args()
    cookies = []
    for c in args.cookie:
        name, eq, value = c.partition("=")
        if not eq or not name:
            print("browser_check.py: --cookie %r: expected name=value" % c, file=sys.stderr)
            return 2
        cookies.append((name, value))
    try:
        width, height = (int(v) for v in args.size.split("x"))
    except ValueError:
        print("browser_check.py: --size %r: expected WxH" % args.size, file=sys.stderr)
        return 2
    for path in (CHROMIUM, CHROMEDRIVER):
        if not os.access(path, os.X_OK):
            print("browser_check.py: %s missing (apt-get install chromium chromium-driver)" % path,
                  file=sys.stderr)
            return 2

    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as EC
    from selenium.webdriver.support.ui import WebDriverWait

    if "://" not in args.url:  # a file name
        args.url = "file://" + urllib.parse.quote(os.path.abspath(args.url))
    shot_dir = None
    if not args.screenshot:
        shot_dir = tempfile.mkdtemp(prefix="browser_check.shot.")
        args.screenshot = os.path.join(shot_dir, "shot.png")

    t0 = time.monotonic()
    res = {"url": args.url, "console_errors": [], "svg_count": 0, "plotted": 0, "text_found": False,
           "texts_found": {t: False for t in args.expect_text},
           "title": None, "screenshot": None, "problems": []}
    profile = tempfile.mkdtemp(prefix="browser_check.")
    opts = webdriver.ChromeOptions()
    opts.binary_location = CHROMIUM
    for a in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
              "--user-data-dir=" + profile, "--window-size=%d,%d" % (width, height), "--no-first-run",
              "--disable-extensions", "--disable-background-networking", "--disable-component-update",
              "--disable-sync", "--hide-scrollbars", "--force-device-scale-factor=1"):
        opts.add_argument(a)
    opts.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    # the driver in its own process group, so that nothing it starts outlives us
    # (selenium 4.8's Service takes popen_kw through its **kwargs)
    service = Service(CHROMEDRIVER, log_path=os.devnull, popen_kw={"start_new_session": True})
    driver = None
    try:
        driver = webdriver.Chrome(service=service, options=opts)
        driver.set_page_load_timeout(args.timeout)
        if cookies:  # cookies belong to a origin: load it once, set them, then load the page
            u = urllib.parse.urlsplit(args.url)
            driver.get("%s://%s/" % (u.scheme, u.netloc))
            for name, value in cookies:
                driver.add_cookie({"name": name, "value": value, "path": "/"})
            driver.get_log("browser")  # what that first visit said is not the page's
        driver.get(args.url)
        if args.wait_selector:
            try:
                WebDriverWait(driver, args.timeout).until(
                    EC.presence_of_element_located((By.CSS_SELECTOR, args.wait_selector)))
            except Exception:
                res["problems"].append("selector %r did not appear in %.0f s" % (args.wait_selector, args.timeout))
        nsvg, nplot, text, title = driver.execute_script(PLOTTED_JS)
        res.update(svg_count=nsvg, plotted=nplot, title=title)
        res["texts_found"] = {t: t in text for t in args.expect_text}
        res["text_found"] = all(res["texts_found"].values())
        if nsvg - nplot > args.allow_unplotted:
            res["problems"].append("%d of %d svg(s) not plotted" % (nsvg - nplot, nsvg))
        if args.expect_charts is not None and nsvg != args.expect_charts:
            res["problems"].append("%d svg(s), expected %d" % (nsvg, args.expect_charts))
        if not res["text_found"]:
            res["problems"].append("text not found: %s" % [t for t in args.expect_text if t not in text])
        for e in driver.get_log("browser"):
            # the browser's own favicon request is not the page's doing
            if e.get("level") == "SEVERE" and "/favicon.ico - " not in e.get("message", ""):
                res["console_errors"].append(e.get("message", ""))
        if not driver.save_screenshot(args.screenshot):
            res["problems"].append("screenshot not written")
    except Exception as e:  # the browser or the driver failed: a result, not a traceback
        res["problems"].append("browser: %s: %s" % (type(e).__name__, str(e).splitlines()[0] if str(e) else ""))
    finally:
        if driver is not None:
            try:
                driver.quit()
            except Exception:
                pass
        try:
            service.stop()
        except Exception:
            pass
        proc = getattr(service, "process", None)
        if proc is not None:  # whatever of the driver's session is left (a hung browser): by its group id
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
            proc.poll()
        shutil.rmtree(profile, ignore_errors=True)
    if os.path.exists(args.screenshot) and os.path.getsize(args.screenshot) > 0:
        try:
            with open(args.screenshot, "rb") as f:
                w, h = struct.unpack(">II", f.read(24)[16:24])
            colours = png_colours(args.screenshot)
            res["screenshot"] = {"path": args.screenshot, "width": w, "height": h, "colours": colours}
            if colours < 2:
                res["problems"].append("screenshot is blank (a single colour)")
        except (OSError, ValueError, zlib.error, struct.error) as e:
            res["problems"].append("screenshot unreadable: %s" % e)
    elif "screenshot not written" not in res["problems"]:
        res["problems"].append("screenshot not written")
    if res["console_errors"]:
        res["problems"].append("%d console error(s)" % len(res["console_errors"]))
    if shot_dir:
        shutil.rmtree(shot_dir, ignore_errors=True)
        if res["screenshot"]:
            res["screenshot"]["path"] = None
    res["elapsed_s"] = round(time.monotonic() - t0, 2)
    res["ok"] = not res["problems"]
    print(json.dumps(res, indent=1))
    return 0 if res["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
