"""Make the package's pretrained backbone again: `python bench/pretrain.py` (a few minutes on a CPU).

Draws the glyphs from a fixed seed, trains `vision_course.backbone`'s slim xresnet on them, and writes
vision_course/weights/glyphnet.pth with glyphnet.json beside it (recipe, source-task accuracy, sha256).
Options: --out FILE (default: the package's file), --epochs N, --per-class N, --seed N.
"""
import argparse, os
os.environ.setdefault('OMP_NUM_THREADS', str(os.cpu_count() or 1))
from vision_course.backbone import pretrain, WEIGHTS

if __name__ == '__main__':
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--out', default=str(WEIGHTS))
    p.add_argument('--epochs', type=int, default=6)
    p.add_argument('--per-class', type=int, default=500)
    p.add_argument('--seed', type=int, default=0)
    a = p.parse_args()
    info = pretrain(a.out, n_per_class=a.per_class, epochs=a.epochs, seed=a.seed)
    print(f"wrote {a.out}: held-out accuracy {info['source_accuracy']}, {info['weights']:,} weights, {info['seconds']} s")
