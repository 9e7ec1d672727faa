"""Run fastai's own course-v3 lesson notebooks (`tests/data/course-v3/`, as published, outputs stripped) cell by cell,
in order, in one namespace, after `from vision_course.v1 import *`, with the network replaced by local folders laid out
like the downloads. `python tests/course_v3.py NOTEBOOK WORKDIR OUT.json` runs one and writes a row per code cell:
its first line, `ok` or the error, and its seconds.

The stand-ins (`stand_ins`): fastai's data folder (`$FASTAI_HOME/data`) holds `oxford-iiit-pet/` (images named like the
pets, `Breed_N.jpg`, a few per breed, from the package's photo set) and `mnist_sample/` (the bundled digits), which
`untar_data` then finds as if downloaded; lesson 2's `data/bears/` holds `black/` and `teddys/` as the lesson's first
download cells leave them (a few images each, numbered as `download_images` numbers them), and the address files, whose addresses point at a web server on 127.0.0.1 serving photos,
one HTML page named like an image and one missing file. `grizzly/` starts empty: the lesson's `download_images` cell
fills it from that server."""
import functools, http.server, json, os, shutil, sys, threading, time
from pathlib import Path

HERE = Path(__file__).resolve().parent
NOTEBOOKS = HERE/'data'/'course-v3'
BREEDS = dict(Abyssinian='cat', Bengal='coffee', beagle='astronaut')  # breed (a cat's capitalised, a dog's not) ← photo class


def serve(folder) -> tuple:
    "A web server on 127.0.0.1 for the files in `folder`, in a thread: (server, base address)."
    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *a): pass
    server = http.server.ThreadingHTTPServer(('127.0.0.1', 0), functools.partial(Quiet, directory=str(folder)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f'http://127.0.0.1:{server.server_address[1]}'


def stand_ins(work:Path, base:str, site:Path, per_breed:int=4) -> dict:
    "Fill `work` with the folders the lessons would have downloaded; `site` (served at `base`) with grizzly's photos."
    from PIL import Image
    from vision_course.photos import photos_path
    from vision_course.sample import sample_path
    photos = photos_path()/'folders'
    pick = lambda c, n, skip=0: sorted((photos/c).iterdir())[skip:skip + n]
    pets = work/'fastai'/'data'/'oxford-iiit-pet'
    (pets/'images').mkdir(parents=True); (pets/'annotations').mkdir()
    for breed, cls in BREEDS.items():
        for i, f in enumerate(pick(cls, per_breed), 1): Image.open(f).convert('RGB').save(pets/'images'/f'{breed}_{i}.jpg')
    shutil.copytree(sample_path()/'mnist_tiny', work/'fastai'/'data'/'mnist_sample', ignore=shutil.ignore_patterns('models', 'test'))
    bears = work/'data'/'bears'
    # the lesson opens black/00000021.jpg: the black bears' download got numbers 0-3 and 21 (the others failed, as they do)
    for cls, photo_class, numbers in (('black', 'officer', (0, 1, 2, 3, 21)), ('teddys', 'flower', (0, 1, 2, 3))):
        (bears/cls).mkdir(parents=True)
        for i, f in zip(numbers, pick(photo_class, len(numbers))): Image.open(f).convert('RGB').save(bears/cls/f'{i:08d}.jpg')
    site.mkdir(parents=True, exist_ok=True)
    for i, f in enumerate(pick('rocket', 4)): Image.open(f).convert('RGB').save(site/f'grizzly{i}.jpg')
    (site/'removed.jpg').write_text('<!DOCTYPE html><html><body>This image was removed</body></html>')
    urls = [f'{base}/grizzly{i}.jpg' for i in range(4)] + [f'{base}/removed.jpg', f'{base}/missing.jpg']
    (bears/'urls_grizzly.csv').write_text('\n'.join(urls) + '\n')
    for cls in ('black', 'teddys'):  # their downloads are done: these files only need to exist
        (bears/f'urls_{cls}.csv').write_text('\n'.join(f'{base}/{cls}/{f.name}' for f in sorted((bears/cls).iterdir())) + '\n')
    return dict(pets=pets, bears=bears)


def cells(name:str) -> list[str]:
    nb = json.loads((NOTEBOOKS/f'{name}.ipynb').read_text())
    return [''.join(c['source']) for c in nb['cells'] if c['cell_type'] == 'code']


def run(name:str, work:Path) -> list[dict]:
    "Run notebook `name`'s code cells in `work` after the set-up cell; a row per cell."
    from execnb.shell import CaptureShell
    os.chdir(work)
    sh = CaptureShell()
    rows = []
    for i, src in enumerate(['%matplotlib inline\nfrom vision_course.v1 import *'] + cells(name)):
        t = time.perf_counter()
        out = sh.run(src)
        err = next((o for o in out if o.get('output_type') == 'error'), None)
        rows.append(dict(cell=i, first=src.strip().splitlines()[0][:70] if src.strip() else '', seconds=round(time.perf_counter() - t, 1),
                         ok=err is None, error=f"{err['ename']}: {err['evalue'][:300]}" if err else ''))
        print(f"[{i:2d}] {'ok ' if err is None else 'ERR'} {rows[-1]['seconds']:6.1f}s  {rows[-1]['first']}"
              + (f"\n      {rows[-1]['error']}" if err else ''), flush=True)
    import matplotlib.pyplot as plt
    plt.close('all')
    return rows


if __name__ == '__main__':
    name, work, out = sys.argv[1], Path(sys.argv[2]).resolve(), Path(sys.argv[3])
    os.environ['FASTAI_HOME'] = str(work/'fastai')  # before fastai reads its configuration
    work.mkdir(parents=True, exist_ok=True)
    site = work/'site'
    server, base = serve(site)
    stand_ins(work, base, site)
    rows = run(name, work)
    out.write_text(json.dumps(rows, indent=1))
    server.shutdown()
