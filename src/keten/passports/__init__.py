"""Digital product passports: per model, batch and serialized item, with access tiers, signed and
hash-chained revisions, a GS1 Digital Link resolver, JSON-LD, QR codes and AAS (AASX) files."""
