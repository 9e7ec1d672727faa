"""v1's cleaner in a real browser, in Voila and in JupyterLab: the lesson's `ImageCleaner` over `DatasetFormatter`'s top
losses and near-duplicates (`tests/data/cleaner.ipynb`), a tile's menu set to `<Delete>` in each, `cleaned.csv` written,
and every image file exactly as it was (by hash)."""
import csv, hashlib, os, re, shutil, sys
from pathlib import Path
import pytest
from test_app import _browser, _free_port, _answers, start_server, stop_server, wait_painted, SHOTS

NB = Path(__file__).resolve().parent/'data'/'cleaner.ipynb'


def cleaner_data(folder:Path) -> Path:
    "Two classes of six photos each from the package's photo set, and an exact copy of one (the duplicate to find)."
    from vision_course.photos import photos_path
    for cls in ('cat', 'rocket'):
        (folder/cls).mkdir(parents=True)
        for f in sorted((photos_path()/'folders'/cls).iterdir())[:6]: shutil.copy(f, folder/cls/f.name)
    first = sorted((folder/'cat').iterdir())[0]
    shutil.copy(first, folder/'cat'/f'copy-of-{first.name}')
    return folder


def hashes(folder:Path) -> dict:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest() for p in folder.rglob('*') if p.suffix in ('.jpg', '.png')}


def cleaned(folder:Path) -> set:
    with open(folder/'cleaned.csv', newline='') as f: return {r['name'] for r in csv.DictReader(f)}


def clean_in_page(page, folder:Path, shot:str):
    "In the page's two cleaners: leave out the first top-loss tile, then the copy of the first near-duplicate pair."
    before = hashes(folder)
    cleaners = page.locator('.vc-cleaner')
    cleaners.nth(1).wait_for(timeout=180_000)
    top = cleaners.nth(0)
    tile = top.locator('.vc-clean-tile').first
    name = tile.locator('div[title]').inner_text().strip()
    tile.locator('select').select_option('<Delete>')
    top.get_by_text(re.compile(r'\b1 left out')).wait_for(timeout=30_000)
    gone = next(n for n in before if n.endswith('/' + name) or n == name)
    assert gone not in cleaned(folder), (gone, cleaned(folder))
    dup = cleaners.nth(1)
    tiles = dup.locator('.vc-clean-tile')
    pair = [t.locator('div[title]').inner_text().strip() for t in tiles.all()]
    assert any(n.startswith('copy-of-') for n in pair) and len({n.removeprefix('copy-of-') for n in pair}) == 1, pair  # the copy comes first
    copy_tile = tiles.nth([n.startswith('copy-of-') for n in pair].index(True))
    copy_tile.locator('select').select_option('<Delete>')
    dup.get_by_text(re.compile(r'\b2 left out')).wait_for(timeout=30_000)  # it goes on from the first cleaner's choice
    names = cleaned(folder)
    assert gone not in names and not any('copy-of-' in n for n in names) and len(names) == len(before) - 2, names
    assert hashes(folder) == before  # no image deleted, moved or changed
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS/shot), full_page=True)


def test_cleaner_in_voila(tmp_path):
    "The cleaner notebook served by Voila with the app's settings (`voila_command`), used in Chromium."
    from playwright.sync_api import sync_playwright
    from vision_course.cli import private_root, voila_command
    folder = cleaner_data(tmp_path/'photos')
    port, log = _free_port(), tmp_path/'voila.log'
    with private_root(NB) as served:
        proc, url = start_server(voila_command(served, port), log, cwd=served.parent, env={**os.environ, 'CLEANER_DATA': str(folder)})
        try:
            assert _answers(url, proc, timeout=90), log.read_text()[-3000:]
            with sync_playwright() as p:
                b = _browser(p)
                page = b.new_page(viewport={'width': 1100, 'height': 1000})
                page.goto(url)
                wait_painted(page, '.vc-cleaner', log, timeout=180_000)
                clean_in_page(page, folder, 'cleaner-voila.png')
                b.close()
        finally: stop_server(proc)
