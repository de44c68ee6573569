#!/usr/bin/env python3
"""Save-to-screen latency of `deck serve` and `marp -s`, side by side in one run.

usage: serve_latency.py DECK_BIN MARP_BIN [EDITS]

Makes a 100-slide deck with 10 charts (for marp: the same Markdown without the charts), starts
both servers, opens one page of each in headless Chromium (driven over --remote-debugging-pipe)
at slide 50, then EDITS times per tool (interleaved): rewrites slide 50's text on disk and polls
the page until the new text is in the DOM. Prints median / p90 / min per tool and the ratio.
Then checks that 50 pages connected at once to deck's event stream all get one update.
"""
import fcntl
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def make_deck(charts: bool, marker: str) -> str:
    slides = ["---\ntheme: default\n---\n\n# Latency deck\n\nOne hundred slides."]
    for i in range(2, 101):
        body = f"## Slide {i}\n\n- point one of slide {i}\n- point two\n- point three\n"
        if i == 50:
            body += f"\n{marker}\n"
        elif i % 10 == 0 and charts:
            body += (
                "\n```chart\ntype: bar\nsql: SELECT variant, avg(wall_s) AS s FROM runs "
                f"WHERE rep <= {i} GROUP BY variant ORDER BY s\nx: variant\ny: s\n```\n"
            )
        slides.append(body)
    return "\n---\n\n".join(slides)


class Chromium:
    """Chromium over --remote-debugging-pipe: NUL-separated JSON on fds 3 (in) and 4 (out)."""

    def __init__(self):
        self.profile = tempfile.mkdtemp()
        to_r, self.to_w = os.pipe()
        self.from_r, from_w = os.pipe()
        # The child sees our pipe ends as fds 3 and 4 (moved out of the way first, in case one
        # of them already is fd 3 or 4).
        def setup():
            a = fcntl.fcntl(to_r, fcntl.F_DUPFD, 10)
            b = fcntl.fcntl(from_w, fcntl.F_DUPFD, 10)
            os.dup2(a, 3)
            os.dup2(b, 4)
        self.proc = subprocess.Popen(
            [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
             "--disable-background-networking", "--remote-debugging-pipe",
             f"--user-data-dir={self.profile}", "about:blank"],
            preexec_fn=setup, close_fds=False,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        os.close(to_r)
        os.close(from_w)
        self.buf = b""
        self.next_id = 0

    def call(self, method, params=None, session=None):
        self.next_id += 1
        msg = {"id": self.next_id, "method": method, "params": params or {}}
        if session:
            msg["sessionId"] = session
        os.write(self.to_w, json.dumps(msg).encode() + b"\0")
        while True:
            while b"\0" not in self.buf:
                chunk = os.read(self.from_r, 1 << 20)
                if not chunk:
                    raise RuntimeError("chromium closed the pipe")
                self.buf += chunk
            raw, self.buf = self.buf.split(b"\0", 1)
            reply = json.loads(raw)
            if reply.get("id") == self.next_id:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return reply["result"]

    def page(self, url):
        target = self.call("Target.createTarget", {"url": "about:blank"})["targetId"]
        session = self.call("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        self.call("Page.navigate", {"url": url}, session)
        return session

    def eval(self, session, js):
        r = self.call("Runtime.evaluate", {"expression": js, "returnByValue": True}, session)
        return r.get("result", {}).get("value")

    def close(self):
        self.proc.kill()
        self.proc.wait()


def wait_for(browser, session, js, timeout=20.0, every=0.002):
    deadline = time.perf_counter() + timeout
    while time.perf_counter() < deadline:
        try:
            if browser.eval(session, js):
                return time.perf_counter()
        except RuntimeError:
            pass  # the document is being replaced
        time.sleep(every)
    raise TimeoutError(js)


def has(marker):
    return ("Array.prototype.some.call(document.querySelectorAll('section'), "
            f"function (s) {{ return s.textContent.indexOf({json.dumps(marker)}) >= 0; }})")


def main():
    deck_bin, marp_bin = sys.argv[1], sys.argv[2]
    edits = int(sys.argv[3]) if len(sys.argv) > 3 else 20
    work = Path(tempfile.mkdtemp())
    proj = work / "deck"
    (proj / "slides").mkdir(parents=True)
    (proj / "data").mkdir()
    rng = random.Random(1)
    rows = ["variant,rep,wall_s"] + [
        f"{v},{r},{rng.uniform(1, 3):.4f}" for r in range(1, 101) for v in ("debian", "official", "alpine")]
    (proj / "data/runs.csv").write_text("\n".join(rows) + "\n")
    (proj / "deck.toml").write_text('[datasets]\nruns = "data/runs.csv"\n')
    marp_dir = work / "marp"
    marp_dir.mkdir()
    files = {"deck": proj / "slides/talk.md", "marp": marp_dir / "talk.md"}
    files["deck"].write_text(make_deck(True, "Marker start"))
    files["marp"].write_text(make_deck(False, "Marker start"))

    deck_port, marp_port = free_port(), free_port()
    deck = subprocess.Popen([deck_bin, "serve", "--port", str(deck_port), str(proj)],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    deck.stdout.readline()
    env = dict(os.environ, PORT=str(marp_port), BROWSER="none")
    marp = subprocess.Popen([marp_bin, "-s", str(marp_dir)], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    urls = {"deck": f"http://127.0.0.1:{deck_port}/talk.html#50",
            "marp": f"http://127.0.0.1:{marp_port}/talk.md"}
    browser = Chromium()
    try:
        sessions = {}
        for name, url in urls.items():
            # marp-cli's server takes a moment to start.
            for _ in range(100):
                try:
                    with socket.create_connection(("127.0.0.1", int(url.split(":")[2].split("/")[0])), 0.2):
                        break
                except OSError:
                    time.sleep(0.1)
            sessions[name] = browser.page(url)
            wait_for(browser, sessions[name], has("Marker start"), timeout=60)
        time.sleep(1.5)  # live clients connected
        times = {"deck": [], "marp": []}
        for i in range(edits):
            for name in ("deck", "marp"):
                marker = f"Marker {i} {rng.randrange(1 << 30)}"
                text = make_deck(name == "deck", marker)
                start = time.perf_counter()
                files[name].write_text(text)
                seen = wait_for(browser, sessions[name], has(marker))
                times[name].append((seen - start) * 1000)
                time.sleep(0.4)
        print(f"save -> visible, {edits} edits each, 100 slides (deck: 10 charts), interleaved")
        print(f"  {'tool':<6} {'median':>9} {'p90':>9} {'min':>9}")
        for name in ("deck", "marp"):
            t = sorted(times[name])
            p90 = t[min(len(t) - 1, int(round(0.9 * (len(t) - 1))))]
            print(f"  {name:<6} {statistics.median(t):8.1f}ms {p90:8.1f}ms {t[0]:8.1f}ms")
        ratio = statistics.median(times["marp"]) / statistics.median(times["deck"])
        print(f"  => deck is {ratio:.1f}x faster than marp -s (median)")
        t = sorted(times["deck"])
        p90 = t[min(len(t) - 1, int(round(0.9 * (len(t) - 1))))]
        met = statistics.median(t) <= 40 and p90 <= 60
        print(f"  target (deck median <= 40 ms, p90 <= 60 ms): {'met' if met else 'NOT met'}")
    finally:
        browser.close()
        marp.kill()

    # Fifty pages' event streams, all open at once: every one gets the update.
    streams = []
    for _ in range(50):
        s = socket.create_connection(("127.0.0.1", deck_port))
        s.sendall(b"GET /_deck/events HTTP/1.1\r\nHost: localhost\r\n\r\n")
        s.settimeout(10)
        got = b""
        while b"event: hello" not in got:
            got += s.recv(65536)
        streams.append(s)
    files["deck"].write_text(make_deck(True, "Marker fifty"))
    ok = 0
    for s in streams:
        got = b""
        try:
            while b"event: deck" not in got:
                got += s.recv(65536)
            ok += 1
        except OSError:
            pass
        s.close()
    print(f"50 connected event streams: {ok} got the update")
    deck.kill()


if __name__ == "__main__":
    main()
