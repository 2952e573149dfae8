"""Pydantic shapes of organizations, sites and sourcing in the JSON API.

Identifiers are checked the way the importer checks them (keten.validators): ISO 3166-1 country
codes, KvK numbers, LEI check digits (ISO 17442) and GLN check digits (GS1). Input models refuse
unknown fields; PATCH models change only the fields sent.
"""

from __future__ import annotations

from typing import Annotated, ClassVar, Literal, Self

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints, model_validator

from keten import ranges, validators

__all__ = [
    "OrganizationBase",
    "OrganizationCreate",
    "OrganizationRead",
    "OrganizationUpdate",
    "Role",
    "SiteBase",
    "SiteCreate",
    "SiteRead",
    "SiteUpdate",
    "SourcingBase",
    "SourcingCreate",
    "SourcingRead",
    "SourcingUpdate",
]

# The same values as the CHECK constraint in keten.partners.models; a test keeps them equal.
Role = Literal["own", "supplier", "customer", "partner"]

Country = Annotated[
    str,
    AfterValidator(validators.check_country),
    Field(description="ISO 3166-1 alpha-2 code, e.g. NL.", examples=["NL"]),
]
Kvk = Annotated[str, AfterValidator(validators.check_kvk), Field(description="Dutch KvK number, 8 digits.")]
Lei = Annotated[
    str, AfterValidator(validators.check_lei), Field(description="ISO 17442 Legal Entity Identifier.")
]
Gln = Annotated[
    str, AfterValidator(validators.check_gln), Field(description="GS1 Global Location Number, 13 digits.")
]
Code = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
City = Annotated[str, StringConstraints(strip_whitespace=True, max_length=100)]
Address = Annotated[str, StringConstraints(strip_whitespace=True, max_length=300)]
Website = Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)]
Share = Annotated[float, Field(ge=0, le=1, description="Share of the part's volume from this site, 0 to 1.")]
LeadTime = Annotated[
    ranges.LeadTimeDays, Field(description="Replenishment lead time in days, at most ten years.")
]
Price = Annotated[ranges.PriceEur, Field(description="Price per unit of measure of the part.")]


class _Input(BaseModel):
    model_config = ConfigDict(extra="forbid")


class _Patch(_Input):
    """A PATCH body: fields left out stay as they are; ``null`` empties a field that may be empty."""

    _not_null: ClassVar[frozenset[str]] = frozenset()

    @model_validator(mode="after")
    def _refuse_null_for_required(self) -> Self:
        emptied = sorted(f for f in self.model_fields_set & self._not_null if getattr(self, f) is None)
        if emptied:
            raise ValueError(f"{', '.join(emptied)} cannot be null; leave the field out to keep it")
        return self


# --- organizations ----------------------------------------------------------------------------


class OrganizationBase(_Input):
    """Fields of an organization that a user sets."""

    name: Name
    role: Role = Field(default="supplier", description="own (at most one), supplier, customer or partner.")
    country: Country | None = None
    kvk: Kvk | None = None
    lei: Lei | None = None
    gln: Gln | None = None
    website: Website | None = None


class OrganizationCreate(OrganizationBase):
    """A new organization; ``code`` is its natural key."""

    code: Code


class OrganizationUpdate(_Patch):
    """A change to an organization: only the fields sent are changed."""

    _not_null = frozenset({"name", "role"})

    name: Name | None = None
    role: Role | None = None
    country: Country | None = None
    kvk: Kvk | None = None
    lei: Lei | None = None
    gln: Gln | None = None
    website: Website | None = None


class OrganizationRead(BaseModel):
    """An organization as stored."""

    model_config = ConfigDict(from_attributes=True)

    code: str
    name: str
    role: str
    country: str | None
    kvk: str | None
    lei: str | None
    gln: str | None
    website: str | None


# --- sites ------------------------------------------------------------------------------------


class SiteBase(_Input):
    """Fields of a site that a user sets."""

    name: Name
    country: Country
    city: City | None = None
    address: Address | None = None
    gln: Gln | None = None


class SiteCreate(SiteBase):
    """A new site of an existing organization; ``code`` is its natural key."""

    code: Code
    organization: Code = Field(description="Code of the organization that runs the site.")


class SiteUpdate(_Patch):
    """A change to a site: only the fields sent are changed."""

    _not_null = frozenset({"name", "country", "organization"})

    name: Name | None = None
    country: Country | None = None
    city: City | None = None
    address: Address | None = None
    gln: Gln | None = None
    organization: Code | None = Field(default=None, description="Move the site to another organization.")


class SiteRead(BaseModel):
    """A site as stored, with the code and name of its organization."""

    code: str
    organization: str
    organization_name: str
    name: str
    country: str
    city: str | None
    address: str | None
    gln: str | None


# --- sourcing ---------------------------------------------------------------------------------


class SourcingBase(_Input):
    """How a site supplies a part."""

    share: Share = 1.0
    lead_time_days: LeadTime
    price_eur: Price | None = None
    qualified_alternate: bool = Field(
        default=False, description="A qualified second source that can take over volume."
    )


class SourcingCreate(SourcingBase):
    """A supplier site starts supplying a part; (part_number, site) is the natural key."""

    part_number: Code
    site: Code = Field(description="Code of the supplier site.")


class SourcingUpdate(_Patch):
    """A change to how a site supplies a part: only the fields sent are changed."""

    _not_null = frozenset({"share", "lead_time_days", "qualified_alternate"})

    share: Share | None = None
    lead_time_days: LeadTime | None = None
    price_eur: Price | None = None
    qualified_alternate: bool | None = None


class SourcingRead(BaseModel):
    """A part supplied by a site, with the site's organization and country."""

    part_number: str
    part_name: str
    site: str
    site_name: str
    organization: str
    organization_name: str
    country: str
    share: float
    lead_time_days: int
    price_eur: float | None
    qualified_alternate: bool
