"The wizard (`vision-course app`, what `make app` serves) in a real browser: the whole path by Next, a stale step, a bad folder."
import re
import pytest
from test_app import _serve, _browser, _shot, _slider, _slide_to, _dropdown, _new_page


@pytest.fixture(scope='module')
def wizard_server():
    yield from _serve('wizard')


def _steplist(page):
    return page.locator('.vc-steplist')


def _wait_state(page, text, timeout=180_000):
    "Wait until the step list shows `text` (a mark and a step title, e.g. '✓ 3. Labels')."
    _steplist(page).get_by_role('button', name=text).wait_for(timeout=timeout)


def _next(page, expect_label, timeout=180_000):
    "Press Next once it is enabled (it is disabled while a step runs) and says `expect_label` (a regex): what it will do."
    page.wait_for_function("re => { const b = document.querySelector('button.vc-next');"
                           " return b && !b.disabled && new RegExp(re).test(b.innerText) }", arg=expect_label, timeout=timeout)
    page.locator('button.vc-next').click()


def _make_app(page):
    "The box under the last step makes an app of the model (into a folder the app may write to) and shows its size and speed."
    import shutil, tempfile
    from pathlib import Path
    box = page.locator('.vc-app-box')
    if not box.get_by_role('button', name='Make the app').is_visible(): box.get_by_text('Share it: make an app of your model').click()
    tmp = Path(__file__).resolve().parent.parent/'.test-tmp'  # inside the folder the server started in: an allowed root
    tmp.mkdir(exist_ok=True)
    folder = Path(tempfile.mkdtemp(dir=tmp))/'digits-app'
    try:
        box.locator('input[type=text]').first.fill(str(folder))
        box.locator('input[type=text]').first.press('Enter')
        box.get_by_role('button', name='Make the app').click()
        page.get_by_text(re.compile(r'The app is made: digits-app, [\d.]+ [KM]B')).wait_for(timeout=180_000)
        text = box.inner_text()
        assert re.search(r'one prediction, fastai\s+\d+ ms', text) and re.search(r'one prediction, ONNX\s+\d+ ms', text), text
        assert (folder/'export.pkl').exists() and (folder/'space'/'model.onnx').exists()
        _shot(page, 'wizard-app.png')
    finally: shutil.rmtree(folder.parent, ignore_errors=True)


def _open(browser, url):
    page = _new_page(browser, url, lambda p: p.locator('button.vc-next'))
    _steplist(page).wait_for(timeout=10_000)
    return page


def test_wizard_next_from_sample_to_finetuned_then_stale(wizard_server):
    "Next, again and again, from the sample to a fine-tuned model (small settings set on the way); then a stale step."
    from playwright.sync_api import sync_playwright
    with sync_playwright() as p:
        b = _browser(p)
        page = _open(b, wizard_server)
        body = page.inner_text('body')
        assert '○ 1. Import' in body and '· 5. Learner' in body and 'What can go wrong' in body
        _shot(page, 'wizard-start.png')
        _next(page, r'Run 1\. Import'); _wait_state(page, '✓ 1. Import')
        page.get_by_text('Import took').wait_for()
        _next(page, r'Next: 2\. Data source')
        _next(page, r'Run 2\. Data source'); _wait_state(page, '✓ 2. Data source')
        page.get_by_text('Using 1797 images').wait_for()
        _next(page, r'Next: 3\. Labels')
        _next(page, r'Run 3\. Labels'); _wait_state(page, '✓ 3. Labels')
        _next(page, r'Next: 4\. Data bunch')
        _dropdown(page, 'Image size').select_option('16')
        _next(page, r'Run 4\. Data bunch'); _wait_state(page, '✓ 4. Data bunch')
        page.get_by_text('A training batch, as the model sees it').wait_for()
        _next(page, r'Next: 5\. Learner')
        page.get_by_role('button', name='Random (from scratch)').click()
        _next(page, r'Run 5\. Learner'); _wait_state(page, '✓ 5. Learner')
        _next(page, r'Next: 6\. Train')
        _slide_to(page, 'Epochs', 1)  # 4 epochs down to 1
        _next(page, r'Run 6\. Train'); _wait_state(page, '✓ 6. Train', 300_000)
        page.get_by_text('The code for this step').wait_for()
        assert 'learn.fit_one_cycle(1' in page.inner_text('body')
        _next(page, r'Next: 7\. Interpret')
        _next(page, r'Run 7\. Interpret'); _wait_state(page, '✓ 8. Most confused')
        _next(page, r'Next: 8\. Most confused')
        _next(page, r'Next: 9\. Fine-tune')
        page.get_by_text('Finder settings').click()
        _slide_to(page, 'steps', 10)  # 100 finder steps down to 10
        _slide_to(page, 'Epochs', 1)  # 2 epochs down to 1
        _next(page, r'Run 9\. Fine-tune'); _wait_state(page, '✓ 9. Fine-tune', 300_000)
        # Next never says "all done" while a step is not: keeping stage 2 cleared step 7, and Next goes back to it
        page.locator('button.vc-next').filter(has_text=re.compile(r'All nine steps done|Next: 7\. Interpret')).wait_for()
        cleared = _steplist(page).get_by_role('button', name='↻ 7. Interpret').count() == 1
        assert page.locator('button.vc-next').inner_text().strip() == ('Next: 7. Interpret' if cleared else 'All nine steps done')
        page.get_by_text(re.compile(r'fit_one_cycle\(1, slice\(')).first.wait_for(timeout=30_000)  # step 9's code
        # the whole session as code, and a link that downloads it as a notebook
        page.get_by_text('Your code: everything you did, as code').click()
        link = page.locator('a.vc-download')
        link.wait_for()
        with page.expect_download() as dl:
            link.click()
        import json
        nb = json.loads(open(dl.value.path()).read())
        src = '\n'.join(''.join(c['source']) for c in nb['cells'])
        assert 'fit_one_cycle(1' in src and ('unfreeze' in src or 'freeze_to' in src)
        _shot(page, 'wizard-done.png')
        _make_app(page)
        # a stale step: step 4 again with another size; what was built on it is cleared, and the wizard says so
        _steplist(page).get_by_role('button', name='✓ 4. Data bunch').click()
        _dropdown(page, 'Image size').select_option('24')
        # the settings on screen are not those step 4 ran with: Next offers to run it again, not to go on
        page.locator('button.vc-next').filter(has_text='Run 4. Data bunch with these settings').wait_for(timeout=30_000)
        page.get_by_text('The settings above are not applied yet').first.wait_for()
        page.get_by_role('button', name='Build the DataLoaders').click()  # the step's own button runs it again
        _wait_state(page, '↻ 5. Learner')
        _wait_state(page, '· 6. Train')
        page.get_by_text('Cleared, to be run again: 5. Learner').wait_for(timeout=30_000)  # the notice comes in its own message
        _steplist(page).get_by_role('button', name='↻ 5. Learner').click()
        page.get_by_text('4. Data bunch ran again').wait_for()
        _shot(page, 'wizard-stale.png')
        b.close()


def test_wizard_bad_folder_fails_then_the_sample(wizard_server):
    "A folder that does not exist: step 2 fails with the reason on screen; one click goes back to the sample."
    from playwright.sync_api import sync_playwright
    with sync_playwright() as p:
        b = _browser(p)
        page = _open(b, wizard_server)
        _steplist(page).get_by_role('button', name='○ 2. Data source').click()
        page.get_by_role('button', name='Folder', exact=True).click()
        page.get_by_placeholder('~/pictures/my-classes').fill('/no/such/folder/here')
        page.get_by_placeholder('~/pictures/my-classes').press('Tab')
        _next(page, r'Run 2\. Data source')
        _wait_state(page, '✗ 2. Data source', 60_000)
        page.get_by_text('2. Data source failed').wait_for(timeout=30_000)  # the notice comes in its own message
        body = page.inner_text('body')
        assert '/no/such/folder/here' in body
        assert 'vision-course-app-' not in body  # the allowed folders name where the app was started, not its private folder
        _shot(page, 'wizard-failed.png')
        page.get_by_role('button', name='Use the bundled sample instead').click()
        _wait_state(page, '○ 2. Data source', 30_000)
        _next(page, r'Run 2\. Data source')
        _wait_state(page, '✓ 2. Data source', 60_000)
        b.close()


def test_wizard_double_click_quick_clicks_and_a_failed_rerun(wizard_server):
    """What three sources of state once did to a learner, now one: a double click on Next moves once; a step built with
    its own button, then Next and Run at once, runs (no false "still running"); back on step 3, a pattern that matches
    nothing shows as not applied, its run fails, and the steps built on the old labels are kept."""
    from playwright.sync_api import sync_playwright
    with sync_playwright() as p:
        b = _browser(p)
        page = _open(b, wizard_server)
        nxt = page.locator('button.vc-next')
        _next(page, r'Run 1\. Import'); _wait_state(page, '✓ 1. Import')
        page.wait_for_function("() => { const b = document.querySelector('button.vc-next');"
                               " return b && !b.disabled && /Next: 2/.test(b.innerText) }", timeout=30_000)
        nxt.dblclick()  # a double click on "Next: 2. Data source"
        page.get_by_text('About 2. Data source').wait_for()
        page.wait_for_timeout(2000)
        assert _steplist(page).get_by_role('button', name='○ 2. Data source').count() == 1, 'the second click ran step 2'
        assert 'Run 2. Data source' in nxt.inner_text()
        _next(page, r'Run 2\. Data source'); _wait_state(page, '✓ 2. Data source')
        _next(page, r'Next: 3\. Labels'); _next(page, r'Run 3\. Labels'); _wait_state(page, '✓ 3. Labels')
        _next(page, r'Next: 4\. Data bunch')
        _dropdown(page, 'Image size').select_option('16')
        page.get_by_role('button', name='Build the DataLoaders').click()  # the step's own button, then Next and Run at once
        _next(page, r'Next: 5\. Learner', 120_000)
        _next(page, r'Run 5\. Learner')
        page.wait_for_timeout(300)
        assert 'Another piece of work is still running' not in page.inner_text('body')
        _wait_state(page, '✓ 5. Learner', 120_000)
        # back on step 3: a pattern that matches nothing
        _steplist(page).get_by_role('button', name='✓ 3. Labels').click()
        page.get_by_role('button', name='Regex on the path').click()
        box = page.get_by_placeholder('/([^/]+)_\\d+.jpg$')
        box.fill('/nomatch_(\\d+)\\.png$'); box.press('Tab')
        page.get_by_text('0 of 1,797 files labelled').wait_for(timeout=30_000)
        page.get_by_text('The settings above are not applied yet').first.wait_for()
        nxt.filter(has_text='Run 3. Labels with these settings').wait_for()
        _shot(page, 'wizard-pending.png')
        page.get_by_role('button', name='Label the images').click()
        _wait_state(page, '✗ 3. Labels', 60_000)
        page.get_by_text('3. Labels failed').wait_for(timeout=30_000)
        for kept in ('✓ 4. Data bunch', '✓ 5. Learner'): _wait_state(page, kept, 10_000)  # nothing built on the old labels is lost
        body = page.inner_text('body')
        assert 'keeps the labels from before' in body and 'What it made before is kept' in body, body[-2000:]
        _shot(page, 'wizard-failed-rerun.png')
        b.close()
