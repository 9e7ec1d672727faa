"The study app (`vision-course app study`) in a real browser: a short flashcard session by keyboard and mouse, the summary, the look-up; a session ended by choosing another deck."
import json, re
import pytest
from test_app import _serve, _browser, _shot, _new_page, _dropdown


@pytest.fixture
def study_server(tmp_path, monkeypatch):
    monkeypatch.setenv('VISION_COURSE_STUDY', str(tmp_path/'study'))  # the kernel's progress goes here, not to the learner's
    yield from _serve('study')


def _start_session(page, deck:str, n:int):
    "Choose `deck`, ask for `n` new cards and press Start; wait until the session says how many cards are to go."
    _dropdown(page, 'Deck').select_option(label=deck)
    page.get_by_text(re.compile(r'^\d+ cards: 0 due, \d+ new$')).wait_for(timeout=30_000)
    new = page.locator('.widget-text', has=page.locator('label', has_text='New cards')).locator('input')
    new.fill(str(n)); new.press('Tab')
    page.wait_for_timeout(300)
    page.get_by_role('button', name='Start').click()
    page.get_by_text(f'{n} cards to go.').wait_for(timeout=30_000)


def test_study_app_session_by_keys_and_buttons_then_lookup(study_server, tmp_path):
    "Two new cards of the course deck: one shown and graded with the keys, one forgotten with the buttons and seen again; the summary; then the look-up finds a misspelt name."
    from playwright.sync_api import sync_playwright
    with sync_playwright() as p:
        b = _browser(p)
        page = _new_page(b, study_server, lambda p: p.get_by_role('button', name='Start'))
        _start_session(page, 'course', 2)
        front = page.locator('.vc-card-front')
        first = front.inner_text()
        # the keys box has the focus: Space shows the answer, 3 grades it "good"
        page.keyboard.press('Space')
        page.locator('.vc-card-back').wait_for(timeout=30_000)
        _shot(page, 'study-answer.png')
        page.keyboard.press('3')
        page.get_by_text('1 card to go.').wait_for(timeout=30_000)
        assert front.inner_text() != first and page.locator('.vc-card-back').count() == 0
        # the buttons: show, forget ("Again" says when it comes back), then the card is dealt again
        page.get_by_role('button', name='Show the answer').click()
        page.get_by_role('button', name=re.compile(r'^Again · 10 minutes$')).click()
        page.get_by_text('1 card to go.').wait_for(timeout=30_000)
        page.get_by_role('button', name='Show the answer').click()
        page.get_by_role('button', name=re.compile(r'^Easy · ')).click()
        page.get_by_text(re.compile(r'3 cards reviewed: 1 again, 0 hard, 1 good, 1 easy')).wait_for(timeout=30_000)
        assert re.search(r'box 1\s+1\s', page.inner_text('.vc-study')), page.inner_text('.vc-study')  # the card graded good
        _shot(page, 'study-summary.png')
        saved = json.loads((tmp_path/'study'/'progress.json').read_text())
        assert len(saved['cards']) == 2 and len(saved['sessions']) == 1, saved
        # the look-up: a misspelt name still finds fit_one_cycle, with its signature
        page.get_by_role('tab', name='Look it up').click()
        q = page.locator('.vc-lookup input')
        q.fill('fit_one_cyle'); q.press('Enter')
        page.get_by_text(re.compile(r"\d+ match(es)? for 'fit_one_cyle'")).wait_for(timeout=120_000)
        assert 'fit_one_cycle' in page.inner_text('.vc-lookup') and 'lr_max' in page.inner_text('.vc-lookup')
        # code in monospace, text at an easy line height (the widgets' own HTML sets a fixed 28 px one)
        look = page.evaluate(_LOOKS, ['.vc-lookup .vc-doc', 'div + div'])  # the documentation's paragraph
        assert 'monospace' in look['pre'] and 'monospace' in look['code'] and 1.3 <= look['line'] <= 1.6, look
        _shot(page, 'study-lookup.png')
        # what a learner means first: the class, today's name, then the lesson's constructors
        q.fill('ImageDataBunch'); q.press('Enter')
        page.get_by_text(re.compile(r"\d+ match(es)? for 'ImageDataBunch'")).wait_for(timeout=120_000)
        heads = page.locator('.vc-lookup .vc-doc > div:first-child b').all_inner_texts()
        _shot(page, 'study-lookup-imagedatabunch.png')
        assert heads[:4] == ['ImageDataBunch', 'ImageDataLoaders', 'ImageDataBunch.from_folder', 'ImageDataBunch.from_name_re'], heads
        b.close()


_LOOKS = """([sel, para]) => {
    const box = document.querySelector(sel), cs = e => e ? getComputedStyle(e) : null, p = para ? box.querySelector(para) : box;
    const lh = cs(p), code = cs(box.querySelector('code')), pre = cs(box.querySelector('pre'));
    return {code: code && code.fontFamily, pre: pre && pre.fontFamily, line: parseFloat(lh.lineHeight) / parseFloat(lh.fontSize)};
}"""


def test_study_app_switching_deck_ends_the_session_with_its_summary(study_server, tmp_path):
    "A session of three new cards, one graded, then another deck chosen: the summary of the session that ended, its log saved; code on the cards in monospace."
    from playwright.sync_api import sync_playwright
    with sync_playwright() as p:
        b = _browser(p)
        page = _new_page(b, study_server, lambda p: p.get_by_role('button', name='Start'))
        _start_session(page, 'v1_to_v2', 3)
        look = page.evaluate(_LOOKS, ['.vc-card-front', None])  # the deck's first card asks about `from fastai.vision import *`
        assert 'monospace' in look['code'] and 1.3 <= look['line'] <= 1.6, look
        page.keyboard.press('Space')
        page.locator('.vc-card-back').wait_for(timeout=30_000)
        page.keyboard.press('3')
        page.get_by_text('2 cards to go.').wait_for(timeout=30_000)
        _dropdown(page, 'Deck').select_option(label='course')
        summary = page.locator('.vc-study-summary')
        summary.wait_for(timeout=30_000)
        assert summary.inner_text().startswith('Session ended: you chose another deck. 1 card reviewed: 0 again, 0 hard, 1 good, 0 easy. 2 left for later.'), summary.inner_text()
        page.get_by_text('Your grades are saved').wait_for(timeout=30_000)
        assert page.locator('.vc-card-front').count() == 0 and page.get_by_role('button', name='Show the answer').is_disabled()
        _shot(page, 'study-switch.png')
        saved = json.loads((tmp_path/'study'/'progress.json').read_text())
        assert len(saved['cards']) == 1 and len(saved['sessions']) == 1 and saved['sessions'][0]['left'] == 2, saved
        b.close()
