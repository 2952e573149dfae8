"""Building blocks of the passport's AAS submodels (metamodel 3.0, basyx-python-sdk): references,
properties and idShorts, shared by every submodel keten writes."""

from __future__ import annotations

import re
from typing import Any

from basyx.aas import model

__all__ = ["id_short_of", "mlp", "prop", "ref"]


def ref(value: str) -> model.ExternalReference:
    """Return an external reference to the global id ``value`` (a semanticId, a valueId)."""
    return model.ExternalReference((model.Key(model.KeyTypes.GLOBAL_REFERENCE, value),))


def prop(
    id_short: str | None,
    semantic: str,
    value: Any,
    value_type: type = model.datatypes.String,
    value_id: str | None = None,
) -> model.Property:
    """Return a property with its semanticId (and the valueId of an enumerated value)."""
    return model.Property(
        id_short,
        value_type=value_type,
        value=value,
        semantic_id=ref(semantic),
        value_id=ref(value_id) if value_id else None,
    )


def mlp(id_short: str, semantic: str, text: str, language: str = "en") -> model.MultiLanguageProperty:
    """Return a multi-language property holding ``text`` in one language."""
    return model.MultiLanguageProperty(
        id_short, value=model.MultiLanguageTextType({language: text}), semantic_id=ref(semantic)
    )


def id_short_of(text: str, prefix: str = "N") -> str:
    """Return an idShort (metamodel 3.0: a letter, then letters, digits and underscores) for ``text``."""
    cleaned = re.sub(r"[^A-Za-z0-9_]", "_", text)
    return cleaned if cleaned[:1].isalpha() else f"{prefix}_{cleaned}"
