"""Pydantic shapes of organizations, sites and sourcing in the JSON API."""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from keten import validators

__all__ = [
    "OrganizationBase",
    "OrganizationCreate",
    "OrganizationRead",
    "OrganizationUpdate",
    "SiteBase",
    "SiteCreate",
    "SiteRead",
    "SiteUpdate",
    "SourcingCreate",
    "SourcingRead",
]

Country = Annotated[str, AfterValidator(validators.check_country)]
Kvk = Annotated[str, AfterValidator(validators.check_kvk)]
Lei = Annotated[str, AfterValidator(validators.check_lei)]
Gln = Annotated[str, AfterValidator(validators.check_gln)]
Role = Annotated[str, Field(pattern="^(own|supplier|customer|partner)$")]
Name = Annotated[str, Field(min_length=1, max_length=200)]
Code = Annotated[str, Field(min_length=1, max_length=64)]


class OrganizationBase(BaseModel):
    """Fields of an organization that a user sets; identifiers are checked (LEI and GLN check digits)."""

    name: Name
    role: Role = "supplier"
    country: Country | None = None
    kvk: Kvk | None = None
    lei: Lei | None = None
    gln: Gln | None = None
    website: Annotated[str, Field(max_length=200)] | None = None


class OrganizationCreate(OrganizationBase):
    """A new organization; ``code`` is its natural key."""

    code: Code


class OrganizationUpdate(BaseModel):
    """A change to an organization: only the fields given are changed."""

    name: Name | None = None
    role: Role | None = None
    country: Country | None = None
    kvk: Kvk | None = None
    lei: Lei | None = None
    gln: Gln | None = None
    website: Annotated[str, Field(max_length=200)] | None = None


class OrganizationRead(OrganizationCreate):
    """An organization as stored."""

    model_config = ConfigDict(from_attributes=True)


class SiteBase(BaseModel):
    """Fields of a site that a user sets."""

    name: Name
    country: Country
    city: Annotated[str, Field(max_length=100)] | None = None
    address: Annotated[str, Field(max_length=300)] | None = None
    gln: Gln | None = None


class SiteCreate(SiteBase):
    """A new site of an organization; ``code`` is its natural key."""

    code: Code
    organization: Code


class SiteUpdate(BaseModel):
    """A change to a site: only the fields given are changed."""

    name: Name | None = None
    country: Country | None = None
    city: Annotated[str, Field(max_length=100)] | None = None
    address: Annotated[str, Field(max_length=300)] | None = None
    gln: Gln | None = None


class SiteRead(SiteCreate):
    """A site as stored, with its organization's code."""


class SourcingCreate(BaseModel):
    """A supplier site supplies a part."""

    part_number: Code
    site: Code
    share: Annotated[float, Field(ge=0, le=1)] = 1.0
    lead_time_days: Annotated[int, Field(ge=0)]
    price_eur: Annotated[float, Field(ge=0)] | None = None
    qualified_alternate: bool = False


class SourcingRead(SourcingCreate):
    """A sourcing line as stored."""
