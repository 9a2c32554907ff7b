"""Bulk data in and out: streaming readers, item/annotation importers and export formats."""
