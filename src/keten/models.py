"""Every table of keten, imported in one place so Alembic and tests see the whole schema."""

from keten.catalog import models as catalog_models
from keten.connector import models as connector_models
from keten.dataio import models as dataio_models
from keten.db import Base
from keten.exchange import models as exchange_models
from keten.footprints import models as footprints_models
from keten.lifecycle import models as lifecycle_models
from keten.partners import models as partners_models
from keten.passports import models as passports_models
from keten.replay import ChangeCounter
from keten.resilience import models as resilience_models

__all__ = [
    "Base",
    "ChangeCounter",
    "catalog_models",
    "connector_models",
    "dataio_models",
    "exchange_models",
    "footprints_models",
    "lifecycle_models",
    "partners_models",
    "passports_models",
    "resilience_models",
]
