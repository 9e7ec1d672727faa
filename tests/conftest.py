import os, subprocess, sys
from pathlib import Path
import pytest

ROOT = Path(__file__).resolve().parent.parent
CLI = [str(Path(sys.executable).parent/'vision-course')]  # the console script pip installed


def run_cli(*args, cwd=None, timeout=600, env=None):
    "Run the `vision-course` command line in a fresh interpreter."
    e = {**os.environ, 'PYTHONWARNINGS': 'ignore', **(env or {})}
    return subprocess.run(CLI + [str(a) for a in args], capture_output=True, text=True, cwd=cwd, timeout=timeout, env=e)


@pytest.fixture
def cli():
    return run_cli
