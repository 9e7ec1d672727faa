"The widgets: a panel per step, and the wizard that joins them (`from vision_course.ui import wizard; wizard()`)."
import importlib

def __getattr__(name):
    # imported on first use, so that importing one panel does not build them all
    if name in ('wizard', 'Wizard'): return getattr(importlib.import_module('vision_course.ui.app'), name)
    raise AttributeError(f"module 'vision_course.ui' has no attribute {name!r}")
