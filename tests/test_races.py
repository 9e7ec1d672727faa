"""Double clicks and races on the step panels, in-process and without a browser (issue 28, part 2).

A message from the page can click any button, disabled or not, and set any trait, while a step runs in the panel's
background thread. Each test keeps a long training running (30 epochs, stopped with the course's Stop at the end),
pokes the panels through the widget protocol (`click`, `set_value`, `button._click_handlers`), and checks that no
second run starts and nothing is left half-changed.

Already tested elsewhere: Stop mid-training (`nbs/16_ui_train.ipynb`), Stop mid-finder (`nbs/19_ui_wizard.ipynb`, the
fine-tune step), a disabled button clicked by a message (`nbs/09b_ui_base.ipynb`, `13_ui_loaders`, `17_ui_finetune`,
`18_ui_interpret`), a double click on Next in the browser (`tests/test_wizard.py`)."""
import os, time
import pytest

os.environ.setdefault('OMP_NUM_THREADS', '1')


def _until(cond, timeout=60, what='the condition'):
    t = time.monotonic()
    while not cond():
        if time.monotonic() - t > timeout: raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.01)


@pytest.fixture(scope='module')
def setup(tmp_path_factory):
    "One course with a learner on the bundled sample (16 px), and the label, data and train panels over it."
    import torch
    torch.set_num_threads(1)
    os.environ['VISION_COURSE_CLEANING'] = str(tmp_path_factory.mktemp('cleaning'))
    from vision_course.course import Course
    from vision_course.ui.labels import LabelPanel
    from vision_course.ui.loaders import LoadersPanel
    from vision_course.ui.train import TrainPanel
    c = Course(tmp_path_factory.mktemp('run'))
    c.source('sample'); c.labels(); c.data(size=16, bs=64); c.learner('resnet18', pretrained=False)
    return c, LabelPanel(c), LoadersPanel(c), TrainPanel(c)


@pytest.fixture
def training(setup):
    """Start a 30-epoch training with the train panel, wait until it is past batch 3, hand over the course and panels;
    afterwards press Stop and wait for the end (the model then keeps what it learned, saved as a stage)."""
    from vision_course.ui.base import click, set_value
    c, lp, dp, tp = setup
    batches = []
    sub = c.events.subscribe(lambda ev: batches.append(ev.iteration) if ev.kind == 'batch' else None)
    set_value(tp, tp.epochs, 30)
    runs = len(c.runs)
    click(tp, tp.train_button)
    _until(lambda: len(batches) >= 3, what='training to start')
    try: yield c, lp, dp, tp, runs, batches
    finally:
        if tp.busy: click(tp, tp.stop_button)
        tp.wait(120)
        c.events.unsubscribe(sub)


def test_train_pressed_twice_runs_once(training):
    "Train pressed again while it trains (the button is off, a crafted message clicks it anyway): no second run."
    from vision_course.ui.base import click
    c, lp, dp, tp, runs, _ = training
    assert tp.train_button.disabled and tp.busy and c.state('train') == 'running'
    worker = tp._thread
    click(tp, tp.train_button)                      # through the helper: its errors would be raised here
    tp.train_button._click_handlers(tp.train_button)  # as a page message would
    assert tp._thread is worker and c.busy_steps == ['train']
    assert tp.run_step() is False                    # the panel's own entry point says it did not start
    click(tp, tp.stop_button)
    tp.wait(120)
    assert len(c.runs) == runs + 1 and c.runs[-1]['stopped']
    assert c.state('train') == 'done' and not tp.busy and not tp.train_button.disabled
    assert "Stopped:" in tp.status.value


def test_parameter_changed_while_training(training):
    "The rate and epochs changed while it trains: the running job keeps what it started with, and the panel says the change is not applied yet."
    from vision_course.ui.base import click, set_value
    c, lp, dp, tp, runs, _ = training
    set_value(tp, tp.epochs, 2)
    set_value(tp, tp.lr, 1e-2)
    click(tp, tp.stop_button); tp.wait(120)
    used = c.params['train']
    assert (used['epochs'], used['lr']) == (30, 3e-3), used
    assert c.runs[-1]['planned_epochs'] == 30 and c.stage1['planned_epochs'] == 30
    assert (tp.epochs.value, f'{tp.lr.value:.0e}') == (2, '1e-02'), "the learner's change was thrown away"
    assert tp.pending and 'not applied yet' in tp.pending_note.value


def test_other_step_refused_while_training(training):
    "Step 3's and step 4's buttons pressed (through the widget protocol) while step 6 trains: refused, nothing in the course changes, not even their state."
    from vision_course.ui.base import click
    c, lp, dp, tp, runs, _ = training
    before = {s: c.result(s) for s in ('source', 'labels', 'data', 'learner')}
    states = c.states()
    for p, b in ((lp, lp.label_button), (dp, dp.build_button)):
        b.disabled = False  # whatever the screen shows, a message can press it
        with pytest.raises(Exception, match='Another step is still running'): click(p, b)
        assert 'Another step is still running' in p.status.value and not p.busy
    assert {s: c.result(s) for s in before} == before
    assert c.states() == states and c.failure('labels') is None and c.failure('data') is None
    assert c.busy_steps == ['train']
    click(tp, tp.stop_button); tp.wait(120)
    assert c.state('train') == 'done' and c.state('labels') == 'done' and c.state('data') == 'done'


def test_engine_step_rerun_while_training(training):
    """Step 3 re-run, and a stage loaded, through the engine itself (a notebook cell, not a panel) while step 6 trains in
    a panel: refused with a message, so that no training ends on data that is gone; the training goes on to its end."""
    from vision_course.core import StepOrderError
    from vision_course.ui.base import click
    c, lp, dp, tp, runs, batches = training
    before = {s: c.result(s) for s in ('source', 'labels', 'data', 'learner')}
    with pytest.raises(StepOrderError, match="'6. Train' is still running"): c.labels()   # from the main thread while the worker trains
    with pytest.raises(StepOrderError, match="'6. Train' is still running"): c.data(size=16, bs=32)
    with pytest.raises(StepOrderError, match="before loading 'stage-1'"): c.load_stage('stage-1')
    assert {s: c.result(s) for s in before} == before and c.failure('labels') is None and c.failure('data') is None
    n = len(batches)
    _until(lambda: len(batches) > n + 2, what='training to go on')
    click(tp, tp.stop_button); tp.wait(120)
    assert c.state('train') == 'done' and c.stage1['stopped'] and c.states()['labels'] == 'done'


def test_disabled_button_runs_nothing(setup):
    "Train and Find pressed through the widget protocol while they are off (no learner yet): nothing runs, nothing changes."
    from vision_course.course import Course
    from vision_course.ui.train import TrainPanel
    c0 = setup[0]
    c = Course(c0.workdir.parent/'bare')
    tp = TrainPanel(c)
    assert tp.train_button.disabled and tp.find_button.disabled and tp.load_button.disabled
    for b in (tp.train_button, tp.find_button, tp.load_button, tp.stop_button):
        b._click_handlers(b)
        assert not tp.busy and tp._thread is None and tp.error is None
    assert c.results == {} and c.runs == [] and c.states()['train'] == 'locked' and c.failure('train') is None


def test_stop_pressed_while_saving(setup, monkeypatch):
    "Stop pressed while the stage is being saved (after the last batch): the save completes, and the next training is not stopped by the old press."
    import vision_course.train as T
    from vision_course.ui.base import click, set_value
    c, lp, dp, tp = setup
    real, pressed = T.save_stage, []
    def saving(*a, **kw):
        click(tp, tp.stop_button); pressed.append(c.stop.is_set())
        return real(*a, **kw)
    monkeypatch.setattr(T, 'save_stage', saving)
    set_value(tp, tp.epochs, 1)
    click(tp, tp.train_button, wait=120)
    name = c.stage1['stage']
    assert pressed == [True] and "saved as" in tp.status.value and 'Stopped' not in tp.status.value, tp.status.value
    assert not c.stage1['stopped']
    from vision_course.train import load_stage
    load_stage(c.learn, name)                         # the file is whole
    monkeypatch.setattr(T, 'save_stage', real)
    click(tp, tp.train_button, wait=120)              # the old press does not stop this one
    assert not c.stage1['stopped'] and len(c.stage1['epochs']) == 1
