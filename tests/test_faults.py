"""Interrupted work (issue 28, part 1): a kernel killed (SIGKILL) or interrupted (SIGINT, KeyboardInterrupt) in the middle
of training, the lr finder, saving a stage, exporting, making an app, and writing study progress and the cleaning list.

One server process (its own session) sets up a course on the bundled sample at 16 px: stage 1 trained and saved, an
export, an app folder, two cleaning marks and three graded cards (the *earlier files*, hashed here). For each trial it
forks a child that starts the operation; this test kills the child at a chosen moment, either when the child says it is
in the middle (a training batch, a finder step, or just before the rename that would put a finished temporary file under
its final name) or after a random delay in a loop of the same write. After every kill, every file under a final name
must be whole (zip members pass their CRC, JSON and CSV parse, images verify), the earlier files must be byte-identical,
and temporary files may be left only under hidden `.NAME.*.part` names. At the end a new process (a new kernel) loads
every saved stage into a learner, every export and app, the study progress and the cleaning list.

A Stop press mid-training and mid-finder is tested in `nbs/16_ui_train.ipynb` and `nbs/19_ui_wizard.ipynb`; Stop
pressed while the stage is saved in `tests/test_races.py`; 12 kills of the progress writer in `nbs/07g_cards.ipynb`."""
import csv, hashlib, io, json, os, queue, random, signal, subprocess, sys, threading, time, zipfile
from pathlib import Path
import pytest

SERVER = r'''
import os, sys, json, time, signal, threading
from pathlib import Path
import torch; torch.set_num_threads(1)
W = Path(sys.argv[1])
from vision_course.course import Course
from vision_course.train import save_stage
from vision_course.cards import Progress, schedule
import datetime as dt
c = Course(W/'run')
c.source('sample'); c.labels(); c.data(size=16, bs=64); c.learner('resnet18', pretrained=False)
c.train(epochs=1)                                   # stage-1
c.export(W/'e0.pkl')
c.make_app(W/'app0', onnx=False)
items = [str(f) for f in c.labelled.items[:6]]
c.cleaning.mark(items[0], 'junk'); c.cleaning.mark(items[1], 'mislabelled', label='7')
prog = Progress()
T = dt.datetime(2026, 12, 1, tzinfo=dt.timezone.utc)
for i in range(3): prog.record(f'earlier-{i}', schedule(None, 'good', T))
print('ready', json.dumps(dict(cleaning=str(c.cleaning.path), progress=str(prog.path), items=items)), flush=True)

def say(*a): print(*a, flush=True)

def hook_replace(match):
    "Stop just before the rename that puts a finished temporary file (or app folder) under a final name matching `match`."
    real = os.replace
    def replace(src, dst, *a, **kw):
        if match(Path(dst)):
            say('mid'); time.sleep(600)
        return real(src, dst, *a, **kw)
    os.replace = replace

def at(kind, n):
    "Say 'mid' at the `n`th event of `kind` (a training batch, a finder step)."
    c.events.subscribe(lambda ev: say('mid') if ev.kind == kind and ev.iteration == n else None)

def loop(fn):
    say('go')
    i = 0
    while True: fn(i); i += 1

def interrupted(fn):
    "Run `fn`, which the test interrupts with SIGINT; report what the course looks like then."
    try: fn(); return dict(caught=False)
    except KeyboardInterrupt: return dict(caught=True)

def same_as_stage(name):
    saved = torch.load(W/'run'/'models'/f'{name}.pth', weights_only=False)['model']
    return all(torch.equal(v, saved[k]) for k, v in c.learn.model.state_dict().items())

def op(name, arg):
    if name == 'train': at('batch', 5); c.train(epochs=3, stage='killed-train')
    elif name == 'finder': at('lr', 10); c.find_lr(num_it=100)
    elif name == 'train-save': hook_replace(lambda p: p.suffix == '.pth'); c.train(epochs=1, stage='killed-save')
    elif name == 'save': loop(lambda i: save_stage(c.learn, 'loop', overwrite=True, step='test', i=i))
    elif name == 'save-rename': hook_replace(lambda p: p.name == 'loop.pth'); save_stage(c.learn, 'loop', overwrite=True)
    elif name == 'export': loop(lambda i: c.export(W/'e1.pkl', overwrite=True))
    elif name == 'export-rename': hook_replace(lambda p: p.name == 'e1.pkl'); c.export(W/'e1.pkl', overwrite=True)
    elif name == 'app': loop(lambda i: c.make_app(W/f'app-{os.getpid()}-{i}', onnx=False))
    elif name == 'app-rename': hook_replace(lambda p: p.name.startswith('app-')); c.make_app(W/'app-x', onnx=False)
    elif name == 'progress':
        p = Progress()
        loop(lambda i: p.record(f'card-{os.getpid()}-{i}', schedule(None, 'good', T)))
    elif name == 'cleaning':
        loop(lambda i: c.cleaning.mark(items[2 + i % 4], 'junk') if i % 2 == 0 else c.cleaning.unmark(items[2 + (i - 1) % 4]))
    elif name == 'int-train':
        at('batch', 5)
        r = interrupted(lambda: c.train(epochs=3, stage='interrupted'))
        r.update(state=c.state('train'), failure=c.failure('train'), learner=c.learn is not None, model=c.model_name,
                 same=same_as_stage('stage-1'), saved=(W/'run'/'models'/'interrupted.pth').exists())
        r['again'] = c.train(epochs=1, stage='after-interrupt')['stage']
        r['state_after'] = c.state('train')
        say('report', json.dumps(r))
    elif name == 'int-finder':
        before = {k: v.clone() for k, v in c.learn.model.state_dict().items()}
        at('lr', 10)
        r = interrupted(lambda: c.find_lr(num_it=100))
        r['same'] = all(torch.equal(v, before[k]) for k, v in c.learn.model.state_dict().items())
        r['again'] = len(c.find_lr(num_it=20)['lrs'])
        say('report', json.dumps(r))
    elif name == 'int-export':
        hook_replace(lambda p: p.name == 'e2.pkl')
        r = interrupted(lambda: c.export(W/'e2.pkl'))
        r['left'] = sorted(p.name for p in W.iterdir() if 'e2.pkl' in p.name)
        say('report', json.dumps(r))

while True:
    line = sys.stdin.readline()
    if not line: break
    name, _, arg = line.strip().partition(' ')
    pid = os.fork()
    if pid == 0:
        code = 0
        try: say('pid', os.getpid()); op(name, arg); say('finished')
        except BaseException as e: say('error', repr(e)); code = 1
        finally: os._exit(code)
    _, status = os.waitpid(pid, 0)
    say('reaped', status)
'''

CHECK = r'''
import json, sys, torch
torch.set_num_threads(1)
from pathlib import Path
W = Path(sys.argv[1])
from vision_course.course import Course
from vision_course.core import list_stages
from vision_course.deploy import load_export
from vision_course.interpret import predict
from vision_course.cards import Progress
from vision_course.cleaning import CleaningList
c = Course(W/'run')   # a new kernel on the same run folder
c.source('sample'); c.labels(); c.data(size=16, bs=64); c.learner('resnet18', pretrained=False)
out = dict(stages=[], exports=[])
for m in list_stages(W/'run'):
    c.load_stage(m['name']); out['stages'].append(m['name'])
c.load_stage('stage-1')   # the last good stage
out['model'] = c.model_name
sample = c.labelled.items[0]
for p in sorted(W.glob('*.pkl')) + sorted(d for d in W.glob('app*') if d.is_dir()):
    learn, notes = load_export(p)
    out['exports'].append([p.name, predict(learn, sample)['predicted']])
p = Progress()
out['progress'] = [p.problem, sorted(p.cards)]
cl = CleaningList(sys.argv[2])
out['cleaning'] = [cl.problem, {r['file']: r['mark'] for r in cl.list()}]
print('result', json.dumps(out))
'''


def _sha(p: Path) -> str: return hashlib.sha256(p.read_bytes()).hexdigest()


def _temp(p: Path, root: Path) -> bool:
    "A temporary name: some part of the path (below `root`) is a hidden `.NAME.*.part`."
    return any(part.startswith('.') and part.endswith('.part') for part in p.relative_to(root).parts)


def _whole(p: Path):
    "Raise if the file `p` is not whole for its kind."
    s = p.suffix
    if s in ('.pth', '.pkl'):
        with zipfile.ZipFile(p) as z: assert z.testzip() is None, f"{p}: a member fails its CRC"  # torch.save's zip format
    elif s in ('.json', '.ipynb'): json.loads(p.read_text(encoding='utf-8'))
    elif s == '.csv':
        rows = list(csv.DictReader(io.StringIO(p.read_text(encoding='utf-8'))))
        assert all(r.get('mark') for r in rows), p
    elif s in ('.png', '.jpg', '.jpeg'):
        from PIL import Image
        Image.open(p).verify()
    elif s in ('.txt', '.md', '.py'): p.read_text(encoding='utf-8')
    else: assert p.stat().st_size > 0, p


class Server:
    def __init__(self, work: Path, env: dict):
        self.log = open(work/'server.err', 'w')
        self.p = subprocess.Popen([sys.executable, '-c', SERVER, str(work)], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                  stderr=self.log, text=True, bufsize=1, env=env, start_new_session=True)
        self.work, self.lines = work, queue.Queue()
        threading.Thread(target=lambda: [self.lines.put(ln) for ln in iter(self.p.stdout.readline, '')] + [self.lines.put('')],
                         daemon=True).start()

    def line(self, timeout=180) -> str:
        try: ln = self.lines.get(timeout=timeout)
        except queue.Empty: raise AssertionError(f"no answer from the server in {timeout} s; its log:\n{self.tail()}") from None
        if not ln: raise AssertionError(f"the server ended; its log:\n{self.tail()}")
        return ln.strip()

    def expect(self, word: str, timeout=180) -> str:
        while True:
            ln = self.line(timeout)
            if ln.split(' ', 1)[0] == word: return ln[len(word) + 1:]
            if ln.startswith(('error', 'reaped')): raise AssertionError(f"expected {word!r}, got {ln!r}; log:\n{self.tail()}")

    def tail(self) -> str:
        self.log.flush()
        return (self.work/'server.err').read_text()[-3000:]

    def start(self, op: str) -> int:
        self.p.stdin.write(op + '\n'); self.p.stdin.flush()
        return int(self.expect('pid'))

    def reaped(self) -> int:
        "The child's exit status, once the server has reaped it; a child that failed by itself fails the test."
        while True:
            ln = self.line()
            if ln.startswith('error'): raise AssertionError(f"the child failed: {ln}; log:\n{self.tail()}")
            if ln.startswith('reaped'): return int(ln.split()[1])

    def kill(self, pid: int, sig=signal.SIGKILL):
        try: os.kill(pid, sig)
        except ProcessLookupError: pass  # it ended by itself: `reaped` says how

    def close(self):
        try: os.killpg(self.p.pid, signal.SIGKILL)  # the session this test started
        except ProcessLookupError: pass
        self.p.wait(); self.log.close()


@pytest.fixture(scope='module')
def server(tmp_path_factory):
    work = tmp_path_factory.mktemp('faults')
    env = {**os.environ, 'OMP_NUM_THREADS': '1', 'PYTHONWARNINGS': 'ignore', 'VISION_COURSE_STUDY': str(work/'study'),
           'VISION_COURSE_CLEANING': str(work/'cleaning')}
    s = Server(work, env)
    try:
        info = json.loads(s.expect('ready', timeout=300))
        s.env, s.info = env, info
        s.earlier = {p: _sha(p) for p in sorted(work.rglob('*')) if p.is_file() and p.name != 'server.err'
                     and p.suffix != '.csv' and p.name not in ('progress.json', 'runs.json')}  # those three grow
        s.marks = {r['file']: r['mark'] for r in csv.DictReader(open(info['cleaning']))}
        yield s
    finally: s.close()


def _after_kill(s: Server, what: str):
    "Every final file whole, the earlier ones unchanged, temporary files only under hidden .part names."
    for p in sorted(s.work.rglob('*')):
        if not p.is_file() or p.name == 'server.err' or _temp(p, s.work): continue
        assert '.part' not in p.name, f"{what}: a temporary file under a final-looking name: {p}"
        try: _whole(p)
        except Exception as e: raise AssertionError(f"{what}: {p} is half-written ({type(e).__name__}: {e})") from None
    changed = [str(p) for p, h in s.earlier.items() if not p.exists() or _sha(p) != h]
    assert not changed, f"{what}: earlier files changed: {changed}"
    marks = {r['file']: r['mark'] for r in csv.DictReader(open(s.info['cleaning']))}
    assert all(marks.get(f) == m for f, m in s.marks.items()), f"{what}: earlier cleaning marks lost: {marks}"
    cards = json.loads(Path(s.info['progress']).read_text())['cards']
    assert all(f'earlier-{i}' in cards for i in range(3)), f"{what}: earlier study progress lost"


def _kill_at_mid(s: Server, op: str):
    pid = s.start(op)
    s.expect('mid')
    s.kill(pid)
    assert s.reaped() != 0
    _after_kill(s, f"{op} killed in the middle")


def _kill_at_random(s: Server, op: str, span: float, rng: random.Random):
    pid = s.start(op)
    s.expect('go')
    delay = rng.uniform(0.05, span)
    time.sleep(delay)
    s.kill(pid)
    assert s.reaped() != 0
    _after_kill(s, f"{op} killed {delay:.2f} s into its loop of writes")


def test_kill_mid_work_then_a_new_kernel_finds_everything(server, tmp_path):
    s, rng = server, random.Random(28)
    _after_kill(s, 'before any kill')
    for op in ('train', 'finder', 'train-save', 'save-rename', 'export-rename', 'app-rename'):
        _kill_at_mid(s, op)
    assert not (s.work/'run'/'models'/'killed-train.pth').exists() and not (s.work/'run'/'models'/'killed-save.pth').exists()
    assert not (s.work/'app-x').exists()
    for op, span, n in (('save', 1.5, 2), ('export', 2.0, 2), ('app', 3.0, 2), ('progress', 0.3, 2), ('cleaning', 0.3, 2)):
        for k in range(n): _kill_at_random(s, op, span, rng)
    temps = sorted(str(p.relative_to(s.work)) for p in s.work.rglob('*') if _temp(p, s.work))
    assert any('killed-save.pth' in t for t in temps), temps  # the finished stage file never got its final name
    # a new kernel: every stage loads, the last good one too; every export and app answers; progress and marks read
    r = subprocess.run([sys.executable, '-c', CHECK, str(s.work), s.info['cleaning']], capture_output=True, text=True,
                       env=s.env, timeout=300)
    assert r.returncode == 0, r.stderr[-3000:]
    out = json.loads(r.stdout.split('result ', 1)[1])
    assert 'stage-1' in out['stages'] and out['model'] == 'stage-1'
    assert not any('part' in n or n.startswith('.') for n in out['stages']), out['stages']
    names = [n for n, _ in out['exports']]
    assert 'e0.pkl' in names and 'app0' in names and not any(n.startswith('.') for n in names), names
    assert out['progress'][0] is None and all(f'earlier-{i}' in out['progress'][1] for i in range(3))
    assert out['cleaning'][0] is None and all(out['cleaning'][1].get(f) == m for f, m in s.marks.items())


def test_keyboard_interrupt(server):
    "Ctrl-C (SIGINT) mid-training, mid-finder and mid-export: the course stays usable and consistent, no temporary file is left."
    s = server
    def interrupt(op):
        pid = s.start(op)
        s.expect('mid')
        s.kill(pid, signal.SIGINT)
        r = json.loads(s.expect('report', timeout=180))
        assert s.reaped() == 0
        return r
    r = interrupt('int-train')
    assert r['caught'] and r['learner'] and r['state'] == 'failed' and 'Interrupted (KeyboardInterrupt)' in r['failure'], r
    assert r['same'] and r['model'] == 'stage-1' and "holds stage 'stage-1' again" in r['failure'], r  # the last good stage, loaded back
    assert not r['saved'] and r['again'] == 'after-interrupt' and r['state_after'] == 'done', r
    r = interrupt('int-finder')
    assert r['caught'] and r['same'] and r['again'] == 20, r
    r = interrupt('int-export')
    assert r['caught'] and r['left'] == [], r    # no final file, and the temporary one removed
    _after_kill(s, 'after the interruptions')
