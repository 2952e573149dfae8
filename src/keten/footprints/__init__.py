"""Product carbon footprints: emission factor sets, activity data, supplier PCFs and stored results."""
