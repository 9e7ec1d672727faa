"""What a learner sees: the wizard walked with its defaults (as a new learner would), every step looked at in 1400 × 1000
and 1024 × 768 (screenshots in tests/screenshots/screen-*.png), nothing cut off there or at 1920 × 1080, the screen
agreeing with itself, and axe-core's check (names of controls, contrast, images…) with no serious or critical violation."""
import re
from test_app import _serve, _browser, _new_page, SHOTS
from test_wizard import _wait_state, _next
from test_a11y import _axe, AXE
import pytest

SIZES = ((1400, 1000), (1024, 768))  # screenshots
CHECKED = SIZES + ((1920, 1080),)  # nothing cut off

# what is cut off: a box that scrolls sideways because its content is wider than it (ipywidgets' boxes scroll rather than
# cut), or the page itself scrolling sideways. Boxes that scroll on purpose are left out: code (`pre`) and those marked
# `vc-scroll` (the confusion matrix of many classes).
CUT_OFF = """() => {
  const out = [];
  for (const e of [document.documentElement, document.body, ...document.querySelectorAll('.jupyter-widgets, .widget-html-content, div')]) {
    if (e !== document.documentElement && e !== document.body && !e.offsetParent) continue;  // not on screen
    if (e.scrollWidth <= e.clientWidth + 1 || e.closest('pre, .vc-scroll')) continue;
    const s = getComputedStyle(e);
    if (e !== document.documentElement && !/(auto|scroll)/.test(s.overflowX)) continue;  // overflow visible: its parent says
    out.push(`${e.tagName}.${(e.className || '').toString().slice(0, 60)} ${e.scrollWidth} > ${e.clientWidth}: ${(e.innerText || '').slice(0, 60)}`);
  }
  return out;
}"""

def _look(page, name):
    "Screenshots of the page at each of `SIZES` (the whole height), and what is cut off at each of `CHECKED`."
    cut = {}
    for w, h in CHECKED:
        page.set_viewport_size({'width': w, 'height': h})
        page.wait_for_timeout(400)  # widgets re-layout
        cut[(w, h)] = page.evaluate(CUT_OFF)
        if (w, h) not in SIZES: continue
        tall = page.evaluate("Math.max(document.body.scrollHeight, ...[...document.querySelectorAll('*')].map(e => e.scrollHeight))")
        page.set_viewport_size({'width': w, 'height': min(int(tall) + 40, 14000)})
        page.screenshot(path=str(SHOTS/f'screen-{name}-{w}x{h}.png'), full_page=True)
    page.set_viewport_size({'width': 1400, 'height': 1000})
    return {k: v for k, v in cut.items() if v}


@pytest.fixture(scope='module')
def wizard_server():
    yield from _serve('wizard')


def test_every_step_with_the_defaults(wizard_server):
    "Next from step 1 to 9 with the wizard's defaults: each step looked at in two window sizes, nothing cut off, axe-core content."
    from playwright.sync_api import sync_playwright
    assert AXE.exists(), f'{AXE} is missing: `make axe` installs it'
    cut, found = {}, {}
    with sync_playwright() as p:
        b = _browser(p)
        page = _new_page(b, wizard_server, lambda p: p.locator('button.vc-next'))
        page.set_viewport_size({'width': 1400, 'height': 1000})
        # the checks can fail: a line wider than the page and an icon-only button without a name, in the wizard for a moment
        page.evaluate("""() => { const d = document.createElement('pre'); d.id = 'vc-probe'; d.style.cssText = 'width:3000px;white-space:nowrap';
                                 d.textContent = 'wide'; document.querySelector('.vc-next').closest('.widget-vbox').appendChild(d);
                                 const b = document.createElement('button'); b.id = 'vc-nameless'; b.className = 'jupyter-button';
                                 b.innerHTML = '<i class="fa fa-play"></i>'; document.querySelector('.vc-ui').appendChild(b); }""")
        page.wait_for_timeout(300)
        assert page.evaluate(CUT_OFF), 'the cut-off check missed a 3000 px line'
        assert any(v.startswith('button-name') for v in _axe(page)), 'axe did not report a button without a name'
        page.evaluate("() => { document.getElementById('vc-probe').remove(); document.getElementById('vc-nameless').remove(); }")
        found['start'] = _axe(page)
        for i, (n, title) in enumerate(((1, 'Import'), (2, 'Data source'), (3, 'Labels'), (4, 'Data bunch'), (5, 'Learner'),
                                        (6, 'Train'), (7, 'Interpret'), (8, 'Most confused'), (9, 'Fine-tune'))):
            if n != 8:
                _next(page, rf'Run {n}\. {title}', 600_000)
            _wait_state(page, f'✓ {n}. {title}', 600_000)
            page.wait_for_function("() => { const b = document.querySelector('button.vc-next'); return b && !b.disabled }",
                                   timeout=120_000)
            page.wait_for_timeout(500)
            if c := _look(page, f'{n}-{title.lower().replace(" ", "-")}'): cut[n] = c
            found[f'{n}. {title}'] = _axe(page)
            body = page.inner_text('body')
            if n == 5:  # the architecture in use is the one the toggle shows
                pressed = page.locator('.widget-toggle-buttons button.mod-active').filter(visible=True).all_inner_texts()
                m = re.search(r'it is (\w+), pretrained', body)
                if m: assert m.group(1) in pressed, (m.group(1), pressed)
            if n == 9:
                assert 'chosen by hand' not in body, 'the rule picked the slice, the learner touched nothing'
            if n < 9: _next(page, rf'Next: {n + 1}\.', 60_000)
        page.get_by_text('Your code: everything you did, as code').click()
        page.locator('a.vc-download').wait_for()
        found['9. Fine-tune, with the code view open'] = _axe(page)
        b.close()
    assert not cut, cut
    bad = {k: v for k, v in found.items() if v}
    assert not bad, 'axe-core found serious or critical violations:\n' + '\n'.join(f'{k}: {v}' for k, v in bad.items())
