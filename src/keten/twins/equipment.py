"""An equipment as an Asset Administration Shell, built from what the connector stores: its
nameplate (IDTA 02006), technical data (IDTA 02003), operational data (the live values and what apps
wrote back) and time series (IDTA 02008, the recent samples inside, every sample by link)."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any
from urllib.parse import quote

from basyx.aas import model
from basyx.aas.model.concept import ConceptDescription
from sqlalchemy.orm import Session

from keten.connector import service as connector
from keten.passports import aas_export

__all__ = [
    "KINDS",
    "LIVE_SIGNAL",
    "OPERATIONAL_DATA",
    "SUMMARY",
    "asset_id",
    "concept_descriptions",
    "live_property",
    "shell",
    "shell_id",
    "submodel",
    "submodel_id",
]

KINDS = ("nameplate", "technical-data", "operational-data", "time-series")
"""The submodels of an equipment's shell, in the order the shell names them."""

TECHNICAL_DATA = "https://admin-shell.io/ZVEI/TechnicalData/Submodel/1/2"
_TD = "https://admin-shell.io/ZVEI/TechnicalData"
TIME_SERIES = "https://admin-shell.io/idta/TimeSeries/1/1"
_TS = "https://admin-shell.io/idta/TimeSeries"
OPERATIONAL_DATA = "urn:keten:semantic:connector:OperationalData:1:0"
_OP = "urn:keten:semantic:connector"

RECENT_SAMPLES = 20
"""How many of the newest samples of each numeric signal the time series carries inside."""

_LIVE = {
    "power_kw": ("Power", model.datatypes.Double, "kW"),
    "energy_kwh": ("EnergyCounter", model.datatypes.Double, "kWh"),
    "state": ("State", model.datatypes.String, None),
    "good_count": ("GoodCount", model.datatypes.Double, None),
    "scrap_count": ("ScrapCount", model.datatypes.Double, None),
    "order_id": ("OrderId", model.datatypes.String, None),
    "part_number": ("PartNumber", model.datatypes.String, None),
}
"""Signal -> (idShort in the operational data, value type, unit)."""
_SERIES = ("power_kw", "energy_kwh")
_MEANING = {
    "Power": (
        "power",
        "Electrical power the machine draws, as last read",
        model.DataTypeIEC61360.REAL_MEASURE,
    ),
    "EnergyCounter": (
        "energy counter",
        "The machine's cumulative energy meter",
        model.DataTypeIEC61360.REAL_MEASURE,
    ),
    "State": ("state", "running, idle, down or setup", model.DataTypeIEC61360.STRING),
    "GoodCount": ("good parts", "Cumulative count of good parts", model.DataTypeIEC61360.REAL_COUNT),
    "ScrapCount": ("scrap parts", "Cumulative count of scrapped parts", model.DataTypeIEC61360.REAL_COUNT),
    "OrderId": ("production order", "The order being worked on", model.DataTypeIEC61360.STRING),
    "PartNumber": ("part number", "The part being worked on", model.DataTypeIEC61360.STRING),
}
"""idShort -> (preferred name, definition, data type) of keten's operational data concepts."""
_IEC61360 = "https://admin-shell.io/DataSpecificationTemplates/DataSpecificationIec61360/3"
NAMEPLATE = "https://admin-shell.io/zvei/nameplate/2/0/Nameplate"

SUMMARY = {
    "nameplate": ("Nameplate", NAMEPLATE),
    "technical-data": ("TechnicalData", TECHNICAL_DATA),
    "operational-data": ("OperationalData", OPERATIONAL_DATA),
    "time-series": ("TimeSeries", TIME_SERIES),
}
"""Submodel kind -> (idShort, semantic id), for the registry, which names them without reading them."""


def shell_id(key: str) -> str:
    """Return the id of equipment ``key``'s shell."""
    return f"urn:keten:aas:equipment:{quote(key, safe='')}"


def asset_id(key: str) -> str:
    """Return the global asset id of equipment ``key``."""
    return f"urn:keten:equipment:{quote(key, safe='')}"


def submodel_id(key: str, kind: str) -> str:
    """Return the id of submodel ``kind`` (one of KINDS) of equipment ``key``."""
    return f"urn:keten:submodel:equipment:{quote(key, safe='')}:{kind}"


def _ref(value: str) -> model.ExternalReference:
    return model.ExternalReference((model.Key(model.KeyTypes.GLOBAL_REFERENCE, value),))


def _prop(
    id_short: str, semantic: str, value: Any, value_type: Any = model.datatypes.String
) -> model.Property:
    return model.Property(id_short, value_type=value_type, value=value, semantic_id=_ref(semantic))


def _mlp(id_short: str, semantic: str, text: str) -> model.MultiLanguageProperty:
    return model.MultiLanguageProperty(
        id_short, value=model.MultiLanguageTextType({"en": text}), semantic_id=_ref(semantic)
    )


def _moment(ts_ms: int) -> datetime:
    return datetime.fromtimestamp(ts_ms / 1000.0, tz=UTC)


def _specific_ids(row: Any) -> list[model.SpecificAssetId]:
    ids = [model.SpecificAssetId("equipmentId", row.key), model.SpecificAssetId("site", row.site_code)]
    serial = (row.nameplate or {}).get("serial_number")
    if serial:
        ids.append(model.SpecificAssetId("serialNumber", serial))
    return ids


def _nameplate(row: Any) -> model.Submodel:
    plate: dict[str, Any] = row.nameplate or {}
    content = aas_export.ProductContent(
        part_number=plate.get("type") or row.key,
        name=plate.get("designation") or row.name or row.key,
        description=row.name,
        category=None,
        serial=plate.get("serial_number"),
        gtin=None,
        asset_id=asset_id(row.key),
        granularity="item",
        year_of_construction=int(plate.get("year_of_construction") or datetime.now(UTC).year),
        manufacturer_name=plate.get("manufacturer") or "not stated",
        manufacturer_website=plate.get("website"),
        economic_operator_id="",
        facility_id=None,
        facility_city=None,
        facility_country=plate.get("country_of_origin"),
        facility_address=None,
        as_built=None,
        footprint=None,
        passport_id=None,
        revision=None,
        signed=None,
        tier="equipment",
    )
    return aas_export.nameplate_submodel(content, submodel_id(row.key, "nameplate"))


def _technical_data(row: Any) -> model.Submodel:
    plate: dict[str, Any] = row.nameplate or {}
    general: list[model.SubmodelElement] = [
        _mlp("ManufacturerName", "0173-1#02-AAO677#002", plate.get("manufacturer") or "not stated"),
        _mlp(
            "ManufacturerProductDesignation",
            "0173-1#02-AAW338#001",
            plate.get("designation") or row.name or row.key,
        ),
        _prop("ManufacturerArticleNumber", "0173-1#02-AAO676#003", plate.get("type") or row.key),
        _prop("ManufacturerOrderCode", "0173-1#02-AAO227#002", plate.get("type") or row.key),
    ]
    technical: list[model.SubmodelElement] = []
    if plate.get("rated_power_kw"):
        technical.append(
            _prop(
                "RatedPower",
                f"{_OP}/RatedPower_kW",
                Decimal(repr(float(plate["rated_power_kw"]))),
                model.datatypes.Decimal,
            )
        )
    if row.energy_max_kwh:
        technical.append(
            _prop(
                "EnergyCounterMaximum",
                f"{_OP}/EnergyCounterMaximum_kWh",
                float(row.energy_max_kwh),
                model.datatypes.Double,
            )
        )
    if row.ideal_cycle_s:
        technical.append(
            _prop(
                "IdealCycleTime", f"{_OP}/IdealCycleTime_s", float(row.ideal_cycle_s), model.datatypes.Double
            )
        )
    signals = [
        _prop(_LIVE[name][0], f"{_OP}/SignalSource", _where(spec))
        for name, spec in sorted(row.signals.items())
        if name in _LIVE
    ]
    technical.append(
        model.SubmodelElementCollection("Signals", value=signals, semantic_id=_ref(f"{_OP}/Signals"))
    )
    return model.Submodel(
        submodel_id(row.key, "technical-data"),
        id_short="TechnicalData",
        semantic_id=_ref(TECHNICAL_DATA),
        administration=model.AdministrativeInformation(version="1", revision="2"),
        submodel_element=[
            model.SubmodelElementCollection(
                "GeneralInformation", value=general, semantic_id=_ref(f"{_TD}/GeneralInformation/1/1")
            ),
            model.SubmodelElementCollection(
                "TechnicalProperties", value=technical, semantic_id=_ref(f"{_TD}/TechnicalProperties/1/1")
            ),
        ],
    )


def _where(spec: dict[str, Any]) -> str:
    if spec.get("node"):
        return f"opc.ua node {spec['node']}"
    where = f"mqtt topic {spec.get('topic')}"
    return (
        f"{where} metric {spec['metric']}"
        if spec.get("metric")
        else f"{where} path {spec.get('path', 'value')}"
    )


LIVE_SIGNAL = {id_short: signal for signal, (id_short, _type, _unit) in _LIVE.items()}
"""idShort of a live value in the operational data -> the signal it shows."""


def live_property(signal: str, got: connector.LiveValue | None) -> model.Property:
    """Return the operational data's property of ``signal`` showing its last value ``got``."""
    id_short, value_type, _unit = _LIVE[signal]
    value = None if got is None or got.value is None else value_type(got.value)
    return _prop(id_short, f"{_OP}/{id_short}", value, value_type)


def _operational_data(session: Session, row: Any) -> model.Submodel:
    live = connector.live_values(session, equipment=row)
    elements: list[model.SubmodelElement] = []
    for signal in _LIVE:
        if signal in row.signals:
            elements.append(live_property(signal, live.get(signal)))
    newest = max((v.ts_ms for v in live.values()), default=None)
    elements.append(
        _prop(
            "LastUpdate", f"{_OP}/LastUpdate", _moment(newest) if newest else None, model.datatypes.DateTime
        )
    )
    results: dict[str, list[model.SubmodelElement]] = {}
    for result in connector.app_results(session, equipment_id=row.id):
        results.setdefault(result.app, []).append(
            _prop(aas_export.id_short_of(result.name), f"{_OP}/AppResult", result.value)
        )
    if results:
        # An app that has written nothing has no collection: an empty collection says nothing.
        apps = [
            model.SubmodelElementCollection(
                aas_export.id_short_of(app), value=values, semantic_id=_ref(f"{_OP}/App")
            )
            for app, values in results.items()
        ]
        elements.append(
            model.SubmodelElementCollection("AppResults", value=apps, semantic_id=_ref(f"{_OP}/AppResults"))
        )
    return model.Submodel(
        submodel_id(row.key, "operational-data"),
        id_short="OperationalData",
        semantic_id=_ref(OPERATIONAL_DATA),
        submodel_element=elements,
    )


def _records(session: Session, row: Any) -> tuple[list[model.SubmodelElement], int | None, int | None]:
    by_time: dict[int, dict[str, float]] = {}
    for signal in _SERIES:
        if signal in row.signals:
            for ts_ms, value in connector.recent(
                session, equipment_id=row.id, signal=signal, limit=RECENT_SAMPLES
            ):
                by_time.setdefault(ts_ms, {})[signal] = value
    records: list[model.SubmodelElement] = []
    for i, ts_ms in enumerate(sorted(by_time)):
        values: list[model.SubmodelElement] = [
            _prop("Time", f"{_TS}/UtcTime/1/1", _moment(ts_ms), model.datatypes.DateTime)
        ]
        values += [
            _prop(_LIVE[s][0], f"{_OP}/{_LIVE[s][0]}", v, model.datatypes.Double)
            for s, v in by_time[ts_ms].items()
        ]
        records.append(
            model.SubmodelElementCollection(
                f"Record{i + 1:03d}", value=values, semantic_id=_ref(f"{_TS}/Record/1/1")
            )
        )
    times = sorted(by_time)
    return records, (times[0] if times else None), (times[-1] if times else None)


def _segment_fields(
    name: str, count: int | None, start: int | None, end: int | None
) -> list[model.SubmodelElement]:
    fields: list[model.SubmodelElement] = [_mlp("Name", f"{_TS}/Segment/Name/1/1", name)]
    if count is not None:
        fields.append(_prop("RecordCount", f"{_TS}/Segment/RecordCount/1/1", count, model.datatypes.Long))
    if start is not None and end is not None:
        fields.append(_prop("StartTime", f"{_TS}/Segment/StartTime/1/1", _moment(start).isoformat()))
        fields.append(_prop("EndTime", f"{_TS}/Segment/EndTime/1/1", _moment(end).isoformat()))
    fields.append(_prop("State", f"{_TS}/Segment/State/1/1", "InProgress"))
    return fields


def _time_series(session: Session, row: Any, series_base: str) -> model.Submodel:
    variables = [
        _prop(_LIVE[s][0], f"{_OP}/{_LIVE[s][0]}", None, model.datatypes.Double)
        for s in _SERIES
        if s in row.signals
    ]
    metadata = model.SubmodelElementCollection(
        "Metadata",
        semantic_id=_ref(f"{_TS}/Metadata/1/1"),
        value=[
            _mlp("Name", f"{_TS}/Metadata/Name/1/1", f"Power and energy of {row.key}"),
            _mlp(
                "Description",
                f"{_TS}/Metadata/Description/1/1",
                "Power in kW and the energy counter in kWh as the connector read them",
            ),
            model.SubmodelElementCollection(
                "Record",
                semantic_id=_ref(f"{_TS}/Record/1/1"),
                value=[_prop("Time", f"{_TS}/UtcTime/1/1", None, model.datatypes.DateTime), *variables],
            ),
        ],
    )
    records, start, end = _records(session, row)
    segments: list[model.SubmodelElement] = []
    if records:
        segments.append(
            model.SubmodelElementCollection(
                "Recent",
                semantic_id=_ref(f"{_TS}/Segments/InternalSegment/1/1"),
                value=[
                    *_segment_fields("The newest samples", len(records), start, end),
                    model.SubmodelElementCollection(
                        "Records", value=records, semantic_id=_ref(f"{_TS}/Records/1/1")
                    ),
                ],
            )
        )
    for signal in (s for s in _LIVE if s in row.signals):
        segments.append(
            model.SubmodelElementCollection(
                f"All{_LIVE[signal][0]}",
                semantic_id=_ref(f"{_TS}/Segments/LinkedSegment/1/1"),
                value=[
                    *_segment_fields(f"Every sample of {signal}", None, None, None),
                    _prop(
                        "Endpoint",
                        f"{_TS}/Endpoint/1/1",
                        f"{series_base}/api/connector/equipment/{quote(row.key, safe='')}/series",
                    ),
                    _prop("Query", f"{_TS}/Query/1/1", f"signal={signal}&start_ms={{start}}&end_ms={{end}}"),
                ],
            )
        )
    return model.Submodel(
        submodel_id(row.key, "time-series"),
        id_short="TimeSeries",
        semantic_id=_ref(TIME_SERIES),
        administration=model.AdministrativeInformation(version="1", revision="1"),
        submodel_element=[
            metadata,
            model.SubmodelElementCollection(
                "Segments", value=segments, semantic_id=_ref(f"{_TS}/Segments/1/1")
            ),
        ],
    )


def submodel(session: Session, row: Any, kind: str, *, base_url: str) -> model.Submodel:
    """Return submodel ``kind`` of the equipment ``row`` (a connector equipment) as it is now."""
    if kind == "nameplate":
        return _nameplate(row)
    if kind == "technical-data":
        return _technical_data(row)
    if kind == "operational-data":
        return _operational_data(session, row)
    return _time_series(session, row, base_url)


def shell(row: Any) -> model.AssetAdministrationShell:
    """Return the shell of the equipment ``row``, naming its submodels."""
    return model.AssetAdministrationShell(
        model.AssetInformation(
            asset_kind=model.AssetKind.INSTANCE,
            global_asset_id=asset_id(row.key),
            specific_asset_id=_specific_ids(row),
            asset_type="equipment",
        ),
        shell_id(row.key),
        id_short=aas_export.id_short_of(row.key, prefix="AAS"),
        description=model.MultiLanguageTextType({"en": row.name or row.key}),
        submodel={
            model.ModelReference(
                (model.Key(model.KeyTypes.SUBMODEL, submodel_id(row.key, k)),), model.Submodel
            )
            for k in KINDS
        },
    )


def concept_descriptions() -> list[ConceptDescription]:
    """Return the concept descriptions (IEC 61360) of the operational data keten defines itself."""
    units = {id_short: unit for id_short, _type, unit in _LIVE.values()}
    out = []
    for id_short, (name, definition, data_type) in _MEANING.items():
        content = model.DataSpecificationIEC61360(
            preferred_name=model.PreferredNameTypeIEC61360({"en": name}),
            data_type=data_type,
            definition=model.DefinitionTypeIEC61360({"en": definition}),
            unit=units.get(id_short),
        )
        out.append(
            ConceptDescription(
                f"{_OP}/{id_short}",
                id_short=id_short,
                embedded_data_specifications=[model.EmbeddedDataSpecification(_ref(_IEC61360), content)],
            )
        )
    return out
