"The dataset doctor on a messy folder, through the real command line; then the data step and one epoch on the same folder, and not a byte of it changed."
import hashlib, json, os
from pathlib import Path
from conftest import run_cli


def snapshot(root: Path) -> dict:
    "Every file and folder under `root` with its bytes' hash, size, permissions and modification time."
    out = {}
    for d, dirs, files in os.walk(root):
        for name in dirs + files:
            p = Path(d)/name
            st = p.lstat()
            digest = hashlib.sha256(p.read_bytes()).hexdigest() if p.is_file() else 'dir'
            out[p.relative_to(root).as_posix()] = (digest, st.st_size if p.is_file() else 0, st.st_mode, st.st_mtime_ns)
    return out


def test_check_messy_then_train_one_epoch_and_nothing_changed(tmp_path):
    messy = tmp_path/'messy'
    r = run_cli('sample', '--messy', str(messy))
    assert r.returncode == 0, r.stderr
    before = snapshot(messy)
    assert len(before) > 40

    r = run_cli('check', str(messy), '--json')
    assert r.returncode == 1, r.stdout + r.stderr  # usable, with warnings
    assert 'Traceback' not in r.stderr
    report = json.loads(r.stdout)
    where = {f['code']: sorted(x['path'] for x in f['files']) for f in report['findings']}
    assert where['empty'] == ['china/empty.jpg']
    assert where['not_image'] == ['broken/b.png', 'china/fake.jpg']
    assert where['truncated'] == ['flower/truncated.jpg']
    assert where['too_large'] == ['china/huge.png']
    assert where['unsupported'] == ['flower/photo.heic']
    assert where['rotated'] == ['china/rotated.jpg']
    assert where['convert'] == ['china/cmyk.jpg', 'china/gray.jpg', 'flower/deep16.png', 'flower/palette.png', 'flower/rgba.png']
    assert where['duplicate'] == ['flower/copy_of_china.jpg', 'flower/flower_01_again.jpg']
    assert where['unlabelled'] == ['stray.jpg'] and where['one_image'] == ['lonely/lonely.jpg']
    assert {'batch_size', 'imbalance', 'no_images', 'other_files'} <= set(where)

    text = run_cli('check', str(messy), '--labels', 'csv:labels.csv')
    assert text.returncode == 1 and 'china/gone.jpg (listed in the table, but the file is missing)' in text.stdout
    assert text.stdout.rstrip().endswith('Verdict: usable, with warnings.')

    from vision_course.course import Course
    from vision_course.doctor import check_dataset
    c = Course(tmp_path/'run')
    c.source(str(messy))
    lab = c.labels()
    # the data step leaves out exactly what the doctor calls unusable or unlabelled
    assert sorted(lab.items) == sorted(check_dataset(messy).labelled.items)
    data = c.data(size=32, bs=8)
    assert data.n_train + data.n_valid == len(lab.items)
    xb, _ = data.dls.one_batch()
    assert tuple(xb.shape) == (8, 3, 32, 32)
    c.learner('resnet18', pretrained=False)
    hist = c.train(epochs=1, lr=1e-3)
    assert len(hist['epochs']) == 1 and hist['epochs'][0]['train_loss'] > 0

    assert snapshot(messy) == before  # not a byte, name, permission or time changed; nothing added or removed


def test_check_bad_input_exit_2(tmp_path):
    r = run_cli('check', str(tmp_path/'nope'))
    assert r.returncode == 2 and r.stderr.startswith('vision-course: error:') and 'does not exist' in r.stderr
    r = run_cli('check', str(tmp_path), '--labels', 'pets')
    assert r.returncode == 2 and 'not understood' in r.stderr
    (tmp_path/'a').mkdir()
    r = run_cli('check', str(tmp_path), '--json')
    assert r.returncode == 2 and json.loads(r.stdout)['findings'][0]['code'] == 'too_few'
