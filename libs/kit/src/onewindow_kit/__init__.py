"""OneWindow's service kit."""

import importlib.util
import sys

# httpcore asks ``import sniffio`` on every request (AsyncShieldCancellation → current_async_library)
# and falls back to asyncio when it is missing — which it is here: a failed import is not cached, so
# each request searched sys.path again (4% of intake's CPU under registration load, decision 0024).
# Recording the absence makes that import fail at once; nothing changes when sniffio is installed.
if "sniffio" not in sys.modules and importlib.util.find_spec("sniffio") is None:
    sys.modules["sniffio"] = None  # type: ignore[assignment]
