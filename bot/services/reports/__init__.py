"""Reports (/report, /export): what was recorded, gathered for a chart or a workbook."""
