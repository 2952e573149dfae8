"""Import and export of a value chain as CSV, XLSX and JSON."""
