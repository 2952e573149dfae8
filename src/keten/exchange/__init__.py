"""Footprint exchange between companies over the PACT API: partners, grants, requests, client."""
