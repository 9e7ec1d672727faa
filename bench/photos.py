"""The photo benchmarks of `make bench` (issue: real ImageNet transfer learning offline), on the bundled photo set.

- photo_transfer: stage-1 accuracy (body frozen, only the head trains; for random weights everything trains) of
  ImageNet-Lite0 vs glyphnet vs the same Lite0 network from random weights, same images, size, batch size, epochs and
  rate, 3 seeds; 6 training images a class (30% of the set: the lessons' "far less data"), the other 140 to validate.
- photo_stage1_speedup: images/s of the fast stage 1 (`FastStage1`) / plain fastai (`vision_learner` on the same Lite0
  weights, fastai's `Adam`, `fit_one_cycle`, train_bn on), same images, epochs, batch size and augmentation; and their
  accuracies.
- digits_start (context): the same choice on the bundled digits (glyphnet vs ImageNet-Lite0, stage 1, 32 px): why
  "pretrained if available" starts the digits from glyphnet offline.
- photo_wizard_s: `vision-course demo --data photos` end to end (the nine steps with the defaults the wizard uses:
  128 px and bs 16 on a CPU, 4 + 2 epochs, a 40-step finder), a fresh process.
"""
import json, statistics, subprocess, sys, tempfile, time
from pathlib import Path

SIZE, BS, EPOCHS, LR = 128, 16, 5, 3e-3


def _data(seed, augment='default', valid_pct=0.2):
    from vision_course.photos import photos_path
    from vision_course.data import get_source, build_dataloaders
    from vision_course.labels import label_with
    lab = label_with(get_source(photos_path()/'folders'), 'folders')
    return build_dataloaders(lab, size=SIZE, bs=BS, seed=seed, augment=augment, valid_pct=valid_pct)


def _fit(learn, epochs, lr, cbs=()):
    from vision_course.train import train
    t = time.perf_counter()
    h = train(learn, epochs, lr, cbs=list(cbs))
    secs = time.perf_counter() - t
    with learn.no_bar(): return float(learn.validate()[1]), len(h['batches']) * BS / secs


def photo_transfer(seeds=(0, 1, 2), epochs=EPOCHS, valid_pct=0.7):
    "Stage-1 accuracy from ImageNet-Lite0, glyphnet and random weights at the same budget, per seed."
    from fastai.vision.all import set_seed
    from vision_course.train import make_learner
    from vision_course.transfer import FastStage1
    out = {k: [] for k in ('imagenet', 'glyphnet', 'random', 'imagenet_img_s', 'glyphnet_img_s', 'random_img_s')}
    for seed in seeds:  # interleaved: each start once per seed
        d = _data(seed, valid_pct=valid_pct)
        for key, arch, pre in (('imagenet', 'efficientnet_lite0', True), ('glyphnet', 'glyphnet', True), ('random', 'efficientnet_lite0', False)):
            set_seed(seed)
            learn = make_learner(d, arch, pretrained=pre, metrics=('accuracy',))
            acc, ips = _fit(learn, epochs, LR, [FastStage1()] if pre else [])
            out[key].append(acc); out[f'{key}_img_s'].append(ips)
    return out, dict(seeds=list(seeds), epochs=epochs, lr=LR, size=SIZE, bs=BS, images=d.n_train + d.n_valid, valid=d.n_valid)


def photo_stage1_speedup(rounds=3, epochs=3, augment='default', valid_pct=0.5):
    "The fast stage 1 against plain fastai's frozen training on the same Lite0 weights, interleaved rounds."
    from fastai.vision.all import vision_learner, set_seed, accuracy, Adam
    from vision_course.train import make_learner
    from vision_course.transfer import FastStage1, efficientnet_lite0, register_lite, own_loaders
    register_lite()
    out = {k: [] for k in ('fastai', 'fast', 'fastai_acc', 'fast_acc')}
    for r in range(rounds + 1):  # round 0 is the warm-up
        d = _data(r, augment, valid_pct)
        set_seed(r)
        plain = vision_learner(own_loaders(d.dls), efficientnet_lite0, metrics=accuracy, opt_func=Adam)
        t = time.perf_counter()
        with plain.no_bar(), plain.no_logging(): plain.fit_one_cycle(epochs, LR)
        plain_ips = epochs * len(plain.dls.train) * BS / (time.perf_counter() - t)
        with plain.no_bar(): plain_acc = float(plain.validate()[1])
        set_seed(r)
        fast = make_learner(d, 'efficientnet_lite0', pretrained=True, metrics=('accuracy',))
        fast_acc, fast_ips = _fit(fast, epochs, LR, [FastStage1()])
        if r == 0: continue
        out['fastai'].append(plain_ips); out['fast'].append(fast_ips); out['fastai_acc'].append(plain_acc); out['fast_acc'].append(fast_acc)
    return out, dict(rounds=rounds, epochs=epochs, lr=LR, size=SIZE, bs=BS, augment=augment, train=d.n_train, valid=d.n_valid)


def digits_start(epochs=4, size=32, seed=0):
    "Stage-1 accuracy on the digits from glyphnet and from ImageNet-Lite0, the wizard's size and batch size."
    from fastai.vision.all import set_seed
    from vision_course.data import get_source, build_dataloaders
    from vision_course.labels import label_with
    from vision_course.train import make_learner
    from vision_course.transfer import FastStage1
    d = build_dataloaders(label_with(get_source('sample'), 'folders'), size=size, bs=64, seed=seed, flip=False)
    out = {}
    for arch in ('glyphnet', 'efficientnet_lite0'):
        set_seed(seed)
        out[arch] = _fit(make_learner(d, arch, pretrained=True, metrics=('accuracy',)), epochs, LR, [FastStage1()])[0]
    return out, dict(epochs=epochs, size=size, bs=64, seed=seed)


def photo_wizard():
    "Seconds and final accuracy of `vision-course demo --data photos` (all nine steps, default settings), a fresh process."
    exe = Path(sys.executable).parent/'vision-course'
    with tempfile.TemporaryDirectory() as d:
        t = time.perf_counter()
        subprocess.run([str(exe), 'demo', '--data', 'photos', '--out', d], check=True, capture_output=True)
        secs = time.perf_counter() - t
        s = json.loads((Path(d)/'summary.json').read_text())
        return secs, s['final_accuracy'], s.get('stage1_accuracy')


def measure(results, quick=False):
    "Run the photo benchmarks and put their figures into `results`."
    m = statistics.median
    pt, pt_setup = photo_transfer(seeds=(0,) if quick else (0, 1, 2), epochs=2 if quick else EPOCHS)
    best_other = [max(g, r) for g, r in zip(pt['glyphnet'], pt['random'])]
    results.update(photo_transfer=m(pt['imagenet']), photo_transfer_minus_best_other=m([i - b for i, b in zip(pt['imagenet'], best_other)]),
                   photo_transfer_setup=pt_setup)
    sp, sp_setup = photo_stage1_speedup(rounds=1 if quick else 3, epochs=1 if quick else 3)
    results.update(photo_stage1_speedup=m([f / p for f, p in zip(sp['fast'], sp['fastai'])]),
                   photo_stage1_accuracy_diff=m([f - p for f, p in zip(sp['fast_acc'], sp['fastai_acc'])]),
                   photo_stage1_setup=sp_setup)
    results['photo_raw'] = dict(transfer=pt, stage1=sp)  # not under 'raw': a full run writes that one last
    ds, ds_setup = digits_start(epochs=1 if quick else 4)
    results.update(digits_start=ds, digits_start_setup=ds_setup)
    if not quick:
        results['photo_wizard_s'], results['photo_wizard_accuracy'], results['photo_wizard_stage1_accuracy'] = photo_wizard()
    return results


def rows(results, fmt):
    "The RESULTS.md rows of the photo figures in `results`."
    if 'photo_transfer' not in results: return []
    raw, st = results['photo_raw'], results['photo_transfer_setup']
    pt, sp, ss = raw['transfer'], raw['stage1'], results['photo_stage1_setup']
    plan = (f"{st['images']} photos ({st['valid']} to validate), {st['size']} px, bs {st['bs']}, {st['epochs']} epochs at "
            f"{st['lr']:g}, seeds {st['seeds']}")
    out = [f"| photo_transfer | {results['photo_transfer']:.3f} | (report) | stage 1 from ImageNet-Lite0 (body frozen, fast stage 1): "
           f"{fmt(pt['imagenet'])}; glyphnet the same way {fmt(pt['glyphnet'])}; Lite0 from random weights, everything "
           f"trained {fmt(pt['random'])}; {plan} |",
           f"| photo_transfer_minus_best_other | {results['photo_transfer_minus_best_other']:+.3f} | ≥ +0.10 | ImageNet-Lite0 − the "
           f"better of glyphnet and random weights, per seed |",
           f"| photo_stage1_speedup | {results['photo_stage1_speedup']:.2f}× | ≥ 3× | the fast stage 1 {fmt(sp['fast'])} img/s ÷ plain "
           f"fastai (`vision_learner` on the same Lite0 weights, its `Adam`, `fit_one_cycle`, train_bn on) {fmt(sp['fastai'])} img/s; "
           f"{ss['epochs']} epochs, {ss['size']} px, bs {ss['bs']}, augmentation {ss['augment']}, {ss['train']} training and {ss['valid']} "
           f"validation photos, {ss['rounds']} rounds after a warm-up |",
           f"| photo_stage1_accuracy_diff | {results['photo_stage1_accuracy_diff']:+.3f} | ≥ −0.01 (at most 1 point worse) | fast − plain fastai: "
           f"{fmt(sp['fast_acc'])} against {fmt(sp['fastai_acc'])} |"]
    if 'digits_start' in results:
        ds, dst = results['digits_start'], results['digits_start_setup']
        out.append(f"| digits_start (context) | glyphnet {ds['glyphnet']:.3f}, Lite0 {ds['efficientnet_lite0']:.3f} | (the choice) | "
                   f"stage 1 on the bundled digits from each pretrained body, {dst['epochs']} epochs at {dst['size']} px, bs "
                   f"{dst['bs']}, seed {dst['seed']}: offline, the digits start from the better one |")
    if 'photo_wizard_s' in results:
        out.append(f"| photo_wizard_s | {results['photo_wizard_s']:.0f} s | ≤ 300 s | `vision-course demo --data photos`: all nine steps with "
                   f"the wizard's defaults (128 px and bs 16 on a CPU, 4 + 2 epochs, a 40-step finder), a fresh process; final "
                   f"accuracy {results['photo_wizard_accuracy']:.3f} (goal ≥ 0.9), stage 1 {results['photo_wizard_stage1_accuracy']:.3f} |")
    return out
