"""Demo data: illustrative workbooks written as units write them, loaded through the ETL."""
