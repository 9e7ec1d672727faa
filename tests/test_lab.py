"""The panels in a real JupyterLab (what `make lab` opens), in Chromium: the start notebook's wizard works there, and a
lesson notebook's first cells run."""
import os, re, secrets, signal, subprocess, sys, time
from pathlib import Path
import pytest
from test_app import _browser, _free_port, _answers, stop_server, SHOTS


@pytest.fixture(scope='module')
def lab(tmp_path_factory):
    "JupyterLab on 127.0.0.1 over a folder that `vision-course lessons` filled: (base URL, token, folder)."
    from vision_course.cli import copy_lessons
    root = tmp_path_factory.mktemp('lab')
    copy_lessons(root)
    port, token = _free_port(), secrets.token_hex(16)
    settings = root/'.lab-settings'/'@jupyterlab'/'apputils-extension'
    settings.mkdir(parents=True)
    (settings/'notification.jupyterlab-settings').write_text('{"fetchNews": "false", "checkForUpdates": false}')  # no news prompt
    env = {**os.environ, 'JUPYTER_CONFIG_DIR': str(root/'.jupyter-config'), 'JUPYTER_RUNTIME_DIR': str(root/'.jupyter-runtime'),
           'JUPYTERLAB_SETTINGS_DIR': str(root/'.lab-settings'), 'JUPYTERLAB_WORKSPACES_DIR': str(root/'.lab-workspaces')}
    log = root/'.lab-server.log'
    proc = subprocess.Popen([sys.executable, '-m', 'jupyterlab', '--no-browser', f'--port={port}', '--ServerApp.ip=127.0.0.1',
                             '--ServerApp.port_retries=0', f'--IdentityProvider.token={token}', f'--ServerApp.root_dir={root}',
                             '--LabApp.news_url=None', '--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate',
                             '--LabApp.extension_manager=readonly'] + (['--allow-root'] if os.geteuid() == 0 else []),
                            cwd=root, env=env, stdout=log.open('w'), stderr=subprocess.STDOUT, text=True, start_new_session=True)
    url = f'http://127.0.0.1:{port}'
    if not _answers(f'{url}/api/status?token={token}', proc, timeout=90):
        proc.kill(); pytest.fail('JupyterLab did not answer within 90 s: ' + log.read_text()[-2000:])
    try: yield url, token, root
    finally: stop_server(proc, 20)


def _open(page, url, token, name):
    "Open notebook `name` in JupyterLab and wait until its kernel is idle."
    page.goto(f'{url}/lab/tree/{name}?reset&token={token}')  # reset: no tabs from an earlier page's workspace
    _nb(page).locator('.jp-Cell').first.wait_for(timeout=90_000)
    page.locator('.jp-Notebook-ExecutionIndicator[data-status="idle"]').first.wait_for(timeout=90_000)


def _nb(page):
    "The notebook on screen (JupyterLab keeps other open tabs in the page, hidden)."
    return page.locator('.jp-Notebook').filter(visible=True).first


def _run_code_cells(page, n, timeout=180):
    """Run the first `n` code cells one by one with Shift+Enter, as a learner would, each until its prompt shows its
    number (a press before the kernel is connected does nothing, so it is pressed again)."""
    cells = _nb(page).locator('.jp-CodeCell')
    for i in range(n):
        cell, deadline = cells.nth(i), time.time() + timeout
        while time.time() < deadline:
            prompt = cell.locator('.jp-InputPrompt').inner_text()
            if re.search(r'\[\d+\]', prompt): break
            if '*' not in prompt:
                cell.locator('.jp-InputPrompt').click(); page.keyboard.press('Escape'); page.keyboard.press('Shift+Enter')
            page.wait_for_timeout(1000)
        else: raise AssertionError(f'code cell {i + 1} did not run within {timeout} s')


def test_start_notebook_wizard_in_jupyterlab(lab):
    from playwright.sync_api import sync_playwright
    url, token, root = lab
    SHOTS.mkdir(exist_ok=True)
    with sync_playwright() as p:
        b = _browser(p)
        page = b.new_page(viewport={'width': 1400, 'height': 1000})
        _open(page, url, token, 'start.ipynb')
        _run_code_cells(page, 2)  # the install guard (nothing to do here), then the wizard; the other two cells at the end
        steps = page.locator('.vc-steplist')
        try: steps.wait_for(timeout=120_000)
        except Exception: page.screenshot(path=str(SHOTS/'lab-failed.png')); raise
        assert '1. Import' in steps.inner_text()
        page.wait_for_function("() => { const b = document.querySelector('button.vc-next'); return b && !b.disabled && /Run 1\\. Import/.test(b.innerText) }",
                               timeout=60_000)
        page.locator('button.vc-next').click()  # Next: it runs step 1 with the settings shown
        steps.get_by_role('button', name='✓ 1. Import').wait_for(timeout=120_000)
        page.wait_for_function("() => /Next: 2\\. Data source/.test(document.querySelector('button.vc-next').innerText)", timeout=60_000)
        page.screenshot(path=str(SHOTS/'lab-start-wizard.png'))
        _run_code_cells(page, 4)  # the step panels and the study app: every cell of the start (and Colab) notebook runs
        page.get_by_role('button', name='Use this source').first.wait_for(timeout=60_000)
        page.locator('.jp-Notebook-ExecutionIndicator[data-status="idle"]').first.wait_for(timeout=120_000)
        errors = page.locator('.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]').all_inner_texts()
        assert not any('Error' in e for e in errors), errors
        b.close()


def test_lesson_notebook_first_cells_in_jupyterlab(lab):
    from playwright.sync_api import sync_playwright
    url, token, root = lab
    with sync_playwright() as p:
        b = _browser(p)
        page = b.new_page(viewport={'width': 1400, 'height': 1000})
        _open(page, url, token, 'lesson1.ipynb')
        cells, n_code = _nb(page).locator('.jp-CodeCell'), 3
        _run_code_cells(page, n_code)  # the install guard, the imports, the data path
        page.locator('.jp-Notebook-ExecutionIndicator[data-status="idle"]').first.wait_for(timeout=180_000)
        for i in range(n_code):
            assert re.search(r'\[\d+\]', cells.nth(i).locator('.jp-InputPrompt').inner_text()), f'code cell {i + 1} did not run'
        errs = _nb(page).locator('.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.error"]')
        assert errs.count() == 0, errs.all_inner_texts()
        page.screenshot(path=str(SHOTS/'lab-lesson1.png'))
        b.close()


def test_cleaner_in_jupyterlab(lab):
    "v1's cleaner (`tests/data/cleaner.ipynb`), which v1 itself could not show in JupyterLab: both cleaners used in the page."
    import shutil
    from playwright.sync_api import sync_playwright
    from test_cleaner import NB, cleaner_data, clean_in_page
    url, token, root = lab
    shutil.copy(NB, root/'cleaner.ipynb')
    folder = cleaner_data(root/'cleaner-data')  # the notebook's folder when $CLEANER_DATA is not set
    with sync_playwright() as p:
        b = _browser(p)
        page = b.new_page(viewport={'width': 1400, 'height': 1000})
        _open(page, url, token, 'cleaner.ipynb')
        _run_code_cells(page, 2, timeout=300)
        clean_in_page(page, folder, 'cleaner-lab.png')
        b.close()
