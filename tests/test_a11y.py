"""Keyboard and screen readers in the wizard: the nine steps by keyboard alone (Tab, Shift+Tab, Enter, Space, arrows)
and the code blocks' Copy button. axe-core's check of every step runs in tests/test_screens.py, in the same walk that
looks at every step (one walk of the nine steps instead of two).

axe-core comes from npm (`make test` installs it into `.venv/npm`; see the Makefile's `axe` target)."""
import re
from pathlib import Path
import pytest
from test_app import _serve, _browser, _shot, SHOTS
from test_wizard import _wait_state, _steplist

AXE = Path(__file__).resolve().parent.parent/'.venv'/'npm'/'node_modules'/'axe-core'/'axe.min.js'


@pytest.fixture(scope='module')
def wizard_server():
    yield from _serve('wizard')


# ---- keyboard helpers: the page is driven by page.keyboard alone, never by a click, .click() or fill()

_FOCUSED = """() => { const e = document.activeElement;
  if (!e || e === document.body || e === document.documentElement) return null;
  return {tag: e.tagName, text: (e.innerText || e.value || '').trim(), name: e.getAttribute('aria-label') || '',
          cls: typeof e.className === 'string' ? e.className : '', role: e.getAttribute('role') || '', disabled: !!e.disabled,
          outline: getComputedStyle(e).outlineStyle + ' ' + getComputedStyle(e).outlineWidth + ' ' + getComputedStyle(e).outlineColor} }"""


def _tab_to(page, want, what, limit=150, back=False):
    "Press Tab (Shift+Tab if `back`) until the focused element's description passes `want`; fail with what was focused on the way."
    seen = []
    for _ in range(limit):
        page.keyboard.press('Shift+Tab' if back else 'Tab')
        f = page.evaluate(_FOCUSED)
        if f and want(f): return f
        seen.append(f and f"{f['tag']} {f['role']} {(f['text'] or f['name'])[:30]!r}")
    raise AssertionError(f"{what} was not reached in {limit} presses of {'Shift+' if back else ''}Tab; the focus went "
                         f"through: {seen}")


def _key_next(page, label, key='Enter', timeout=180_000):
    "Wait until Next is enabled and says `label` (a regex), Tab to it, and press `key`."
    page.wait_for_function("re => { const b = document.querySelector('button.vc-next');"
                           " return b && !b.disabled && new RegExp(re).test(b.innerText) }", arg=label, timeout=timeout)
    f = _tab_to(page, lambda f: 'vc-next' in f['cls'] and not f['disabled'] and re.search(label, f['text']), f'Next ({label})')
    assert f['outline'].startswith('solid 2px'), f"the focused Next button shows no focus outline: {f['outline']}"
    page.keyboard.press(key)
    try:  # the press was heard: Next changes (it runs the step, or moves on)
        page.wait_for_function("([re, was]) => { const b = document.querySelector('button.vc-next');"
                               " return !b || b.disabled || b.innerText !== was }", arg=[label, f['text']], timeout=20_000)
    except Exception:
        _shot(page, 'a11y-keyboard-failed.png')
        raise AssertionError(f"{key} on Next ({f['text']!r}) changed nothing; the page says: "
                             + page.inner_text('body')[-1500:])


def _key_button(page, text, key='Space'):
    "Tab to the enabled button that says `text` and press it with `key`."
    _tab_to(page, lambda f: (f['tag'] == 'BUTTON' or f['role'] == 'button') and not f['disabled'] and f['text'] == text,
            f'the button {text!r}')
    page.keyboard.press(key)


def _key_slide(page, label, value, limit=60):
    "Tab to the slider named `label` (its handle's accessible name) and move it by arrow keys until its readout says `value`."
    _tab_to(page, lambda f: f['role'] == 'slider' and f['name'] == label, f'the slider {label!r}')
    readout = "() => document.activeElement.closest('.widget-slider').querySelector('.widget-readout').innerText.trim()"
    for _ in range(limit):
        now = page.evaluate(readout)
        if now == str(value): return
        page.keyboard.press('ArrowLeft' if float(now) > value else 'ArrowRight')
        page.wait_for_timeout(50)
    raise AssertionError(f"the slider {label!r} stays at {now}, not {value}")


def _key_select(page, label, value, limit=20):
    "Tab to the dropdown named `label` and move its choice by arrow keys until it shows `value`."
    _tab_to(page, lambda f: f['tag'] == 'SELECT' and f['name'] == label, f'the dropdown {label!r}')
    shown = "() => document.activeElement.selectedOptions[0].text"
    for _ in range(limit):
        now = page.evaluate(shown)
        if now == str(value): return
        page.keyboard.press('ArrowUp' if float(now) > float(value) else 'ArrowDown')
        page.wait_for_timeout(50)
    raise AssertionError(f"the dropdown {label!r} stays at {now}, not {value}")


def _open_clip(browser, url):
    "The wizard in a page that may read and write the clipboard (for the Copy buttons)."
    SHOTS.mkdir(exist_ok=True)
    ctx = browser.new_context(viewport={'width': 1100, 'height': 1000}, permissions=['clipboard-read', 'clipboard-write'])
    page = ctx.new_page()
    page.goto(url)
    try: page.locator('button.vc-next').wait_for(timeout=90_000)
    except Exception:  # a page that did not paint is reloaded once, as test_app.wait_painted does
        page.reload()
        page.locator('button.vc-next').wait_for(timeout=90_000)
    _steplist(page).wait_for(timeout=10_000)
    page.wait_for_timeout(500)
    return page


def test_wizard_by_keyboard_alone(wizard_server):
    "test_wizard's whole path (small settings set on the way), by Tab, Shift+Tab, Enter, Space and the arrow keys alone."
    from playwright.sync_api import sync_playwright
    with sync_playwright() as p:
        b = _browser(p)
        page = _open_clip(b, wizard_server)
        _key_next(page, r'Run 1\. Import'); _wait_state(page, '✓ 1. Import')
        page.get_by_text('Import took').wait_for()
        _key_next(page, r'Next: 2\. Data source', 'Space')
        _key_next(page, r'Run 2\. Data source'); _wait_state(page, '✓ 2. Data source')
        page.get_by_text('Using 1797 images').wait_for()
        _key_next(page, r'Next: 3\. Labels')
        _key_next(page, r'Run 3\. Labels', 'Space'); _wait_state(page, '✓ 3. Labels')
        _key_next(page, r'Next: 4\. Data bunch')
        _key_select(page, 'Image size', 16)
        _key_next(page, r'Run 4\. Data bunch'); _wait_state(page, '✓ 4. Data bunch')
        page.get_by_text('A training batch, as the model sees it').wait_for()
        _key_next(page, r'Next: 5\. Learner')
        _key_button(page, 'Random (from scratch)')
        _key_next(page, r'Run 5\. Learner'); _wait_state(page, '✓ 5. Learner')
        _key_next(page, r'Next: 6\. Train')
        _key_slide(page, 'Epochs', 1)
        _key_next(page, r'Run 6\. Train'); _wait_state(page, '✓ 6. Train', 300_000)
        page.get_by_text('The code for this step').wait_for()
        assert 'learn.fit_one_cycle(1' in page.inner_text('body')
        _key_next(page, r'Next: 7\. Interpret')
        _key_next(page, r'Run 7\. Interpret'); _wait_state(page, '✓ 8. Most confused')
        # back one step and forth again with Shift+Tab: the step list is above Next
        _tab_to(page, lambda f: f['text'] == '✓ 6. Train', 'the step list', back=True)
        page.keyboard.press('Enter')
        page.locator('button.vc-next').filter(has_text='Next: 7. Interpret').wait_for(timeout=30_000)
        _key_next(page, r'Next: 7\. Interpret')
        _key_next(page, r'Next: 8\. Most confused')
        _key_next(page, r'Next: 9\. Fine-tune')
        _key_button(page, 'Finder settings', 'Enter')  # an accordion's header: a button by keyboard too
        _key_slide(page, 'steps', 10)
        _key_slide(page, 'Epochs', 1)
        _key_next(page, r'Run 9\. Fine-tune'); _wait_state(page, '✓ 9. Fine-tune', 300_000)
        page.locator('button.vc-next').filter(has_text=re.compile(r'All nine steps done|Next: 7\. Interpret')).wait_for()
        page.get_by_text(re.compile(r'fit_one_cycle\(1, slice\(')).first.wait_for(timeout=30_000)
        # the code view: opened by keyboard, and a block copied with its Copy button
        _key_button(page, 'Your code: everything you did, as code', 'Enter')
        page.locator('a.vc-download').wait_for()
        _tab_to(page, lambda f: 'vc-copy' in f['cls'], 'a Copy button of the code')
        page.keyboard.press('Enter')
        page.get_by_text('Copied').first.wait_for(timeout=10_000)
        copied = page.evaluate('navigator.clipboard.readText()')
        code = page.evaluate("() => document.activeElement.closest('.vc-code').querySelector('pre').textContent")
        assert copied == code and copied.strip(), (copied, code)
        _shot(page, 'a11y-keyboard-done.png')
        b.close()


# ---- axe-core

_AXE_RUN = """async () => (await axe.run(document, {resultTypes: ['violations']})).violations
  .filter(v => v.impact === 'serious' || v.impact === 'critical')
  .map(v => v.id + ' (' + v.impact + '): ' + v.nodes.slice(0, 4).map(n => n.html.slice(0, 160) + ' -- ' +
       n.failureSummary.replace(/\\s+/g, ' ')).join(' | '))"""


def _axe(page):
    "The serious and critical violations axe-core finds on the page now (nothing excluded)."
    if not page.evaluate("typeof axe !== 'undefined'"): page.add_script_tag(path=str(AXE))
    page.wait_for_timeout(300)  # the page's names script runs 30 ms after the widgets last changed
    return page.evaluate(_AXE_RUN)
