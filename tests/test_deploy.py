"""From model to app, for real: a folder made by `Course.make_app` from a fresh course, outside the repository; its Voila
app served by `vision-course app FOLDER` and used in Chromium; its Gradio app started on 127.0.0.1 by a Python that has
only the Space's `requirements.txt` installed (no torch, no fastai), and asked through Gradio's own client."""
import hashlib, json, os, re, shutil, subprocess, sys, tempfile, urllib.error, urllib.request, venv
from pathlib import Path
import pytest
from test_app import _browser, _free_port, _answers, start_server, stop_server, wait_painted, _shot, _upload, _dropdown, SHOTS

ROOT = Path(__file__).resolve().parent.parent
SPACE_ENV = ROOT/'.venv-space'  # kept between runs, made again when the Space's requirements change


@pytest.fixture(scope='module')
def made():
    "An app folder made from a fresh Course (sample digits, glyphnet, one epoch) in a temporary folder outside the checkout."
    from vision_course.course import Course
    outside = Path(tempfile.mkdtemp(prefix='vc-made-app-', dir='/tmp' if Path('/tmp').is_dir() else None))
    assert not outside.resolve().is_relative_to(ROOT), outside
    c = Course(outside/'run')
    c.source('sample'); c.labels(); c.data(size=28, bs=64); c.learner('glyphnet', pretrained=True); c.train(1, 1e-2)
    m = c.make_app(outside/'digits-app', title='Digits', samples=4)
    yield m
    shutil.rmtree(outside, ignore_errors=True)


def test_made_app_in_voila(made, tmp_path):
    "`vision-course app FOLDER`: a sample and an uploaded photo answered with the class, bars and the three most likely; no file served."
    from playwright.sync_api import sync_playwright
    from PIL import Image
    from vision_course.deploy import load_export
    from vision_course.interpret import predict
    learn, _ = load_export(made.folder)
    photo = tmp_path/'my digit.png'
    Image.open(sorted((made.folder/'samples').iterdir())[-1]).resize((64, 64)).save(photo)
    log = tmp_path/'made-app.log'
    proc, url = start_server([Path(sys.executable).parent/'vision-course', 'app', made.folder, '--no-browser', '--port', _free_port()],
                             log, cwd=tmp_path)
    try:
        assert _answers(url, proc), 'the app did not answer within 60 s: ' + log.read_text()[-3000:]
        with pytest.raises(urllib.error.HTTPError):  # the folder's files are not served, the model least of all
            urllib.request.urlopen(url + 'voila/files/export.pkl', timeout=10)
        with sync_playwright() as p:
            b = _browser(p)
            page = b.new_page(viewport={'width': 1100, 'height': 900})
            page.goto(url)
            wait_painted(page, 'text=Upload a photo, or choose a sample', log)
            sample = sorted((made.folder/'samples').iterdir())[0]
            _dropdown(page, 'or a sample').select_option(label=sample.name)
            page.get_by_text(re.compile(rf'{re.escape(sample.name)}: answered in \d+ ms')).wait_for(timeout=60_000)
            want = predict(learn, sample)
            assert f"This looks like {want['predicted']}" in page.inner_text('.vc-answer')
            assert len(page.locator('ol li').filter(visible=True).all()) == 3
            assert page.locator('img.vc-bars').get_attribute('src')  # the bars are drawn
            _upload(page, 'Upload a photo', photo)
            page.get_by_text(re.compile(r'my digit\.png: answered in \d+ ms')).wait_for(timeout=60_000)
            from vision_course.data import load_rgb
            assert f"This looks like {predict(learn, load_rgb(photo))['predicted']}" in page.inner_text('.vc-answer')
            SHOTS.mkdir(exist_ok=True)
            _shot(page, 'made-app.png')
            b.close()
    finally: stop_server(proc)


@pytest.fixture(scope='module')
def space_python(made):
    "A Python with only the Space's requirements (onnxruntime, numpy, Pillow, Gradio) from the package index."
    req = (made.folder/'space'/'requirements.txt').read_text()
    stamp = SPACE_ENV/f".installed-{hashlib.sha1(req.encode()).hexdigest()[:12]}"
    py = SPACE_ENV/'bin'/'python'
    if not stamp.exists():
        shutil.rmtree(SPACE_ENV, ignore_errors=True)
        venv.create(SPACE_ENV, with_pip=True)
        r = subprocess.run([str(py), '-m', 'pip', 'install', '--quiet', '-r', str(made.folder/'space'/'requirements.txt')],
                           capture_output=True, text=True, timeout=900)
        assert r.returncode == 0, "pip could not install the Space's requirements (it needs the package index):\n" + r.stderr[-3000:]
        stamp.touch()
    return py


def test_made_space_answers_through_gradio_client(made, space_python, tmp_path):
    "The Gradio app of `space/`, started as a Space starts it, answers a prediction through gradio_client as PyTorch does."
    from vision_course.deploy import load_export
    from vision_course.interpret import predict
    space, port = made.folder/'space', _free_port()
    r = subprocess.run([str(space_python), '-c', 'import importlib.util as u; print([m for m in ("torch", "fastai", "vision_course") if u.find_spec(m)])'],
                       capture_output=True, text=True, check=True, cwd=space)
    assert r.stdout.strip() == '[]', r.stdout  # nothing of the training side
    env = {**os.environ, 'GRADIO_SERVER_NAME': '127.0.0.1', 'GRADIO_SERVER_PORT': str(port), 'GRADIO_ANALYTICS_ENABLED': 'False',
           'HF_HUB_OFFLINE': '1', 'PYTHONPATH': ''}
    log = tmp_path/'space.log'
    out = open(log, 'w')
    proc = subprocess.Popen([str(space_python), 'app.py'], cwd=space, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    out.close()
    url = f'http://127.0.0.1:{port}/'
    try:
        assert _answers(url, proc, timeout=120), 'the Gradio app did not answer within 120 s: ' + log.read_text()[-3000:]
        sample = sorted((space/'samples').iterdir())[0]
        client = ("import json, sys; from gradio_client import Client, handle_file\n"
                  f"r = Client({url!r}, verbose=False).predict(handle_file({str(sample)!r}), api_name='/predict')\n"
                  "print(json.dumps(r))")
        r = subprocess.run([str(space_python), '-c', client], capture_output=True, text=True, timeout=120, env=env, cwd=space)
        assert r.returncode == 0, r.stderr[-3000:] + log.read_text()[-2000:]
        got = json.loads(r.stdout.strip().splitlines()[-1])
    finally: stop_server(proc)
    learn, _ = load_export(made.folder)
    want = predict(learn, sample)
    assert got['label'] == want['predicted'], (got, want)
    conf = {c['label']: c['confidence'] for c in got['confidences']}
    assert len(conf) == min(3, len(want['top']))
    for c, p in want['top'][:3]: assert abs(conf[c] - p) < 1e-4, (c, conf[c], p)
