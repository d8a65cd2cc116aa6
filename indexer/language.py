"""Language of an article body (ISO 639-1), by py3langid."""

from __future__ import annotations

_identifier = None


def detect_language(text: str, min_chars: int = 40) -> str | None:
    """The body's language code, or None when the text is too short to tell."""
    global _identifier
    sample = " ".join(text.split())[:4000]
    if len(sample) < min_chars:
        return None
    if _identifier is None:
        from py3langid.langid import MODEL_FILE, LanguageIdentifier

        _identifier = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    lang, prob = _identifier.classify(sample)
    return lang if prob >= 0.5 else None
