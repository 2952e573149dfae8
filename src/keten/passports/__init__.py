"""Digital product passports: content, access tiers, revisions, carriers and formats (JSON-LD, AAS)."""
