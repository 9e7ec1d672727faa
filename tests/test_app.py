"`vision-course app` in a real browser: the Voila page paints, and the Run button starts the real workflow."
import os, re, shutil, signal, socket, subprocess, sys, time, urllib.request
from pathlib import Path
import pytest

ROOT = Path(__file__).resolve().parent.parent
SHOTS = ROOT/'tests'/'screenshots'


def _free_port():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0)); return s.getsockname()[1]


@pytest.fixture
def server():
    port = _free_port()
    exe = Path(sys.executable).parent/'vision-course'
    proc = subprocess.Popen([str(exe), 'app', '--no-browser', '--port', str(port)], stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True, start_new_session=True)
    first = proc.stdout.readline()
    m = re.search(r'(http://127\.0\.0\.1:\d+/)', first)
    assert m, first
    url = m.group(1)
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            if urllib.request.urlopen(url, timeout=2).status == 200: break
        except OSError: time.sleep(0.3)
    else: pytest.fail('the Voila server did not answer within 60 s')
    yield url.rstrip("/")
    os.killpg(proc.pid, signal.SIGTERM)
    try: proc.wait(15)
    except subprocess.TimeoutExpired: os.killpg(proc.pid, signal.SIGKILL)


def _browser(p):
    exe = shutil.which('chromium') or shutil.which('chromium-browser')
    assert exe, 'Chromium is not installed: `make test` installs it (apt-get install chromium)'
    return p.chromium.launch(executable_path=exe, args=['--no-sandbox', '--disable-gpu', '--disable-background-networking',
                                                         '--disable-component-update', '--no-first-run'])


def test_app_url_renders_and_runs(server):
    from playwright.sync_api import sync_playwright
    assert server == f"http://127.0.0.1:{server.rsplit(':', 1)[1]}"
    SHOTS.mkdir(exist_ok=True)
    with sync_playwright() as p:
        b = _browser(p)
        page = b.new_page(viewport={'width': 1100, 'height': 900})
        page.goto(server)
        page.get_by_text('Run the nine steps').wait_for(timeout=60_000)
        assert page.get_by_text('6. Train').is_visible()
        page.screenshot(path=str(SHOTS/'app-start.png'), full_page=True)
        page.get_by_text('Run the nine steps').click()
        # the real engine runs in the kernel: the first steps are ticked off in the page
        page.wait_for_function("document.body.innerText.split('✓').length > 3", timeout=90_000)
        page.screenshot(path=str(SHOTS/'app-running.png'), full_page=True)
        b.close()
