__version__ = "0.1.0"

def __getattr__(name):
    # `vision_course.doc(obj)` (and `search`, `lookup`): the doc look-up of `vision_course.docs`, imported on first
    # use, so that `import vision_course` stays free of fastai and torch
    if name in ('doc', 'search', 'lookup'):
        import importlib
        return getattr(importlib.import_module('vision_course.docs'), name)
    raise AttributeError(f"module 'vision_course' has no attribute {name!r}")
