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
        page.get_by_role('button', name='All nine steps done').wait_for()
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
        # a stale step: step 4 again with another size; what was built on it is cleared, and the wizard says so
        _steplist(page).get_by_role('button', name='✓ 4. Data bunch').click()
        _dropdown(page, 'Image size').select_option('24')
        assert 'Next: 5. Learner' in page.locator('button.vc-next').inner_text()  # done: Next moves on
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
