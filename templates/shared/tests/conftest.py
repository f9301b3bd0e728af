"""pytest setup: the models are loaded with the fake triton_python_backend_utils in tests/triton_fake.

The real module exists only inside the Triton container; the fake implements the same names and
signatures (typings/triton_python_backend_utils.pyi) in-process, so `python -m pytest` runs
without Triton, Docker or a GPU.
"""

import os
import sys

# Keep models/ free of __pycache__: it is the model repository the image and `run --mount` use.
sys.dont_write_bytecode = True

FAKE_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "triton_fake")
if FAKE_DIR not in sys.path:
    sys.path.insert(0, FAKE_DIR)
