"""What `vision-course app` shows to anyone but the learner's page: a second client on this machine asks the running server
for data images, repository files, other notebooks and the Jupyter API, and gets none of them. And a disabled button
clicked anyway (a widget message can do that) does nothing."""
import re, time, urllib.error, urllib.request
from pathlib import Path
import pytest
from test_app import ROOT, _browser, _open_with_sample, _serve


@pytest.fixture(scope='module')
def server():
    yield from _serve('data')


def _get(url, method='GET'):
    "Status and body of `url` (redirects followed, as a browser would)."
    req = urllib.request.Request(url, method=method, data=b'{}' if method != 'GET' else None)
    try:
        with urllib.request.urlopen(req, timeout=30) as r: return r.status, r.read()
    except urllib.error.HTTPError as e: return e.code, e.read()


def _image():
    from vision_course.sample import sample_path
    return next((sample_path()/'digits'/'train'/'3').glob('*.png'))


def _probes():
    "(name, method, path, secrets): `secrets` are byte strings the answer must not contain."
    img = _image()
    rel = str(img).lstrip('/')
    png = [img.read_bytes(), b'\x89PNG']
    up = '../' * 12
    enc = '%2e%2e/' * 12
    slash = '..%2f' * 12
    pyproject = [b'[tool.nbdev]', b'[project]']
    passwd = [b'root:']
    notebook = [b'"cell_type"', b'<title>train', b'<title>finetune', b'<title>wizard']
    api = [b'"execution_state"', b'"kernelspecs"', b'"last_modified"', b'"kernel"', b'"name"', b'"id"']
    repo = str(ROOT).lstrip('/')
    return [
        ('image, absolute path', 'GET', f'/voila/files/{img}', png),
        ('image, path from /', 'GET', f'/voila/files/{rel}', png),
        ('image, /files/', 'GET', f'/files/{img}', png),
        ('image, ..', 'GET', f'/voila/files/{up}{rel}', png),
        ('image, %2e%2e', 'GET', f'/voila/files/{enc}{rel}', png),
        ('image, ..%2f', 'GET', f'/voila/files/{slash}{rel.replace("/", "%2f")}', png),
        ('image, static ..', 'GET', f'/voila/static/{up}{rel}', png),
        ('pyproject.toml', 'GET', '/pyproject.toml', pyproject),
        ('pyproject.toml, ..', 'GET', f'/voila/files/{up}{repo}/pyproject.toml', pyproject),
        ('pyproject.toml, %2e%2e', 'GET', f'/voila/files/{enc}{repo}/pyproject.toml', pyproject),
        ('pyproject.toml, ../ from apps', 'GET', '/voila/files/../pyproject.toml', pyproject),
        ('/etc/passwd, ..', 'GET', f'/voila/files/{up}etc/passwd', passwd),
        ('/etc/passwd, %2e%2e', 'GET', f'/voila/files/{enc}etc/passwd', passwd),
        ('/etc/passwd, ..%2f', 'GET', f'/voila/files/{slash}etc%2fpasswd', passwd),
        ('/etc/passwd, / ..', 'GET', f'/{up}etc/passwd', passwd),
        ('/etc/passwd, static ..', 'GET', f'/voila/static/{up}etc/passwd', passwd),
        ('/etc/passwd, static %2e%2e', 'GET', f'/voila/static/{enc}etc/passwd', passwd),
        ('/etc/passwd, templates ..', 'GET', f'/voila/templates/lab/static/{up}etc/passwd', passwd),
        ('/etc/passwd, labextensions ..', 'GET', f'/voila/labextensions/{up}etc/passwd', passwd),
        ('/etc/passwd, themes ..', 'GET', f'/voila/api/themes/{up}etc/passwd', passwd),
        ('other app, render', 'GET', '/voila/render/train.ipynb', notebook),
        ('other app, render ..', 'GET', '/voila/render/../apps/finetune.ipynb', notebook),
        ('other app, notebooks', 'GET', '/notebooks/train.ipynb', notebook),
        ('other app, files', 'GET', '/voila/files/train.ipynb', notebook),
        ('other app, path', 'GET', '/train.ipynb', notebook),
        ('other app, wizard', 'GET', '/wizard.ipynb', notebook),
        ('this app, raw', 'GET', '/voila/files/data.ipynb', [b'"cell_type"']),
        ('voila tree', 'GET', '/voila/tree', [b'train.ipynb', b'data.ipynb']),
        ('tree', 'GET', '/tree', [b'train.ipynb', b'data.ipynb']),
        ('voila contents', 'GET', '/voila/api/contents', api),
        ('files listing', 'GET', '/voila/files/', [b'data.ipynb', b'<a href']),
        *[(f'api {a}', 'GET', f'/api/{a}', api) for a in ('kernels', 'contents', 'sessions', 'kernelspecs', 'terminals')],
        ('api contents of apps', 'GET', '/api/contents/apps', api),
        ('api start kernel', 'POST', '/api/kernels', api),
        ('api start session', 'POST', '/api/sessions', api),
        ('api start terminal', 'POST', '/api/terminals', api),
        ('api kernel by made-up id', 'GET', '/api/kernels/00000000-0000-0000-0000-000000000000', [b'"execution_state"']),
    ]


PROBES = _probes()


def test_the_app_itself_is_served(server):
    "The control: the page is there, so the refusals below are the configuration's, not a dead server's."
    status, body = _get(server + '/')
    assert status == 200 and b'<title>data</title>' in body


def test_foreign_host_name_refused(server):
    "A request naming another host (as a web page does through DNS rebinding) is refused; the local names still work."
    for host, ok in (('rebind.example', False), ('127.0.0.1', True), ('localhost', True)):
        req = urllib.request.Request(server + '/', headers={'Host': f"{host}:{server.rsplit(':', 1)[1]}"})
        try:
            with urllib.request.urlopen(req, timeout=30) as r: status, body = r.status, r.read()
        except urllib.error.HTTPError as e: status, body = e.code, e.read()
        assert (status == 200 and b'<title>data</title>' in body) == ok, (host, status)


@pytest.mark.parametrize('name,method,path,secrets', PROBES, ids=[p[0] for p in PROBES])
def test_second_client_reads_nothing(server, name, method, path, secrets):
    status, body = _get(server + path, method)
    leaked = [s[:20] for s in secrets if s in body]
    assert status >= 400 and not leaked, f'{method} {path}: {status}, {leaked}, {body[:200]!r}'


class _Hooked:
    "A browser whose new pages record the frames they send on their websockets (before the first page load)."
    def __init__(self, browser): self.browser, self.sent = browser, []
    def new_page(self, **kwargs):
        page = self.browser.new_page(**kwargs)
        page.on('websocket', lambda ws: ws.on('framesent', lambda payload: self.sent.append(payload)))
        return page


def test_disabled_build_button_clicked_anyway(server):
    """Before the labels step, 'Build the DataLoaders' is disabled; with the attribute removed in the page and a real click,
    the kernel gets the click message, and the panel's handler, checking the state itself, does nothing."""
    from playwright.sync_api import sync_playwright
    with sync_playwright() as p:
        b = _browser(p)
        hooked = _Hooked(b)
        page = _open_with_sample(hooked, server)
        page.get_by_text('1,797 of 1,797 files labelled').wait_for(timeout=30_000)
        strip = page.locator('.widget-html').filter(has_text='2. Data source').filter(has_text='4. Data bunch')
        before = strip.inner_text()
        assert '○ 3. Labels' in before and '· 4. Data bunch' in before, before
        status = page.locator('span', has_text='Label the images first (step 3).').filter(visible=True)
        colour = status.get_attribute('style')
        build = page.get_by_role('button', name='Build the DataLoaders')
        assert build.is_disabled()
        build.evaluate("b => b.removeAttribute('disabled')")
        assert build.is_enabled()
        clicks = lambda: sum('"event":"click"' in (f if isinstance(f, str) else f.decode('utf-8', 'replace')) for f in hooked.sent)
        n = clicks()
        build.click()
        page.wait_for_function('() => true')  # let the page's handlers run
        for _ in range(50):
            if clicks() > n: break
            page.wait_for_timeout(100)
        assert clicks() == n + 1, 'the click never reached the websocket'
        # a later message on the same websocket; once its answer is here, the kernel has handled the click before it
        page.get_by_role('button', name='Regex on the path').click()
        table = page.locator('table').filter(has_text='label, or why it has none').filter(visible=True).first
        table.get_by_text('.png').first.wait_for(timeout=30_000)
        page.wait_for_timeout(1000)
        body = page.inner_text('body')
        for text in ('DataLoaders ready', 'Building the DataLoaders', 'Something went wrong', 'A training batch'):
            assert text not in body, text
        assert strip.inner_text() == before
        assert status.get_attribute('style') == colour == 'color:#444'  # the same words in red would be the step-order error
        b.close()


def test_closing_the_page_frees_its_kernel(server):
    "Closing (or reloading) the page shuts its kernel down at once, rather than leaving it for the culler."
    from playwright.sync_api import sync_playwright
    with sync_playwright() as p:
        b = _browser(p)
        ctx = b.new_context()  # a page of its own context would take the context down with it, and its request too
        page = ctx.new_page()
        page.goto(server)
        page.get_by_role('button', name='Use this source').wait_for(timeout=60_000)
        kid = page.evaluate("JSON.parse(document.getElementById('jupyter-config-data').textContent).kernelId")
        assert re.fullmatch(r'[0-9a-f-]{36}', kid), kid
        assert _get(f'{server}/api/kernels/{kid}')[0] == 200
        page.close(run_before_unload=True)  # as a browser does when the tab is closed
        for _ in range(100):
            if _get(f'{server}/api/kernels/{kid}')[0] == 404: break
            time.sleep(0.2)
        assert _get(f'{server}/api/kernels/{kid}')[0] == 404, 'the kernel is still running'
        ctx.close(); b.close()
