"""The Handover Documentation submodel (IDTA 02004-1-2) of a passport's AAS: the signed passport
download of the reader's tier, as a VDI 2770 document whose file travels inside the AASX."""

from __future__ import annotations

import io
from datetime import date, datetime
from typing import TYPE_CHECKING

from basyx.aas import model
from basyx.aas.adapter import aasx

from keten.passports.aas import HANDOVER_SUBMODEL
from keten.passports.aas_elements import id_short_of, mlp, prop, ref

if TYPE_CHECKING:
    from keten.passports.aas_export import ProductContent

__all__ = ["VDI2770_CERTIFICATES", "handover"]

VDI2770_CERTIFICATES = ("02-04", "Certificates, declarations")


def _passport_document(
    content: ProductContent, file_name: str, issued: date
) -> model.SubmodelElementCollection:
    title = (
        f"Digital product passport {content.passport_id}, revision {content.revision} ({content.tier} tier)"
    )
    return model.SubmodelElementCollection(
        "Document01",
        semantic_id=ref("0173-1#02-ABI500#001/0173-1#01-AHF579#001*01"),
        value=[
            model.SubmodelElementCollection(
                "DocumentId",
                semantic_id=ref("0173-1#02-ABI501#001/0173-1#01-AHF580#001*01"),
                value=[
                    prop("DocumentDomainId", "0173-1#02-ABH994#001", content.economic_operator_id),
                    prop("ValueId", "0173-1#02-AAO099#002", f"{content.passport_id}#{content.revision}"),
                    prop("IsPrimary", "0173-1#02-ABH995#001", True, model.datatypes.Boolean),
                ],
            ),
            model.SubmodelElementCollection(
                "DocumentClassification",
                semantic_id=ref("0173-1#02-ABI502#001/0173-1#01-AHF581#001*01"),
                value=[
                    prop("ClassId", "0173-1#02-ABH996#001", VDI2770_CERTIFICATES[0]),
                    mlp("ClassName", "0173-1#02-AAO102#003", VDI2770_CERTIFICATES[1]),
                    prop("ClassificationSystem", "0173-1#02-ABH997#001", "VDI2770:2018"),
                ],
            ),
            model.SubmodelElementCollection(
                "DocumentVersion01",
                semantic_id=ref("0173-1#02-ABI503#001/0173-1#01-AHF582#001*01"),
                value=[
                    prop("Language01", "0173-1#02-AAN468#006", "en"),
                    prop("DocumentVersionId", "0173-1#02-AAO100#002", str(content.revision)),
                    mlp("Title", "0173-1#02-AAO105#002", title),
                    mlp(
                        "Summary",
                        "0173-1#02-AAO106#002",
                        "The passport as a reader of this tier downloads it, with the signed revision "
                        "chain: keten passport verify checks it offline with the published keys",
                    ),
                    mlp("KeyWords", "0173-1#02-ABH999#001", "DPP, ESPR, passport, signature"),
                    prop("StatusSetDate", "0173-1#02-ABI000#001", issued, model.datatypes.Date),
                    prop("StatusValue", "0173-1#02-ABI001#001", "Released"),
                    prop("OrganizationName", "0173-1#02-ABI002#001", content.manufacturer_name),
                    prop("OrganizationOfficialName", "0173-1#02-ABI004#001", content.manufacturer_name),
                    model.File(
                        "DigitalFile01",
                        content_type="application/json",
                        value=file_name,
                        semantic_id=ref("0173-1#02-ABI504#001/0173-1#01-AHF583#001"),
                    ),
                ],
            ),
        ],
    )


def handover(
    content: ProductContent, submodel_id: str, files: aasx.DictSupplementaryFileContainer, now: datetime
) -> model.Submodel:
    """Return the Handover Documentation of ``content``: its signed download (added to ``files``)
    as the one document, or no document for a product not yet issued a passport."""
    documents: list[model.SubmodelElement] = []
    if content.signed is not None:
        name = files.add_file(
            f"/aasx/files/passport-{id_short_of(content.part_number).lower()}.json",
            io.BytesIO(content.signed),
            "application/json",
        )
        documents.append(_passport_document(content, name, now.date()))
    return model.Submodel(
        submodel_id,
        id_short="HandoverDocumentation",
        semantic_id=ref(HANDOVER_SUBMODEL),
        administration=model.AdministrativeInformation(version="1", revision="2"),
        submodel_element=[
            prop("numberOfDocuments", "0173-1#02-ABH990#001", len(documents), model.datatypes.Integer),
            *documents,
        ],
    )
