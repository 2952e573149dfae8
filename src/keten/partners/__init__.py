"""Organizations, their sites, and who supplies which part."""
