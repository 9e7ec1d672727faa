"The command line: help, the quick demo with a real accuracy, and bad input."
import json, os
from pathlib import Path
import pytest
from conftest import run_cli


def test_help_lists_every_subcommand(cli):
    r = cli('--help')
    assert r.returncode == 0
    for sub in ('demo', 'app', 'sample', 'env'): assert sub in r.stdout


def test_quick_demo_trains_for_real(tmp_path):
    out = tmp_path/'out'
    r = run_cli('demo', '--epochs', 2, '--size', 24, '--finetune-epochs', 1, '--lr-iters', 20, '--out', out)
    assert r.returncode == 0, r.stderr[-3000:]
    s = json.loads((out/'summary.json').read_text())
    assert [x['name'] for x in s['steps']] == ['environment', 'source', 'labels', 'data', 'learner', 'train',
                                               'interpret', 'confused', 'finetune']
    assert s['final_accuracy'] >= 0.9, s
    assert s['final_accuracy'] >= s['stage1_accuracy'] and s['valid_accuracy'] == s['final_accuracy']
    assert all(x['seconds'] >= 0 for x in s['steps'])
    page = (out/'report.html').read_text()
    assert page.count('<img') == 5 and 'Most confused' in page
    assert (out/'models'/'stage-1.pth').stat().st_size > 1_000_000
    assert 'validation accuracy' in r.stdout and '9. Fine-tune' in r.stdout
    assert 'Traceback' not in r.stderr


def _bad_inputs(tmp_path):
    empty = tmp_path/'empty'; empty.mkdir()
    text_only = tmp_path/'text_only'; (text_only/'cats').mkdir(parents=True); (text_only/'cats'/'notes.txt').write_text('hi')
    a_file = tmp_path/'a_file.png'; a_file.write_bytes(b'not a folder')
    return {'missing': (tmp_path/'no'/'such'/'dir', 'does not exist'), 'file': (a_file, 'is a file, not a folder'),
            'empty': (empty, 'No images found'), 'no images': (text_only, 'No images found')}


@pytest.mark.parametrize('case', ['missing', 'file', 'empty', 'no images'])
def test_bad_data_gives_one_line_and_status_2(tmp_path, case):
    path, words = _bad_inputs(tmp_path)[case]
    before = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob('*'))
    out = tmp_path/'out'
    r = run_cli('demo', '--data', path, '--out', out)
    assert r.returncode == 2
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith('vision-course: error:'), r.stderr
    assert words in lines[0] and str(path.resolve()) in lines[0]
    assert 'Traceback' not in r.stderr
    assert sorted(p.relative_to(tmp_path) for p in tmp_path.rglob('*')) == before  # nothing written, not even --out


def test_unreadable_folder(tmp_path, capsys, monkeypatch):
    "An unreadable folder: for real when not root; as root (who can read anything) the OS refusal is simulated."
    from vision_course.cli import main
    d = tmp_path/'locked'; (d/'cats').mkdir(parents=True)
    if os.geteuid() != 0:
        d.chmod(0)
    else:
        real = os.scandir
        def refuse(p='.'):
            if Path(p).resolve() == d.resolve(): raise PermissionError(13, 'Permission denied', str(p))
            return real(p)
        monkeypatch.setattr(os, 'scandir', refuse)
    try: rc = main(['demo', '--data', str(d), '--out', str(tmp_path/'out')])
    finally: d.chmod(0o755)
    err = capsys.readouterr().err
    assert rc == 2 and 'cannot be read (permission denied)' in err and str(d) in err
    assert not (tmp_path/'out').exists()


def test_unknown_dataset_offline_fails_fast(tmp_path):
    import time
    t = time.perf_counter()
    r = run_cli('demo', '--data', 'URLs.PETS', '--out', tmp_path/'out', env={'VISION_COURSE_OFFLINE': '1', 'HOME': str(tmp_path)})
    assert r.returncode == 2 and 'needs the network' in r.stderr and 'sample' in r.stderr
    assert time.perf_counter() - t < 30


def test_pretrained_offline_says_how_to_go_on(tmp_path):
    r = run_cli('demo', '--pretrained', 'yes', '--epochs', 1, '--out', tmp_path/'out', env={'VISION_COURSE_OFFLINE': '1', 'TORCH_HOME': str(tmp_path/'torch')})
    assert r.returncode == 2, r.stderr[-2000:]
    assert 'ImageNet weights' in r.stderr and '--pretrained no' in r.stderr
