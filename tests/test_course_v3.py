"""fastai's own lesson notebooks (course-v3, `nbs/dl1/`), every code cell as published, in order, in one namespace,
after `from vision_course.v1 import *`; only the network is replaced, by local folders laid out like the downloads and
a web server on 127.0.0.1 (see `tests/course_v3.py`). Each notebook runs in a fresh interpreter of its own. About 5–10
minutes (the lessons' `lr_find()` at 224 px), so it runs in `make test-slow`, which CI runs after `make test`."""
import json, os, subprocess, sys
from pathlib import Path
import pytest

HERE = Path(__file__).resolve().parent


@pytest.mark.slow
@pytest.mark.parametrize('name', ['lesson1-pets', 'lesson2-download', 'lesson2-sgd'])
def test_course_v3_notebook_runs_unchanged(name, tmp_path):
    out = tmp_path/'cells.json'
    env = {**os.environ, 'VISION_COURSE_DATA': str(tmp_path/'data'), 'OMP_NUM_THREADS': os.environ.get('OMP_NUM_THREADS', '2'),
           'PYTHONWARNINGS': 'ignore'}
    r = subprocess.run([sys.executable, str(HERE/'course_v3.py'), name, str(tmp_path/'work'), str(out)],
                       capture_output=True, text=True, env=env, timeout=1800)
    assert r.returncode == 0 and out.exists(), r.stdout[-3000:] + r.stderr[-3000:]
    rows = json.loads(out.read_text())
    code = sum(1 for c in json.loads((HERE/'data'/'course-v3'/f'{name}.ipynb').read_text())['cells'] if c['cell_type'] == 'code')
    assert len(rows) == code + 1, (len(rows), code)  # the set-up cell, then every code cell of the notebook
    failed = [f"cell {x['cell']} ({x['first']}): {x['error']}" for x in rows if not x['ok']]
    assert not failed, '\n'.join(failed)
