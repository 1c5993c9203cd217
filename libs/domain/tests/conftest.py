"""Keep Hypothesis's example database out of the repository (like ``-p no:cacheprovider`` does for pytest)."""

import os
import tempfile
from pathlib import Path

os.environ.setdefault("HYPOTHESIS_STORAGE_DIRECTORY", str(Path(tempfile.gettempdir()) / "onewindow-domain-hypothesis"))
